"""The screens speak the user's language all the way down: the date picker,
the confirmation dialogs, the button words and the row count."""
import re

import pytest
from playwright.sync_api import expect

from villageaid.models import Cadre

from ..helpers import ids
from .ui import close_date_picker, open_add_form


@pytest.mark.parametrize("lang,title,months", [
    ("zh", re.compile(r"^\d{4}年\d\d月$"), ["1月", "2月", "12月"]),
    ("en", re.compile(r"^[A-Z][a-z]+ \d{4}$"), ["Jan", "Feb", "Dec"]),
])
def test_the_date_picker_speaks_the_users_language(signed_in, lang, title, months):
    page = signed_in("office", lang)
    open_add_form(page, "trainingsessionview")
    page.locator("#start_date").click()
    days = page.locator(".datepicker-dropdown .datepicker-days")
    expect(days).to_be_visible()
    expect(days.locator("th.datepicker-switch")).to_have_text(title)
    if lang == "zh":
        expect(days.locator("th.dow").first).to_have_text("一")  # the week starts on Monday
    days.locator("th.datepicker-switch").click()
    month_names = page.locator(".datepicker-dropdown .datepicker-months span.month").all_inner_texts()
    assert [month_names[0], month_names[1], month_names[11]] == months
    close_date_picker(page, "start_date")


@pytest.mark.parametrize("lang,words", [
    ("zh", {"ask": "请确认", "cancel": "取消", "ok": "确定", "question": "确定要删除这条记录吗？", "count": r"^共 \d+ 条$",
            "buttons": ["新增", "返回", "查看", "编辑", "删除"]}),
    ("en", {"ask": "User confirmation needed", "cancel": "Cancel", "ok": "OK", "question": None,
            "count": r"^\d+ in all$", "buttons": ["Add", "Back", "Show", "Edit", "Delete"]}),
])
def test_the_confirm_dialog_and_the_buttons_speak_the_users_language(signed_in, lang, words):
    page = signed_in("office", lang)
    page.goto("/cadreview/list/")
    expect(page.locator(".va-count")).to_have_text(re.compile(words["count"]))
    for word in words["buttons"]:
        expect(page.locator("a.btn", has_text=re.compile(r"^\s*%s\s*$" % word)).first).to_be_visible()
    (pk,) = ids(Cadre, "张一")
    row = page.locator("table tbody tr", has_text="张一")
    row.locator("a.btn", has_text=words["buttons"][4]).click()
    dialog = page.locator("#modal-confirm").first
    expect(dialog).to_be_visible()
    expect(dialog.locator(".modal-title")).to_have_text(words["ask"])
    if words["question"]:
        expect(dialog.locator(".modal-body")).to_contain_text(words["question"])
    expect(dialog.locator("#modal-confirm-ok")).to_have_text(words["ok"])
    dialog.locator("button[data-dismiss=modal]", has_text=words["cancel"]).click()
    expect(dialog).to_be_hidden()
    assert ids(Cadre, "张一") == [pk]  # nothing was deleted


@pytest.mark.parametrize("lang,words", [("zh", ("页面不存在", "基础数据", "首页")),
                                        ("en", ("Page not found", "Reference data", "Home"))])
def test_another_scopes_record_is_a_translated_404_with_the_menu_and_a_way_home(signed_in, guard, screens, lang, words):
    guard.allow_status(404)
    heading, menu, home = words
    (pk,) = ids(Cadre, "李二")
    page = signed_in("clerk_town", lang)
    page.goto("/cadreview/list/")
    page.goto("/cadreview/show/%d" % pk)
    expect(page.locator("h1")).to_contain_text(heading)
    expect(page.locator(".navbar")).to_contain_text(menu)
    assert heading in page.title()
    folder = screens / lang
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / "not-found.png"), full_page=True)
    with page.expect_navigation():  # back where the clerk was
        page.locator(".va-error-page a.btn", has_text=re.compile(r"返回|Back")).click()
    assert page.url.endswith("/cadreview/list/")
    page.goto("/cadreview/show/%d" % pk)
    with page.expect_navigation():
        page.locator(".va-error-page a.btn", has_text=home).click()
    assert "李二" not in page.locator("body").inner_text()
