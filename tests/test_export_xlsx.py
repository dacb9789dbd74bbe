""".xlsx export: the same rows as the CSV, typed cells (ID numbers as exact
text, dates as dates, money as numbers with two decimals), a bold frozen
header in the user's language, a second sheet past a sheet's rows, masking,
receipts; and the CSV policy for numbers Excel would corrupt."""
import csv
import datetime
import hashlib
import io
import tracemalloc
from decimal import Decimal

from openpyxl import load_workbook
from sqlalchemy import select

from villageaid import spreadsheet
from villageaid.models import ExportReceipt, FollowUpRecord, Village

from .helpers import database, ids, insert

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook_of(resp):
    assert resp.status_code == 200, resp.status_code
    assert resp.headers["Content-Type"].startswith(XLSX)
    return load_workbook(io.BytesIO(resp.get_data()))


def test_cadres_as_typed_cells(browser):
    resp = browser("office").get("/cadreview/export/?format=xlsx&_flt_0_name=张一")
    assert ".xlsx" in resp.headers["Content-Disposition"]
    sheet = workbook_of(resp).worksheets[0]
    header = [c.value for c in sheet[1]]
    assert header == ["姓名", "性别", "类别", "职务", "派出单位", "村", "所在乡镇（乡镇干部）", "选派/任职日期", "状态", "新任干部",
                      "身份证号", "电话", "学历", "政治面貌", "入党日期"]
    assert all(c.font.b for c in sheet[1])
    assert sheet.freeze_panes == "A2"
    row = sheet[2]
    values = [c.value for c in row]
    assert values[0] == "张一" and values[1] == "男" and values[5] == "甲村"
    assert values[7] == datetime.datetime(2020, 6, 1) and row[7].is_date
    assert values[10] == "530428198001010015" and row[10].data_type == "s" and len(values[10]) == 18
    assert values[11] == "13812345678" and row[11].data_type == "s"
    assert row[10].number_format == "@"
    assert values[9] == "是"
    assert sheet.column_dimensions["K"].width >= 18  # the ID number fits


def test_headers_follow_the_language(browser):
    sheet = workbook_of(browser("office", lang="en").get("/villageview/export/?format=xlsx&_flt_0_name=甲村")).active
    assert [c.value for c in sheet[1]][:4] == ["Name", "Town", "Dispatching unit", "Poverty status"]
    assert [c.value for c in sheet[2]][:4] == ["甲村", "甲镇", "一局", "Poor village"]


def test_money_is_a_number_with_two_decimals_and_text_is_never_a_formula(browser):
    v1, = ids(Village, "甲村")
    insert(FollowUpRecord(village_id=v1, date=datetime.date(2021, 3, 1), kind="funds", funds=Decimal("12.30"),
                          project="=SUM(A1)", description="-5"))
    sheet = workbook_of(browser("office", lang="en").get("/followuprecordview/export/?format=xlsx")).active
    header = [c.value for c in sheet[1]]
    rows = [{h: c for h, c in zip(header, cells)} for cells in sheet.iter_rows(min_row=2)]
    row, = [r for r in rows if r["Project"].value == "=SUM(A1)"]
    assert row["Funds (10k yuan)"].value == 12.3 and row["Funds (10k yuan)"].number_format == "0.00"
    assert row["Project"].value == "=SUM(A1)" and row["Project"].data_type == "s"  # text, not a formula
    assert row["Description"].value == "-5" and row["Description"].data_type == "s"
    assert row["Date"].value == datetime.datetime(2021, 3, 1)


def test_masked_for_those_who_may_not_see_personal_data(browser):
    # the same list as the unit's clerk sees it: personal data masked, as text
    sheet = workbook_of(browser("clerk_unit").get("/cadreview/export/?format=xlsx&_flt_0_name=王三")).active
    header = [c.value for c in sheet[1]]
    values = dict(zip(header, [c.value for c in sheet[2]]))
    csv_rows = list(csv.reader(io.StringIO(
        browser("clerk_unit").get("/cadreview/export/?_flt_0_name=王三").get_data().decode("utf-8-sig"))))
    assert values["身份证号"] == csv_rows[1][header.index("身份证号")]


def test_receipt_of_an_xlsx_export(browser):
    resp = browser("clerk_unit").get("/cadreview/export/?format=xlsx&_flt_0_kind=resident")
    body = resp.get_data()
    with database() as s:
        receipt = s.scalars(select(ExportReceipt).order_by(ExportReceipt.id.desc())).first()
        assert receipt.encoding == "xlsx" and receipt.status == "complete"
        assert receipt.row_count == 2
        assert receipt.sha256 == hashlib.sha256(body).hexdigest()


def test_unknown_format_is_a_message(browser):
    resp = browser("office").get("/villageview/export/?format=xls", follow_redirects=True)
    assert resp.status_code == 200
    assert "未知的文件格式" in resp.get_data(as_text=True)


def test_rows_go_on_in_a_second_sheet(browser, monkeypatch):
    monkeypatch.setattr(spreadsheet, "SHEET_ROWS", 3)  # a header and two rows a sheet
    book = workbook_of(browser("office").get("/cadreview/export/?format=xlsx"))
    csv_rows = list(csv.reader(io.StringIO(
        browser("office").get("/cadreview/export/").get_data().decode("utf-8-sig"))))
    assert len(book.worksheets) == (len(csv_rows) - 1 + 1) // 2
    names = []
    for sheet in book.worksheets:
        rows = list(sheet.iter_rows(values_only=True))
        assert list(rows[0]) == csv_rows[0]  # every sheet has the header
        names += [r[0] for r in rows[1:]]
    assert names == [r[0] for r in csv_rows[1:]]
    assert book.worksheets[1].title == "人员 (2)"


def test_memory_does_not_grow_with_rows(tmp_path):
    """Constant-memory mode: 20 times the rows, about the same peak."""
    cells = ["text", "text", "date", "money", "number"]

    def peak(rows):
        def chunks():
            for start in range(0, rows, 2000):
                yield [("张三%d" % i, "5304281980010100%02d" % (i % 100), datetime.date(2020, 1, 1),
                        Decimal("1.50"), i) for i in range(start, min(rows, start + 2000))]

        tracemalloc.start()
        written = spreadsheet.write_workbook(str(tmp_path / ("%d.xlsx" % rows)), chunks(),
                                             ["a", "b", "c", "d", "e"], cells, "t")
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert written == rows
        return top

    small, large = peak(5000), peak(100000)
    assert large < small * 2, (small, large)


def test_export_control_offers_excel_first_and_says_csv_is_for_programs(browser):
    html = browser("office").get("/cadreview/list/").get_data(as_text=True)
    assert 'value="xlsx"' in html and 'value="csv"' in html
    assert html.index('value="xlsx"') < html.index('value="csv"')
    assert "导出 Excel" in html
    assert "CSV 供程序读取" in html


def test_csv_keeps_digit_strings_exact_for_programs(browser):
    """The documented policy: the CSV is the format for programs and carries
    ID numbers and phones exactly as stored (no prefix, no quote trick a
    program would have to strip); people are pointed to the .xlsx, whose
    text cells keep them."""
    text = browser("office").get("/cadreview/export/?_flt_0_name=张一").get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    row = dict(zip(rows[0], rows[1]))
    assert row["身份证号"] == "530428198001010015"
    assert row["电话"] == "13812345678"
    assert ",530428198001010015," in text
