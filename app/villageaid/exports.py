"""CSV export shared by every list.

`csv_stream()` turns rows into Excel-safe CSV bytes, one chunk at a time, and
writes an export receipt when done. `ExportMixin` gives a list view the
endpoint ``<list base URL>/export/`` that takes the list page's own query
arguments (filters, ordering) and exports every row they select, within the
user's scope.
"""
import csv
import datetime
import decimal
import hashlib
import io
from urllib.parse import quote

from flask import Response, current_app, flash, redirect, request, stream_with_context
from flask_appbuilder.baseviews import expose
from flask_appbuilder.security.decorators import has_access
from flask_appbuilder.urltools import get_filter_args, get_order_args
from flask_babel import gettext as _

from .models import ExportReceipt, current_user_id, utcnow

ENCODINGS = {"utf-8": "utf-8-sig", "gb18030": "gb18030"}
DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CHUNK_ROWS = 500


def neutralise(text):
    """A text cell that a spreadsheet would run as a formula gets a leading '."""
    if text and text.startswith(DANGEROUS_PREFIXES):
        return "'" + text
    return text


def cell(value):
    """A value as a person reads it; numbers stay numbers."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, decimal.Decimal):
        return "%.2f" % value
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return neutralise(str(value))


def read_column(item, column):
    """The value of a (possibly dotted) column or method of a row."""
    value = item
    for part in column.split("."):
        if value is None:
            return None
        value = getattr(value, part)
    return value() if callable(value) else value


def content_disposition(list_name, today=None):
    """RFC 6266/5987 attachment header: the list's name in UTF-8, and a plain
    ASCII fallback for old clients."""
    stamp = (today or utcnow().date()).strftime("%Y%m%d")
    name = "%s-%s.csv" % (list_name, stamp)
    ascii_name = "export-%s.csv" % stamp
    return "attachment; filename=\"%s\"; filename*=UTF-8''%s" % (ascii_name, quote(name))


def chosen_encoding():
    key = (request.args.get("encoding") or "utf-8").lower()
    return key if key in ENCODINGS else None


def csv_stream(rows, columns, headers, list_name, encoding_key, formatters=None):
    """A streamed CSV response of `rows` (an iterable, read lazily).

    `columns` are read with `read_column`; `formatters` maps a column to a
    function giving its display value (e.g. a coded value's label). Writes an
    ExportReceipt with the row count and the SHA-256 of the bytes sent.
    """
    formatters = formatters or {}
    codec = ENCODINGS[encoding_key]
    session = current_app.appbuilder.session
    receipt = {
        "user_id": current_user_id(),
        "list_name": list_name,
        "endpoint": request.path,
        "query_string": request.query_string.decode("utf-8", "replace")[:2000],
        "encoding": encoding_key,
    }

    def generate():
        digest = hashlib.sha256()
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        count = 0
        complete = False
        first = True

        def flush():
            nonlocal first
            text = buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            data = text.encode(codec) if first else text.encode(codec.replace("-sig", ""))
            first = False
            digest.update(data)
            return data

        try:
            writer.writerow([neutralise(str(h)) for h in headers])
            for item in rows:
                writer.writerow(
                    [
                        cell(formatters[c](read_column(item, c)) if c in formatters else read_column(item, c))
                        for c in columns
                    ]
                )
                count += 1
                if count % CHUNK_ROWS == 0:
                    yield flush()
            yield flush()
            complete = True
        finally:
            session.rollback()  # end the read transaction before writing
            session.add(
                ExportReceipt(
                    row_count=count, sha256=digest.hexdigest(), complete=complete, **receipt
                )
            )
            session.commit()

    response = Response(stream_with_context(generate()), mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=%s" % codec.replace("-sig", "")
    response.headers["Content-Disposition"] = content_disposition(list_name)
    response.headers["Cache-Control"] = "no-store"
    return response


class ExportMixin:
    """Adds ``export/`` to a ScopedModelView (permission ``can_export``).

    Columns: `export_columns`, else the list columns plus
    `export_extra_columns` (key fields such as ID number and phone).
    """

    export_columns = None
    export_extra_columns = ()

    def get_export_columns(self):
        if self.export_columns:
            return list(self.export_columns)
        return list(self.list_columns) + [c for c in self.export_extra_columns if c not in self.list_columns]

    def export_query(self):
        """The list's query for the current request: its base filters (scope
        included), the filters and ordering in the URL, and no paging."""
        orders = get_order_args().get(self.__class__.__name__)
        order_column, order_direction = orders if orders else ("", "")
        if not order_column and self.base_order:
            order_column, order_direction = self.base_order
        get_filter_args(self._filters)
        filters = self._filters.get_joined_filters(self._base_filters)
        query = self.datamodel.session.query(self.datamodel.obj)
        return filters, self.datamodel.apply_all(query, filters, order_column, order_direction)

    @expose("/export/")
    @has_access
    def export(self):
        encoding = chosen_encoding()
        if encoding is None:
            flash(_("Unknown encoding; choose UTF-8 or GB18030."), "danger")
            return redirect(self.get_redirect())
        filters, query = self.export_query()
        cap = current_app.config.get("VILLAGEAID_EXPORT_MAX_ROWS") or 0
        if cap:
            total = self.datamodel.query_count(self.datamodel.session.query(self.datamodel.obj), filters)
            if total > cap:
                flash(
                    _("The list has %(total)d rows, more than the %(cap)d an export may hold; narrow the filters. Nothing was exported.", total=total, cap=cap),
                    "danger",
                )
                return redirect(self.get_redirect())
        columns = self.get_export_columns()
        headers = [self.label_columns.get(c, c) for c in columns]
        return csv_stream(
            query.yield_per(CHUNK_ROWS),
            columns,
            headers,
            str(self.list_title),
            encoding,
            formatters=self.formatters_columns,
        )
