"""How a value reads on a list or detail page when its column has no
formatter of its own: nothing for a missing value (never "None"), times in
the configured time zone to the second, a town, unit or village by its
place_label, anything else as it is."""
from datetime import datetime

from flask_babel import gettext as _

from .divisions import several_counties
from .models import Town, Unit, Village
from .timefmt import local_time


def _within(outer, inner):
    """A name within a wider one: 元江县 · 县财政局."""
    return _("%(outer)s · %(inner)s", outer=outer, inner=inner)


def place_label(obj, picking=False):
    """How a town, unit or village is named wherever a person picks or
    reads one (pickers, list filters, related columns): a town or unit with
    its county when the installation holds more than one county (its name is
    unique within its county only: every county has its 县财政局), else by
    its bare name; a village with its town (and so its county) when picked
    (`picking`: a picker's option) or when there are several counties — on a
    list of one county its town has a column of its own. The county and town
    are loaded with the row (joined), never one by one."""
    if isinstance(obj, Village):
        if obj.town is None or not (picking or several_counties()):
            return obj.name
        return _within(place_label(obj.town), obj.name)
    county = obj.county if isinstance(obj, (Town, Unit)) else None
    if county is not None and several_counties():
        return _within(county.name, obj.name)
    return obj.name


def shown(value):
    if value is None:
        return ""
    if isinstance(value, datetime):
        return local_time(value)
    if isinstance(value, (Town, Unit, Village)):
        return place_label(value)
    return value


def displayed_columns(view):
    """Every column a list or detail page of the view shows."""
    columns = list(view.list_columns or []) + list(view.show_columns or [])
    for _title, fieldset in view.show_fieldsets or []:
        columns += fieldset.get("fields", [])
    return columns


def complete_formatters(view):
    """Give every shown column without a formatter the plain `shown` one."""
    for column in displayed_columns(view):
        view.formatters_columns.setdefault(column, shown)
