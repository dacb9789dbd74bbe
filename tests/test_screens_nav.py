"""Where a person lands: error pages in the user's language inside the
layout with a way back, page titles that name the page, and the return
after saving through an explicit `next` that must be a path of this
application."""
import re
from urllib.parse import quote

import pytest

from villageaid.models import Cadre, Town, Village

from .helpers import ids
from .test_crud_validation import cadre_form

NOT_FOUND = {"zh": ("页面不存在", "基础数据", "首页"), "en": ("Page not found", "Reference data", "Home")}


def title(html):
    return re.search(r"<title>\s*(.*?)\s*</title>", html, re.S).group(1)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_another_scopes_record_is_a_translated_404_inside_the_layout(browser, lang):
    (pk,) = ids(Cadre, "李二")
    resp = browser("clerk_town", lang).get("/cadreview/show/%d" % pk, headers={"Referer": "http://localhost/cadreview/list/"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 404
    heading, menu, home = NOT_FOUND[lang]
    assert heading in title(html) and heading in html
    assert menu in html and 'class="navbar' in html
    assert ">%s</a>" % home in html.replace("</i> ", "</i>").replace('"fa fa-home"></i>', "")  or home in html
    assert 'href="/cadreview/list/"' in html  # back where the person came from
    assert "Not Found" not in html and "李二" not in html


def test_a_back_link_never_leads_to_another_site(browser):
    html = browser("clerk_town").get("/nowhere/", headers={"Referer": "https://evil.example/x"}).get_data(as_text=True)
    assert "evil.example" not in html


@pytest.mark.parametrize("lang,text", [("zh", "无权访问"), ("en", "Access denied")])
def test_a_forbidden_page_is_translated(browser, lang, text):
    resp = browser("inspector", lang).get("/cadreview/add")
    assert resp.status_code == 403
    html = resp.get_data(as_text=True)
    assert text in html and 'class="navbar' in html and "Forbidden" not in html


def test_a_wrong_method_is_translated(browser):
    resp = browser("office").get("/cadreview/action_post")
    assert resp.status_code == 405
    assert "不允许的操作" in resp.get_data(as_text=True)


@pytest.mark.parametrize("lang,text", [("zh", "服务器错误"), ("en", "Server error")])
def test_a_server_error_is_translated_and_tells_nothing_of_the_cause(app, browser, monkeypatch, lang, text):
    b = browser("office", lang)

    def broken(**kwargs):
        raise RuntimeError("secret detail of the failure")

    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    monkeypatch.setitem(app.view_functions, "TownView.list", broken)
    resp = b.get("/townview/list/")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 500
    assert text in html and 'class="navbar' in html
    assert "secret detail" not in html and "Internal Server Error" not in html


def test_the_api_keeps_its_json_answers(api):
    resp = api("office").get("/api/v1/cadre/999999")
    assert resp.status_code == 404 and resp.is_json


def test_page_titles_name_the_page(browser):
    b = browser("office")
    (pk,) = ids(Cadre, "张一")
    titles = {url: title(b.get(url).get_data(as_text=True)) for url in (
        "/cadreview/list/", "/villageview/list/", "/cadreview/add", "/cadreview/show/%d" % pk,
        "/villageaid/training/coverage/")}
    assert titles["/cadreview/list/"].startswith("人员")
    assert titles["/villageview/list/"].startswith("村")
    assert titles["/cadreview/show/%d" % pk].startswith("张一 · 人员")
    assert len(set(titles.values())) == len(titles), titles


# --- next ---------------------------------------------------------------------

REFUSED_NEXT = [
    "//evil.example/", "https://evil.example/", "http:/evil.example", "\\\\evil.example", "/\\evil.example",
    "javascript:alert(1)", "evil.example", "/\tevil", "/\r\nLocation: https://evil.example", "", "///evil.example",
]


def location(resp):
    return resp.headers["Location"].replace("http://localhost", "")


def test_saving_returns_to_the_page_given_as_next(browser):
    (village,) = ids(Village, "甲村")
    back = "/villageview/show/%d?x=1" % village
    resp = browser("office").post("/cadreview/add?next=" + quote(back), cadre_form(name="回来"))
    assert resp.status_code == 302 and location(resp) == back
    (pk,) = ids(Town, "甲镇")
    b = browser("office")
    edit = "/townview/edit/%d?next=%s" % (pk, quote("/townview/list/?page_TownView=0"))
    form = {"name": "甲镇", "kind": "town", "code": "T1", "row_version": b.row_version(edit)}
    resp = b.post(edit, form)
    assert resp.status_code == 302 and location(resp) == "/townview/list/?page_TownView=0"


@pytest.mark.parametrize("next_", REFUSED_NEXT)
def test_a_next_outside_the_application_falls_back_to_the_list(browser, next_):
    resp = browser("office").post("/cadreview/add?next=" + quote(next_), cadre_form(name="不跳"))
    assert resp.status_code == 302
    assert location(resp) == "/cadreview/list/"


def test_without_next_saving_returns_to_the_list_not_the_home_page(browser):
    resp = browser("office").post("/cadreview/add", cadre_form(name="回列表"))
    assert location(resp) == "/cadreview/list/"


def test_add_and_edit_links_carry_the_page_they_are_on(browser):
    html = browser("office").get("/townview/list/?_flt_0_name=%E7%94%B2").get_data(as_text=True)
    assert re.search(r'href="/townview/add\?next=%2Ftownview%2Flist%2F%3F_flt_0_name%3D%25E7%2594%25B2"', html)
    assert re.search(r'href="/townview/edit/\d+\?next=%2Ftownview%2Flist%2F', html)
    (village,) = ids(Village, "甲村")
    # the cadres on the village's page (its file)
    html = browser("office").get("/villageview/show/%d" % village).get_data(as_text=True)
    assert re.search(r'href="/cadreview/edit/\d+\?[^"]*next=%2Fvillageview%2Fshow%2F' + str(village) + '"', html)
    html = browser("inspector").get("/villageview/show/%d" % village).get_data(as_text=True)
    assert "/cadreview/edit/" not in html


def test_a_delete_returns_to_the_list_page_it_came_from(browser):
    (pk,) = ids(Cadre, "钱五")
    b = browser("office")
    page = "/cadreview/list/?page_CadreView=0&_oc_CadreView=name&_od_CadreView=asc"
    resp = b.post("/cadreview/delete/%d" % pk, token_from=page, headers={"Referer": "http://localhost" + page})
    assert resp.status_code == 302 and location(resp) == page
