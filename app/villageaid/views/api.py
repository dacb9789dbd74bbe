"""ScopedModelRestApi: FAB's REST API with every method inside the scope
policy, writing through writes.py like the web forms.

Token (JWT) only: FAB exempts its APIs from CSRF, so a browser session must
not be able to write through them. A PUT must carry the `row_version` the
client read (428 without it, 409 when the record changed since).

`post_headless`, `put_headless` and `delete_headless` replace FAB's (5.3.0):
FAB's would write through the data interface and answer a database error
with its SQL. tests/unit/test_fab_pins.py pins FAB's originals.
"""
from flask import request
from flask_appbuilder.api import ModelRestApi
from flask_appbuilder.const import API_ORDER_COLUMN_RIS_KEY, API_RESULT_RES_KEY
from flask_appbuilder.exceptions import InvalidOrderByColumnFABException
from flask_babel import gettext as _
from marshmallow import ValidationError

from .. import rules, scope, writes
from ..apifields import MoneySchemaConverter
from ..labels import LABELS
from ..personal import hidden_columns, mask_dict
from .crud import SCOPE_FILTER, save_with_hooks


class ScopedModelRestApi(ModelRestApi):
    model2schemaconverter = MoneySchemaConverter  # amounts checked like the forms'
    allow_browser_login = False
    page_size = 20
    max_page_size = 100

    def __init__(self):
        model = self.datamodel.obj
        if not scope.has_rule(model):
            raise RuntimeError("no scope rule for %s" % model.__name__)
        self.base_filters = [SCOPE_FILTER] + list(self.base_filters or [])
        rel_filters = {
            rel.key: [SCOPE_FILTER] for rel in writes.many_to_one(model)
            if scope.has_rule(rel.mapper.class_)
        }
        self.add_query_rel_fields = {**rel_filters, **(self.add_query_rel_fields or {})}
        self.edit_query_rel_fields = {**rel_filters, **(self.edit_query_rel_fields or {})}
        self.label_columns = {**LABELS, **(self.label_columns or {})}
        self.list_title = self.list_title or model.__label__
        self.show_title = self.show_title or model.__label__
        super().__init__()

    def _init_model_schemas(self):
        super()._init_model_schemas()
        for name in rules.derived_columns(self.datamodel.obj):  # a rule fills it in when left out
            for schema in (self.add_model_schema, self.edit_model_schema):
                if schema is not None and name in schema.fields:
                    schema.fields[name].required = False
                    schema.fields[name].allow_none = True

    @property
    def viewer(self):
        return scope.current_viewer()

    def _handle_order_args(self, rison_args):
        """No ordering by personal data the caller sees masked."""
        if rison_args.get(API_ORDER_COLUMN_RIS_KEY) in hidden_columns(self.datamodel.obj):
            raise InvalidOrderByColumnFABException(_("Ordering by this column is not allowed."))
        return super()._handle_order_args(rison_args)

    def pre_get(self, data):
        mask_dict(self.datamodel.obj, data.get(API_RESULT_RES_KEY, {}))

    def pre_get_list(self, data):
        for row in data.get(API_RESULT_RES_KEY, []):
            mask_dict(self.datamodel.obj, row)

    def _write(self, item, before, version, schema):
        new = before is None
        try:
            save_with_hooks(self, item, "api", before, version)
        except writes.Stale as exc:
            return self.response(409, message=exc.message())
        except writes.Refused as exc:
            return self.response_422(message={k: str(v) for k, v in exc.errors.items()})
        body = {API_RESULT_RES_KEY: mask_dict(self.datamodel.obj, schema.dump(item, many=False)),
                "warnings": self.write_warnings(item)}
        if new:
            body["id"] = item.id
            return self.response(201, **body)
        return self.response(200, **body)

    def write_warnings(self, item):
        """Messages about a record just saved that did not stop the save
        (a list of strings, in the response's `warnings`)."""
        return []

    def post_headless(self):
        if not request.is_json or not isinstance(request.get_json(silent=True), dict):
            return self.response_400(message=_("The request body must be a JSON object."))
        too_large = rules.payload_range_errors(self.datamodel.obj, request.json)
        if too_large:
            return self.response_422(message=too_large)
        session = self.datamodel.session
        try:
            with session.no_autoflush:
                item = self.add_model_schema.load(request.json)
        except ValidationError as err:
            session.rollback()
            return self.response_422(message=err.messages)
        return self._write(item, None, None, self.add_model_schema)

    def put_headless(self, pk):
        item = self.datamodel.get(pk, self._base_filters)
        if not item:
            return self.response_404()
        payload = request.get_json(silent=True) if request.is_json else None
        if not isinstance(payload, dict):
            return self.response_400(message=_("The request body must be a JSON object."))
        payload = dict(payload)
        version = payload.pop("row_version", None)
        if version is None:
            return self.response(428, message=_("Send the row_version of the record you read; nothing was saved."))
        too_large = rules.payload_range_errors(self.datamodel.obj, payload)
        if too_large:
            return self.response_422(message=too_large)
        before = writes.snapshot(item)
        session = self.datamodel.session
        try:
            with session.no_autoflush:
                data = self._merge_update_item(item, payload)
                item = self.edit_model_schema.load(data, instance=item)
        except ValidationError as err:
            session.rollback()
            return self.response_422(message=err.messages)
        return self._write(item, before, version, self.edit_model_schema)

    def delete_headless(self, pk):
        item = self.datamodel.get(pk, self._base_filters)
        if not item:
            return self.response_404()
        try:
            self.pre_delete(item)
            writes.delete_all([item], self.viewer, path="api")
        except writes.Refused as exc:
            return self.response_422(message=exc.message())
        self.post_delete(item)
        return self.response(200, message="OK")
