"""The one write path: every create, update and delete of a domain record —
web forms, the REST API, bulk actions, imports — goes through `save_all`
and `delete_all`, in one transaction per call:

1. check, with autoflush off and against the values the records had before
   (`snapshot`), never against SQLAlchemy's change history (a query that
   flushes would empty it): field formats, required text, codes, every
   reference the write sets or changes (all of them, together: each must be
   a row the user may name, scope.may_name), the model's own rules, the
   row's own scope (scope.would_be_visible), uniqueness;
2. flush, and ask the scope again of the flushed row (scope.row_visible);
3. run the change hooks (`on_change`: change history, maintained figures;
   `on_changes`: once with all the call's records) in the same transaction;
4. commit — or roll back everything and raise `Refused` with the reasons.

The user is passed explicitly (a scope.Viewer), and so is the path the
change came by ("web", "api", "bulk", "import", "cli").
"""
import logging
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, inspect as sa_inspect, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm.exc import StaleDataError

from . import rules, scope
from .labels import label
from .models import recyclable, utcnow

log = logging.getLogger(__name__)

# The key of an error about the whole record (marshmallow's convention).
WHOLE_RECORD = "_schema"
AUDIT_RELATIONS = ("created_by", "changed_by")


class Refused(Exception):
    """Nothing was written; `errors` says why, as {field: message}."""

    def __init__(self, errors, item=None):
        super().__init__(errors)
        self.errors = errors
        self.item = item

    def message(self):
        return " ".join(str(m) for m in self.errors.values())


class Stale(Refused):
    """The record changed since the user loaded it."""

    def __init__(self, item=None):
        super().__init__({WHOLE_RECORD: stale_message()}, item)


def stale_message():
    return _("Someone else changed this record in the meantime; reload it and try again.")


def out_of_scope_message():
    return _("The record would be outside your scope; nothing was saved.")


@dataclass
class Change:
    """One record written: what the change hooks are told."""

    kind: str  # "create", "update" or "delete"
    item: object
    before: dict
    viewer: scope.Viewer
    path: str
    after: dict = field(default_factory=dict)


_HOOKS = []


def on_change(func):
    """Register func(change, session), called for every record written, in
    the same transaction: after the flush of a create or update, before the
    delete of a delete."""
    _HOOKS.append(func)
    return func


_BATCH_HOOKS = []


def on_changes(func):
    """Register func(changes, session), called once per write call with
    every record it wrote, after the per-record hooks, in the same
    transaction: for a figure that one statement can keep for many records
    (a batch of an import) instead of one per record."""
    _BATCH_HOOKS.append(func)
    return func


def snapshot(item):
    """The values of a record's own columns as they are now ({} for a new
    record): taken before a form or a payload is applied to it."""
    state = sa_inspect(item)
    if state.transient or state.pending:
        return {}
    return {attr.key: getattr(item, attr.key) for attr in state.mapper.column_attrs
            if attr.key in state.mapper.columns and attr.columns[0].table is type(item).__table__}


def many_to_one(model):
    return [r for r in sa_inspect(model).relationships
            if r.direction.name == "MANYTOONE" and r.key not in AUDIT_RELATIONS]


def _relation_of_column(model, column_name):
    for rel in many_to_one(model):
        if any(c.name == column_name for c in rel.local_columns):
            return rel
    return None


def pending_value(item, column_name, before):
    """The value a column will have once the record is flushed: the foreign
    key of a related row set through its relationship (not flushed yet), or
    the column itself when it was set directly."""
    raw = item.__dict__.get(column_name)
    rel = _relation_of_column(type(item), column_name)
    if rel is None:
        return getattr(item, column_name)
    if raw != before.get(column_name):
        return raw  # set directly (an import, a CLI)
    if rel.key in item.__dict__:
        target = item.__dict__[rel.key]
        return None if target is None else target.id
    return raw


def reference_errors(item, viewer, before, memo=None):
    """Every reference the write sets or changes must point at a row the
    user may name; a forged id is refused like one that does not exist.
    References that stay as they were are not asked again. `memo` (a dict
    kept for one save_all call) remembers the targets already allowed where
    the answer cannot depend on the record (no narrower scope.nameable)."""
    errors = {}
    model = type(item)
    for rel in many_to_one(model):
        column = next(iter(rel.local_columns)).name
        value = pending_value(item, column, before)
        if value is None or value == before.get(column):
            continue
        key = ("name", model, rel.key, value)
        if memo is not None and key in memo:
            continue
        if not scope.may_name(viewer, model, rel.key, rel.mapper.class_, value, item):
            errors[rel.key] = _("Not a valid choice.")
        elif memo is not None and not scope.narrower_naming(model, rel.key):
            memo[key] = True
    return errors


def check(item, viewer, before, memo=None, known=None):
    """Everything wrong with a record about to be saved, as {field: message};
    {} when it may be saved. Runs with autoflush off. `memo`, `known`: see
    save_all."""
    session = current_app.appbuilder.session
    with session.no_autoflush:
        errors = rules.field_errors(item)
        for key, message in reference_errors(item, viewer, before, memo).items():
            errors.setdefault(key, message)
        if errors:
            return errors
        errors = rules.model_errors(item, before)
        if errors:
            return errors
        # Scope before uniqueness: a row the user could not keep must not
        # tell whether a value is used elsewhere.
        if not scope.would_be_visible(item, viewer, lambda name: pending_value(item, name, before), memo):
            return {WHOLE_RECORD: out_of_scope_message()}
        return rules.unique_errors(item, lambda name: pending_value(item, name, before), viewer, known)


def save(item, viewer, *, path, before=None, version=None):
    """Create (`before` None) or update one record; see `save_all`."""
    save_all([(item, before, version)], viewer, path=path)
    return item


def save_all(entries, viewer, *, path, batched=False):
    """Create or update records in one transaction: all or nothing.

    `entries`: (item, before, version) — `before` the record's `snapshot`
    taken before the change was applied (None for a new record); `version`
    the row version the user's change was based on (None: no check, for
    bulk steps that read the rows in this same request).

    `batched` (an import's chunk: records of one model that do not refer
    to each other): the records' unique values are looked up together
    before the checks (rules.UniqueValues, kept up to date record by record,
    so that each check still sees the records before it), and the records
    are flushed together after their checks — one at a time still for a
    model whose rules count its other rows (rules.READS_OTHER_ROWS). The
    checks, the scope, the hooks and the history are the same.
    """
    session = current_app.appbuilder.session
    changes = []
    # answers that hold for the whole call (a reference the user may name,
    # whether given scope values are visible): asked once, not per record
    memo = {}
    known = None
    if batched and entries:
        models = {type(item) for item, _before, _version in entries}
        if len(models) == 1:
            with session.no_autoflush:
                known = rules.UniqueValues(
                    models.pop(), [(item, before or {}) for item, before, _version in entries],
                    lambda item, before, name: pending_value(item, name, before), session)
    each = not batched or any(type(item) in rules.READS_OTHER_ROWS for item, _before, _version in entries)
    with transaction(session, _("The record conflicts with an existing one; nothing was saved.")):
        written = []
        for item, before, version in entries:
            new = before is None
            before = before or {}
            if version is not None and not new and str(version) != str(before.get("row_version")):
                raise Stale(item)
            errors = check(item, viewer, before, memo, known)
            if errors:
                raise Refused(errors, item)
            if known is not None:
                known.accept(item, before, lambda name: pending_value(item, name, before))
            if new:
                session.add(item)
            written.append((item, before, new))
            if each:
                # one record at a time, so that the checks of the next one
                # see this one (capacity, uniqueness inside a call)
                session.flush()
        session.flush()
        changes = [Change("create" if new else "update", item, before, viewer, path, snapshot(item))
                   for item, before, new in written]
        outside = scope.rows_not_visible([c.item for c in changes], viewer, session)
        if outside:
            raise Refused({WHOLE_RECORD: out_of_scope_message()}, outside[0])
        _run_hooks(changes, session)
    return [c.item for c in changes]


def delete_all(items, viewer, *, path):
    """Delete records in one transaction: all or nothing. A domain record
    goes to the recycle bin (restore_all brings it back); a record that
    other records still refer to is refused with a message naming them."""
    session = current_app.appbuilder.session
    changes = []
    with transaction(session, _("Other records still refer to this one; remove them first. Nothing was deleted.")):
        for item in items:
            if not scope.row_visible(item, viewer, session):
                raise Refused({WHOLE_RECORD: out_of_scope_message()}, item)
            blockers = referring_counts(item, session)
            if blockers:
                raise Refused({WHOLE_RECORD: still_referred_message(item, blockers)}, item)
            changes.append(Change("delete", item, snapshot(item), viewer, path))
        # the hooks see the records as they were, before they go
        _run_hooks(changes, session)
        for change in changes:
            if recyclable(type(change.item)):
                change.item.deleted_on = utcnow()
                change.item.deleted_by_fk = viewer.user_id
            else:
                session.delete(change.item)
        session.flush()


def restore_all(items, viewer, *, path):
    """Bring records back from the recycle bin as they were, in one
    transaction. Refused, with the reason, while a record one of them refers
    to is itself in the bin (restore that first) or a unique value it needs
    is taken. The row version goes up by one (the delete raised it by one
    too), so a form opened before the delete stays refused."""
    session = current_app.appbuilder.session
    changes = []
    with transaction(session, _("The record conflicts with an existing one; nothing was restored.")):
        for item in items:
            if item.deleted_on is None or not session.scalar(
                    select(func.count()).select_from(type(item)).where(type(item).id == item.id,
                                                                         scope.binned(type(item), viewer))):
                raise Refused({WHOLE_RECORD: out_of_scope_message()}, item)
            for rel in many_to_one(type(item)):
                target = getattr(item, rel.key)
                if target is not None and recyclable(type(target)) and target.deleted_on is not None:
                    raise Refused({rel.key: _("%(record)s is in the recycle bin itself: restore it first.",
                                              record=str(target))}, item)
            taken = rules.unique_errors(item, lambda name: getattr(item, name))
            if taken:
                raise Refused(taken, item)
            before = snapshot(item)
            item.deleted_on = None
            item.deleted_by_fk = None
            session.flush()
            if not scope.row_visible(item, viewer, session):
                raise Refused({WHOLE_RECORD: out_of_scope_message()}, item)
            changes.append(Change("restore", item, before, viewer, path, snapshot(item)))
        _run_hooks(changes, session)


def purge_all(items, viewer, *, path):
    """Remove records from the recycle bin for good (the administrator's
    step); their history keeps what happened, personal data anonymised."""
    session = current_app.appbuilder.session
    changes = []
    with transaction(session, _("Other records still refer to this one; remove them first. Nothing was deleted.")):
        for item in items:
            if item.deleted_on is None:
                raise Refused({WHOLE_RECORD: _("Only a record in the recycle bin can be purged.")}, item)
            blockers = referring_counts(item, session, including_binned=True)
            if blockers:
                raise Refused({WHOLE_RECORD: still_referred_message(item, blockers)}, item)
            changes.append(Change("purge", item, snapshot(item), viewer, path))
        _run_hooks(changes, session)
        for change in changes:
            session.delete(change.item)
        session.flush()


_HELD = ContextVar("villageaid_writes_held", default=False)


@contextmanager
def held(session):
    """Writes inside the block are not committed one by one: each save_all/
    delete_all runs in a savepoint of the one enclosing transaction (a refused
    call is undone alone, its reasons raised as usual), and the caller ends
    the transaction — `session.commit()` for all of it, or `session.rollback()`
    for none (an import's preview runs every row through the write path this
    way and keeps nothing). The transaction must have begun with a write
    before the first savepoint (SQLite's driver would otherwise let the
    savepoint's release commit)."""
    token = _HELD.set(True)
    try:
        yield
    finally:
        _HELD.reset(token)


@contextmanager
def transaction(session, conflict_message):
    """Commit what the block did, or roll all of it back and raise Refused
    with a message a person can act on (never the database's own words).
    Inside `held`, a savepoint instead of the transaction."""
    scope_ = session.begin_nested() if _HELD.get() else session
    try:
        yield
        scope_.commit()
    except Refused:
        scope_.rollback()
        raise
    except StaleDataError as exc:
        scope_.rollback()
        raise Stale() from exc
    except IntegrityError as exc:
        scope_.rollback()
        raise Refused({WHOLE_RECORD: conflict_message}) from exc
    except SQLAlchemyError as exc:
        scope_.rollback()
        log.exception("write failed")
        raise Refused({WHOLE_RECORD: _("The database refused the change; nothing was saved.")}) from exc


def _run_hooks(changes, session):
    for change in changes:
        for hook in _HOOKS:
            hook(change, session)
    if changes:
        for hook in _BATCH_HOOKS:
            hook(changes, session)


def referring_counts(item, session, including_binned=False):
    """[(model, count)] of the records that refer to `item` through a
    many-to-one reference (all of them, whatever the user's scope: the
    counts say only how many, never which); records in the recycle bin
    count only when `including_binned`."""
    target = type(item)
    found = []
    for mapper in sorted(sa_inspect(target).registry.mappers, key=lambda m: m.class_.__name__):
        model = mapper.class_
        if getattr(model, "__table__", None) is None or not hasattr(model, "__label__"):
            continue
        if getattr(model, "__goes_with_its_record__", False):
            continue  # binned and restored with the record by its own hook (evidence.py)
        for rel in mapper.relationships:
            if rel.direction.name != "MANYTOONE" or rel.mapper.class_ is not target or rel.viewonly:
                continue
            column = next(iter(rel.local_columns))
            where = [column == item.id]
            if recyclable(model) and not including_binned:
                where.append(model.deleted_on.is_(None))
            with session.no_autoflush:
                n = session.scalar(select(func.count()).select_from(model.__table__).where(*where))
            if n:
                found.append((model, n))
    return found


def still_referred_message(item, blockers):
    what = "、".join("%s %d" % (label_of_model(model), n) for model, n in blockers)
    return _("%(record)s cannot be deleted: other records still refer to it (%(what)s). Remove or move them first.",
             record=str(item), what=what)


def label_of_model(model):
    return str(getattr(model, "__label__", None) or label(model.__name__))
