"""Jobs whose consumer stopped: a job left 'running' without a heartbeat (or
'queued' and gone from the queue) longer than VILLAGEAID_JOB_STALE_MINUTES
is marked failed — by `flask villageaid cleanup` and by a consumer when it
starts — while a job still beating or still waiting in the queue is left
alone; its owner (only) sees why, in the owner's language; an import whose
consumer was killed in the middle of its commit changed nothing and is
started again. Real Huey consumers: in a thread, and in a process of its
own that is killed."""
import datetime
import json
import os
import signal
import subprocess
import sys
import textwrap
import time

from sqlalchemy import select, update

from villageaid import imports, jobs
from villageaid.models import Cadre, ChangeRecord, ImportBatch, Job, utcnow

from .helpers import count, database
from .test_import import HEADERS_ZH, IMPORT, digest_of, upload, xlsx
from .test_jobs import ROWS, SETTINGS, consuming, job_id, rows, temporary_queue, wait

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REASON_ZH = "任务中断：处理进程在任务完成前已停止，未作任何更改。请重新开始。"
REASON_EN = "Interrupted: the worker stopped before the job finished; nothing was changed. Start it again."
LONG_AGO = datetime.timedelta(hours=2)


def add_job(username, status, age, locale="zh", beat_age=None, queue=None):
    """A job row of `username` in `status`, created and started `age` ago;
    its heartbeat noted `beat_age` ago (when given) in `queue`."""
    with database() as s:
        from flask import current_app

        user = current_app.appbuilder.sm.find_user(username=username)
        when = utcnow() - age
        job = Job(kind="export", list_name="CadreView", title="%s-%s.xlsx" % (status, locale), user_id=user.id,
                  parameters=json.dumps({"locale": locale, "path": "/cadreview/export/", "query": "format=xlsx"}),
                  status=status, total=10, done=3, created_on=when,
                  started_on=when if status == jobs.RUNNING else None)
        s.add(job)
        s.commit()
        pk = job.id
    if beat_age is not None:
        jobs.beat(queue, pk, time.time() - beat_age.total_seconds())
    return pk


def status_of(pk):
    with database() as s:
        job = s.get(Job, pk)
        return job.status, job.message


def interrupted_records(pk):
    with database() as s:
        return [(r.action, r.path, r.model, json.loads(r.changes)[0])
                for r in s.scalars(select(ChangeRecord).where(ChangeRecord.model == "Job",
                                                              ChangeRecord.record_id == pk))]


def test_cleanup_marks_only_the_jobs_whose_worker_stopped(app):
    with temporary_queue(app) as (folder, queue):
        stale = add_job("office", jobs.RUNNING, LONG_AGO, beat_age=LONG_AGO, queue=queue)
        stale_en = add_job("office", jobs.RUNNING, LONG_AGO, locale="en", beat_age=LONG_AGO, queue=queue)
        # a long job of a live consumer: started long ago, its heartbeat fresh
        beating = add_job("office", jobs.RUNNING, LONG_AGO, beat_age=datetime.timedelta(seconds=5), queue=queue)
        fresh = add_job("office", jobs.RUNNING, datetime.timedelta(seconds=10))  # just started, not yet beaten
        waiting = add_job("office", jobs.QUEUED, LONG_AGO)
        queue.villageaid_run_job(waiting)  # still in the queue (no consumer yet)
        lost = add_job("office", jobs.QUEUED, LONG_AGO)  # taken from the queue by a consumer that died
        partial = os.path.join(folder, "files", "export-%d.xlsx" % stale)
        os.makedirs(os.path.dirname(partial), exist_ok=True)
        with open(partial, "wb") as handle:
            handle.write(b"half")
        result = app.test_cli_runner().invoke(args=["villageaid", "cleanup"])
        assert result.exit_code == 0 and "interrupted: 3 job(s)" in result.output, result.output
        assert status_of(stale) == (jobs.FAILED, REASON_ZH)
        assert status_of(stale_en) == (jobs.FAILED, REASON_EN)  # in its owner's language
        assert status_of(lost) == (jobs.FAILED, REASON_ZH)
        for pk in (beating, fresh):
            assert status_of(pk) == (jobs.RUNNING, None)
        assert status_of(waiting) == (jobs.QUEUED, None)
        assert not os.path.exists(partial)
        assert queue.get("beat-%d" % stale, peek=True) is None
        assert interrupted_records(stale) == [("interrupt", "cli", "Job", ["status", "running", "failed"])]
        assert interrupted_records(lost)[0][3] == ["status", "queued", "failed"]
        assert interrupted_records(beating) == []
        # a second run finds nothing more
        result = app.test_cli_runner().invoke(args=["villageaid", "cleanup"])
        assert "interrupted: 0 job(s)" in result.output, result.output
        # the setting decides what is stale
        saved = app.config.get("VILLAGEAID_JOB_STALE_MINUTES", 30)
        app.config["VILLAGEAID_JOB_STALE_MINUTES"] = 1
        try:
            jobs.beat(queue, beating, time.time() - 120)
            result = app.test_cli_runner().invoke(args=["villageaid", "cleanup"])
        finally:
            app.config["VILLAGEAID_JOB_STALE_MINUTES"] = saved
        assert "interrupted: 1 job(s)" in result.output and status_of(beating)[0] == jobs.FAILED
        assert status_of(fresh) == (jobs.RUNNING, None)


def test_the_owner_sees_why_and_no_one_else(app, browser):
    with temporary_queue(app) as (_folder, queue):
        zh = add_job("clerk_unit", jobs.RUNNING, LONG_AGO, beat_age=LONG_AGO, queue=queue)
        en = add_job("clerk_unit", jobs.RUNNING, LONG_AGO, locale="en", beat_age=LONG_AGO, queue=queue)
        owner = browser("clerk_unit")
        assert 'id="va-job-status" class="va-job-status-running"' in owner.get("/villageaid/jobs/%d/" % zh) \
            .get_data(as_text=True)
        assert app.test_cli_runner().invoke(args=["villageaid", "cleanup"]).exit_code == 0
        data = owner.get("/villageaid/jobs/%d/progress" % zh).get_json()
        assert data["status"] == "failed" and data["finished"] is True  # the page's polling stops
        page = owner.get("/villageaid/jobs/%d/" % zh).get_data(as_text=True)
        assert REASON_ZH in page and "job.js" not in page
        mine = owner.get("/villageaid/jobs/").get_data(as_text=True)
        assert REASON_ZH in mine and REASON_EN in mine and "失败" in mine
        owner_en = browser("clerk_unit", lang="en")
        page = owner_en.get("/villageaid/jobs/%d/" % en).get_data(as_text=True)
        assert REASON_EN in page and "Failed" in page
        assert REASON_EN in owner_en.get("/villageaid/jobs/").get_data(as_text=True)
        for other in ("clerk_town", "office"):
            o = browser(other)
            for url in ("/villageaid/jobs/%d/", "/villageaid/jobs/%d/progress"):
                assert o.get(url % zh).status_code == 404, (other, url)
            assert REASON_ZH not in o.get("/villageaid/jobs/").get_data(as_text=True)


KILLED_CONSUMER = textwrap.dedent("""
    import json, os, signal, sys, time
    from app import create_app
    from tests.conftest import TEST_SETTINGS
    from villageaid import imports, jobs

    config = json.loads(sys.argv[1])
    app = create_app(dict(TEST_SETTINGS, **config))

    def killed(self, model):  # every row written, the transaction not yet committed
        os.kill(os.getpid(), signal.SIGKILL)

    imports.Result.undo_data = killed
    jobs.ThreadConsumer(jobs.configure(app, config["QUEUE"]), workers=1, periodic=False).start()
    time.sleep(120)
    sys.exit(3)
""")


def test_a_commit_whose_consumer_was_killed_changed_nothing_and_starts_again(app, browser):
    b = browser("office")
    before = count(Cadre), count(ChangeRecord), count(ImportBatch)
    with temporary_queue(app) as (folder, queue):
        with consuming(queue):
            pk = job_id(upload(b, IMPORT, "killed.xlsx", xlsx(HEADERS_ZH, rows(ROWS, "断"))))
            assert wait(b, pk)[0]["status"] == "done"
        html = b.get("/villageaid/jobs/%d/" % pk).get_data(as_text=True)
        commit = {"csrf_token": b.csrf(IMPORT), "sha256": digest_of(html)}
        commit_pk = job_id(b.client.post(IMPORT.replace("/import/", "/import/commit"), data=commit))
        # a consumer in a process of its own takes the commit and is killed inside its transaction
        config = dict(SETTINGS, SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                      VILLAGEAID_JOBS_FOLDER=app.config["VILLAGEAID_JOBS_FOLDER"],
                      VILLAGEAID_IMPORT_FOLDER=app.config["VILLAGEAID_IMPORT_FOLDER"],
                      QUEUE="sqlite:///" + os.path.join(folder, "queue.db"))
        process = subprocess.run([sys.executable, "-c", KILLED_CONSUMER, json.dumps(config)], cwd=ROOT,
                                 capture_output=True, text=True, timeout=180)
        assert process.returncode == -signal.SIGKILL, process.stderr[-3000:]
        assert status_of(commit_pk) == (jobs.RUNNING, None)  # left running by the dead consumer
        assert jobs.last_beat(queue, commit_pk) is not None  # it was beating
        assert (count(Cadre), count(ChangeRecord), count(ImportBatch)) == before  # nothing of it stays
        # a consumer starting within the limit leaves it (it might be another consumer's)
        with consuming(queue):
            time.sleep(0.5)
        assert status_of(commit_pk)[0] == jobs.RUNNING
        # its heartbeat back-dated past the limit: the next consumer's start marks it failed
        jobs.beat(queue, commit_pk, time.time() - LONG_AGO.total_seconds())
        with database() as s:
            s.get(Job, commit_pk).started_on = utcnow() - LONG_AGO
            s.get(Job, commit_pk).created_on = utcnow() - LONG_AGO
            s.commit()
        with consuming(queue):
            deadline = time.monotonic() + 30
            while status_of(commit_pk)[0] == jobs.RUNNING and time.monotonic() < deadline:
                time.sleep(0.1)
            assert status_of(commit_pk) == (jobs.FAILED, REASON_ZH)
            assert interrupted_records(commit_pk) == [("interrupt", "system", "Job",
                                                       ["status", "running", "failed"])]
            data, _seen = wait(b, commit_pk)
            assert data["status"] == "failed"
            assert REASON_ZH in b.get("/villageaid/jobs/%d/" % commit_pk).get_data(as_text=True)
            assert (count(Cadre), count(ImportBatch)) == (before[0], before[2])
            # the file is still kept for the preview's commit button: the person commits again
            page = b.get("/villageaid/jobs/%d/" % pk).get_data(as_text=True)
            assert 'name="sha256"' in page
            again = job_id(b.client.post(IMPORT.replace("/import/", "/import/commit"), data=commit))
            data, _seen = wait(b, again)
            assert data["status"] == "done", b.get("/villageaid/jobs/%d/" % again).get_data(as_text=True)[:3000]
        assert count(Cadre) == before[0] + ROWS
        with database() as s:
            batch = s.scalars(select(ImportBatch)).one()
            assert (batch.file_name, batch.created_count) == ("killed.xlsx", ROWS)


def test_a_long_single_step_still_beats(app):
    """The heartbeat is a thread of its own: it is noted every interval
    while the job's work is busy in one step, and no more once it ends."""
    with temporary_queue(app) as (_folder, queue):
        with app.app_context():
            assert jobs.beat_seconds() == 60.0  # 30 minutes: a tenth, at most a minute
            app.config["VILLAGEAID_JOB_STALE_MINUTES"] = 0  # never below a minute: no live job is marked
            try:
                assert jobs.stale_limit() == datetime.timedelta(minutes=1) and jobs.beat_seconds() == 6.0
            finally:
                app.config.pop("VILLAGEAID_JOB_STALE_MINUTES")
        with jobs.Heartbeat(queue, 12345, 0.05):
            first = queue.get("beat-12345", peek=True)
            time.sleep(0.5)  # one long step: no progress reported
            later = queue.get("beat-12345", peek=True)
        assert first is not None and later > first
        time.sleep(0.2)
        assert queue.get("beat-12345", peek=True) == later  # stopped with the job


REASON_HUNG_ZH = "任务已停止：运行超过 12 小时，未作任何更改。请重新开始。"


def test_a_job_that_hangs_is_stopped_and_its_work_never_lands(app, browser, monkeypatch):
    """A worker thread that hangs keeps beating: a job running longer than
    VILLAGEAID_JOB_MAX_HOURS is marked failed all the same, and when its
    work reaches its commit after that, the commit is refused and rolled
    back (jobs.finish): its rows never land, and the job stays failed."""
    b = browser("office")
    before = count(Cadre), count(ImportBatch)
    with temporary_queue(app) as (_folder, queue):
        # a job still beating but started 13 hours ago
        hung = add_job("office", jobs.RUNNING, datetime.timedelta(hours=13),
                       beat_age=datetime.timedelta(seconds=5), queue=queue)
        beating = add_job("office", jobs.RUNNING, LONG_AGO, beat_age=datetime.timedelta(seconds=5), queue=queue)
        result = app.test_cli_runner().invoke(args=["villageaid", "cleanup"])
        assert "interrupted: 1 job(s)" in result.output, result.output
        assert status_of(hung) == (jobs.FAILED, REASON_HUNG_ZH)
        assert status_of(beating) == (jobs.RUNNING, None)
        with consuming(queue):
            pk = job_id(upload(b, IMPORT, "hung.xlsx", xlsx(HEADERS_ZH, rows(ROWS, "挂"))))
            assert wait(b, pk)[0]["status"] == "done"
        html = b.get("/villageaid/jobs/%d/" % pk).get_data(as_text=True)
        commit = {"csrf_token": b.csrf(IMPORT), "sha256": digest_of(html)}
        real = imports.run

        def marked_while_hanging(view, viewer, headers, rows_read, **kw):
            # what the clean-up does while the worker hangs, before its work goes on to its commit
            with app.app_context():
                engine = app.extensions["sqlalchemy"].engine
            with engine.begin() as conn:
                conn.execute(update(Job).where(Job.status == jobs.RUNNING, Job.kind == "import_commit")
                             .values(status=jobs.FAILED, message=REASON_HUNG_ZH))
            return real(view, viewer, headers, rows_read, **kw)

        monkeypatch.setattr(imports, "run", marked_while_hanging)
        with consuming(queue):
            commit_pk = job_id(b.client.post(IMPORT.replace("/import/", "/import/commit"), data=commit))
            deadline = time.monotonic() + 60
            while status_of(commit_pk)[0] in (jobs.QUEUED, jobs.RUNNING) and time.monotonic() < deadline:
                time.sleep(0.1)
        assert status_of(commit_pk) == (jobs.FAILED, REASON_HUNG_ZH)  # not overwritten by the work's outcome
        assert (count(Cadre), count(ImportBatch)) == before  # nothing of it landed


def test_a_job_never_seen_beating_in_this_queue_is_left_to_its_running_time(app):
    """The clean-up run against another queue than the consumer's (another
    VILLAGEAID_JOBS_URL), or a store that lost its keys, sees no heartbeat
    at all: a running job is then not taken for dead before
    VILLAGEAID_JOB_MAX_HOURS."""
    with temporary_queue(app) as (_folder, queue):
        unseen = add_job("office", jobs.RUNNING, LONG_AGO)  # no heartbeat in this queue
        result = app.test_cli_runner().invoke(args=["villageaid", "cleanup"])
        assert "interrupted: 0 job(s)" in result.output, result.output
        assert status_of(unseen) == (jobs.RUNNING, None)
        old = add_job("office", jobs.RUNNING, datetime.timedelta(hours=13))
        result = app.test_cli_runner().invoke(args=["villageaid", "cleanup"])
        assert "interrupted: 1 job(s)" in result.output, result.output
        assert status_of(old) == (jobs.FAILED, REASON_HUNG_ZH)
        assert status_of(unseen) == (jobs.RUNNING, None)
