"""The office edits a cadre, deletes it to the recycle bin, restores it
from 回收站, and reads the cadre's 历史 tab: the update, the delete and the
restore, with the values before and after as a person reads them (labels,
not codes). A screenshot of the tab goes to screens/history_tab.png."""
import re

from playwright.sync_api import expect

from villageaid.models import Cadre

from ..helpers import database, ids
from .ui import flashes, pick, save


def history_entries(page):
    """The 历史 tab's entries, newest first: (heading, [(field, before, after)])."""
    entries = []
    for entry in page.locator("#History .va-history-entry").all():
        heading = " ".join(entry.locator("p").first.inner_text().split())
        fields = [tuple(c.strip() for c in row.locator("td").all_inner_texts())
                  for row in entry.locator("tbody tr").all()]
        entries.append((heading, fields))
    return entries


def test_office_edits_deletes_restores_and_reads_the_history(signed_in, screens):
    page = signed_in("office")
    pk, = ids(Cadre, "张一")

    # edit from the list: a new phone and a new post
    page.goto("/cadreview/list/")
    with page.expect_navigation():
        page.locator("table tbody tr", has_text="张一").locator("a.btn", has_text=re.compile(r"^\s*编辑\s*$")).click()
    page.fill("#phone", "13987654321")
    pick(page, "post", "村委会主任")
    save(page)
    expect(page.locator(".alert-success")).to_be_visible()
    print("\nflash after the edit:", flashes(page))

    # delete from the list: to the recycle bin
    page.goto("/cadreview/list/")
    page.locator("table tbody tr", has_text="张一").locator("a.btn", has_text=re.compile(r"^\s*删除\s*$")).click()
    dialog = page.locator("#modal-confirm").first
    expect(dialog).to_be_visible()
    with page.expect_navigation():
        dialog.locator("#modal-confirm-ok").click()
    expect(page.locator("table tbody tr", has_text="张一")).to_have_count(0)

    # restore from 回收站, the cadres' tab
    page.goto("/villageaid/bin/")
    with page.expect_navigation():
        page.locator(".va-bin-kinds a", has_text=re.compile(r"^\s*人员\s*$")).click()
    row = page.locator("table tbody tr", has_text="张一")
    expect(row).to_have_count(1)
    with page.expect_navigation():
        row.locator("button", has_text="恢复").click()
    expect(page.locator(".alert-success")).to_be_visible()
    print("flash after the restore:", flashes(page))

    # the cadre's 历史 tab tells all three, newest first
    page.goto("/cadreview/show/%d" % pk)
    page.locator("a[href='#History']").click()
    tab = page.locator("#History")
    expect(tab).to_be_visible()
    page.evaluate("document.fonts.ready.then(() => true)")
    tab.screenshot(path=str(screens / "history_tab.png"))
    entries = history_entries(page)
    print("\n历史 tab of 张一:")
    for heading, fields in entries:
        print("  " + heading)
        for field in fields:
            print("    " + " | ".join(field))
    headings = [h for h, _f in entries]
    assert len(entries) == 3, headings
    restore, delete, update = entries
    assert "恢复" in restore[0] and "删除" in delete[0] and "修改" in update[0], headings
    for heading, _fields in entries:
        assert " · office · " in heading and heading.endswith("网页表单")
    changed = {label: (before, after) for label, before, after in update[1]}
    assert changed["电话"] == ("13812345678", "13987654321")
    assert changed["职务"] == ("村党组织书记", "村委会主任")
    deleted = {label: (before, after) for label, before, after in delete[1]}
    assert deleted["姓名"] == ("张一", "") and deleted["职务"] == ("村委会主任", "")
    restored = {label: (before, after) for label, before, after in restore[1]}
    assert restored["姓名"] == ("", "张一") and restored["电话"] == ("", "13987654321")
    text = tab.inner_text()
    assert "None" not in text and "village_post" not in text and "director" not in text
    with database() as s:
        cadre = s.get(Cadre, pk)
        assert (cadre.phone, cadre.post, cadre.deleted_on) == ("13987654321", "director", None)
