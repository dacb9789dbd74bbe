"""批量导入: rows of an .xlsx or .csv file into a list, through the one write
path.

- `Columns`: what a list imports, built from its view: the form's columns
  (add_columns) are set by the import; the columns its export writes but
  the form does not set (computed, read-only) are recognised and ignored.
  Headers match a column's label in Chinese or English, or its field name.
- `read_table`: the file's rows (.xlsx with openpyxl read-only, .csv in
  UTF-8 with or without BOM or GB18030, detected).
- `run`: every row parsed, matched by the model's natural key (its unique
  columns or constraint, within the importer's scope) and saved with
  writes.save_all inside `writes.held`: a refused row is undone alone and
  reported, and the caller commits all of it or rolls all of it back. A
  preview is the same run rolled back.
"""
import csv
import datetime
import decimal
import hashlib
import io
import json
import os
import re
from contextvars import ContextVar
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import force_locale, gettext as _
from sqlalchemy import Boolean, Date, DateTime, Integer, Numeric, String, Text, UniqueConstraint, func, select, tuple_, update

from . import rules, scope, settings, writes
from .exports import LABEL_ATTRIBUTES, RECORD_CODE, record_code, record_code_prefix
from .models import ChangeRecord, ImportBatch, Money, recyclable, utcnow
from .personal import personal_columns
from .validators import REQUIRED_MESSAGE

ERROR_HEADER = "错误"
YES = {"是", "yes", "y", "true", "1", "√", "✓"}
NO = {"否", "no", "n", "false", "0", ""}
# the batch being run (set by run, read by the change hook)
_BATCH = ContextVar("villageaid_import_batch", default=None)


class ImportError_(Exception):
    """The file as a whole cannot be imported; `message` says why."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


# --- columns ---------------------------------------------------------------------


@dataclass
class Column:
    name: str  # field name
    labels: tuple  # (zh, en)
    required: bool = False
    target: object = None  # related model, for a reference
    sql_type: object = None
    options: object = None  # Choices
    view_labels: dict = field(default_factory=dict)


def labels_in(view, name):
    texts = []
    for locale in ("zh", "en"):
        with force_locale(locale):
            texts.append(str(view.label_columns.get(name, name)))
    return tuple(texts)


class Columns:
    """The columns a list imports, and those it recognises and ignores."""

    def __init__(self, view):
        self.view = view
        self.model = view.datamodel.obj
        table = self.model.__table__
        relations = {r.key: r for r in writes.many_to_one(self.model)}
        self.settable = []
        for name in view.add_columns:
            if name in relations:
                rel = relations[name]
                required = (not any(c.nullable for c in rel.local_columns)
                            and name not in rules.derived_columns(self.model))  # a rule fills it in
                self.settable.append(Column(name, labels_in(view, name), required, target=rel.mapper.class_,
                                            view_labels=view.label_columns))
            elif name in table.columns:
                column = table.columns[name]
                required = (not column.nullable and column.default is None and column.server_default is None
                            and not isinstance(column.type, Boolean)
                            and name not in rules.derived_columns(self.model))  # a rule fills it in
                self.settable.append(Column(name, labels_in(view, name), required, sql_type=column.type,
                                            options=column.info.get("choices"), view_labels=view.label_columns))
        settable = {c.name for c in self.settable}
        # the 记录编号 the export writes for a list without a natural key: the row's key
        self.code = Column(RECORD_CODE, labels_in(view, RECORD_CODE)) if record_code_prefix(self.model) else None
        self.ignored = [Column(n, labels_in(view, n)) for n in view.get_export_columns()
                        if n not in settable and n != RECORD_CODE]

    def match(self, headers):
        """({index: Column}, [ignored header], error message or None)."""
        known = {}
        for column in self.settable + self.ignored + ([self.code] if self.code else []):
            for text in column.labels + (column.name,):
                known.setdefault(_norm(text), column)
        found, ignored, unknown = {}, [], []
        for i, header in enumerate(headers):
            text = _norm(header)
            if not text or text == _norm(ERROR_HEADER):
                continue
            column = known.get(text)
            if column is None:
                unknown.append(str(header))
            elif column in self.ignored:
                ignored.append(str(header))
            elif column in found.values():
                return {}, [], _("The column %(column)s appears twice.", column=header)
            else:
                found[i] = column
        missing = [c for c in self.settable if c.required and c not in found.values()]
        if missing:
            return {}, [], _("Required column missing: %(columns)s. Nothing was imported.",
                             columns="、".join(str(self.view.label_columns.get(c.name, c.name)) for c in missing))
        if unknown:
            return {}, [], _("Unknown column: %(columns)s. Use the template's headers.", columns="、".join(unknown))
        return found, ignored, None

    def key_groups(self):
        """The model's natural keys: its unique columns and constraints, as
        field names (a reference by its relationship's name)."""
        table = self.model.__table__
        by_column = {next(iter(r.local_columns)).name: r.key for r in writes.many_to_one(self.model)}
        groups = [[c.name] for c in table.columns if c.unique]
        groups += [[c.name for c in k.columns] for k in table.constraints if isinstance(k, UniqueConstraint)]
        unique = []
        for group in groups:
            group = [by_column.get(n, n) for n in group]
            if group not in unique:
                unique.append(group)
        return unique

    def key_text(self):
        settable = {c.name for c in self.settable}
        groups = [g for g in self.key_groups() if set(g) <= settable]
        keys = _(" or ").join(" + ".join(str(self.view.label_columns.get(n, n)) for n in g) for g in groups)
        if self.code is not None:
            code = str(self.view.label_columns.get(RECORD_CODE, RECORD_CODE))
            if keys:
                return _("%(code)s (as the export writes it), else %(keys)s; a row with neither is a new record",
                         code=code, keys=keys)
            return _("%(code)s (as the export writes it); a row without one is a new record", code=code)
        if not groups:
            return _("none: every row is a new record")
        return keys


def _norm(text):
    return re.sub(r"\s+", "", str(text or "")).lower().rstrip("*")


# --- reading files ---------------------------------------------------------------


def read_table(name, data):
    """(headers, rows) of an uploaded file; raises ImportError_."""
    lower = (name or "").lower()
    if len(data) > settings.get("VILLAGEAID_IMPORT_MAX_BYTES"):
        raise ImportError_(_("The file is larger than %(size)d MB; split it.",
                             size=settings.get("VILLAGEAID_IMPORT_MAX_BYTES") // (1024 * 1024)))
    if lower.endswith(".xls") or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise ImportError_(_("An old .xls workbook cannot be read: open it in Excel or WPS and save it as .xlsx."))
    if data[:2] == b"PK":
        rows = _xlsx_rows(data)
    elif lower.endswith(".csv") or not lower:
        rows = _csv_rows(data)
    else:
        raise ImportError_(_("Upload an .xlsx or .csv file."))
    rows = [r for r in rows if any(v not in (None, "") for v in r)]
    if not rows:
        raise ImportError_(_("The file has no header row."))
    headers, body = rows[0], rows[1:]
    if len(body) > settings.get("VILLAGEAID_IMPORT_MAX_ROWS"):
        raise ImportError_(_("The file has %(rows)d rows, more than the %(max)d an import may hold; split it.",
                             rows=len(body), max=settings.get("VILLAGEAID_IMPORT_MAX_ROWS")))
    return [("" if h is None else str(h)) for h in headers], body


def _xlsx_rows(data):
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:
        raise ImportError_(_("The file is not a readable .xlsx workbook."))
    try:
        return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    finally:
        book.close()


def _csv_rows(data):
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportError_(_("The file's encoding is neither UTF-8 nor GBK/GB18030."))
    return [list(r) for r in csv.reader(io.StringIO(text, newline=""))]


# --- values ----------------------------------------------------------------------


class BadValue(Exception):
    pass


def text_of(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime) and value.time() == datetime.time():
        return value.date().isoformat()
    return str(value).strip()


def parse(column, value, resolver):
    """The Python value of a cell for `column`, or BadValue with a message."""
    text = text_of(value)
    if text == "":
        return None
    if column.target is not None:
        return resolver(column.target, text)
    if column.options is not None:
        code = code_of_label(column.options, text)
        if code is None:
            raise BadValue(_("Not one of the choices."))
        return code
    kind = column.sql_type
    if isinstance(kind, Boolean):
        lowered = text.lower()
        if lowered in YES or text == _("Yes"):
            return True
        if lowered in NO or text == _("No"):
            return False
        raise BadValue(_("Write 是 or 否."))
    if isinstance(kind, DateTime):
        if isinstance(value, datetime.datetime):
            return value
        try:
            return datetime.datetime.fromisoformat(text.replace("/", "-"))
        except ValueError:
            raise BadValue(_("Not a date and time (YYYY-MM-DD HH:MM)."))
    if isinstance(kind, Date):
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        match = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", text)
        try:
            return datetime.date(*map(int, match.groups()))
        except (AttributeError, ValueError):
            raise BadValue(_("Not a date (YYYY-MM-DD)."))
    if isinstance(kind, (Money, Numeric)):
        try:
            number = decimal.Decimal(text.replace(",", ""))
        except decimal.InvalidOperation:
            raise BadValue(_("Not a number."))
        if not number.is_finite():
            raise BadValue(_("Not a number."))
        if isinstance(kind, Money):
            number = number.quantize(decimal.Decimal("0.01")) if number == number.quantize(
                decimal.Decimal("0.01")) else number
            if number != number.quantize(decimal.Decimal("0.01")):
                raise BadValue(_("An amount has at most two decimals."))
        return number
    if isinstance(kind, Integer):
        if not re.fullmatch(r"[+-]?\d{1,18}", text):
            raise BadValue(_("Not a whole number."))
        return int(text)
    if isinstance(kind, (String, Text)):
        return text
    return text


def code_of_label(options, text):
    """The code whose label reads `text` in Chinese or English (or the code
    itself); None when no choice does. The pairs are read in each language:
    an office dictionary's labels are already words of one language."""
    for locale in ("zh", "en"):
        with force_locale(locale):
            for code, label in options.pairs:
                if text == code or text == str(label):
                    return code
    return None


class Resolver:
    """A reference cell to the id of a row the importer may see: by the
    target's single-column natural key (an ID number, a name), else its
    name or title; "parent/name" (村 by 镇/村) or "title/start date" for a
    two-part key. Cached per import."""

    def __init__(self, viewer, session):
        self.viewer, self.session, self.cache = viewer, session, {}

    def __call__(self, target, text):
        key = (target, text)
        if key not in self.cache:
            self.cache[key] = self.find(target, text)
        found = self.cache[key]
        if isinstance(found, BadValue):
            raise found
        return found

    def visible(self, target):
        return scope.visible_query(target, self.viewer, self.session)

    def find(self, target, text):
        table = target.__table__
        candidates = [[c.name] for c in table.columns if c.unique and isinstance(c.type, String)]
        candidates += [[a] for a in LABEL_ATTRIBUTES if hasattr(target, a) and [a] not in candidates]
        for (attribute,) in candidates:
            ids = [r.id for r in self.visible(target).filter(getattr(target, attribute) == text).limit(2)]
            if len(ids) == 1:
                return ids[0]
            if len(ids) > 1:
                return BadValue(_("Several records are named so; write it as %(form)s.", form=self.two_part(target)))
        if "/" in text:
            found = self.by_two_parts(target, *text.rsplit("/", 1))
            if found is not None:
                return found
        return BadValue(_("No such record in your scope."))

    def two_part_key(self, target):
        for constraint in target.__table__.constraints:
            if isinstance(constraint, UniqueConstraint) and len(constraint.columns) == 2:
                return [c.name for c in constraint.columns]
        return None

    def two_part(self, target):
        key = self.two_part_key(target)
        return "/".join(str(self_label(n)) for n in key) if key else "?"

    def by_two_parts(self, target, first, second):
        key = self.two_part_key(target)
        if key is None:
            return None
        relations = {next(iter(r.local_columns)).name: r for r in writes.many_to_one(target)}
        query = self.visible(target)
        for name, text in zip(key, (first.strip(), second.strip())):
            if name in relations:
                try:
                    parent = self(relations[name].mapper.class_, text)
                except BadValue:
                    return None
                query = query.filter(getattr(target, name) == parent)
            else:
                column = target.__table__.columns[name]
                value = text
                if isinstance(column.type, Date):
                    try:
                        value = datetime.date.fromisoformat(text)
                    except ValueError:
                        return None
                query = query.filter(getattr(target, name) == value)
        ids = [r.id for r in query.limit(2)]
        return ids[0] if len(ids) == 1 else None


def record_id_of(model, value):
    """The record id a 记录编号 cell names (None when empty): the model's
    prefix, an optional dash, digits ("GZ-123", "gz123")."""
    text = text_of(value)
    if text == "":
        return None
    match = re.fullmatch(r"%s-?(\d{1,18})" % re.escape(record_code_prefix(model)), text, re.IGNORECASE)
    if match is None:
        raise BadValue(_("Not a record ID of this list (as the export writes it, e.g. %(example)s).",
                         example="%s-1" % record_code_prefix(model)))
    return int(match.group(1))


def self_label(name):
    from .labels import LABELS

    return LABELS.get(name.replace("_id", ""), name)


# --- running ---------------------------------------------------------------------


@dataclass
class RowResult:
    number: int  # the row's number in the file (the header is row 1)
    values: list
    outcome: str = ""  # new, update, unchanged, error
    errors: list = field(default_factory=list)  # (column label, value, message)
    record_id: int = None
    version: int = None
    before: dict = None  # an update's changed columns as they were (for undo)


@dataclass
class Result:
    rows: list
    ignored: list
    planned: dict = field(default_factory=dict)  # record id -> row version the preview saw

    def undo_data(self, model):
        return json.dumps({
            "model": model.__name__,
            "created": [r.record_id for r in self.rows if r.outcome == "new"],
            "updated": {str(r.record_id): {k: _plain(v) for k, v in r.before.items()}
                        for r in self.rows if r.outcome == "update"},
        })

    def count(self, outcome):
        return sum(1 for r in self.rows if r.outcome == outcome)

    @property
    def errors(self):
        return [(r.number, label, value, message) for r in self.rows for label, value, message in r.errors]


def run(view, viewer, headers, rows, batch=None, planned=None):
    """Every row through the write path, inside `writes.held`; the caller
    commits or rolls back. `batch`: the ImportBatch row (commit), else a
    preview. `planned`: the row versions the preview saw (commit refuses
    when one changed).

    Three steps, so that a large file costs a few statements per chunk of
    rows rather than per row: every row parsed (references resolved once per
    distinct text); the records the rows' keys match fetched together, in
    scope; the rows saved by writes.save_all a chunk at a time (one
    savepoint each) — a chunk the write path refuses is split until the
    refused rows stand alone and are reported, the others saved as before."""
    columns = Columns(view)
    found, ignored, problem = columns.match(headers)
    if problem:
        raise ImportError_(problem)
    session = view.datamodel.session
    model = columns.model
    resolver = Resolver(viewer, session)
    keys = [g for g in columns.key_groups() if set(g) <= {c.name for c in found.values()}]
    hidden = set() if viewer.personal_data else set(personal_columns(model))
    results = []
    # the transaction begins with a write, before any savepoint (writes.held)
    if batch is None:
        batch = ImportBatch(list_name=type(view).__name__, file_name="-", sha256="-", user_id=viewer.user_id)
    session.add(batch)
    session.flush()
    token = _BATCH.set(batch.id)
    derived = rules.derived_columns(model)
    plan = _Plan(model, viewer, session, found, headers, keys, planned)
    try:
        with writes.held(session):
            parsed = []
            for index, raw in enumerate(rows):
                result = RowResult(index + 2, list(raw) + [None] * (len(headers) - len(raw)))
                results.append(result)
                values = {}
                for i, column in found.items():
                    cell = result.values[i] if i < len(result.values) else None
                    if column is columns.code:
                        try:
                            values[RECORD_CODE] = record_id_of(model, cell)
                        except BadValue as exc:
                            result.errors.append((headers[i], text_of(cell), str(exc.args[0])))
                        continue
                    if column.name in hidden and "*" in text_of(cell):
                        continue  # masked as exported: keep the recorded value
                    if column.name in derived and text_of(cell) == "":
                        continue  # left empty: a rule fills it in (gender from the ID number)
                    try:
                        values[column.name] = parse(column, cell, resolver)
                    except BadValue as exc:
                        result.errors.append((headers[i], text_of(cell), str(exc.args[0])))
                for i, column in found.items():
                    if column.required and column.name in values and values[column.name] is None:
                        result.errors.append((headers[i], "", str(REQUIRED_MESSAGE)))
                if result.errors:
                    result.outcome = "error"
                    continue
                parsed.append((result, values))
            plan.fetch_existing([values for _result, values in parsed])
            pending = [step for step in (plan.step(result, values) for result, values in parsed) if step]
            chunk = max(1, settings.get("VILLAGEAID_IMPORT_CHUNK_ROWS"))
            for start in range(0, len(pending), chunk):
                plan.save(pending[start:start + chunk])
    finally:
        _BATCH.reset(token)
    return Result(results, ignored, {r.record_id: r.version for r in results if r.outcome == "update"})


class _Plan:
    """What `run` does with the parsed rows: match them by key against the
    records in scope (fetched together), plan each row (new, update,
    unchanged, or an error), and save the planned rows a chunk at a time."""

    def __init__(self, model, viewer, session, found, headers, keys, planned):
        self.model, self.viewer, self.session, self.keys, self.planned = model, viewer, session, keys, planned
        self.label_of = {c.name: headers[i] for i, c in found.items()}
        self.index_of = {c.name: i for i, c in found.items()}
        self.relations = {r.key: r for r in writes.many_to_one(model)}
        self.existing = {}  # (group, key values) -> record
        self.seen = {}  # (group, key values) -> row number
        self.by_code = {}  # record id -> record in scope, for the rows' 记录编号
        self.targets = {}  # (reference, id) -> related row
        self.binned = set()  # record ids of the rows' 记录编号 in the recycle bin, in scope

    def target(self, name, pk):
        """The related row a reference names (None for none), kept for the run."""
        if pk is None:
            return None
        key = (name, pk)
        if key not in self.targets:
            self.targets[key] = self.session.get(self.relations[name].mapper.class_, pk)
        return self.targets[key]

    def attribute(self, name):
        return next(iter(self.relations[name].local_columns)).name if name in self.relations else name

    def fetch_existing(self, all_values, size=500):
        """The records in the importer's scope that the rows' keys match, a
        few statements per key (IN lists of `size` keys); and those the
        rows' record codes name (in scope; in the recycle bin)."""
        codes = sorted({v[RECORD_CODE] for v in all_values if v.get(RECORD_CODE) is not None})
        for start in range(0, len(codes), size):
            part = codes[start:start + size]
            for item in scope.visible_query(self.model, self.viewer, self.session).filter(self.model.id.in_(part)):
                self.by_code[item.id] = item
            missing = [i for i in part if i not in self.by_code]
            if missing and recyclable(self.model):
                self.binned.update(self.session.scalars(select(self.model.id).where(
                    self.model.id.in_(missing), scope.binned(self.model, self.viewer))))
        for group in self.keys:
            wanted = [k for k in {tuple(v.get(n) for n in group) for v in all_values} if None not in k]
            columns = [getattr(self.model, self.attribute(n)) for n in group]
            for start in range(0, len(wanted), size):
                part = wanted[start:start + size]
                if len(group) == 1:
                    condition = columns[0].in_([k[0] for k in part])
                else:
                    condition = tuple_(*columns).in_(part)
                query = scope.visible_query(self.model, self.viewer, self.session).filter(condition)
                for item in query:
                    key = tuple(getattr(item, self.attribute(n)) for n in group)
                    self.existing[(tuple(group), key)] = item

    def step(self, result, values):
        """(result, record or None, values to set) of a row to save; None
        when the row is settled already (an error, or unchanged)."""
        item = None
        values = dict(values)
        code = values.pop(RECORD_CODE, None)
        if code is not None:
            error = None
            marker = ((RECORD_CODE,), (code,))
            if marker in self.seen:
                error = _("The same key is on row %(row)d of this file.", row=self.seen[marker])
            elif code in self.binned:
                error = _("This record is in the recycle bin; restore it there first.")
            elif code not in self.by_code:
                error = _("No such record in your scope.")  # absent or outside the scope alike
            if error is not None:
                result.outcome = "error"
                result.errors.append((self.label_of[RECORD_CODE], record_code(self.model, code), error))
                return None
            self.seen[marker] = result.number
            item = self.by_code[code]
        for group in self.keys:
            key_values = tuple(values.get(n) for n in group)
            if any(v is None for v in key_values):
                continue
            marker = (tuple(group), key_values)
            if marker in self.seen:
                result.outcome = "error"
                result.errors.append((" + ".join(self.label_of[n] for n in group),
                                      " / ".join(map(text_of, key_values)),
                                      _("The same key is on row %(row)d of this file.", row=self.seen[marker])))
                return None
            self.seen[marker] = result.number
            if item is None:
                item = self.existing.get(marker)
        if item is not None:
            if self.planned is not None and str(item.id) in self.planned and self.planned[str(item.id)] != item.row_version:
                result.outcome = "error"
                if code is not None:
                    result.errors.append((self.label_of[RECORD_CODE], record_code(self.model, code),
                                          writes.stale_message()))
                    return None
                group = self.keys[0]
                result.errors.append((" + ".join(self.label_of[n] for n in group),
                                      " / ".join(text_of(values.get(n)) for n in group), writes.stale_message()))
                return None
            changed = {n: v for n, v in values.items() if getattr(item, self.attribute(n)) != v}
            if not changed:
                result.outcome, result.record_id = "unchanged", item.id
                return None
            values = changed
        return result, item, values

    def entry(self, step):
        """The write path's entry for a planned row, built afresh (a refused
        savepoint expunges new records and expires changed ones)."""
        result, item, values = step
        before = writes.snapshot(item) if item is not None else None
        if item is None:
            item = self.model()
        with self.session.no_autoflush:
            for name, value in values.items():
                setattr(item, self.attribute(name), value)
                if name in self.relations:
                    # the related row too, as a form sets it: the rules read it
                    setattr(item, name, self.target(name, value))
        result.version = item.row_version if before is not None else None
        result.before = {self.attribute(n): before[self.attribute(n)] for n in values} if before is not None else None
        return item, before, None

    def save(self, steps):
        entries = [self.entry(step) for step in steps]
        try:
            writes.save_all(entries, self.viewer, path="import", batched=True)
        except writes.Refused as exc:
            if len(steps) > 1:
                middle = len(steps) // 2
                self.save(steps[:middle])
                self.save(steps[middle:])
                return
            result, _item, values = steps[0]
            result.outcome = "error"
            result.version = result.before = None
            for name, message in exc.errors.items():
                column = self.label_of.get(name, "")
                # the cell as written (a reference's name, not its id)
                value = text_of(result.values[self.index_of[name]]) if name in self.index_of else ""
                result.errors.append((column, value, str(message)))
            return
        for (result, _item, _values), (item, before, _version) in zip(steps, entries):
            result.outcome = "new" if before is None else "update"
            result.record_id = item.id


@writes.on_changes
def link_to_batch(changes, session):
    """Each change an import makes names its batch: the history rows the
    history hook has just added for the call's records (batch hooks run
    after every per-record hook), one statement per few hundred records."""
    batch = _BATCH.get()
    if batch is None:
        return
    written = {}
    for change in changes:
        if change.path == "import":
            written.setdefault(type(change.item).__name__, []).append(change.item.id)
    session.flush()
    for model_name, ids in written.items():
        for start in range(0, len(ids), 500):
            session.execute(update(ChangeRecord).where(
                ChangeRecord.model == model_name, ChangeRecord.record_id.in_(ids[start:start + 500]),
                ChangeRecord.path == "import", ChangeRecord.import_batch_id.is_(None),
            ).values(import_batch_id=batch))


def _plain(value):
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


def _typed(column, value):
    if value is None:
        return None
    if isinstance(column.type, DateTime):
        return datetime.datetime.fromisoformat(value)
    if isinstance(column.type, Date):
        return datetime.date.fromisoformat(value)
    if isinstance(column.type, (Money, Numeric)):
        return decimal.Decimal(value)
    return value


def undo(batch, viewer, session):
    """Undo a committed batch through the write path, in one transaction:
    its new records to the recycle bin, its updated fields back to what they
    were. Raises writes.Refused listing the records changed since (by
    anyone, any path), and changes nothing then."""
    if batch.undone_on is not None:
        raise writes.Refused({writes.WHOLE_RECORD: _("This batch was undone already.")})
    data = json.loads(batch.undo_data or "{}")
    model = next((m.class_ for m in ChangeRecord.registry.mappers if m.class_.__name__ == data.get("model")), None)
    if model is None:
        raise writes.Refused({writes.WHOLE_RECORD: _("This batch cannot be undone.")})
    ids = [int(i) for i in data["created"]] + [int(i) for i in data["updated"]]
    last = session.query(func.max(ChangeRecord.id)).filter(ChangeRecord.import_batch_id == batch.id).scalar() or 0
    later = (session.query(ChangeRecord.record_label).filter(
        ChangeRecord.model == model.__name__, ChangeRecord.record_id.in_(ids), ChangeRecord.id > last)
        .distinct().order_by(ChangeRecord.record_label).all()) if ids else []
    if later:
        raise writes.Refused({writes.WHOLE_RECORD: _(
            "Not undone: these records changed after the import: %(records)s. Nothing was changed.",
            records="、".join(label for (label,) in later))})
    items = {item.id: item for item in scope.visible_query(model, viewer, session).filter(model.id.in_(ids))}
    if len(items) != len(set(ids)):
        raise writes.Refused({writes.WHOLE_RECORD: _(
            "Not undone: some of its records are no longer at hand (deleted, or outside your scope). "
            "Nothing was changed.")})
    batch.undone_on = utcnow()  # the transaction begins with a write (writes.held)
    batch.undone_by_fk = viewer.user_id
    session.flush()
    try:
        with writes.held(session):
            for record_id, fields in data["updated"].items():
                item = items[int(record_id)]
                before = writes.snapshot(item)
                for name, value in fields.items():
                    setattr(item, name, _typed(model.__table__.columns[name], value))
                writes.save_all([(item, before, None)], viewer, path="import")
            created = [items[int(i)] for i in data["created"]]
            if created:
                writes.delete_all(created, viewer, path="import")
        session.commit()
    except Exception:
        session.rollback()
        raise


# --- files between preview and commit ------------------------------------------


def folder():
    """Where uploads wait: VILLAGEAID_IMPORT_FOLDER, else the instance
    folder's `imports` (an installation's own: another one on the same host
    never removes its files)."""
    path = settings.get("VILLAGEAID_IMPORT_FOLDER") or os.path.join(current_app.instance_path, "imports")
    os.makedirs(path, exist_ok=True)
    return path


# the files an upload leaves (`forget` removes them): <list>-<user id>-<SHA-256>.data and .json
KEPT_FILE = re.compile(r"^[A-Za-z0-9_]+-\d+-[0-9a-f]{64}\.(data|json)$")


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def keep(view_name, user_id, file_name, data, planned):
    """Keep the previewed file and the row versions its preview saw, named
    by the list, the user and the file's SHA-256."""
    digest = sha256(data)
    base = os.path.join(folder(), "%s-%s-%s" % (view_name, user_id, digest))
    with open(base + ".data", "wb") as handle:
        handle.write(data)
    with open(base + ".json", "w", encoding="utf-8") as handle:
        json.dump({"file_name": file_name, "planned": {str(k): v for k, v in planned.items()}}, handle)
    return digest


def kept(view_name, user_id, digest):
    """(file name, data, planned) of a previewed file, or None."""
    if not re.fullmatch(r"[0-9a-f]{64}", digest or ""):
        return None
    base = os.path.join(folder(), "%s-%s-%s" % (view_name, user_id, digest))
    try:
        with open(base + ".data", "rb") as handle:
            data = handle.read()
        with open(base + ".json", encoding="utf-8") as handle:
            meta = json.load(handle)
    except OSError:
        return None
    if sha256(data) != digest:
        return None
    return meta["file_name"], data, meta["planned"]


def new_batch(list_name, file_name, digest, user_id):
    """The batch a commit records its rows under."""
    return ImportBatch(list_name=list_name, file_name=file_name[:255], sha256=digest, user_id=user_id)


def close_batch(batch, result, model):
    """The batch's counts and what undoing it needs, from a committed run."""
    batch.row_count = len(result.rows)
    batch.created_count = result.count("new")
    batch.updated_count = result.count("update")
    batch.unchanged_count = result.count("unchanged")
    batch.undo_data = result.undo_data(model)


def forget(view_name, user_id, digest):
    base = os.path.join(folder(), "%s-%s-%s" % (view_name, user_id, digest))
    for suffix in (".data", ".json"):
        try:
            os.unlink(base + suffix)
        except OSError:
            pass


# --- workbooks: the template and the error file -----------------------------------


def _workbook(handle):
    from xlsxwriter import Workbook

    return Workbook(handle, {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False,
                             "strings_to_urls": False})


def example_of(column):
    if column.target is not None:
        return _("(a name as in the list)")
    if column.options is not None:
        return str(column.options.pairs[0][1])
    kind = column.sql_type
    if isinstance(kind, Boolean):
        return _("No")
    if isinstance(kind, Date):
        return datetime.date.today()
    if isinstance(kind, (Money, Numeric)):
        return 1.5
    if isinstance(kind, Integer):
        return 1
    if column.name == "id_number":
        return "110101199003074514"
    if column.name == "phone":
        return "13812345678"
    return _("Example")


def kind_text(column):
    if column.target is not None:
        return _("Reference: the record's name (村 as 镇/村 when names repeat; a cadre by ID number)")
    if column.options is not None:
        return _("One of: %(choices)s", choices="、".join(str(label) for _code, label in column.options))
    kind = column.sql_type
    if isinstance(kind, Boolean):
        return _("是 or 否")
    if isinstance(kind, Date):
        return _("Date (YYYY-MM-DD)")
    if isinstance(kind, Money):
        return _("Amount, at most two decimals")
    if isinstance(kind, (Numeric, Integer)):
        return _("Number")
    return _("Text")


def template_workbook(view):
    """The list's import template: headers in the user's language, one
    example row, choice lists as dropdowns, text columns formatted as text,
    and a sheet explaining each column and the list's key."""
    columns = Columns(view)
    output = io.BytesIO()
    book = _workbook(output)
    bold = book.add_format({"bold": True})
    text = book.add_format({"num_format": "@"})
    date = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet = book.add_worksheet(_("Data"))
    explain = book.add_worksheet(_("Explanation"))
    lists = book.add_worksheet("lists")
    lists.hide()
    for i, column in enumerate(columns.settable):
        header = str(view.label_columns.get(column.name, column.name))
        is_text = column.target is not None or column.options is not None or isinstance(column.sql_type, (String, Text))
        sheet.set_column(i, i, max(12, len(header) * 2 + 4), text if is_text else None)
        sheet.write_string(0, i, header + ("*" if column.required else ""), bold)
        example = example_of(column)
        if isinstance(example, datetime.date):
            sheet.write_datetime(1, i, datetime.datetime(example.year, example.month, example.day), date)
        elif isinstance(example, (int, float)):
            sheet.write_number(1, i, example)
        else:
            sheet.write_string(1, i, str(example), text)
        if column.options is not None:
            labels = [str(label) for _code, label in column.options]
            for r, label in enumerate(labels):
                lists.write_string(r, i, label)
            letter = _column_letter(i)
            sheet.data_validation(1, i, 100000, i, {
                "validate": "list", "source": "=lists!$%s$1:$%s$%d" % (letter, letter, len(labels))})
    sheet.freeze_panes(1, 0)
    explain.set_column(0, 0, 20)
    explain.set_column(1, 1, 10)
    explain.set_column(2, 2, 70)
    for i, text_ in enumerate((_("Column"), _("Required"), _("What to write"))):
        explain.write_string(0, i, text_, bold)
    row = 1
    for column in columns.settable:
        explain.write_string(row, 0, str(view.label_columns.get(column.name, column.name)))
        explain.write_string(row, 1, _("Yes") if column.required else "")
        explain.write_string(row, 2, kind_text(column))
        row += 1
    for column in columns.ignored:
        explain.write_string(row, 0, str(view.label_columns.get(column.name, column.name)))
        explain.write_string(row, 2, _("Written by the export; ignored by the import."))
        row += 1
    if columns.code is not None:
        explain.write_string(row, 0, str(view.label_columns.get(RECORD_CODE, RECORD_CODE)))
        explain.write_string(row, 2, _("Written by the export: a row with it updates that record; "
                                       "leave it empty for a new record."))
        row += 1
    explain.write_string(row + 1, 0, _("Key"), bold)
    explain.write_string(row + 1, 2, _("A row whose key matches a record in your scope updates it; other rows are new records. Key: %(key)s", key=columns.key_text()))
    book.close()
    return output.getvalue()


def _column_letter(index):
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def error_workbook(headers, result):
    """The uploaded rows with an added 错误 column, to fix and upload again."""
    output = io.BytesIO()
    book = _workbook(output)
    bold = book.add_format({"bold": True})
    sheet = book.add_worksheet(_("Data"))
    for i, header in enumerate(list(headers) + [ERROR_HEADER]):
        sheet.write_string(0, i, str(header), bold)
    row = 1
    for r in result.rows:
        if r.outcome != "error":
            continue
        for i, value in enumerate(r.values[:len(headers)]):
            if isinstance(value, datetime.datetime):
                sheet.write_string(row, i, text_of(value))
            elif value not in (None, ""):
                sheet.write(row, i, value) if isinstance(value, (int, float)) else sheet.write_string(row, i, str(value))
        sheet.write_string(row, len(headers), "；".join(
            ("%s: %s" % (label, message)) if label else message for label, _value, message in r.errors))
        row += 1
    sheet.freeze_panes(1, 0)
    book.close()
    return output.getvalue()
