"""Background jobs with a real consumer (Huey's, in threads, on a SqliteHuey
in a temporary file — not immediate mode): a large import previewed and
committed through jobs with progress reaching the total, a large .xlsx
export written by a job and downloaded, the job's pages only for its
owner, a failure inside a job that changes nothing, the cleanup."""
import io
import json
import os
import re
import tempfile
import time
from contextlib import contextmanager

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from villageaid import imports, jobs
from villageaid.models import Cadre, ChangeRecord, ExportReceipt, ImportBatch, Job

from .helpers import count, database
from .test_import import HEADERS_ZH, IMPORT, cadre_row, digest_of, upload, xlsx

ROWS = 30
SETTINGS = {"VILLAGEAID_IMPORT_BACKGROUND_ROWS": 20, "VILLAGEAID_EXPORT_BACKGROUND_ROWS": 3}


@contextmanager
def temporary_queue(app):
    """The app's jobs on a SqliteHuey in a temporary file (not consumed yet);
    the background thresholds low. Yields the temporary folder (queue, job
    files, previews) and the queue."""
    folder = tempfile.mkdtemp(prefix="va-jobs-")
    saved = {k: app.config.get(k) for k in list(SETTINGS) + ["VILLAGEAID_JOBS_FOLDER", "VILLAGEAID_IMPORT_FOLDER"]}
    app.config.update(SETTINGS, VILLAGEAID_JOBS_FOLDER=os.path.join(folder, "files"),
                      VILLAGEAID_IMPORT_FOLDER=os.path.join(folder, "previews"))
    queue = jobs.configure(app, "sqlite:///" + os.path.join(folder, "queue.db"))
    assert not queue.immediate
    try:
        yield folder, queue
    finally:
        app.config.update(saved)
        app.extensions[jobs.KEY].pop("huey", None)


@contextmanager
def consuming(queue):
    """A real Huey consumer of `queue` in a thread, for the duration."""
    running = jobs.ThreadConsumer(queue, workers=1, periodic=False).start()
    try:
        yield running
    finally:
        running.stop()


@contextmanager
def running_consumer(app):
    """The app's jobs on a temporary queue, consumed by a real Huey consumer
    in a thread. Yields the temporary folder."""
    with temporary_queue(app) as (folder, queue), consuming(queue):
        yield folder


@pytest.fixture(scope="module")
def consumer(app):
    with running_consumer(app) as folder:
        yield folder


def job_id(resp):
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    match = re.search(r"/villageaid/jobs/(\d+)/$", resp.headers["Location"])
    assert match, resp.headers["Location"]
    return int(match.group(1))


def wait(b, pk, timeout=120):
    """Poll the job's JSON as its page's script does, until it has finished;
    the progress seen on the way."""
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        resp = b.get("/villageaid/jobs/%d/progress" % pk)
        assert resp.status_code == 200
        data = resp.get_json()
        seen.append((data["done"], data["total"]))
        if data["finished"]:
            return data, seen
        time.sleep(0.1)
    raise AssertionError("job %d did not finish: %s" % (pk, seen[-3:]))


def rows(n, prefix="后台"):
    return [cadre_row("%s%d" % (prefix, i), 100 + i) for i in range(n)]


def test_a_large_import_is_previewed_and_committed_by_jobs(consumer, browser):
    b = browser("office")
    before = count(Cadre)
    pk = job_id(upload(b, IMPORT, "large.xlsx", xlsx(HEADERS_ZH, rows(ROWS))))
    page = b.get("/villageaid/jobs/%d/" % pk).get_data(as_text=True)
    assert "job.js" in page or "va-new" in page  # still running, or done already
    data, _seen = wait(b, pk)
    assert data["status"] == "done" and (data["done"], data["total"]) == (ROWS, ROWS)
    assert count(Cadre) == before  # a preview keeps nothing
    html = b.get("/villageaid/jobs/%d/" % pk).get_data(as_text=True)
    assert 'class="va-new">%d<' % ROWS in html and "large.xlsx" in html
    commit_pk = job_id(b.client.post(IMPORT.replace("/import/", "/import/commit"),
                                     data={"csrf_token": b.csrf(IMPORT), "sha256": digest_of(html)}))
    data, seen = wait(b, commit_pk)
    assert data["status"] == "done", b.get("/villageaid/jobs/%d/" % commit_pk).get_data(as_text=True)[:3000]
    assert (data["done"], data["total"]) == (ROWS, ROWS)
    assert all(done <= total for done, total in seen)
    assert count(Cadre) == before + ROWS
    with database() as s:
        batch = s.scalars(select(ImportBatch)).one()
        assert (batch.file_name, batch.created_count, batch.user.username) == ("large.xlsx", ROWS, "office")
        changes = s.scalars(select(ChangeRecord).where(ChangeRecord.import_batch_id == batch.id)).all()
        assert len(changes) == ROWS and {c.path for c in changes} == {"import"}
        job = s.get(Job, commit_pk)
        assert (job.kind, job.status, json.loads(job.result)["new"]) == ("import_commit", "done", ROWS)
    page = b.get("/villageaid/jobs/%d/" % commit_pk).get_data(as_text=True)
    assert "已导入：新增 %d 条" % ROWS in page, page[:3000]
    mine = b.get("/villageaid/jobs/").get_data(as_text=True)
    assert mine.count("large.xlsx") == 2 and "导入预览" in mine


def test_a_large_preview_with_errors_offers_its_error_file(consumer, browser):
    b = browser("office")
    bad = rows(ROWS, "错")
    bad[3][8] = "三月"  # not a date
    pk = job_id(upload(b, IMPORT, "bad.xlsx", xlsx(HEADERS_ZH, bad)))
    data, _seen = wait(b, pk)
    assert data["status"] == "done"
    html = b.get("/villageaid/jobs/%d/" % pk).get_data(as_text=True)
    assert 'class="va-error">1<' in html and 'class="va-new">%d<' % (ROWS - 1) in html
    assert "三月" in html and 'name="sha256"' not in html  # no commit of a file with errors
    assert "/villageaid/jobs/%d/file" % pk in html
    resp = b.get("/villageaid/jobs/%d/file" % pk)
    assert resp.status_code == 200 and "bad" in resp.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(resp.get_data())).worksheets[0]
    found = list(sheet.iter_rows(values_only=True))
    assert found[0][-1] == "错误" and len(found) == 2 and found[1][0] == "错3"
    assert browser("clerk_unit").get("/villageaid/jobs/%d/file" % pk).status_code == 404


def test_a_small_import_stays_in_the_request(consumer, browser):
    b = browser("office")
    resp = upload(b, IMPORT, "small.xlsx", xlsx(HEADERS_ZH, rows(3, "小")))
    assert resp.status_code == 200 and 'class="va-new">3<' in resp.get_data(as_text=True)
    assert count(Job) == 0


def test_a_large_export_is_written_by_a_job_for_its_owner_only(consumer, browser):
    b = browser("clerk_unit")
    pk = job_id(b.get("/cadreview/export/?format=xlsx"))
    data, _seen = wait(b, pk)
    assert data["status"] == "done" and data["done"] == data["total"] == 4  # clerk_unit's four cadres
    page = b.get("/villageaid/jobs/%d/" % pk).get_data(as_text=True)
    assert "/villageaid/jobs/%d/file" % pk in page
    resp = b.get("/villageaid/jobs/%d/file" % pk)
    assert resp.status_code == 200 and ".xlsx" in resp.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(resp.get_data())).worksheets[0]
    names = sorted(r[0] for r in sheet.iter_rows(min_row=2, values_only=True))
    assert names == ["张一", "王三", "赵四", "钱五"]  # its scope, not 李二
    assert sheet.cell(1, 1).value == "姓名"
    with database() as s:
        receipt = s.scalars(select(ExportReceipt).order_by(ExportReceipt.id.desc())).first()
        assert (receipt.status, receipt.row_count, receipt.encoding) == ("complete", 4, "xlsx")
        assert receipt.endpoint == "/cadreview/export/" and receipt.user.username == "clerk_unit"
    # another user — a clerk, the office — gets nothing of it
    for other in ("clerk_town", "office"):
        o = browser(other)
        for url in ("/villageaid/jobs/%d/", "/villageaid/jobs/%d/progress", "/villageaid/jobs/%d/file"):
            assert o.get(url % pk).status_code == 404, (other, url)
        assert "/villageaid/jobs/%d/" % pk not in o.get("/villageaid/jobs/").get_data(as_text=True)
    assert browser().get("/villageaid/jobs/%d/file" % pk).status_code == 302  # to the login page


def test_a_failure_inside_a_job_changes_nothing_and_says_why(consumer, browser, monkeypatch):
    b = browser("office")
    before = count(Cadre), count(ChangeRecord)
    pk = job_id(upload(b, IMPORT, "boom.xlsx", xlsx(HEADERS_ZH, rows(ROWS, "炸"))))
    wait(b, pk)
    html = b.get("/villageaid/jobs/%d/" % pk).get_data(as_text=True)

    def boom(self, model):
        raise RuntimeError("disk full")

    monkeypatch.setattr(imports.Result, "undo_data", boom)  # after every row is written, before the commit
    commit_pk = job_id(b.client.post(IMPORT.replace("/import/", "/import/commit"),
                                     data={"csrf_token": b.csrf(IMPORT), "sha256": digest_of(html)}))
    data, _seen = wait(b, commit_pk)
    assert data["status"] == "failed" and data["status_text"] == "失败"
    assert (count(Cadre), count(ChangeRecord)) == before
    assert count(ImportBatch) == 0
    page = b.get("/villageaid/jobs/%d/" % commit_pk).get_data(as_text=True)
    assert "任务失败，未作任何更改。" in page
    with database() as s:
        assert s.get(Job, commit_pk).message == "任务失败，未作任何更改。"


def test_cleanup_removes_old_previews_and_job_files(consumer, app, browser):
    b = browser("office")
    pk = job_id(b.get("/cadreview/export/?format=xlsx"))
    wait(b, pk)
    path = os.path.join(consumer, "files", "export-%d.xlsx" % pk)
    assert os.path.isfile(path)
    preview = os.path.join(consumer, "previews", "x-1-%s.data" % ("0" * 64))
    os.makedirs(os.path.dirname(preview), exist_ok=True)
    with open(preview, "wb") as handle:
        handle.write(b"old")
    # files of someone else in the same folder, as old: not an upload's, kept
    foreign = [os.path.join(consumer, "previews", name) for name in ("notes.json", "backup.data", "x-1-short.data")]
    old = time.time() - 25 * 3600
    for name in [preview] + foreign:
        if name != preview:
            with open(name, "wb") as handle:
                handle.write(b"not ours")
        os.utime(name, (old, old))
    result = app.test_cli_runner().invoke(args=["villageaid", "cleanup"])
    assert result.exit_code == 0 and "1 preview(s), 0 job file(s); interrupted: 0 job(s)" in result.output, \
        result.output
    assert not os.path.exists(preview) and os.path.isfile(path)  # the export is younger than its retention
    assert all(os.path.isfile(name) for name in foreign)
    saved = app.config["VILLAGEAID_JOBS_RETENTION_HOURS"]
    app.config["VILLAGEAID_JOBS_RETENTION_HOURS"] = 0
    try:
        result = app.test_cli_runner().invoke(args=["villageaid", "cleanup"])
    finally:
        app.config["VILLAGEAID_JOBS_RETENTION_HOURS"] = saved
    assert "0 preview(s), 1 job file(s)" in result.output, result.output
    assert not os.path.exists(path)
    assert b.get("/villageaid/jobs/%d/file" % pk).status_code == 404
    assert "已过保留期" in b.get("/villageaid/jobs/%d/" % pk).get_data(as_text=True)
