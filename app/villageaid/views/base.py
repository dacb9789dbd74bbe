"""Base classes every domain view and API of the plugin derives from.

They close what FAB leaves open (see the scope policy in scope.py):
- list/count/show/edit/delete: the scope filter is a base filter;
- single and bulk actions: rows are looked up through the scope, a GET is
  refused, and one foreign id refuses the whole request;
- add and edit (web and API): every field and record rule (rules.py) runs,
  related rows must be in scope, and after the write the row must still be
  visible to the user, else nothing is saved;
- an edit based on an old version of the row is refused (row_version).
"""
import logging

from flask import abort, flash, redirect, request
from flask_appbuilder import ModelView
from flask_appbuilder.actions import action as fab_action
from flask_appbuilder.api import ModelRestApi
from flask_appbuilder.baseviews import expose
from flask_appbuilder.const import API_RESULT_RES_KEY
from flask_appbuilder.exceptions import DatabaseException
from flask_appbuilder.models.filters import Filters
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.urltools import get_filter_args
from flask_babel import gettext as _, lazy_gettext as _l
from marshmallow import ValidationError
from sqlalchemy import Boolean, inspect as sa_inspect
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import undefer
from sqlalchemy.orm.exc import StaleDataError
from wtforms import BooleanField, DecimalField, HiddenField
from wtforms.validators import DataRequired, Optional

from .. import rules, scope
from ..fields import ChoiceField, RemoteSelectField
from ..exports import ExportMixin, blank_if_none
from ..labels import LABELS
from ..models import Money
from ..personal import PersonalMask, mask_dict, may_see_personal_data, personal_columns
from ..validators import REQUIRED_MESSAGE, FieldCheck

log = logging.getLogger(__name__)

SCOPE_FILTER = ["id", scope.ScopeFilter, None]


class OutOfScope(DatabaseException):
    def __str__(self):
        return _("The record would be outside your scope; nothing was saved.")


class SaveFailed(DatabaseException):
    def __init__(self, message):
        super().__init__(message)
        self.message = message

    def __str__(self):
        return str(self.message)


class ScopedFilters(Filters):
    """FAB's filters plus custom filter classes on chosen columns (FAB adds
    custom filters only to columns that already have some)."""

    def __init__(self, converter, datamodel, search_columns=None, custom=None):
        super().__init__(converter, datamodel, search_columns)
        self._search_filters = dict(self._search_filters)
        for column, classes in (custom or {}).items():
            made = [cls(column, datamodel) for cls in classes]
            self._all_filters[column] = self._all_filters.get(column, []) + made
            if column in self.search_columns:
                self._search_filters[column] = self._search_filters.get(column, []) + made


class ScopedInterface(SQLAInterface):
    """FAB's data interface with one transaction per write, a scope check
    after the write, and messages a person can act on.

    `undefer`: computed (deferred) columns a list shows, loaded in the list's
    own query rather than one query per row.
    """

    def __init__(self, obj, session=None, undefer=(), filters=None):
        super().__init__(obj, session)
        self.undefer_columns = tuple(undefer)
        self.custom_filters = dict(filters or {})

    def get_filters(self, search_columns=None, search_filters=None):
        return ScopedFilters(self.filter_converter_class, self, search_columns, self.custom_filters)

    def query(self, filters=None, order_column="", order_direction="", page=None,
              page_size=None, select_columns=None, outer_default_load=False):
        query = self.session.query(self.obj)
        count = self.query_count(query, filters, select_columns)
        query = self.apply_all(query, filters, order_column, order_direction, page,
                               page_size, select_columns, outer_default_load)
        if self.undefer_columns:
            query = query.options(*[undefer(getattr(self.obj, c)) for c in self.undefer_columns])
        results = query.all()
        # as FAB does: a query on selected columns returns rows holding the entity
        if results and hasattr(results[0], self.obj.__name__):
            results = [getattr(row, self.obj.__name__) for row in results]
        return count, results

    def is_nullable(self, col_name):
        # computed columns (column properties) have no nullability of their own
        return getattr(self.list_columns.get(col_name), "nullable", True)

    def is_unique(self, col_name):
        # Uniqueness is checked by rules.unique_errors for forms and the API
        # alike, with a message naming the field; FAB's own check would add a
        # second, vaguer one.
        return False

    def add(self, item, commit=True):
        self._save(item, new=True)

    def edit(self, item, commit=True):
        self._save(item)

    def _save(self, item, new=False):
        session = self.session
        try:
            if new:
                session.add(item)
            session.flush()
            if not scope.row_visible(item, session):
                raise OutOfScope()
            session.commit()
        except OutOfScope:
            session.rollback()
            raise
        except StaleDataError as exc:
            session.rollback()
            raise SaveFailed(_("Someone else changed this record in the meantime; reload it and try again.")) from exc
        except IntegrityError as exc:
            session.rollback()
            raise SaveFailed(_("The record conflicts with an existing one; nothing was saved.")) from exc
        except SQLAlchemyError as exc:
            session.rollback()
            log.exception("save failed")
            raise SaveFailed(_("The database refused the change; nothing was saved.")) from exc

    def delete(self, item, commit=True):
        self.delete_all([item])

    def delete_all(self, items):
        """Delete all or nothing."""
        session = self.session
        try:
            for item in items:
                session.delete(item)
            session.commit()
        except IntegrityError as exc:
            session.rollback()
            raise SaveFailed(_("Other records still refer to this one; remove them first. Nothing was deleted.")) from exc
        except SQLAlchemyError as exc:
            session.rollback()
            log.exception("delete failed")
            raise SaveFailed(_("The database refused the change; nothing was saved.")) from exc


def _model_columns(model):
    """The table's own columns (not computed column properties)."""
    return {c.key: c for c in model.__table__.columns}


def _many_to_one(model):
    return {
        r.key: r
        for r in sa_inspect(model).relationships
        if r.direction.name == "MANYTOONE"
    }


def required_or_optional(required):
    return [DataRequired(message=REQUIRED_MESSAGE)] if required else [Optional()]


class FreshLists(dict):
    """validators_columns for FAB's form builder, which appends its own
    validators to the list it gets: hand it a copy each time, so the add and
    edit forms do not collect each other's validators."""

    def get(self, key, default=None):
        value = super().get(key, default)
        return list(value) if isinstance(value, list) else value


class ScopedModelView(ExportMixin, ModelView):
    """A ModelView whose every path obeys the scope policy.

    Subclasses declare `datamodel = ScopedInterface(Model)`, the columns, and
    an explicit `search_columns` (FAB's default would load every related
    table into the filter form). Coded columns get choice lists, related
    columns get search-as-you-type pickers limited to the user's scope, and
    field checks come from rules.FIELD_CHECKS.
    """

    list_template = "villageaid/list.html"
    page_size = 25
    method_permission_name_extra = {}
    lookup_keys = {}  # relationship -> lookup key (see views/lookup.py)

    def __init__(self, **kwargs):
        model = self.datamodel.obj
        if not scope.has_rule(model):
            raise RuntimeError("no scope rule for %s" % model.__name__)
        if self.search_columns is None:
            raise RuntimeError("%s must declare search_columns" % type(self).__name__)
        self.base_filters = [SCOPE_FILTER] + list(self.base_filters or [])
        self.method_permission_name = {"muldelete": "delete", **self.method_permission_name_extra}
        self.label_columns = {**LABELS, **(self.label_columns or {})}
        self._declare_fields(model)
        declared = type(self).base_permissions
        super().__init__(**kwargs)
        if declared is not None and "can_delete" not in declared:
            # a read-only list: no bulk delete (FAB would add its permission)
            self.actions.pop("muldelete", None)
            self.base_permissions = [p for p in self.base_permissions if p != "can_delete"]

    def _declare_fields(self, model):
        columns = _model_columns(model)
        relations = _many_to_one(model)
        checks = rules.field_checks(model)
        formatters = {}
        add_extra, edit_extra, search_extra = {}, {}, {}
        for name, column in columns.items():
            if isinstance(column.type, Boolean):
                # a checkbox left empty means "no", not a missing value
                add_extra[name] = edit_extra[name] = BooleanField(LABELS.get(name, name))
                continue
            if isinstance(column.type, Money):
                money_checks = [FieldCheck(checks[name])] if name in checks else []
                add_extra[name] = edit_extra[name] = DecimalField(
                    LABELS.get(name, name), [Optional()] + money_checks, places=2,
                )
                continue
            options = getattr(column, "info", {}).get("choices")
            if options is None:
                continue
            formatters[name] = options.label
            required = not column.nullable and column.default is None
            add_extra[name] = edit_extra[name] = ChoiceField(
                LABELS.get(name, name),
                required_or_optional(required),
                options=options,
                default=column.default.arg if column.default is not None and not callable(column.default.arg) else None,
            )
            search_extra[name] = ChoiceField(LABELS.get(name, name), [Optional()], options=options)
        for name, rel in relations.items():
            if name in ("created_by", "changed_by"):
                continue
            required = not any(col.nullable for col in rel.local_columns)
            key = self.lookup_keys.get(name, rel.mapper.class_.__name__.lower())
            field = RemoteSelectField(
                LABELS.get(name, name),
                required_or_optional(required),
                lookup_key=key,
            )
            add_extra[name] = edit_extra[name] = field
            search_extra[name] = RemoteSelectField(LABELS.get(name, name), [Optional()], lookup_key=key)
        for name in personal_columns(model):
            formatters[name] = PersonalMask(name)
        for name, column in columns.items():
            if getattr(column, "nullable", True) and name not in formatters:
                formatters[name] = blank_if_none
        self.formatters_columns = {**formatters, **(self.formatters_columns or {})}
        self.add_form_extra_fields = {**add_extra, **(self.add_form_extra_fields or {})}
        self.edit_form_extra_fields = {**edit_extra, **(self.edit_form_extra_fields or {})}
        self.search_form_extra_fields = {**search_extra, **(self.search_form_extra_fields or {})}
        validators = FreshLists({k: list(v) for k, v in (self.validators_columns or {}).items()})
        for name, check in checks.items():
            validators.setdefault(name, []).append(FieldCheck(check))
        self.validators_columns = validators

    def _get_list_widget(self, filters, actions=None, order_column="", order_direction="", **kwargs):
        order_column, order_direction = self.allowed_order(order_column, order_direction)
        return super()._get_list_widget(filters, actions=actions, order_column=order_column,
                                        order_direction=order_direction, **kwargs)

    def allowed_order(self, column, direction):
        """Ordering only by the columns the list offers (not, say, by a
        masked ID number, nor by a name that is no column at all)."""
        if column and column in (self.order_columns or []) and direction in ("asc", "desc"):
            return column, direction
        return "", ""

    def render_template(self, template, **kwargs):
        kwargs.setdefault("modelview_name", self.__class__.__name__)
        return super().render_template(template, **kwargs)

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
                if self._save_form(form, item, new=True):
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
            form = self.edit_form(obj=item)
            self._keep_hidden_personal_data(form, item)
            self._fill_form_exclude_cols(exclude_cols, form)
            if form.validate():
                if str(form.row_version.data) != str(item.row_version):
                    flash(_("Someone else changed this record in the meantime; reload it and try again."), "danger")
                elif self._save_form(form, item, new=False):
                    flash(str(self.edit_row_message), "success")
                    return None
            is_valid_form = False
        else:
            form = self.edit_form.refresh(obj=item)
            form.row_version.data = item.row_version
            self.prefill_form(form, pk)
        self._hide_personal_data(form)
        widgets = self._get_edit_widget(form=form, exclude_cols=exclude_cols)
        widgets = self._get_related_views_widgets(
            item, filters={}, orders={}, pages={}, page_sizes={}, widgets=widgets
        )
        if is_valid_form:
            self.update_redirect()
        return widgets

    def _hide_personal_data(self, form):
        """Blank the personal fields of an edit form for a user who may not
        see them (also when the form comes back with errors)."""
        if may_see_personal_data():
            return
        for name in personal_columns(self.datamodel.obj):
            if name in form._fields:
                form[name].data = ""
                form[name].raw_data = [""]
                form[name].description = _("Hidden personal data: leave empty to keep the recorded value.")

    def _keep_hidden_personal_data(self, form, item):
        """A user who may not see personal data gets those fields empty on
        the edit form; left empty, the recorded value is kept."""
        if may_see_personal_data():
            return
        for name in personal_columns(self.datamodel.obj):
            field = form._fields.get(name)
            if field is not None and not (field.raw_data and field.raw_data[0]):
                field.data = getattr(item, name)
                field.raw_data = ["" if field.data is None else str(field.data)]

    def _save_form(self, form, item, new):
        """Copy the form into the row, run the rules, save in one transaction.
        On any refusal nothing is saved and the form shows why."""
        session = self.datamodel.session
        with session.no_autoflush:
            for name, field in form._fields.items():
                if name not in ("csrf_token", "row_version"):
                    field.populate_obj(item, name)
            errors = rules.record_errors(item)
        if errors:
            session.rollback()
            show_errors(form, errors)
            return False
        try:
            save_with_hooks(self, item, new)
        except DatabaseException as exc:
            flash(str(exc), "danger")
            return False
        return True

    # --- delete and actions ---------------------------------------------

    def _delete(self, pk):
        item = self.datamodel.get(pk, self._base_filters)
        if not item:
            abort(404)
        try:
            self.pre_delete(item)
            self.datamodel.delete(item)
            self.post_delete(item)
        except DatabaseException as exc:
            flash(str(exc), "danger")
        else:
            flash(str(self.delete_row_message), "success")
        self.update_redirect()

    @expose("/download/<string:filename>")
    def download(self, filename):
        # FAB serves any file of UPLOAD_FOLDER here, unfiltered; the plugin
        # stores no files, so the route answers nothing.
        abort(404)

    def scoped_items(self, pks):
        """The rows with these ids if the user may see every one of them, else None."""
        try:
            ids = {int(pk) for pk in pks}
        except (TypeError, ValueError):
            return None
        if not ids:
            return []
        model = self.datamodel.obj
        query = self.datamodel.session.query(model).filter(model.id.in_(ids))
        query = self.datamodel.apply_filters(query, self._base_filters)
        items = query.all()
        return items if len(items) == len(ids) else None

    def _action_allowed(self, name):
        if name not in self.actions:
            abort(404)
        permission = self.get_action_permission_name(name)
        return self.appbuilder.sm.has_access(permission, self.class_permission_name)

    @expose("/action/<string:name>/<pk>", methods=["POST"])
    def action(self, name, pk):
        if not self._action_allowed(name):
            abort(403)
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
            abort(403)
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
        try:
            for item in items:
                self.pre_delete(item)
            self.datamodel.delete_all(items)
        except DatabaseException as exc:
            flash(str(exc), "danger")
        else:
            flash(_("%(count)d record(s) deleted.", count=len(items)), "success")
        return redirect(self.get_redirect())


def save_with_hooks(view, item, new):
    """Save through a view's (web or API) pre/post hooks and its data
    interface; raises DatabaseException when nothing was saved."""
    if new:
        view.pre_add(item)
        view.datamodel.add(item)
        view.post_add(item)
    else:
        view.pre_update(item)
        view.datamodel.edit(item)
        view.post_update(item)


def show_errors(form, errors):
    for field, message in errors.items():
        if field in form._fields:
            form[field].errors = list(form[field].errors or []) + [message]
        else:
            flash(message, "danger")


class ScopedModelRestApi(ModelRestApi):
    """A REST API whose every method obeys the scope policy and the rules.

    Token (JWT) only: FAB exempts its APIs from CSRF, so a browser session
    must not be able to write through them."""

    allow_browser_login = False
    page_size = 20
    max_page_size = 100

    def __init__(self):
        model = self.datamodel.obj
        if not scope.has_rule(model):
            raise RuntimeError("no scope rule for %s" % model.__name__)
        self.base_filters = [SCOPE_FILTER] + list(self.base_filters or [])
        rel_filters = {
            name: [SCOPE_FILTER] for name, rel in _many_to_one(model).items()
            if scope.has_rule(rel.mapper.class_)
        }
        self.add_query_rel_fields = {**rel_filters, **(self.add_query_rel_fields or {})}
        self.edit_query_rel_fields = {**rel_filters, **(self.edit_query_rel_fields or {})}
        self.label_columns = {**LABELS, **(self.label_columns or {})}
        self.list_title = self.list_title or model.__label__
        self.show_title = self.show_title or model.__label__
        super().__init__()

    def pre_get(self, data):
        mask_dict(self.datamodel.obj, data.get(API_RESULT_RES_KEY, {}))

    def pre_get_list(self, data):
        for row in data.get(API_RESULT_RES_KEY, []):
            mask_dict(self.datamodel.obj, row)

    def _write(self, item, new, schema):
        errors = rules.record_errors(item)
        if errors:
            self.datamodel.session.rollback()
            return self.response_422(message=errors)
        try:
            save_with_hooks(self, item, new)
        except DatabaseException as exc:
            return self.response_422(message=str(exc))
        body = {API_RESULT_RES_KEY: mask_dict(self.datamodel.obj, schema.dump(item, many=False))}
        if new:
            body["id"] = item.id
            return self.response(201, **body)
        return self.response(200, **body)

    def post_headless(self):
        if not request.is_json:
            return self.response_400(message=_("The request body must be JSON."))
        session = self.datamodel.session
        try:
            with session.no_autoflush:
                item = self.add_model_schema.load(request.json)
        except ValidationError as err:
            session.rollback()
            return self.response_422(message=err.messages)
        return self._write(item, True, self.add_model_schema)

    def put_headless(self, pk):
        item = self.datamodel.get(pk, self._base_filters)
        if not item:
            return self.response_404()
        if not request.is_json:
            return self.response_400(message=_("The request body must be JSON."))
        session = self.datamodel.session
        payload = request.json
        if isinstance(payload, dict) and "row_version" in payload:
            if str(payload.pop("row_version")) != str(item.row_version):
                return self.response_409(message=_("Someone else changed this record in the meantime; reload it and try again."))
        try:
            with session.no_autoflush:
                data = self._merge_update_item(item, payload)
                item = self.edit_model_schema.load(data, instance=item)
        except ValidationError as err:
            session.rollback()
            return self.response_422(message=err.messages)
        return self._write(item, False, self.edit_model_schema)

    def response_409(self, message):
        return self.response(409, message=message)
