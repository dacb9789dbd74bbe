"""CSV export shared by every list.

`csv_stream()` turns rows into Excel-safe CSV bytes, one chunk at a time, and
writes an export receipt when done. `ExportMixin` gives a list view the
endpoint ``<list base URL>/export/`` that takes the list page's own query
arguments (filters, ordering) and exports every row they select, within the
user's scope.
"""
import codecs
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
from sqlalchemy import String, case, func, inspect as sa_inspect, literal
from sqlalchemy.orm import RelationshipProperty, aliased

from .models import ExportReceipt, current_user_id, utcnow
from .disclosures import export_row
from .personal import PersonalMask, may_see_personal_data

ENCODINGS = {"utf-8": "utf-8-sig", "gb18030": "gb18030"}
DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CHUNK_ROWS = 2000


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


def memoised(func, limit=10000):
    """Cache a converter whose column has few distinct values."""
    cache = {}

    def convert(value):
        try:
            return cache[value]
        except KeyError:
            result = func(value)
            if len(cache) < limit:
                cache[value] = result
            return result

    return convert


def blank_if_none(value):
    return "" if value is None else value


def yes_no(value):
    return _("Yes") if value else _("No")


def _python_type(expr):
    try:
        return expr.type.python_type
    except (AttributeError, NotImplementedError):
        return None


def display_expression(expr, formatter=None):
    """(SQL expression giving the cell as a person reads it, Python converter
    or None). Labels, yes/no and formula neutralising are done by the
    database, so that most rows go into the file untouched by Python."""
    options = _choices_of(expr)
    python_type = _python_type(expr)
    if isinstance(formatter, PersonalMask):
        if not may_see_personal_data():
            expr = formatter.sql(expr)
        formatter = None
    if options is not None:
        labels = {code: str(text) for code, text in options}
        return case(labels, value=expr, else_=expr), None
    if formatter is yes_no or (formatter is None and python_type is bool):
        return case((expr, _("Yes")), else_=_("No")), None
    if formatter is not None and formatter is not blank_if_none:
        return expr, memoised(lambda value: cell(formatter(value)))
    if python_type is str:
        danger = func.substr(expr, 1, 1).in_(list(DANGEROUS_PREFIXES))
        return case((danger, literal("'", String) + expr), else_=expr), None
    if python_type in (int, float, datetime.date):
        return expr, None  # the csv module writes these as they read: 12, 2020-06-01
    if python_type is decimal.Decimal:
        return expr, lambda value: "" if value is None else "%.2f" % value
    return expr, cell


def stream_partitions(session, statement):
    """Rows in lists of CHUNK_ROWS from a server-side cursor, executed only
    when the response starts streaming (a cursor opened earlier would not
    outlive the request's own transaction handling)."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        # PostgreSQL plans cursors for the first 10% of rows by default
        # (fast-start nested loops); an export reads them all.
        connection.exec_driver_sql("SET LOCAL cursor_tuple_fraction = 1.0")
    connection = connection.execution_options(yield_per=CHUNK_ROWS)
    result = connection.execute(statement)
    try:
        while True:
            rows = result.fetchmany(CHUNK_ROWS)
            if not rows:
                break
            yield rows
    finally:
        result.close()


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


def csv_stream(body, headers, list_name, encoding_key, also_log=None):
    """A streamed CSV response: the header row, then the text chunks of
    `body` (an iterable of (CSV text, number of rows) read lazily), encoded
    as asked. Writes an ExportReceipt with the row count and the SHA-256 of
    the bytes sent, and `also_log` (a row such as the personal data view
    log's) in the same transaction."""
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
        count = 0
        complete = False
        try:
            data = rows_text([[neutralise(str(h)) for h in headers]]).encode(codec)  # BOM first
            digest.update(data)
            yield data
            for text, rows in body:
                data = text.encode(codec.replace("-sig", ""))
                digest.update(data)
                count += rows
                yield data
            complete = True
        finally:
            session.rollback()  # end the read transaction before writing
            session.add(
                ExportReceipt(
                    row_count=count, sha256=digest.hexdigest(), complete=complete, **receipt
                )
            )
            if also_log is not None:
                session.add(also_log)
            session.commit()

    response = Response(stream_with_context(generate()), mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=%s" % codec.replace("-sig", "")
    response.headers["Content-Disposition"] = content_disposition(list_name)
    response.headers["Cache-Control"] = "no-store"
    return response


def rows_text(rows):
    """RFC 4180 CSV text of rows, CRLF line ends."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


def rows_body(chunks, converters):
    """CSV text per chunk of rows, each value through its column's converter
    (None: written as it is)."""
    active = [(i, conv) for i, conv in enumerate(converters) if conv is not None]
    for chunk in chunks:
        if active:
            chunk = [list(row) for row in chunk]
            for row in chunk:
                for i, conv in active:
                    row[i] = conv(row[i])
        yield rows_text(chunk), len(chunk)


def select_body(session, statement, converters):
    """The CSV body of an export query. On PostgreSQL, when every value is
    already final in SQL, the database writes the CSV itself (COPY ... TO
    STDOUT), streamed as it comes; elsewhere rows stream from a server-side
    cursor through Python's csv module."""
    connection = session.connection()  # runs when the response starts streaming
    if connection.dialect.name == "postgresql" and all(c is None for c in converters):
        yield from copy_body(connection, statement)
    else:
        yield from rows_body(stream_partitions(session, statement), converters)


def copy_body(connection, statement):
    compiled = statement.compile(dialect=connection.dialect, compile_kwargs={"render_postcompile": True})
    cursor = connection.connection.driver_connection.cursor()
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with cursor.copy("COPY (%s) TO STDOUT WITH (FORMAT csv)" % compiled.string, compiled.params) as copy:
            for data in copy:
                text = decoder.decode(bytes(data))
                yield text.replace("\n", "\r\n"), 0
        yield decoder.decode(b"", final=True), cursor.rowcount
    finally:
        cursor.close()


class ExportMixin:
    """Adds ``export/`` to a ScopedModelView (permission ``can_export``).

    Columns: `export_columns`, else the list columns plus
    `export_extra_columns` (key fields such as ID number and phone). The
    export selects just those columns (related rows by their name through
    outer joins), not whole ORM objects, so that a million rows stream fast.
    Computed columns (model methods) need an SQL twin in `export_expressions`.
    """

    export_columns = None
    export_extra_columns = ()
    export_expressions = {}  # column -> function() returning an SQL expression

    def get_export_columns(self):
        if self.export_columns:
            return list(self.export_columns)
        return list(self.list_columns) + [c for c in self.export_extra_columns if c not in self.list_columns]

    def export_query(self):
        """The list's query for the current request: its base filters (scope
        included), the filters and ordering in the URL, and no paging."""
        orders = get_order_args().get(self.__class__.__name__)
        order_column, order_direction = self.allowed_order(*(orders if orders else ("", "")))
        if not order_column and self.base_order:
            order_column, order_direction = self.base_order
        get_filter_args(self._filters)
        filters = self._filters.get_joined_filters(self._base_filters)
        query = self.datamodel.session.query(self.datamodel.obj)
        return filters, self.datamodel.apply_all(query, filters, order_column, order_direction)

    def export_selection(self, query, columns):
        """(query selecting one value per column, converters per column)."""
        model = self.datamodel.obj
        aliases = {}
        exprs, converters = [], []
        for column in columns:
            formatter = self.formatters_columns.get(column)
            if column in self.export_expressions:
                expr = self.export_expressions[column]()
            else:
                query, expr = _column_expression(query, model, column, aliases)
            expr, conv = display_expression(expr, formatter)
            exprs.append(expr.label("c%d" % len(exprs)))
            converters.append(conv)
        return query.with_entities(*exprs), converters

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
        selection, converters = self.export_selection(query, columns)
        body = select_body(self.datamodel.session, selection.statement, converters)
        return csv_stream(body, headers, str(self.list_title), encoding, self.personal_data_log(columns))

    def personal_data_log(self, columns):
        """The personal data view log row of this export, when it carries
        unmasked personal columns."""
        shown = [c for c in columns if isinstance(self.formatters_columns.get(c), PersonalMask)]
        if not shown or not may_see_personal_data():
            return None
        return export_row(self.datamodel.obj, shown, self.list_title)


def _choices_of(expr):
    try:
        return expr.property.columns[0].info.get("choices")
    except (AttributeError, IndexError):
        return None


def _label_attribute(model):
    """The column that names a related row in an export."""
    return "name" if hasattr(model, "name") else "username"


def _column_expression(query, model, column, aliases):
    """An SQL expression for a (dotted) column; a relationship stands for the
    related row's name. Related tables are outer-joined once, under aliases of
    their own, so they never clash with joins the filters made."""
    parts = column.split(".")
    current, path = model, ""
    for i, part in enumerate(parts):
        prop = sa_inspect(current).attrs.get(part)
        if isinstance(prop, RelationshipProperty):
            target = prop.mapper.class_
            path = path + "." + part if path else part
            if path not in aliases:
                alias = aliased(target)
                parent = aliases[path.rsplit(".", 1)[0]] if "." in path else model
                (local,), (remote,) = prop.local_columns, [c for c in prop.remote_side]
                query = query.outerjoin(alias, getattr(parent, local.key) == getattr(alias, remote.key))
                aliases[path] = alias
            current = target
            if i == len(parts) - 1:
                return query, getattr(aliases[path], _label_attribute(target))
        else:
            holder = aliases[path] if path else model
            return query, getattr(holder, part)
    raise KeyError(column)
