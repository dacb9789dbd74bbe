"""Business rules over records, shared by web forms, the REST API, imports
and tests.

`record_errors(item)` returns {field: message} for everything wrong with a
row about to be saved: field formats, uniqueness, related rows outside the
user's scope, and each model's own rules. An empty dict means it may be
saved. Messages are in the user's language.
"""
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import and_, func, inspect as sa_inspect, select, UniqueConstraint

from . import choices, scope
from .labels import label
from .models import (
    Cadre,
    FollowUpRecord,
    ReserveCandidate,
    ScopeAssignment,
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
    check_year,
)

# Field formats, per model: column -> check function (validators.py).
FIELD_CHECKS = {
    Unit: {"phone": check_phone},
    Village: {"exit_year": check_year, "registered_poor": check_non_negative},
    Cadre: {"id_number": check_id_number, "phone": check_phone, "start_date": check_not_future},
    TrainingSession: {"hours": check_positive, "capacity": check_positive},
    ReserveCandidate: {
        "id_number": check_id_number, "phone": check_phone, "birth_date": check_not_future,
        "party_join_date": check_not_future, "elected_date": check_not_future,
    },
    FollowUpRecord: {"date": check_not_future, "funds": check_money, "households_visited": check_non_negative},
}

# Model-specific rules: model -> function(item) -> {field: message}
_MODEL_RULES = {}


def model_rule(model):
    def register(func):
        _MODEL_RULES.setdefault(model, []).append(func)
        return func

    return register


def field_checks(model):
    return FIELD_CHECKS.get(model, {})


def record_errors(item):
    """Everything wrong with `item`, as {field: message}; {} when it may be saved."""
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
    errors.update({k: v for k, v in blank_errors(item).items() if k not in errors})
    errors.update({k: v for k, v in choice_errors(item).items() if k not in errors})
    errors.update({k: v for k, v in related_errors(item).items() if k not in errors})
    if errors:
        return errors
    for rule in _MODEL_RULES.get(model, []):
        for field, message in rule(item).items():
            errors.setdefault(field, message)
    if errors:
        return errors
    # Scope before uniqueness: a row the user could not keep must not tell
    # whether a value is used elsewhere.
    if not scope.would_be_visible(item, lambda name: _column_value(item, name)):
        return {OUT_OF_SCOPE: _("The record would be outside your scope; nothing was saved.")}
    return unique_errors(item)


# The key of an error about the whole record (marshmallow's convention).
OUT_OF_SCOPE = "_schema"


def blank_errors(item):
    """A required text column holds more than white space."""
    errors = {}
    for column in type(item).__table__.columns:
        value = getattr(item, column.key)
        if not column.nullable and isinstance(value, str) and not value.strip():
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


def related_errors(item):
    """A many-to-one reference that was set or changed must point at a row
    the user may see: a forged id is refused like a row that does not exist."""
    errors = {}
    state = sa_inspect(item)
    for rel in sa_inspect(type(item)).relationships:
        if rel.direction.name != "MANYTOONE" or rel.key in ("created_by", "changed_by"):
            continue
        history = state.attrs[rel.key].history
        if not history.added:
            continue
        target = history.added[0]
        if target is None:
            continue
        target_model = rel.mapper.class_
        if scope.get_visible(target_model, getattr(target, "id", None)) is None:
            errors[rel.key] = _("Not a valid choice.")
    return errors


def unique_errors(item):
    """Unique columns and unique constraints, checked before the database
    does, so the person gets a message on the right field."""
    model = type(item)
    table = model.__table__
    groups = [([c.name], None) for c in table.columns if c.unique]
    groups += [
        ([c.name for c in constraint.columns], constraint.name)
        for constraint in table.constraints
        if isinstance(constraint, UniqueConstraint)
    ]
    messages = getattr(model, "__unique_messages__", {})
    session = current_app.appbuilder.session
    errors = {}
    for names, constraint_name in groups:
        values = [_column_value(item, name) for name in names]
        if any(v is None for v in values):
            continue
        cond = and_(*[table.c[n] == v for n, v in zip(names, values)])
        if item.id is not None:
            cond = and_(cond, table.c.id != item.id)
        with session.no_autoflush:
            taken = session.scalar(select(func.count()).select_from(table).where(cond))
        if taken:
            field = _field_of(model, names[-1])
            if constraint_name in messages:
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


def _column_value(item, column_name):
    """A column's value, read through its relationship when the foreign key
    is not set yet (a related row picked on a form, before the flush)."""
    value = getattr(item, column_name)
    if value is None:
        for rel in sa_inspect(type(item)).relationships:
            if rel.direction.name == "MANYTOONE" and any(c.name == column_name for c in rel.local_columns):
                target = getattr(item, rel.key)
                value = getattr(target, "id", None) if target is not None else None
    return value


def _field_of(model, column_name):
    """The form field that edits a column: the relationship for a foreign key."""
    for rel in sa_inspect(model).relationships:
        if any(col.name == column_name for col in rel.local_columns):
            return rel.key
    return column_name


# --- model rules ---------------------------------------------------------------


@model_rule(Village)
def _village_exit_year(item):
    if item.poverty_status == "non_poor" and item.exit_year is not None:
        return {"exit_year": _("Only a poor village has an exit year.")}
    return {}


@model_rule(Cadre)
def _cadre_post_matches_kind(item):
    errors = {}
    posts = choices.POSTS_BY_KIND.get(item.kind)
    if posts is not None and item.post not in posts:
        errors["post"] = _("This post does not belong to the chosen kind of cadre.")
    if item.kind == "resident" and item.unit is None and item.unit_id is None:
        errors["unit"] = _("A resident cadre needs a dispatching unit.")
    if item.kind == "village" and item.village is None and item.village_id is None:
        errors["village"] = _("A village cadre needs a village.")
    return errors


@model_rule(ScopeAssignment)
def _assignment_one_target(item):
    has_town = item.town is not None or item.town_id is not None
    has_unit = item.unit is not None or item.unit_id is not None
    if has_town == has_unit:
        return {"town": _("Choose either a town or a unit (one per assignment).")}
    return {}


@model_rule(TrainingSession)
def _session_dates(item):
    if item.start_date and item.end_date and item.end_date < item.start_date:
        return {"end_date": _("The end date cannot be before the start date.")}
    return {}


@model_rule(TrainingAttendance)
def _attendance_fits_session(item):
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
    if training_session.capacity and _session_changed(item):
        session = current_app.appbuilder.session
        with session.no_autoflush:
            taken = session.scalar(
                select(func.count()).select_from(TrainingAttendance).where(
                    TrainingAttendance.training_session_id == training_session.id,
                    TrainingAttendance.id != (item.id or 0),
                )
            )
        if taken >= training_session.capacity:
            errors["training_session"] = _("The session is full (capacity %(capacity)d).", capacity=training_session.capacity)
    return errors


def _session_changed(item):
    state = sa_inspect(item)
    return item.id is None or bool(state.attrs["training_session"].history.added)


@model_rule(ReserveCandidate)
def _candidate_birth_date(item):
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


@model_rule(ReserveCandidate)
def _candidate_party(item):
    if item.party_join_date is None:
        return {}
    if item.political_status not in choices.PARTY_STATUSES:
        return {"party_join_date": _("Only a CPC member or probationary member has a party join date.")}
    if item.birth_date and item.party_join_date < years_after(item.birth_date, 18):
        return {"party_join_date": _("The party join date must be after the 18th birthday.")}
    return {}


@model_rule(ReserveCandidate)
def _candidate_election(item):
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
def _followup_village(item):
    from . import followup, scope

    village = item.village
    if village is None:
        return {}
    errors = {}
    if village.exit_year not in followup.exit_years():
        years = "、".join(str(y) for y in followup.exit_years())
        return {"village": _("Only villages that exited poverty in %(years)s have follow-up records.", years=years)}
    if item.date and item.date.year < village.exit_year:
        errors["date"] = _("The date is before the village's exit year (%(year)d).", year=village.exit_year)
    if item.unit is None and item.unit_id is None:
        item.unit = village.unit
    elif not scope.sees_all_rows() and item.unit is not None and sa_inspect(item).attrs["unit"].history.added:
        # a clerk names its own units, or the village's stationed unit
        _towns, units = scope.assigned()
        if item.unit.id not in units and item.unit is not village.unit:
            errors["unit"] = _("Not a valid choice.")
    return errors


@model_rule(FollowUpRecord)
def _followup_kind_fields(item):
    if item.kind == "funds" and item.funds is None:
        return {"funds": _("A funds record needs the amount.")}
    if item.kind == "project" and not (item.project or "").strip():
        return {"project": _("A project record needs the project's name.")}
    return {}
