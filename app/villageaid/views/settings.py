"""The settings screen (参数设置): the parameters the office owns, their
values and where each comes from, and an edit form per parameter checked by
its kind (settingkinds.py). Every change goes through the one write path,
so the change history records it."""
from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView
from flask_appbuilder.baseviews import expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import select

from .. import scope, settings, writes
from ..models import OfficeSetting

SOURCES = {
    settings.OFFICE: _l("Set by the office"),
    settings.SEEDED: _l("From the configuration, kept in the database"),
    settings.CONFIGURATION: _l("Host configuration"),
    settings.DEFAULT: _l("Default"),
}


def source_label(source):
    return str(SOURCES[source])


class OfficeSettingsView(BaseView):
    route_base = "/villageaid/settings"
    default_view = "index"
    method_permission_name = {"index": "settings", "edit": "settings", "reset": "settings"}

    @expose("/")
    @has_access
    def index(self):
        rows = {r.name: r for r in self.appbuilder.session.execute(select(OfficeSetting)).scalars()}
        entries = [dict(name=name, meta=settings.meta(name), shown=settings.shown(name),
                        source=source_label(settings.source(name)), row=rows.get(name))
                   for name in settings.office_names()]
        return self.render_template("villageaid/settings.html", title=_("Office parameters"), entries=entries)

    def _name(self, name):
        if name not in settings.office_names():
            abort(404)
        return name

    @expose("/<name>/edit", methods=["GET", "POST"])
    @has_access
    def edit(self, name):
        name = self._name(name)
        kind = settings.kind(name)
        row = settings.row(name)
        version = "" if row is None else str(row.row_version)
        value, errors, posted = settings.get(name), {}, None
        if request.method == "POST":
            value, errors = kind.parse(request.form)
            if not errors:
                try:
                    settings.save(name, value, scope.current_viewer(), version=request.form.get("row_version", ""))
                except writes.Refused as exc:
                    errors = {"value": exc.message()}
                else:
                    flash(_("%(name)s was saved.", name=str(settings.meta(name)["label"])), "success")
                    return redirect(url_for("OfficeSettingsView.index"))
            posted = request.form  # shown again next to the messages
        return self.render_template(
            "villageaid/settings_edit.html", title=_("Edit office parameter"), name=name,
            meta=settings.meta(name), kind=kind, value=kind.form_value(settings.get(name)), posted=posted,
            version=version, errors=errors,
            source=source_label(settings.source(name)), default=kind.show(settings.default(name)),
        ), 400 if errors else 200

    @expose("/<name>/reset", methods=["POST"])
    @has_access
    def reset(self, name):
        name = self._name(name)
        try:
            done = settings.reset(name, scope.current_viewer(), version=request.form.get("row_version", ""))
        except writes.Refused as exc:
            flash(exc.message(), "danger")
        else:
            if done:
                flash(_("%(name)s follows the configuration again.", name=str(settings.meta(name)["label"])),
                      "success")
        return redirect(url_for("OfficeSettingsView.index"))
