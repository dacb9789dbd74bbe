"""批量导入 on a list: ``<list>/import/`` (upload, preview), ``import/commit``
(commit what was previewed), ``import/template/`` and ``import/errors/<sha256>``;
all under the list's ``can_import`` permission, within the user's scope.
The rules are imports.py's; this is the web side."""
import logging

from flask import abort, flash, redirect, request, send_file, url_for
from flask_appbuilder import BaseView
from flask_appbuilder.baseviews import expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _
import io

from .. import imports, scope, settings, writes
from ..models import ImportBatch
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
        batch = ImportBatch(list_name=type(self).__name__, file_name=file_name[:255], sha256=digest,
                            user_id=viewer.user_id)
        try:
            headers, result = self._run(file_name, data, batch=batch, planned=planned)
            if result.errors:
                session.rollback()
                flash(_("Nothing was imported: %(count)d row(s) have errors.", count=result.count("error")), "danger")
                return self._import_page(result=result, digest=digest, file_name=file_name, refused=True)
            batch.row_count = len(result.rows)
            batch.created_count = result.count("new")
            batch.updated_count = result.count("update")
            batch.unchanged_count = result.count("unchanged")
            batch.undo_data = result.undo_data(self.datamodel.obj)
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
