"""Personal data: ID numbers and phone numbers of people are shown in full
only to users holding ``can_view_personal_data`` on ``VillageAidScope``
(Office and Clerk by default), masked (430981********123X, 138****5678) for
everyone else — on screens, in exports and in the API alike."""
from sqlalchemy import String, case, cast, func, literal

from .disclosures import revealed
from .models import Cadre, ReserveCandidate
from .scope import current_viewer
PERSONAL_COLUMNS = {
    Cadre: ("id_number", "phone"),
    # the birth date too: a masked ID number hides exactly those digits
    ReserveCandidate: ("id_number", "phone", "birth_date"),
}


def may_see_personal_data(viewer=None):
    return (viewer or current_viewer()).personal_data


IRREGULAR = "********"


def mask_id_number(value):
    return value[:6] + "*" * 8 + value[-4:] if len(value) == 18 else IRREGULAR


def mask_phone(value):
    return value[:3] + "****" + value[-4:] if len(value) >= 8 else IRREGULAR


def mask_birth_date(value):
    """The year is enough to judge an age."""
    return str(value)[:4] + "-**-**"


MASKS = {"id_number": mask_id_number, "phone": mask_phone, "birth_date": mask_birth_date}


class PersonalMask:
    """A formatter: the value in full for those who may see it, else masked.
    The export engine recognises it and masks in SQL (`sql`)."""

    def __init__(self, column):
        self.column = column
        self.mask = MASKS[column]

    def __call__(self, value):
        if value in (None, ""):
            return value
        if may_see_personal_data():
            revealed(self.column, value)
            return value
        return self.mask(value)

    def sql(self, expr):
        """The same mask in SQL, for exports."""
        if self.column == "birth_date":
            return func.substr(cast(expr, String), 1, 4) + literal("-**-**", String)
        length = func.length(expr)
        tail = func.substr(expr, length - 3)
        if self.column == "id_number":
            masked, regular = func.substr(expr, 1, 6) + literal("*" * 8, String) + tail, length == 18
        else:
            masked, regular = func.substr(expr, 1, 3) + literal("****", String) + tail, length >= 8
        return case((expr.is_(None), None), (regular, masked), else_=literal(IRREGULAR, String))


def personal_columns(model):
    return PERSONAL_COLUMNS.get(model, ())


def mask_dict(model, data):
    """Mask the personal values of one API result dict in place."""
    if may_see_personal_data():
        for column in personal_columns(model):
            revealed(column, data.get(column))
        return data
    for column in personal_columns(model):
        if data.get(column):
            data[column] = PersonalMask(column)(data[column])
    return data


def hidden_columns(model, viewer=None):
    """The personal columns of `model` that `viewer` sees masked: never
    offered for ordering, filtering or searching (they would tell what the
    mask hides)."""
    return () if may_see_personal_data(viewer) else personal_columns(model)
