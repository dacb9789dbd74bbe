"""What the screens say: empty values show empty (never "None"), times
without microseconds, town kinds by their own names — over the demo county,
every list and detail page as each role sees it."""
import re
from html import unescape

import pytest
from sqlalchemy import select

from villageaid import demo

from .helpers import Browser, database

ROLES = ["admin", "office", "inspector", "clerk_town", "clerk_unit"]
REPORTS = ["/", "/villageaid/training/coverage/", "/villageaid/followup/alerts/", "/villageaid/reserve/summary/"]
SHOW_LINK = re.compile(r'href="(/[A-Za-z]+view/show/\d+)[^"]*"')
MICROSECONDS = re.compile(r"\d\d:\d\d:\d\d\.\d+")


def visible_text(html):
    """The text a person reads: no scripts, styles or tags."""
    html = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", html)
    html = re.sub(r"(?s)<[^>]+>", " ", html)
    return unescape(html)


@pytest.fixture(scope="module")
def demo_county(app, snapshot):
    with app.app_context():
        with database() as s:
            demo.load(s)
    snapshot.push()
    yield
    snapshot.pop()


def list_urls(app):
    """Every list page the add-on registers (a menu entry or not)."""
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if rule.endpoint.endswith(".list") and rule.rule.endswith("/list/"):
                yield rule.rule


@pytest.mark.parametrize("role", ROLES)
def test_no_page_shows_none(app, demo_county, role):
    browser = Browser(app, role)
    browser.get("/cadreview/export/")  # a receipt in the export log, with its time
    seen, shown_none, with_microseconds = set(), [], []
    for url in REPORTS + sorted(list_urls(app)):
        resp = browser.get(url + ("?psize_%s=100" % url.split("/")[1] if url.endswith("/list/") else ""))
        if resp.status_code != 200:
            continue
        html = resp.get_data(as_text=True)
        pages = [(url, html)]
        for link in sorted(set(SHOW_LINK.findall(html)))[:8]:
            if link in seen:
                continue
            seen.add(link)
            shown = browser.get(link)
            assert shown.status_code == 200, link
            pages.append((link, shown.get_data(as_text=True)))
        for where, page in pages:
            text = visible_text(page)
            if re.search(r"\bNone\b", text):
                shown_none.append(where)
            if MICROSECONDS.search(text):
                with_microseconds.append(where)
    assert len(seen) > 20
    assert shown_none == []
    assert with_microseconds == []


TOWN_KINDS = {"澧江街道": "街道", "因远镇": "镇", "羊街乡": "乡", "红光农场": "农场"}


@pytest.mark.parametrize("lang,kinds", [("zh", TOWN_KINDS),
                                        ("en", {"澧江街道": "Subdistrict", "因远镇": "Town", "羊街乡": "Township",
                                                "红光农场": "State farm"})])
def test_town_kinds_read_by_their_own_name(app, demo_county, lang, kinds):
    """镇, 乡, 街道, 农场 — never the menu's 镇场街道 — on the list, the detail
    page and the export."""
    browser = Browser(app, "office", lang)
    html = browser.get("/townview/list/?psize_TownView=100").get_data(as_text=True)
    rows = dict(re.findall(r"<td>\s*([^<]+?)\s*</td>\s*<td>\s*([^<]+?)\s*</td>", html))
    assert {name: rows.get(name) for name in kinds} == kinds
    exported = browser.get("/townview/export/").get_data().decode("utf-8-sig")
    for name, kind in kinds.items():
        assert "%s,%s," % (name, kind) in exported
    with app.app_context(), database() as s:
        from villageaid.models import Town
        pk = s.scalar(select(Town.id).where(Town.name == "因远镇"))
    page = visible_text(browser.get("/townview/show/%d" % pk).get_data(as_text=True))
    assert re.search(r"(类别|Kind)\s+%s\s" % kinds["因远镇"], page)


@pytest.mark.parametrize("lang,label", [("zh", "（村干部和乡镇干部，无派出单位）"), ("en", "(village and township cadres, no dispatching unit)")])
def test_a_group_without_a_unit_says_what_it_is(browser, lang, label):
    html = browser("office", lang).get("/villageaid/training/coverage/?by=unit").get_data(as_text=True)
    assert label in html
    assert "（无派出单位）" not in html and "(no dispatching unit)" not in html
