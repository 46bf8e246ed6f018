"""Many rows into one table with as few round trips as the driver allows."""

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import JSON, Connection, Table, insert
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError

# Values psycopg's COPY writes as they are (JSON columns are wrapped as jsonb).
_COPYABLE = (str, int, bool, Decimal, datetime, date, type(None))
# Fewer rows go as one executemany (as a request's few do): errors come as SQLAlchemy's.
_COPY_FROM = 100


def insert_rows(connection: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert `rows` (all with the same keys) in this connection's transaction. Many rows of
    plain values on PostgreSQL (psycopg): one COPY, where executemany costs a statement per
    row; else one executemany."""
    if not rows:
        return
    columns = list(rows[0])
    json_columns = {c for c in columns if isinstance(table.c[c].type, JSON)}
    plain = [c for c in columns if c not in json_columns]
    if len(rows) >= _COPY_FROM and connection.dialect.name == "sqlite":
        prepared = _sqlite_insert(table, tuple(columns), connection.dialect)
        if prepared is not None:
            _sqlite_executemany(connection, prepared, columns, rows)
            return
    if (
        len(rows) >= _COPY_FROM
        and connection.dialect.driver == "psycopg"
        and all(isinstance(row[c], _COPYABLE) for row in rows for c in plain)
    ):
        from psycopg.types.json import Jsonb  # only with the PostgreSQL driver installed

        names = ", ".join(connection.dialect.identifier_preparer.quote(c) for c in columns)
        quoted = connection.dialect.identifier_preparer.format_table(table)
        statement = f"COPY {quoted} ({names}) FROM STDIN"
        with _driver_cursor(connection, statement) as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(
                    [
                        Jsonb(row[c]) if c in json_columns and row[c] is not None else row[c]
                        for c in columns
                    ]
                )
        return
    connection.execute(insert(table), list(rows))


@contextmanager
def _driver_cursor(connection: Connection, statement: str) -> Iterator[Any]:
    """A cursor of the driver's own for `statement`, in the connection's transaction; the
    driver's errors raised as SQLAlchemy's, like every other statement's (a DataError is a
    400, an IntegrityError sends a batch of creates one by one)."""
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        yield cursor
    except connection.dialect.loaded_dbapi.Error as error:
        raise DBAPIError.instance(
            statement, None, error, connection.dialect.loaded_dbapi.Error
        ) from error
    finally:
        cursor.close()


_Prepared = tuple[str, list[Callable[[Any], Any] | None]]


def _sqlite_executemany(
    connection: Connection,
    prepared: _Prepared,
    columns: list[str],
    rows: Sequence[dict[str, Any]],
) -> None:
    """Many rows as one executemany of the driver, each value converted as SQLAlchemy would
    (dates to text, JSON to text): SQLAlchemy's own executemany builds every row's parameters
    in Python, a third of an import's time in the database layer."""
    statement, converters = prepared
    values = [
        tuple(
            row[c] if convert is None else convert(row[c])
            for c, convert in zip(columns, converters, strict=True)
        )
        for row in rows
    ]
    with _driver_cursor(connection, statement) as cursor:
        cursor.executemany(statement, values)


@cache
def _sqlite_insert(table: Table, columns: tuple[str, ...], dialect: Dialect) -> _Prepared | None:
    """The INSERT of `columns` into `table`, as SQLite's driver takes it, and each column's
    conversion of a value (None: taken as it is), in the order of `columns`; None when the
    statement needs more (a column left out whose default SQLAlchemy computes)."""
    compiled = insert(table).compile(dialect=dialect, column_keys=list(columns))
    if compiled.positiontup != list(columns):
        return None
    converters: list[Callable[[Any], Any] | None] = [
        table.c[c].type._cached_bind_processor(dialect) for c in columns
    ]
    return str(compiled), converters
