"""Business rules over records, shared by web forms, the REST API, imports
and tests.

Each function returns {field: message} ({} when nothing is wrong), in the
user's language; writes.check runs them in order with the scope checks.
"""
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import BigInteger, Integer, UniqueConstraint, and_, func, inspect as sa_inspect, select, tuple_

from . import choices
from .labels import label
from .models import (
    Cadre,
    Division,
    FollowUpAlert,
    FollowUpRecord,
    ReserveCandidate,
    ScopeAssignment,
    Town,
    TrainingAttendance,
    TrainingSession,
    Unit,
    Village,
)
from .validators import (
    Invalid,
    check_id_number,
    check_money,
    check_non_negative,
    check_not_future,
    check_phone,
    check_positive,
    birth_date_of,
    gender_of,
    check_year,
)
from .divisions import check_code as check_division_code, check_area_code

# Field formats, per model: column -> check function (validators.py).
FIELD_CHECKS = {
    Division: {"code": check_division_code},
    Unit: {"phone": check_phone},
    Village: {"area_code": check_area_code, "exit_year": check_year, "registered_poor": check_non_negative, "followup_since": check_not_future},
    Cadre: {"id_number": check_id_number, "phone": check_phone, "start_date": check_not_future},
    TrainingSession: {"hours": check_positive, "capacity": check_positive},
    ReserveCandidate: {
        "id_number": check_id_number, "phone": check_phone, "birth_date": check_not_future,
        "party_join_date": check_not_future, "elected_date": check_not_future,
    },
    FollowUpRecord: {"date": check_not_future, "funds": check_money, "households_visited": check_non_negative},
}

# Columns a rule fills in from another one when left empty (so forms and the
# API do not require them): model -> columns.
DERIVED = {
    Cadre: {"gender"},  # from the ID number
    ReserveCandidate: {"gender"},
    Division: {"level", "parent"},  # from the code
    Town: {"county"},  # the home county (VILLAGEAID_HOME_COUNTY)
    Unit: {"county"},
}


def derived_columns(model):
    return DERIVED.get(model, set())


# Models whose rules count other rows of their own model (a session's
# capacity): a write call flushes their records one at a time, so that each
# check sees the records before it (writes.save_all).
READS_OTHER_ROWS = {TrainingAttendance}

# Model-specific rules: model -> function(item, before) -> {field: message};
# `before`: the record's column values before the change ({} when new).
_MODEL_RULES = {}


def model_rule(model):
    def register(func):
        _MODEL_RULES.setdefault(model, []).append(func)
        return func

    return register


def field_checks(model):
    return FIELD_CHECKS.get(model, {})


def field_errors(item):
    """Field formats (normalising the values they accept), required text and
    codes, as {field: message}."""
    errors = {}
    model = type(item)
    for column, check in field_checks(model).items():
        value = getattr(item, column)
        if value in (None, ""):
            continue
        try:
            setattr(item, column, check(value))
        except Invalid as exc:
            errors[column] = str(exc)
    errors.update({k: v for k, v in range_errors(item).items() if k not in errors})
    errors.update({k: v for k, v in blank_errors(item).items() if k not in errors})
    errors.update({k: v for k, v in choice_errors(item).items() if k not in errors})
    return errors


def model_errors(item, before=None):
    """The model's own rules, as {field: message}."""
    errors = {}
    for rule in _MODEL_RULES.get(type(item), []):
        for field, message in rule(item, before or {}).items():
            errors.setdefault(field, message)
    return errors


def range_errors(item):
    """A whole number fits its column (4 bytes, or 8 for a big integer) on
    every database: beyond it PostgreSQL refuses and SQLite's driver fails."""
    errors = {}
    for column in type(item).__table__.columns:
        if not fits(column, getattr(item, column.key)):
            errors[column.key] = _("The number is out of range.")
    return errors


def fits(column, value):
    """Does a whole number fit the (integer) column? Anything else: True."""
    if not isinstance(column.type, Integer) or not isinstance(value, int) or isinstance(value, bool):
        return True
    bits = 63 if isinstance(column.type, BigInteger) else 31
    return -(2 ** bits) <= value < 2 ** bits


def payload_range_errors(model, payload):
    """The same for a request's payload before it is loaded: a reference by
    an id its key column cannot hold is refused, not looked up (PostgreSQL
    would fail on the comparison)."""
    errors = {}
    columns = {c.key: c for c in model.__table__.columns}
    for rel in sa_inspect(model).relationships:
        if rel.direction.name == "MANYTOONE":
            columns[rel.key] = rel.mapper.class_.__table__.c.id
    for key, value in payload.items():
        if isinstance(value, dict):
            value = value.get("id")
        if key in columns and not fits(columns[key], value):
            errors[key] = _("The number is out of range.")
    return errors


def blank_errors(item):
    """A required text column holds more than white space."""
    errors = {}
    for column in type(item).__table__.columns:
        value = getattr(item, column.key)
        if (not column.nullable and isinstance(value, str) and not value.strip()
                and column.key not in derived_columns(type(item))):
            errors[column.key] = _("This field is required.")
    return errors


def choice_errors(item):
    """A coded column holds one of its codes."""
    errors = {}
    for column in type(item).__table__.columns:
        options = column.info.get("choices")
        value = getattr(item, column.key)
        if options is not None and value not in (None, "") and value not in options:
            errors[column.key] = _("Not a valid choice.")
    return errors


def unique_groups(model):
    """[(column names, constraint name or None)] of the model's unique keys."""
    table = model.__table__
    groups = [([c.name], None) for c in table.columns if c.unique]
    groups += [
        ([c.name for c in constraint.columns], constraint.name)
        for constraint in table.constraints
        if isinstance(constraint, UniqueConstraint)
    ]
    return groups


class UniqueValues:
    """The unique values the records of one write call will take, looked up
    together before the call's checks (a statement per key and few hundred
    records instead of one per record), and kept up to date as each record
    of the call is accepted, so that each check still sees the records
    before it. A value it was not asked about is left to the database."""

    def __init__(self, model, entries, value_of, session, size=500):
        """`entries`: (item, before) pairs; `value_of(item, before, column)`
        the value the column will have (the form the field checks give)."""
        self.model = model
        self.held = {}  # names -> {values: id, or the call's record}
        self.asked = {}  # names -> {values looked up}
        table = model.__table__
        checks = field_checks(model)
        for names, _constraint in unique_groups(model):
            wanted = set()
            for item, before in entries:
                values = []
                for name in names:
                    value = value_of(item, before, name)
                    if name in checks and value not in (None, ""):
                        try:
                            value = checks[name](value)
                        except Invalid:
                            value = None
                    values.append(value)
                if None not in values:
                    wanted.add(tuple(values))
            key = tuple(names)
            self.asked[key], self.held[key] = wanted, {}
            columns = [table.c[n] for n in names]
            wanted = sorted(wanted, key=repr)
            for start in range(0, len(wanted), size):
                part = wanted[start:start + size]
                condition = columns[0].in_([v[0] for v in part]) if len(names) == 1 else tuple_(*columns).in_(part)
                with session.no_autoflush:
                    for row in session.execute(select(table.c.id, *columns).where(condition)):
                        self.held[key][tuple(row[1:])] = row[0]

    def taken(self, names, values, item):
        """(True, holder) when the values are held by another record (its id,
        or a record of this call), (True, None) when free, (False, None)
        when not looked up (ask the database)."""
        key, values = tuple(names), tuple(values)
        if key not in self.asked or values not in self.asked[key]:
            return False, None
        holder = self.held[key].get(values)
        if holder is None or holder is item or (item.id is not None and holder == item.id):
            return True, None
        return True, holder

    def accept(self, item, before, value_of):
        """The record passed its checks: its former values are free, its new
        ones held (by it) for the records after it."""
        for names, _constraint in unique_groups(self.model):
            key = tuple(names)
            if key not in self.held:
                continue
            held = self.held[key]
            old = tuple(before.get(n) for n in names)
            holder = held.get(old)
            if holder is item or (item.id is not None and holder == item.id):
                del held[old]
            new = tuple(value_of(name) for name in names)
            if None not in new:
                held[new] = item
                self.asked[key].add(new)


def unique_errors(item, value_of, viewer=None, known=None):
    """Unique columns and unique constraints, checked before the database
    does, so the person gets a message on the right field. `value_of(column)`
    gives the value the row will have. A value held by a record in the
    recycle bin says so to a `viewer` who may see that record there.
    `known`: the call's UniqueValues (else a query per key)."""
    model = type(item)
    table = model.__table__
    groups = unique_groups(model)
    messages = getattr(model, "__unique_messages__", {})
    session = current_app.appbuilder.session
    errors = {}
    for names, constraint_name in groups:
        values = [value_of(name) for name in names]
        if any(v is None for v in values):
            continue
        looked_up, taken = known.taken(names, values, item) if known is not None else (False, None)
        if not looked_up:
            cond = and_(*[table.c[n] == v for n, v in zip(names, values)])
            if item.id is not None:
                cond = and_(cond, table.c.id != item.id)
            with session.no_autoflush:
                taken = session.execute(select(table.c.id).where(cond).limit(1)).scalar()
        elif taken is not None and not isinstance(taken, int):
            taken = getattr(taken, "id", None) or True  # a record of this call (not in the bin)
        if taken:
            field = _field_of(model, names[-1])
            if viewer is not None and taken is not True and _in_bin_for(viewer, model, taken, session):
                errors[field] = _("A record with this value is in the recycle bin; restore it there instead.")
            elif constraint_name in messages:
                errors[field] = str(messages[constraint_name])
            elif len(names) == 1:
                errors[field] = _("This value is already used by another record.")
            else:
                others = "、".join(str(label(_field_of(model, n))) for n in names[:-1])
                errors[field] = _(
                    "Another record with the same %(fields)s already has this value.",
                    fields=others,
                )
    return errors


def _in_bin_for(viewer, model, pk, session):
    from . import scope
    from .models import recyclable

    if not recyclable(model):
        return False
    with session.no_autoflush:
        return bool(session.scalar(select(func.count()).select_from(model).where(model.id == pk, scope.binned(model, viewer))))


def refers(item, relation):
    """Does the record refer to a row through `relation` once it is saved?
    The relationship when a form or payload set it (its foreign key is not
    updated before the flush), else the foreign key."""
    if relation in item.__dict__:
        return item.__dict__[relation] is not None
    return getattr(item, relation + "_id") is not None


def _field_of(model, column_name):
    """The form field that edits a column: the relationship for a foreign key."""
    for rel in sa_inspect(model).relationships:
        if any(col.name == column_name for col in rel.local_columns):
            return rel.key
    return column_name


# --- model rules ---------------------------------------------------------------


@model_rule(Village)
def _village_exit_year(item, before):
    if item.poverty_status == "non_poor" and item.exit_year is not None:
        return {"exit_year": _("Only a poor village has an exit year.")}
    return {}


@model_rule(Village)
def _village_followup_since(item, before):
    """Only a focus non-poor village is put in the follow-up set by date."""
    if item.followup_since is not None and not item.is_focus():
        return {"followup_since": _("Only a focus non-poor village is put in the follow-up set.")}
    return {}


@model_rule(FollowUpAlert)
def _alert_handling(item, before):
    """Taking an alert up (处置) needs a note, the responsible unit and a
    deadline; closing it needs the result. A closed alert stays closed: its
    condition holding later opens a new alert."""
    if before.get("status") == "closed" and before:
        return {"status": _("A closed alert is not reopened; a new alert opens while the condition holds.")}
    errors = {}
    if item.status in ("taken_up", "closed"):
        if not (item.note or "").strip():
            errors["note"] = _("Taking up an alert needs a note.")
        if item.responsible_unit_id is None and item.responsible_unit is None:
            errors["responsible_unit"] = _("Taking up an alert needs the responsible unit.")
        if item.deadline is None:
            errors["deadline"] = _("Taking up an alert needs a deadline.")
    if item.status == "closed":
        if not (item.result or "").strip():
            errors["result"] = _("Closing an alert needs the result.")
        if item.closed_on is None:
            from .followup import reference_date
            item.closed_on = min(reference_date(), utcnow_date())
    return errors


def utcnow_date():
    from .models import utcnow
    return utcnow().date()


@model_rule(Cadre)
def _cadre_post_matches_kind(item, before):
    errors = {}
    posts = choices.POSTS_BY_KIND.get(item.kind)
    if posts is not None and item.post not in posts:
        errors["post"] = _("This post does not belong to the chosen kind of cadre.")
    if item.kind == "resident" and not refers(item, "unit"):
        errors["unit"] = _("A resident cadre needs a dispatching unit.")
    if item.kind == "village" and not refers(item, "village"):
        errors["village"] = _("A village cadre needs a village.")
    if item.kind == "township":
        if not refers(item, "town"):
            errors["town"] = _("A township cadre needs a town.")
        if refers(item, "village"):
            errors["village"] = _("A township cadre belongs to a town, not to a village.")
    elif refers(item, "town"):
        errors["town"] = _("Only a township cadre has a town of its own; a village cadre's town is its village's.")
    return errors


@model_rule(ScopeAssignment)
def _assignment_one_target(item, before):
    if [refers(item, "town"), refers(item, "unit"), refers(item, "division")].count(True) != 1:
        return {"town": _("Choose one town, unit or administrative division (one per assignment).")}
    return {}


@model_rule(Division)
def _division_place(item, before):
    from . import divisions

    return divisions.place_errors(item, before)


@model_rule(Town)
@model_rule(Unit)
def _in_a_county(item, before):
    from . import divisions

    return divisions.county_errors(item)


@model_rule(TrainingSession)
def _session_dates(item, before):
    if item.start_date and item.end_date and item.end_date < item.start_date:
        return {"end_date": _("The end date cannot be before the start date.")}
    return {}


@model_rule(TrainingAttendance)
def _attendance_fits_session(item, before):
    errors = {}
    training_session, cadre = item.training_session, item.cadre
    if training_session is None or cadre is None:
        return errors
    if not training_session.admits(cadre):
        errors["cadre"] = _("This session is for %(audience)s; the cadre is a %(kind)s.",
                            audience=choices.AUDIENCES.label(training_session.audience),
                            kind=choices.CADRE_KINDS.label(cadre.kind))
    if item.completed and item.status != "attended":
        errors["completed"] = _("Only an attended record can be marked completed.")
    elif item.completed and not session_ended(training_session):
        errors["completed"] = _("The session has not ended yet (it ends on %(date)s): it cannot be marked completed.",
                                date=training_session.end_date.isoformat())
    if training_session.capacity and training_session.id != before.get("training_session_id"):
        session = current_app.appbuilder.session
        with session.no_autoflush:
            taken = session.scalar(
                select(func.count()).select_from(TrainingAttendance).where(
                    TrainingAttendance.training_session_id == training_session.id,
                    TrainingAttendance.id != (item.id or 0),
                    TrainingAttendance.deleted_on.is_(None),
                )
            )
        if taken >= training_session.capacity:
            errors["training_session"] = _("The session is full (capacity %(capacity)d).", capacity=training_session.capacity)
    return errors


def session_ended(training_session):
    """Has the session ended by the reference date (today in the configured
    time zone)? Only an ended session's attendance may be completed."""
    from .timefmt import reference_date

    return training_session.end_date is not None and training_session.end_date <= reference_date()
def gender_from_id_number(item, before):
    """The gender is the one in the ID number (GB 11643: the 17th digit, odd
    for men): taken from it when left empty, refused when it contradicts it."""
    if item.id_number:
        from_id = gender_of(item.id_number)
        if item.gender in (None, ""):
            item.gender = from_id
        elif item.gender != from_id:
            return {"gender": _("The gender does not match the one in the ID number (%(gender)s).",
                                gender=choices.GENDERS.label(from_id))}
    elif item.gender in (None, ""):
        return {"gender": _("Give the ID number or the gender.")}
    return {}


for _model in (Cadre, ReserveCandidate):
    model_rule(_model)(gender_from_id_number)


@model_rule(ReserveCandidate)
def _candidate_birth_date(item, before):
    """The birth date matches the ID number, or is taken from it."""
    if item.id_number:
        from_id = birth_date_of(item.id_number)
        if item.birth_date is None:
            item.birth_date = from_id
        elif item.birth_date != from_id:
            return {"birth_date": _("The birth date does not match the one in the ID number (%(date)s).",
                                    date=from_id.isoformat())}
    elif item.birth_date is None:
        return {"birth_date": _("Give the ID number or the birth date.")}
    return {}


@model_rule(Cadre)
@model_rule(ReserveCandidate)
def _candidate_party(item, before):
    """A party join date only for a (probationary) member, after 18."""
    if item.party_join_date is None:
        return {}
    if item.political_status not in choices.PARTY_STATUSES:
        return {"party_join_date": _("Only a CPC member or probationary member has a party join date.")}
    born = item.birth_date if isinstance(item, ReserveCandidate) else (
        birth_date_of(item.id_number) if item.id_number else None)
    if born and item.party_join_date < years_after(born, 18):
        return {"party_join_date": _("The party join date must be after the 18th birthday.")}
    return {}


@model_rule(ReserveCandidate)
def _candidate_election(item, before):
    if item.status == "elected":
        errors = {}
        if not item.elected_post:
            errors["elected_post"] = _("Give the post the candidate was elected to.")
        if not item.elected_date:
            errors["elected_date"] = _("Give the date of the election.")
        return errors
    if item.elected_post or item.elected_date:
        return {"status": _("An elected post and date go with the status “elected”.")}
    return {}


def years_after(day, years):
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, month=3, day=1)


@model_rule(FollowUpRecord)
def _followup_village(item, before):
    from . import followup

    village = item.village
    if village is None:
        return {}
    errors = {}
    if not followup.village_in_set(village):
        years = "、".join(str(y) for y in followup.exit_years())
        return {"village": _("Only villages that exited poverty in %(years)s have follow-up records.", years=years)}
    first = followup.first_year(village)
    if item.date and item.date.year < first:
        errors["date"] = _("The date is before the village's exit year (%(year)d).", year=first)
    if not refers(item, "unit"):
        item.unit = village.unit  # which units a clerk may name: scope.py
    return errors


@model_rule(FollowUpRecord)
def _followup_kind_fields(item, before):
    if item.kind == "funds" and item.funds is None:
        return {"funds": _("A funds record needs the amount.")}
    if item.kind == "project" and not (item.project or "").strip():
        return {"project": _("A project record needs the project's name.")}
    return {}
