"""What a person does on the app's pages, in a few words each, for the journeys.

Every helper acts through what is on the screen (labels, visible boxes,
buttons) and waits the way a person would wait: for the thing to appear.
"""
import csv
import io
import re
from datetime import date

from playwright.sync_api import expect


def select2_box(page, field):
    """The visible Select2 box standing for the hidden <select id=field>."""
    return page.locator("#%s + .select2-container" % field)


def pick(page, field, typed, choose=None):
    """Open the search-as-you-type box of `field`, type `typed`, click the
    result reading `choose` (default: the typed text; a village offered as
    "town · village" is chosen by its own name)."""
    select2_box(page, field).click()
    search = page.locator(".select2-container--open .select2-search__field")
    search.fill("")
    search.press_sequentially(typed, delay=30)
    wanted = re.compile(r"(^|· )%s$" % re.escape(choose or typed))
    option = page.locator(".select2-results__option:not(.loading-results)").filter(has_text=wanted)
    expect(option).to_be_visible()
    option.click()
    expect(page.locator(".select2-container--open")).to_have_count(0)


def picker_options(page, field, typed):
    """The results the search-as-you-type box of `field` offers for `typed` (the box is closed again)."""
    select2_box(page, field).click()
    search = page.locator(".select2-container--open .select2-search__field")
    search.press_sequentially(typed, delay=30)
    results = page.locator(".select2-results__option")
    expect(page.locator(".select2-results__option.loading-results")).to_have_count(0)
    expect(results.first).to_be_visible()
    texts = [t.strip() for t in results.all_inner_texts()]
    search.press("Escape")
    return texts


def pick_day(page, field, day, months_back=0):
    """Open the date picker of `field`, go `months_back` months back with its
    arrow, and click day `day` of the month it shows; returns the month's
    title and the date chosen."""
    page.locator("#%s" % field).click()
    picker = page.locator(".datepicker-dropdown .datepicker-days")
    expect(picker).to_be_visible()
    for _ in range(months_back):
        before = picker.locator("th.datepicker-switch").inner_text()
        picker.locator("th.prev").click()
        expect(picker.locator("th.datepicker-switch")).not_to_have_text(before)
    switch = picker.locator("th.datepicker-switch").inner_text()
    picker.locator("td.day:not(.old):not(.new)", has_text=re.compile(r"^\s*%d\s*$" % day)).click()
    expect(picker.locator("td.day.active")).to_have_text(str(day))
    value = page.locator("#%s" % field).input_value()
    close_date_picker(page, field)
    return switch, date.fromisoformat(value)


def close_date_picker(page, field):
    page.locator("#%s" % field).press("Escape")
    expect(page.locator(".datepicker-dropdown")).to_be_hidden()


def type_date(page, field, when):
    """Type a date into a date field (as a person may) and close the picker."""
    box = page.locator("#%s" % field)
    box.click()
    box.fill("")
    box.press_sequentially(when.isoformat(), delay=20)
    close_date_picker(page, field)


def open_add_form(page, view):
    """Open the list of `view` and follow its add button, as a person would."""
    page.goto("/%s/list/" % view)
    with page.expect_navigation():
        page.locator("a[href*='/%s/add']" % view).first.click()


def save(page):
    """Press the form's save button and wait for the next page."""
    with page.expect_navigation():
        page.locator(".panel form button[type=submit], #model_form button[type=submit]").first.click()  # not the menu's sign-out form


def flashes(page):
    return [t.strip() for t in page.locator(".alert").all_inner_texts()]


def expect_flash(page, text):
    expect(page.locator(".alert", has_text=text)).to_be_visible()


def list_rows(page):
    """The rows of the page's list table, each a list of cell texts."""
    rows = page.locator("table.table-hover tbody tr, table.table tbody tr").filter(has=page.locator("td"))
    return [[c.strip() for c in row.locator("td").all_inner_texts()] for row in rows.all()]


def check_rows(page, *texts):
    """Tick the list's checkbox of each row holding one of `texts`."""
    for text in texts:
        row = page.locator("table tbody tr", has_text=text)
        expect(row).to_have_count(1)
        row.locator("input.action_check").check()


def run_action(page, label, asks, confirm=True):
    """Choose `label` in the list's action menu; the confirmation dialog must
    ask `asks`; answer it (or cancel it)."""
    page.locator(".btn-group", has=page.locator("a", has_text=label)).locator(".dropdown-toggle").first.click()
    page.locator("a", has_text=label).click()
    dialog = page.locator("#modal-confirm")
    expect(dialog).to_be_visible()
    expect(dialog.locator(".modal-text")).to_have_text(asks)
    if confirm:
        with page.expect_navigation():
            dialog.locator("#modal-confirm-ok").click()
    else:
        dialog.locator("[data-dismiss=modal]").click()
        expect(dialog).to_be_hidden()


def download(page, click):
    """Run `click` (which starts a download); returns the file's suggested name and its bytes."""
    with page.expect_download() as info:
        click()
    saved = info.value
    with open(saved.path(), "rb") as f:
        return saved.suggested_filename, f.read()


def csv_rows(raw, encoding="utf-8-sig"):
    return list(csv.reader(io.StringIO(raw.decode(encoding), newline="")))
