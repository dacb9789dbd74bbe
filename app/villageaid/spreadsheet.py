""".xlsx files: the typed twin of the CSV export, written with XlsxWriter in
constant-memory mode (each row goes to a temporary file as it is written,
so memory does not grow with the rows).

Cells by kind (ColumnKind.cell in exports.py): text (ID numbers, phones and
every other string: a text cell in a text-formatted column, so Excel keeps
all 18 digits and never reads a formula), number, money (a number shown
with two decimals), date and datetime (date cells). The header row is bold,
frozen and in the user's language; widths follow the header and the first
rows. A sheet holds SHEET_ROWS rows (Excel's limit); the rows go on in a
second sheet, and so on.
"""
import datetime
import decimal
import hashlib
import logging
import os
import tempfile

from flask import Response, current_app, stream_with_context
from xlsxwriter import Workbook

from .exports import _write_receipt, content_disposition, receipt_fields

log = logging.getLogger(__name__)

MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHEET_ROWS = 1048576  # Excel's rows per sheet, the header row included
READ_CHUNK = 256 * 1024
FORMATS = {
    "text": {"num_format": "@"},
    "number": {},
    "money": {"num_format": "0.00"},
    "date": {"num_format": "yyyy-mm-dd"},
    "datetime": {"num_format": "yyyy-mm-dd hh:mm:ss"},
}
NARROWEST, WIDEST = 6, 60
SHEET_NAME_FORBIDDEN = "[]:*?/\\"


def text_width(text):
    """Columns a text takes in Excel: wide (CJK) characters count two."""
    return sum(2 if ord(ch) >= 0x2E80 else 1 for ch in str(text))


def sheet_name(title, number):
    name = "".join(ch for ch in str(title) if ch not in SHEET_NAME_FORBIDDEN).strip("'") or "Sheet"
    suffix = "" if number == 1 else " (%d)" % number
    return name[:31 - len(suffix)] + suffix


class SheetWriter:
    """Writes header and rows into a constant-memory workbook, opening a new
    sheet when one is full."""

    def __init__(self, workbook, title, headers, cells, sample=()):
        self.workbook, self.title, self.headers, self.cells = workbook, title, headers, cells
        self.header_format = workbook.add_format({"bold": True})
        self.formats = {name: workbook.add_format(spec) for name, spec in FORMATS.items()}
        self.widths = self.measure(sample)
        self.sheets = 0
        self.sheet = None
        self.row = SHEET_ROWS

    def measure(self, sample):
        widths = [text_width(h) + 2 for h in self.headers]
        for values in sample:
            for i, value in enumerate(values):
                if value is not None:
                    widths[i] = max(widths[i], text_width(shown(value)) + 2)
        return [min(max(w, NARROWEST), WIDEST) for w in widths]

    def new_sheet(self):
        self.sheets += 1
        sheet = self.workbook.add_worksheet(sheet_name(self.title, self.sheets))
        for i, (width, cell) in enumerate(zip(self.widths, self.cells)):
            sheet.set_column(i, i, width, self.formats[cell])
        sheet.freeze_panes(1, 0)
        sheet.ignore_errors({"number_stored_as_text": "A1:XFD1048576"})
        for i, header in enumerate(self.headers):
            sheet.write_string(0, i, str(header), self.header_format)
        self.sheet, self.row = sheet, 1

    def write(self, values):
        if self.row >= SHEET_ROWS:
            self.new_sheet()
        write_row(self.sheet, self.row, values, self.cells, self.formats)
        self.row += 1

    def finish(self):
        if self.sheet is None:
            self.new_sheet()  # an empty list: the header alone


def shown(value):
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, decimal.Decimal):
        return "%.2f" % value
    return value


def write_row(sheet, row, values, cells, formats):
    for col, (value, cell) in enumerate(zip(values, cells)):
        if value is None or value == "":
            continue
        if cell == "text" or isinstance(value, str):
            sheet.write_string(row, col, str(value), formats["text"])
        elif cell in ("date", "datetime") and isinstance(value, datetime.date):
            if not isinstance(value, datetime.datetime):
                value = datetime.datetime(value.year, value.month, value.day)
            sheet.write_datetime(row, col, value, formats[cell])
        elif isinstance(value, bool):
            sheet.write_boolean(row, col, value)
        else:
            sheet.write_number(row, col, float(value), formats.get(cell))


def write_workbook(path, chunks, headers, cells, title):
    """Writes the workbook to `path` from `chunks` (lists of row tuples);
    returns the number of rows."""
    chunks = iter(chunks)
    first = next(chunks, [])
    workbook = Workbook(path, {"constant_memory": True, "tmpdir": os.path.dirname(path),
                               "strings_to_numbers": False, "strings_to_formulas": False,
                               "strings_to_urls": False})
    count = 0
    try:
        writer = SheetWriter(workbook, title, headers, cells, sample=first[:200])
        for chunk in _chain(first, chunks):
            for values in chunk:
                writer.write(values)
            count += len(chunk)
        writer.finish()
    finally:
        workbook.close()
    return count


def _chain(first, rest):
    if first:
        yield first
    yield from rest


def xlsx_stream(body, headers, cells, list_name, also_log=None):
    """A response carrying the workbook of `body` (chunks of rows): built in
    a temporary file, then sent; with an export receipt like the CSV's."""
    session = current_app.appbuilder.session
    receipt = receipt_fields(list_name, "xlsx")

    def generate():
        digest = hashlib.sha256()
        count = 0
        status = "failed"
        folder = tempfile.mkdtemp(prefix="va-xlsx-")
        path = os.path.join(folder, "export.xlsx")
        try:
            count = write_workbook(path, body, headers, cells, list_name)
            with open(path, "rb") as handle:
                while True:
                    data = handle.read(READ_CHUNK)
                    if not data:
                        break
                    digest.update(data)
                    yield data
            status = "complete"
        except GeneratorExit:
            status = "interrupted"
            raise
        except Exception:
            log.exception("xlsx export of %s failed", list_name)
            raise
        finally:
            for name in os.listdir(folder):
                os.unlink(os.path.join(folder, name))
            os.rmdir(folder)
            _write_receipt(session, receipt, count, digest.hexdigest(), status, also_log)

    response = Response(stream_with_context(generate()), mimetype=MIMETYPE)
    response.headers["Content-Disposition"] = content_disposition(list_name, extension="xlsx")
    response.headers["Cache-Control"] = "no-store"
    return response
