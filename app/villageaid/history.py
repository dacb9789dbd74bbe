"""Change history (操作日志): every record written through the one write
path leaves a row — who, when, by which path, and each field before and
after as a person reads it — in the same transaction as the change. Rows are
only ever added; reading them goes through the scope policy (a record's
history is visible to whom the record was visible when it changed) and
masks personal data for those who see it masked."""
import json
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, timedelta
from decimal import Decimal

from flask import has_request_context, request
from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import and_, delete, event, insert, inspect as sa_inspect, or_, select

from . import scope, settings, writes
from .exports import yes_no
from .labels import LABELS
from .models import Cadre, ChangeRecord, ExportReceipt, LoginEvent, PersonalDataView, ReserveCandidate, utcnow
from .personal import MASKS, personal_columns

NOT_TRACKED = {ChangeRecord, ExportReceipt}
# bookkeeping columns every record has: the history row says who and when
SKIPPED = {"id", "row_version", "created_on", "changed_on", "created_by_fk", "changed_by_fk",
           "deleted_on", "deleted_by_fk", "stored_path", "binned_with_record"}


def _plain(value):
    """A value as kept in the history (JSON): text, numbers, booleans, None."""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _fields(change, session):
    """[[field, before, after], ...] of a change, related rows by their name."""
    model = type(change.item)
    columns = [c for c in model.__table__.columns if c.key not in SKIPPED]
    related = {next(iter(r.local_columns)).key: r for r in writes.many_to_one(model)}
    rows = []
    for column in columns:
        key = column.key
        # a restore tells the record as it came back (it was in the bin before)
        before = change.before.get(key) if change.kind not in ("create", "restore") else None
        after = change.after.get(key) if change.kind != "delete" else None
        if change.kind == "update" and before == after:
            continue
        if before is None and after is None:
            continue
        if key in related:
            target = related[key].mapper.class_
            name = related[key].key
            before = None if before is None else str(session.get(target, before) or before)
            after = None if after is None else str(session.get(target, after) or after)
            rows.append([name, before, after])
        else:
            rows.append([key, _plain(before), _plain(after)])
    return rows


@writes.on_change
def record_change(change, session):
    """The write path's hook: one history row per record written."""
    item = change.item
    if type(item) in NOT_TRACKED:
        return
    label = str(item)[:200]
    if change.kind == "purge":
        anonymise(type(item), item.id, session)
        fields = []
        label = purged_label(item)
    else:
        fields = _fields(change, session)
    if change.kind == "update" and not fields:
        return
    public, town_id, unit_id, village_unit_id = scope.history_keys(item)
    session.add(ChangeRecord(
        user_id=change.viewer.user_id, path=change.path, action=change.kind, model=type(item).__name__,
        record_id=item.id, record_label=label, changes=json.dumps(fields, ensure_ascii=False),
        public=public, town_id=town_id, unit_id=unit_id, village_unit_id=village_unit_id,
    ))


# Records of a person: a purge masks their name too (the ID number, phone
# and birth date are masked for every model that has them).
PEOPLE = {Cadre, ReserveCandidate}


def mask_name(value):
    """张三丰 → 张**: the family name stays, so the history still reads."""
    value = str(value)
    return value[:1] + "*" * max(len(value) - 1, 1)


def anonymise(model, record_id, session):
    """A purged record's personal data leaves its history too: ID numbers,
    phones and birth dates masked, and a person's name."""
    masks = {f: MASKS[f] for f in personal_columns(model)}
    if model in PEOPLE:
        masks["name"] = mask_name
    if not masks:
        return
    rows = session.query(ChangeRecord).filter_by(model=model.__name__, record_id=record_id)
    for row in rows:
        fields = [[f, masks[f](str(b)) if f in masks and b else b, masks[f](str(a)) if f in masks and a else a]
                  for f, b, a in json.loads(row.changes or "[]")]
        row.changes = json.dumps(fields, ensure_ascii=False)
        if "name" in masks:
            row.record_label = mask_name(row.record_label)


def purged_label(item):
    """The label a purge row keeps: a person's name masked."""
    return mask_name(item) if type(item) in PEOPLE else str(item)[:200]


def attachments(model, record_id):
    """The history rows of a record's evidence (its 佐证材料), shown with the
    record's own; None for a record that has none."""
    from .models import Evidence

    column = {"FollowUpRecord": Evidence.followup_record_id,
              "TrainingSession": Evidence.training_session_id,
              "FollowUpAlert": Evidence.followup_alert_id}.get(model.__name__)
    if column is None:
        return None
    return and_(ChangeRecord.model == Evidence.__name__,
                ChangeRecord.record_id.in_(select(Evidence.id).where(column == record_id)))


def entries(viewer, model, record_id, limit=200):
    """The history of one record that `viewer` may see, newest first
    (`record_id` as it came in a URL)."""
    record_id = scope.parse_id(record_id)
    if record_id is None:
        return []
    own = and_(ChangeRecord.model == model.__name__, ChangeRecord.record_id == record_id)
    attached = attachments(model, record_id)
    query = (
        scope.visible_query(ChangeRecord, viewer)
        .filter(own if attached is None else or_(own, attached))
        .order_by(ChangeRecord.changed_on.desc(), ChangeRecord.id.desc())
        .limit(limit)
    )
    return [(row, shown_fields(row, viewer)) for row in query]


def _model_named(name):
    for mapper in ChangeRecord.registry.mappers:
        if mapper.class_.__name__ == name:
            return mapper.class_
    return None


def shown_fields(row, viewer):
    """[(label, before, after)] of a history row as this viewer reads it:
    labels in the user's language, code lists by their label, yes/no, and
    personal data masked for those who see it masked."""
    if row.action == "prune":
        return [(str(LOG_TABLES[name][0].__label__) if name in LOG_TABLES else name, str(removed), "")
                for name, removed, _after in json.loads(row.changes or "[]")]
    model = _model_named(row.model)
    columns = model.__table__.columns if model is not None else {}
    hidden = () if viewer.personal_data else personal_columns(model)
    labels = ACCOUNT_LABELS if row.model in ACCOUNT_MODELS else {**LABELS, **getattr(model, "__field_labels__", {})}
    shown = []
    for field, before, after in json.loads(row.changes or "[]"):
        if field == PASSWORD:  # never a password or its hash: only that it changed
            shown.append((str(ACCOUNT_LABELS[PASSWORD]), "", _("changed") if after else ""))
            continue
        column = columns.get(field) if hasattr(columns, "get") else None
        label = str(labels.get(field, field))
        if row.action == "update" and row.model in ACCOUNT_MODELS and field in RELATED_LISTS:
            label = _("%(name)s (removed / added)", name=label)
        shown.append((label, _text(column, field, before, hidden),
                      _text(column, field, after, hidden)))
    return shown


def _text(column, field, value, hidden):
    if value is None or value == "":
        return ""
    if field in hidden:
        return MASKS[field](str(value))
    options = column.info.get("choices") if column is not None else None
    if options is not None:
        return str(options.label(value))
    if isinstance(value, bool):
        return str(yes_no(value))
    return str(value)


# --- FAB's accounts, roles and permissions -------------------------------------
#
# FAB's user and role screens, its API and its commands write through FAB's
# own security manager, not through the write path: their changes are caught
# from the session (before the flush: what changed; after it: the ids) and
# written in the same transaction. Visible to those who see every row.

ACCOUNT_MODELS = {
    "User": ("username", "first_name", "last_name", "email", "active", "password", "roles"),
    "Role": ("name", "permissions"),
    # the permissions themselves: made when views are registered (start-up
    # with FAB_UPDATE_PERMS, `flask villageaid init`, `flask fab
    # create-permissions`), removed by FAB's security clean-up
    "Permission": ("name",),
    "ViewMenu": ("name",),
    "PermissionView": ("permission", "view_menu"),
}
PASSWORD = "password"
RELATED_LISTS = ("roles", "permissions")  # an update stores what was removed and added
ACCOUNT_LABELS = {
    "username": _l("User name"), "first_name": _l("First name"), "last_name": _l("Last name"),
    "email": _l("Email"), "active": _l("Active"), "password": _l("Password"), "roles": _l("Roles"),
    "name": _l("Name"), "permissions": _l("Permissions"),
    "permission": _l("Permission"), "view_menu": _l("View or menu"),
}
PASSWORD_CHANGED = "*"  # what the history keeps of a password: that it changed
PENDING = "va_account_changes"
GATHERED = "va_account_changes_flushed"


_SYSTEM = ContextVar("villageaid_history_system", default=False)


@contextmanager
def system_changes():
    """Account, role and permission changes inside the block are the
    system's own (path "system"): FAB registering the views' permissions."""
    token = _SYSTEM.set(True)
    try:
        yield
    finally:
        _SYSTEM.reset(token)


def _account_path():
    if _SYSTEM.get():
        return "system"
    if not has_request_context():
        return "cli"
    return "api" if request.path.startswith("/api/") else "web"


def _value(key, value):
    if key == PASSWORD:
        return PASSWORD_CHANGED if value else None
    return _plain(value)


def _account_fields(obj, kind):
    """[[field, before, after], ...] of a user or role about to be flushed;
    related roles and permissions by their names."""
    state = sa_inspect(obj)
    rows = []
    for key in ACCOUNT_MODELS[type(obj).__name__]:
        hist = state.attrs[key].load_history() if kind != "create" else state.attrs[key].history
        if kind == "update" and not hist.has_changes():
            continue
        if state.mapper.relationships.get(key) is not None:
            # whole lists here; an update keeps only what was removed and
            # added (_related_change), when the flushes are gathered
            unchanged = [str(o) for o in hist.unchanged or ()]
            before = sorted(unchanged + [str(o) for o in hist.deleted or ()]) or None
            after = sorted(unchanged + [str(o) for o in hist.added or ()]) or None
        else:
            old = hist.deleted[0] if hist.deleted else (hist.unchanged[0] if hist.unchanged else None)
            new = hist.added[0] if hist.added else (hist.unchanged[0] if hist.unchanged else None)
            before, after = _value(key, old), _value(key, new)
            if key == PASSWORD and kind == "update":
                before = None
        if kind == "create":
            before = None
        if kind == "delete":
            after = None
        if before == after or (before is None and after is None):
            continue
        rows.append([key, before, after])
    return rows


def _accounts_before_flush(session, flush_context, instances):
    pending = session.info.setdefault(PENDING, [])
    for kind, objs in (("create", session.new), ("update", session.dirty), ("delete", session.deleted)):
        for obj in objs:
            if type(obj).__name__ not in ACCOUNT_MODELS or type(obj).__module__.startswith("villageaid"):
                continue
            if kind == "update" and not session.is_modified(obj):
                continue
            fields = _account_fields(obj, kind)
            if kind == "update" and not fields:
                continue
            pending.append((kind, obj, fields, obj.id if kind == "delete" else None))


def _accounts_after_flush(session, flush_context):
    """Ids are known now: gather the changes per account or role, so that a
    change FAB flushes in several steps is one history row."""
    pending = session.info.pop(PENDING, None)
    if not pending:
        return
    gathered = session.info.setdefault(GATHERED, {})
    for kind, obj, fields, pk in pending:
        key = (type(obj).__name__, pk if pk is not None else obj.id)
        label = str(getattr(obj, "username", None) or getattr(obj, "name", None) or obj)[:200]
        if key not in gathered:
            gathered[key] = [kind, label, {f: [b, a] for f, b, a in fields}]
            continue
        entry = gathered[key]
        entry[0] = "delete" if kind == "delete" else entry[0]
        entry[1] = label
        for f, b, a in fields:
            entry[2][f] = [entry[2][f][0], a] if f in entry[2] else [b, a]


def _accounts_before_commit(session):
    session.flush()  # the commit's own flush comes after this event
    gathered = session.info.pop(GATHERED, None)
    if not gathered:
        return
    from .models import current_user_id

    user_id, path = current_user_id(), _account_path()
    rows = []
    for (model, pk), (kind, label, fields) in gathered.items():
        changes = [[f, *_related_change(kind, b, a)] for f, (b, a) in fields.items() if b != a or kind != "update"]
        if changes or kind != "update":
            rows.append(dict(changed_on=utcnow(), user_id=user_id, path=path, action=kind, model=model,
                             record_id=pk, record_label=label, changes=json.dumps(changes, ensure_ascii=False),
                             public=False))
    connection = session.connection()
    if rows and _history_table_exists(connection):
        connection.execute(insert(ChangeRecord.__table__), rows)


def _related_change(kind, before, after):
    """A related list (a role's permissions, a user's roles) as stored: in
    full when made or deleted; for an update only the names removed
    (before) and added (after) — a role's whole list of some hundreds of
    permissions, twice, would be tens of kilobytes a row, and what the
    reader asks is what was granted or taken away."""
    if not isinstance(before, list) and not isinstance(after, list):
        return before, after
    before, after = before or [], after or []
    if kind == "update":
        before, after = sorted(set(before) - set(after)), sorted(set(after) - set(before))
    return ("、".join(before) or None), ("、".join(after) or None)


_HAS_TABLE = set()


def _history_table_exists(connection):
    """False only before the add-on's migrations made the table (FAB's
    roles may be written then, by an older schema's set-up)."""
    key = str(connection.engine.url)
    if key not in _HAS_TABLE and sa_inspect(connection).has_table(ChangeRecord.__tablename__):
        _HAS_TABLE.add(key)
    return key in _HAS_TABLE


def _forget_pending(session, *args):
    session.info.pop(PENDING, None)
    session.info.pop(GATHERED, None)


def listen_for_accounts(session):
    """Record FAB's account and role changes made in `session` (FAB's)."""
    for name, func in (("before_flush", _accounts_before_flush), ("after_flush", _accounts_after_flush),
                       ("before_commit", _accounts_before_commit),
                       ("after_rollback", _forget_pending)):
        if not event.contains(session, name, func):
            event.listen(session, name, func)


# --- retention ------------------------------------------------------------------

# the history and the logs: kept at least VILLAGEAID_HISTORY_RETENTION_DAYS
LOG_TABLES = {
    "ChangeRecord": (ChangeRecord, ChangeRecord.changed_on),
    "LoginEvent": (LoginEvent, LoginEvent.created_on),
    "ExportReceipt": (ExportReceipt, ExportReceipt.created_on),
    "PersonalDataView": (PersonalDataView, PersonalDataView.created_on),
}


class RetentionError(ValueError):
    pass


def prune(session, now=None):
    """Delete the history and log rows older than the retention — never a
    younger one — and record the run in the history (how many rows of each
    log, the cut-off, the command line as its path), in one transaction.
    Returns {log name: rows removed}."""
    days = settings.get("VILLAGEAID_HISTORY_RETENTION_DAYS")
    if not isinstance(days, int) or isinstance(days, bool) or days < 1:
        raise RetentionError(_("VILLAGEAID_HISTORY_RETENTION_DAYS must be a whole number of days, at least 1."))
    cutoff = (now or utcnow()) - timedelta(days=days)
    removed = {}
    try:
        for name, (model, column) in LOG_TABLES.items():
            removed[name] = session.execute(delete(model.__table__).where(column < cutoff)).rowcount or 0
        session.add(ChangeRecord(
            user_id=None, path="cli", action="prune", model="ChangeRecord", record_id=0,
            record_label=_("Logs older than %(date)s (kept %(days)d days)", date=cutoff.strftime("%Y-%m-%d %H:%M"),
                           days=days)[:200],
            changes=json.dumps([[name, n, None] for name, n in removed.items()]), public=False))
        session.commit()
    except Exception:
        session.rollback()
        raise
    return removed
