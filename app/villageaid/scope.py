"""Who may see which rows: the one scope policy of the plugin.

Roles (FAB permissions) say *what* a user may do; this module says *where*.
Every path — lists, detail pages, edits, deletes, bulk actions, related
lists, form choices, exports, the REST API — asks this module, through
`ScopeFilter` (a FAB base filter), `visible_query()`, `get_visible()` or
`row_visible()`.

- A user holding the permission ``can_access_all_rows`` on ``VillageAidScope``
  (Admin, Office, Inspector by default) sees every row.
- Anyone else sees the rows of the towns and units assigned to them in
  ``ScopeAssignment``: a village when its town or its stationed unit is
  assigned; a cadre when its village is visible or its unit is assigned.
  Attendance is visible with its cadre; reserve candidates and follow-up
  records with their village. Reference lists (towns, units) and
  training sessions are readable by every signed-in user.
- No user, no assignment, or a model without a rule: no rows (fail closed).
"""
from flask import current_app, g, has_request_context
from flask_appbuilder.models.filters import BaseFilter
from sqlalchemy import Column, and_, case, exists, false, literal, or_, select, true
from sqlalchemy.sql import visitors

from .models import (
    Cadre,
    ExportReceipt,
    FollowUpRecord,
    FollowUpYear,
    ReserveCandidate,
    ScopeAssignment,
    Town,
    TrainingAttendance,
    TrainingSession,
    Unit,
    Village,
)

ALL_ROWS_VIEW = "VillageAidScope"
ALL_ROWS_PERMISSION = "can_access_all_rows"

# model -> function(town_ids, unit_ids, user_id) -> SQL condition
_RULES = {}


def rule(model):
    """Register the visibility condition of a model for scoped users."""

    def register(func):
        _RULES[model] = func
        return func

    return register


def has_rule(model):
    return model in _RULES


@rule(Town)
@rule(Unit)
@rule(TrainingSession)
def _reference(towns, units, user_id):
    return true()


@rule(Village)
def _village(towns, units, user_id):
    return or_(Village.town_id.in_(towns), Village.unit_id.in_(units))


def visible_village_ids(towns, units):
    """A subquery of the ids of the villages a scoped user sees."""
    return select(Village.id).where(_village(towns, units, None)).scalar_subquery()


@rule(Cadre)
def _cadre(towns, units, user_id):
    return or_(Cadre.unit_id.in_(units), Cadre.village_id.in_(visible_village_ids(towns, units)))


def visible_cadre_ids(towns, units):
    return select(Cadre.id).where(_cadre(towns, units, None)).scalar_subquery()


@rule(TrainingAttendance)
def _attendance(towns, units, user_id):
    return TrainingAttendance.cadre_id.in_(visible_cadre_ids(towns, units))


def _with_its_village(model):
    """Records that belong to a village are visible with it."""

    def condition(towns, units, user_id):
        return model.village_id.in_(visible_village_ids(towns, units))

    _RULES[model] = condition


for _model in (ReserveCandidate, FollowUpRecord, FollowUpYear):
    _with_its_village(_model)


@rule(ScopeAssignment)
def _assignment(towns, units, user_id):
    return ScopeAssignment.user_id == user_id


@rule(ExportReceipt)
def _receipt(towns, units, user_id):
    return ExportReceipt.user_id == user_id


# Rows that belong to the user rather than to a town or unit: visible even
# without any scope assignment.
PERSONAL = {ScopeAssignment, ExportReceipt}


# --- who is asking ---------------------------------------------------------


def _user():
    if not has_request_context():
        return None
    try:
        return current_app.appbuilder.sm.current_user
    except Exception:  # no token, no session: nobody
        return None


def sees_all_rows():
    """True when the current user holds the all-rows permission."""
    if not has_request_context():
        return False
    cached = g.get("_va_sees_all")
    if cached is None:
        cached = bool(_user()) and current_app.appbuilder.sm.has_access(
            ALL_ROWS_PERMISSION, ALL_ROWS_VIEW
        )
        g._va_sees_all = cached
    return cached


def assigned(user_id=None):
    """(town ids, unit ids) assigned to a user (default: the current one)."""
    if user_id is None:
        user = _user()
        if user is None:
            return (), ()
        user_id = user.id
        cached = g.get("_va_assigned")
        if cached is not None and cached[0] == user_id:
            return cached[1]
    session = current_app.appbuilder.session
    rows = session.execute(
        select(ScopeAssignment.town_id, ScopeAssignment.unit_id).where(
            ScopeAssignment.user_id == user_id
        )
    ).all()
    result = (
        tuple(sorted({t for t, _u in rows if t is not None})),
        tuple(sorted({u for _t, u in rows if u is not None})),
    )
    if has_request_context():
        g._va_assigned = (user_id, result)
    return result


# --- the policy ---------------------------------------------------------------


def condition(model):
    """The SQL condition selecting the rows of `model` the current user may see."""
    if sees_all_rows():
        return true()
    user = _user()
    func = _RULES.get(model)
    if user is None or func is None:
        return false()
    towns, units = assigned()
    if not towns and not units and func is not _reference and model not in PERSONAL:
        return false()
    return func(list(towns), list(units), user.id)


def visible_query(model, session=None):
    session = session or current_app.appbuilder.session
    return session.query(model).filter(condition(model))


def get_visible(model, pk, session=None):
    """The row of `model` with this primary key if the user may see it, else None."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return visible_query(model, session).filter(model.id == pk).one_or_none()


def would_be_visible(item, value_of):
    """Would this (unsaved or changed) row be visible to the current user?
    The model's own condition, with its columns replaced by the row's values
    (`value_of(column name)`), asked of the database before anything is written."""
    model = type(item)
    table = model.__table__

    def replace(element):
        if isinstance(element, Column) and element.table is table:
            return literal(value_of(element.name), element.type)
        return None

    expr = visitors.replacement_traverse(condition(model), {}, replace)
    session = current_app.appbuilder.session
    with session.no_autoflush:
        return bool(session.scalar(select(case((expr, 1), else_=0))))


def row_visible(item, session=None):
    """Is this (flushed) row visible to the current user? Used after a write
    to refuse an add or an edit that would put a row outside the user's scope."""
    session = session or current_app.appbuilder.session
    model = type(item)
    return bool(
        session.scalar(select(exists().where(and_(model.id == item.id, condition(model)))))
    )


class ScopeFilter(BaseFilter):
    """FAB base filter applying the scope policy; the column name is unused.

    Use as ``base_filters = [["id", ScopeFilter, None]]`` or in
    ``*_query_rel_fields``; the filter reads the current user on every query.
    """

    name = "Scope"

    def apply(self, query, value):
        return query.filter(condition(self.model))
