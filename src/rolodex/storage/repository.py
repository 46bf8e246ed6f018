"""SQL for records and their sub-collections, always scoped to one instance.

Every query goes through `Repository`, which is built for one instance and adds the instance
filter itself: no caller can forget it. Methods take and return plain Python values keyed by
storage column name; the wire format is not known here.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from operator import itemgetter
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    String,
    Table,
    and_,
    bindparam,
    case,
    cast,
    delete,
    exists,
    func,
    insert,
    literal,
    null,
    or_,
    select,
    true,
    tuple_,
    union_all,
    update,
)

from rolodex.domain.registry import Kind, RecordType, by_singular
from rolodex.storage import tables
from rolodex.storage.anchors import ANCHOR_FROM, ListAnchor, list_anchor
from rolodex.storage.bulk import insert_rows
from rolodex.storage.cache import CUSTOM_OBJECT_NAMES
from rolodex.storage.custom_fields import CustomFieldMatch, CustomFieldStore
from rolodex.storage.engine import in_write_unit
from rolodex.storage.visibility import hidden_record, visible

Row = dict[str, Any]


@dataclass(frozen=True)
class FieldFilter:
    """Equality on one field: a column, a custom field (`__c`) or a tag; with `prefix`, the
    text values that start with `value` (in any letter case)."""

    column: str | None = None
    kind: Kind = Kind.TEXT
    custom_field: CustomFieldMatch | None = None
    tag_name: str | None = None
    value: Any = None
    # For date-only searches on a datetime field: the half-open day [value, until).
    until: datetime | None = None
    # Records linked to this (singular object name, id).
    linked_to: tuple[str, int] | None = None
    prefix: bool = False
    # Records that match every one of these column filters ("Ada" "Love": a first name and a
    # last name); the fields above are then unused.
    all_of: tuple["FieldFilter", ...] = ()


@dataclass(frozen=True)
class Page:
    """Which slice of a list to read."""

    skip: int = 0
    top: int = 100
    updated_after: datetime | None = None
    count_total: bool = False
    # A list in another order than the ids': (column, descending), then by id. The caller
    # checks that the column is one it may sort by (rolodex.services.records.sortable_fields).
    sort: tuple[str, bool] | None = None


@dataclass(frozen=True)
class DatedQuery:
    """What Repository.dated_groups counts: the records a user holds, by ranges of a date."""

    date_column: str
    edges: tuple[datetime, ...]  # the end of each range, in order
    holder: int  # the user
    holder_columns: tuple[str, ...]  # the columns that say who holds a record
    name_column: str  # the order within a range after the date
    per_group: int  # records read of each range
    done_column: str | None = None  # a flag that, when true, leaves a record out


# After every text that starts with a given text, in code point order (SQLite's, and
# PostgreSQL's C collation): the end of a prefix's range.
_LAST_CHARACTER = "\U0010ffff"


def strictly_after(when: datetime) -> datetime:
    """The earliest stored time that is after `when` as clients see dates: to the second. A
    record shown as updated at 10:00:05 is not "after 10:00:05", whatever its microseconds."""
    return when.replace(microsecond=0) + timedelta(seconds=1)


def fetch_page(
    connection: Connection, query: Select[Any], page: Page
) -> tuple[list[Row], int | None]:
    """One page of `query` (filtered and ordered), and how many rows it has in all when the page
    asks for the count."""
    rows: list[Row] = []
    if page.top > 0:
        result = connection.execute(query.offset(page.skip).limit(page.top))
        keys = tuple(result.keys())
        # One fetchall and a dict per row built in C: row-by-row mapping costs 3x as much.
        rows = [dict(zip(keys, row, strict=True)) for row in result.all()]
    total = None
    if page.count_total:
        counting = select(func.count()).select_from(query.order_by(None).subquery())
        total = int(connection.execute(counting).scalar_one())
    return rows, total


def _sort_order(table: Table, column: str, descending: bool) -> tuple[ColumnElement[Any], ...]:
    """ORDER BY a column (text in any letter case), empty values last, then by id."""
    value: ColumnElement[Any] = table.c[column]
    if isinstance(value.type, String):
        value = func.lower(value)
    if descending:
        return value.desc().nulls_last(), table.c.id.desc()
    return value.asc().nulls_last(), table.c.id.asc()


# The columns of a tombstone that say who saw the record (rolodex.storage.tombstones).
_AUDIENCE = ("owner_user_id", "visible_to", "visible_team_id", "visible_user_ids")


class Repository:
    """Data access for one instance: as seen by the user `viewer` (who sees only the records
    visibility lets them see, rolodex.storage.visibility), or by an administrator (None)."""

    def __init__(self, connection: Connection, instance_id: int, viewer: int | None = None) -> None:
        self.connection = connection
        self.instance_id = instance_id
        self.viewer = viewer

    def unfiltered(self) -> "Repository":
        """This instance's data as an administrator sees it (for what a write does to records
        the caller may not see: the other ends of its links, say)."""
        return self if self.viewer is None else Repository(self.connection, self.instance_id)

    def _filters(self, rt: RecordType) -> bool:
        """Whether reads of `rt` are filtered by visibility for this repository's viewer."""
        return self.viewer is not None and (rt.restricted or rt.audience_from is not None)

    def _seen(self, rt: RecordType, table: Any) -> ColumnElement[bool]:
        """The records of `rt` in this instance that the viewer sees."""
        scope = self._of_type(rt, table)
        if not self._filters(rt):
            return scope
        assert self.viewer is not None
        if rt.audience_from is not None:
            return and_(scope, self._seen_through(rt, table))
        return and_(scope, visible(table, rt.singular, self.instance_id, self.viewer))

    def _seen_through(self, rt: RecordType, table: Any) -> ColumnElement[bool]:
        """A record with RecordType.audience_from is seen when the record it names is (a line
        item when its opportunity is): a condition on that record, in the same statement."""
        spec = rt.field_named(rt.audience_from or "")
        assert spec is not None and spec.references is not None
        parent = by_singular(spec.references)
        parent_table = self.record_table(parent).alias()
        return exists().where(
            parent_table.c.id == table.c[spec.column], self._seen(parent, parent_table)
        )

    def _scoped(self, table: Table) -> ColumnElement[bool]:
        return table.c.instance_id == self.instance_id

    def _count(self, query: Select[Any]) -> int:
        """How many rows `query` gives (for X-Total-Count)."""
        counting = select(func.count()).select_from(query.subquery())
        return int(self.connection.execute(counting).scalar_one())

    # --- records -------------------------------------------------------------------------

    def record_table(self, rt: RecordType) -> Table:
        if rt.custom_object:
            return tables.custom_object_records
        return tables.record_tables[rt.singular]

    def _of_type(self, rt: RecordType, table: Table) -> ColumnElement[bool]:
        """The records of `rt` in this instance (a custom object's in their shared table)."""
        if rt.custom_object:
            return and_(table.c.instance_id == self.instance_id, table.c.object_name == rt.singular)
        return table.c.instance_id == self.instance_id

    def get_record(self, rt: RecordType, record_id: int, for_update: bool = False) -> Row | None:
        filtered = self._filters(rt)
        if filtered and rt.audience_from is not None:
            table = self.record_table(rt)
            query = select(table).where(self._seen(rt, table), table.c.id == record_id)
            if for_update:
                query = query.with_for_update(of=table)
            found = self.connection.execute(query).mappings().first()
            return dict(found) if found is not None else None
        query = _record_by_id(self.record_table(rt), for_update, filtered)
        parameters: dict[str, Any] = {"instance_id": self.instance_id, "record_id": record_id}
        if rt.custom_object:
            parameters["object_name"] = rt.singular
        if filtered:
            parameters.update(viewer_id=self.viewer, viewer_type=rt.singular)
        row = self.connection.execute(query, parameters).mappings().first()
        return dict(row) if row is not None else None

    def existing_ids(self, rt: RecordType, ids: Iterable[int]) -> set[int]:
        """Which of `ids` are records of `rt` in this instance."""
        wanted = set(ids)
        if not wanted:
            return set()
        table = self.record_table(rt)
        query = select(table.c.id).where(self._seen(rt, table), table.c.id.in_(wanted))
        return set(self.connection.execute(query).scalars())

    def records_by_id(self, rt: RecordType, ids: Iterable[int]) -> dict[int, Row]:
        """The records of `rt` among `ids` in this instance, by id."""
        wanted = set(ids)
        if not wanted:
            return {}
        table = self.record_table(rt)
        query = select(table).where(self._seen(rt, table), table.c.id.in_(wanted))
        return {row["id"]: dict(row) for row in self.connection.execute(query).mappings()}

    def list_records(
        self, rt: RecordType, page: Page, field_filter: FieldFilter | None = None
    ) -> tuple[list[Row], int | None]:
        """One page of records in the contract's order, and the total when asked for.

        The page's ids are read first, in an index that holds them in the page's order (the
        sweep's, the instance's, a searched column's, a tag's or a custom value's), and only
        then the page's rows: the rows skipped over are never read."""
        table = self.record_table(rt)
        conditions: list[ColumnElement[bool]] = [self._seen(rt, table)]
        if page.updated_after is not None:
            conditions.append(table.c.date_updated_utc >= strictly_after(page.updated_after))
        order: tuple[ColumnElement[Any], ...] = (
            (table.c.date_updated_utc, table.c.id)
            if page.updated_after is not None
            else (table.c.id,)
        )
        ids = self._ids_in_search_index(rt, table, page, field_filter)
        if field_filter is not None and ids is None:
            conditions.append(self._filter_condition(rt, table, field_filter))
        if page.sort is not None and page.updated_after is None:
            order = _sort_order(table, *page.sort)
            if ids is not None:  # the search's matches, in the order asked for
                conditions.append(table.c.id.in_(ids.order_by(None)))
                ids = None
        anchor = None
        if ids is None:
            ids = select(table.c.id).where(*conditions).order_by(*order)
            anchor = self._list_anchor(rt, table, page, field_filter)
        skip, window = page.skip, ids
        found = anchor.nearest(page.skip) if anchor is not None else None
        if found is not None:  # read on from the nearest known position (rolodex.storage.anchors)
            position, key = found
            window = ids.where(tuple_(*order) >= tuple_(*key))
            skip = page.skip - position
        rows, _ = fetch_page(
            self.connection,
            select(table)
            .where(table.c.id.in_(window.offset(skip).limit(page.top)))
            .order_by(*order),
            Page(top=page.top),
        )
        if anchor is not None and rows:
            columns = [column.name for column in order]
            anchor.learn(page.skip, tuple(rows[0][name] for name in columns))
            anchor.learn(page.skip + len(rows) - 1, tuple(rows[-1][name] for name in columns))
        total = None
        if page.count_total:
            total = self._count(ids.order_by(None))
        return rows, total

    def _list_anchor(
        self, rt: RecordType, table: Table, page: Page, field_filter: FieldFilter | None
    ) -> ListAnchor | None:
        """The known positions of a deep page's list, for a list in id or sweep order whose
        rows move only when a record of the type changes (not one seen through another
        record's visibility, nor records linked to one: a link changes neither end's row), read
        by a unit of work that writes nothing."""
        if page.skip < ANCHOR_FROM or page.sort is not None or rt.audience_from is not None:
            return None
        if in_write_unit(self.connection):  # its own changes may never be committed
            return None
        if field_filter is not None and field_filter.linked_to is not None:
            return None
        list_key = (self.instance_id, rt.singular, self.viewer, page.updated_after, field_filter)
        try:
            hash(list_key)
        except TypeError:  # a filter on a value that is not hashable: read straight
            return None
        return list_anchor(
            self.connection,
            list_key,
            table,
            self._of_type(rt, table),
            rt.singular,
            self.instance_id,
            self.viewer if self._filters(rt) else None,
        )

    # --- aggregates: counted and summed by the database, through the visibility condition ------

    def totals_by(
        self, rt: RecordType, group_column: str, sum_column: str | None, field_filter: FieldFilter
    ) -> dict[Any, tuple[int, Any]]:
        """{value of `group_column`: (how many records the viewer sees match `field_filter`, the
        sum of their `sum_column`)}: one grouped statement, whatever the number of records."""
        table = self.record_table(rt)
        group = table.c[group_column]
        total: ColumnElement[Any] = func.sum(table.c[sum_column]) if sum_column else null()
        query = (
            select(group, func.count(), total)
            .where(self._seen(rt, table), self._filter_condition(rt, table, field_filter))
            .group_by(group)
        )
        return {row[0]: (int(row[1]), row[2]) for row in self.connection.execute(query)}

    def first_of_each(
        self, rt: RecordType, group_column: str, per_group: int, field_filter: FieldFilter
    ) -> list[Row]:
        """The first `per_group` records (in id order) of each value of `group_column` among
        those the viewer sees that match `field_filter`: their ids ranked in SQL, then their
        rows by primary key (joined in one statement, PostgreSQL merged the ranked ids with the
        whole table's primary key, not knowing how few they are)."""
        table = self.record_table(rt)
        rank = func.row_number().over(partition_by=table.c[group_column], order_by=table.c.id)
        ranked = (
            select(table.c.id, rank.label("rank_in_group"))
            .where(self._seen(rt, table), self._filter_condition(rt, table, field_filter))
            .subquery()
        )
        ids = self.connection.execute(
            select(ranked.c.id).where(ranked.c.rank_in_group <= per_group)
        ).scalars()
        rows = self.records_by_id(rt, ids)
        return [rows[record_id] for record_id in sorted(rows)]

    def dated_groups(self, rt: RecordType, query: DatedQuery) -> list[tuple[int, list[Row]]]:
        """Of the records the viewer sees that `query.holder` holds (in one of
        `query.holder_columns`) and that are not done: for each range [edges[i - 1], edges[i])
        of their `date_column` (the first from the earliest date), how many there are and the
        first `per_group` of them by date, then name. One statement, counted in SQL."""
        table = self.record_table(rt)
        when = table.c[query.date_column]
        bucket = case(
            *((when < edge, number) for number, edge in enumerate(query.edges)), else_=None
        )
        name = func.lower(table.c[query.name_column])
        conditions = [
            self._seen(rt, table),
            or_(*(table.c[column] == query.holder for column in query.holder_columns)),
            when < query.edges[-1],
        ]
        if query.done_column is not None:
            conditions.append(table.c[query.done_column].is_not(true()))
        ranked = (
            select(
                table.c.id,
                bucket.label("bucket"),
                func.count().over(partition_by=bucket).label("in_bucket"),
                func.row_number()
                .over(partition_by=bucket, order_by=(when, name, table.c.id))
                .label("rank_in_bucket"),
            )
            .where(*conditions)
            .subquery()
        )
        rows = self.connection.execute(
            select(table, ranked.c.bucket, ranked.c.in_bucket)
            .join(ranked, ranked.c.id == table.c.id)
            .where(ranked.c.rank_in_bucket <= query.per_group)
            .order_by(ranked.c.bucket, ranked.c.rank_in_bucket)
        ).mappings()
        groups: list[tuple[int, list[Row]]] = [(0, []) for _ in query.edges]
        for row in rows:
            found = dict(row)
            number, counted = found.pop("bucket"), found.pop("in_bucket")
            groups[number] = (int(counted), [*groups[number][1], found])
        return groups

    def _ids_in_search_index(
        self, rt: RecordType, table: Table, page: Page, field_filter: FieldFilter | None
    ) -> Select[Any] | None:
        """For a search by tag or by a custom field's value (in id order): the matching ids in
        the search's own index, which ends with the record id, each checked against the
        record table by its primary key. None for every other list."""
        if field_filter is None or page.updated_after is not None:
            return None
        index: Table
        if field_filter.tag_name is not None:
            index = tables.tags
            matches: tuple[ColumnElement[bool], ...] = (
                func.lower(index.c.tag_name) == field_filter.tag_name.lower(),
            )
        elif (match := field_filter.custom_field) is not None and (
            match.key is not None and match.until is None and match.whole_text is None
        ):
            index = tables.custom_field_values
            matches = (index.c.field_key == match.field_key, index.c.value_key == match.key)
        else:
            return None
        return (
            select(index.c.record_id)
            .join(table, table.c.id == index.c.record_id)
            .where(
                self._scoped(index),
                index.c.record_type == rt.singular,
                *matches,
                self._seen(rt, table),
            )
            .order_by(index.c.record_id)
        )

    def _filter_condition(
        self, rt: RecordType, table: Table, field_filter: FieldFilter
    ) -> ColumnElement[bool]:
        if field_filter.all_of:
            return and_(*(self._filter_condition(rt, table, each) for each in field_filter.all_of))
        if field_filter.linked_to is not None:
            return table.c.id.in_(self._linked_ids(rt, *field_filter.linked_to))
        if field_filter.tag_name is not None:
            tag_query = select(tables.tags.c.record_id).where(
                self._scoped(tables.tags),
                tables.tags.c.record_type == rt.singular,
                func.lower(tables.tags.c.tag_name) == field_filter.tag_name.lower(),
            )
            return table.c.id.in_(tag_query)
        if field_filter.custom_field is not None:
            store = CustomFieldStore(self.connection, self.instance_id)
            return store.match_condition(rt.singular, table, field_filter.custom_field)
        assert field_filter.column is not None
        column = table.c[field_filter.column]
        if field_filter.value is None or field_filter.value == "":
            if field_filter.kind is Kind.TEXT:
                return or_(column.is_(None), column == "")
            return column.is_(None)
        if field_filter.kind is Kind.TEXT and field_filter.prefix:
            # A range of lower(column), which its index (lower(column), id) holds in order.
            start = str(field_filter.value).lower()
            return and_(func.lower(column) >= start, func.lower(column) < start + _LAST_CHARACTER)
        if field_filter.kind is Kind.TEXT:
            return func.lower(column) == str(field_filter.value).lower()
        if field_filter.until is not None:
            return and_(column >= field_filter.value, column < field_filter.until)
        return column == field_filter.value

    def _linked_ids(self, rt: RecordType, object_name: str, object_id: int) -> Any:
        links = tables.links
        forward = select(links.c.link_object_id).where(
            self._scoped(links),
            links.c.object_name == object_name,
            links.c.object_id == object_id,
            links.c.link_object_name == rt.singular,
        )
        backward = select(links.c.object_id).where(
            self._scoped(links),
            links.c.link_object_name == object_name,
            links.c.link_object_id == object_id,
            links.c.object_name == rt.singular,
        )
        return forward.union_all(backward)

    def insert_record(self, rt: RecordType, values: Row) -> int:
        table = self.record_table(rt)
        if rt.custom_object:
            values = {**values, "object_name": rt.singular}
        result = self.connection.execute(
            insert(table).values(instance_id=self.instance_id, **values).returning(table.c.id)
        )
        record_id = int(result.scalar_one())
        self._number(rt, table, table.c.id == record_id)
        return record_id

    def _number(self, rt: RecordType, table: Table, which: ColumnElement[bool]) -> None:
        """Give the new records `which` selects their number (RecordType.number_field): the id."""
        if rt.number_field is None:
            return
        column = table.c[rt.number_field.lower()]
        self.connection.execute(
            update(table)
            .where(table.c.instance_id == self.instance_id, which)
            .values({column: cast(table.c.id, column.type)})
        )

    def insert_records(self, rt: RecordType, rows: Sequence[Row]) -> None:
        """Insert many records in one statement (a column some rows leave out is null in them)."""
        if not rows:
            return
        table = self.record_table(rt)
        extra = {"object_name": rt.singular} if rt.custom_object else {}
        columns = {column for row in rows for column in row}  # one statement needs one shape
        self.connection.execute(
            insert(table),
            [
                {"instance_id": self.instance_id, **extra, **dict.fromkeys(columns), **row}
                for row in rows
            ],
        )
        if rt.number_field is not None:
            self._number(rt, table, table.c[rt.number_field.lower()].is_(None))

    def insert_many_records(self, rt: RecordType, rows: Sequence[Row]) -> list[int]:
        """Insert records with multi-row statements (one per set of columns given, so a column
        left out keeps its default); their new ids, in the order of `rows`."""
        ids = self._insert_many_rows(rt, rows)
        if ids and rt.number_field is not None:
            table = self.record_table(rt)
            self._number(rt, table, table.c.id.in_(ids))
        return ids

    def _insert_many_rows(self, rt: RecordType, rows: Sequence[Row]) -> list[int]:
        table = self.record_table(rt)
        extra = {"object_name": rt.singular} if rt.custom_object else {}
        shapes: dict[frozenset[str], list[int]] = {}
        for position, row in enumerate(rows):
            shapes.setdefault(frozenset(row), []).append(position)
        if self.connection.dialect.name == "sqlite":
            # SQLite cannot say which RETURNING row belongs to which parameter set without
            # inserting row by row, and the unit of work holds its only write lock: the ids
            # are handed out here, after the highest ever used (the table is AUTOINCREMENT).
            first = self._next_sqlite_id(table)
            for positions in shapes.values():
                insert_rows(
                    self.connection,
                    table,
                    [
                        {"id": first + p, "instance_id": self.instance_id, **extra, **rows[p]}
                        for p in positions
                    ],
                )
            return list(range(first, first + len(rows)))
        if self.connection.dialect.driver == "psycopg" and len(rows) >= 100:
            # The ids from the table's sequence in one query, then the rows in one COPY.
            sequence = select(func.nextval(func.pg_get_serial_sequence(table.name, "id")))
            counted = sequence.select_from(func.generate_series(1, len(rows)))
            new_ids = [int(i) for i in self.connection.execute(counted).scalars()]
            for positions in shapes.values():
                insert_rows(
                    self.connection,
                    table,
                    [
                        {"id": new_ids[p], "instance_id": self.instance_id, **extra, **rows[p]}
                        for p in positions
                    ],
                )
            return new_ids
        ids = [0] * len(rows)
        statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        for positions in shapes.values():
            result = self.connection.execute(
                statement,
                [{"instance_id": self.instance_id, **extra, **rows[p]} for p in positions],
            )
            for position, record_id in zip(positions, result.scalars(), strict=True):
                ids[position] = int(record_id)
        return ids

    def _next_sqlite_id(self, table: Table) -> int:
        """The id SQLite would give the next row of an AUTOINCREMENT table."""
        highest = self.connection.execute(select(func.max(table.c.id))).scalar() or 0
        used = self.connection.exec_driver_sql(
            "SELECT seq FROM sqlite_sequence WHERE name = ?", (table.name,)
        ).scalar()
        return max(int(highest), int(used or 0)) + 1

    def update_record(self, rt: RecordType, record_id: int, values: Row) -> None:
        table = self.record_table(rt)
        self.connection.execute(
            update(table).where(self._of_type(rt, table), table.c.id == record_id).values(**values)
        )

    def touch_records(self, rt: RecordType, ids: Iterable[int], when: datetime) -> None:
        """Set DATE_UPDATED_UTC of `ids` to `when`, never moving one backwards."""
        wanted = set(ids)
        if not wanted:
            return
        table = self.record_table(rt)
        # "Never backwards" is in the SET, not the WHERE: with `date_updated_utc < when` there,
        # SQLite's planner took the range of that column's index over the ids' primary key,
        # and touching two organisations read all 20,000 of them (1.5 ms of a 4.4 ms PUT).
        stamp = table.c.date_updated_utc
        self.connection.execute(
            update(table)
            .where(self._of_type(rt, table), table.c.id.in_(wanted))
            .values(date_updated_utc=case((stamp < when, when), else_=stamp))
        )

    def move_related(self, record_type: str, source_id: int, target_id: int) -> None:
        """Give record `target_id` what record `source_id` of `record_type` has: its comments,
        its tags and follows (those the target has not already, tag names in any case), and its
        links (a link between the two is dropped). The source keeps none of them."""
        scope = (tables.comments.c.instance_id == self.instance_id,)
        comments = tables.comments
        self.connection.execute(
            update(comments)
            .where(*scope, comments.c.record_type == record_type, comments.c.record_id == source_id)
            .values(record_id=target_id)
        )
        for table, key in ((tables.tags, "tag_name"), (tables.follows, "user_id")):
            of_source = and_(
                table.c.instance_id == self.instance_id,
                table.c.record_type == record_type,
                table.c.record_id == source_id,
            )
            kept = {
                _fold(value)
                for value in self.connection.execute(
                    select(table.c[key]).where(
                        table.c.instance_id == self.instance_id,
                        table.c.record_type == record_type,
                        table.c.record_id == target_id,
                    )
                ).scalars()
            }
            moving = []
            rows = self.connection.execute(select(table.c.id, table.c[key]).where(of_source))
            for row_id, value in rows:
                if _fold(value) not in kept:
                    kept.add(_fold(value))
                    moving.append(row_id)
            if moving:
                self.connection.execute(
                    update(table).where(table.c.id.in_(moving)).values(record_id=target_id)
                )
            self.connection.execute(delete(table).where(of_source))
        links = tables.links
        for name, object_id, other_name, other_id in (
            (
                links.c.object_name,
                links.c.object_id,
                links.c.link_object_name,
                links.c.link_object_id,
            ),
            (
                links.c.link_object_name,
                links.c.link_object_id,
                links.c.object_name,
                links.c.object_id,
            ),
        ):
            at_source = and_(
                links.c.instance_id == self.instance_id, name == record_type, object_id == source_id
            )
            self.connection.execute(
                delete(links).where(at_source, other_name == record_type, other_id == target_id)
            )
            self.connection.execute(update(links).where(at_source).values({object_id: target_id}))

    def delete_many(
        self, rt: RecordType, record_ids: Sequence[int], when: datetime, audience: Row | None
    ) -> None:
        """Delete records that have no sub-collections of their own (a quotation's line items:
        custom fields at most) in a fixed number of statements, however many: their search
        keys, follows, other versions' bodies and rows go, and each gets its tombstone, seen
        by `audience` (TombstoneStore.add)."""
        if not record_ids:
            return
        wanted = list(record_ids)
        for keyed in (tables.custom_field_values, tables.follows, tables.record_extensions):
            self.connection.execute(
                delete(keyed).where(
                    self._scoped(keyed),
                    keyed.c.record_type == rt.singular,
                    keyed.c.record_id.in_(wanted),
                )
            )
        table = self.record_table(rt)
        self.connection.execute(
            delete(table).where(self._of_type(rt, table), table.c.id.in_(wanted))
        )
        self.connection.execute(
            insert(tables.tombstones),
            [
                {
                    "instance_id": self.instance_id,
                    "record_type": rt.singular,
                    "record_id": record_id,
                    "date_deleted_utc": when,
                    **{column: (audience or {}).get(column) for column in _AUDIENCE},
                }
                for record_id in wanted
            ],
        )

    def delete_record(self, rt: RecordType, record_id: int) -> None:
        table = self.record_table(rt)
        self.connection.execute(
            delete(table).where(self._of_type(rt, table), table.c.id == record_id)
        )

    # --- sub-collections keyed by (record_type, record_id) -----------------------------------

    def children(
        self, table: Table, record_type: str, record_ids: Sequence[int]
    ) -> dict[int, list[Row]]:
        """The rows of a child table for each of `record_ids`, in id order."""
        grouped: dict[int, list[Row]] = defaultdict(list)
        if not record_ids:
            return grouped
        parameters = {
            "instance_id": self.instance_id,
            "record_type": record_type,
            "record_ids": list(record_ids),
        }
        for row in self.connection.execute(_children_of(table), parameters).mappings():
            grouped[row["record_id"]].append(dict(row))
        return grouped

    def sub_collections(
        self,
        child_tables: Sequence[Table],
        record_type: str,
        record_ids: Sequence[int],
        links: bool,
    ) -> tuple[dict[str, dict[int, list[Row]]], list[Row]]:
        """The rows of each child table per record (in id order) and every link with one end
        among the records (in id order): all in one statement, whatever the number of records."""
        grouped: dict[str, dict[int, list[Row]]] = {t.name: defaultdict(list) for t in child_tables}
        if not record_ids or not (child_tables or links):
            return grouped, []
        # One record (a GET) by equality: that statement is compiled once, where an IN list
        # is rendered again for every execution.
        single = len(record_ids) == 1
        parameters = {
            "instance_id": self.instance_id,
            "record_type": record_type,
            "record_ids": record_ids[0] if single else list(record_ids),
        }
        names = tuple(t.name for t in child_tables)
        statement, layout = _sub_collections_of(names, links, single)
        rows = self.connection.execute(statement, parameters).all()
        _, grouped, found = _collect(rows, layout, grouped)
        return grouped, found

    def record_with_sub_collections(
        self, rt: RecordType, record_id: int, child_tables: Sequence[Table], links: bool
    ) -> tuple[Row | None, dict[str, dict[int, list[Row]]], list[Row]]:
        """One record's row (None if it is not a record of `rt` here), the rows of each child
        table and its links, as `get_record` and `sub_collections` give them: in one
        statement, so one snapshot whatever the isolation."""
        grouped: dict[str, dict[int, list[Row]]] = {t.name: defaultdict(list) for t in child_tables}
        parameters = {
            "instance_id": self.instance_id,
            "record_type": rt.singular,
            "record_ids": record_id,
        }
        names = tuple(t.name for t in child_tables)
        table = self.record_table(rt)
        filtered = self._filters(rt)
        if filtered and rt.audience_from is not None:  # seen through another record
            if self.get_record(rt, record_id) is None:
                return None, {t.name: defaultdict(list) for t in child_tables}, []
            filtered = False
        if filtered:
            parameters["viewer_id"] = self.viewer
        statement, layout = _sub_collections_of(names, links, True, table.name, filtered)
        rows = self.connection.execute(statement, parameters).all()
        record, grouped, found = _collect(rows, layout, grouped)
        if record is None:
            return None, {t.name: defaultdict(list) for t in child_tables}, []
        return record, grouped, found

    def insert_children(
        self, table: Table, record_type: str, record_id: int, rows: list[Row]
    ) -> None:
        if rows:
            self.connection.execute(
                insert(table),
                [
                    {
                        "instance_id": self.instance_id,
                        "record_type": record_type,
                        "record_id": record_id,
                        **row,
                    }
                    for row in rows
                ],
            )

    def insert_children_of_many(
        self, table: Table, record_type: str, rows: Sequence[tuple[int, Row]]
    ) -> None:
        """Add (record_id, child row) rows, for records of one type, in one statement."""
        insert_rows(
            self.connection,
            table,
            [
                {
                    "instance_id": self.instance_id,
                    "record_type": record_type,
                    "record_id": record_id,
                    **row,
                }
                for record_id, row in rows
            ],
        )

    def update_child(self, table: Table, child_id: int, values: Row) -> None:
        self.connection.execute(
            update(table).where(self._scoped(table), table.c.id == child_id).values(**values)
        )

    def delete_children(
        self, table: Table, record_type: str, record_id: int, child_ids: Iterable[int] | None = None
    ) -> None:
        """Delete the record's rows of `table`; only those in `child_ids` when given."""
        query = delete(table).where(
            self._scoped(table),
            table.c.record_type == record_type,
            table.c.record_id == record_id,
        )
        if child_ids is not None:
            wanted = set(child_ids)
            if not wanted:
                return
            query = query.where(table.c.id.in_(wanted))
        self.connection.execute(query)

    # --- links (seen from both ends) --------------------------------------------------------

    def links_of(self, record_type: str, record_ids: Sequence[int]) -> list[Row]:
        """Every link with one end among the records, in id order.

        Two queries, one per end, so that each uses its own index whatever the planner knows.
        """
        if not record_ids:
            return []
        parameters = {
            "instance_id": self.instance_id,
            "record_type": record_type,
            "record_ids": list(record_ids),
        }
        found: dict[int, Row] = {}
        for end in (0, 1):
            for row in self.connection.execute(_links_at_end(end), parameters).mappings():
                found[row["id"]] = dict(row)
        return [found[link_id] for link_id in sorted(found)]

    def insert_link(self, values: Row) -> int:
        result = self.connection.execute(
            insert(tables.links)
            .values(instance_id=self.instance_id, **values)
            .returning(tables.links.c.id)
        )
        return int(result.scalar_one())

    def update_link(self, link_id: int, values: Row) -> None:
        links = tables.links
        self.connection.execute(
            update(links).where(self._scoped(links), links.c.id == link_id).values(**values)
        )

    def delete_links(self, link_ids: Iterable[int]) -> None:
        wanted = set(link_ids)
        if wanted:
            links = tables.links
            # The ids are the primary key; the instance is checked on their rows (+ 0: not an
            # index probe), or SQLite's planner read every link of the instance in
            # ix_links_object to find two of them.
            self.connection.execute(
                delete(links).where(
                    links.c.instance_id + 0 == self.instance_id, links.c.id.in_(wanted)
                )
            )

    def get_link(self, link_id: int) -> Row | None:
        links = tables.links
        query = select(links).where(self._scoped(links), links.c.id == link_id)
        row = self.connection.execute(query).mappings().first()
        return dict(row) if row is not None else None

    def tag_names(self, record_type: str, page: Page) -> tuple[list[str], int | None]:
        """The distinct tag names on records of `record_type`, alphabetically (any case once)."""
        tags = tables.tags
        name = func.min(tags.c.tag_name)
        conditions = [self._scoped(tags), tags.c.record_type == record_type]
        rt = by_singular(record_type)
        if self._filters(rt):  # only the tags of records the viewer sees
            table = self.record_table(rt)
            seen = select(table.c.id).where(self._seen(rt, table))
            conditions.append(tags.c.record_id.in_(seen))
        grouped = (
            select(name.label("tag_name")).where(*conditions).group_by(func.lower(tags.c.tag_name))
        )
        query = grouped.order_by(func.lower(name)).offset(page.skip).limit(page.top)
        names = list(self.connection.execute(query).scalars()) if page.top > 0 else []
        total = None
        if page.count_total:
            total = self._count(grouped)
        return names, total

    # --- follows ----------------------------------------------------------------------------

    def follows_of(
        self, user_id: int, record_type: str | None, page: Page
    ) -> tuple[list[Row], int | None]:
        """What `user_id` follows (of one record type, or all), oldest first."""
        follows = tables.follows
        conditions = [self._scoped(follows), follows.c.user_id == user_id]
        if record_type is not None:
            conditions.append(follows.c.record_type == record_type)
        if self.viewer is not None:  # not the records the viewer may no longer see
            conditions.append(
                ~hidden_record(
                    follows.c.record_type, follows.c.record_id, self.instance_id, self.viewer
                )
            )
        query = (
            select(follows.c.record_type, follows.c.record_id)
            .where(*conditions)
            .order_by(follows.c.id)
            .offset(page.skip)
            .limit(page.top)
        )
        rows = [dict(row) for row in self.connection.execute(query).mappings()] if page.top else []
        total = None
        if page.count_total:
            total = self._count(select(follows.c.id).where(*conditions))
        return rows, total

    def is_following(self, user_id: int, record_type: str, record_id: int) -> bool:
        follows = tables.follows
        query = select(follows.c.id).where(
            self._scoped(follows),
            follows.c.user_id == user_id,
            follows.c.record_type == record_type,
            follows.c.record_id == record_id,
        )
        return self.connection.execute(query).first() is not None

    def follow(self, user_id: int, record_type: str, record_id: int, when: datetime) -> None:
        if not self.is_following(user_id, record_type, record_id):
            self.connection.execute(
                insert(tables.follows).values(
                    instance_id=self.instance_id,
                    user_id=user_id,
                    record_type=record_type,
                    record_id=record_id,
                    date_created_utc=when,
                )
            )

    def unfollow(self, user_id: int | None, record_type: str, record_id: int) -> None:
        """Stop `user_id` following the record; every user when `user_id` is None."""
        follows = tables.follows
        query = delete(follows).where(
            self._scoped(follows),
            follows.c.record_type == record_type,
            follows.c.record_id == record_id,
        )
        if user_id is not None:
            query = query.where(follows.c.user_id == user_id)
        self.connection.execute(query)

    # --- statements built once -------------------------------------------------------------------
    # The hottest reads are built once with bound parameters: building a statement costs more
    # Python than running it. Each still filters on instance_id; Repository supplies the value.

    # --- custom objects ----------------------------------------------------------------------

    def custom_object_name(self, name: str) -> str | None:
        """The exact name of this instance's custom object called `name` in any case, or None."""

        def load() -> dict[str, str]:
            objects = tables.custom_objects
            query = select(objects.c.name_key, objects.c.object_name).where(self._scoped(objects))
            return {key: exact for key, exact in self.connection.execute(query)}

        names = CUSTOM_OBJECT_NAMES.get_or_load(self.connection, self.instance_id, load)
        return names.get(name.strip().lower())  # type: ignore[attr-defined, no-any-return]

    # --- settings and history ----------------------------------------------------------------

    def ids_where(self, rt: RecordType, column: str, value: Any) -> list[int]:
        """The ids of `rt` records whose `column` equals `value`, in id order."""
        table = self.record_table(rt)
        query = (
            select(table.c.id)
            .where(self._of_type(rt, table), table.c[column] == value)
            .order_by(table.c.id)
        )
        return list(self.connection.execute(query).scalars())

    def count_where(self, rt: RecordType, column: str, value: Any) -> int:
        table = self.record_table(rt)
        condition = table.c[column] == value
        return self._count(select(table.c.id).where(self._of_type(rt, table), condition))

    def set_where(
        self, rt: RecordType, column: str, value: Any, when: datetime, except_id: int
    ) -> None:
        """Set `column` to `value` on every other record where it differs (stamping them)."""
        table = self.record_table(rt)
        self.connection.execute(
            update(table)
            .where(self._of_type(rt, table), table.c[column] != value, table.c.id != except_id)
            .values({column: value, "date_updated_utc": when})
        )

    def insert_history(self, values: Row) -> None:
        self.connection.execute(
            insert(tables.state_history).values(instance_id=self.instance_id, **values)
        )

    def history_of(self, record_type: str, record_id: int) -> list[Row]:
        history = tables.state_history
        query = (
            select(history)
            .where(
                self._scoped(history),
                history.c.record_type == record_type,
                history.c.record_id == record_id,
            )
            .order_by(history.c.id)
        )
        return [dict(row) for row in self.connection.execute(query).mappings()]

    def latest_history(self, record_type: str, record_ids: Sequence[int]) -> dict[int, Row]:
        """{record id: its latest history entry} for the records among `record_ids` with one."""
        if not record_ids:
            return {}
        history = tables.state_history
        latest = (
            select(func.max(history.c.id))
            .where(
                self._scoped(history),
                history.c.record_type == record_type,
                history.c.record_id.in_(list(record_ids)),
            )
            .group_by(history.c.record_id)
        )
        query = select(history).where(history.c.id.in_(latest))
        return {row["record_id"]: dict(row) for row in self.connection.execute(query).mappings()}

    def delete_history(self, record_type: str, record_id: int) -> None:
        history = tables.state_history
        self.connection.execute(
            delete(history).where(
                self._scoped(history),
                history.c.record_type == record_type,
                history.c.record_id == record_id,
            )
        )


@cache
def _record_by_id(table: Table, for_update: bool, filtered: bool = False) -> Select[Any]:
    query = select(table).where(
        table.c.instance_id == bindparam("instance_id"), table.c.id == bindparam("record_id")
    )
    if "object_name" in table.c:  # custom object records: the object is part of the key
        query = query.where(table.c.object_name == bindparam("object_name"))
    if filtered:  # a caller who sees only some records (rolodex.storage.visibility)
        query = query.where(
            visible(
                table, bindparam("viewer_type"), bindparam("instance_id"), bindparam("viewer_id")
            )
        )
    return query.with_for_update(of=table) if for_update else query


@cache
def _children_of(table: Table) -> Select[Any]:
    return (
        select(table)
        .where(
            table.c.instance_id == bindparam("instance_id"),
            table.c.record_type == bindparam("record_type"),
            table.c.record_id.in_(bindparam("record_ids", expanding=True)),
        )
        .order_by(table.c.id)
    )


_Layout = dict[str, tuple[tuple[str, ...], Callable[[Any], tuple[Any, ...]]]]


def _collect(
    rows: Sequence[Any], layout: _Layout, grouped: dict[str, dict[int, list[Row]]]
) -> tuple[Row | None, dict[str, dict[int, list[Row]]], list[Row]]:
    """The rows of a `_sub_collections_of` statement sorted out: the record's own row (if the
    statement has one), the child rows per table and record, and the links, each in id order."""
    record: Row | None = None
    found_links: dict[int, Row] = {}
    for row in rows:
        kind = row[0]
        names, pick = layout[kind]
        values = dict(zip(names, pick(row), strict=True))
        if kind == "record":
            record = values
        elif kind.startswith("links"):
            found_links[values["id"]] = values
        else:
            grouped[kind][values["record_id"]].append(values)
    for by_record in grouped.values():
        for children in by_record.values():
            children.sort(key=lambda r: r["id"])
    return record, grouped, [found_links[link_id] for link_id in sorted(found_links)]


@cache
def _sub_collections_of(
    child_tables: tuple[str, ...],
    links: bool,
    single: bool,
    record_table: str | None = None,
    filtered: bool = False,
) -> tuple[Any, _Layout]:
    """UNION ALL of the child tables' rows (and both ends of links) for a set of records (or,
    `single`, for the one record bound as record_ids); with `record_table`, that record's own
    row too (kind "record"), so that a GET reads everything in one statement.

    Each part fills the positions of its columns and NULLs elsewhere (typed as the position's
    type in the first part, which types the result); columns of one type share positions
    across parts, so the statement is as wide as its widest part, not as all of them
    together. The layout maps each part's kind to its column names and a picker of their
    positions.
    """
    parts: list[tuple[str, Table, Any]] = []
    if record_table is not None:
        parts.append(("record", tables.metadata.tables[record_table], None))
    parts += [(name, tables.metadata.tables[name], None) for name in child_tables]
    if links:
        parts += [("links0", tables.links, 0), ("links1", tables.links, 1)]
    slot_types: list[Any] = []  # the SQL type of each position after the kind
    slot_keys: list[tuple[str, Any]] = []
    placed: dict[str, list[int]] = {}  # each part's column positions, in column order
    for kind, table, _end in parts:
        taken: set[int] = set()
        positions = []
        for column in table.columns:
            key = (type(column.type).__name__, getattr(column.type, "timezone", None))
            free = [i for i, k in enumerate(slot_keys) if k == key and i not in taken]
            if free:
                index = free[0]
            else:
                index = len(slot_keys)
                slot_keys.append(key)
                slot_types.append(column.type)
            taken.add(index)
            positions.append(index)
        placed[kind] = positions
    selects = []
    layout: _Layout = {}
    for number, (kind, table, end) in enumerate(parts):
        by_slot = dict(zip(placed[kind], table.columns, strict=True))
        columns: list[Any] = [literal(kind).label("kind")]
        for index, type_ in enumerate(slot_types):
            label = f"c{index}"
            own = by_slot.get(index)
            if own is not None:
                columns.append(own.label(label))
            elif number == 0:  # the first part types the result (a bare NULL elsewhere)
                columns.append(cast(null(), type_).label(label))
            else:
                columns.append(null().label(label))
        if kind == "record":
            where: tuple[Any, ...] = (
                table.c.instance_id == bindparam("instance_id"),
                table.c.id == bindparam("record_ids"),
            )
            if "object_name" in table.c:  # custom object records: the object is in the key
                where += (table.c.object_name == bindparam("record_type"),)
            if filtered:  # the record only if the viewer sees it (rolodex.storage.visibility)
                where += (
                    visible(
                        table,
                        bindparam("record_type"),
                        bindparam("instance_id"),
                        bindparam("viewer_id"),
                    ),
                )
        elif end is None:
            where = (
                table.c.instance_id == bindparam("instance_id"),
                table.c.record_type == bindparam("record_type"),
                _record_id_is(table.c.record_id, single),
            )
        else:
            where = (_links_at_end(end, single).whereclause,)
        selects.append(select(*columns).where(*where))
        names = tuple(c.name for c in table.columns)
        # +1: position 0 of each row is its kind. Every table has several columns.
        layout[kind] = (names, itemgetter(*(i + 1 for i in placed[kind])))
    return union_all(*selects), layout


def _record_id_is(column: Any, single: bool) -> Any:
    if single:
        return column == bindparam("record_ids")
    return column.in_(bindparam("record_ids", expanding=True))


@cache
def _links_at_end(end: int, single: bool = False) -> Select[Any]:
    links = tables.links
    name_column, id_column = (
        (links.c.object_name, links.c.object_id)
        if end == 0
        else (links.c.link_object_name, links.c.link_object_id)
    )
    return select(links).where(
        links.c.instance_id == bindparam("instance_id"),
        name_column == bindparam("record_type"),
        _record_id_is(id_column, single),
    )


def _fold(value: Any) -> Any:
    """A tag name in any case, or any other key as it is."""
    return value.casefold() if isinstance(value, str) else value
