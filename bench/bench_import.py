"""Rows per second of `rolodex import --database-url` on contacts with TAGS and custom fields.

Generates N contact rows as CSV (names, email, two tags, three custom fields of three types),
defines the custom fields through the service layer on a fresh database, runs the real
`rolodex import` command against it and prints rows/s, once on a fresh SQLite file and once
on PostgreSQL (a database of its own, dropped and made again), with the load average before
and after each run.

    .venv/bin/python bench/bench_import.py [--rows N] [--databases sqlite,postgresql]
        [--postgres-url URL] [--dry-run]
"""

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from rolodex.services.context import Caller
from rolodex.services.custom_fields import CustomFieldService
from rolodex.services.users import create_instance, create_user
from rolodex.storage.engine import make_engine, unit_of_work
from rolodex.storage.migrate import upgrade

FIELDS = [
    {"FIELD_NAME": "Colour__c", "FIELD_LABEL": "Colour", "FIELD_TYPE": "TEXT"},
    {"FIELD_NAME": "Score__c", "FIELD_LABEL": "Score", "FIELD_TYPE": "NUMERIC"},
    {"FIELD_NAME": "Member__c", "FIELD_LABEL": "Member", "FIELD_TYPE": "BIT"},
]
COLOURS = ["red", "green", "blue", "amber", "violet"]


def write_csv(path: Path, rows: int) -> None:
    """`rows` contacts, each with two tags and a value for every custom field."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "First Name",
                "Last Name",
                "Email Address",
                "Colour__c",
                "Score__c",
                "Member__c",
                "Tags",
            ]
        )
        for n in range(rows):
            writer.writerow(
                [
                    f"First{n}",
                    f"Last{n}",
                    f"person{n}@example.com",
                    COLOURS[n % len(COLOURS)],
                    str(n % 1000),
                    "true" if n % 2 else "false",
                    f"batch{n % 50};{COLOURS[n % 3]}",
                ]
            )


def prepare(url: str) -> int:
    """Migrate `url`, make an instance with an administrator and the custom fields."""
    engine = make_engine(url)
    upgrade(engine)
    with unit_of_work(engine, write=True) as connection:
        instance_id = create_instance(connection, "Bench import")
        user_id, _ = create_user(
            connection, instance_id, f"bench-{time.time_ns()}@example.com", "B", "U", True
        )
        caller = Caller(instance_id, user_id, is_admin=True)
        service = CustomFieldService(connection, caller, "Contacts")
        for definition in FIELDS:
            service.create(definition)
    engine.dispose()
    return instance_id


def fresh_postgres(url: str) -> str:
    """`url`'s database dropped and created again (connecting to the server's `postgres`)."""
    parsed = make_url(url)
    name = parsed.database or "rolodex_bench_import"
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return parsed.set(database=name).render_as_string(hide_password=False)


def run(label: str, url: str, data: Path, rows: int, dry_run: bool) -> None:
    instance_id = prepare(url)
    command = [
        *(str(Path(sys.executable).with_name("rolodex")), "import", str(data)),
        *("--database-url", url, "--instance", str(instance_id), "--object", "Contacts", "-q"),
    ]
    if dry_run:
        command.append("--dry-run")
    before = os.getloadavg()
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    after = os.getloadavg()
    print(f"{label}: {done.stdout.strip()} {done.stderr.strip()}".strip())
    print(
        f"{label}: {rows} rows in {elapsed:.1f} s = {rows / elapsed:,.0f} rows/s "
        f"(exit {done.returncode}; load average before {before[0]:.2f} {before[1]:.2f} "
        f"{before[2]:.2f}, after {after[0]:.2f} {after[1]:.2f} {after[2]:.2f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100000)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get(
            "ROLODEX_BENCH_POSTGRES_URL",
            "postgresql+psycopg://postgres@127.0.0.1:5432/rolodex_bench_import",
        ),
    )
    parser.add_argument("--dry-run", action="store_true")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-import-"))
    data = work / "contacts.csv"
    write_csv(data, args.rows)
    print(f"{args.rows} contact rows with 2 tags and 3 custom fields each: {data}")
    databases = [d.strip() for d in args.databases.split(",") if d.strip()]
    if "sqlite" in databases:
        run("SQLite", f"sqlite:///{work}/import.db", data, args.rows, args.dry_run)
    if "postgresql" in databases:
        run("PostgreSQL", fresh_postgres(args.postgres_url), data, args.rows, args.dry_run)


if __name__ == "__main__":
    main()
