"""CSV export shared by every list and report.

Three parts:

- the cell rules: how each kind of column is written (`ColumnKind`), each
  with an SQL form (the database produces the final text, so that rows go
  into the file untouched by Python, and PostgreSQL writes the CSV itself
  with COPY) and a Python form (for rows computed in Python: the reports,
  and any other writer). Formula neutralising is one of them, defined once
  (`FormulaGuard`);
- `csv_stream()`: the header row and the body, encoded and streamed, with an
  export receipt saying whether the file was sent complete;
- `ExportMixin`: ``<list base URL>/export/`` on a list view, taking the list
  page's own query arguments (filters, ordering) and exporting every row they
  select, within the user's scope, ordered by the list's ordering and then
  by id, so that the same rows give the same bytes on every database.
"""
import codecs
import csv
import datetime
import decimal
import hashlib
import io
import logging
from urllib.parse import quote

from flask import Response, current_app, flash, redirect, request, stream_with_context, url_for
from flask_appbuilder.baseviews import expose
from flask_appbuilder.security.decorators import has_access
from flask_appbuilder.urltools import get_filter_args, get_order_args
from flask_babel import gettext as _
from sqlalchemy import (
    Boolean, Date, DateTime, Float, Integer, Numeric, String, Text, case, cast, func, inspect as sa_inspect,
    literal, null,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import RelationshipProperty, aliased
from sqlalchemy.sql.functions import FunctionElement

from .disclosures import export_row
from .validators import money_text_of
from .models import ExportReceipt, Money, current_user_id, utcnow
from .personal import PersonalMask, may_see_personal_data, personal_columns
from . import settings

log = logging.getLogger(__name__)

ENCODINGS = {"utf-8": "utf-8-sig", "gb18030": "gb18030"}
FORMATS = ("csv", "xlsx")
CHUNK_ROWS = 2000
COPY_CHUNK_BYTES = 256 * 1024


# --- the cell rules ------------------------------------------------------------


class FormulaGuard:
    """The one rule against spreadsheet formulas: a text cell starting with
    one of PREFIXES gets a leading '. `python` and `sql` are the two forms
    of that same rule (numbers are not text and are never touched)."""

    PREFIXES = ("=", "+", "-", "@", "\t", "\r")
    MARK = "'"

    def python(self, text):
        if text and text.startswith(self.PREFIXES):
            return self.MARK + text
        return text

    def sql(self, expr):
        return case(self.sql_when(expr), else_=expr)

    def sql_when(self, expr):
        """The rule as a CASE branch (condition, result), for a CASE of more
        branches."""
        danger = func.substr(expr, 1, 1).in_(list(self.PREFIXES))
        return danger, literal(self.MARK, String) + expr


FORMULA_GUARD = FormulaGuard()
neutralise = FORMULA_GUARD.python


class money_text(FunctionElement):
    """An amount kept in fen (models.Money) as 万元 text: two decimals when
    it is whole hundreds of yuan, else six (validators.money_text_of)."""

    type = String()
    name = "money_text"
    inherit_cache = True


_MONEY_SQL = ("CASE WHEN MOD(%(x)s, 10000) = 0 "
              "THEN CAST(CAST(CAST(%(x)s AS DECIMAL(28, 6)) / 1000000 AS DECIMAL(22, 2)) AS %(text)s) "
              "ELSE CAST(CAST(CAST(%(x)s AS DECIMAL(28, 6)) / 1000000 AS DECIMAL(22, 6)) AS %(text)s) END")


@compiles(money_text)
def _money_text(element, compiler, **kw):
    # DECIMAL division keeps (at least) the dividend's scale: exact; each
    # branch is text, or the CASE would take the larger scale for both
    (arg,) = list(element.clauses)
    return _MONEY_SQL % {"x": compiler.process(arg, **kw), "text": "VARCHAR(30)"}


@compiles(money_text, "mysql")
def _money_text_mysql(element, compiler, **kw):
    (arg,) = list(element.clauses)
    return _MONEY_SQL % {"x": compiler.process(arg, **kw), "text": "CHAR"}


@compiles(money_text, "sqlite")
def _money_text_sqlite(element, compiler, **kw):
    # integer arithmetic only: exact over the whole range of the column
    (arg,) = list(element.clauses)
    x = compiler.process(arg, **kw)
    return ("(CASE WHEN %(x)s < 0 THEN '-' ELSE '' END || CASE WHEN abs(%(x)s) %% 10000 = 0 "
            "THEN printf('%%d.%%02d', abs(%(x)s) / 1000000, (abs(%(x)s) %% 1000000) / 10000) "
            "ELSE printf('%%d.%%06d', abs(%(x)s) / 1000000, abs(%(x)s) %% 1000000) END)") % {"x": x}


class datetime_text(FunctionElement):
    """A timestamp as YYYY-MM-DD HH:MM:SS (whole seconds)."""

    type = String()
    name = "datetime_text"
    inherit_cache = True


@compiles(datetime_text)
def _datetime_text(element, compiler, **kw):
    (arg,) = list(element.clauses)
    return compiler.process(func.to_char(arg, literal("YYYY-MM-DD HH24:MI:SS")), **kw)


@compiles(datetime_text, "sqlite")
def _datetime_text_sqlite(element, compiler, **kw):
    (arg,) = list(element.clauses)
    return compiler.process(func.strftime(literal("%Y-%m-%d %H:%M:%S"), arg), **kw)


@compiles(datetime_text, "mysql")
def _datetime_text_mysql(element, compiler, **kw):
    (arg,) = list(element.clauses)
    return compiler.process(func.date_format(arg, literal("%Y-%m-%d %H:%i:%s")), **kw)


class ColumnKind:
    """How one kind of column is written in an export: `sql(expr)` gives the
    final cell text (or a number or date the CSV writers print as they are)
    in SQL; `python(value)` gives the same cell from a Python value.

    For a typed file (.xlsx, see spreadsheet.py) `typed_sql(expr)` gives the
    value as the cell holds it (a number stays a number, a date a date, text
    is never neutralised: a text cell is not a formula) and `cell` says which
    kind of cell: text, number, money, date or datetime."""

    cell = "number"

    def sql(self, expr):
        return expr

    def typed_sql(self, expr):
        return expr

    def python(self, value):
        return "" if value is None else str(value)


class TextKind(ColumnKind):
    """Free text: neutralised; an empty text is written like a missing one
    (PostgreSQL's COPY would quote it, Python's csv does not)."""

    cell = "text"

    def typed_sql(self, expr):
        return case((expr == literal("", String), null()), else_=expr)

    def sql(self, expr):
        return case((expr == literal("", String), null()), FORMULA_GUARD.sql_when(expr), else_=expr)

    def python(self, value):
        return "" if value is None else FORMULA_GUARD.python(str(value))


class NumberKind(ColumnKind):
    """Integers, and decimals at their column's scale: numbers stay numbers."""


class DateKind(ColumnKind):
    cell = "date"

    def python(self, value):
        return "" if value is None else value.isoformat()


class DateTimeKind(ColumnKind):
    cell = "datetime"

    def sql(self, expr):
        return datetime_text(expr)

    def python(self, value):
        return "" if value is None else value.strftime("%Y-%m-%d %H:%M:%S")


class MoneyKind(ColumnKind):
    cell = "money"

    def sql(self, expr):
        return case((expr.is_(None), null()), else_=money_text(expr))

    def python(self, value):
        return "" if value is None else money_text_of(value)


class YesNoKind(ColumnKind):
    cell = "text"

    def sql(self, expr):
        return case((expr, literal(_("Yes"), String)), else_=literal(_("No"), String))

    def typed_sql(self, expr):
        return self.sql(expr)

    def python(self, value):
        return _("Yes") if value else _("No")


class ChoiceKind(ColumnKind):
    """A coded column: its label in the user's language (an unknown code as
    it is, neutralised like any text)."""

    cell = "text"

    def __init__(self, options):
        self.options = options

    def sql(self, expr):
        labels = {code: str(text) for code, text in self.options}
        return case(labels, value=expr, else_=FORMULA_GUARD.sql(expr))

    def typed_sql(self, expr):
        labels = {code: str(text) for code, text in self.options}
        return case(labels, value=expr, else_=expr)

    def python(self, value):
        if value is None:
            return ""
        if value in self.options:
            return self.options.label(value)
        return FORMULA_GUARD.python(str(value))


class PersonalKind(ColumnKind):
    """An ID number, phone or birth date: in full for users who may see
    personal data, masked (in SQL too) for the others."""

    def __init__(self, column, shown):
        self.mask = PersonalMask(column)
        self.shown = shown

    @property
    def cell(self):
        return self.shown.cell if may_see_personal_data() else "text"

    def sql(self, expr):
        if not may_see_personal_data():
            return TEXT.sql(self.mask.sql(expr))
        return self.shown.sql(expr)

    def typed_sql(self, expr):
        if not may_see_personal_data():
            return TEXT.typed_sql(self.mask.sql(expr))
        return self.shown.typed_sql(expr)

    def python(self, value):
        if value is None:
            return ""
        if not may_see_personal_data():
            return TEXT.python(self.mask(value))
        return self.shown.python(value)


TEXT, NUMBER, DATE, DATETIME, MONEY, YES_NO = (
    TextKind(), NumberKind(), DateKind(), DateTimeKind(), MoneyKind(), YesNoKind(),
)

# Column type -> kind; the first match wins (Money is a kind of integer,
# DateTime is not a Date).
KINDS_BY_TYPE = (
    (Money, MONEY),
    (Boolean, YES_NO),
    (DateTime, DATETIME),
    (Date, DATE),
    ((Integer, Numeric, Float), NUMBER),
    ((String, Text), TEXT),
)


def kind_of_type(sql_type):
    for types, kind in KINDS_BY_TYPE:
        if isinstance(sql_type, types):
            return kind
    raise TypeError("no export kind for the column type %r" % (sql_type,))


def cell(value):
    """A Python value as a person reads it, by its Python type (report rows);
    numbers stay numbers."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return YES_NO.python(value)
    if isinstance(value, decimal.Decimal):
        return MONEY.python(value)
    if isinstance(value, (int, float)):
        return NUMBER.python(value)
    if isinstance(value, datetime.datetime):
        return DATETIME.python(value)
    if isinstance(value, datetime.date):
        return DATE.python(value)
    return TEXT.python(value)


def yes_no(value):
    """Formatter for lists: 是/否."""
    return YES_NO.python(value)


def blank_if_none(value):
    """Formatter for lists: nothing for a missing value."""
    return "" if value is None else value


# --- streaming -----------------------------------------------------------------


def content_disposition(list_name, today=None, extension="csv"):
    """RFC 6266/5987 attachment header: the list's name in UTF-8, and a plain
    ASCII fallback for old clients."""
    stamp = (today or utcnow().date()).strftime("%Y%m%d")
    name = "%s-%s.%s" % (list_name, stamp, extension)
    ascii_name = "export-%s.%s" % (stamp, extension)
    return "attachment; filename=\"%s\"; filename*=UTF-8''%s" % (ascii_name, quote(name))


def chosen_encoding():
    key = (request.args.get("encoding") or "utf-8").lower()
    return key if key in ENCODINGS else None


def receipt_fields(list_name, encoding):
    """The fields of an export receipt that say who exported which list, from
    where and how (CSV encodings and .xlsx alike)."""
    return {
        "user_id": current_user_id(),
        "list_name": list_name[:200],
        "endpoint": request.path[:300],
        "query_string": request.query_string.decode("utf-8", "replace")[:2000],
        "encoding": encoding,
    }


def csv_stream(body, headers, list_name, encoding_key, also_log=None):
    """A streamed CSV response: the header row, then the text chunks of
    `body` (an iterable of (CSV text, number of rows) read lazily), encoded
    as asked. Writes an ExportReceipt with the row count, the SHA-256 of the
    bytes sent and the outcome: complete, failed (an error on the server:
    the error goes on to the server, which closes the connection without the
    final chunk, so the download visibly fails) or interrupted (the client
    went away); and `also_log` (a row such as the personal data view log's)
    in the same transaction."""
    codec = ENCODINGS[encoding_key]
    session = current_app.appbuilder.session
    receipt = receipt_fields(list_name, encoding_key)

    def generate():
        digest = hashlib.sha256()
        count = 0
        status = "failed"
        try:
            data = rows_text([[TEXT.python(h) for h in headers]]).encode(codec)  # BOM first
            digest.update(data)
            yield data
            for text, rows in body:
                data = text.encode(codec.replace("-sig", ""))
                digest.update(data)
                count += rows
                yield data
            status = "complete"
        except GeneratorExit:
            status = "interrupted"
            raise
        except Exception:
            log.exception("export of %s failed after %d rows", list_name, count)
            raise
        finally:
            _write_receipt(session, receipt, count, digest.hexdigest(), status, also_log)

    response = Response(stream_with_context(generate()), mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=%s" % codec.replace("-sig", "")
    response.headers["Content-Disposition"] = content_disposition(list_name)
    response.headers["Cache-Control"] = "no-store"
    return response


def _write_receipt(session, receipt, count, digest, status, also_log=None):
    try:
        session.rollback()  # end the read transaction (or a failed one) first
        session.add(ExportReceipt(row_count=count, sha256=digest, status=status, **receipt))
        if also_log is not None:
            session.add(also_log)
        session.commit()
    except Exception:
        session.rollback()
        log.exception("could not write the receipt of an export")


def rows_text(rows):
    """RFC 4180 CSV text of rows, CRLF line ends."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


def report_body(rows):
    """The CSV body of a report whose rows are Python values: each value as
    a person reads it (`cell`: text neutralised, numbers kept)."""
    rows = [[cell(value) for value in row] for row in rows]
    yield rows_text(rows), len(rows)


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


def select_body(session, statement):
    """The CSV body of an export query whose every column is final in SQL.
    PostgreSQL writes the CSV itself (COPY ... TO STDOUT), streamed as it
    comes; elsewhere rows stream from a server-side cursor through Python's
    csv module. Both give the same bytes."""
    connection = session.connection()  # runs when the response starts streaming
    if connection.dialect.name == "postgresql":
        yield from copy_body(connection, statement)
    else:
        for chunk in stream_partitions(session, statement):
            yield rows_text(chunk), len(chunk)


class RowEnds:
    """COPY ends rows with LF; the file's rows end with CRLF. Only line
    breaks outside quoted values are row ends: those inside a value are the
    value's own and stay as they are. The quoting state is carried from one
    chunk to the next."""

    def __init__(self):
        self.quoted = False

    def __call__(self, text):
        if not self.quoted and '"' not in text:
            return text.replace("\n", "\r\n")
        parts = text.split('"')
        start = 1 if self.quoted else 0
        for i in range(start, len(parts), 2):
            parts[i] = parts[i].replace("\n", "\r\n")
        if (len(parts) - 1) % 2:
            self.quoted = not self.quoted
        return '"'.join(parts)


def copy_body(connection, statement):
    compiled = statement.compile(dialect=connection.dialect, compile_kwargs={"render_postcompile": True})
    cursor = connection.connection.driver_connection.cursor()
    decoder = codecs.getincrementaldecoder("utf-8")()
    row_ends = RowEnds()
    try:
        with cursor.copy("COPY (%s) TO STDOUT WITH (FORMAT csv)" % compiled.string, compiled.params) as copy:
            # COPY hands over one row at a time: gather them into chunks
            pending, size = [], 0
            for data in copy:
                pending.append(bytes(data))
                size += len(data)
                if size >= COPY_CHUNK_BYTES:
                    yield row_ends(decoder.decode(b"".join(pending))), 0
                    pending, size = [], 0
        yield row_ends(decoder.decode(b"".join(pending), final=True)), cursor.rowcount
    finally:
        cursor.close()


# --- lists ---------------------------------------------------------------------


class ExportColumn:
    """One column of a list's export: its header, SQL expression and kind."""

    def __init__(self, name, expr, kind):
        self.name, self.expr, self.kind = name, expr, kind

    def select(self, typed=False):
        return self.kind.typed_sql(self.expr) if typed else self.kind.sql(self.expr)


class ExportMixin:
    """Adds ``export/`` to a ScopedModelView (permission ``can_export``).

    Columns: `export_columns`, else the list columns plus
    `export_extra_columns` (key fields such as ID number and phone). The
    export selects just those columns (related rows by their name through
    outer joins), not whole ORM objects, so that a million rows stream fast.
    Each column's kind (how its cell is written) follows from its column
    type, its choice list or its being personal data; the list's formatters
    do not change it. Computed columns (model methods) need an SQL twin in
    `export_expressions` (column -> function() returning an SQL expression);
    `export_kinds` (column -> ColumnKind) overrides a kind.
    """

    export_columns = None
    export_extra_columns = ()
    export_expressions = {}
    export_kinds = {}

    def get_export_columns(self):
        if self.export_columns:
            columns = list(self.export_columns)
        else:
            columns = list(self.list_columns) + [c for c in self.export_extra_columns if c not in self.list_columns]
        if record_code_prefix(self.datamodel.obj) and RECORD_CODE not in columns:
            columns.append(RECORD_CODE)  # what an import matches the row by (imports.py)
        return columns

    def export_query(self):
        """The list's query for the current request: its base filters (scope
        included), the filters and ordering in the URL, no paging, and the
        primary key (the id) as the last ordering key."""
        orders = get_order_args().get(self.__class__.__name__)
        order_column, order_direction = self.allowed_order(*(orders if orders else ("", "")))
        if not order_column and self.base_order:
            order_column, order_direction = self.base_order
        get_filter_args(self._filters)
        filters = self._filters.get_joined_filters(self._base_filters)
        model = self.datamodel.obj
        query = self.datamodel.session.query(model)
        query = self.datamodel.apply_all(query, filters, order_column, order_direction)
        return filters, query.order_by(*sa_inspect(model).primary_key)

    def export_plan(self, query=None):
        """(query or None, [ExportColumn]) for the current request."""
        model = self.datamodel.obj
        aliases = {}
        plan = []
        for column in self.get_export_columns():
            if column in self.export_expressions:
                expr = self.export_expressions[column]()
                holder, attribute = model, column
            elif column == RECORD_CODE:
                expr = record_code_sql(model)
                holder, attribute = model, column
            else:
                query, expr, holder, attribute = _column_expression(query, model, column, aliases)
            kind = self.export_kinds.get(column) or _kind_of(expr, holder, attribute)
            plan.append(ExportColumn(column, expr, kind))
        return query, plan

    def export_selection(self, query, typed=False):
        query, plan = self.export_plan(query)
        return query.with_entities(*[c.select(typed).label("c%d" % i) for i, c in enumerate(plan)]), plan

    @expose("/export/")
    @has_access
    def export(self):
        """CSV by default; ``?format=xlsx`` an Excel workbook of the same
        rows (spreadsheet.py)."""
        file_format = request.args.get("format") or "csv"
        if file_format not in FORMATS:
            flash(_("Unknown file format; choose Excel (.xlsx) or CSV."), "danger")
            return redirect(self.get_redirect())
        encoding = chosen_encoding() if file_format == "csv" else "xlsx"
        if encoding is None:
            flash(_("Unknown encoding; choose UTF-8 or GB18030."), "danger")
            return redirect(self.get_redirect())
        filters, query = self.export_query()
        cap = settings.get("VILLAGEAID_EXPORT_MAX_ROWS") or 0
        background = settings.get("VILLAGEAID_EXPORT_BACKGROUND_ROWS") or 0 if file_format == "xlsx" else 0
        total = None
        if cap or background:
            total = self.datamodel.query_count(self.datamodel.session.query(self.datamodel.obj), filters)
        if cap:
            if total > cap:
                flash(
                    _("The list has %(total)d rows, more than the %(cap)d an export may hold; narrow the filters. Nothing was exported.", total=total, cap=cap),
                    "danger",
                )
                return redirect(self.get_redirect())
        if background and total > background:
            from . import jobs

            if jobs.available():
                job = jobs.start("export", type(self).__name__, str(self.list_title), current_user_id(), {},
                                 total=total)
                return redirect(url_for("JobsView.show", pk=job.id))
        selection, plan = self.export_selection(query, typed=file_format == "xlsx")
        headers = [self.label_columns.get(c.name, c.name) for c in plan]
        if file_format == "xlsx":
            from .spreadsheet import xlsx_stream

            body = stream_partitions(self.datamodel.session, selection.statement)
            cells = [c.kind.cell for c in plan]
            return xlsx_stream(body, headers, cells, str(self.list_title), self.personal_data_log(plan))
        body = select_body(self.datamodel.session, selection.statement)
        return csv_stream(body, headers, str(self.list_title), encoding, self.personal_data_log(plan))

    def personal_data_log(self, plan):
        """The personal data view log row of this export, when it carries
        unmasked personal columns."""
        shown = [c.name for c in plan if isinstance(c.kind, PersonalKind)]
        if not shown or not may_see_personal_data():
            return None
        return export_row(self.datamodel.obj, shown, self.list_title)


def export_job(job, parameters):
    """A large .xlsx export, written by a job into the jobs folder (in the
    request context of the export's own URL, as the user who asked for
    it): the same rows, cells and receipt as in the web request."""
    import os

    from . import jobs
    from .spreadsheet import write_workbook
    from .views.jobs import list_view

    view = list_view(job.list_name)
    if view is None or not isinstance(view, ExportMixin):
        raise jobs.JobFailed(_("Unknown job."))
    if not current_app.appbuilder.sm.has_access("can_export", view.class_permission_name):
        raise jobs.JobFailed(_("You may no longer export this list."))
    session = view.datamodel.session
    filters, query = view.export_query()
    jobs.set_total(job, view.datamodel.query_count(session.query(view.datamodel.obj), filters))
    selection, plan = view.export_selection(query, typed=True)
    headers = [view.label_columns.get(c.name, c.name) for c in plan]
    cells = [c.kind.cell for c in plan]
    name = "export-%d.xlsx" % job.id
    path = os.path.join(jobs.folder(), name)
    receipt = receipt_fields(str(view.list_title), "xlsx")
    try:
        count = write_workbook(path, jobs.counted(stream_partitions(session, selection.statement)), headers, cells,
                               str(view.list_title))
    except Exception:
        try:
            os.unlink(path)
        except OSError:
            pass
        _write_receipt(session, receipt, 0, hashlib.sha256().hexdigest(), "failed")
        raise
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for data in iter(lambda: handle.read(256 * 1024), b""):
            digest.update(data)
    _write_receipt(session, receipt, count, digest.hexdigest(), "complete", view.personal_data_log(plan))
    return {"rows": count}, name


def _kind_of(expr, holder, attribute):
    if attribute in personal_columns(holder):
        return PersonalKind(attribute, kind_of_type(expr.type))
    options = _choices_of(expr)
    if options is not None:
        return ChoiceKind(options)
    return kind_of_type(expr.type)


def _choices_of(expr):
    try:
        return expr.property.columns[0].info.get("choices")
    except (AttributeError, IndexError):
        return None


# --- record codes ----------------------------------------------------------------
#
# A list whose records have no natural key (a follow-up record; a candidate
# may have no ID number) exports each row's 记录编号: the model's
# `__record_code__` prefix, a dash and the id ("GZ-123"). An import matches
# a row by it (imports.py): the code updates that record; no code, a new one.

RECORD_CODE = "record_code"


def record_code_prefix(model):
    return getattr(model, "__record_code__", None)


def record_code(model, pk):
    return "%s-%d" % (record_code_prefix(model), pk)


def record_code_sql(model):
    return literal(record_code_prefix(model) + "-", String) + cast(model.id, String(20))


# The column that names a related row in an export, by what the model has.
LABEL_ATTRIBUTES = ("name", "title", "username")


def _label_attribute(model):
    for attribute in LABEL_ATTRIBUTES:
        if hasattr(model, attribute):
            return attribute
    raise TypeError("%s has no column naming its rows (%s)" % (model.__name__, ", ".join(LABEL_ATTRIBUTES)))


def _column_expression(query, model, column, aliases):
    """(query, SQL expression, model holding it, attribute) for a (dotted)
    column; a relationship stands for the related row's name. Related tables
    are outer-joined once, under aliases of their own, so they never clash
    with joins the filters made. `query` may be None (the plan alone)."""
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
                if query is not None:
                    query = query.outerjoin(alias, getattr(parent, local.key) == getattr(alias, remote.key))
                aliases[path] = alias
            current = target
            if i == len(parts) - 1:
                attribute = _label_attribute(target)
                return query, getattr(aliases[path], attribute), target, attribute
        else:
            holder = aliases[path] if path else model
            return query, getattr(holder, part), current, part
    raise KeyError(column)
