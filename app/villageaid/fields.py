"""Form fields: a related-row picker that searches the server as you type
(never loads a whole table) and only accepts rows in the user's scope."""
from flask import url_for
from flask_babel import gettext as _, lazy_gettext as _l
from markupsafe import Markup, escape
from wtforms import SelectField
from wtforms.fields import Field
from wtforms.validators import StopValidation, ValidationError

from flask_appbuilder.fieldwidgets import Select2Widget

from . import scope
from .display import place_label
from .lookups import LOOKUPS
from .models import Division, Town, Unit, Village


class RemoteSelectWidget:
    def __call__(self, field, **kwargs):
        selected = ""
        if field.data is not None:
            selected = '<option value="%s" selected>%s</option>' % (
                escape(field.data.id),
                escape(option_label(field.data)),
            )
        classes = "form-control va-remote-select " + kwargs.pop("class", "")
        return Markup(
            '<select id="%s" name="%s" class="%s" data-url="%s" data-placeholder="%s"%s>'
            '<option value=""></option>%s</select>'
            % (
                escape(field.id),
                escape(field.name),
                escape(classes.strip()),
                escape(url_for("VillageAidLookup.lookup", key=field.lookup_key)),
                escape(_("Type to search")),
                "" if field.flags.required else ' data-allow-clear="true"',
                Markup(selected),
            )
        )


class RemoteSelectField(Field):
    """Picks one row by id from the lookup `lookup_key` (lookups.py). The id
    sent back is looked up the same way, through the scope policy: an id the
    picker would not offer is refused as if it did not exist, except the value
    the record already had (kept on edit)."""

    widget = RemoteSelectWidget()

    def __init__(self, label=None, validators=None, lookup_key=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.lookup_key = lookup_key
        self._current = None
        self._refused = False

    def process_data(self, value):
        self.data = value
        self._current = value

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        raw = (valuelist[0] or "").strip()
        if not raw:
            self.data = None
            return
        if self._current is not None and str(self._current.id) == raw:
            self.data = self._current
            return
        self.data = LOOKUPS[self.lookup_key].get(raw, scope.current_viewer())
        self._refused = self.data is None

    def pre_validate(self, form):
        if self._refused:  # say why, not "required"
            raise StopValidation(_("Not a valid choice."))

    def _value(self):
        return "" if self.data is None else str(self.data.id)


def option_label(obj):
    """How a related row is named in pickers: towns and units with their
    county when there are several, villages with their town (display.py),
    divisions with their code."""
    if isinstance(obj, (Town, Unit, Village)):
        return place_label(obj, picking=True)
    if isinstance(obj, Division):
        # names repeat across prefectures (桥西区, 市辖区): the code tells them apart
        return "%s（%s）" % (obj.name, obj.code)
    if hasattr(obj, "username"):
        return "%s (%s%s)" % (obj.username, obj.last_name or "", obj.first_name or "")
    return str(obj)


class ChoiceField(SelectField):
    """A coded column: shows labels in the user's language, stores the code."""

    widget = Select2Widget()

    def __init__(self, label=None, validators=None, options=None, **kwargs):
        self.options = options
        super().__init__(label, validators, choices=self._choices, **kwargs)

    def _choices(self):
        offered = list(self.options.offered() if hasattr(self.options, "offered") else self.options)
        current = getattr(self, "data", None)
        if current not in (None, "") and current in self.options and current not in dict(offered):
            offered.append((current, self.options.label(current)))  # a record keeps its (deactivated) code
        return [("", _l("— choose —"))] + [(code, text) for code, text in offered]

    def pre_validate(self, form):
        if self.data in ("", None):
            self.data = None
            return
        if self.data not in self.options:
            raise ValidationError(_("Not a valid choice."))
