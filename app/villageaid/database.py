"""What the add-on needs from the database, whatever the host.

SQLite checks foreign keys only when asked, per connection. The add-on's
integrity (a village with cadres cannot be deleted, a scope assignment goes
with its user) rests on them, so the add-on asks on every new connection of
the host's engine rather than leave it to each host.

PostgreSQL plans the order of at most 8 joins by default
(join_collapse_limit, from_collapse_limit); beyond that it joins in the
order the statement writes. A list page joins its related rows for display
(village, town, unit, their counties: a dozen tables) before the scope's
id set, so the planner read every cadre and joined each before keeping a
clerk's few thousand (3 s at 1,000,000 cadres, 60 ms when it may start from
the scope). The add-on lets it order a dozen joins on each new connection.
"""
from sqlalchemy import event


JOIN_COLLAPSE_LIMIT = 12


def prepare_connections(engine):
    """Per new connection: SQLite's foreign keys on; PostgreSQL's join
    planning over a dozen tables."""
    hooks = {"sqlite": _sqlite_foreign_keys, "postgresql": _postgresql_join_planning}
    hook = hooks.get(engine.dialect.name)
    if hook is None or event.contains(engine, "connect", hook):
        return
    event.listen(engine, "connect", hook)
    if engine.url.database not in (None, "", ":memory:"):
        # connections the host opened before (FAB's start-up) are replaced;
        # an in-memory database lives in its one connection and is empty yet
        engine.dispose()


def _sqlite_foreign_keys(dbapi_connection, _record):
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _postgresql_join_planning(dbapi_connection, _record):
    cursor = dbapi_connection.cursor()
    cursor.execute("SET join_collapse_limit = %d" % JOIN_COLLAPSE_LIMIT)
    cursor.execute("SET from_collapse_limit = %d" % JOIN_COLLAPSE_LIMIT)
    cursor.close()
    dbapi_connection.commit()  # a setting of the session, not of an open transaction
