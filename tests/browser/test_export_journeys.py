"""Exporting a list as CSV from its button (Excel is offered first; CSV is
the button for programs), and reading the file the browser saved: the
header, the labels and the file's name in the person's language."""
import re
from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import expect

from villageaid.models import ExportReceipt

from ..helpers import ID_NUMBERS, count
from .ui import csv_rows, download

TEXT = {
    "zh": {
        "header": ["姓名", "性别", "类别", "职务", "派出单位", "村", "所在乡镇（乡镇干部）", "选派/任职日期", "状态",
                   "新任干部", "身份证号", "电话", "学历", "政治面貌", "入党日期"],
        "zhang": ["男", "村干部", "村党组织书记"], "zhao": ["女", "驻村干部", "工作队队员"],
        "active": "在岗", "yes": "是", "file": "人员",
    },
    "en": {
        "header": ["Full name", "Gender", "Kind", "Post", "Dispatching unit", "Village", "Town (township cadres)",
                   "Start date", "Status", "New cadre", "ID number", "Phone", "Education", "Political status",
                   "Party join date"],
        "zhang": ["Male", "Village cadre", "Party branch secretary"], "zhao": ["Female", "Resident cadre", "Team member"],
        "active": "On duty", "yes": "Yes", "file": "Cadres",
    },
}


def export_button(page):
    """The CSV button beside the (first, primary) Excel one."""
    buttons = page.locator("form.va-toolbar").get_by_role("button")
    expect(buttons.first).to_have_text(re.compile("导出 Excel|Export Excel"))
    return page.get_by_role("button", name=re.compile("导出 CSV|Export CSV"))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_clerk_exports_the_cadres_of_the_scope(signed_in, lang):
    t = TEXT[lang]
    page = signed_in("clerk_town", lang)
    page.goto("/cadreview/list/")
    receipts = count(ExportReceipt)
    name, raw = download(page, export_button(page).click)
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    rows = csv_rows(raw)
    assert rows[0] == t["header"]
    assert sorted(rows[1:]) == [
        ["张一", *t["zhang"], "", "甲村", "", "2020-06-01", t["active"], t["yes"], ID_NUMBERS["张一"], "13812345678",
         "", "", ""],
        ["赵四", *t["zhao"], "二局", "甲村", "", "2020-06-01", t["active"], t["yes"], ID_NUMBERS["赵四"], "13812345678",
         "", "", ""],
    ]
    # the file is named after the list and the day (China time)
    today = datetime.now(timezone(timedelta(hours=8))).strftime("%Y%m%d")
    assert name in ("%s-%s.csv" % (t["file"], day) for day in (today, datetime.now(timezone.utc).strftime("%Y%m%d")))
    assert count(ExportReceipt) == receipts + 1
    expect(page.locator("table tbody tr", has_text="张一")).to_be_visible()  # still on the list


def test_an_inspector_exports_in_english_as_gb18030_with_personal_data_masked(signed_in):
    page = signed_in("inspector", "en")
    page.goto("/cadreview/list/")
    page.select_option("#va-encoding", "gb18030")
    _name, raw = download(page, export_button(page).click)
    rows = csv_rows(raw, "gb18030")
    assert rows[0][:3] == ["Full name", "Gender", "Kind"]
    header = rows[0]
    assert header[-5:] == ["ID number", "Phone", "Education", "Political status", "Party join date"]
    masked = slice(header.index("ID number"), header.index("Phone") + 1)
    by_name = {r[0]: r for r in rows[1:]}
    assert set(by_name) == {"张一", "李二", "王三", "赵四", "钱五"}
    assert by_name["张一"][masked] == ["530428********0015", "138****5678"]
