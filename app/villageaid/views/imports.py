"""批量导入 on a list: ``<list>/import/`` (upload, preview), ``import/commit``
(commit what was previewed), ``import/template/`` and ``import/errors/<sha256>``;
all under the list's ``can_import`` permission, within the user's scope.
The rules are imports.py's; this is the web side."""
import logging
import os

from flask import abort, flash, redirect, request, send_file, url_for
from flask_appbuilder import BaseView
from flask_appbuilder.baseviews import expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _
import io

from .. import imports, jobs, scope, settings, writes
from ..models import ImportBatch, Job
from ..spreadsheet import MIMETYPE

log = logging.getLogger(__name__)
SHOWN_ERRORS = 500


class ImportMixin:
    """Put before ScopedModelView in an importable list's bases."""

    write_permissions = ("import",)
    import_permission_names = {"import_page": "import", "import_commit": "import",
                               "import_template": "import", "import_errors": "import"}

    def render_template(self, template, **kwargs):
        kwargs.setdefault("importable", True)  # the list shows its import button
        return super().render_template(template, **kwargs)

    def _import_page(self, **kwargs):
        columns = imports.Columns(self)
        return self.render_template(
            "villageaid/import.html", title=_("Import: %(list)s", list=self.list_title), columns=columns,
            key_text=columns.key_text(), label_of=lambda name: self.label_columns.get(name, name),
            shown_errors=SHOWN_ERRORS, **kwargs)

    def _run(self, name, data, batch=None, planned=None):
        """(headers, result) of a run, rolled back unless the caller commits."""
        headers, rows = imports.read_table(name, data)
        result = imports.run(self, scope.current_viewer(), headers, rows, batch=batch, planned=planned)
        return headers, result

    @expose("/import/", methods=["GET", "POST"])
    @has_access
    def import_page(self):
        if request.method == "GET":
            return self._import_page()
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            flash(_("Choose a file to upload."), "warning")
            return self._import_page()
        limit = settings.get("VILLAGEAID_IMPORT_MAX_BYTES")
        data = upload.stream.read(limit + 1)
        session = self.datamodel.session
        viewer = scope.current_viewer()
        background = self._background_rows(upload.filename, data)
        if background is not None:
            if background is False:
                return self._import_page()
            digest = imports.keep(type(self).__name__, viewer.user_id, upload.filename, data, {})
            job = jobs.start("import_preview", type(self).__name__, upload.filename, viewer.user_id, {},
                             sha256=digest, total=background)
            return redirect(url_for("JobsView.show", pk=job.id))
        try:
            headers, result = self._run(upload.filename, data)
        except imports.ImportError_ as exc:
            session.rollback()
            flash(exc.message, "danger")
            return self._import_page()
        finally:
            session.rollback()
        digest = imports.keep(type(self).__name__, viewer.user_id, upload.filename, data, result.planned)
        return self._import_page(result=result, digest=digest, file_name=upload.filename)

    @expose("/import/commit", methods=["POST"])
    @has_access
    def import_commit(self):
        viewer = scope.current_viewer()
        digest = request.form.get("sha256", "")
        found = imports.kept(type(self).__name__, viewer.user_id, digest)
        if found is None:
            flash(_("That preview is no longer at hand; upload the file again."), "danger")
            return redirect(url_for(type(self).__name__ + ".import_page"))
        file_name, data, planned = found
        session = self.datamodel.session
        preview = (session.query(Job).filter(Job.user_id == viewer.user_id, Job.list_name == type(self).__name__,
                                             Job.kind == "import_preview", Job.sha256 == digest,
                                             Job.status == jobs.DONE).order_by(Job.id.desc()).first())
        if preview is not None:  # previewed in the background: committed in the background
            started = (session.query(Job).filter(Job.user_id == viewer.user_id, Job.kind == "import_commit",
                                                 Job.sha256 == digest, Job.status.in_((jobs.QUEUED, jobs.RUNNING)))
                       .order_by(Job.id.desc()).first())
            if started is not None:  # committed once already (a second click)
                return redirect(url_for("JobsView.show", pk=started.id))
            job = jobs.start("import_commit", type(self).__name__, file_name, viewer.user_id, {},
                             sha256=digest, total=preview.total)
            return redirect(url_for("JobsView.show", pk=job.id))
        batch = imports.new_batch(type(self).__name__, file_name, digest, viewer.user_id)
        try:
            headers, result = self._run(file_name, data, batch=batch, planned=planned)
            if result.errors:
                session.rollback()
                flash(_("Nothing was imported: %(count)d row(s) have errors.", count=result.count("error")), "danger")
                return self._import_page(result=result, digest=digest, file_name=file_name, refused=True)
            imports.close_batch(batch, result, self.datamodel.obj)
            session.commit()
        except imports.ImportError_ as exc:
            session.rollback()
            flash(exc.message, "danger")
            return self._import_page()
        except Exception:
            session.rollback()
            log.exception("import into %s failed", type(self).__name__)
            flash(_("The import failed; nothing was imported."), "danger")
            return self._import_page()
        imports.forget(type(self).__name__, viewer.user_id, digest)
        flash(_("Imported: %(new)d new, %(updated)d updated, %(unchanged)d unchanged.", new=batch.created_count,
                updated=batch.updated_count, unchanged=batch.unchanged_count), "success")
        return redirect(url_for(type(self).__name__ + ".list"))

    def _background_rows(self, name, data):
        """The file's number of rows when it is to be imported in the
        background; False when the file cannot be read (said with a
        message); None to import it here and now."""
        threshold = settings.get("VILLAGEAID_IMPORT_BACKGROUND_ROWS") or 0
        if not threshold or not jobs.available():
            return None
        try:
            _headers, rows = imports.read_table(name, data)
        except imports.ImportError_ as exc:
            flash(exc.message, "danger")
            return False
        return len(rows) if len(rows) > threshold else None

    @expose("/import/template/")
    @has_access
    def import_template(self):
        data = imports.template_workbook(self)
        return send_file(io.BytesIO(data), mimetype=MIMETYPE, as_attachment=True,
                         download_name="%s-%s.xlsx" % (self.list_title, _("template")))

    @expose("/import/errors/<digest>")
    @has_access
    def import_errors(self, digest):
        viewer = scope.current_viewer()
        found = imports.kept(type(self).__name__, viewer.user_id, digest)
        if found is None:
            abort(404)
        file_name, data, _planned = found
        try:
            headers, result = self._run(file_name, data)
        except imports.ImportError_:
            abort(404)
        finally:
            self.datamodel.session.rollback()
        return send_file(io.BytesIO(imports.error_workbook(headers, result)), mimetype=MIMETYPE, as_attachment=True,
                         download_name="%s-%s.xlsx" % (file_name.rsplit(".", 1)[0], _("errors")))


class ImportBatches(BaseView):
    """导入批次: every committed import (who, when, list, file, SHA-256,
    counts), for the office; undo of a whole batch through the write path."""

    route_base = "/villageaid/imports"
    default_view = "batches"
    method_permission_name = {"batches": "list", "undo": "undo"}
    read_permissions = ("list",)
    write_permissions = ("undo",)
    PAGE_SIZE = 50

    @expose("/")
    @has_access
    def batches(self):
        viewer = scope.current_viewer()
        page = max(scope.parse_id(request.args.get("page", 1)) or 1, 1)
        query = scope.visible_query(ImportBatch, viewer, self.appbuilder.session)
        total = query.count()
        rows = (query.order_by(ImportBatch.created_on.desc(), ImportBatch.id.desc())
                .offset((page - 1) * self.PAGE_SIZE).limit(self.PAGE_SIZE).all())
        lists = {type(v).__name__: str(v.list_title) for v in self.appbuilder.baseviews if isinstance(v, ImportMixin)}
        return self.render_template(
            "villageaid/import_batches.html", title=_("Import batches"), rows=rows, total=total, page=page,
            pages=max((total + self.PAGE_SIZE - 1) // self.PAGE_SIZE, 1), lists=lists,
            may_undo=self.appbuilder.sm.has_access("can_undo", self.class_permission_name))

    @expose("/<pk>/undo", methods=["POST"])
    @has_access
    def undo(self, pk):
        viewer = scope.current_viewer()
        batch = scope.get_visible(ImportBatch, pk, viewer, self.appbuilder.session)
        if batch is None:
            abort(404)
        try:
            imports.undo(batch, viewer, self.appbuilder.session)
        except writes.Refused as exc:
            flash(exc.message(), "danger")
        else:
            flash(_("Batch %(batch)s was undone.", batch=str(batch)), "success")
        return redirect(url_for("ImportBatches.batches"))


# --- the same, as background jobs (jobs.py) ------------------------------------------


def _job_view(job):
    from .jobs import list_view

    view = list_view(job.list_name)
    if view is None or not isinstance(view, ImportMixin):
        raise jobs.JobFailed(_("Unknown job."))
    if not view.appbuilder.sm.has_access("can_import", view.class_permission_name):
        raise jobs.JobFailed(_("You may no longer import into this list."))
    return view


def _kept(view, job):
    found = imports.kept(job.list_name, job.user_id, job.sha256)
    if found is None:
        raise jobs.JobFailed(_("That preview is no longer at hand; upload the file again."))
    return found


@jobs.handler("import_preview")
def preview_job(job, parameters):
    """A large file's preview: the rows run and rolled back; the file kept
    with the row versions the preview saw, for its commit."""
    view = _job_view(job)
    file_name, data, _planned = _kept(view, job)
    session = view.datamodel.session
    try:
        headers, rows = imports.read_table(file_name, data)
        jobs.set_total(job, len(rows))
        result = imports.run(view, scope.current_viewer(), headers, rows)
    except imports.ImportError_ as exc:
        raise jobs.JobFailed(exc.message)
    finally:
        session.rollback()
    imports.keep(job.list_name, job.user_id, file_name, data, result.planned)
    error_file = None
    if result.errors:  # the rows with errors, to fix and upload again, ready for download
        error_file = "errors-%d.xlsx" % job.id
        with open(os.path.join(jobs.folder(), error_file), "wb") as handle:
            handle.write(imports.error_workbook(headers, result))
    return {"counts": {k: result.count(k) for k in ("new", "update", "unchanged", "error")},
            "errors": [list(map(str, e)) for e in result.errors[:SHOWN_ERRORS]],
            "ignored": [str(i) for i in result.ignored]}, error_file


@jobs.handler("import_commit")
def commit_job(job, parameters):
    """A large file's commit: exactly what the commit in the web request does."""
    view = _job_view(job)
    file_name, data, planned = _kept(view, job)
    session = view.datamodel.session
    viewer = scope.current_viewer()
    batch = imports.new_batch(job.list_name, file_name, job.sha256, viewer.user_id)
    try:
        headers, rows = imports.read_table(file_name, data)
        jobs.set_total(job, len(rows))
        result = imports.run(view, viewer, headers, rows, batch=batch, planned=planned)
        if result.errors:
            raise jobs.JobFailed(_("Nothing was imported: %(count)d row(s) have errors.", count=result.count("error")))
        imports.close_batch(batch, result, view.datamodel.obj)
        session.flush()
        outcome = {"new": batch.created_count, "update": batch.updated_count, "unchanged": batch.unchanged_count,
                   "batch": batch.id}
        jobs.finish(session, job, outcome)  # the job done with its rows, or neither
        session.commit()
    except imports.ImportError_ as exc:
        session.rollback()
        raise jobs.JobFailed(exc.message)
    except Exception:
        session.rollback()
        raise
    imports.forget(job.list_name, job.user_id, job.sha256)
    return outcome, None
