"""A clerk who types another scope's record into the address bar is refused,
in Chinese and in English, and the refusal page gives nothing of the record
away; it is translated and keeps the menu."""
import pytest
from playwright.sync_api import expect

from villageaid.models import Cadre, Village

from ..helpers import ID_NUMBERS, ids

FOREIGN = [
    # (view, model, name) outside clerk_town's scope (甲镇)
    ("cadreview", Cadre, "李二"),
    ("cadreview", Cadre, "钱五"),
    ("villageview", Village, "乙村"),
]

TEXT = {
    "zh": {"title": "页面不存在", "message": "该页面或记录不存在，或不在您的管辖范围内。", "menu": "基础数据",
           "back": "返回", "home": "首页"},
    "en": {"title": "Page not found", "message": "This page or record does not exist, or it is outside your scope.",
           "menu": "Reference data", "back": "Back", "home": "Home"},
}
# what Werkzeug or FAB would say of a missing page, untranslated
UNTRANSLATED = ("Not Found", "The requested URL was not found on the server", "None")


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("view,model,name", FOREIGN)
@pytest.mark.parametrize("what", ["show", "edit"])
def test_another_scopes_record_by_url_is_not_found(signed_in, guard, view, model, name, what, lang):
    guard.allow_status(404)
    page = signed_in("clerk_town", lang)
    (pk,) = ids(model, name)
    response = page.goto("/%s/%s/%d" % (view, what, pk))
    assert response.status == 404
    expect(page.locator(".va-error-page h1")).to_contain_text(TEXT[lang]["title"])
    body = page.locator("body").inner_text()
    assert name not in body
    assert ID_NUMBERS.get(name, name) not in body
    expect(page.locator("form input[name=name]")).to_have_count(0)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_same_url_opens_for_a_clerk_in_scope(signed_in, lang):
    (pk,) = ids(Cadre, "张一")
    page = signed_in("clerk_town", lang)
    assert page.goto("/cadreview/show/%d" % pk).status == 200
    expect(page.locator("body")).to_contain_text("张一")
    expect(page.locator("body")).to_contain_text(ID_NUMBERS["张一"])


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_refusal_page_is_translated_and_keeps_the_menu(signed_in, guard, lang):
    t = TEXT[lang]
    guard.allow_status(404)
    (pk,) = ids(Cadre, "李二")
    page = signed_in("clerk_town", lang)
    page.goto("/cadreview/show/%d" % pk)
    expect(page.locator(".navbar")).to_contain_text(t["menu"], timeout=1000)
    refusal = page.locator(".va-error-page")
    expect(refusal.locator("h1")).to_contain_text(t["title"])
    expect(refusal.locator("p.lead")).to_have_text(t["message"])
    expect(refusal.get_by_role("link", name=t["back"])).to_be_visible()
    expect(refusal.get_by_role("link", name=t["home"])).to_be_visible()
    body = page.locator("body").inner_text()
    assert not [w for w in UNTRANSLATED if w in body], body
