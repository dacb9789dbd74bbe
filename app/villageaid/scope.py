"""Who may see which rows: the one scope policy of the plugin.

Roles (FAB permissions) say *what* a user may do; this module says *where*.
Every path — lists, detail pages, edits, deletes, bulk actions, related
lists, form choices, exports, reports, the REST API — asks this module, with
the user passed explicitly as a `Viewer` (`current_viewer()` in a request):
reads through `rows()` (Core) or `visible_query()` (ORM), and `ScopeFilter`
(a FAB base filter) for FAB's own views; writes through writes.py, which
asks `would_be_visible()` and `may_name()` before the flush and
`row_visible()` after it.

- A user holding the permission ``can_access_all_rows`` on ``VillageAidScope``
  (Admin, Office, Inspector by default) sees every row.
- Anyone else sees the rows of the towns and units assigned to them in
  ``ScopeAssignment`` (directly, or under an assigned division: reached by
  a subquery over the division, see Places): a village when its town or its stationed unit is
  assigned; a cadre when its village is visible or its unit is assigned.
  Attendance is visible with its cadre; reserve candidates and follow-up
  records with their village. Reference lists (towns, units) and
  training sessions are readable by every signed-in user.
- No user, no assignment, or a model without a rule: no rows (fail closed).
"""
from dataclasses import dataclass
from typing import Optional

from flask import current_app, g, has_request_context
from flask_appbuilder.models.filters import BaseFilter
from sqlalchemy import Column, and_, case, exists, false, literal, or_, select, true, union_all
from sqlalchemy.sql import operators, visitors
from sqlalchemy.sql.elements import BooleanClauseList

from . import preload
from .models import (
    Cadre,
    ChangeRecord,
    DictionaryEntry,
    Division,
    ExportReceipt,
    FollowUpAlert,
    FollowUpRecord,
    ImportBatch,
    Job,
    FollowUpYear,
    OfficeSetting,
    ReserveCandidate,
    ScopeAssignment,
    Town,
    TrainingAttendance,
    TrainingTally,
    TrainingSession,
    Unit,
    Village,
    recyclable,
)

ALL_ROWS_VIEW = "VillageAidScope"
ALL_ROWS_PERMISSION = "can_access_all_rows"
PERSONAL_DATA_PERMISSION = "can_view_personal_data"

# model -> function(towns, units, user_id) -> SQL condition (towns and units:
# Places, or plain lists of ids)
_RULES = {}


def rule(model):
    """Register the visibility condition of a model for scoped users."""

    def register(func):
        _RULES[model] = func
        return func

    return register


def rule_of(model):
    """The visibility condition registered for `model` (a function of the
    towns, units and user id), for a rule that reads another's."""
    return _RULES[model]


def has_rule(model):
    return model in _RULES


@rule(Town)
@rule(Unit)
@rule(TrainingSession)
@rule(OfficeSetting)
@rule(DictionaryEntry)
def _reference(towns, units, user_id):
    return true()


def counties_under(divisions):
    """SELECT of the ids of the counties under these divisions (the
    divisions themselves when counties, their counties, or the counties of
    their prefectures: the levels are fixed, so two steps up the parent
    chain reach any division). Its size is that of the divisions named, not
    of what lies under them; the primary key and the index on parent_id
    serve it."""
    ids = list(divisions)
    below = select(Division.id).where(Division.parent_id.in_(ids))
    return select(Division.id).where(or_(
        Division.id.in_(ids), Division.parent_id.in_(ids), Division.parent_id.in_(below))).correlate(None)


@dataclass(frozen=True)
class Places:
    """The towns (or units) of a scope: those assigned by id, and every one
    of the counties under the assigned divisions — these as a subquery over
    the divisions, never as a list of their ids (a province holds thousands
    of towns and units)."""

    model: type  # Town or Unit
    ids: tuple = ()
    divisions: tuple = ()

    def __bool__(self):
        return bool(self.ids or self.divisions)

    def ways(self, column):
        """The conditions (one per way in) that `column` (a reference to the
        model, or its own id) names one of these places."""
        found = [column.in_(list(self.ids))] if self.ids else []
        if self.divisions:
            in_counties = self.model.county_id.in_(counties_under(self.divisions))
            found.append(in_counties if column is self.model.id
                         else column.in_(select(self.model.id).where(in_counties).correlate(None)))
        return found


def _in(column, values):
    """``column IN (values)``, or nothing when there are no values: a rule
    names only the ways in that the user has, so that each remaining way is a
    condition an index serves. `values`: ids, or Places (the ids, and the
    places under the divisions as a way in of its own)."""
    if isinstance(values, Places):
        return any_of(*values.ways(column)) if values else None
    return column.in_(values) if values else None


def any_of(*branches):
    """The OR of the branches that remain (none: no rows). Each branch is a
    way in of its own; reads ask them as a UNION of index lookups (see
    as_id_set) rather than one OR the database would answer by reading every
    row."""
    branches = [part for b in branches if b is not None for part in branches_of(b)]
    if not branches:
        return false()
    return branches[0] if len(branches) == 1 else or_(*branches)


def branches_of(expr):
    if isinstance(expr, BooleanClauseList) and expr.operator is operators.or_:
        return list(expr.clauses)
    return [expr]


def as_id_set(model, expr):
    """The same rows as the condition `expr` (an OR of ways in), as
    ``model.id IN (SELECT id WHERE way 1 UNION ALL SELECT id WHERE way 2 ...)``:
    each part starts from the user's towns or units through an index, and
    the database reads only the rows they lead to. A single way in stays as
    it is."""
    branches = branches_of(expr)
    if len(branches) < 2:
        return expr
    parts = [select(model.id).where(b).correlate(None) for b in branches]
    return model.id.in_(union_all(*parts))


@rule(Village)
def _village(towns, units, user_id):
    return any_of(_in(Village.town_id, towns), _in(Village.unit_id, units))


def visible_village_ids(towns, units):
    """A subquery of the ids of the villages a scoped user sees (a record of
    a village in the bin is in the bin too, or refused: see writes.py)."""
    branches = branches_of(_village(towns, units, None))
    if len(branches) == 1:
        return select(Village.id).where(branches[0]).correlate(None).scalar_subquery()
    return union_all(*[select(Village.id).where(b).correlate(None) for b in branches]).scalar_subquery()


@rule(Cadre)
def _cadre(towns, units, user_id):
    # a township cadre (乡镇干部) has a town of its own and no village
    return any_of(_in(Cadre.unit_id, units), Cadre.village_id.in_(visible_village_ids(towns, units)),
                  _in(Cadre.own_town_id, towns))


def visible_cadre_ids(towns, units):
    branches = branches_of(_cadre(towns, units, None))
    return union_all(*[select(Cadre.id).where(b).correlate(None) for b in branches]).scalar_subquery() \
        if len(branches) > 1 else select(Cadre.id).where(branches[0]).correlate(None).scalar_subquery()


@rule(TrainingTally)
def _tally(towns, units, user_id):
    """A group of cadres (tally.py) is visible as its cadres are: by their
    town, their dispatching unit or the unit stationed in their village."""
    return any_of(_in(TrainingTally.town_id, towns), _in(TrainingTally.unit_id, units),
                  _in(TrainingTally.village_unit_id, units))


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


@rule(FollowUpAlert)
def _alert(towns, units, user_id):
    """An alert is visible with its village, and to its responsible unit."""
    return any_of(FollowUpAlert.village_id.in_(visible_village_ids(towns, units)),
                  _in(FollowUpAlert.responsible_unit_id, units))


@rule(ScopeAssignment)
def _assignment(towns, units, user_id):
    return ScopeAssignment.user_id == user_id


@rule(ExportReceipt)
def _receipt(towns, units, user_id):
    return ExportReceipt.user_id == user_id


@rule(ImportBatch)
def _import_batch(towns, units, user_id):
    return ImportBatch.user_id == user_id


@rule(Job)
def _job(towns, units, user_id):
    return Job.user_id == user_id


@rule(ChangeRecord)
def _change(towns, units, user_id):
    """A record's history is visible where the record was when it changed
    (the keys kept on the history row, see history_keys)."""
    return any_of(ChangeRecord.public.is_(True), _in(ChangeRecord.town_id, towns),
                  _in(ChangeRecord.unit_id, units), _in(ChangeRecord.village_unit_id, units))


def history_keys(item):
    """The scope keys a history row keeps of a record: (public, town,
    unit, village's stationed unit) — the same sets the record's own rule
    reads, so the history is visible to whom the record was."""
    model = type(item)
    owner = getattr(item, "scope_owner", None)
    if owner is not None:  # a record's attachment: the record's scope
        return history_keys(owner)
    if _RULES.get(model) is _reference:
        return True, None, None, None
    if model is ScopeAssignment:
        return False, None, None, None  # the office's business
    if model is Village:
        return False, item.town_id, None, item.unit_id
    if model is FollowUpAlert:  # seen with its village, and by its responsible unit
        return False, item.village.town_id, item.responsible_unit_id, item.village.unit_id
    cadre = item.cadre if model is TrainingAttendance else item if model is Cadre else None
    unit_id = cadre.unit_id if cadre is not None else None
    village = cadre.village if cadre is not None else getattr(item, "village", None)
    if village is None:
        return False, getattr(cadre, "own_town_id", None), unit_id, None
    return False, village.town_id, unit_id, village.unit_id


# Administrative divisions are reference data, readable by everyone.
_RULES[Division] = _reference


# Rows that belong to the user rather than to a town or unit: visible even
# without any scope assignment.
PERSONAL = {ScopeAssignment, ExportReceipt, ImportBatch, Job}


# --- who is asking ---------------------------------------------------------


@dataclass(frozen=True)
class Viewer:
    """Who is asking, as the scope policy needs it: resolved once (per
    request for the signed-in user) and passed explicitly to every scoped
    read and write."""

    user_id: Optional[int] = None
    sees_all: bool = False
    towns: tuple = ()  # assigned by id
    units: tuple = ()
    divisions: tuple = ()  # assigned divisions: every town and unit under them
    personal_data: bool = False  # may see ID numbers and phones unmasked

    @property
    def anonymous(self):
        return self.user_id is None

    @property
    def has_scope(self):
        return bool(self.towns or self.units or self.divisions)

    @property
    def town_places(self):
        return Places(Town, self.towns, self.divisions)

    @property
    def unit_places(self):
        return Places(Unit, self.units, self.divisions)


NOBODY = Viewer()


def assigned_scope(user_id):
    """(town id, unit id, division id) rows of a user's scope assignments,
    as one SELECT. A division stays a division: the rules reach its towns
    and units by a subquery over it (Places), so neither this answer nor
    the statements of the reads grow with the towns under it."""
    return select(ScopeAssignment.town_id, ScopeAssignment.unit_id, ScopeAssignment.division_id).where(
        ScopeAssignment.user_id == user_id)


def viewer_for(user, session=None):
    """The Viewer of a FAB user (None or inactive: nobody)."""
    if user is None or not getattr(user, "is_active", False) or getattr(user, "id", None) is None:
        return NOBODY
    sm = current_app.appbuilder.sm
    session = session or current_app.appbuilder.session
    # the office parameters and dictionaries come along in the same statement (preload.py)
    rows = preload.take(session.execute(preload.along(assigned_scope(user.id), session)).all())
    return Viewer(
        user_id=user.id,
        sees_all=bool(sm._has_view_access(user, ALL_ROWS_PERMISSION, ALL_ROWS_VIEW)),
        towns=tuple(sorted({r[0] for r in rows if r[0] is not None})),
        units=tuple(sorted({r[1] for r in rows if r[1] is not None})),
        divisions=tuple(sorted({r[2] for r in rows if r[2] is not None})),
        personal_data=bool(sm._has_view_access(user, PERSONAL_DATA_PERMISSION, ALL_ROWS_VIEW)),
    )


def current_viewer():
    """The Viewer of the signed-in user (web session or API token) of this
    request, computed once per request; outside a request: nobody."""
    if not has_request_context():
        return NOBODY
    cached = g.get("_va_viewer")
    if cached is None:
        try:
            user = current_app.appbuilder.sm.current_user
        except Exception:  # no token, no session: nobody
            user = None
        cached = viewer_for(user)
        g._va_viewer = cached
    return cached


def forget_current_viewer():
    """After a change of the signed-in user's roles or assignments."""
    if has_request_context():
        g.pop("_va_viewer", None)


# --- the policy ---------------------------------------------------------------


def condition(model, viewer, per_row=False):
    """The SQL condition selecting the rows of `model` that `viewer` may see:
    in its scope and not in the recycle bin. Reads get it as a set of ids
    the indexes find (as_id_set); `per_row` gives the same condition on the
    row's own columns (would_be_visible puts pending values in them)."""
    if recyclable(model):
        return and_(model.deleted_on.is_(None), _scope_condition(model, viewer, per_row))
    return _scope_condition(model, viewer, per_row)


def binned(model, viewer):
    """The rows of `model` in the recycle bin that `viewer` may see (the scope
    they had when they were deleted)."""
    return and_(model.deleted_on.isnot(None), _scope_condition(model, viewer))


def _scope_condition(model, viewer, per_row=False):
    if viewer.sees_all:
        return true()
    func = _RULES.get(model)
    if viewer.anonymous or func is None:
        return false()
    if not viewer.has_scope and func is not _reference and model not in PERSONAL:
        return false()
    expr = func(viewer.town_places, viewer.unit_places, viewer.user_id)
    return expr if per_row else as_id_set(model, expr)


def rows(viewer, model, *columns):
    """The one scoped entry point for reads: ``SELECT columns (default: the
    model) FROM model WHERE <what viewer may see of model>``. Reports, the
    home page and exports build on it and add their own joins and filters."""
    return select(*(columns or (model,))).select_from(model).where(condition(model, viewer))


def visible_query(model, viewer, session=None):
    """The same as an ORM query (for FAB's data interface and pickers)."""
    session = session or current_app.appbuilder.session
    return session.query(model).filter(condition(model, viewer))


def parse_id(value):
    """A record id from a request (an integer the database can hold), else None."""
    try:
        pk = int(value)
    except (TypeError, ValueError):
        return None
    return pk if -(2**63) < pk < 2**63 else None


def get_visible(model, pk, viewer, session=None):
    """The row of `model` with this primary key if `viewer` may see it, else None."""
    pk = parse_id(pk)
    if pk is None:
        return None
    return visible_query(model, viewer, session).filter(model.id == pk).one_or_none()


def visible_all(model, pks, viewer, session=None):
    """The rows with these ids if `viewer` may see every one of them, else
    None (one foreign or malformed id refuses the whole request)."""
    wanted = {parse_id(pk) for pk in pks}
    if None in wanted:
        return None
    if not wanted:
        return []
    found = visible_query(model, viewer, session).filter(model.id.in_(wanted)).all()
    return found if len(found) == len(wanted) else None


def would_be_visible(item, viewer, value_of, memo=None):
    """Would this (unsaved or changed) row be visible to `viewer`? The
    model's own condition, with its columns replaced by the row's pending
    values (`value_of(column name)`), asked of the database before anything
    is written. `memo` (a dict kept for one batch of writes) remembers the
    answer for the same values of the columns the condition reads."""
    model = type(item)
    table = model.__table__
    used = []

    def replace(element):
        if isinstance(element, Column) and element.table is table:
            value = value_of(element.name)
            used.append((element.name, value))
            return literal(value, element.type)
        return None

    expr = visitors.replacement_traverse(condition(model, viewer, per_row=True), {}, replace)
    key = ("visible", model, tuple(used))
    if memo is not None and key in memo:
        return memo[key]
    session = current_app.appbuilder.session
    with session.no_autoflush:
        answer = bool(session.scalar(select(case((expr, 1), else_=0))))
    if memo is not None:
        memo[key] = answer
    return answer


def rows_not_visible(items, viewer, session=None, size=500):
    """The (flushed) rows of `items` not visible to `viewer`, asked a few
    hundred at a time: after a batch of writes, as row_visible after one."""
    session = session or current_app.appbuilder.session
    by_model = {}
    for item in items:
        by_model.setdefault(type(item), []).append(item)
    outside = []
    for model, group in by_model.items():
        for start in range(0, len(group), size):
            part = group[start:start + size]
            with session.no_autoflush:
                seen = set(session.scalars(select(model.id).where(
                    model.id.in_([i.id for i in part]), condition(model, viewer))))
            outside += [i for i in part if i.id not in seen]
    return outside


def row_visible(item, viewer, session=None):
    """Is this (flushed) row visible to `viewer`? Asked after a write, so
    that an add or an edit that would put a row outside the scope is undone."""
    session = session or current_app.appbuilder.session
    model = type(item)
    return bool(
        session.scalar(select(exists().where(and_(model.id == item.id, condition(model, viewer)))))
    )


# --- what a user may name on a record ---------------------------------------
#
# A reference (many-to-one) that a write sets or changes must point at a row
# the user may see. Some references are narrower: a clerk names only its own
# units on a follow-up record (or the village's stationed unit).

_NAMEABLE = {}


def nameable(model, relation):
    """Register a narrower condition for what may be named in `model.relation`:
    func(viewer, item) -> SQL condition on the related model, or None."""

    def register(func):
        _NAMEABLE[(model, relation)] = func
        return func

    return register


def narrower_naming(model, relation):
    """Does `model.relation` have a narrower condition (scope.nameable),
    whose answer may depend on the record?"""
    return (model, relation) in _NAMEABLE


def may_name(viewer, model, relation, target_model, target_id, item=None, session=None):
    """May `viewer` set `model.relation` to the row `target_id` of `target_model`?"""
    query = visible_query(target_model, viewer, session).filter(target_model.id == target_id)
    narrower = _NAMEABLE.get((model, relation))
    if narrower is not None:
        extra = narrower(viewer, item)
        if extra is not None:
            query = query.filter(extra)
    session = session or current_app.appbuilder.session
    with session.no_autoflush:
        return session.query(query.exists()).scalar()


def own_towns(viewer):
    """The towns `viewer` records villages in: every town for those who see
    all rows, the assigned towns for the others."""
    if viewer.sees_all:
        return Town.id.isnot(None)
    return _in(Town.id, viewer.town_places) if viewer.town_places else false()


def own_units(viewer):
    """The units `viewer` names on records of its own: every unit for those
    who see all rows, the assigned units for the others."""
    if viewer.sees_all:
        return Unit.id.isnot(None)
    return _in(Unit.id, viewer.unit_places) if viewer.unit_places else false()


@nameable(Village, "town")
def _village_town(viewer, item):
    """A clerk places or moves a village only into its own towns: the
    villages of a town are the town's (and the office's) to record, and a
    name taken inside a foreign town must tell a clerk nothing."""
    return None if viewer.sees_all else own_towns(viewer)


@nameable(Cadre, "town")
def _cadre_town(viewer, item):
    """A township cadre is recorded in the clerk's own towns (like a village)."""
    return None if viewer.sees_all else own_towns(viewer)


@nameable(FollowUpRecord, "unit")
def _followup_unit(viewer, item):
    village_unit = getattr(getattr(item, "village", None), "unit_id", None)
    if viewer.sees_all:
        return None
    if village_unit is not None:
        return or_(own_units(viewer), Unit.id == village_unit)
    return own_units(viewer)


@nameable(FollowUpAlert, "responsible_unit")
def _alert_unit(viewer, item):
    """A clerk makes its own units (or the village's stationed unit)
    responsible for an alert."""
    return _followup_unit(viewer, item)


def assignable_users(viewer):
    """The accounts a scope can be assigned to, offered only to users who
    manage scope assignments: active accounts whose roles do not already
    see every row (the others need no scope)."""
    from flask_appbuilder.security.sqla.models import (
        Permission, PermissionView, User, ViewMenu, assoc_permissionview_role, assoc_user_role,
    )

    sm = current_app.appbuilder.sm
    if viewer.anonymous or not (sm.has_access("can_add", "ScopeAssignmentView")
                                or sm.has_access("can_edit", "ScopeAssignmentView")):
        return false()
    all_rows_roles = (
        select(assoc_permissionview_role.c.role_id)
        .join(PermissionView, PermissionView.id == assoc_permissionview_role.c.permission_view_id)
        .join(Permission, Permission.id == PermissionView.permission_id)
        .join(ViewMenu, ViewMenu.id == PermissionView.view_menu_id)
        .where(Permission.name == ALL_ROWS_PERMISSION, ViewMenu.name == ALL_ROWS_VIEW)
    )
    seeing_all = select(assoc_user_role.c.user_id).where(assoc_user_role.c.role_id.in_(all_rows_roles))
    return and_(User.active.is_(True), User.id.not_in(seeing_all))


class ScopeFilter(BaseFilter):
    """FAB base filter applying the scope policy; the column name is unused.

    Use as ``base_filters = [["id", ScopeFilter, None]]`` or in
    ``*_query_rel_fields``; the filter reads the current user on every query.
    """

    name = "Scope"

    def apply(self, query, value):
        return query.filter(condition(self.model, current_viewer()))
