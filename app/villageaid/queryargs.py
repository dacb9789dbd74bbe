"""Bounded query arguments for lists, their exports and the reports.

FAB reads a list's arguments as it finds them: ``page_<View>`` and
``psize_<View>`` through ``int()`` (a letter is a server error, a page size
is not capped, a negative one means "no limit" on some databases),
``_flt_<n>_<column>`` values straight into SQL (a NUL byte, a number beyond
64 bits or an amount that is no number is a database error). `clean_list_args`
checks every such argument against the view and says what was wrong;
`check_list_request` (run before every request, see manager.py) sends the
person to the same page without the bad arguments, with a message saying
what was dropped. Reports use `int_arg` and `choice_arg`.
"""
import datetime
import decimal
import re

from flask import Response, current_app, flash, redirect, request, url_for
from flask_appbuilder.baseviews import BaseCRUDView
from flask_babel import gettext as _
from sqlalchemy import BigInteger, Boolean, Date, DateTime, Integer, Numeric
from werkzeug.datastructures import MultiDict

from .models import Money
from . import settings

PAGE_ARG = re.compile(r"^page_(.+)$")
PSIZE_ARG = re.compile(r"^psize_(.+)$")
ORDER_COLUMN_ARG = re.compile(r"^_oc_(.+)$")
ORDER_DIRECTION_ARG = re.compile(r"^_od_(.+)$")
FILTER_ARG = re.compile(r"^_flt_(\d)_(.+)$")

LARGEST_PAGE = 10 ** 6
LONGEST_FILTER_VALUE = 200
INT_RANGES = {BigInteger: (-(2 ** 63), 2 ** 63 - 1), Integer: (-(2 ** 31), 2 ** 31 - 1)}
ID_RANGE = (1, 2 ** 31 - 1)
LARGEST_AMOUNT = decimal.Decimal("10000000000")


def max_page_size():
    return settings.get("VILLAGEAID_MAX_PAGE_SIZE")


def shown(value, limit=40):
    """A value as quoted in a message: short, one line."""
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[:limit] + "…"


def parse_int(text, low, high):
    """The whole number in `text` if it is one within [low, high], else None."""
    text = (text or "").strip()
    if not re.fullmatch(r"[+-]?[0-9]{1,20}", text):
        return None
    number = int(text)
    return number if low <= number <= high else None


def parse_amount(text):
    """An amount with at most six decimals (exact to the fen in 万元), finite
    and within the range of the money columns, else None."""
    try:
        amount = decimal.Decimal((text or "").strip())
    except decimal.InvalidOperation:
        return None
    if not amount.is_finite() or abs(amount) >= LARGEST_AMOUNT or amount.as_tuple().exponent < -6:
        return None
    return amount


def parse_date(text):
    try:
        return datetime.datetime.fromisoformat((text or "").strip())
    except ValueError:
        return None


class Cleaned:
    """The arguments without the bad ones, and a message per dropped one."""

    def __init__(self, args):
        self.args = MultiDict(args)
        self.messages = []

    def drop(self, key, message):
        self.args.poplist(key)
        self.messages.append(message)

    @property
    def changed(self):
        return bool(self.messages)


def clean_list_args(args, view, paging=True):
    """Check a list page's arguments against `view` (an export's: paging=False,
    as an export ignores the page and its size)."""
    cleaned = Cleaned(args)
    cap = max_page_size()
    for key in list(args.keys()):
        values = args.getlist(key)
        if not paging and (PAGE_ARG.match(key) or PSIZE_ARG.match(key)):
            continue
        if PAGE_ARG.match(key):
            if any(parse_int(v, 0, LARGEST_PAGE) is None for v in values):
                cleaned.drop(key, _("“%(value)s” is not a page number; the first page is shown.", value=shown(values[0])))
        elif PSIZE_ARG.match(key):
            sizes = [parse_int(v, 1, 10 ** 9) for v in values]
            if any(s is None for s in sizes):
                cleaned.drop(key, _("“%(value)s” is not a number of rows per page; the usual number is shown.", value=shown(values[0])))
            elif any(s > cap for s in sizes):
                cleaned.args.setlist(key, [str(cap)])
                cleaned.messages.append(_("At most %(cap)d rows per page; %(cap)d are shown.", cap=cap))
        elif ORDER_COLUMN_ARG.match(key):
            name = ORDER_COLUMN_ARG.match(key).group(1)
            if name == type(view).__name__ and any(v not in (view.order_columns or []) for v in values):
                cleaned.drop(key, _("The list cannot be ordered by “%(value)s”; its usual order is used.", value=shown(values[0])))
        elif ORDER_DIRECTION_ARG.match(key):
            if any(v not in ("asc", "desc") for v in values):
                cleaned.drop(key, _("“%(value)s” is not an order (ascending or descending); the usual order is used.", value=shown(values[0])))
        elif FILTER_ARG.match(key):
            index, column = FILTER_ARG.match(key).groups()
            reason = filter_problem(view, column, int(index), values)
            if reason:
                label = view.label_columns.get(column, column)
                cleaned.drop(key, _("The filter on “%(column)s” was left out: %(reason)s", column=shown(label), reason=reason))
    return cleaned


def filter_problem(view, column, index, values):
    """Why the values of one `_flt_` argument cannot be used, or None."""
    filters = view._filters.get_search_filters().get(column)
    if not filters or index >= len(filters):
        return _("there is no such filter.")
    for value in values:
        if "\x00" in value:
            return _("the value contains a character that is not allowed.")
        if len(value) > LONGEST_FILTER_VALUE:
            return _("the value is longer than %(count)d characters.", count=LONGEST_FILTER_VALUE)
        if value.strip() == "":
            continue
        problem = _value_problem(view, column, value)
        if problem:
            return problem
    return None


def _value_problem(view, column, value):
    datamodel = view.datamodel
    if datamodel.is_relation_many_to_one(column):
        if parse_int(value, *ID_RANGE) is None:
            return _("not one of the offered rows.")
        return None
    sql_type = _column_type(datamodel.obj, column)
    if sql_type is None or isinstance(sql_type, Boolean):
        return None
    if isinstance(sql_type, Money) or isinstance(sql_type, Numeric):
        return None if parse_amount(value) is not None else _("not a number with at most six decimals.")
    for int_type, bounds in INT_RANGES.items():
        if isinstance(sql_type, int_type):
            return None if parse_int(value, *bounds) is not None else _("not a whole number within range.")
    if isinstance(sql_type, (Date, DateTime)):
        return None if parse_date(value) is not None else _("not a date (YYYY-MM-DD).")
    return None


def _column_type(model, column):
    attribute = getattr(model, column, None)
    try:
        return attribute.type
    except AttributeError:
        return None


def crud_view_of_request():
    """The FAB model view serving this request, if any."""
    function = current_app.view_functions.get(request.endpoint or "")
    view = getattr(function, "__self__", None)
    return view if isinstance(view, BaseCRUDView) else None


def check_list_request():
    """Before a request to a model view (list, export, show or edit with
    their related lists): when an argument is malformed, answer with a
    redirect to the same page without it (a list when it was an export:
    an export must not quietly cover other rows than asked), flashing what
    was left out."""
    if request.method != "GET" or not request.args:
        return None
    view = crud_view_of_request()
    if view is None:
        return None
    endpoint = request.endpoint
    export = endpoint.endswith(".export")
    cleaned = clean_list_args(request.args, view, paging=not export)
    if not cleaned.changed:
        return None
    for message in cleaned.messages:
        flash(message, "warning")
    if export:
        endpoint = endpoint[: -len(".export")] + ".list"
    return redirect(url_for(endpoint, **(request.view_args or {})) + _query(cleaned.args))


def _query(args):
    from urllib.parse import urlencode

    pairs = list(args.items(multi=True))
    return "?" + urlencode(pairs) if pairs else ""


def bad_request(*messages):
    """400 with the messages, as plain text a person can read."""
    return Response("\n".join(str(m) for m in messages) + "\n", status=400,
                    mimetype="text/plain")


def int_arg(name, low, high, default=None):
    """(value, message): a whole-number report argument; a malformed one
    gives the default and a message saying so."""
    text = request.args.get(name)
    if text in (None, ""):
        return default, None
    value = parse_int(text, low, high)
    if value is None:
        return default, _("“%(value)s” is not valid here; it was left out.", value=shown(text))
    return value, None


def choice_args(name, allowed):
    """(values, message): the values of a repeated report argument that are
    among `allowed`; the others are named in the message."""
    values = [v for v in request.args.getlist(name) if v != ""]
    bad = [v for v in values if v not in allowed]
    message = _("“%(value)s” is not valid here; it was left out.", value=shown(bad[0])) if bad else None
    return [v for v in values if v in allowed], message
