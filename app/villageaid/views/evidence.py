"""Evidence on a record's detail page (佐证材料 tab): upload, download and
delete, scoped exactly like the record; writing needs the right to edit the
record itself."""
from flask import abort, flash, redirect, request, send_file, url_for
from flask_appbuilder import BaseView
from flask_appbuilder.baseviews import expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _

from .. import evidence, scope, writes
from ..models import Evidence


class EvidenceView(BaseView):
    route_base = "/villageaid/evidence"
    default_view = "file"
    method_permission_name = {"upload": "upload", "file": "download", "delete": "delete"}
    read_permissions = ("download",)
    write_permissions = ("upload", "delete")

    def _may_edit(self, kind):
        return self.appbuilder.sm.has_access("can_edit", evidence.KINDS[kind][2])

    def _back(self, kind, pk):
        return redirect(url_for("%s.show" % evidence.KINDS[kind][2], pk=pk) + "#Evidence")

    @expose("/<kind>/<pk>/upload", methods=["POST"])
    @has_access
    def upload(self, kind, pk):
        viewer = scope.current_viewer()
        record = evidence.record_of(kind, pk, viewer)
        if record is None:
            abort(404)
        if not self._may_edit(kind):
            abort(403)
        try:
            item = evidence.attach(record, request.files.get("file"), viewer)
        except evidence.Refused as exc:
            flash(str(exc), "danger")
        except writes.Refused as exc:
            flash(exc.message(), "danger")
        else:
            flash(_("%(file)s was attached.", file=item.file_name), "success")
        return self._back(kind, record.id)

    def _visible(self, pk):
        item = scope.get_visible(Evidence, pk, scope.current_viewer())
        if item is None:
            abort(404)
        return item

    @expose("/<pk>/download")
    @has_access
    def file(self, pk):
        item = self._visible(pk)
        try:
            stream = evidence.store().open(item.stored_path)
        except (OSError, evidence.Refused):
            abort(404)
        resp = send_file(stream, mimetype=item.content_type, as_attachment=True,
                         download_name=item.file_name, max_age=0)
        resp.headers["X-Content-Type-Options"] = "nosniff"
        resp.headers["Cache-Control"] = "no-store"
        return resp

    @expose("/<pk>/delete", methods=["POST"])
    @has_access
    def delete(self, pk):
        item = self._visible(pk)
        kind = evidence.KIND_OF[type(item.record)]
        if not self._may_edit(kind):
            abort(403)
        record_id, name = item.record.id, item.file_name
        try:
            writes.delete_all([item], scope.current_viewer(), path="web")
        except writes.Refused as exc:
            flash(exc.message(), "danger")
        else:
            flash(_("%(file)s was moved to the recycle bin.", file=name), "success")
        return self._back(kind, record_id)
