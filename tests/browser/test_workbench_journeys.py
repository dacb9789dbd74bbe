"""Three everyday jobs done end to end in the browser, under the guard:
importing a cadre list with one bad row (template, preview with the error,
the error file read and the row fixed, upload again, commit); exporting a
list as .xlsx and as CSV from the export control and reading both files;
a training session created by the office, a cadre enrolled and the roll
call taken by a town's clerk, and the coverage figure of the clerk's home
page moving. Each in Chinese and in English."""
import io
import re
from datetime import date

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from ..helpers import ID_NUMBERS
from ..test_import import id_number
from .test_roll_call_journeys import TEXT as ROLL_CALL
from .test_training_journeys import TEXT as TRAINING
from .ui import csv_rows, download, expect_flash, open_add_form, pick, pick_day, save, type_date

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- (a) an import with one bad row -------------------------------------------------------


def fill_template(raw, rows):
    """The downloaded template with its example replaced by `rows` (dicts by
    header, without the required-field star)."""
    book = load_workbook(io.BytesIO(raw))
    sheet = book.worksheets[0]
    columns = {str(c.value).rstrip("*"): c.column for c in sheet[1] if c.value}
    sheet.delete_rows(2, sheet.max_row)
    for r, row in enumerate(rows, start=2):
        for header, value in row.items():
            sheet.cell(r, columns[header]).value = value
            sheet.cell(r, columns[header]).number_format = "@"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def preview(page, name, data):
    page.locator("input[type=file][name=file]").set_input_files(
        files=[{"name": name, "mimeType": XLSX, "buffer": data}])
    with page.expect_navigation():
        page.locator("form.form-inline button[type=submit]").click()
    return {kind: int(page.locator(".va-import-counts .va-%s" % kind).inner_text())
            for kind in ("new", "update", "unchanged", "error")}


IMPORT_TEXT = {
    "zh": {"headers": {"name": "姓名", "id": "身份证号", "phone": "电话", "kind": "类别", "post": "职务",
                       "village": "村", "start": "选派/任职日期", "status": "状态"},
           "kind": "村干部", "post": "村党组织书记", "status": "在岗", "import": "导入这些行"},
    "en": {"headers": {"name": "Full name", "id": "ID number", "phone": "Phone", "kind": "Kind", "post": "Post",
                       "village": "Village", "start": "Start date", "status": "Status"},
           "kind": "Village cadre", "post": "Party branch secretary", "status": "On duty",
           "import": "Import these rows"},
}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_an_import_with_a_bad_row_is_fixed_from_the_error_file(signed_in, lang):
    t = IMPORT_TEXT[lang]
    h = t["headers"]
    page = signed_in("office", lang)
    page.goto("/cadreview/list/")
    with page.expect_navigation():
        page.locator("a.va-import").click()
    _name, template = download(page, page.locator("a[href$='/cadreview/import/template/']").click)

    def row(name, serial, where):
        return {h["name"]: name, h["id"]: id_number(serial), h["phone"]: "13912345678", h["kind"]: t["kind"],
                h["post"]: t["post"], h["village"]: where, h["start"]: "2021-03-01", h["status"]: t["status"]}

    rows = [row("导入甲", 61, "甲村"), row("导入乙", 62, "无此村")]
    first = fill_template(template, rows)
    assert preview(page, "名单.xlsx", first) == {"new": 1, "update": 0, "unchanged": 0, "error": 1}
    error_rows = page.locator(".va-import-errors tr").filter(has=page.locator("td"))
    expect(error_rows).to_have_count(1)
    expect(error_rows.first).to_contain_text("无此村")
    expect(page.get_by_role("button", name=t["import"])).to_have_count(0)  # nothing to commit while a row is wrong

    # the error file: the bad row and what is wrong with it
    name, raw = download(page, page.locator("a[href*='/cadreview/import/errors/']").click)
    assert name.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(raw)).worksheets[0]
    values = [[c.value for c in r] for r in sheet.iter_rows()]
    header = [str(v or "").rstrip("*") for v in values[0]]
    assert len(values) == 2 and values[1][header.index(h["name"])] == "导入乙"
    assert values[1][header.index(h["id"])] == id_number(62)
    message = values[1][-1]
    assert message.startswith(h["village"]) and message != h["village"], message

    # the row fixed in the file, uploaded again, committed
    rows[1][h["village"]] = "甲村"
    assert preview(page, "名单.xlsx", fill_template(template, rows)) == {
        "new": 2, "update": 0, "unchanged": 0, "error": 0}
    with page.expect_navigation():
        page.get_by_role("button", name=t["import"]).click()
    page.goto("/cadreview/list/?_flt_0_village=%s" % village_id("甲村"))
    for name in ("导入甲", "导入乙"):
        expect(page.locator("table tbody tr", has_text=name)).to_have_count(1)


def village_id(name):
    from villageaid.models import Village

    from ..helpers import ids
    return ids(Village, name)[0]


# --- (b) exporting a list as .xlsx and as CSV ----------------------------------------------


@pytest.mark.parametrize("lang, excel, csv_label, id_header", [
    ("zh", "导出 Excel", "导出 CSV", "身份证号"),
    ("en", "Export Excel", "Export CSV", "ID number"),
])
def test_a_list_exports_as_xlsx_and_as_csv(signed_in, lang, excel, csv_label, id_header):
    page = signed_in("office", lang)
    page.goto("/cadreview/list/")
    toolbar = page.locator("form.va-toolbar")
    name, raw = download(page, toolbar.get_by_role("button", name=excel).click)
    assert name.endswith(".xlsx") and raw.startswith(b"PK")
    sheet = load_workbook(io.BytesIO(raw)).worksheets[0]
    values = [[c for c in r] for r in sheet.iter_rows()]
    header = [c.value for c in values[0]]
    column = header.index(id_header)
    numbers = {r[0].value: r[column] for r in values[1:] if r[0].value in ID_NUMBERS}
    assert set(numbers) == set(ID_NUMBERS)
    for person, cell in numbers.items():
        # an exact 18-character string, not a number Excel would round
        assert cell.data_type == "s" and cell.value == ID_NUMBERS[person] and len(cell.value) == 18

    name, raw = download(page, toolbar.get_by_role("button", name=csv_label).click)
    assert name.endswith(".csv")
    rows = csv_rows(raw, "utf-8-sig")
    assert rows[0][column] == id_header
    by_name = {r[0]: r for r in rows[1:]}
    assert {n: by_name[n][column] for n in ID_NUMBERS} == ID_NUMBERS
    assert all(len(r) == len(rows[0]) for r in rows)


# --- (c) a session, an enrolment, the roll call and the home page ----------------------------


def home_coverage(page):
    page.goto("/")
    return page.locator("#fig-trained").inner_text().strip(), page.locator("#fig-new").inner_text().strip()


ENROL_TEXT = {
    "zh": {"action": "报名参加轮训班次", "enrol": "报名", "enrolled": "完成 1 人；"},
    "en": {"action": "Enrol in a training session", "enrol": "Enrol", "enrolled": "1 done;"},
}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_session_an_enrolment_and_the_roll_call_move_the_clerks_home_page(signed_in, lang):
    t = {**TRAINING[lang], **ROLL_CALL[lang], **ENROL_TEXT[lang]}
    office = signed_in("office", lang)
    open_add_form(office, "trainingsessionview")
    office.fill("#title", "工作台联动班")
    _month, picked = pick_day(office, "end_date", 12)
    type_date(office, "start_date", date(picked.year - 1, picked.month, 10))
    type_date(office, "end_date", date(picked.year - 1, picked.month, 12))
    office.fill("#hours", "16")
    pick(office, "audience", *t["audience"])
    save(office)
    expect_flash(office, t["added"])

    clerk = signed_in("clerk_town", lang)
    assert home_coverage(clerk) == ("0", "2")

    # one cadre chosen on the list of untrained new cadres, enrolled in the session
    clerk.goto("/untrainedcadreview/list/")
    clerk.locator("table tbody tr", has_text="张一").locator("input.action_check").check()
    clerk.locator(".btn-group", has=clerk.locator("a", has_text=t["action"])).locator(
        ".dropdown-toggle").first.click()
    with clerk.expect_navigation():
        clerk.locator("a", has_text=t["action"]).click()
    pick(clerk, "training_session", "工作台联动", "工作台联动班")
    with clerk.expect_navigation():
        clerk.get_by_role("button", name=re.compile("^" + re.escape(t["enrol"]))).click()
    expect(clerk.locator(".alert")).to_contain_text(t["enrolled"])

    # the roll call, from the session's page
    clerk.goto("/trainingsessionview/list/")
    with clerk.expect_navigation():
        clerk.locator("table tbody tr", has_text="工作台联动班").locator(
            "a[href*='/trainingsessionview/show/']").first.click()
    with clerk.expect_navigation():
        clerk.locator("#roll-call-link").click()
    rows = clerk.locator("#roll-call tbody tr")
    expect(rows).to_have_count(1)
    rows.first.get_by_label(t["attended"], exact=True).check()
    rows.first.get_by_label(t["completed"], exact=True).check()
    with clerk.expect_navigation():
        clerk.locator("#save-roll-call").click()
    expect_flash(clerk, t["updated"] % 1)

    assert home_coverage(clerk) == ("1", "2")
    # the figure opens the list it counts
    with clerk.expect_navigation():
        clerk.locator("#fig-trained").click()
    expect(clerk.locator("table tbody tr", has_text="张一")).to_have_count(1)
