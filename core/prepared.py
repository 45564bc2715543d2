"""A hot read compiled once: the ORM builds and compiles its SQL on the first call; later calls only run it.

    live_by_slug = PreparedQuery(lambda key, slug, now: Model.objects.filter(…).values_list(…)[:1],
                                 slug=str, now=datetime)
    row = live_by_slug.first("page", slug="…", now=timezone.now())     # a tuple, converted, or None

For a read served on every request whose building costs more than the query itself (the stored article
page: a queryset with two subqueries takes the ORM about 5 ms to build and compile, the database well
under one), the query is built once per connection and `key` with a sentinel for each named value, its
SQL and parameters kept, and each sentinel's place among the parameters found. A call puts its own values
in those places (prepared as the ORM prepares them) and runs the SQL through the connection's cursor, so
it is counted, logged and wrapped like any query, and converts the row with the compiler's own converters.
What differs from call to call must be a named value or part of `key`; anything else is fixed at the first
call. A value the ORM does not pass as a parameter of its own is refused at once, never run wrongly.

On PostgreSQL the SQL is also prepared on the server (psycopg's `prepare=True`, with its parameters bound
on the server for this query alone; Django binds them on the client elsewhere): PostgreSQL plans it once
per connection rather than on every call, which for the stored article page took longer than running it.
A connection pooler in transaction mode (PgBouncer before 1.21) would need `prepare` off.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet


class PreparedQuery:
    def __init__(self, build: Callable[..., QuerySet], **types: type):
        """`build(key, **values)` returns the queryset; `types` names each value's type (str or datetime)."""
        for name, kind in types.items():
            if kind not in (str, datetime):
                raise TypeError(f"A prepared value is a str or a datetime, not {kind!r} ({name})")
        self.build = build
        self.types = types
        self._compiled: dict[tuple[str, Any], tuple] = {}

    def first(self, key: Any = None, *, using: str = DEFAULT_DB_ALIAS, **values) -> tuple | None:
        """Run the query with `values` and return its first row, converted as the ORM converts it."""
        if values.keys() != self.types.keys():
            raise TypeError(f"A prepared query takes exactly {sorted(self.types)}, not {sorted(values)}")
        connection = connections[using]
        compiled = self._compiled.get((using, key))
        if compiled is None:
            compiled = self._compiled[(using, key)] = self._compile(key, connection)
        compiler, sql, params, places, converters = compiled
        params = list(params)
        for name, at in places.items():
            value = self._prepare(connection, name, values[name])
            for index in at:
                params[index] = value
        with _cursor(connection) as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        if converters is None:
            return tuple(next(iter(compiler.results_iter(results=[[row]]))))
        row = list(row)
        for at, (convert, expression) in converters:
            value = row[at]
            for converter in convert:
                value = converter(value, expression, connection)
            row[at] = value
        return tuple(row)

    def _prepare(self, connection, name: str, value):
        if self.types[name] is datetime:
            return connection.ops.adapt_datetimefield_value(value)
        return value

    def _compile(self, key, connection) -> tuple:
        sentinels = {name: self._sentinel(name, kind) for name, kind in self.types.items()}
        queryset = self.build(key, **sentinels)
        compiler = queryset.query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        places = {}
        for name, sentinel in sentinels.items():
            prepared = self._prepare(connection, name, sentinel)
            places[name] = [index for index, param in enumerate(params) if param == prepared]
            if not places[name]:
                raise ValueError(f"The prepared query does not pass {name!r} as a parameter of its own")
        # The converters the ORM would apply to each column, found once (None: let the ORM convert).
        fields = [selected[0] for selected in compiler.select[: compiler.col_count]]
        converters = None
        if not compiler.has_composite_fields(fields):
            converters = list(compiler.get_converters(fields).items())
        return compiler, sql, tuple(params), places, converters

    @staticmethod
    def _sentinel(name: str, kind: type):
        token = secrets.randbelow(10**6)
        if kind is datetime:
            # A moment no real value takes, unique to this compilation.
            return datetime(1901, 1, 1, 0, 0, 0, token, tzinfo=UTC)
        return f"\x00prepared-{name}-{token}"

    def clear(self) -> None:
        """Forget what was compiled (after a schema change, in tests)."""
        self._compiled.clear()


def _cursor(connection):
    """Return a cursor of `connection`, wrapped as Django wraps cursors; on PostgreSQL, one that prepares."""
    if connection.vendor != "postgresql":
        return connection.cursor()
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    raw = connection.connection
    if raw.prepare_threshold is None:
        # Django turns psycopg's preparing off (None), which `prepare=True` cannot override; its own
        # cursors bind on the client and never prepare, so a threshold no count reaches changes only this.
        raw.prepare_threshold = _NEVER_BY_COUNT
    with connection.wrap_database_errors:
        return connection._prepare_cursor(_preparing_cursor()(raw))


_NEVER_BY_COUNT = 2**31 - 1


@cache
def _preparing_cursor() -> type:
    from django.db.backends.postgresql.base import ServerBindingCursor

    class PreparingCursor(ServerBindingCursor):
        """A cursor that binds its parameters on the server and prepares every statement it runs."""

        def execute(self, query, params=None, *, prepare=None, binary=None):
            return super().execute(query, params, prepare=True, binary=binary)

    return PreparingCursor
