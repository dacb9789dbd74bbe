"""Change history (操作日志): every record written through the one write
path leaves a row — who, when, by which path, and each field before and
after as a person reads it — in the same transaction as the change. Rows are
only ever added; reading them goes through the scope policy (a record's
history is visible to whom the record was visible when it changed) and
masks personal data for those who see it masked."""
import json
from datetime import date, datetime
from decimal import Decimal

from . import scope, writes
from .exports import yes_no
from .labels import LABELS
from .models import ChangeRecord, ExportReceipt
from .personal import MASKS, personal_columns

NOT_TRACKED = {ChangeRecord, ExportReceipt}
# bookkeeping columns every record has: the history row says who and when
SKIPPED = {"id", "row_version", "created_on", "changed_on", "created_by_fk", "changed_by_fk",
           "deleted_on", "deleted_by_fk"}


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
        before = change.before.get(key) if change.kind != "create" else None
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
    if change.kind == "purge":
        anonymise(type(item), item.id, session)
        fields = []
    else:
        fields = _fields(change, session)
    if change.kind == "update" and not fields:
        return
    public, town_id, unit_id, village_unit_id = scope.history_keys(item)
    session.add(ChangeRecord(
        user_id=change.viewer.user_id, path=change.path, action=change.kind, model=type(item).__name__,
        record_id=item.id, record_label=str(item)[:200], changes=json.dumps(fields, ensure_ascii=False),
        public=public, town_id=town_id, unit_id=unit_id, village_unit_id=village_unit_id,
    ))


def anonymise(model, record_id, session):
    """A purged record's personal data leaves its history too: masked."""
    hidden = personal_columns(model)
    if not hidden:
        return
    rows = session.query(ChangeRecord).filter_by(model=model.__name__, record_id=record_id)
    for row in rows:
        fields = [[f, MASKS[f](str(b)) if f in hidden and b else b, MASKS[f](str(a)) if f in hidden and a else a]
                  for f, b, a in json.loads(row.changes or "[]")]
        row.changes = json.dumps(fields, ensure_ascii=False)


def entries(viewer, model, record_id, limit=200):
    """The history of one record that `viewer` may see, newest first
    (`record_id` as it came in a URL)."""
    record_id = scope.parse_id(record_id)
    if record_id is None:
        return []
    query = (
        scope.visible_query(ChangeRecord, viewer)
        .filter(ChangeRecord.model == model.__name__, ChangeRecord.record_id == record_id)
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
    model = _model_named(row.model)
    columns = model.__table__.columns if model is not None else {}
    hidden = () if viewer.personal_data else personal_columns(model)
    shown = []
    for field, before, after in json.loads(row.changes or "[]"):
        column = columns.get(field) if hasattr(columns, "get") else None
        shown.append((str(LABELS.get(field, field)), _text(column, field, before, hidden),
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
