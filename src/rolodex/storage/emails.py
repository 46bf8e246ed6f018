"""SQL for the email import: users by address, and records matching email addresses."""

from collections.abc import Iterable

from sqlalchemy import Connection, func, select

from rolodex.domain.registry import RecordType
from rolodex.storage import tables
from rolodex.storage.repository import Row


def user_by_email(connection: Connection, instance_id: int, email: str) -> Row | None:
    """The user of `instance_id` who signs in with `email` (any case)."""
    users = tables.users
    query = select(users.c.id, users.c.administrator).where(
        users.c.instance_id == instance_id, users.c.email_key == email.strip().lower()
    )
    row = connection.execute(query).mappings().first()
    return dict(row) if row is not None else None


def ids_with_address(
    connection: Connection, instance_id: int, rt: RecordType, column: str, addresses: set[str]
) -> set[int]:
    """The ids of `rt` records whose `column` is one of `addresses` (any case)."""
    if not addresses:
        return set()
    table = tables.record_tables[rt.singular]
    query = select(table.c.id).where(
        table.c.instance_id == instance_id,
        func.lower(table.c[column]).in_({address.lower() for address in addresses}),
    )
    return set(connection.execute(query).scalars())


def ids_with_email_domain(
    connection: Connection, instance_id: int, rt: RecordType, domains: Iterable[str]
) -> set[int]:
    """The ids of `rt` records with one of `domains` among their EMAILDOMAINS."""
    wanted = {domain.lower() for domain in domains}
    if not wanted:
        return set()
    email_domains = tables.email_domains
    query = select(email_domains.c.record_id).where(
        email_domains.c.instance_id == instance_id,
        email_domains.c.record_type == rt.singular,
        func.lower(email_domains.c.email_domain).in_(wanted),
    )
    return set(connection.execute(query).scalars())
