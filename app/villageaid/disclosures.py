"""The log of every view of unmasked personal data (个人信息查看记录).

Where the plugin shows an ID number, phone or birth date unmasked — the
PersonalMask formatter on pages, mask_dict in the API — it notes the value
(`revealed`). After the request, each loaded record whose personal value
was shown gets one row naming the record and its fields. An export writes
one row naming the export (`export_row`)."""
import logging

from flask import current_app, g, has_request_context, request

from .models import PersonalDataView, current_user_id

log = logging.getLogger(__name__)


def revealed(column, value):
    """A personal value was shown unmasked in this request."""
    if has_request_context() and value not in (None, ""):
        shown = g.setdefault("_va_revealed", {})
        shown.setdefault(column, set()).add(str(value))


def _channel():
    return "api" if request.path.startswith("/api/") else "page"


def _records(shown):
    """(model, id, fields) of the loaded records whose values were shown."""
    from .personal import PERSONAL_COLUMNS

    session = current_app.appbuilder.session
    seen = {}
    for obj in list(session.identity_map.values()):
        columns = PERSONAL_COLUMNS.get(type(obj))
        if not columns:
            continue
        values = obj.__dict__
        fields = [
            c for c in columns
            if c in shown and values.get(c) not in (None, "") and str(values[c]) in shown[c]
        ]
        if fields and values.get("id") is not None:
            seen[(type(obj).__name__, values["id"])] = fields
    return seen


def record_request(response):
    """after_request: one row per record whose personal data this request showed."""
    shown = g.pop("_va_revealed", None)
    if not shown or response.status_code >= 400:
        return response
    user_id = current_user_id()
    if user_id is None:
        return response
    session = current_app.appbuilder.session
    try:
        for (record_type, record_id), fields in sorted(_records(shown).items()):
            session.add(
                PersonalDataView(
                    user_id=user_id, record_type=record_type, record_id=record_id,
                    fields=",".join(fields), channel=_channel(), path=request.path[:300],
                )
            )
        session.commit()
    except Exception:  # the log must not lose the page, but must be seen
        session.rollback()
        log.exception("could not write the personal data view log")
    return response


def export_row(model, columns, list_name):
    """The row an export of unmasked personal columns writes (added by the
    export to its receipt's transaction)."""
    return PersonalDataView(
        user_id=current_user_id(), record_type=model.__name__, record_id=None,
        fields=",".join(columns), channel="export", path=request.path[:300], detail=str(list_name)[:300],
    )
