"""Personal data: ID numbers and phone numbers of people are shown in full
only to users holding ``can_view_personal_data`` on ``VillageAidScope``
(Office and Clerk by default), masked (430981********123X, 138****5678) for
everyone else — on screens, in exports and in the API alike."""
from flask import current_app, g, has_request_context
from sqlalchemy import String, func, literal

from .models import Cadre, ReserveCandidate
from .scope import ALL_ROWS_VIEW

PERSONAL_DATA_PERMISSION = "can_view_personal_data"
PERSONAL_COLUMNS = {
    Cadre: ("id_number", "phone"),
    ReserveCandidate: ("id_number", "phone"),
}


def may_see_personal_data():
    if not has_request_context():
        return False
    cached = g.get("_va_personal")
    if cached is None:
        cached = bool(current_app.appbuilder.sm.has_access(PERSONAL_DATA_PERMISSION, ALL_ROWS_VIEW))
        g._va_personal = cached
    return cached


def mask_id_number(value):
    return value[:6] + "*" * 8 + value[-4:] if len(value) == 18 else "*" * len(value)


def mask_phone(value):
    return value[:3] + "****" + value[-4:] if len(value) >= 8 else "*" * len(value)


class PersonalMask:
    """A formatter: the value in full for those who may see it, else masked.
    The export engine recognises it and masks in SQL (`sql`)."""

    def __init__(self, column):
        self.column = column
        self.mask = mask_id_number if column == "id_number" else mask_phone

    def __call__(self, value):
        if value in (None, "") or may_see_personal_data():
            return value
        return self.mask(value)

    def sql(self, expr):
        length = func.length(expr)
        if self.column == "id_number":
            head, tail = func.substr(expr, 1, 6), func.substr(expr, length - 3)
            stars = literal("*" * 8, String)
        else:
            head, tail = func.substr(expr, 1, 3), func.substr(expr, length - 3)
            stars = literal("****", String)
        return head + stars + tail


def personal_columns(model):
    return PERSONAL_COLUMNS.get(model, ())


def mask_dict(model, data):
    """Mask the personal values of one API result dict in place."""
    if may_see_personal_data():
        return data
    for column in personal_columns(model):
        if data.get(column):
            data[column] = PersonalMask(column)(data[column])
    return data
