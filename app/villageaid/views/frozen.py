"""Frozen reports (签发报表): the list, freezing one, a frozen report as it
was, its CSV in the official layout, and the side-by-side view with today's
figures. See frozen.py for who may see them."""
from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView
from flask_appbuilder.baseviews import expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _

from .. import frozen, scope, writes
from ..exports import chosen_encoding, csv_stream, report_body
from ..models import FrozenReport
from ..queryargs import bad_request
from ..spreadsheet import xlsx_stream

PAGE_SIZE = 50


class FrozenReportsView(BaseView):
    route_base = "/villageaid/frozen"
    default_view = "index"
    method_permission_name = {"index": "list", "show": "list", "compare": "list", "export": "export",
                              "freeze": "freeze"}
    read_permissions = ("list",)
    write_permissions = ("freeze",)

    @expose("/")
    @has_access
    def index(self):
        viewer = scope.current_viewer()
        page = max(scope.parse_id(request.args.get("page", 1)) or 1, 1)
        query = scope.visible_query(FrozenReport, viewer)
        total = query.count()
        rows = (query.order_by(FrozenReport.created_on.desc(), FrozenReport.id.desc())
                .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE).all())
        return self.render_template(
            "villageaid/frozen_list.html", title=_("Frozen reports"), rows=rows, total=total, page=page,
            pages=max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1),
            kinds=[(k, r.title) for k, r in frozen.REPORTS.items()], today=frozen.local_today(),
            earliest=frozen.EARLIEST,
            may_freeze=self.appbuilder.sm.has_access("can_freeze", self.class_permission_name),
        )

    def _visible(self, pk):
        item = scope.get_visible(FrozenReport, pk, scope.current_viewer())
        if item is None:
            abort(404)
        return item

    @expose("/freeze", methods=["POST"])
    @has_access
    def freeze(self):
        try:
            item = frozen.freeze(request.form.get("kind"), scope.current_viewer(), request.form.get("note", ""),
                                 request.form.get("as_of", ""))
        except writes.Refused as exc:
            flash(exc.message(), "danger")
            return redirect(url_for("FrozenReportsView.index"))
        flash(_("The report was frozen as of %(date)s.", date=item.as_of.isoformat()), "success")
        return redirect(url_for("FrozenReportsView.show", pk=item.id))

    @expose("/<pk>/")
    @has_access
    def show(self, pk):
        item = self._visible(pk)
        return self.render_template("villageaid/frozen_show.html", title=item.title, item=item,
                                    tables=frozen.tables_of(item), used=frozen.settings_used_of(item),
                                    notes=frozen.notes_of(item))

    @expose("/<pk>/compare/")
    @has_access
    def compare(self, pk):
        item = self._visible(pk)
        if item.kind not in frozen.REPORTS:
            abort(404)
        today = {t["key"]: t for t in frozen.current_tables(item.kind, scope.current_viewer())}
        tables = [(t, frozen.compare(t, today.get(t["key"]))) for t in frozen.tables_of(item)]
        return self.render_template("villageaid/frozen_compare.html", title=_("Frozen and today"), item=item,
                                    tables=tables, today=frozen.local_today(), used=frozen.settings_used_of(item),
                                    notes=frozen.notes_of(item))

    @expose("/<pk>/export/")
    @has_access
    def export(self, pk):
        item = self._visible(pk)
        tables = {t["key"]: t for t in frozen.tables_of(item)}
        key = request.args.get("table") or next(iter(tables), None)
        as_xlsx = request.args.get("format") == "xlsx"
        encoding = "xlsx" if as_xlsx else chosen_encoding()
        if key not in tables or encoding is None or request.args.get("format") not in (None, "csv", "xlsx"):
            return bad_request(_("Unknown table or encoding."))
        lines = frozen.official_rows(item, tables[key])
        name = "%s-%s-%s" % (item.title, tables[key]["title"], item.as_of.isoformat())
        if as_xlsx:
            # the official layout on one sheet: words as text, figures as numbers
            width = max(len(line) for line in lines)
            title = lines[0] + [""] * (width - len(lines[0]))
            return xlsx_stream([lines[1:]], title, ["number"] * width, name)
        return csv_stream(report_body(lines[1:]), lines[0], name, encoding)
