"""The office edits a cadre, deletes it to the recycle bin, restores it
from 回收站, and reads the cadre's 历史 tab: the update, the delete and the
restore, with the values before and after as a person reads them (labels,
not codes), in Chinese and in English. A screenshot of the tab goes to
screens/<lang>/history_tab.png."""
import re

import pytest
from playwright.sync_api import expect

from villageaid.models import Cadre

from ..helpers import database, ids
from .ui import flashes, pick, save

TEXT = {
    "zh": {"edit": "编辑", "delete": "删除", "bin_kind": "人员", "restore": "恢复",
           "restored": "恢复", "deleted": "删除", "changed": "修改", "source": "网页表单",
           "phone": "电话", "post": "职务", "name": "姓名", "posts": ("村党组织书记", "村委会主任")},
    "en": {"edit": "Edit", "delete": "Delete", "bin_kind": "Cadre", "restore": "Restore",
           "restored": "Restored", "deleted": "Deleted", "changed": "Changed", "source": "Web form",
           "phone": "Phone", "post": "Post", "name": "Full name",
           "posts": ("Party branch secretary", "Village committee director")},
}


def exactly(text):
    return re.compile(r"^\s*%s\s*$" % re.escape(text))


def history_entries(page):
    """The 历史 tab's entries, newest first: (heading, [(field, before, after)])."""
    entries = []
    for entry in page.locator("#History .va-history-entry").all():
        heading = " ".join(entry.locator("p").first.inner_text().split())
        fields = [tuple(c.strip() for c in row.locator("td").all_inner_texts())
                  for row in entry.locator("tbody tr").all()]
        entries.append((heading, fields))
    return entries


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_office_edits_deletes_restores_and_reads_the_history(signed_in, screens, lang):
    t = TEXT[lang]
    old_post, new_post = t["posts"]
    page = signed_in("office", lang)
    pk, = ids(Cadre, "张一")

    # edit from the list: a new phone and a new post
    page.goto("/cadreview/list/")
    with page.expect_navigation():
        page.locator("table tbody tr", has_text="张一").locator("a.btn", has_text=exactly(t["edit"])).click()
    page.fill("#phone", "13987654321")
    pick(page, "post", new_post)
    save(page)
    expect(page.locator(".alert-success")).to_be_visible()
    print("\nflash after the edit:", flashes(page))

    # delete from the list: to the recycle bin
    page.goto("/cadreview/list/")
    page.locator("table tbody tr", has_text="张一").locator("a.btn", has_text=exactly(t["delete"])).click()
    dialog = page.locator("#modal-confirm").first
    expect(dialog).to_be_visible()
    with page.expect_navigation():
        dialog.locator("#modal-confirm-ok").click()
    expect(page.locator("table tbody tr", has_text="张一")).to_have_count(0)

    # restore from 回收站, the cadres' tab
    page.goto("/villageaid/bin/")
    with page.expect_navigation():
        page.locator(".va-bin-kinds a", has_text=exactly(t["bin_kind"])).click()
    row = page.locator("table tbody tr", has_text="张一")
    expect(row).to_have_count(1)
    with page.expect_navigation():
        row.locator("button", has_text=t["restore"]).click()
    expect(page.locator(".alert-success")).to_be_visible()
    print("flash after the restore:", flashes(page))

    # the cadre's 历史 tab tells all three, newest first
    page.goto("/cadreview/show/%d" % pk)
    page.locator("a[href='#History']").click()
    tab = page.locator("#History")
    expect(tab).to_be_visible()
    page.evaluate("document.fonts.ready.then(() => true)")
    folder = screens / lang
    folder.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(folder / "history_tab.png"))
    entries = history_entries(page)
    print("\n历史 tab of 张一:")
    for heading, fields in entries:
        print("  " + heading)
        for field in fields:
            print("    " + " | ".join(field))
    headings = [h for h, _f in entries]
    assert len(entries) == 3, headings
    restore, delete, update = entries
    assert t["restored"] in restore[0] and t["deleted"] in delete[0] and t["changed"] in update[0], headings
    for heading, _fields in entries:
        assert " · office · " in heading and heading.endswith(t["source"])
    changed = {label: (before, after) for label, before, after in update[1]}
    assert changed[t["phone"]] == ("13812345678", "13987654321")
    assert changed[t["post"]] == (old_post, new_post)
    deleted = {label: (before, after) for label, before, after in delete[1]}
    assert deleted[t["name"]] == ("张一", "") and deleted[t["post"]] == (new_post, "")
    restored = {label: (before, after) for label, before, after in restore[1]}
    assert restored[t["name"]] == ("", "张一") and restored[t["phone"]] == ("", "13987654321")
    text = tab.inner_text()
    cells = {value for _heading, fields in entries for field in fields for value in field}
    assert "None" not in text and not cells & {"village_post", "director"}, cells  # labels, not codes
    with database() as s:
        cadre = s.get(Cadre, pk)
        assert (cadre.phone, cadre.post, cadre.deleted_on) == ("13987654321", "director", None)
