"""Dictionaries (字典管理): the office's code lists, one tab per list; add
a code, relabel or deactivate one, delete an added code nobody uses."""
from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView
from flask_appbuilder.baseviews import expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _

from .. import dictionaries, scope, writes
from ..choices import DICTIONARIES


class DictionaryView(BaseView):
    route_base = "/villageaid/dictionaries"
    default_view = "index"
    method_permission_name = {"index": "dictionaries", "add": "dictionaries", "edit": "dictionaries",
                              "delete": "dictionaries"}

    def _dictionary(self, kind):
        dictionary = DICTIONARIES.get(kind)
        if dictionary is None:
            abort(404)
        return dictionary

    @expose("/")
    @expose("/<kind>/")
    @has_access
    def index(self, kind=None):
        dictionary = self._dictionary(kind or next(iter(DICTIONARIES)))
        return self._page(dictionary)

    def _page(self, dictionary, errors=None, posted=None, status=200):
        versions = dictionaries.row_versions(dictionary)
        rows = [dict(code=code, label=label, active=active, seeded=seeded, own=own,
                     used=dictionaries.usage(dictionary, code), version=versions.get(code, ""))
                for code, label, active, seeded, own in dictionaries.entries(dictionary)]
        return self.render_template(
            "villageaid/dictionaries.html", title=_("Dictionaries"), dictionary=dictionary, rows=rows,
            kinds=[(k, d.title) for k, d in DICTIONARIES.items()], errors=errors or {}, posted=posted,
        ), status

    @expose("/<kind>/add", methods=["POST"])
    @has_access
    def add(self, kind):
        dictionary = self._dictionary(kind)
        values, errors = dictionaries.parse(request.form, adding=True)
        if not errors:
            try:
                dictionaries.save(dictionary, None, values, scope.current_viewer(), version="")
            except writes.Refused as exc:
                errors = exc.errors
            else:
                flash(_("%(code)s was added.", code=values["code"]), "success")
                return redirect(url_for("DictionaryView.index", kind=kind))
        return self._page(dictionary, errors, request.form, 400)

    @expose("/<kind>/<code>/edit", methods=["GET", "POST"])
    @has_access
    def edit(self, kind, code):
        dictionary = self._dictionary(kind)
        if code not in dictionary:
            abort(404)
        found = {c: (label, active, seeded, own) for c, label, active, seeded, own in dictionaries.entries(dictionary)}
        label, active, seeded, own = found[code]
        row = dictionaries._row(kind, code)
        errors, posted = {}, None
        if request.method == "POST":
            values, errors = dictionaries.parse(request.form, adding=False)
            if not errors:
                try:
                    dictionaries.save(dictionary, code, values, scope.current_viewer(),
                                      version=request.form.get("row_version", ""))
                except writes.Refused as exc:
                    errors = exc.errors
                else:
                    flash(_("%(code)s was saved.", code=code), "success")
                    return redirect(url_for("DictionaryView.index", kind=kind))
            posted = request.form
        return self.render_template(
            "villageaid/dictionary_edit.html", title=_("Edit dictionary entry"), dictionary=dictionary, code=code,
            label=label, active=active, seeded=seeded, own=own, version="" if row is None else row.row_version,
            errors=errors, posted=posted,
        ), 400 if errors else 200

    @expose("/<kind>/<code>/delete", methods=["POST"])
    @has_access
    def delete(self, kind, code):
        dictionary = self._dictionary(kind)
        try:
            dictionaries.delete(dictionary, code, scope.current_viewer(), version=request.form.get("row_version", ""))
        except writes.Refused as exc:
            flash(exc.message(), "danger")
        else:
            flash(_("%(code)s was deleted.", code=code), "success")
        return redirect(url_for("DictionaryView.index", kind=kind))
