"""我的任务: the signed-in user's background jobs (``/villageaid/jobs/``),
a job's page (progress, then its result: the preview, the committed
counts, the download), the small JSON its script polls, and the download
of its file. Only the user who started a job sees it (can_list on
JobsView, then ownership)."""
import json
import os

from flask import abort, jsonify, send_file, url_for
from flask_appbuilder import BaseView
from flask_appbuilder.baseviews import expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _

from .. import jobs, scope
from ..choices import JOB_KINDS, JOB_STATUSES
from ..exports import content_disposition, export_job
from ..models import Job
from ..spreadsheet import MIMETYPE


jobs.handler("export")(export_job)


class StoredResult:
    """A preview's result as a job kept it: what import.html shows."""

    def __init__(self, data):
        self.counts = data.get("counts", {})
        self.errors = [tuple(e) for e in data.get("errors", [])]
        self.ignored = data.get("ignored", [])

    def count(self, outcome):
        return self.counts.get(outcome, 0)


def own_job(pk):
    viewer = scope.current_viewer()
    pk = scope.parse_id(pk)
    if pk is None or viewer.anonymous:
        return None
    return scope.visible_query(Job, viewer).filter(Job.id == pk, Job.user_id == viewer.user_id).one_or_none()


def list_view(name):
    from flask import current_app

    return next((v for v in current_app.appbuilder.baseviews if type(v).__name__ == name), None)


class JobsView(BaseView):
    route_base = "/villageaid/jobs"
    default_view = "mine"
    class_permission_name = "JobsView"
    method_permission_name = {"mine": "list", "show": "list", "progress": "list", "file": "list"}
    read_permissions = ("list",)
    PAGE_SIZE = 50

    @expose("/")
    @has_access
    def mine(self):
        viewer = scope.current_viewer()
        rows = (scope.visible_query(Job, viewer).filter(Job.user_id == viewer.user_id)
                .order_by(Job.created_on.desc(), Job.id.desc()).limit(self.PAGE_SIZE).all())
        return self.render_template("villageaid/jobs.html", title=_("My jobs"), rows=rows, kinds=JOB_KINDS,
                                    statuses=JOB_STATUSES)

    @expose("/<pk>/")
    @has_access
    def show(self, pk):
        job = own_job(pk)
        if job is None:
            abort(404)
        result = json.loads(job.result) if job.result else {}
        if job.status == jobs.DONE and job.kind == "import_preview":
            view = list_view(job.list_name)
            if view is None:
                abort(404)
            return view._import_page(result=StoredResult(result), digest=job.sha256, file_name=job.title,
                                     job=job)
        done, total = jobs.progress(job)
        return self.render_template("villageaid/job.html", title=_("Job: %(title)s", title=job.title), job=job,
                                    result=result, done=done, total=total, kinds=JOB_KINDS, statuses=JOB_STATUSES,
                                    list_url=self.list_url(job))

    def list_url(self, job):
        view = list_view(job.list_name)
        return url_for(job.list_name + ".list") if view is not None and hasattr(view, "list") else None

    @expose("/<pk>/progress")
    @has_access
    def progress(self, pk):
        job = own_job(pk)
        if job is None:
            abort(404)
        done, total = jobs.progress(job)
        response = jsonify(status=job.status, status_text=str(JOB_STATUSES.label(job.status)), done=done,
                           total=total, finished=job.status in (jobs.DONE, jobs.FAILED))
        response.headers["Cache-Control"] = "no-store"
        return response

    @expose("/<pk>/file")
    @has_access
    def file(self, pk):
        job = own_job(pk)
        if job is None or job.status != jobs.DONE or not job.result_file:
            abort(404)
        path = jobs.file_path(job)
        if not os.path.isfile(path):
            abort(404)
        response = send_file(path, mimetype=MIMETYPE, as_attachment=True)
        if job.kind == "import_preview":  # the rows with errors
            name = "%s-%s" % (job.title.rsplit(".", 1)[0], _("errors"))
        else:
            name = job.title
        response.headers["Content-Disposition"] = content_disposition(name, extension="xlsx")
        response.headers["Cache-Control"] = "no-store"
        return response
