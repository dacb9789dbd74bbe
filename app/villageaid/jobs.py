"""后台任务: large imports and .xlsx exports run outside the web request,
on a Huey queue.

- The queue: `queue(app)`, built from the configuration on first use — a
  SqliteHuey in ``<instance>/jobs.db`` by default (or the file named by
  ``VILLAGEAID_JOBS_URL=sqlite:///path``), a RedisHuey when
  ``VILLAGEAID_JOBS_URL`` is ``redis://…`` (the `redis` package is needed
  then only). It carries a job's id and nothing else.
- The Job table (models/jobs.py) says who started what, on which list, with
  which parameters, and how far it is: the application checks ownership and
  shows progress from it, not from the queue. Progress while a job's
  transaction is open (which another connection cannot see) goes to the
  queue's key-value store.
- `run(job_id)`: a job runs as the user who started it — inside a request
  context of the path it was started from, signed in as that user, in that
  user's language — so the same scope policy, write path, receipts and
  history apply as in the web request. A failure rolls its transaction back
  and leaves the job 'failed' with a translated message.
- `cleanup()`: removes previews never committed and job files past their
  retention; `flask villageaid cleanup` and a periodic task call it.
- `start_consumer(app)`: a consumer in threads of this process (the quick
  start, the tests); production runs ``huey_consumer`` (see README).
"""
import datetime
import json
import logging
import os
import time
from contextvars import ContextVar

from flask import current_app, g, request
from flask_babel import force_locale, get_locale, gettext as _

from . import settings, writes
from .models import Job, utcnow

log = logging.getLogger(__name__)

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
KEY = "villageaid_jobs"
_HANDLERS = {}  # kind -> function(job, parameters) -> (result dict, file name or None)
_PROGRESS = ContextVar("villageaid_job_progress", default=None)


class JobFailed(Exception):
    """A job that cannot go on; `message` (translated) says why."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def handler(kind):
    """Register the function that does the work of a kind of job."""

    def register(func):
        _HANDLERS[kind] = func
        return func

    return register


# --- the queue ----------------------------------------------------------------------


def queue(app=None):
    """The application's Huey instance, built on first use."""
    app = app or current_app
    state = app.extensions.setdefault(KEY, {})
    if "huey" not in state:
        state["huey"] = build(app)
    return state["huey"]


def configure(app, url):
    """Replace the application's queue by one on `url` (tests)."""
    app.extensions.setdefault(KEY, {})["huey"] = build(app, url)
    return app.extensions[KEY]["huey"]


def build(app, url=None):
    from huey import RedisHuey, SqliteHuey, crontab

    url = url if url is not None else app.config.get("VILLAGEAID_JOBS_URL")
    if url and url.startswith(("redis://", "rediss://", "unix://")):
        huey = RedisHuey("villageaid", url=url, results=False)
    else:
        if url and url.startswith("sqlite:///"):
            path = url[len("sqlite:///"):]
        else:
            path = os.path.join(app.instance_path, "jobs.db")
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        huey = SqliteHuey("villageaid", filename=path, results=False)

    @huey.task(name="villageaid.run_job")
    def run_job(job_id):
        with app.app_context():
            run(job_id)

    @huey.periodic_task(crontab(minute="17"), name="villageaid.cleanup")
    def periodic_cleanup():
        with app.app_context():
            cleanup()

    huey.villageaid_run_job = run_job
    return huey


class ThreadConsumer:
    """A Huey consumer in threads of this process, without the signal
    handlers a consumer of its own process installs."""

    def __init__(self, huey, workers=2, periodic=True):
        from huey.consumer import Consumer

        class Quiet(Consumer):
            def _set_signal_handlers(self):
                pass

        self.consumer = Quiet(huey, workers=workers, periodic=periodic, worker_type="thread",
                              initial_delay=0.05, max_delay=1.0, check_worker_health=False)

    def start(self):
        self.consumer.start()
        return self

    def stop(self):
        self.consumer.stop(graceful=True)


def start_consumer(app, workers=2, periodic=True):
    return ThreadConsumer(queue(app), workers=workers, periodic=periodic).start()


# --- starting and following a job ----------------------------------------------------------


def available():
    """May the signed-in user run background jobs (the jobs screen's permission)?"""
    return bool(current_app.appbuilder.sm.has_access("can_list", "JobsView"))


def folder():
    path = settings.get("VILLAGEAID_JOBS_FOLDER") or os.path.join(current_app.instance_path, "jobs")
    os.makedirs(path, exist_ok=True)
    return path


def file_path(job):
    return os.path.join(folder(), os.path.basename(job.result_file)) if job.result_file else None


def start(kind, list_name, title, user_id, parameters, sha256=None, total=0):
    """Record a job and put it on the queue; returns the job (failed when
    the queue cannot be reached)."""
    session = current_app.appbuilder.session
    parameters = dict(parameters, locale=str(get_locale() or "zh"), path=request.path,
                      query=request.query_string.decode("utf-8", "replace"))
    job = Job(kind=kind, list_name=list_name, title=str(title)[:255], user_id=user_id, sha256=sha256,
              parameters=json.dumps(parameters), status=QUEUED, total=total, done=0)
    session.add(job)
    session.commit()
    try:
        queue().villageaid_run_job(job.id)
    except Exception:
        log.exception("job %s could not be queued", job.id)
        job.status, job.message, job.finished_on = FAILED, _("The job could not be queued; try again later."), utcnow()
        session.commit()
    return job


def progress(job):
    """(done, total) of a job: the queue's note while it runs, else the row's."""
    if job.status == RUNNING:
        try:
            noted = queue().get("progress-%d" % job.id, peek=True)
        except Exception:
            noted = None
        if noted:
            return int(noted[0]), int(noted[1])
    return job.done, job.total


class Progress:
    """Notes how far a running job is, at most a few times a second."""

    def __init__(self, job_id, total):
        self.job_id, self.total, self.done, self.noted = job_id, total, 0, 0.0

    def advance(self, n=1, force=False):
        self.done = min(self.done + n, self.total) if self.total else self.done + n
        now = time.monotonic()
        if force or now - self.noted > 0.3:
            self.noted = now
            try:
                queue().put("progress-%d" % self.job_id, (self.done, self.total))
            except Exception:
                log.exception("progress of job %s not noted", self.job_id)


def current_progress():
    return _PROGRESS.get()


@writes.on_changes
def count_imported(changes, session):
    """An import's rows saved so far, for the job running it."""
    tracker = _PROGRESS.get()
    if tracker is not None:
        tracker.advance(sum(1 for c in changes if c.path == "import"))


def counted(chunks):
    """Rows in chunks (an export's body), counted into the running job's progress."""
    tracker = _PROGRESS.get()
    for chunk in chunks:
        yield chunk
        if tracker is not None:
            tracker.advance(len(chunk))


# --- running a job --------------------------------------------------------------------


def run(job_id):
    """Do job `job_id` as the user who started it (in the consumer)."""
    app = current_app._get_current_object()
    session = app.appbuilder.session
    job = session.get(Job, job_id)
    if job is None or job.status != QUEUED:
        return
    parameters = json.loads(job.parameters or "{}")
    locale = parameters.get("locale") or "zh"
    job.status, job.started_on = RUNNING, utcnow()
    session.commit()
    user = app.appbuilder.sm.get_user_by_id(job.user_id)
    outcome = None
    with app.test_request_context(parameters.get("path") or "/", query_string=parameters.get("query") or ""):
        with force_locale(locale):
            tracker = Progress(job_id, job.total)
            token = _PROGRESS.set(tracker)
            try:
                if user is None or not user.is_active:
                    raise JobFailed(_("The account that started this job is no longer active."))
                g._login_user = user  # the user who started the job (Flask-Login, FAB)
                g.user = user
                work = _HANDLERS.get(job.kind)
                if work is None:
                    raise JobFailed(_("Unknown job."))
                result, file_name = work(job, parameters)
                outcome = (DONE, None, result, file_name)
            except JobFailed as exc:
                session.rollback()
                outcome = (FAILED, exc.message, None, None)
            except Exception:
                session.rollback()
                log.exception("job %s (%s on %s) failed", job_id, job.kind, job.list_name)
                outcome = (FAILED, _("The job failed; nothing was changed."), None, None)
            finally:
                _PROGRESS.reset(token)
    job = session.get(Job, job_id)
    job.status, job.message = outcome[0], outcome[1]
    if outcome[2] is not None:
        job.result = json.dumps(outcome[2])
    job.result_file = outcome[3]
    if outcome[0] == DONE:
        job.done = job.total = max(job.total, tracker.done)
    job.finished_on = utcnow()
    session.commit()
    try:
        queue().delete("progress-%d" % job_id)
    except Exception:
        pass


def set_total(job, total):
    """The number of rows a running job goes through, once known."""
    session = current_app.appbuilder.session
    tracker = _PROGRESS.get()
    if tracker is not None:
        tracker.total = total
        tracker.advance(0, force=True)
    job.total = total
    session.commit()


# --- cleanup ----------------------------------------------------------------------------


def cleanup(now=None):
    """Remove previews never committed (older than VILLAGEAID_IMPORT_PREVIEW_HOURS)
    and job files older than VILLAGEAID_JOBS_RETENTION_HOURS; returns the
    counts. A job whose file is gone says so."""
    from . import imports

    now = now or time.time()
    removed = {"previews": 0, "job_files": 0}
    preview_age = settings.get("VILLAGEAID_IMPORT_PREVIEW_HOURS") * 3600
    base = imports.folder()
    for name in os.listdir(base):
        path = os.path.join(base, name)
        if name.endswith((".data", ".json")) and os.path.isfile(path) and now - os.path.getmtime(path) > preview_age:
            try:
                os.unlink(path)
                removed["previews"] += name.endswith(".data")
            except OSError:
                pass
    session = current_app.appbuilder.session
    limit = utcnow() - datetime.timedelta(hours=settings.get("VILLAGEAID_JOBS_RETENTION_HOURS"))
    for job in session.query(Job).filter(Job.result_file.isnot(None), Job.finished_on < limit):
        try:
            os.unlink(file_path(job))
        except OSError:
            pass
        job.result_file = None
        removed["job_files"] += 1
    session.commit()
    return removed


