"""How a value reads on a list or detail page when its column has no
formatter of its own: nothing for a missing value (never "None"), times in
the configured time zone to the second, anything else as it is."""
from datetime import datetime

from .timefmt import local_time


def shown(value):
    if value is None:
        return ""
    if isinstance(value, datetime):
        return local_time(value)
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
