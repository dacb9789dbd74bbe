"""Office-owned parameters (参数设置): the one place the add-on reads them.

Every business rule reads a parameter through `get(name)` — never
`current_app.config` directly. Where a value comes from is decided here:

1. the database (table va_office_setting), for the parameters the office
   owns (declared with `defaults.office`): set on the settings screen, or
   seeded from the host configuration by `seed()` (`flask villageaid init`,
   the first start);
2. the host configuration;
3. the add-on's default (defaults.py).

The database rows are read once per request and kept on flask.g, however
many times `get` is called; they come along with the statement that
resolves the signed-in user's scope (`along`/`take`, used by
scope.viewer_for), so a page pays no statement of its own for them. A
change through `save` or `reset` forgets them. Technical settings (page sizes, export caps,
security) are configuration only.
"""
import copy
import json
import logging
import weakref

from flask import current_app, g, has_app_context, has_request_context
from sqlalchemy import inspect as sa_inspect, literal, null, select, union_all

from . import defaults
from .settingkinds import kind_of

log = logging.getLogger(__name__)

CACHE = "_va_office_settings"
# sources of a value, as the settings screen names them
OFFICE, SEEDED, CONFIGURATION, DEFAULT = "office", "configuration_seed", "configuration", "default"
# engines whose database has the table (asked once per engine)
_READY = weakref.WeakSet()


def office_names():
    """The parameters the office owns, in screen order."""
    return list(defaults.OFFICE)


def meta(name):
    return defaults.OFFICE[name]


def kind(name):
    return kind_of(defaults.OFFICE[name])


def get(name):
    """The value of parameter `name` (a VILLAGEAID_* name of defaults.py)."""
    if name in defaults.OFFICE:
        stored = stored_values().get(name)
        if stored is not None:
            return copy.deepcopy(stored[0])
    config = current_app.config
    if name in config:
        return config[name]
    return copy.deepcopy(getattr(defaults, name))


def default(name):
    return copy.deepcopy(getattr(defaults, name))


def source(name):
    """Where the value of `name` comes from: OFFICE or SEEDED (the
    database), CONFIGURATION or DEFAULT."""
    stored = stored_values().get(name) if name in defaults.OFFICE else None
    if stored is not None:
        return SEEDED if stored[1] == "configuration" else OFFICE
    return CONFIGURATION if configured(name) else DEFAULT


def configured(name):
    """Does the host configuration set `name` to something else than the default?"""
    config = current_app.config
    return name in config and config[name] != getattr(defaults, name)


def shown(name):
    """The value of `name` as a person reads it."""
    return kind(name).show(get(name))


def stored_values():
    """{name: (value, origin)} of the database rows, read once per request."""
    if not has_app_context():
        return {}
    cached = g.get(CACHE)
    if cached is None and has_request_context():
        from . import scope

        scope.current_viewer()  # resolving the user's scope reads them too
        cached = g.get(CACHE)
    if cached is None:
        cached = _read()
        setattr(g, CACHE, cached)
    return cached


_MARK = "_va_office_settings_along"


def along(query, session):
    """`query` (two columns) with the office parameters' rows appended
    (UNION ALL) when this request has not read them yet: one statement for
    both. `take` splits the answer again."""
    from .models import OfficeSetting

    if not has_app_context() or g.get(CACHE) is not None or not _table_ready(session):
        return query
    setattr(g, _MARK, True)
    own = query.add_columns(literal(0).label("va_kind"), null(), null(), null())
    params = select(null(), null(), literal(1), OfficeSetting.name, OfficeSetting.value, OfficeSetting.origin)
    return union_all(own, params)


def take(rows):
    """The rows of the query given to `along`, as (a, b); the parameters'
    rows are kept for this request."""
    if not has_app_context() or not g.pop(_MARK, False):
        return rows
    setattr(g, CACHE, _load([(r[3], r[4], r[5]) for r in rows if r[2] == 1]))
    return [(r[0], r[1]) for r in rows if r[2] == 0]


def forget():
    """After a change: the next `get` reads the database again."""
    if has_app_context():
        g.pop(CACHE, None)


def _read():
    from .models import OfficeSetting

    if getattr(current_app, "appbuilder", None) is None:
        return {}  # no database (a bare Flask application)
    session = current_app.appbuilder.session
    if not _table_ready(session):
        return {}
    with session.no_autoflush:
        rows = session.execute(select(OfficeSetting.name, OfficeSetting.value, OfficeSetting.origin)).all()
    return _load(rows)


def _load(rows):
    """{name: (value, origin)} of (name, JSON, origin) rows."""
    found = {}
    for name, raw, origin in rows:
        if name not in defaults.OFFICE:
            continue  # a parameter this version no longer has
        try:
            found[name] = (kind(name).load(json.loads(raw)), origin)
        except (TypeError, ValueError):
            log.warning("office parameter %s holds an unreadable value; using the configuration", name)
    return found


def _table_ready(session):
    """Has the database the table yet (before the migrations it has not)?"""
    from .models import OfficeSetting

    engine = session.get_bind()
    if engine in _READY:
        return True
    if sa_inspect(engine).has_table(OfficeSetting.__tablename__):
        _READY.add(engine)
        return True
    return False


def row(name, session=None):
    from .models import OfficeSetting

    session = session or current_app.appbuilder.session
    return session.execute(select(OfficeSetting).where(OfficeSetting.name == name)).scalar_one_or_none()


def save(name, value, viewer, *, version, path="web", origin="office"):
    """Keep `value` (already checked by its kind) as the parameter's value,
    through the one write path (change history). `version`: the row version
    the edit form carried ("" when there was no row); a form older than the
    row is refused (writes.Stale)."""
    from . import writes
    from .models import OfficeSetting

    item = row(name)
    text = json.dumps(kind(name).dump(value), ensure_ascii=False)
    if item is None:
        if version not in (None, ""):
            raise writes.Stale()
        item, before, version = OfficeSetting(name=name), None, None
    else:
        before = writes.snapshot(item)
    item.value = text
    item.origin = origin
    try:
        writes.save_all([(item, before, version)], viewer, path=path)
    finally:
        forget()
    return item


def reset(name, viewer, *, version, path="web"):
    """Remove the office's value: the configuration's or the default applies again."""
    from . import writes

    item = row(name)
    if item is None:
        return False
    if str(version) != str(item.row_version):
        raise writes.Stale(item)
    try:
        writes.delete_all([item], viewer, path=path)
    finally:
        forget()
    return True


def seed(viewer, path="cli"):
    """First start: each office parameter the host configures and the
    database does not hold yet is written to the database (origin
    "configuration"). Returns the names written."""
    written = []
    for name in office_names():
        if configured(name) and row(name) is None:
            save(name, current_app.config[name], viewer, version=None, path=path, origin="configuration")
            written.append(name)
    return written


def used(names):
    """[(name, label, shown value, source)] of the parameters a page used."""
    return [(name, str(meta(name)["label"]), shown(name), source(name)) for name in names if name in defaults.OFFICE]
