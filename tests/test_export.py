"""CSV export: exactly the list's rows, in scope, Excel-safe, with receipts."""
import csv
import decimal
import hashlib
import io
import re
from urllib.parse import unquote

import pytest
from sqlalchemy import select

from villageaid.exports import cell, content_disposition
from villageaid.models import ExportReceipt, Village

from .helpers import clerk_without, database, ids, insert

FIXTURE_CADRES = ["张一", "李二", "王三", "赵四", "钱五"]


def rows_of(resp, encoding="utf-8-sig"):
    text = resp.get_data().decode(encoding)
    return list(csv.reader(io.StringIO(text, newline="")))


def list_names(browser_, url, view, pages):
    """The fixture cadre names on every page of a list, in page order."""
    names = []
    for page in range(pages):
        sep = "&" if "?" in url else "?"
        html = browser_.get("%s%spsize_%s=2&page_%s=%d" % (url, sep, view, view, page)).get_data(as_text=True)
        names += [m for m in re.findall(r"<td>([^<]+)</td>", html) if m in FIXTURE_CADRES]
    return names


@pytest.mark.parametrize("user", ["office", "clerk_unit", "inspector"])
def test_export_equals_the_list_under_filter_and_ordering(browser, user):
    b = browser(user)
    query = "?_flt_0_kind=resident&_oc_CadreView=name&_od_CadreView=desc"
    shown = list_names(b, "/cadreview/list/" + query, "CadreView", pages=3)
    resp = b.get("/cadreview/export/" + query)
    assert resp.status_code == 200
    rows = rows_of(resp)
    exported = [r[0] for r in rows[1:] if r[0] in FIXTURE_CADRES]
    assert exported == shown
    assert len(rows) - 1 == len(exported)  # nothing else in the file
    expected = {"office": {"李二", "王三", "赵四"}, "inspector": {"李二", "王三", "赵四"}, "clerk_unit": {"王三", "赵四"}}[user]
    assert set(exported) == expected


def test_search_on_a_name_and_all_pages(browser):
    b = browser("office")
    resp = b.get("/cadreview/export/?_flt_2_name=三&psize_CadreView=1&page_CadreView=0")
    names = [r[0] for r in rows_of(resp)[1:]]
    assert names == ["王三"]
    names = [r[0] for r in rows_of(b.get("/cadreview/export/?psize_CadreView=1"))[1:]]
    assert set(FIXTURE_CADRES) <= set(names)


def test_clerk_export_has_no_foreign_row(browser):
    rows = rows_of(browser("clerk_town").get("/villageview/export/"))
    assert [r[0] for r in rows[1:]] == ["甲村"]
    rows = rows_of(browser("clerk_none").get("/cadreview/export/"))
    assert rows[1:] == []


def test_values_as_a_person_reads_them(browser):
    rows = rows_of(browser("office").get("/cadreview/export/?_flt_0_name=张一"))
    header, row = rows[0], rows[1]
    assert header == ["姓名", "性别", "类别", "职务", "派出单位", "村", "所在乡镇（乡镇干部）", "选派/任职日期", "状态", "新任干部",
                      "身份证号", "电话", "学历", "政治面貌", "入党日期"]
    assert row == ["张一", "男", "村干部", "村党组织书记", "", "甲村", "", "2020-06-01", "在岗", "是", "530428198001010015",
                   "13812345678", "", "", ""]


def test_headers_follow_the_language(browser):
    rows = rows_of(browser("office", lang="en").get("/villageview/export/?_flt_0_name=甲村"))
    assert rows[0][:4] == ["Name", "Town", "Dispatching unit", "Poverty status"]
    assert rows[1][:4] == ["甲村", "甲镇", "一局", "Poor village"]


def test_bom_by_default_and_gb18030_on_request(browser):
    b = browser("office")
    utf8 = b.get("/villageview/export/")
    assert utf8.get_data().startswith(b"\xef\xbb\xbf")
    assert utf8.get_data().count(b"\xef\xbb\xbf") == 1
    assert "\r\n" in utf8.get_data().decode("utf-8-sig")
    gb = b.get("/villageview/export/?encoding=gb18030")
    assert gb.headers["Content-Type"] == "text/csv; charset=gb18030"
    assert not gb.get_data().startswith(b"\xef\xbb\xbf")
    assert gb.get_data().decode("gb18030") == utf8.get_data().decode("utf-8-sig")
    assert b.get("/villageview/export/?encoding=latin-1").status_code == 302


def test_formula_cells_are_neutralised(browser):
    t1, = ids(Village, "甲村")
    with database() as s:
        town_id = s.get(Village, t1).town_id
    insert(Village(name='=HYPERLINK("http://x")', town_id=town_id, poverty_status="non_poor", registered_poor=0))
    rows = rows_of(browser("office").get("/villageview/export/?_flt_2_name=HYPERLINK"))
    assert rows[1][0] == '\'=HYPERLINK("http://x")'
    assert rows[1][5] == "0"  # a number stays a number


def test_cell_rules():
    assert cell(decimal.Decimal("-3.5")) == "-3.50"
    assert cell(-3) == "-3"
    assert cell("-3.5") == "'-3.5"
    for text in ("=1+1", "+1", "@SUM(A1)", "\tx", "\rx"):
        assert cell(text).startswith("'")
    assert cell(None) == "" and cell(True) in ("是", "Yes")


def test_file_name_carries_list_and_date(browser):
    resp = browser("office").get("/villageview/export/")
    disposition = resp.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="export-')
    utf8_name = unquote(disposition.split("filename*=UTF-8''")[1])
    assert re.fullmatch(r"村-\d{8}\.csv", utf8_name)


def test_export_needs_its_permission(app, browser):
    b = browser(clerk_without(app, "noexport", "can_export"))
    assert b.get("/villageview/list/").status_code == 200
    assert "导出 CSV" not in b.get("/villageview/list/").get_data(as_text=True)
    assert b.get("/villageview/export/").status_code == 403
    assert "导出 CSV" in browser("clerk_town").get("/villageview/list/").get_data(as_text=True)


def test_receipt_records_count_and_hash(browser):
    b = browser("clerk_unit")
    resp = b.get("/cadreview/export/?_flt_0_kind=resident")
    body = resp.get_data()
    with database() as s:
        receipt = s.scalars(select(ExportReceipt).order_by(ExportReceipt.id.desc())).first()
        assert receipt.user.username == "clerk_unit"
        assert receipt.row_count == len(rows_of(resp)) - 1 == 2
        assert receipt.sha256 == hashlib.sha256(body).hexdigest()
        assert receipt.status == "complete" and receipt.encoding == "utf-8"
        assert "_flt_0_kind=resident" in receipt.query_string
        assert receipt.list_name == "人员"


def test_export_log_is_for_the_office(browser):
    browser("inspector").get("/villageview/export/")
    html = browser("office").get("/exportreceiptview/list/").get_data(as_text=True)
    assert "inspector" in html
    rows = rows_of(browser("office").get("/exportreceiptview/export/"))
    assert rows[0][:3] == ["创建时间", "用户", "名单"]
    assert any(r[1] == "inspector" and r[2] == "村" for r in rows[1:])
    assert browser("clerk_town").get("/exportreceiptview/list/").status_code == 403
    assert browser("clerk_town").get("/exportreceiptview/export/").status_code == 403
    assert browser("inspector").get("/exportreceiptview/list/").status_code == 403


def test_row_cap_is_reported_not_silent(app, browser):
    app.config["VILLAGEAID_EXPORT_MAX_ROWS"] = 2
    try:
        b = browser("office")
        resp = b.get("/cadreview/export/", follow_redirects=True)
        assert "超过单次导出上限" in resp.get_data(as_text=True)
        assert len(rows_of(b.get("/cadreview/export/?_flt_0_name=张一"))) == 2
    finally:
        app.config["VILLAGEAID_EXPORT_MAX_ROWS"] = 0


def test_content_disposition_ascii_fallback():
    import datetime

    header = content_disposition("未轮训人员名单", datetime.date(2026, 1, 2))
    assert header == "attachment; filename=\"export-20260102.csv\"; filename*=UTF-8''%E6%9C%AA%E8%BD%AE%E8%AE%AD%E4%BA%BA%E5%91%98%E5%90%8D%E5%8D%95-20260102.csv"
