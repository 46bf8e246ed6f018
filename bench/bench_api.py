"""Requests/s and latency of Rolodex's two hot reads, beside a bare-Starlette "framework ceiling".

    .venv/bin/python bench/bench_api.py                    # 100k contacts, SQLite, 1 and 2 workers
    .venv/bin/python bench/bench_api.py --contacts 10000 --workers 2 --duration 5
    .venv/bin/python bench/bench_api.py \
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/rolodex_bench

It seeds a database (bulk inserts through SQLAlchemy Core; SQLite files are cached under
build/bench/ by size), starts `rolodex serve` and a bare Starlette app (bench/ceiling_app.py)
as separate processes with the same uvicorn settings, drives each with `wrk`, prints a table and
writes the figures to build/bench.json. It prints figures and asserts nothing about them.
"""

import argparse
import base64
import hashlib
import json
import os
import pickle
import platform
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, func, insert, select, text
from sqlalchemy.engine import make_url

from rolodex.services import users as user_service
from rolodex.storage import tables
from rolodex.storage.engine import make_engine, unit_of_work
from rolodex.storage.migrate import MIGRATIONS_DIR, upgrade

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build"
WORK = BUILD / "bench"
BIN = Path(sys.executable).parent

# Bump when the seeded data changes shape, so cached databases are rebuilt.
SEED_VERSION = 1
ADMIN_EMAIL = "bench-admin@example.com"
LIST_TOP = 100
SAMPLE_IDS = 1000  # distinct contacts requested by "GET one"
SAMPLE_PAGES = 200  # distinct skips requested by "list of 100"
CEILING_CONTACTS = 20  # bodies the ceiling serves for "GET one"
CEILING_PAGES = 5  # and for "list of 100"
CHUNK = 5000
MIN_REQUESTS = 20  # fewer finished in --duration: measure again, longer

# One API key sends every request, so real limits would answer 429 within a second. "counted"
# keeps the per-call counting (and its cost) with limits no benchmark reaches; "off" skips it.
RATE_LIMIT_ENV = {
    "counted": {
        "ROLODEX_RATE_LIMIT_DAILY": "1000000000",
        "ROLODEX_RATE_LIMIT_PER_SECOND": "1000000",
    },
    "off": {"ROLODEX_RATE_LIMIT_DAILY": "0", "ROLODEX_RATE_LIMIT_PER_SECOND": "0"},
}

OPERATIONS = {
    "get": "GET one contact",
    "list": f"list of {LIST_TOP}",
}


# --- seeding ---------------------------------------------------------------------------------


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


FIRST_NAMES = _words(
    "Ada Alan Alice Amara Ana Andrei Anna Arjun Ben Carla Chen Chloe David Diego Elena Emma Farah "
    "Felix Grace Hannah Hugo Ines Isaac Ivan Jack James Jin Julia Kai Karin Laura Leo Lina Lucas "
    "Maria Mateo Maya Mei Mohammed Nadia Noah Nora Olga Omar Oscar Paula Priya Rafael Rosa Sam "
    "Sara Sofia Tariq Tom Uma Victor Wei Yara Yusuf Zoe"
)
LAST_NAMES = _words(
    "Adams Ahmed Andersen Bauer Becker Brown Carter Chen Costa Da Silva Dubois Fischer Garcia "
    "Gonzalez Green Hansen Hernandez Ito Jansen Johnson Kim Kowalski Kumar Lee Lopez Martin "
    "Meyer Miller Moreau Muller Nakamura Nguyen Novak O'Brien Olsen Patel Petrov Rossi Russo "
    "Santos Schmidt Silva Singh Smith Sousa Suzuki Tanaka Taylor Thomas Walker Wang Weber "
    "Williams Wilson Wong Yilmaz Young Zhang"
)
TITLES = (
    "CEO",
    "CTO",
    "CFO",
    "Head of Sales",
    "Sales Manager",
    "Account Executive",
    "Marketing Director",
    "Office Manager",
    "Procurement Lead",
    "Software Engineer",
    "Operations Manager",
    "Consultant",
    "Partner",
    "Buyer",
    "Founder",
)
CITIES = (
    ("London", "", "United Kingdom", "EC1A 1BB"),
    ("Manchester", "", "United Kingdom", "M1 1AE"),
    ("New York", "NY", "United States", "10001"),
    ("San Francisco", "CA", "United States", "94105"),
    ("Austin", "TX", "United States", "73301"),
    ("Toronto", "ON", "Canada", "M5H 2N2"),
    ("Berlin", "", "Germany", "10115"),
    ("Munich", "Bavaria", "Germany", "80331"),
    ("Paris", "", "France", "75001"),
    ("Lyon", "", "France", "69001"),
    ("Madrid", "", "Spain", "28001"),
    ("Lisbon", "", "Portugal", "1100-148"),
    ("Amsterdam", "North Holland", "Netherlands", "1012 JS"),
    ("Stockholm", "", "Sweden", "111 20"),
    ("Sydney", "NSW", "Australia", "2000"),
    ("Singapore", "", "Singapore", "049315"),
    ("Tokyo", "", "Japan", "100-0005"),
    ("Sao Paulo", "SP", "Brazil", "01000-000"),
)
STREETS = (
    "High Street",
    "Main Street",
    "Market Square",
    "Station Road",
    "Church Lane",
    "Harbour View",
    "King's Road",
    "Oak Avenue",
    "Riverside Drive",
    "Park Lane",
)
COMPANY_WORDS = _words(
    "Acme Apex Atlas Blue Bright Cedar Clear Crown Delta Eagle Echo Everest Falcon First Global "
    "Golden Green Harbor Horizon Iron Jade Keystone Lake Liberty Lunar Maple Meridian Metro "
    "North Nova Oak Orbit Peak Pioneer Prime Quantum Red River Rock Sage Silver Solar Star "
    "Summit Sun Terra Titan Union United Vertex Vista West Zenith"
)
COMPANY_KINDS = (
    "Logistics",
    "Software",
    "Foods",
    "Consulting",
    "Health",
    "Energy",
    "Media",
    "Capital",
    "Retail",
    "Labs",
    "Manufacturing",
    "Travel",
)
COMPANY_SUFFIXES = ("Ltd", "Inc", "GmbH", "SA", "BV", "LLC", "plc", "")
FREE_MAIL = ("gmail.com", "outlook.com", "yahoo.com", "proton.me", "icloud.com")
TAGS = (
    "Customer",
    "Prospect",
    "VIP",
    "Newsletter",
    "Partner",
    "Supplier",
    "Investor",
    "Press",
    "Conference 2024",
    "Conference 2025",
    "Webinar",
    "Cold",
    "Warm",
    "Hot",
    "Churned",
    "Referral",
    "Board",
    "Do not call",
)
SENTENCES = (
    "Met at the spring trade fair; interested in the enterprise plan.",
    "Prefers email over phone calls.",
    "Decision maker for the EMEA region.",
    "Introduced by a mutual contact at a partner firm.",
    "Renewal due next quarter; ask about volume discounts.",
    "Previously worked with us at another company.",
    "Asked for a demo of the reporting features.",
    "Speaks English, French and Portuguese.",
    "Budget approved for the second half of the year.",
    "Follow up after the product launch.",
)
LEAD_SOURCES = ("Web", "Referral", "Event", "Cold call", "Partner", "Advertisement")
ROLES = (None, None, "Employee", "Employee", "Director", "Consultant", "Owner")


def _phone(rng: random.Random) -> str:
    parts = (rng.randint(1, 99), rng.randint(100, 999), rng.randint(100, 999), rng.randint(0, 9999))
    return "+{} {} {} {:04}".format(*parts)


def _maybe(rng: random.Random, share: float, value: Any) -> Any:
    return value if rng.random() < share else None


def _moment(rng: random.Random, start: datetime, span_days: float) -> datetime:
    return start + timedelta(seconds=rng.randrange(int(span_days * 86400)))


def _address(rng: random.Random, prefix: str) -> dict[str, str]:
    city, state, country, postcode = rng.choice(CITIES)
    return {
        f"{prefix}_street": f"{rng.randint(1, 250)} {rng.choice(STREETS)}",
        f"{prefix}_city": city,
        f"{prefix}_state": state or None,
        f"{prefix}_postcode": postcode,
        f"{prefix}_country": country,
    }


def _empty_address(prefix: str) -> dict[str, None]:
    return {f"{prefix}_{part}": None for part in ("street", "city", "state", "postcode", "country")}


def _audit(rng: random.Random, now: datetime) -> dict[str, Any]:
    created = _moment(rng, now - timedelta(days=3 * 365), 3 * 365 - 1)
    updated = _moment(rng, created, max((now - created).days, 1))
    return {
        "date_created_utc": created,
        "date_updated_utc": updated,
        "last_activity_date_utc": _maybe(rng, 0.4, _moment(rng, created, 30)),
        "next_activity_date_utc": _maybe(rng, 0.15, _moment(rng, now, 60)),
    }


def _organisation(rng: random.Random, instance_id: int, user_id: int, now: datetime) -> dict:
    name = f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_KINDS)}"
    suffix = rng.choice(COMPANY_SUFFIXES)
    slug = re.sub(r"[^a-z0-9]+", "", name.lower())
    row: dict[str, Any] = {
        "instance_id": instance_id,
        "organisation_name": f"{name} {suffix}".strip(),
        "background": _maybe(rng, 0.2, " ".join(rng.sample(SENTENCES, 2))),
        "image_url": None,
        "owner_user_id": user_id,
        "phone": _maybe(rng, 0.8, _phone(rng)),
        "phone_fax": _maybe(rng, 0.1, _phone(rng)),
        "website": _maybe(rng, 0.85, f"https://www.{slug}.com"),
        "social_linkedin": _maybe(rng, 0.5, f"https://www.linkedin.com/company/{slug}"),
        "social_facebook": _maybe(rng, 0.2, f"https://www.facebook.com/{slug}"),
        "social_twitter": _maybe(rng, 0.3, f"@{slug[:15]}"),
        "created_user_id": user_id,
        "custom_fields": (
            {"Industry__c": rng.choice(COMPANY_KINDS), "Employees__c": rng.randint(1, 5000)}
            if rng.random() < 0.4
            else {}
        ),
        **(_address(rng, "address_billing") if rng.random() < 0.7 else {}),
        **(_address(rng, "address_ship") if rng.random() < 0.2 else {}),
        **_audit(rng, now),
    }
    for prefix in ("address_billing", "address_ship"):
        for key, value in _empty_address(prefix).items():
            row.setdefault(key, value)
    return row


def _contact(
    rng: random.Random, instance_id: int, user_id: int, org: tuple[int, str] | None, now: datetime
) -> dict:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    handle = re.sub(r"[^a-z]+", "", f"{first}{last}".lower())
    domain = org[1] if org is not None and rng.random() < 0.8 else rng.choice(FREE_MAIL)
    custom: dict[str, Any] = {}
    if rng.random() < 0.5:
        custom["Lead_Source__c"] = rng.choice(LEAD_SOURCES)
    if rng.random() < 0.3:
        custom["Score__c"] = rng.randint(0, 100)
    if rng.random() < 0.2:
        custom["Newsletter__c"] = rng.random() < 0.5
    return {
        "instance_id": instance_id,
        "salutation": _maybe(rng, 0.3, rng.choice(("Mr", "Ms", "Mrs", "Dr", "Prof"))),
        "first_name": first,
        "last_name": last,
        "title": _maybe(rng, 0.7, rng.choice(TITLES)),
        "background": _maybe(rng, 0.25, " ".join(rng.sample(SENTENCES, rng.randint(1, 3)))),
        "image_url": _maybe(rng, 0.1, f"https://images.example.com/avatars/{handle}.png"),
        "owner_user_id": user_id,
        "organisation_id": org[0] if org is not None else None,
        "email_address": _maybe(rng, 0.9, f"{handle}{rng.randint(1, 999)}@{domain}"),
        "phone": _maybe(rng, 0.6, _phone(rng)),
        "phone_home": _maybe(rng, 0.15, _phone(rng)),
        "phone_mobile": _maybe(rng, 0.5, _phone(rng)),
        "phone_other": _maybe(rng, 0.05, _phone(rng)),
        "phone_assistant": _maybe(rng, 0.03, _phone(rng)),
        "phone_fax": _maybe(rng, 0.05, _phone(rng)),
        "assistant_name": _maybe(rng, 0.03, f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"),
        "social_linkedin": _maybe(rng, 0.4, f"https://www.linkedin.com/in/{handle}"),
        "social_facebook": _maybe(rng, 0.1, f"https://www.facebook.com/{handle}"),
        "social_twitter": _maybe(rng, 0.15, f"@{handle[:15]}"),
        "date_of_birth": _maybe(
            rng, 0.25, datetime(1950, 1, 1) + timedelta(days=rng.randint(0, 19000))
        ),
        "email_opted_out": rng.random() < 0.08,
        "created_user_id": user_id,
        "custom_fields": custom,
        **(_address(rng, "address_mail") if rng.random() < 0.6 else _empty_address("address_mail")),
        **(
            _address(rng, "address_other")
            if rng.random() < 0.1
            else _empty_address("address_other")
        ),
        **_audit(rng, now),
    }


def _insert_chunked(connection: Any, table: Any, rows: list[dict]) -> None:
    for start in range(0, len(rows), CHUNK):
        connection.execute(insert(table), rows[start : start + CHUNK])


def _ids(connection: Any, table: Any, instance_id: int) -> list[int]:
    query = select(table.c.id).where(table.c.instance_id == instance_id).order_by(table.c.id)
    return list(connection.execute(query).scalars())


def seed(engine: Engine, marker: str, contacts: int, organisations: int) -> dict[str, int]:
    """Fill a migrated, empty database: one instance (named `marker`), an admin, the records."""
    rng = random.Random(20240501)
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    with unit_of_work(engine, write=True) as connection:
        instance_id = user_service.create_instance(connection, marker)
        user_id, _ = user_service.create_user(
            connection, instance_id, ADMIN_EMAIL, "Bench", "Admin", True
        )
    orgs = tables.record_tables["Organisation"]
    people = tables.record_tables["Contact"]
    counts: dict[str, int] = {}
    with unit_of_work(engine, write=True) as connection:
        org_rows = [_organisation(rng, instance_id, user_id, now) for _ in range(organisations)]
        _insert_chunked(connection, orgs, org_rows)
        org_ids = _ids(connection, orgs, instance_id)
        assert len(org_ids) == organisations
        org_domains = [
            re.sub(r"^https://www\.", "", row["website"] or "") or None for row in org_rows
        ]
        tag_rows: list[dict] = []
        date_rows: list[dict] = []
        domain_rows: list[dict] = []
        link_rows: list[dict] = []

        def add_tags(record_type: str, record_id: int, weights: tuple[float, ...]) -> None:
            how_many = rng.choices(range(len(weights)), weights)[0]
            for name in rng.sample(TAGS, how_many):
                tag_rows.append(
                    {
                        "instance_id": instance_id,
                        "record_type": record_type,
                        "record_id": record_id,
                        "tag_name": name,
                    }
                )

        for org_id, domain in zip(org_ids, org_domains, strict=True):
            add_tags("Organisation", org_id, (0.7, 0.2, 0.1))
            if domain is not None and rng.random() < 0.9:
                domain_rows.append(
                    {
                        "instance_id": instance_id,
                        "record_type": "Organisation",
                        "record_id": org_id,
                        "email_domain": domain,
                    }
                )

        employers: list[tuple[int, str] | None] = []
        contact_rows = []
        for _ in range(contacts):
            org = None
            if org_ids and rng.random() < 0.75:
                index = rng.randrange(len(org_ids))
                org = (org_ids[index], org_domains[index] or "example.com")
            employers.append(org)
            contact_rows.append(_contact(rng, instance_id, user_id, org, now))
        _insert_chunked(connection, people, contact_rows)
        contact_ids = _ids(connection, people, instance_id)
        assert len(contact_ids) == contacts

        for contact_id, org, row in zip(contact_ids, employers, contact_rows, strict=True):
            add_tags("Contact", contact_id, (0.5, 0.3, 0.12, 0.08))
            linked = [org[0]] if org is not None else []
            if org_ids and rng.random() < 0.05:
                linked.append(rng.choice(org_ids))  # a former employer, say
            for org_id in linked:
                link_rows.append(
                    {
                        "instance_id": instance_id,
                        "object_name": "Contact",
                        "object_id": contact_id,
                        "link_object_name": "Organisation",
                        "link_object_id": org_id,
                        "role": rng.choice(ROLES),
                        "details": None,
                        "relationship_id": None,
                        "is_forward": None,
                        "date_created_utc": row["date_created_utc"],
                    }
                )
            if rng.random() < 0.1:
                date_rows.append(
                    {
                        "instance_id": instance_id,
                        "record_type": "Contact",
                        "record_id": contact_id,
                        "occasion_name": rng.choice(("Anniversary", "Started", "Renewal")),
                        "occasion_date": _moment(rng, now - timedelta(days=3650), 3650),
                        "repeat_yearly": True,
                        "create_task_yearly": rng.random() < 0.3,
                    }
                )
        _insert_chunked(connection, tables.tags, tag_rows)
        _insert_chunked(connection, tables.dates, date_rows)
        _insert_chunked(connection, tables.email_domains, domain_rows)
        _insert_chunked(connection, tables.links, link_rows)
        counts = {
            "contacts": contacts,
            "organisations": organisations,
            "tags": len(tag_rows),
            "dates": len(date_rows),
            "email_domains": len(domain_rows),
            "links": len(link_rows),
        }
    if engine.dialect.name == "postgresql":
        # As autovacuum would soon do; SQLite statistics are left to --sqlite-analyze.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
    return counts


def set_sqlite_statistics(engine: Engine, analyze: bool) -> None:
    """Give SQLite's planner table statistics (ANALYZE), or take them away.

    Nothing in Rolodex runs ANALYZE, so a database filled through the API has none: that is
    the default here too. --sqlite-analyze shows what statistics would change.
    """
    with engine.begin() as connection:
        if analyze:
            connection.exec_driver_sql("ANALYZE")
        else:
            for table in ("sqlite_stat1", "sqlite_stat4"):
                connection.exec_driver_sql(f"DROP TABLE IF EXISTS {table}")


def schema_fingerprint() -> str:
    """A short hash of the migrations, so a database seeded under another schema is rebuilt."""
    digest = hashlib.sha256()
    for path in sorted((MIGRATIONS_DIR / "versions").glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:10]


def _marker(contacts: int, organisations: int) -> str:
    return (
        f"Bench {contacts} contacts {organisations} organisations "
        f"v{SEED_VERSION} schema {schema_fingerprint()}"
    )


def _bench_instance(engine: Engine, marker: str, contacts: int) -> int | None:
    """The instance of a complete earlier seeding with these sizes, if the database has one."""
    instances = tables.instances
    people = tables.record_tables["Contact"]
    with engine.connect() as connection:
        found = connection.execute(
            select(instances.c.id).where(instances.c.name == marker)
        ).scalar()
        if found is None:
            return None
        count = connection.execute(
            select(func.count()).select_from(people).where(people.c.instance_id == found)
        ).scalar_one()
    return int(found) if count == contacts else None


def _has_data(engine: Engine) -> bool:
    with engine.connect() as connection:
        return connection.execute(select(tables.instances.c.id).limit(1)).first() is not None


def _wipe(engine: Engine) -> None:
    name = engine.url.database or ""
    if Path(name).stem == "test" or "bench" not in name:
        sys.exit(
            f"refusing to empty database {name!r}: point --database-url at a dedicated database "
            "whose name contains 'bench' (e.g. rolodex_bench)"
        )
    print(f"Emptying {engine.url.render_as_string(hide_password=True)} to reseed it")
    tables.metadata.drop_all(engine)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))


def prepare_database(
    url: str | None, contacts: int, organisations: int, sqlite_analyze: bool = False
) -> tuple[str, dict]:
    """A seeded database URL (reused when it already holds this seeding) and what it holds."""
    marker = _marker(contacts, organisations)
    if url is None:
        name = f"rolodex-{contacts}c-{organisations}o-v{SEED_VERSION}-{schema_fingerprint()}.db"
        path = WORK / name
        url = f"sqlite:///{path}"
        if not path.exists():
            for stale in WORK.glob(f"rolodex-{contacts}c-{organisations}o-*.db*"):
                stale.unlink()  # the same size seeded under an older schema or seed version
            tmp = path.with_suffix(".tmp.db")
            for leftover in WORK.glob(tmp.name + "*"):
                leftover.unlink()
            started = time.perf_counter()
            engine = make_engine(f"sqlite:///{tmp}")
            upgrade(engine)
            counts = seed(engine, marker, contacts, organisations)
            with engine.connect() as connection:
                connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            engine.dispose()
            tmp.rename(path)
            print(f"Seeded {path.name} in {time.perf_counter() - started:.1f} s: {counts}")
    engine = make_engine(url)
    try:
        upgrade(engine)
        if _bench_instance(engine, marker, contacts) is None:
            if _has_data(engine):
                _wipe(engine)
                upgrade(engine)
            started = time.perf_counter()
            counts = seed(engine, marker, contacts, organisations)
            print(f"Seeded in {time.perf_counter() - started:.1f} s: {counts}")
        if engine.dialect.name == "sqlite":
            set_sqlite_statistics(engine, sqlite_analyze)
        info = _database_info(engine, marker)
        info["sqlite_analyzed"] = sqlite_analyze if engine.dialect.name == "sqlite" else None
        # Keys are stored hashed, so every run gives the admin a fresh one.
        with unit_of_work(engine, write=True) as connection:
            info["api_key"] = user_service.regenerate_key(connection, ADMIN_EMAIL)
    finally:
        engine.dispose()
    return url, info


def _database_info(engine: Engine, marker: str) -> dict[str, Any]:
    instance_id = _bench_instance_id(engine, marker)
    people = tables.record_tables["Contact"]
    info: dict[str, Any] = {"dialect": engine.dialect.name, "instance_id": instance_id}
    with engine.connect() as connection:
        for name, table in (
            ("contacts", people),
            ("organisations", tables.record_tables["Organisation"]),
            ("tags", tables.tags),
            ("dates", tables.dates),
            ("email_domains", tables.email_domains),
            ("links", tables.links),
        ):
            query = select(func.count()).select_from(table)
            info[name] = connection.execute(
                query.where(table.c.instance_id == instance_id)
            ).scalar_one()
        info["contact_ids"] = _ids(connection, people, instance_id)
    return info


def _bench_instance_id(engine: Engine, marker: str) -> int:
    with engine.connect() as connection:
        query = select(tables.instances.c.id).where(tables.instances.c.name == marker)
        return int(connection.execute(query).scalar_one())


# --- servers ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def server(name: str, command: list[str], env: dict[str, str], port: int) -> Iterator[int]:
    """Run a server process until the block ends; yields its pid once /healthz answers 200."""
    log_path = WORK / f"{name}.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                sys.exit(f"{name} exited with {process.returncode}; see {log_path}")
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                sys.exit(f"{name} did not answer /healthz within 60 s; see {log_path}")
            time.sleep(0.1)
        time.sleep(1)  # let every worker of a multi-process server come up
        yield process.pid
    finally:
        _stop(process)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # the group this script created for it
            process.wait()


def rolodex_command(port: int, workers: int) -> list[str]:
    exe = BIN / "rolodex"
    return [
        str(exe),
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]


def ceiling_command(port: int, workers: int) -> list[str]:
    # The settings `rolodex serve` gives uvicorn.run: host, port, workers, log level "info".
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "ceiling_app:create_app",
        "--factory",
        "--app-dir",
        str(ROOT / "bench"),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        "info",
    ]


# --- load ------------------------------------------------------------------------------------

LUA_TEMPLATE = """\
-- Generated by bench/bench_api.py: {operation}.
local paths = {{
{paths}
}}
wrk.headers["Authorization"] = "{authorization}"
wrk.headers["Accept"] = "application/json"

local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("seed", counter * 7919)
end

function init(args)
  math.randomseed(seed)
end

function request()
  return wrk.format("GET", paths[math.random(#paths)])
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH_JSON {{\\"requests\\":%d,\\"duration_us\\":%d,\\"bytes\\":%d,\\"mean_us\\":%.1f,"
    .. "\\"p50_us\\":%d,\\"p90_us\\":%d,\\"p99_us\\":%d,\\"max_us\\":%d,\\"connect_errors\\":%d,"
    .. "\\"read_errors\\":%d,\\"write_errors\\":%d,\\"status_errors\\":%d,\\"timeouts\\":%d}}\\n",
    summary.requests, summary.duration, summary.bytes, latency.mean,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout))
end
"""


def write_lua(operation: str, paths: list[str], authorization: str) -> Path:
    path = WORK / f"{operation}.lua"
    listed = ",\n".join(f'  "{p}"' for p in paths)
    path.write_text(
        LUA_TEMPLATE.format(operation=operation, paths=listed, authorization=authorization)
    )
    return path


def _us_to_ms(value: float | None) -> float | None:
    return None if value is None else round(value / 1000, 3)


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value.strip()).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS_MS[unit]


def parse_wrk(output: str) -> dict[str, Any]:
    """Figures from wrk's output: the script's BENCH_JSON line, else the --latency text."""
    for line in output.splitlines():
        if line.startswith("BENCH_JSON "):
            raw = json.loads(line.removeprefix("BENCH_JSON "))
            seconds = raw["duration_us"] / 1e6
            if raw["requests"] == 0:  # wrk's percentiles are 0 then: none finished in time
                for key in ("mean_us", "p50_us", "p90_us", "p99_us", "max_us"):
                    raw[key] = None
            return {
                "requests": raw["requests"],
                "seconds": round(seconds, 3),
                "requests_per_s": round(raw["requests"] / seconds, 1),
                "mean_ms": _us_to_ms(raw["mean_us"]),
                "p50_ms": _us_to_ms(raw["p50_us"]),
                "p90_ms": _us_to_ms(raw["p90_us"]),
                "p99_ms": _us_to_ms(raw["p99_us"]),
                "max_ms": _us_to_ms(raw["max_us"]),
                "bytes_per_response": round(raw["bytes"] / max(raw["requests"], 1)),
                "errors": {
                    key: raw[key]
                    for key in (
                        "connect_errors",
                        "read_errors",
                        "write_errors",
                        "status_errors",
                        "timeouts",
                    )
                },
            }
    figures: dict[str, Any] = {}
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if rate is None:
        raise RuntimeError(f"cannot read wrk's output:\n{output}")
    figures["requests_per_s"] = float(rate.group(1))
    done = re.search(r"(\d+) requests in ([\d.]+)(\w+)", output)
    if done is not None:
        figures["requests"] = int(done.group(1))
        figures["seconds"] = _ms(done.group(2) + done.group(3)) / 1000
    for percent, key in (("50", "p50_ms"), ("90", "p90_ms"), ("99", "p99_ms")):
        found = re.search(rf"^\s+{percent}%\s+(\S+)", output, re.MULTILINE)
        figures[key] = _ms(found.group(1)) if found else None
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    figures["errors"] = {"status_errors": int(non_2xx.group(1)) if non_2xx else 0}
    return figures


def run_wrk(args: argparse.Namespace, port: int, script: Path, seconds: float) -> dict[str, Any]:
    command = [
        "wrk",
        f"--threads={args.threads}",
        f"--connections={args.connections}",
        f"--duration={max(1, round(seconds))}s",
        "--timeout=60s",
        "--latency",
        f"--script={script}",
        f"http://127.0.0.1:{port}",
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return parse_wrk(done.stdout)


def _tree_cpu_seconds(pid: int) -> float:
    """CPU time used so far by a process and all its descendants (uvicorn's workers)."""
    total = 0.0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            stat = Path(f"/proc/{current}/stat").read_text()
            fields = stat.rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
            for task in Path(f"/proc/{current}/task").iterdir():
                pending.extend(int(c) for c in (task / "children").read_text().split())
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


def wait_idle(pid: int, limit: float = 300) -> None:
    """Wait until the server has finished the requests wrk left behind when it stopped.

    A slow endpoint goes on working for clients that have gone: without this, that work
    would be charged to the next measurement.
    """
    deadline = time.monotonic() + limit
    used = _tree_cpu_seconds(pid)
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now = _tree_cpu_seconds(pid)
        if now - used < 0.025:  # under 5% of a core
            return
        used = now
    print(f"  (the server was still busy {limit:.0f} s after the load stopped)")


def measure(args: argparse.Namespace, pid: int, port: int, script: Path) -> dict[str, Any]:
    """Warm up, then measure; again for longer (up to --max-duration) if too few finished."""
    if args.warmup > 0:
        run_wrk(args, port, script, args.warmup)
        wait_idle(pid)
    figures = run_wrk(args, port, script, args.duration)
    wait_idle(pid)
    done = figures.get("requests", MIN_REQUESTS)
    if done < MIN_REQUESTS and args.max_duration > args.duration:
        longer = args.max_duration if done == 0 else args.duration * MIN_REQUESTS / done
        figures = run_wrk(args, port, script, min(longer, args.max_duration))
        wait_idle(pid)
    return figures


# --- payloads of the ceiling -----------------------------------------------------------------


def fetch_payloads(
    port: int, api_key: str, contact_paths: list[str], page_paths: list[str]
) -> dict[str, list[bytes]]:
    """Bodies Rolodex answers for a sample of the benchmarked URLs, for the ceiling to serve.

    A sample, because a deep page costs Rolodex seconds: the ceiling answers any id or skip
    with one of these bodies (chosen by id or skip), so sizes and shapes match the real ones.
    """
    bodies: dict[str, list[bytes]] = {"contacts": [], "pages": []}
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", auth=(api_key, ""), timeout=120) as c:
        for key, paths, count in (
            ("contacts", contact_paths, CEILING_CONTACTS),
            ("pages", page_paths, CEILING_PAGES),
        ):
            step = max(len(paths) // count, 1)
            for path in paths[::step][:count]:
                response = c.get(path, headers={"Accept": "application/json"})
                response.raise_for_status()
                bodies[key].append(response.content)
    sample = json.loads(bodies["contacts"][0])
    if "CONTACT_ID" not in sample or "LINKS" not in sample:
        sys.exit(f"unexpected contact body: {sample}")
    if len(json.loads(bodies["pages"][0])) != LIST_TOP:
        sys.exit(f"a list page does not hold {LIST_TOP} contacts")
    return bodies


# --- report ----------------------------------------------------------------------------------


@dataclass
class Result:
    operation: str
    server: str
    workers: int
    requests_per_s: float
    p50_ms: float | None
    p99_ms: float | None
    ratio_to_ceiling: float | None
    details: dict[str, Any]


def _fmt_ms(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.2f} ms" if value < 1000 else f"{value / 1000:.2f} s"


def _fmt_ratio(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.3f}" if value >= 0.01 else f"{value:.2g}"


def _fmt_rate(value: float) -> str:
    return f"{value:,.0f}" if value >= 10 else f"{value:.2g}"


def _summary(operation: str, figures: dict[str, Any]) -> str:
    errors = {k: v for k, v in figures.get("errors", {}).items() if v}
    return (
        f"{OPERATIONS[operation]:16} {_fmt_rate(figures['requests_per_s']):>9} req/s  "
        f"p50 {_fmt_ms(figures['p50_ms'])}  p99 {_fmt_ms(figures['p99_ms'])}"
        + (f"  ERRORS {errors}" if errors else "")
    )


def print_table(results: list[Result]) -> None:
    headers = ("operation", "server", "workers", "req/s", "p50", "p99", "ratio to ceiling")
    rows = []
    for r in results:
        errors = sum(r.details.get("errors", {}).values())
        rows.append(
            (
                OPERATIONS[r.operation],
                r.server,
                str(r.workers),
                _fmt_rate(r.requests_per_s) + (f" ({errors} errors!)" if errors else ""),
                _fmt_ms(r.p50_ms),
                _fmt_ms(r.p99_ms),
                _fmt_ratio(r.ratio_to_ceiling),
            )
        )
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(headers)]
    right = {2, 3, 4, 5, 6}

    def line(cells: tuple[str, ...]) -> str:
        return (
            "| "
            + " | ".join(
                c.rjust(w) if i in right else c.ljust(w)
                for i, (c, w) in enumerate(zip(cells, widths, strict=True))
            )
            + " |"
        )

    print(line(headers))
    print(
        "|"
        + "|".join(
            ("-" * (w + 1) + ":") if i in right else "-" * (w + 2) for i, w in enumerate(widths)
        )
        + "|"
    )
    for row in rows:
        print(line(row))


def _versions() -> dict[str, str]:
    found = {}
    for package in (
        "fastapi",
        "starlette",
        "uvicorn",
        "uvloop",
        "httptools",
        "sqlalchemy",
        "orjson",
        "pydantic",
        "psycopg",
    ):
        with suppress(importlib_metadata.PackageNotFoundError):
            found[package] = importlib_metadata.version(package)
    wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout
    found["wrk"] = wrk.split("[")[0].replace("wrk", "").strip()
    return found


def _git() -> dict[str, Any]:
    def run(*command: str) -> str:
        done = subprocess.run(["git", *command], cwd=ROOT, capture_output=True, text=True)
        return done.stdout.strip()

    return {
        "commit": run("rev-parse", "HEAD"),
        "dirty_files": run("status", "--short").splitlines(),
    }


# --- main ------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contacts", type=int, default=100_000, help="contacts to seed")
    parser.add_argument(
        "--organisations", type=int, help="organisations to seed (default: contacts / 5)"
    )
    parser.add_argument(
        "--database-url",
        help="bench this database instead of a cached SQLite file under build/bench/ "
        "(e.g. postgresql+psycopg://postgres@127.0.0.1:5432/rolodex_bench); it is seeded "
        "when it does not hold this seeding yet, and emptied first only if its name "
        "contains 'bench'",
    )
    parser.add_argument(
        "--workers", type=int, nargs="+", default=[1, 2], help="server processes (one run each)"
    )
    parser.add_argument("--duration", type=float, default=10, help="seconds per measurement")
    parser.add_argument(
        "--max-duration",
        type=float,
        default=60,
        help=f"seconds for a second measurement when fewer than {MIN_REQUESTS} requests "
        "finished in --duration",
    )
    parser.add_argument("--warmup", type=float, default=2, help="seconds of unmeasured load first")
    parser.add_argument(
        "--sqlite-analyze",
        action="store_true",
        help="run ANALYZE on the SQLite database first (by default its statistics are dropped: "
        "Rolodex never runs ANALYZE, so a database filled through the API has none)",
    )
    parser.add_argument(
        "--rate-limits",
        choices=sorted(RATE_LIMIT_ENV),
        default="counted",
        help="counted: every call is counted against limits set too high to reach (the "
        "server's normal path); off: limits disabled, so nothing is counted",
    )
    parser.add_argument("--connections", type=int, default=16, help="wrk connections")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument(
        "--output", type=Path, default=BUILD / "bench.json", help="where to write the figures"
    )
    args = parser.parse_args(argv)
    if args.organisations is None:
        args.organisations = max(args.contacts // 5, 1)
    if args.contacts < LIST_TOP:
        parser.error(f"--contacts must be at least {LIST_TOP}")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get update && apt-get install -y wrk")
    WORK.mkdir(parents=True, exist_ok=True)

    url, info = prepare_database(
        args.database_url, args.contacts, args.organisations, args.sqlite_analyze
    )
    api_key = info.pop("api_key")
    contact_ids = info.pop("contact_ids")
    print(
        f"Database: {make_url(url).render_as_string(hide_password=True)} "
        + ", ".join(f"{k}={v}" for k, v in info.items())
    )
    authorization = "Basic " + base64.b64encode(f"{api_key}:".encode()).decode()
    rng = random.Random(7)
    get_paths = [
        f"/v3.1/Contacts/{i}" for i in rng.sample(contact_ids, min(SAMPLE_IDS, len(contact_ids)))
    ]
    skips = sorted(
        rng.sample(range(len(contact_ids) - LIST_TOP + 1), SAMPLE_PAGES)
        if len(contact_ids) - LIST_TOP + 1 > SAMPLE_PAGES
        else range(len(contact_ids) - LIST_TOP + 1)
    )
    list_paths = [f"/v3.1/Contacts?top={LIST_TOP}&skip={s}" for s in skips]
    scripts = {
        "get": write_lua("get", get_paths, authorization),
        "list": write_lua("list", list_paths, authorization),
    }

    env = {**os.environ, "ROLODEX_DATABASE_URL": url, **RATE_LIMIT_ENV[args.rate_limits]}
    env.pop("ROLODEX_TEST_DATABASE_URL", None)
    payload_file = WORK / "ceiling-payloads.pickle"
    env["BENCH_CEILING_PAYLOADS"] = str(payload_file)

    load_before = os.getloadavg()
    if load_before[0] > 0.5 * (os.cpu_count() or 1):
        print(
            f"WARNING: load average {load_before[0]:.1f} on {os.cpu_count()} CPUs: other work "
            "on this machine will lower and scatter the figures"
        )
    results: list[Result] = []
    have_payloads = False
    for workers in args.workers:
        measured: dict[tuple[str, str], dict[str, Any]] = {}
        for name, command in (("rolodex", rolodex_command), ("ceiling", ceiling_command)):
            port = free_port()
            with server(f"{name}-{workers}w", command(port, workers), env, port) as pid:
                if name == "rolodex" and not have_payloads:
                    payloads = fetch_payloads(port, api_key, get_paths, list_paths)
                    with open(payload_file, "wb") as file:
                        pickle.dump(payloads, file)
                    have_payloads = True
                for operation, script in scripts.items():
                    figures = measure(args, pid, port, script)
                    measured[(operation, name)] = figures
                    print(
                        f"  {workers} worker(s) {name:8} {_summary(operation, figures)}", flush=True
                    )
        for operation in OPERATIONS:
            ceiling_rate = measured[(operation, "ceiling")]["requests_per_s"]
            for name in ("rolodex", "ceiling"):
                figures = measured[(operation, name)]
                results.append(
                    Result(
                        operation=operation,
                        server=name,
                        workers=workers,
                        requests_per_s=figures["requests_per_s"],
                        p50_ms=figures["p50_ms"],
                        p99_ms=figures["p99_ms"],
                        ratio_to_ceiling=float(f"{figures['requests_per_s'] / ceiling_rate:.4g}")
                        if ceiling_rate
                        else None,
                        details=figures,
                    )
                )

    print()
    print_table(results)
    report = {
        "when_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
        },
        "load_average": {"before": load_before, "after": os.getloadavg()},
        "versions": _versions(),
        "git": _git(),
        "settings": {
            "database_url": make_url(url).render_as_string(hide_password=True),
            "workers": args.workers,
            "duration_s": args.duration,
            "max_duration_s": args.max_duration,
            "warmup_s": args.warmup,
            "connections": args.connections,
            "rate_limits": args.rate_limits,
            "threads": args.threads,
            "distinct_contacts": len(get_paths),
            "distinct_pages": len(list_paths),
            "list_top": LIST_TOP,
        },
        "database": info,
        "results": [asdict(r) for r in results],
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nWrote {args.output}")


if __name__ == "__main__":
    main()
