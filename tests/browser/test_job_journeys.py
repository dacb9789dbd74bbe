"""A large .xlsx export as a background job in the browser: the job's page
follows the progress through its script (no inline script: the guard
fails a CSP violation), then offers the file, which opens in openpyxl."""
import io
import re
import time

import pytest

from openpyxl import load_workbook
from playwright.sync_api import expect

from ..test_jobs import running_consumer
from villageaid import spreadsheet

from .ui import download


@pytest.fixture(scope="module")
def consumer(app):
    with running_consumer(app) as folder:
        yield folder


def test_the_office_exports_a_large_list_through_a_job(consumer, signed_in, monkeypatch):
    write = spreadsheet.write_workbook

    def slowly(*args, **kwargs):  # the page is there before the job is done: its script follows it
        time.sleep(2)
        return write(*args, **kwargs)

    monkeypatch.setattr(spreadsheet, "write_workbook", slowly)
    page = signed_in("office")
    page.goto("/cadreview/list/")
    page.locator("form.va-toolbar").get_by_role("button", name=re.compile("导出 Excel")).click()
    page.wait_for_url(re.compile(r"/villageaid/jobs/\d+/$"))
    expect(page.locator("#va-job-status")).to_have_text(re.compile("排队中|进行中"))
    link = page.locator("#va-job-download")
    expect(link).to_be_visible(timeout=60000)  # the script reloads the page when the job is done
    expect(page.locator("#va-job-status")).to_have_text("已完成")
    expect(page.locator("#va-job-count")).to_have_text("5 / 5")
    name, raw = download(page, link.click)
    assert name.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(raw)).worksheets[0]
    assert sorted(r[0] for r in sheet.iter_rows(min_row=2, values_only=True)) == ["张一", "李二", "王三", "赵四", "钱五"]
    page.goto("/villageaid/jobs/")
    expect(page.locator("table.va-jobs tbody tr")).to_have_count(1)
