"""Each test starts from the same rows.

A Snapshot keeps the rows of every table. While a test runs it notes the
tables written to (INSERT, UPDATE, DELETE statements on the engine, and
the tables a cascading delete reaches from them); afterwards it puts those
tables back: rows a test changed or deleted are restored, rows it added are
deleted. Rows in untouched tables are not read again, so a test that only
reads costs one comparison of the users table (a login writes its
counters).

This works across the HTTP requests of the test client, which commit on
their own connections, on SQLite, PostgreSQL and MariaDB alike; a rolled
back outer transaction would not.

A module fixture that adds rows for all of its tests calls `push()` after
adding them (they become the state each test returns to) and `pop()` at its
end (everything back to what it was before).
"""
import re

from flask_appbuilder import Model
from sqlalchemy import and_, event, inspect, or_, tuple_

WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+[`"\[]?(\w+)', re.IGNORECASE)


class Snapshot:
    def __init__(self, engine):
        self.engine = engine
        present = set(inspect(engine).get_table_names())
        self.tables = [t for t in Model.metadata.sorted_tables if t.name in present]
        self.by_name = {t.name: t for t in self.tables}
        self.cascades = self._cascades()
        self.layers = [self._read(self.tables)]
        self.written = set()
        self.tracking = False
        event.listen(engine, "before_cursor_execute", self._note)

    def close(self):
        event.remove(self.engine, "before_cursor_execute", self._note)

    # -- tracking ----------------------------------------------------------
    def _note(self, conn, cursor, statement, parameters, context, executemany):
        if self.tracking:
            match = WRITE.match(statement)
            if match and match.group(1) in self.by_name:
                self.written.add(match.group(1))

    def _cascades(self):
        """table -> the tables a delete there can change (ON DELETE rules)."""
        reach = {t.name: set() for t in self.tables}
        for table in self.tables:
            for fk in table.foreign_keys:
                if fk.ondelete and fk.column.table.name in reach:
                    reach[fk.column.table.name].add(table.name)
        return reach

    def _with_cascades(self, names):
        todo, seen = list(names), set(names)
        while todo:
            for child in self.cascades.get(todo.pop(), ()):
                if child not in seen:
                    seen.add(child)
                    todo.append(child)
        return seen

    def start(self):
        self.written = set()
        self.tracking = True

    # -- state -------------------------------------------------------------
    @staticmethod
    def _key(table, row):
        return tuple(row[c.name] for c in table.primary_key.columns)

    def _read(self, tables, conn=None):
        def read(c):
            return {
                t.name: {self._key(t, r): dict(r) for r in c.execute(t.select()).mappings()}
                for t in tables
            }

        if conn is not None:
            return read(conn)
        with self.engine.connect() as c:
            return read(c)

    def restore(self):
        """Put back every table written to since start()."""
        self.tracking = False
        names = self._with_cascades(self.written)
        self.written = set()
        if names:
            self._restore([t for t in self.tables if t.name in names])

    def push(self):
        """The database as it is now becomes the state tests return to."""
        self.tracking = False
        self.layers.append(self._read(self.tables))

    def pop(self):
        """Back to the state before the matching push()."""
        self.tracking = False
        self.layers.pop()
        self._restore(self.tables)

    def _restore(self, tables):
        """Changed rows back first (so that none refers to a row about to go),
        then added rows deleted, children before parents, then deleted rows
        inserted again, parents before children."""
        saved = self.layers[-1]
        with self.engine.begin() as conn:
            now = self._read(tables, conn)
            for table in tables:
                for key, row in saved[table.name].items():
                    current = now[table.name].get(key)
                    if current is not None and current != row:
                        conn.execute(table.update().where(self._match(table, [key])).values(row))
            for table in reversed(tables):
                added = [key for key in now[table.name] if key not in saved[table.name]]
                if added and self._refers_to_itself(table):
                    # one row at a time, the latest first (a child is made after its parent):
                    # MariaDB checks a foreign key to the same table row by row
                    for key in sorted(added, reverse=True):
                        conn.execute(table.delete().where(self._match(table, [key])))
                elif added:
                    conn.execute(table.delete().where(self._match(table, added)))
            for table in tables:
                missing = [row for key, row in saved[table.name].items() if key not in now[table.name]]
                if missing:
                    conn.execute(table.insert(), missing)

    @staticmethod
    def _refers_to_itself(table):
        return any(fk.column.table is table for fk in table.foreign_keys)

    @staticmethod
    def _match(table, keys):
        columns = list(table.primary_key.columns)
        if len(columns) == 1:
            return columns[0].in_([key[0] for key in keys])
        if len(keys) == 1:
            return and_(*(c == v for c, v in zip(columns, keys[0])))
        return or_(*(tuple_(*columns) == tuple_(*key) for key in keys))
