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
resolves the signed-in user's scope (preload.py), so a page pays no
statement of its own for them. A
change through `save` or `reset` forgets them. Technical settings (page sizes, export caps,
security) are configuration only.
"""
import copy
import json
import logging

from flask import current_app
from sqlalchemy import select

from . import defaults, preload
from .settingkinds import kind_of

log = logging.getLogger(__name__)

KEY = "office_settings"
# sources of a value, as the settings screen names them
OFFICE, SEEDED, CONFIGURATION, DEFAULT = "office", "configuration_seed", "configuration", "default"


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
    """{name: (value, origin)} of the database rows, read once per request
    (preload.py: along with the user's scope)."""
    return preload.value(KEY)


def forget():
    """After a change: the next `get` reads the database again."""
    preload.forget(KEY)


def _columns():
    from .models import OfficeSetting

    return [OfficeSetting.name, OfficeSetting.value, OfficeSetting.origin]


def _load(rows):
    """{name: (value, origin)} of (name, JSON, origin, ...) rows."""
    found = {}
    for name, raw, origin, *_rest in rows:
        if name not in defaults.OFFICE:
            continue  # a parameter this version no longer has
        try:
            found[name] = (kind(name).load(json.loads(raw)), origin)
        except (TypeError, ValueError):
            log.warning("office parameter %s holds an unreadable value; using the configuration", name)
    return found


def register_preload(model):
    """Called with the table's model once it is defined (models/office.py)."""
    preload.register(KEY, model, _columns, _load)


def row(name, session=None):
    from .models import OfficeSetting

    session = session or current_app.appbuilder.session
    return session.execute(select(OfficeSetting).where(OfficeSetting.name == name)).scalar_one_or_none()


# functions called with a parameter's name after its value was saved or reset
# (figures kept on rows that depend on it are brought up to date)
SAVED_HOOKS = []


def after_save(func):
    SAVED_HOOKS.append(func)
    return func


def _saved(name):
    for func in SAVED_HOOKS:
        func(name)


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
    _saved(name)
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
    _saved(name)
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
