"""A large .xlsx export as a background job in the browser, in Chinese and in
English: the job's page follows the progress through its script (no inline
script: the guard fails a CSP violation), then offers the file, which opens
in openpyxl with the list's columns in the person's language."""
import io
import re
import time

import pytest

from openpyxl import load_workbook
from playwright.sync_api import expect

from ..test_jobs import running_consumer
from villageaid import spreadsheet

from .ui import download

TEXT = {
    "zh": {"export": "导出 Excel", "waiting": "排队中|进行中", "done": "已完成", "header": ["姓名", "性别", "类别"]},
    "en": {"export": "Export Excel", "waiting": "Queued|Running", "done": "Done", "header": ["Full name", "Gender", "Kind"]},
}


@pytest.fixture(scope="module")
def consumer(app):
    with running_consumer(app) as folder:
        yield folder


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_office_exports_a_large_list_through_a_job(consumer, signed_in, monkeypatch, lang):
    t = TEXT[lang]
    write = spreadsheet.write_workbook

    def slowly(*args, **kwargs):  # the page is there before the job is done: its script follows it
        time.sleep(2)
        return write(*args, **kwargs)

    monkeypatch.setattr(spreadsheet, "write_workbook", slowly)
    page = signed_in("office", lang)
    page.goto("/cadreview/list/")
    page.locator("form.va-toolbar").get_by_role("button", name=re.compile(t["export"])).click()
    page.wait_for_url(re.compile(r"/villageaid/jobs/\d+/$"))
    expect(page.locator("#va-job-status")).to_have_text(re.compile(t["waiting"]))
    link = page.locator("#va-job-download")
    expect(link).to_be_visible(timeout=60000)  # the script reloads the page when the job is done
    expect(page.locator("#va-job-status")).to_have_text(t["done"])
    expect(page.locator("#va-job-count")).to_have_text("5 / 5")
    name, raw = download(page, link.click)
    assert name.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(raw)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0][:3]) == t["header"]
    assert sorted(r[0] for r in rows[1:]) == ["张一", "李二", "王三", "赵四", "钱五"]
    page.goto("/villageaid/jobs/")
    expect(page.locator("table.va-jobs tbody tr")).to_have_count(1)
    expect(page.locator("table.va-jobs tbody tr")).to_contain_text(t["done"])
