"""The recycle bin (回收站): deleted records per kind, in the user's scope
(the scope they had), with who deleted them and when; restore brings one
back as it was, purge (administrators only) removes it for good."""
from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView
from flask_appbuilder.baseviews import expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _

from .. import scope, writes
from ..choices import CHANGE_MODELS
from ..models import Cadre, Evidence, FollowUpRecord, ReserveCandidate, Town, TrainingAttendance, TrainingSession, Unit, Village

BINS = {
    "village": Village, "cadre": Cadre, "candidate": ReserveCandidate, "followup": FollowUpRecord,
    "attendance": TrainingAttendance, "session": TrainingSession, "town": Town, "unit": Unit,
    "evidence": Evidence,
}
PAGE_SIZE = 50


class RecycleBin(BaseView):
    route_base = "/villageaid/bin"
    default_view = "bin"
    method_permission_name = {"bin": "list", "restore": "restore", "purge": "purge"}
    read_permissions = ("list",)
    write_permissions = ("restore",)
    admin_permissions = ("purge",)

    @expose("/")
    @expose("/<kind>/")
    @has_access
    def bin(self, kind="village"):
        model = BINS.get(kind)
        if model is None:
            abort(404)
        viewer = scope.current_viewer()
        page = max(scope.parse_id(request.args.get("page", 1)) or 1, 1)
        query = self.appbuilder.session.query(model).filter(scope.binned(model, viewer))
        total = query.count()
        rows = (query.order_by(model.deleted_on.desc(), model.id.desc())
                .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE).all())
        return self.render_template(
            "villageaid/recycle_bin.html", title=_("Recycle bin"), kinds=[(k, CHANGE_MODELS.label(m.__name__)) for k, m in BINS.items()],
            kind=kind, rows=rows, total=total, page=page, pages=max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1),
            may_purge=self.appbuilder.sm.has_access("can_purge", self.class_permission_name),
        )

    def _binned(self, kind, pk):
        model = BINS.get(kind)
        if model is None:
            abort(404)
        pk = scope.parse_id(pk)
        row = None if pk is None else (self.appbuilder.session.query(model)
                                       .filter(model.id == pk, scope.binned(model, scope.current_viewer())).one_or_none())
        if row is None:
            abort(404)
        return row

    def _step(self, kind, pk, step, done_message):
        row = self._binned(kind, pk)
        label = str(row)
        try:
            step([row], scope.current_viewer(), path="web")
        except writes.Refused as exc:
            flash(exc.message(), "danger")
        else:
            flash(done_message % {"record": label}, "success")
        return redirect(url_for("RecycleBin.bin", kind=kind))

    @expose("/<kind>/<pk>/restore", methods=["POST"])
    @has_access
    def restore(self, kind, pk):
        return self._step(kind, pk, writes.restore_all, _("%(record)s was restored."))

    @expose("/<kind>/<pk>/purge", methods=["POST"])
    @has_access
    def purge(self, kind, pk):
        return self._step(kind, pk, writes.purge_all, _("%(record)s was removed for good."))
