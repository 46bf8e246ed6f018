"""CTI phone lookup at 100k contacts: the index backfill, the query plan and the time per lookup.

    .venv/bin/python bench/bench_phone_lookup.py [DATABASE_URL] [RECORDS]

Default: a fresh SQLite file. For PostgreSQL give an empty database (or schema) URL. Contacts are
inserted in bulk (not over HTTP) to save time, then indexed by `reindex_all` (what the migration
and `rolodex db reindex-phones` run); each lookup is the one GET /v3.1/CTI/Lookup runs.
"""

import random
import sys
import tempfile
import time
from typing import Any

from sqlalchemy import event, insert, text

from rolodex.services import users
from rolodex.services.context import Caller, utc_now
from rolodex.services.cti import lookup
from rolodex.storage import tables
from rolodex.storage.engine import make_engine, unit_of_work
from rolodex.storage.migrate import upgrade
from rolodex.storage.phones import reindex_all

LOOKUPS = 2000


def number_of(n: int) -> str:
    """A distinct US number per contact, written the way people do."""
    return f"({200 + n // 10_000 % 800}) 555-{n % 10_000:04d}"


def main() -> None:
    url = sys.argv[1] if len(sys.argv) > 1 else f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    records = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
    engine = make_engine(url)
    upgrade(engine)
    with unit_of_work(engine, write=True) as connection:
        instance_id = users.create_instance(connection, "Phone bench")
        user_id, _ = users.create_user(connection, instance_id, "b@bench.test", "B", "B", True)
        now = utc_now()
        contacts = tables.record_tables["Contact"]
        for start in range(0, records, 5000):
            rows = [
                {
                    "instance_id": instance_id,
                    "first_name": f"C{n}",
                    "phone": number_of(n),
                    "phone_mobile": f"+44 7700 9{n % 100_000:05d}",
                    "email_opted_out": False,
                    "custom_fields": {},
                    "date_created_utc": now,
                    "date_updated_utc": now,
                }
                for n in range(start, min(start + 5000, records))
            ]
            connection.execute(insert(contacts), rows)
    began = time.perf_counter()
    with unit_of_work(engine, write=True) as connection:
        indexed = reindex_all(connection, "US")
    print(
        f"{engine.dialect.name}: indexed {indexed} numbers of {records} contacts "
        f"in {time.perf_counter() - began:.1f} s"
    )

    if engine.dialect.name == "postgresql":
        # As autovacuum would soon: without statistics a fresh table's plans are guesses.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("ANALYZE"))
    caller = Caller(instance_id, user_id, is_admin=True)
    wanted = [random.randrange(records) for _ in range(LOOKUPS)]
    began = time.perf_counter()
    with unit_of_work(engine) as connection:
        for n in wanted:
            (match,) = lookup(connection, caller, f"+1{number_of(n)}", "US")
            assert match.record["FIRST_NAME"] == f"C{n}"
    elapsed = time.perf_counter() - began
    print(
        f"{LOOKUPS} lookups (with the record read): {elapsed / LOOKUPS * 1e3:.3f} ms each, "
        f"{LOOKUPS / elapsed:.0f}/s"
    )

    # The plan of the very statement the lookup sends, with its bound values.
    statements: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    with unit_of_work(engine) as connection:
        lookup(connection, caller, "+12005550042", "US")
    event.remove(engine, "before_cursor_execute", record)
    statement, parameters = next(s for s in statements if "FROM phone_numbers" in s[0])
    explain = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN ANALYZE "
    with engine.connect() as connection:
        print("plan of:", " ".join(statement.split()))
        cursor = connection.connection.cursor()
        cursor.execute(explain + statement, parameters)
        for row in cursor.fetchall():
            print("   ", " ".join(str(part) for part in row))
    engine.dispose()


if __name__ == "__main__":
    main()
