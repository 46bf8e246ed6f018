"""Search on a custom field at 100k contacts: the query plan and the time per search.

    .venv/bin/python bench/bench_custom_field_search.py [DATABASE_URL] [RECORDS]

Default: a fresh SQLite file. For PostgreSQL give an empty database (or schema) URL. Records are
written straight through the service layer's stores (not over HTTP) to save time; the search
is the one /Contacts/Search runs. Prints the plan (EXPLAIN QUERY PLAN / EXPLAIN ANALYZE).
"""

import sys
import tempfile
import time
from typing import Any

from sqlalchemy import Connection, event, insert, text

from rolodex.domain.custom_fields import index_keys
from rolodex.domain.registry import CONTACTS
from rolodex.services import users
from rolodex.services.context import Caller, utc_now
from rolodex.services.custom_fields import CustomFieldService, CustomValues
from rolodex.services.records import RecordService
from rolodex.storage import tables
from rolodex.storage.custom_fields import CustomFieldStore
from rolodex.storage.engine import make_engine, unit_of_work
from rolodex.storage.migrate import upgrade
from rolodex.storage.repository import Page


def seed(connection: Connection, caller: Caller, records: int) -> None:
    fields = CustomFieldService(connection, caller, "Contacts")
    fields.create({"FIELD_NAME": "Size__c", "FIELD_LABEL": "Size", "FIELD_TYPE": "NUMERIC"})
    fields.create({"FIELD_NAME": "Colour__c", "FIELD_LABEL": "Colour", "FIELD_TYPE": "TEXT"})
    definitions = CustomValues(connection, caller.instance_id, CONTACTS).definitions
    store = CustomFieldStore(connection, caller.instance_id)
    now = utc_now()
    for start in range(0, records, 5000):
        rows = []
        keys = []
        first_id = start + 1
        for number in range(first_id, min(start + 5000, records) + 1):
            values = {"Size__c": number % 1000, "Colour__c": f"Colour {number % 5000}"}
            rows.append(
                {
                    "instance_id": caller.instance_id,
                    "first_name": f"C{number}",
                    "email_opted_out": False,
                    "custom_fields": values,
                    "date_created_utc": now,
                    "date_updated_utc": now,
                }
            )
            keys.append(values)
        result = connection.execute(
            insert(tables.record_tables["Contact"]).returning(tables.record_tables["Contact"].c.id),
            rows,
        )
        ids = list(result.scalars())
        store.insert_keys(
            "Contact",
            [
                (record_id, name.lower(), key)
                for record_id, values in zip(ids, keys, strict=True)
                for name, value in values.items()
                for key in index_keys(definitions[name.lower()], value)
            ],
        )


def main() -> None:
    url = sys.argv[1] if len(sys.argv) > 1 else f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    records = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
    engine = make_engine(url)
    upgrade(engine)
    with unit_of_work(engine, write=True) as connection:
        instance_id = users.create_instance(connection, "Bench")
        user_id, _key = users.create_user(
            connection, instance_id, f"bench-{time.time_ns()}@example.com", "B", "B", True
        )
        caller = Caller(instance_id, user_id, is_admin=True)
        started = time.perf_counter()
        seed(connection, caller, records)
        print(f"seeded {records} contacts in {time.perf_counter() - started:.1f}s")
    with engine.connect() as connection:
        connection.execute(text("ANALYZE"))
        connection.commit()

    captured: list[tuple[str, Any]] = []

    @event.listens_for(engine, "before_cursor_execute")
    def capture(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        captured.append((statement, parameters))

    for name, value in (("Size__c", "500"), ("Colour__c", "colour 4321")):
        with unit_of_work(engine) as connection:
            service = RecordService(connection, caller, CONTACTS)
            search = service.search_filter(name, value)
            captured.clear()
            rows, _ = service.list_page(Page(top=100), search, brief=True)
            statement, parameters = next(s for s in captured if "custom_field_values" in s[0])
            started = time.perf_counter()
            for _ in range(20):
                service.list_page(Page(top=100), search, brief=True)
            per_search = (time.perf_counter() - started) / 20 * 1000
            print(f"\n{name} = {value}: {len(rows)} records, {per_search:.2f} ms per search")
            print(statement)
            explain = (
                "EXPLAIN QUERY PLAN "
                if engine.dialect.name == "sqlite"
                else "EXPLAIN (ANALYZE, COSTS OFF) "
            )
            for row in connection.exec_driver_sql(explain + statement, parameters):
                print("   ", " | ".join(str(part) for part in row))
    engine.dispose()


if __name__ == "__main__":
    main()
