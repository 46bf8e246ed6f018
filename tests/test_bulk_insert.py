"""`insert_rows`: many rows (the driver's own executemany on SQLite, COPY on PostgreSQL) store
exactly what a few rows (SQLAlchemy's executemany) store, and a row the database refuses
fails the whole call with SQLAlchemy's error, as one statement would."""

from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import Engine, String, cast, select
from sqlalchemy.exc import DBAPIError

from rolodex.storage import tables
from rolodex.storage.bulk import insert_rows
from rolodex.storage.engine import unit_of_work
from tests.conftest import Tenant

MANY = 150  # at least bulk._COPY_FROM: the many-row path
FEW = 3


def _dates(tenant: Tenant, record_type: str, count: int) -> list[dict[str, Any]]:
    return [
        {
            "instance_id": tenant.instance_id,
            "record_type": record_type,
            "record_id": n,
            "occasion_name": None if n % 3 == 0 else f"Occasion é {n}",
            # some with no microseconds: stored text must not differ by the path taken
            "occasion_date": datetime(2024, 1 + n % 12, 1 + n % 28, n % 24, n % 60, n % 60, n % 3),
            "repeat_yearly": n % 2 == 0,
            "create_task_yearly": n % 5 == 0,
        }
        for n in range(1, count + 1)
    ]


def _stored(engine: Engine, record_type: str) -> list[dict[str, Any]]:
    dates = tables.dates
    with unit_of_work(engine) as connection:
        rows = connection.execute(
            select(dates, cast(dates.c.occasion_date, String).label("stored_date"))
            .where(dates.c.record_type == record_type)
            .order_by(dates.c.record_id)
        ).mappings()
        return [{k: v for k, v in row.items() if k != "id"} for row in rows]


def test_many_rows_store_what_few_rows_store(engine: Engine, tenant: Tenant) -> None:
    many, few = _dates(tenant, "BulkMany", MANY), _dates(tenant, "BulkFew", MANY)
    with unit_of_work(engine, write=True) as connection:
        insert_rows(connection, tables.dates, many)
        for start in range(0, MANY, FEW):  # the same values, a few rows at a time
            insert_rows(connection, tables.dates, few[start : start + FEW])
    stored_many, stored_few = _stored(engine, "BulkMany"), _stored(engine, "BulkFew")
    # the same text stored (a date's text is what SQLite compares and orders by)
    assert stored_many == [{**row, "record_type": "BulkMany"} for row in stored_few]
    # datetimes to the microsecond, booleans, NULLs, text
    assert [{k: v for k, v in row.items() if k != "stored_date"} for row in stored_many] == many


def test_json_is_encoded_as_sqlalchemy_encodes_it(engine: Engine, tenant: Tenant) -> None:
    extensions = tables.record_extensions
    bodies: list[Any] = [
        {"ADDRESSES": [{"CITY": "Zürich", "n": n}], "EMPTY": None, "FLAG": n % 2 == 0}
        for n in range(MANY)
    ]
    rows = [
        {
            "instance_id": tenant.instance_id,
            "record_type": "BulkJson",
            "record_id": n,
            "wire": wire,
            "body": body,
        }
        for wire, start in (("many", 0), ("few", MANY))
        for n, body in enumerate(bodies, start)
    ]
    with unit_of_work(engine, write=True) as connection:
        insert_rows(connection, extensions, rows[:MANY])
        for start in range(MANY, 2 * MANY, FEW):
            insert_rows(connection, extensions, rows[start : start + FEW])
    with unit_of_work(engine) as connection:
        stored = connection.execute(
            select(extensions.c.wire, extensions.c.body)
            .where(extensions.c.record_type == "BulkJson")
            .order_by(extensions.c.record_id)
        ).all()
    assert [tuple(r) for r in stored] == [(r["wire"], r["body"]) for r in rows]


def test_a_refused_row_fails_the_whole_call_and_writes_nothing(
    engine: Engine, tenant: Tenant
) -> None:
    rows = _dates(tenant, "BulkRefused", MANY)
    rows[MANY // 2]["occasion_date"] = None  # NOT NULL
    with pytest.raises(DBAPIError), unit_of_work(engine, write=True) as connection:
        insert_rows(connection, tables.dates, rows)
    assert _stored(engine, "BulkRefused") == []
