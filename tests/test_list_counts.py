"""A web list counts its rows up to VILLAGEAID_LIST_COUNT_CAP and then says
"more than N" (a count of a whole national table would read every row);
the API and exports count exactly."""
import re

import pytest

from .helpers import listed_count


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


@pytest.mark.parametrize("view, url", [("FollowUpYearView", "/followupyearview/list/"),
                                       ("CadreView", "/cadreview/list/"),
                                       ("VillageView", "/villageview/list/")])
def test_pages_hold_their_page_size_and_every_row_once(browser, view, url):
    """A list's page is chosen on its table before its related columns are
    joined (views/interface.py): paged by two, every row comes once, on the
    page it belongs to — a table keyed by one column as the yearly summary,
    keyed by village and year."""
    client = browser("office")
    total = listed_count(client, url)
    assert total >= 3
    seen = []
    for page in range((total + 1) // 2):
        html = client.get("%s?psize_%s=2&page_%s=%d" % (url, view, view, page)).get_data(as_text=True)
        body = re.search(r'<table class="table table-bordered table-hover">.*?</thead>(.*?)</table>', html, re.S).group(1)
        body = re.sub(r"<script.*?</script>", "", body, flags=re.S)
        rows = [re.sub(r"<[^>]+>|\s+", " ", row).strip() for row in re.findall(r"<tr.*?</tr>", body, re.S)]
        assert 1 <= len(rows) <= 2, (page, rows)
        seen += rows
    assert len(seen) == total and len(set(seen)) == total
