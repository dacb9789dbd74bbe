"""The log of every view of unmasked personal data (个人信息查看记录).

Where the plugin shows an ID number, phone or birth date unmasked — the
PersonalMask formatter on pages, mask_dict in the API — it notes the value
(`revealed`); an edit form shows every personal value of its record. After the request, each loaded record whose personal value
was shown gets one row naming the record and its fields (records are
noted as the ORM loads them: `note_loaded`). An export writes one row naming
the export (`export_row`)."""
import logging

from flask import current_app, g, has_request_context, request
from sqlalchemy import event

from .models import PersonalDataView

log = logging.getLogger(__name__)


def _who():
    """(id, username) of the signed-in user, or None."""
    try:
        user = current_app.appbuilder.sm.current_user
    except Exception:  # no user loader yet, or an anonymous request
        return None
    if user is None or not getattr(user, "id", None):
        return None
    return user.id, user.username


def revealed(column, value):
    """A personal value was shown unmasked in this request."""
    if has_request_context() and value not in (None, ""):
        shown = g.setdefault("_va_revealed", {})
        shown.setdefault(column, set()).add(str(value))


def _channel():
    return "api" if request.path.startswith("/api/") else "page"


def note_loaded(target, _context):
    """ORM load event: keep the personal values of each record this request loads."""
    if not has_request_context():
        return
    from .personal import personal_columns

    values = target.__dict__
    loaded = g.setdefault("_va_loaded", {})
    loaded[(type(target).__name__, values.get("id"))] = {
        c: str(values[c]) for c in personal_columns(type(target)) if values.get(c) not in (None, "")
    }


def listen():
    from .personal import PERSONAL_COLUMNS

    for model in PERSONAL_COLUMNS:
        if not event.contains(model, "load", note_loaded):
            event.listen(model, "load", note_loaded)


def _records(shown):
    """(record type, id) -> fields, for the loaded records whose values were shown."""
    seen = {}
    for key, values in g.pop("_va_loaded", {}).items():
        fields = [c for c, value in values.items() if value in shown.get(c, ())]
        if fields and key[1] is not None:
            seen[key] = fields
    return seen


def _edit_form_shown():
    """An edit form shows a permitted user the recorded values in its fields:
    every personal value of the records it loaded counts as shown."""
    from .personal import may_see_personal_data

    if request.method != "GET" or not (request.endpoint or "").endswith(".edit"):
        return {}
    if not may_see_personal_data():
        return {}
    shown = {}
    for values in g.get("_va_loaded", {}).values():
        for column, value in values.items():
            shown.setdefault(column, set()).add(value)
    return shown


def record_request(response):
    """after_request: one row per record whose personal data this request showed."""
    shown = g.pop("_va_revealed", None) or _edit_form_shown()
    if not shown or response.status_code >= 400:
        return response
    who = _who()
    if who is None:
        return response
    session = current_app.appbuilder.session
    try:
        for (record_type, record_id), fields in sorted(_records(shown).items()):
            session.add(
                PersonalDataView(
                    user_id=who[0], username=who[1], record_type=record_type, record_id=record_id,
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
    user_id, username = _who()
    return PersonalDataView(
        user_id=user_id, username=username, record_type=model.__name__, record_id=None,
        fields=",".join(columns), channel="export", path=request.path[:300], detail=str(list_name)[:300],
    )
