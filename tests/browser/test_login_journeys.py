"""Signing in and out through the pages, in both languages."""
import pytest
from playwright.sync_api import expect

from ..helpers import PASSWORD

TEXT = {
    "zh": {"invalid": "无效的用户名或密码，请重试！", "menu": "基础数据", "logout": "退出登录", "login": "登录"},
    "en": {"invalid": "Invalid login. Please try again.", "menu": "Reference data", "logout": "Logout", "login": "Login"},
}


def submit_login(page, username, password):
    page.fill("#username", username)
    page.fill("#password", password)
    with page.expect_navigation():
        page.locator("form [type=submit]").click()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_sign_in_refused_then_accepted_then_sign_out(page, lang):
    t = TEXT[lang]
    page.goto("/lang/%s" % lang)
    page.goto("/cadreview/list/")
    assert "/login/" in page.url  # a signed-out person is sent to the login form

    submit_login(page, "clerk_town", "wrong-" + PASSWORD)
    expect(page.locator(".alert")).to_contain_text(t["invalid"])
    assert "/login/" in page.url

    submit_login(page, "clerk_town", PASSWORD)
    expect(page.locator(".navbar")).to_contain_text(t["menu"])
    expect(page.locator(".navbar")).to_contain_text("clerk_town")

    page.goto("/cadreview/list/")
    expect(page.locator("table tbody tr", has_text="张一")).to_be_visible()

    page.locator(".navbar a.dropdown-toggle", has_text="clerk_town").click()
    with page.expect_navigation():
        page.get_by_role("button", name=t["logout"]).click()  # a POST form with its token
    expect(page.locator(".navbar")).to_contain_text(t["login"])
    expect(page.locator(".navbar")).not_to_contain_text(t["menu"])

    page.goto("/cadreview/list/")
    assert "/login/" in page.url
    expect(page.locator("body")).not_to_contain_text("张一")
