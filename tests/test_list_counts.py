"""A web list counts its rows up to VILLAGEAID_LIST_COUNT_CAP and then says
"more than N" (a count of a whole national table would read every row);
the API and exports count exactly."""
import pytest


@pytest.fixture
def cap(app):
    before = app.config["VILLAGEAID_LIST_COUNT_CAP"]

    def set_to(value):
        app.config["VILLAGEAID_LIST_COUNT_CAP"] = value

    yield set_to
    app.config["VILLAGEAID_LIST_COUNT_CAP"] = before


def count_text(html):
    start = html.index('class="pull-right va-count"')
    return html[html.index(">", start) + 1:html.index("</div>", start)].strip()


def test_a_list_over_the_cap_says_more_than_the_cap(browser, api, cap):
    b = browser("office")
    assert count_text(b.get("/cadreview/list/").get_data(as_text=True)) == "共 5 条"
    cap(3)
    html = b.get("/cadreview/list/?psize_CadreView=2").get_data(as_text=True)
    assert count_text(html) == "超过 3 条"
    assert "张一" in html or "李二" in html  # the page's rows are there
    # the next pages still open (the pager offers them as far as the cap reaches)
    assert "page_CadreView=1" in html
    second = b.get("/cadreview/list/?psize_CadreView=2&page_CadreView=2").get_data(as_text=True)
    assert len([n for n in ("张一", "李二", "王三", "赵四", "钱五") if n in second]) == 1
    # a filtered list under the cap counts exactly
    assert count_text(b.get("/cadreview/list/?_flt_0_name=张").get_data(as_text=True)) == "共 1 条"
    # a list exactly at the cap is counted exactly
    cap(5)
    assert count_text(b.get("/cadreview/list/").get_data(as_text=True)) == "共 5 条"
    # the API counts exactly
    cap(3)
    assert api("office").get("/api/v1/cadre/").get_json()["count"] == 5


def test_the_english_list_says_more_than(browser, cap):
    cap(2)
    html = browser("office", lang="en").get("/cadreview/list/").get_data(as_text=True)
    assert count_text(html) == "more than 2"
