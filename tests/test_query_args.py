"""Malformed query arguments on every list, export and report: a message and
a sane default, or 400 with a message; never a server error."""
import re

import pytest
from flask_appbuilder.baseviews import BaseCRUDView
from sqlalchemy import Date, DateTime, Integer, Numeric

from villageaid.exports import ExportMixin
from villageaid.models import Money

HUGE = "9" * 30
LONG = "长" * 5000


def list_views(app):
    return [v for v in app.appbuilder.baseviews if isinstance(v, BaseCRUDView) and isinstance(v, ExportMixin)]


def column_type(view, column):
    try:
        return getattr(view.datamodel.obj, column).type
    except AttributeError:
        return None


def bad_filter_values(view, column):
    """Values no filter of this column can take."""
    values = ["a\x00b", LONG]
    if view.datamodel.is_relation_many_to_one(column):
        return values + ["abc", HUGE, "-1x"]
    sql_type = column_type(view, column)
    if isinstance(sql_type, (Money, Numeric)):
        values += ["NaN", "1e400", "abc", "1.234"]
    elif isinstance(sql_type, Integer):
        values += ["abc", HUGE, "-" + HUGE, "1.5"]
    elif isinstance(sql_type, (Date, DateTime)):
        values += ["abc", "2021-13-45", HUGE]
    return values


def bad_arguments(view):
    name = type(view).__name__
    args = [
        {"page_" + name: "-1"}, {"page_" + name: "abc"}, {"page_" + name: HUGE}, {"page_" + name: ""},
        {"psize_" + name: "0"}, {"psize_" + name: "-1"}, {"psize_" + name: "abc"}, {"psize_" + name: HUGE},
        {"page_OtherView": "abc"},
        {"_oc_" + name: "no_such_column", "_od_" + name: "asc"},
        {"_oc_" + name: (view.order_columns or ["name"])[0], "_od_" + name: "sideways"},
        {"_flt_0_no_such_column": "x"},
    ]
    filters = view._filters.get_search_filters()
    args += [{"_flt_9_" + column: "x"} for column in view.search_columns or [] if len(filters.get(column, [])) < 10]
    for column in view.search_columns or []:
        for value in bad_filter_values(view, column):
            args.append({"_flt_0_" + column: value})
    return args


def flashes(html):
    return re.findall(r'<div class="alert alert-(?:warning|danger)">\s*(?:<button[^>]*>[^<]*</button>)?\s*([^<]+?)\s*</div>', html)


def test_every_list_and_export_bounds_its_arguments(app, browser):
    b = browser("admin")  # every list, the auditor's too
    views = list_views(app)
    assert len(views) >= 14
    tried = 0
    for view in views:
        for args in bad_arguments(view):
            for action in ("list", "export"):
                url = "%s/%s/" % (view.route_base, action)
                resp = b.get(url, query_string=args)
                data = resp.get_data()
                tried += 1
                assert resp.status_code < 500, (url, args)
                if "page_OtherView" in args or (action == "export" and any(k.startswith(("page_", "psize_")) for k in args)):
                    continue  # another list's page, or paging on an export: nothing to correct
                assert resp.status_code in (302, 400), (url, args, resp.status_code, data[:200])
                if resp.status_code == 302:
                    target = resp.headers["Location"]
                    assert "/list/" in target, target
                    page = b.get(target)
                    assert page.status_code == 200, (target, args)
                    assert flashes(page.get_data(as_text=True)), (url, args)
    assert tried > 400


def test_page_size_is_capped_like_the_api(app, browser):
    app.config["VILLAGEAID_MAX_PAGE_SIZE"] = 2
    try:
        b = browser("office", lang="en")
        resp = b.get("/cadreview/list/?psize_CadreView=100000")
        assert resp.status_code == 302 and "psize_CadreView=2" in resp.headers["Location"]
        html = b.get(resp.headers["Location"]).get_data(as_text=True)
        assert "At most 2 rows per page; 2 are shown." in flashes(html)
        assert len(re.findall(r'name="rowid"', html)) == 2
        ok = b.get("/cadreview/list/?psize_CadreView=2")
        assert ok.status_code == 200
    finally:
        app.config["VILLAGEAID_MAX_PAGE_SIZE"] = 100


def test_a_fallback_says_what_was_left_out_and_keeps_the_rest(browser):
    b = browser("office", lang="en")
    resp = b.get("/cadreview/list/?page_CadreView=abc&_flt_0_kind=resident")
    assert resp.status_code == 302
    assert "_flt_0_kind=resident" in resp.headers["Location"] and "page_CadreView" not in resp.headers["Location"]
    html = b.get(resp.headers["Location"]).get_data(as_text=True)
    assert "“abc” is not a page number; the first page is shown." in flashes(html)
    assert "张一" not in html and "李二" in html  # the kind filter still holds
    resp = b.get("/cadreview/export/?_flt_0_start_date=abc&_flt_0_kind=resident")
    assert resp.status_code == 302 and "/cadreview/list/" in resp.headers["Location"]
    html = b.get(resp.headers["Location"]).get_data(as_text=True)
    assert any("was left out: not a date (YYYY-MM-DD)." in m for m in flashes(html))


def test_good_arguments_pass_untouched(browser):
    b = browser("office")
    for url in ["/cadreview/list/?page_CadreView=0&psize_CadreView=25&_oc_CadreView=name&_od_CadreView=desc",
                "/cadreview/list/?_flt_0_start_date=2020-06-01&_flt_0_name=张",
                "/villageview/list/?_flt_0_registered_poor=100&_flt_0_town=1",
                "/followupyearview/list/?_flt_0_year=2021",
                "/cadreview/export/?page_CadreView=abc&psize_CadreView=100000"]:
        resp = b.get(url)
        assert resp.status_code == 200, url
        resp.get_data()


REPORT_ARGUMENTS = [
    ("/villageaid/training/coverage/", [{"by": "nope"}, {"encoding": "x"}]),
    ("/villageaid/training/coverage/export/", [{"by": "nope"}, {"by": ""}, {"by": "a\x00"}, {"encoding": "latin-1"}]),
    ("/villageaid/reserve/summary/", [{"table": "nope"}]),
    ("/villageaid/reserve/summary/export/", [{"table": "nope"}, {"table": LONG}, {"encoding": "x"}]),
    ("/villageaid/followup/alerts/", [{"kind": "nope"}, {"town": "abc"}, {"town": HUGE}, {"unit": "-1"},
                                      {"page": "abc"}, {"page": HUGE}, {"page": "-1"}, {"kind": "a\x00"}]),
    ("/villageaid/followup/alerts/export/", [{"kind": "nope"}, {"town": HUGE}, {"unit": "abc"},
                                             {"encoding": "x"}]),
]


@pytest.mark.parametrize("url, grid", REPORT_ARGUMENTS)
def test_report_arguments(browser, url, grid):
    b = browser("office", lang="en")
    for args in grid:
        resp = b.get(url, query_string=args)
        text = resp.get_data(as_text=True)
        assert resp.status_code in (200, 400), (url, args, resp.status_code)
        if resp.status_code == 400:
            assert text.strip() and "<html" not in text, (url, args)
        elif "alerts" in url:
            assert flashes(text), (url, args)


API_REPORT_ARGUMENTS = [
    "/api/v1/training/coverage?by=nope",
    "/api/v1/followup/summary?year=abc",
    "/api/v1/followup/summary?year=" + HUGE,
    "/api/v1/followup/summary?year=-5",
    "/api/v1/followup/alerts?town=" + HUGE,
    "/api/v1/followup/alerts?unit=abc",
    "/api/v1/followup/alerts?kind=nope",
]


def test_api_report_arguments(api):
    c = api("office")
    for url in API_REPORT_ARGUMENTS:
        resp = c.get(url)
        assert resp.status_code == 400, (url, resp.status_code)
        assert resp.get_json()["message"], url
    assert c.get("/api/v1/followup/summary?year=2021").status_code == 200
    assert c.get("/api/v1/followup/alerts?kind=no_record").status_code == 200
