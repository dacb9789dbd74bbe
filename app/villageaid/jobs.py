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
- A running job's heartbeat: a thread of the consumer notes the time in the
  queue's key-value store every `beat_seconds()` (a tenth of
  VILLAGEAID_JOB_STALE_MINUTES, at most a minute) for as long as the job
  runs, however long one step of its work takes — not in the job's row,
  which the job's own open transaction would hold.
- `interrupt_stale()`: a job whose consumer stopped (killed, the machine
  restarted) is left 'running' with a heartbeat that ages, or 'queued' with
  its message gone from the queue; once that is older than
  VILLAGEAID_JOB_STALE_MINUTES it is marked 'failed' with a translated
  reason and recorded in the change history. Its work was one transaction
  that never committed: the database is as before. A job still beating
  after VILLAGEAID_JOB_MAX_HOURS (a worker thread that hangs) is marked
  failed too.
- A job's work marks it done in its own transaction (`finish`), only if it
  is still 'running': its data and its outcome commit together, and the
  work of a job marked failed meanwhile is rolled back. A job starts, and
  takes its outcome, only from the status it is expected to have, so a
  mark of the clean-up is never overwritten.
- `cleanup()`: that, then removes previews never committed and job files
  past their retention; `flask villageaid cleanup` and a periodic task call
  it, and a consumer calls `interrupt_stale()` when it starts.
- `start_consumer(app)`: a consumer in threads of this process (the quick
  start, the tests); production runs ``huey_consumer`` (see README).
"""
import datetime
import json
import logging
import os
import threading
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
            cleanup(path="system")

    checking = threading.Lock()

    @huey.on_startup(name="villageaid.interrupt_stale")
    def startup_check():
        # a startup hook runs in every worker of the consumer as it starts:
        # one at a time is enough (a later one finds nothing more to mark)
        if checking.acquire(blocking=False):
            try:
                with app.app_context():
                    interrupt_stale(path="system")
            finally:
                checking.release()

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
    # only a job still queued starts (not one marked interrupted meanwhile)
    started = session.query(Job).filter(Job.id == job_id, Job.status == QUEUED).update(
        {Job.status: RUNNING, Job.started_on: utcnow()}, synchronize_session=False)
    session.commit()
    job = session.get(Job, job_id)
    if not started or job is None:
        return
    parameters = json.loads(job.parameters or "{}")
    with Heartbeat(queue(), job_id, beat_seconds()):
        outcome, tracker = _work(app, job, parameters)
    job = session.get(Job, job_id, populate_existing=True)
    values = {Job.status: outcome[0], Job.message: outcome[1], Job.result_file: outcome[3],
              Job.finished_on: utcnow()}
    if outcome[2] is not None:
        values[Job.result] = json.dumps(outcome[2])
    if outcome[0] == DONE:
        values[Job.done] = values[Job.total] = max(job.total or 0, tracker.done)
    # only a job still running takes its outcome: one whose work marked it done
    # with its data (finish) keeps that, one marked interrupted meanwhile stays so
    session.query(Job).filter(Job.id == job_id, Job.status == RUNNING).update(values, synchronize_session=False)
    session.commit()
    forget_notes(job_id)


def finish(session, job, result):
    """Mark `job` done in the transaction of its work, just before it
    commits, so that its data and its outcome commit together (a consumer
    killed in between leaves neither). Refused (JobFailed, and the caller
    rolls back) when the job is no longer running: marked interrupted while
    its worker hung, its work must not land."""
    tracker = _PROGRESS.get()
    done = max(job.total or 0, tracker.done if tracker is not None else 0)
    if not session.query(Job).filter(Job.id == job.id, Job.status == RUNNING).update(
            {Job.status: DONE, Job.result: json.dumps(result), Job.done: done, Job.total: done,
             Job.finished_on: utcnow()}, synchronize_session=False):
        raise JobFailed(_("This job was stopped before it finished; nothing was changed. Start it again."))


def _work(app, job, parameters):
    """(outcome, progress tracker) of a job's handler, run as its user."""
    session = app.appbuilder.session
    job_id = job.id
    locale = parameters.get("locale") or "zh"
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
    return outcome, tracker


def forget_notes(job_id):
    """Drop a finished job's progress note and heartbeat from the queue's store."""
    for key in ("progress-%d", "beat-%d"):
        try:
            queue().delete(key % job_id)
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


# --- the heartbeat, and jobs whose consumer stopped ------------------------------------------


def stale_limit():
    """How long a job may go without a heartbeat (VILLAGEAID_JOB_STALE_MINUTES;
    at least a minute, so that no setting marks a live job)."""
    return datetime.timedelta(minutes=max(float(settings.get("VILLAGEAID_JOB_STALE_MINUTES") or 0), 1.0))


def beat_seconds():
    """How often a running job's heartbeat is noted: a tenth of the stale
    limit, at most a minute, at least a second."""
    return max(1.0, min(60.0, stale_limit().total_seconds() / 10))


def beat(huey, job_id, when=None):
    """Note that job `job_id` is alive (now, or at `when`: seconds since the epoch)."""
    huey.put("beat-%d" % job_id, time.time() if when is None else when)


def last_beat(huey, job_id):
    """The job's last heartbeat (a naive UTC datetime), None when none is noted."""
    noted = huey.get("beat-%d" % job_id, peek=True)
    if noted is None:
        return None
    return datetime.datetime.fromtimestamp(float(noted), datetime.timezone.utc).replace(tzinfo=None)


class Heartbeat:
    """While a job runs, a thread of its consumer notes its heartbeat every
    `interval` seconds — between two notes of progress, and through a
    single long step (reading a large file, one long statement) alike. It
    stops with the job, and with the process when that dies."""

    def __init__(self, huey, job_id, interval):
        self.huey, self.job_id, self.interval = huey, job_id, interval
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._beat, name="villageaid-job-%d-heartbeat" % job_id, daemon=True)

    def __enter__(self):
        self._note()
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stopped.set()
        self.thread.join(timeout=5)

    def _beat(self):
        while not self.stopped.wait(self.interval):
            self._note()

    def _note(self):
        try:
            beat(self.huey, self.job_id)
        except Exception:
            log.exception("heartbeat of job %s not noted", self.job_id)


def _waiting_ids(huey):
    """Ids of the jobs whose message is still in the queue (or its schedule)."""
    return {task.args[0] for task in list(huey.pending()) + list(huey.scheduled())
            if getattr(task, "name", "").endswith("run_job") and task.args}


def interrupt_stale(path="cli", now=None):
    """Mark 'failed' the jobs a consumer that stopped left behind: 'running'
    with no heartbeat for VILLAGEAID_JOB_STALE_MINUTES, or 'queued' for as
    long with their message no longer in the queue. A job still beating (in
    a live consumer, this one or another) or still waiting in the queue is
    left alone, as is every job when the queue cannot be read. Each job so
    marked gets its reason in its owner's language, loses its partial file
    and its notes in the queue, and is recorded in the change history
    (`path`: "cli" for the command, "system" for the consumer). Returns the
    number of jobs marked."""
    from .models import ChangeRecord

    session = current_app.appbuilder.session
    now = now or utcnow()
    limit = now - stale_limit()
    longest = now - datetime.timedelta(hours=float(settings.get("VILLAGEAID_JOB_MAX_HOURS") or 12))
    old_enough = session.query(Job).filter(Job.status.in_((QUEUED, RUNNING)), Job.created_on < limit)
    if not session.query(old_enough.exists()).scalar():
        return 0
    huey = queue()
    try:
        # the queue's waiting jobs before the jobs' rows: a job a worker takes
        # from the queue after this is still seen waiting, and left alone
        waiting = _waiting_ids(huey)
    except Exception:
        log.exception("the queue could not be read: no job is marked interrupted")
        return 0
    candidates = old_enough.order_by(Job.id).all()
    stopped = []
    try:
        for job in candidates:
            if job.status == QUEUED:
                last = None if job.id in waiting else job.created_on
            elif job.started_on is not None and job.started_on < longest:
                last = job.started_on  # still beating, but running for longer than any job should: hung
            else:
                beaten = last_beat(huey, job.id)
                if beaten is None:
                    # never seen beating in this queue (another queue's consumer, or a
                    # store that lost its keys): only the running time can tell
                    continue
                last = max(filter(None, (job.started_on, job.created_on, beaten)))
            if last is not None and last < limit:
                stopped.append(job)
    except Exception:
        log.exception("the queue could not be read: no job is marked interrupted")
        return 0
    marked = []
    for job in stopped:
        locale = json.loads(job.parameters or "{}").get("locale") or "zh"
        with force_locale(locale):
            if job.status == RUNNING and job.started_on is not None and job.started_on < longest:
                reason = _("Stopped: the job ran for longer than %(hours)s hours; nothing was changed. "
                           "Start it again.", hours=settings.get("VILLAGEAID_JOB_MAX_HOURS"))
            else:
                reason = _("Interrupted: the worker stopped before the job finished; nothing was changed. "
                           "Start it again.")
        # only if it is still where it was seen: a job that finished meanwhile keeps its outcome
        if not session.query(Job).filter(Job.id == job.id, Job.status == job.status).update(
                {Job.status: FAILED, Job.message: reason, Job.finished_on: utcnow()}, synchronize_session=False):
            continue
        session.add(ChangeRecord(
            user_id=None, path=path, action="interrupt", model="Job", record_id=job.id,
            record_label=str(job)[:200], public=False,
            changes=json.dumps([["status", job.status, FAILED], ["message", None, reason]], ensure_ascii=False)))
        marked.append(job.id)
    session.commit()
    for job_id in marked:
        forget_notes(job_id)
        for name in ("export-%d.xlsx", "errors-%d.xlsx"):  # a file the job had begun to write
            try:
                os.unlink(os.path.join(folder(), name % job_id))
            except OSError:
                pass
    return len(marked)


# --- cleanup ----------------------------------------------------------------------------


def cleanup(now=None, path="cli"):
    """Mark the jobs whose consumer stopped (`interrupt_stale`), remove
    previews never committed (older than VILLAGEAID_IMPORT_PREVIEW_HOURS)
    and job files older than VILLAGEAID_JOBS_RETENTION_HOURS; returns the
    counts. A job whose file is gone says so."""
    from . import imports

    removed = {"interrupted": interrupt_stale(path=path)}
    now = now or time.time()
    removed.update(previews=0, job_files=0)
    preview_age = settings.get("VILLAGEAID_IMPORT_PREVIEW_HOURS") * 3600
    base = imports.folder()
    for name in os.listdir(base):
        path = os.path.join(base, name)
        # an upload's own files only: a folder shared with other files keeps them
        if imports.KEPT_FILE.match(name) and os.path.isfile(path) and now - os.path.getmtime(path) > preview_age:
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


