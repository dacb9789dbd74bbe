"""Small tables every page reads — the office parameters, the office's
dictionaries — read once per request, and in no statement of their own:
their rows come along (UNION ALL) with the statement that resolves the
signed-in user's scope (scope.viewer_for calls `along` and `take`).

A source registers a key (kept on flask.g), a function giving its SELECT
of at most WIDTH columns, and a function turning its rows into the value
kept (the columns may come as text: see `_padded`). `value(key)` answers the value of this request, reading it on its
own only when no scope was resolved first (a command, an anonymous page).
"""
import weakref

from flask import current_app, g, has_app_context, has_request_context
from sqlalchemy import String, cast, inspect as sa_inspect, literal, null, select, union_all

WIDTH = 6
_SOURCES = {}  # key -> (model, columns(), load(rows))
_MARK = "_va_preload_along"
# engines whose database has a source's table (asked once per engine and table)
_READY = weakref.WeakKeyDictionary()


def register(key, model, columns, load):
    _SOURCES[key] = (model, columns, load)


def _cache_key(key):
    return "_va_preload_" + key


def forget(*keys):
    """After a change: the next read of these (default: all) goes to the database."""
    if has_app_context():
        for key in keys or list(_SOURCES):
            g.pop(_cache_key(key), None)


def _ready(session, model):
    if getattr(current_app, "appbuilder", None) is None:
        return False  # no database (a bare Flask application)
    engine = session.get_bind()
    known = _READY.setdefault(engine, set())
    if model.__tablename__ not in known:
        if not sa_inspect(engine).has_table(model.__tablename__):
            return False
        known.add(model.__tablename__)
    return True


def _text(column):
    return cast(column, String)


def _padded(columns):
    """WIDTH columns, all as text: PostgreSQL matches the types of a UNION's
    columns branch by branch, so every branch gives the same ones (a
    source's load function turns them back)."""
    columns = [_text(c) for c in columns]
    return columns + [_text(null())] * (WIDTH - len(columns))


def along(query, session):
    """`query` (a SELECT or a UNION ALL of some) with the rows of every source this request has
    not read yet appended: one statement for all. `take` splits the answer."""
    if not has_app_context():
        return query
    wanted = [key for key, (model, _c, _l) in _SOURCES.items()
              if g.get(_cache_key(key)) is None and _ready(session, model)]
    if not wanted:
        return query
    own = len(query.selected_columns)
    setattr(g, _MARK, (wanted, own))
    # a query made of several SELECTs (UNION ALL): each of them gets the columns
    parts = [part.add_columns(literal(-1).label("va_source"), *_padded([]))
             for part in getattr(query, "selects", [query])]
    for number, key in enumerate(wanted):
        model, columns, _load = _SOURCES[key]
        parts.append(select(*[null()] * own, literal(number), *_padded(columns())).select_from(model))
    return union_all(*parts)


def take(rows):
    """The rows of the query given to `along`, as tuples of its own
    columns; the sources' rows are kept for this request."""
    marked = g.pop(_MARK, None) if has_app_context() else None
    if not marked:
        return rows
    wanted, own = marked
    for number, key in enumerate(wanted):
        found = [tuple(r[own + 1:]) for r in rows if r[own] == number]
        setattr(g, _cache_key(key), _SOURCES[key][2](found))
    return [tuple(r[:own]) for r in rows if r[own] == -1]


def value(key):
    """The value of source `key` for this request (app context)."""
    if not has_app_context():
        return _SOURCES[key][2]([])
    name = _cache_key(key)
    cached = g.get(name)
    if cached is None and has_request_context():
        from . import scope

        scope.current_viewer()  # resolving the user's scope reads them too
        cached = g.get(name)
    if cached is None:
        model, columns, load = _SOURCES[key]
        rows = []
        if getattr(current_app, "appbuilder", None) is not None:
            session = current_app.appbuilder.session
            if _ready(session, model):
                with session.no_autoflush:
                    rows = [tuple(r) + (None,) * (WIDTH - len(r))
                            for r in session.execute(select(*columns()).select_from(model)).all()]
        cached = load(rows)
        setattr(g, name, cached)
    return cached
