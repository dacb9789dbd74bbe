"""ScopedModelView: FAB's ModelView with every path inside the scope policy.

What FAB leaves open, closed here:
- list/count/show/edit/delete: the scope filter is a base filter;
- single and bulk actions: rows are looked up through the scope, a GET is
  refused, and one foreign id refuses the whole request;
- add, edit, delete and bulk steps write through writes.py (rules, scope
  before and after the flush, change hooks, one transaction);
- an edit that does not carry the row version it was made from, or carries
  an old one, is refused;
- ordering and filtering on personal data the user sees masked are ignored.

`_add`, `_edit` and `_delete` replace FAB's private methods of the same
name (FAB 5.3.0): FAB's own would write through the data interface, redirect
on a refused save and lose the form. tests/unit/test_fab_pins.py fails when
FAB's originals change, so that an upgrade is read against these.
"""
from flask import abort, current_app, flash, g, redirect, request, url_for
from flask_appbuilder import ModelView
from flask_appbuilder.widgets import ListWidget
from flask_login import current_user
from flask_appbuilder.actions import action as fab_action
from flask_appbuilder.baseviews import expose
from flask_appbuilder.urltools import get_filter_args
from flask_babel import gettext as _, lazy_gettext as _l
from wtforms import HiddenField

from .. import display, evidence, history, nextpath, scope, writes
from ..choices import CHANGE_ACTIONS, CHANGE_PATHS
from ..exports import ExportMixin
from ..labels import LABELS
from ..personal import hidden_columns
from . import forms
from .interface import COUNT_CAP

SCOPE_FILTER = ["id", scope.ScopeFilter, None]


class CountedListWidget(ListWidget):
    """FAB's list, its header saying "共 N 条"."""

    template = "villageaid/widgets/list.html"


def save_with_hooks(view, item, path, before, version):
    """Save through the write path between a view's (web or API) FAB hooks
    pre_add/pre_update and post_add/post_update; raises writes.Refused."""
    new = before is None
    (view.pre_add if new else view.pre_update)(item)
    writes.save(item, view.viewer, path=path, before=before, version=version)
    (view.post_add if new else view.post_update)(item)


def filter_arg(view_name, column, filter_class):
    """The URL argument (``_flt_<index>_<column>``) of a list's filter, its
    index looked up in the registered view rather than written down: FAB
    numbers a column's filters by their order, which differs by column type."""
    for view in current_app.appbuilder.baseviews:
        if type(view).__name__ == view_name:
            for index, made in enumerate(view._filters._all_filters.get(column, ())):
                if type(made) is filter_class:
                    return "_flt_%d_%s" % (index, column)
    raise LookupError("%s has no %s filter on %s" % (view_name, filter_class.__name__, column))


class ScopedModelView(ExportMixin, ModelView):
    """Subclasses declare `datamodel = ScopedInterface(Model)`, the columns,
    and an explicit `search_columns` (FAB's default would load every related
    table into the filter form)."""

    list_template = "villageaid/list.html"
    list_widget = CountedListWidget
    show_template = "villageaid/show.html"
    show_history = True  # the detail page's 历史 tab
    page_size = 25
    method_permission_name_extra = {}
    lookup_keys = {}  # relationship -> lookup key (see lookups.py)

    def __init__(self, **kwargs):
        model = self.datamodel.obj
        if not scope.has_rule(model):
            raise RuntimeError("no scope rule for %s" % model.__name__)
        if self.search_columns is None:
            raise RuntimeError("%s must declare search_columns" % type(self).__name__)
        self.base_filters = [SCOPE_FILTER] + list(self.base_filters or [])
        self.method_permission_name = {"muldelete": "delete", **getattr(self, "import_permission_names", {}),
                                       **self.method_permission_name_extra}
        self.label_columns = {**LABELS, **(self.label_columns or {})}
        forms.declare_fields(self, model)
        declared = type(self).base_permissions
        super().__init__(**kwargs)
        display.complete_formatters(self)
        if declared is not None and "can_delete" not in declared:
            # a read-only list: no bulk delete (FAB would add its permission)
            self.actions.pop("muldelete", None)
            self.base_permissions = [p for p in self.base_permissions if p != "can_delete"]

    @property
    def viewer(self):
        return scope.current_viewer()

    def _get_list_widget(self, filters, actions=None, order_column="", order_direction="", **kwargs):
        order_column, order_direction = self.allowed_order(order_column, order_direction)
        # the list counts its rows up to the cap (the widget says "more than N")
        setattr(g, COUNT_CAP, current_app.config.get("VILLAGEAID_LIST_COUNT_CAP") or None)
        try:
            return super()._get_list_widget(filters, actions=actions, order_column=order_column,
                                            order_direction=order_direction, **kwargs)
        finally:
            g.pop(COUNT_CAP, None)

    def allowed_order(self, column, direction):
        """Ordering only by the columns the list offers, and not by personal
        data the user sees masked (the order would tell what it hides)."""
        if (column and column in (self.order_columns or []) and direction in ("asc", "desc")
                and column not in hidden_columns(self.datamodel.obj)):
            return column, direction
        return "", ""

    def render_template(self, template, **kwargs):
        kwargs.setdefault("modelview_name", self.__class__.__name__)
        if template == self.show_template and "pk" in kwargs:
            kwargs["title"] = self.record_title(kwargs.get("title"))
        if self.show_history and template == self.show_template and "pk" in kwargs:
            kwargs.update(
                history=history.entries(self.viewer, self.datamodel.obj, kwargs["pk"]),
                change_action=CHANGE_ACTIONS.label, change_path=CHANGE_PATHS.label,
            )
        if self.datamodel.obj in evidence.KIND_OF and template == self.show_template and kwargs.get("pk") is not None:
            # the record the page shows (loaded through the scope already: no query)
            record = self.datamodel.session.get(self.datamodel.obj, scope.parse_id(kwargs["pk"]))
            if record is not None:
                kind = evidence.KIND_OF[self.datamodel.obj]
                kwargs.update(evidence=evidence.listing(self.viewer, record), evidence_kind=kind,
                              evidence_writable=self.appbuilder.sm.has_access("can_edit", type(self).__name__)
                              and self.appbuilder.sm.has_access("can_upload", "EvidenceView"),
                              evidence_max_mb=evidence._megabytes(evidence.max_bytes()))
        return super().render_template(template, **kwargs)

    def _get_show_widget(self, pk, item, *args, **kwargs):
        if type(item).__str__ is not object.__str__:  # a record that has a name
            g.va_record_name = str(item)  # for the page title, without reading it again
        return super()._get_show_widget(pk, item, *args, **kwargs)

    def record_title(self, title):
        """A detail page's title names its record ("张一 · 人员")."""
        name = g.pop("va_record_name", None)
        if name:
            return "%s · %s" % (name, title) if title else name
        return title

    def _init_forms(self):
        super()._init_forms()
        # The edit form carries the version of the row it was made from.
        self.edit_form = type("VersionedEditForm", (self.edit_form,), {"row_version": HiddenField()})

    # --- add / edit ---------------------------------------------------------

    def _add(self):
        is_valid_form = True
        get_filter_args(self._filters, disallow_if_not_in_search=False)
        exclude_cols = self._filters.get_relation_cols()
        form = self.add_form.refresh()
        if request.method == "POST":
            self._fill_form_exclude_cols(exclude_cols, form)
            if form.validate():
                self.process_form(form, True)
                item = self.datamodel.obj()
                if self._save_form(form, item, None, None):
                    flash(str(self.add_row_message), "success")
                    return None
            is_valid_form = False
        if is_valid_form:
            self.update_redirect()
        return self._get_add_widget(form=form, exclude_cols=exclude_cols)

    def _edit(self, pk):
        is_valid_form = True
        get_filter_args(self._filters, disallow_if_not_in_search=False)
        exclude_cols = self._filters.get_relation_cols()
        item = self.datamodel.get(pk, self._base_filters)
        if not item:
            abort(404)
        pk = self.datamodel.get_pk_value(item)
        if request.method == "POST":
            before = writes.snapshot(item)
            form = self.edit_form(obj=item)
            forms.keep_hidden_personal_data(form, item)
            self._fill_form_exclude_cols(exclude_cols, form)
            if form.validate():
                # what the browser sent: the field falls back to the record's
                # own version when the form omits it
                sent = (form.row_version.raw_data or [""])[0]
                if self._save_form(form, item, before, sent):
                    flash(str(self.edit_row_message), "success")
                    return None
            is_valid_form = False
        else:
            form = self.edit_form.refresh(obj=item)
            form.row_version.data = item.row_version
            self.prefill_form(form, pk)
        forms.hide_personal_data(form, self.datamodel.obj)
        widgets = self._get_edit_widget(form=form, exclude_cols=exclude_cols)
        widgets = self._get_related_views_widgets(
            item, filters={}, orders={}, pages={}, page_sizes={}, widgets=widgets
        )
        if is_valid_form:
            self.update_redirect()
        return widgets

    def _save_form(self, form, item, before, version):
        """Copy the form into the record and save it through the write path.
        On a refusal nothing is saved and the form shows why. `version` ""
        (a form without its row version) is refused like an old one."""
        session = self.datamodel.session
        with session.no_autoflush:
            forms.populate(form, item)
        try:
            save_with_hooks(self, item, "web", before, version)
        except writes.Refused as exc:
            forms.show_errors(form, exc.errors)
            return False
        return True

    # --- where saving returns ------------------------------------------------

    def list_path(self):
        return url_for(type(self).__name__ + ".list")

    def return_path(self):
        """The form's explicit `next` when it is a path of this application,
        else this view's list (never the empty home page)."""
        return nextpath.next_path() or self.list_path()

    def post_add_redirect(self):
        return redirect(self.return_path())

    def post_edit_redirect(self):
        return redirect(self.return_path())

    def post_delete_redirect(self):
        """Back to the list page (its filters and page) the delete came from."""
        came_from = nextpath.referrer_path()
        if came_from and came_from.split("?")[0] == self.list_path():
            return redirect(nextpath.next_path() or came_from)
        return redirect(self.return_path())

    # --- delete and actions ---------------------------------------------

    def _delete(self, pk):
        item = self.datamodel.get(pk, self._base_filters)
        if not item:
            abort(404)
        self.delete_items([item])
        self.update_redirect()

    def delete_items(self, items):
        try:
            for item in items:
                self.pre_delete(item)
            writes.delete_all(items, self.viewer, path="web")
        except writes.Refused as exc:
            flash(exc.message(), "danger")
            return False
        for item in items:
            self.post_delete(item)
        if len(items) == 1:
            flash(str(self.delete_row_message), "success")
        else:
            flash(_("%(count)d record(s) deleted.", count=len(items)), "success")
        return True

    def scoped_items(self, pks):
        """The rows with these ids if the user may see every one of them
        (through this list's own filters too), else None."""
        model = self.datamodel.obj
        rows = scope.visible_all(model, pks, self.viewer, self.datamodel.session)
        if not rows:
            return rows
        query = self.datamodel.session.query(model).filter(model.id.in_([r.id for r in rows]))
        query = self.datamodel.apply_filters(query, self._base_filters)
        items = query.all()
        return items if len(items) == len(rows) else None

    def _action_allowed(self, name):
        if not current_user.is_authenticated:
            return False
        if name not in self.actions:
            abort(404)
        permission = self.get_action_permission_name(name)
        return self.appbuilder.sm.has_access(permission, self.class_permission_name)

    def refuse(self):
        """Signed out: to the login page, as FAB's own routes do; else 403."""
        if not current_user.is_authenticated:
            return redirect(self.appbuilder.get_url_for_login)
        abort(403)

    @expose("/action/<string:name>/<pk>", methods=["POST"])
    def action(self, name, pk):
        if not self._action_allowed(name):
            return self.refuse()
        if not self.actions[name].single:
            abort(404)
        items = self.scoped_items([pk])
        if not items:
            abort(404)
        return self.actions[name].func(items[0])

    @expose("/action_post", methods=["POST"])
    def action_post(self):
        name = request.form.get("action", "")
        if not self._action_allowed(name):
            return self.refuse()
        if not self.actions[name].multiple:
            abort(404)
        items = self.scoped_items(request.form.getlist("rowid"))
        if items is None:
            abort(404)
        if not items:
            flash(_("No row selected."), "warning")
            return redirect(self.get_redirect())
        return self.actions[name].func(items)

    @fab_action("muldelete", _l("Delete"), _l("Delete the selected records?"), "fa-trash", single=False)
    def muldelete(self, items):
        self.delete_items(items)
        return redirect(self.get_redirect())
