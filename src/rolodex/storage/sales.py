"""Sales catalogue SQL: a record's totals from its line items (RecordType.totals), in one
statement whatever the number of lines, and the price book entry lookups the rules need."""

from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, case, func, literal, select, update

from rolodex.domain.registry import PRICEBOOKS, RecordType, by_singular, owner_field_of
from rolodex.storage import tables


def refresh_totals(
    connection: Connection, instance_id: int, rt: RecordType, record_id: int
) -> None:
    """Set the record's RecordType.totals fields from its line items as they now are."""
    totals = rt.totals
    assert totals is not None
    table = tables.record_tables[rt.singular]
    lines_rt = by_singular(totals.lines)
    lines = tables.record_tables[lines_rt.singular]
    owner = owner_field_of(lines_rt, rt)
    assert owner is not None
    of_record = and_(lines.c.instance_id == instance_id, lines.c[owner.lower()] == table.c.id)
    sums: dict[str, ColumnElement[Any]] = {}
    for name, line_field in totals.sums:
        total = select(func.coalesce(func.sum(lines.c[line_field.lower()]), 0)).where(of_record)
        sums[name.lower()] = total.scalar_subquery()
    values: dict[str, ColumnElement[Any]] = dict(sums)
    if totals.difference is not None:
        name, summed, less = totals.difference
        values[name.lower()] = sums[summed.lower()] - sums[less.lower()]
    if totals.grand is not None:
        name, terms = totals.grand
        added: ColumnElement[Any] = literal(0)
        for term in terms:
            column = term.lower()
            added = added + (sums[column] if column in sums else func.coalesce(table.c[column], 0))
        values[name.lower()] = added
    if totals.currency is not None:
        name, reference = totals.currency
        books = tables.record_tables[PRICEBOOKS.singular]
        values[name.lower()] = (
            select(books.c.currency_code)
            .where(books.c.instance_id == instance_id, books.c.id == table.c[reference.lower()])
            .scalar_subquery()
        )
    if totals.only_with is not None:  # summed only while the record has a price book
        priced = table.c[totals.only_with.lower()].is_not(None)
        values = {
            column: case((priced, value), else_=table.c[column]) for column, value in values.items()
        }
    connection.execute(
        update(table)
        .where(table.c.instance_id == instance_id, table.c.id == record_id)
        .values(values)
    )


def entry_ids_of(
    connection: Connection, instance_id: int, rt: RecordType, pricebook_id: int, product_id: int
) -> list[int]:
    """The ids of the price book entries (of type `rt`) of that product in that book."""
    table = tables.record_tables[rt.singular]
    query = select(table.c.id).where(
        table.c.instance_id == instance_id,
        table.c.pricebook_id == pricebook_id,
        table.c.product_id == product_id,
    )
    return list(connection.execute(query).scalars())


def lines_priced_by(
    connection: Connection, instance_id: int, line_types: tuple[RecordType, ...], entry_id: int
) -> int:
    """How many line items (of any of `line_types`) are priced by the entry `entry_id`."""
    found = 0
    for rt in line_types:
        table = tables.record_tables[rt.singular]
        query = select(func.count()).where(
            table.c.instance_id == instance_id, table.c.pricebook_entry_id == entry_id
        )
        found += int(connection.execute(query).scalar_one())
    return found


def count_lines(connection: Connection, instance_id: int, rt: RecordType, record_id: int) -> int:
    """How many line items the record (an opportunity) has (RecordType.totals)."""
    assert rt.totals is not None
    lines_rt = by_singular(rt.totals.lines)
    owner = owner_field_of(lines_rt, rt)
    assert owner is not None
    lines = tables.record_tables[lines_rt.singular]
    query = select(func.count()).where(
        lines.c.instance_id == instance_id, lines.c[owner.lower()] == record_id
    )
    return int(connection.execute(query).scalar_one())
