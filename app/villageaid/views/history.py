"""The operation log (操作日志): every change of every record, for the
office; read-only (history is only ever added to)."""
from flask_babel import lazy_gettext as _l

from .. import history
from ..models import ChangeRecord
from .crud import ScopedModelView
from .interface import ScopedInterface


class ChangeRecordView(ScopedModelView):
    datamodel = ScopedInterface(ChangeRecord)
    base_permissions = ["can_list", "can_show", "can_export"]
    list_title = show_title = _l("Operation log")
    show_template = "villageaid/change_show.html"
    list_columns = ["changed_on", "user", "action", "path", "model", "record_label"]
    show_columns = list_columns
    search_columns = ["changed_on", "user", "action", "path", "model", "record_label"]
    order_columns = ["changed_on", "action", "path", "model"]
    base_order = ("changed_on", "desc")
    label_columns = {"changed_on": _l("Time"), "action": _l("Action"), "path": _l("Path"),
                     "model": _l("Kind of record"), "record_label": _l("Record")}
    lookup_keys = {"user": "user"}
    show_history = False

    def render_template(self, template, **kwargs):
        if template == self.show_template and "pk" in kwargs:
            row = self.datamodel.get(kwargs["pk"], self._base_filters)
            kwargs["change_fields"] = history.shown_fields(row, self.viewer) if row else []
        return super().render_template(template, **kwargs)
