"""FAB's data interface, narrowed for the add-on: reads as FAB does (the
scope is a base filter of every view), filters that hide masked personal
data, and no writes of its own — every write goes through writes.py."""
from flask_appbuilder.exceptions import InvalidColumnFilterFABException
from flask_appbuilder.models.filters import Filters
from flask_appbuilder.models.sqla.filters import FilterStartsWith, get_field_setup_query
from flask_appbuilder.models.sqla.interface import SQLAInterface, is_column_dotted
from flask import g
from sqlalchemy import Table, and_, func, inspect
from sqlalchemy.orm import undefer

from ..personal import hidden_columns


# the name in flask.g of the current web list's count cap (views/crud.py)
COUNT_CAP = "va_list_count_cap"


def _escape_like(text):
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def starts_with(field, value, dialect):
    """``field`` starts with ``value``, in a form the database's index on
    the column serves: on SQLite a range (its index compares bytes, so the
    names starting with "张" are those from "张" up to the next character);
    elsewhere a LIKE with a fixed prefix (PostgreSQL: with the
    text_pattern_ops index of migration 0020; MariaDB: its own index), and
    the prefix as a lower bound for a list in the column's order."""
    value = value or ""
    if not value:
        return field.isnot(None)
    if dialect == "sqlite":
        if ord(value[-1]) >= 0x10FFFF:
            return field.like(_escape_like(value) + "%", escape="\\")
        upper = value[:-1] + chr(ord(value[-1]) + 1)
        return and_(field >= value, field < upper)
    # the LIKE is the condition; `>= value` (true of every string that
    # starts with it, in any collation) lets a list ordered by the column
    # start its walk of the column's index at the prefix instead of at "a"
    return and_(field >= value, field.like(_escape_like(value) + "%", escape="\\"))


class StartsWith(FilterStartsWith):
    """FAB's "Starts with" (the first filter of a text column, the list's
    default search), answered from the column's index: FAB's own asks
    ``lower(name) LIKE lower(?)``, which no index serves. Case-sensitive
    for Latin letters on SQLite and PostgreSQL (names here are Chinese)."""

    def apply(self, query, value):
        query, field = get_field_setup_query(query, self.model, self.column_name)
        return query.filter(starts_with(field, value, query.session.get_bind().dialect.name))


class ScopedFilters(Filters):
    """FAB's filters plus custom filter classes on chosen columns (FAB adds
    custom filters only to columns that already have some), and no filter on
    a personal column the user sees masked (a filter would tell what the
    mask hides)."""

    def __init__(self, converter, datamodel, search_columns=None, custom=None):
        super().__init__(converter, datamodel, search_columns)
        for filters in (self._all_filters, self._search_filters):
            for column, made in filters.items():
                filters[column] = [StartsWith(column, datamodel) if type(f) is FilterStartsWith else f
                                   for f in made]
        self._search_filters = dict(self._search_filters)
        for column, classes in (custom or {}).items():
            made = [cls(column, datamodel) for cls in classes]
            self._all_filters[column] = self._all_filters.get(column, []) + made
            if column in self.search_columns:
                self._search_filters[column] = self._search_filters.get(column, []) + made

    def add_filter(self, column_name, filter_class, value):
        if filter_class is FilterStartsWith:  # the API's "sw"
            filter_class = StartsWith
        super().add_filter(column_name, filter_class, value)

    def add_filter_index(self, column_name, filter_instance_index, value):
        if column_name in hidden_columns(self.datamodel.obj):
            return
        if not 0 <= filter_instance_index < len(self._all_filters.get(column_name, ())):
            return
        super().add_filter_index(column_name, filter_instance_index, value)

    def rest_add_filters(self, data):
        if not isinstance(data, list) or not all(isinstance(f, dict) for f in data):
            raise InvalidColumnFilterFABException("Filters must be a list of objects")
        hidden = hidden_columns(self.datamodel.obj)
        for item in data:
            if item.get("col") in hidden:
                raise InvalidColumnFilterFABException("Filter column: %s not allowed to filter" % item.get("col"))
        super().rest_add_filters(data)


class ScopedInterface(SQLAInterface):
    """`undefer`: computed (deferred) columns a list shows, loaded in the
    list's own query rather than one query per row. `filters`: extra filter
    classes per column."""

    def __init__(self, obj, session=None, undefer=(), filters=None):
        super().__init__(obj, session)
        self.undefer_columns = tuple(undefer)
        self.custom_filters = dict(filters or {})

    def get_filters(self, search_columns=None, search_filters=None):
        return ScopedFilters(self.filter_converter_class, self, search_columns, self.custom_filters)

    def query(self, filters=None, order_column="", order_direction="", page=None,
              page_size=None, select_columns=None, outer_default_load=False):
        query = self.session.query(self.obj)
        # a web list asks a count up to its cap (views/crud.py); the API the exact one
        count = self.query_count(query, filters, select_columns, cap=g.get(COUNT_CAP) if g else None)
        mapper = inspect(self.obj)
        key = mapper.primary_key[0]
        if page_size and not is_column_dotted(order_column or "") and len(mapper.primary_key) == 1 \
                and isinstance(mapper.local_table, Table):
            # the page's rows chosen on the table alone (scope, filters, order,
            # page) in a derived table, and the related columns joined for
            # those rows only: the joins of a list cost what the page shows,
            # not every row in scope (the database would otherwise join them
            # all before sorting and keeping a page). One statement still.
            # Tables with a key of one column only (the yearly summary is a
            # SELECT keyed by village and year: its own query).
            chosen = (self.apply_all(query, filters, order_column, order_direction, page, page_size)
                      .with_entities(key.label("page_id")).subquery())
            query = query.join(chosen, chosen.c.page_id == key)
            filters, page, page_size = None, None, None
        query = self.apply_all(query, filters, order_column, order_direction, page,
                               page_size, select_columns, outer_default_load)
        if self.undefer_columns:
            query = query.options(*[undefer(getattr(self.obj, c)) for c in self.undefer_columns])
        results = query.all()
        # as FAB does: a query on selected columns returns rows holding the entity
        if results and hasattr(results[0], self.obj.__name__):
            results = [getattr(row, self.obj.__name__) for row in results]
        return count, results

    def query_count(self, query, filters=None, select_columns=None, cap=None):
        """The count on the base table with the scope and the filters: the
        joins of the columns a list shows (many-to-one) do not change how
        many rows it has, so the count leaves them out (FAB's joins them and
        counts a subquery of every column). With `cap`, counted up to
        cap + 1 rows: more than `cap` reads as "more than cap", and the
        database stops there instead of reading every row."""
        query = self.apply_filters(query, self.get_inner_filters(filters))
        # count(pk) names the table: a model without a filter (no scope, no
        # bin) would otherwise count a SELECT with no FROM, i.e. 1
        key = inspect(self.obj).primary_key[0]
        if cap:
            first = query.order_by(None).with_entities(key).limit(cap + 1).subquery()
            return self.session.query(func.count()).select_from(first).scalar()
        return query.order_by(None).with_entities(func.count(key)).scalar()

    def is_nullable(self, col_name):
        # computed columns (column properties) have no nullability of their own
        return getattr(self.list_columns.get(col_name), "nullable", True)

    def is_unique(self, col_name):
        # Uniqueness is checked by the write path (rules.unique_errors) with a
        # message naming the field; FAB's own check would add a vaguer one.
        return False

    # Writes go through writes.py (scope, rules, history); FAB's own write
    # methods would skip all of it, so they refuse to run.
    def add(self, item, commit=True):
        raise RuntimeError("write through villageaid.writes")

    edit = delete = add

    def delete_all(self, items):
        raise RuntimeError("write through villageaid.writes")
