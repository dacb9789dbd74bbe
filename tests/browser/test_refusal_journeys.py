"""A clerk who types another scope's record into the address bar is refused,
and the refusal page gives nothing of the record away."""
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


@pytest.mark.parametrize("view,model,name", FOREIGN)
@pytest.mark.parametrize("what", ["show", "edit"])
def test_another_scopes_record_by_url_is_not_found(signed_in, guard, view, model, name, what):
    guard.allow_status(404)
    page = signed_in("clerk_town")
    (pk,) = ids(model, name)
    response = page.goto("/%s/%s/%d" % (view, what, pk))
    assert response.status == 404
    body = page.locator("body").inner_text()
    assert name not in body
    assert ID_NUMBERS.get(name, name) not in body
    expect(page.locator("form input[name=name]")).to_have_count(0)


def test_the_same_url_opens_for_a_clerk_in_scope(signed_in):
    (pk,) = ids(Cadre, "张一")
    page = signed_in("clerk_town")
    assert page.goto("/cadreview/show/%d" % pk).status == 200
    expect(page.locator("body")).to_contain_text("张一")


def test_the_refusal_page_is_translated_and_keeps_the_menu(signed_in, guard):
    guard.allow_status(404)
    (pk,) = ids(Cadre, "李二")
    page = signed_in("clerk_town")
    page.goto("/cadreview/show/%d" % pk)
    expect(page.locator(".navbar")).to_contain_text("基础数据", timeout=1000)
    assert "Not Found" not in page.locator("body").inner_text()
