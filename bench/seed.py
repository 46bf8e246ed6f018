"""The benchmark's data: a realistic graph of contacts and organisations, bulk-inserted once and
cached (a SQLite file under build/bench/, a template database on PostgreSQL), then copied for
each run so that writes made by one run never reach the next."""

import hashlib
import random
import re
import shutil
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, case, func, insert, select, update
from sqlalchemy.engine import make_url

from rolodex.domain.custom_fields import index_keys
from rolodex.domain.registry import CONTACTS, ORGANISATIONS
from rolodex.services import users as user_service
from rolodex.services.context import Caller
from rolodex.services.custom_fields import CustomFieldService, CustomValues
from rolodex.storage import tables
from rolodex.storage.custom_fields import CustomFieldStore
from rolodex.storage.engine import make_engine, unit_of_work
from rolodex.storage.migrate import MIGRATIONS_DIR, upgrade

# Bump when the seeded data changes shape, so cached databases are rebuilt.
SEED_VERSION = 3
ADMIN_EMAIL = "bench-admin@example.com"
# A user who is no administrator, from whom HIDDEN_SHARE of the contacts are hidden (VISIBLE_TO
# OWNER, owned by the admin): the bench's non-admin reads (issue 14).
VIEWER_EMAIL = "viewer@bench.example"
HIDDEN_SHARE = 0.3
CHUNK = 5000
# Custom fields of the seeded records (name, type): values live in the records' JSON and in the
# search index, as the API would leave them.
CONTACT_FIELDS = (("Lead_Source__c", "TEXT"), ("Score__c", "NUMERIC"), ("Newsletter__c", "BIT"))
ORGANISATION_FIELDS = (("Industry__c", "TEXT"), ("Employees__c", "NUMERIC"))

# --- seeding ---------------------------------------------------------------------------------


def words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


FIRST_NAMES = words(
    "Ada Alan Alice Amara Ana Andrei Anna Arjun Ben Carla Chen Chloe David Diego Elena Emma Farah "
    "Felix Grace Hannah Hugo Ines Isaac Ivan Jack James Jin Julia Kai Karin Laura Leo Lina Lucas "
    "Maria Mateo Maya Mei Mohammed Nadia Noah Nora Olga Omar Oscar Paula Priya Rafael Rosa Sam "
    "Sara Sofia Tariq Tom Uma Victor Wei Yara Yusuf Zoe"
)
LAST_NAMES = words(
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
COMPANY_WORDS = words(
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


def _define_fields(connection: Any, caller: Caller) -> None:
    for collection, fields in (
        ("Contacts", CONTACT_FIELDS),
        ("Organisations", ORGANISATION_FIELDS),
    ):
        service = CustomFieldService(connection, caller, collection)
        for name, field_type in fields:
            label = name.removesuffix("__c").replace("_", " ")
            service.create({"FIELD_NAME": name, "FIELD_LABEL": label, "FIELD_TYPE": field_type})


def _index_custom_values(
    connection: Any, instance_id: int, rt: Any, ids: list[int], rows: list[dict]
) -> int:
    """Write the search keys of the records' custom values, as the API does on create."""
    definitions = CustomValues(connection, instance_id, rt).definitions
    keys = [
        (record_id, name.lower(), key)
        for record_id, row in zip(ids, rows, strict=True)
        for name, value in row["custom_fields"].items()
        for key in index_keys(definitions[name.lower()], value)
    ]
    store = CustomFieldStore(connection, instance_id)
    for start in range(0, len(keys), CHUNK):
        store.insert_keys(rt.singular, keys[start : start + CHUNK])
    return len(keys)


def seed(engine: Engine, contacts: int, organisations: int) -> dict[str, int]:
    """Fill a migrated, empty database: one instance, an admin, custom fields and the records."""
    rng = random.Random(20240501)
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    with unit_of_work(engine, write=True) as connection:
        instance_id = user_service.create_instance(connection, "Bench")
        user_id, _ = user_service.create_user(
            connection, instance_id, ADMIN_EMAIL, "Bench", "Admin", True
        )
        _define_fields(connection, Caller(instance_id, user_id, is_admin=True))
    orgs = tables.record_tables["Organisation"]
    people = tables.record_tables["Contact"]
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
        search_keys = _index_custom_values(
            connection, instance_id, CONTACTS, contact_ids, contact_rows
        ) + _index_custom_values(connection, instance_id, ORGANISATIONS, org_ids, org_rows)
    return {
        "contacts": contacts,
        "organisations": organisations,
        "tags": len(tag_rows),
        "dates": len(date_rows),
        "email_domains": len(domain_rows),
        "links": len(link_rows),
        "custom_field_search_keys": search_keys,
    }


def schema_fingerprint() -> str:
    """A short hash of the migrations and seed version: a change rebuilds cached databases."""
    digest = hashlib.sha256(f"seed v{SEED_VERSION}".encode())
    for path in sorted((MIGRATIONS_DIR / "versions").glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:10]


@dataclass
class Copy:
    """A freshly copied seeded database: its URL and how to remove it."""

    url: str
    path: Path | None  # the SQLite file, or None for PostgreSQL

    def drop(self, admin_url: str | None) -> None:
        """Delete the copy (its file, or its database)."""
        if self.path is not None:
            for leftover in self.path.parent.glob(self.path.name + "*"):
                leftover.unlink()
        elif admin_url is not None:
            name = make_url(self.url).database
            _pg_admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _pg_admin(admin_url: str, *statements: str) -> None:
    engine = make_engine(admin_url)
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            for statement in statements:
                connection.exec_driver_sql(statement)
    finally:
        engine.dispose()


def pg_exists(admin_url: str, name: str) -> bool:
    """Whether the PostgreSQL server at `admin_url` has a database `name`."""
    engine = make_engine(admin_url)
    try:
        with engine.connect() as connection:
            query = "SELECT 1 FROM pg_database WHERE datname = %(name)s"
            return connection.exec_driver_sql(query, {"name": name}).first() is not None
    finally:
        engine.dispose()


def _pg_names(admin_url: str, prefix: str) -> list[str]:
    """The databases whose names start with `prefix`."""
    engine = make_engine(admin_url)
    try:
        with engine.connect() as connection:
            names = connection.exec_driver_sql("SELECT datname FROM pg_database").scalars()
            return [name for name in names if name.startswith(prefix)]
    finally:
        engine.dispose()


def _seed_into(url: str, contacts: int) -> None:
    started = time.perf_counter()
    engine = make_engine(url)
    try:
        upgrade(engine)
        counts = seed(engine, contacts, max(contacts // 5, 1))
        # The viewer's hidden share is part of the seed (not a later update of every row): on
        # PostgreSQL, an UPDATE of all rows would leave them for VACUUM, and no page would be
        # all-visible, so no list could be read in its index alone.
        with unit_of_work(engine, write=True) as connection:
            _hide_share(connection)
        if engine.dialect.name == "sqlite":
            with engine.connect() as connection:
                connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        else:  # as autovacuum soon would; Rolodex never runs ANALYZE on SQLite, so neither do we
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.exec_driver_sql("VACUUM ANALYZE")
    finally:
        engine.dispose()
    print(f"  seeded in {time.perf_counter() - started:.1f} s: {counts}", flush=True)


def cached_copies(
    work: Path, database: str, contacts: int, pg_admin_url: str, names: list[str]
) -> list[Copy]:
    """Copies of the seeded database (seeding it first when no cache exists), one per name."""
    fingerprint = schema_fingerprint()
    copies = []
    if database == "sqlite":
        cache = work / f"seed-{contacts}c-{fingerprint}.db"
        if not cache.exists():
            for stale in work.glob(f"seed-{contacts}c-*.db*"):
                stale.unlink()  # the same size seeded under an older schema or seed version
            tmp = cache.with_name(cache.name + ".tmp")
            for leftover in work.glob(tmp.name + "*"):
                leftover.unlink()
            print(f"Seeding {contacts} contacts into {cache}", flush=True)
            _seed_into(f"sqlite:///{tmp}", contacts)
            tmp.rename(cache)
        for name in names:
            path = work / f"run-{name}.db"
            Copy(f"sqlite:///{path}", path).drop(None)
            shutil.copyfile(cache, path)
            copies.append(Copy(f"sqlite:///{path}", path))
        return copies
    template = f"rolodex_bench_seed_{contacts}_{fingerprint}"
    base = make_url(pg_admin_url)
    if not pg_exists(pg_admin_url, template):
        for stale in _pg_names(pg_admin_url, f"{template.rsplit('_', 1)[0]}_"):
            # An older schema.
            _pg_admin(pg_admin_url, f'DROP DATABASE IF EXISTS "{stale}" WITH (FORCE)')
        print(f"Seeding {contacts} contacts into PostgreSQL database {template}", flush=True)
        _pg_admin(pg_admin_url, f'CREATE DATABASE "{template}"')
        try:
            _seed_into(base.set(database=template).render_as_string(False), contacts)
        except BaseException:
            _pg_admin(pg_admin_url, f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)')
            raise
    for name in names:
        target = "rolodex_bench" if name == "serve" else f"rolodex_bench_{name}"
        _pg_admin(
            pg_admin_url,
            f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)',
            f'CREATE DATABASE "{target}" TEMPLATE "{template}"',
        )
        copies.append(Copy(base.set(database=target).render_as_string(False), None))
    return copies


def describe(url: str, api_key: str, viewer_key: str | None = None) -> dict[str, Any]:
    """What a seeded copy holds and its instance; `api_key` becomes its admin's key and
    `viewer_key` that of a user who is no administrator, from whom every contact whose id ends
    in 0, 1 or 2 (HIDDEN_SHARE) is hidden."""
    engine = make_engine(url)
    info: dict[str, Any] = {"dialect": engine.dialect.name}
    try:
        upgrade(engine)  # a migration added since the cache was seeded (it is rebuilt next run)
        with engine.connect() as connection:
            users = tables.users
            row = connection.execute(
                select(users.c.id, users.c.instance_id).where(users.c.email_key == ADMIN_EMAIL)
            ).one()
            info["instance_id"] = row.instance_id
            for name, table in (
                ("contacts", tables.record_tables["Contact"]),
                ("organisations", tables.record_tables["Organisation"]),
                ("tags", tables.tags),
                ("dates", tables.dates),
                ("links", tables.links),
                ("custom_field_search_keys", tables.custom_field_values),
            ):
                query = select(func.count()).select_from(table)
                info[name] = connection.execute(
                    query.where(table.c.instance_id == row.instance_id)
                ).scalar_one()
            contacts = tables.record_tables["Contact"]
            info["contact_ids"] = _ids(connection, contacts, row.instance_id)
            info["organisation_ids"] = _ids(
                connection, tables.record_tables["Organisation"], row.instance_id
            )
            # Keys are stored hashed: each run sets one it knows (the same in every copy).
            connection.execute(
                update(users)
                .where(users.c.email_key == ADMIN_EMAIL)
                .values(api_key_hash=user_service.hash_api_key(api_key))
            )
            if viewer_key is not None:
                _hide_from_viewer(connection, row.instance_id, viewer_key)
            connection.commit()
    finally:
        engine.dispose()
    return info


def _hide_share(connection: Any) -> None:
    """HIDDEN_SHARE of the contacts (those whose id ends in 0, 1 or 2) visible to their owner,
    the admin, only; the others to everyone."""
    contacts = tables.record_tables["Contact"]
    hidden = (contacts.c.id % 10) < round(HIDDEN_SHARE * 10)
    connection.execute(
        update(contacts).values(visible_to=case((hidden, "OWNER"), else_="EVERYONE"))
    )


def _hide_from_viewer(connection: Any, instance_id: int, viewer_key: str) -> None:
    """The viewer user (made once per copy) with `viewer_key`; the seed hid HIDDEN_SHARE of the
    contacts from it."""
    users = tables.users
    found = connection.execute(select(users.c.id).where(users.c.email_key == VIEWER_EMAIL)).first()
    if found is None:
        user_service.create_user(connection, instance_id, VIEWER_EMAIL, "Bench", "Viewer", False)
    connection.execute(
        update(users)
        .where(users.c.email_key == VIEWER_EMAIL)
        .values(api_key_hash=user_service.hash_api_key(viewer_key))
    )


def contact_row(rng: random.Random, org: tuple[int, str] | None) -> dict[str, Any]:
    """One contact's columns as the seeding makes them (for bodies to POST and CSV rows)."""
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    return _contact(rng, 0, 0, org, now)
