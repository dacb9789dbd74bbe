"""审计: the login log, the export log and the personal-data view log —
read-only lists (with CSV export) for the auditor, the office and Admin."""
from flask_babel import lazy_gettext as _l

from .. import scope
from ..exports import yes_no
from ..models import LoginEvent, PersonalDataView
from .base import ScopedInterface, ScopedModelView

# An audit row belongs to the user it records: visible to that user when a
# role grants the list without every row (Admin, Office and Auditor see all).
for _model in (LoginEvent, PersonalDataView):
    scope.rule(_model)(lambda towns, units, user_id, _m=_model: _m.user_id == user_id)
scope.PERSONAL.update({LoginEvent, PersonalDataView})


class LoginEventView(ScopedModelView):
    """登录日志: who signed in or out, when, from where, and how it went."""

    datamodel = ScopedInterface(LoginEvent)
    base_permissions = ["can_list", "can_show", "can_export"]
    list_title = show_title = _l("Login log")
    list_columns = ["created_on", "username", "user", "channel", "outcome", "success", "address"]
    show_columns = ["created_on", "username", "user", "channel", "outcome", "success", "address", "user_agent"]
    # by the name, not a user picker: the auditor has no lookups (they would show domain rows)
    search_columns = ["created_on", "username", "channel", "outcome", "success", "address"]
    order_columns = ["created_on", "username", "outcome", "address"]
    formatters_columns = {"success": yes_no}
    label_columns = {
        "created_on": _l("Time"),
        "username": _l("Account name entered"),
        "user": _l("User"),
        "channel": _l("Channel"),
        "outcome": _l("Outcome"),
        "success": _l("Succeeded"),
        "address": _l("Address"),
        "user_agent": _l("Browser or client"),
    }
    base_order = ("created_on", "desc")


class PersonalDataViewLogView(ScopedModelView):
    """个人信息查看记录: who saw whose unmasked personal data, where and when."""

    datamodel = ScopedInterface(PersonalDataView)
    base_permissions = ["can_list", "can_show", "can_export"]
    list_title = show_title = _l("Personal data views")
    list_columns = ["created_on", "username", "record_type", "record_id", "fields", "channel", "path"]
    show_columns = ["created_on", "username", "user", "record_type", "record_id", "fields", "channel", "path", "detail"]
    search_columns = ["created_on", "username", "record_type", "record_id", "channel", "path"]
    order_columns = ["created_on", "record_type", "record_id"]
    label_columns = {
        "created_on": _l("Time"),
        "username": _l("User"),
        "user": _l("Account"),
        "record_type": _l("Record type"),
        "record_id": _l("Record ID"),
        "fields": _l("Fields shown"),
        "channel": _l("Where"),
        "path": _l("Address (URL)"),
        "detail": _l("Detail"),
    }
    base_order = ("created_on", "desc")
