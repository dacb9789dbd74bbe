"""What the add-on needs from the database, whatever the host.

SQLite checks foreign keys only when asked, per connection. The add-on's
integrity (a village with cadres cannot be deleted, a scope assignment goes
with its user) rests on them, so the add-on asks on every new connection of
the host's engine rather than leave it to each host.
"""
from sqlalchemy import event


def enforce_foreign_keys(engine):
    if engine.dialect.name != "sqlite" or event.contains(engine, "connect", _sqlite_foreign_keys):
        return
    event.listen(engine, "connect", _sqlite_foreign_keys)
    if engine.url.database not in (None, "", ":memory:"):
        # connections the host opened before (FAB's start-up) are replaced;
        # an in-memory database lives in its one connection and is empty yet
        engine.dispose()


def _sqlite_foreign_keys(dbapi_connection, _record):
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
