"""Form fields of the add-on's views, declared from the model: choice lists
for coded columns, scoped search-as-you-type pickers for references,
checkboxes, exact money, the field checks of rules.py, and the handling of
personal data a user sees masked."""
from flask import flash
from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import Boolean, DateTime
from wtforms import BooleanField, DecimalField
from wtforms.validators import DataRequired, Optional

from .. import rules, writes
from ..exports import blank_if_none
from ..fields import ChoiceField, RemoteSelectField
from ..labels import LABELS
from ..models import Money
from ..timefmt import local_time
from ..personal import PersonalMask, hidden_columns, personal_columns
from ..validators import REQUIRED_MESSAGE, FieldCheck


def model_columns(model):
    """The table's own columns (not computed column properties)."""
    return {c.key: c for c in model.__table__.columns}


def required_or_optional(required):
    return [DataRequired(message=REQUIRED_MESSAGE)] if required else [Optional()]


class FreshLists(dict):
    """validators_columns for FAB's form builder, which appends its own
    validators to the list it gets: hand it a copy each time, so the add and
    edit forms do not collect each other's validators."""

    def get(self, key, default=None):
        value = super().get(key, default)
        return list(value) if isinstance(value, list) else value


def declare_fields(view, model):
    """Set the view's form fields, search fields, formatters and validators
    from the model (what the view declares itself wins)."""
    columns = model_columns(model)
    checks = rules.field_checks(model)
    formatters = {}
    add_extra, edit_extra, search_extra = {}, {}, {}
    for name, column in columns.items():
        label = LABELS.get(name, name)
        if isinstance(column.type, Boolean):
            # a checkbox left empty means "no", not a missing value
            add_extra[name] = edit_extra[name] = BooleanField(label)
            continue
        if isinstance(column.type, Money):
            money_checks = [FieldCheck(checks[name])] if name in checks else []
            add_extra[name] = edit_extra[name] = DecimalField(label, [Optional()] + money_checks, places=None)
            continue
        options = getattr(column, "info", {}).get("choices")
        if options is None:
            continue
        formatters[name] = options.label
        required = not column.nullable and column.default is None and name not in rules.derived_columns(model)
        default = column.default.arg if column.default is not None and not callable(column.default.arg) else None
        derived = name in rules.derived_columns(model)
        add_extra[name] = edit_extra[name] = ChoiceField(
            label, required_or_optional(required), options=options, default=default,
            description=_l("Left empty, it is taken from the ID number.") if derived else "",
        )
        search_extra[name] = ChoiceField(label, [Optional()], options=options)
    for rel in writes.many_to_one(model):
        name = rel.key
        required = not any(col.nullable for col in rel.local_columns) and name not in rules.derived_columns(model)
        key = view.lookup_keys.get(name, rel.mapper.class_.__name__.lower())
        label = LABELS.get(name, name)
        add_extra[name] = edit_extra[name] = RemoteSelectField(label, required_or_optional(required), lookup_key=key)
        search_extra[name] = RemoteSelectField(label, [Optional()], lookup_key=key)
    for name in personal_columns(model):
        formatters[name] = PersonalMask(name)
    for name, column in columns.items():
        if isinstance(column.type, DateTime):
            formatters.setdefault(name, local_time)  # the configured time zone, to the second
        elif getattr(column, "nullable", True) and name not in formatters:
            formatters[name] = blank_if_none
    view.formatters_columns = {**formatters, **(view.formatters_columns or {})}
    view.add_form_extra_fields = {**add_extra, **(view.add_form_extra_fields or {})}
    view.edit_form_extra_fields = {**edit_extra, **(view.edit_form_extra_fields or {})}
    view.search_form_extra_fields = {**search_extra, **(view.search_form_extra_fields or {})}
    validators = FreshLists({k: list(v) for k, v in (view.validators_columns or {}).items()})
    for name, check in checks.items():
        validators.setdefault(name, []).append(FieldCheck(check))
    view.validators_columns = validators


def populate(form, item):
    """Copy a validated form into the record (nothing is flushed)."""
    for name, field in form._fields.items():
        if name not in ("csrf_token", "row_version"):
            field.populate_obj(item, name)


def show_errors(form, errors):
    """The write path's reasons, on their fields (or as a message)."""
    for field, message in errors.items():
        if field in form._fields:
            form[field].errors = list(form[field].errors or []) + [message]
        else:
            flash(str(message), "danger")


def hide_personal_data(form, model):
    """Blank the personal fields of an edit form for a user who may not see
    them (also when the form comes back with errors)."""
    for name in hidden_columns(model):
        if name in form._fields:
            form[name].data = ""
            form[name].raw_data = [""]
            form[name].description = _("Hidden personal data: leave empty to keep the recorded value.")


def keep_hidden_personal_data(form, item):
    """A user who may not see personal data gets those fields empty on the
    edit form; left empty, the recorded value is kept."""
    for name in hidden_columns(type(item)):
        field = form._fields.get(name)
        if field is not None and not (field.raw_data and field.raw_data[0]):
            field.data = getattr(item, name)
            field.raw_data = ["" if field.data is None else str(field.data)]
