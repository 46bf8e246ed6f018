"""Record visibility in SQL (contract §11): which records a caller who is no administrator sees.

A record of a type with Feature.VISIBILITY is seen by its owner, by administrators (who get no
condition at all), and by others as its VISIBLE_TO says: EVERYONE (or unset), OWNER (nobody
else), TEAM (the members of VISIBLE_TEAM_ID, as the team is at the time of the query),
INDIVIDUALS (the users of VISIBLE_USER_IDS, indexed as rows of record_viewers). The condition
is part of each query that reads records, so that lists, searches, sweeps and counts are
filtered by the database, never after the fetch.

A record of a type with Feature.PRIVATE_FLAG (tasks, events) is seen by everyone while its
PUBLICLY_VISIBLE is true (or unset); otherwise by its owner, a task's responsible user and
administrators only. `audience_of` says the same in VISIBLE_TO's terms, for the Deleted feed.
"""

import json
from collections.abc import Iterable, Sequence
from functools import cache, lru_cache
from typing import Any

from sqlalchemy import (
    ARRAY,
    BigInteger,
    ColumnElement,
    Connection,
    and_,
    any_,
    bindparam,
    delete,
    exists,
    func,
    literal,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.sql.elements import BindParameter

from rolodex.domain.registry import (
    RECORD_TYPES,
    Feature,
    RecordType,
    by_singular,
    is_custom_object_name,
    resolve_object_name,
)
from rolodex.storage import tables
from rolodex.storage.bulk import insert_rows

_VIEWERS = tables.record_viewers
_MEMBERS = tables.team_members


@lru_cache(maxsize=4096)
def visible(
    table: Any,
    record_type: str | ColumnElement[Any] | BindParameter[Any],
    instance_id: int | BindParameter[Any],
    viewer_id: int | BindParameter[Any],
) -> ColumnElement[bool]:
    """The rows of a record table that the user `viewer_id` sees. Built once per table, type,
    instance and viewer (an expression is immutable, and building it cost more than the
    database took to run it); the team membership it reads is a subquery, never a value."""
    if "visible_to" not in table.c:  # Feature.PRIVATE_FLAG
        return _shown_by_flag(table, viewer_id)
    chosen = exists().where(
        _VIEWERS.c.instance_id == instance_id,
        _VIEWERS.c.record_type == record_type,
        _VIEWERS.c.record_id == table.c.id,
        _VIEWERS.c.user_id == viewer_id,
    )
    return audience_includes(table, instance_id, viewer_id, chosen)


def audience_includes(
    table: Any,
    instance_id: int | BindParameter[Any],
    viewer_id: int | BindParameter[Any],
    chosen: ColumnElement[bool],
) -> ColumnElement[bool]:
    """Whether the viewer is in the audience that a row's owner_user_id, visible_to and
    visible_team_id columns describe; `chosen`: whether it is among the row's INDIVIDUALS."""
    teams = select(_MEMBERS.c.team_id).where(
        _MEMBERS.c.instance_id == instance_id, _MEMBERS.c.member_user_id == viewer_id
    )
    return or_(
        table.c.visible_to.is_(None),
        table.c.visible_to == "EVERYONE",
        table.c.owner_user_id == viewer_id,
        and_(table.c.visible_to == "TEAM", table.c.visible_team_id.in_(teams)),
        and_(table.c.visible_to == "INDIVIDUALS", chosen),
    )


def unseen(
    table: Any,
    record_type: str | ColumnElement[Any] | BindParameter[Any],
    instance_id: int | BindParameter[Any],
    viewer_id: int | BindParameter[Any],
) -> ColumnElement[bool]:
    """The rows the viewer does not see: `visible` is not true. Not `NOT visible`: where a
    column it compares is NULL (a record without an owner, say) that is NULL, not true, and a
    hidden row would pass for a seen one."""
    return visible(table, record_type, instance_id, viewer_id).is_not(true())


def _shown_by_flag(table: Any, viewer_id: int | BindParameter[Any]) -> ColumnElement[bool]:
    seen_by = [table.c.owner_user_id == viewer_id]
    if "responsible_user_id" in table.c:
        seen_by.append(table.c.responsible_user_id == viewer_id)
    return or_(table.c.publicly_visible.is_(None), table.c.publicly_visible.is_(True), *seen_by)


def audience_of(rt: RecordType, row: Any) -> dict[str, Any] | None:
    """Who saw the record `row` (its owner_user_id, visible_to, visible_team_id and
    visible_user_ids), for its tombstone; None: everyone."""
    if rt.has(Feature.VISIBILITY):
        return dict(row)
    if not rt.has(Feature.PRIVATE_FLAG) or row["publicly_visible"] is not False:
        return None
    responsible = row.get("responsible_user_id")
    return {
        "owner_user_id": row["owner_user_id"],
        "visible_to": "OWNER" if responsible is None else "INDIVIDUALS",
        "visible_user_ids": None if responsible is None else str(responsible),
    }


def hidden_record(
    record_type: ColumnElement[Any], record_id: ColumnElement[Any], instance_id: int, viewer_id: int
) -> ColumnElement[bool]:
    """Whether the record a row names by (record_type, record_id) columns - a follow, say -
    exists and the viewer may not see it: one primary-key probe per row."""
    probes = []
    for rt in RECORD_TYPES:
        if rt.restricted or rt.audience_from is not None:
            table = tables.record_tables[rt.singular]
            probes.append(
                and_(
                    record_type == rt.singular,
                    exists().where(
                        table.c.instance_id == instance_id,
                        table.c.id == record_id,
                        _unseen_row(rt, table, instance_id, viewer_id),
                    ),
                )
            )
    custom = tables.custom_object_records
    probes.append(
        exists().where(
            custom.c.instance_id == instance_id,
            custom.c.object_name == record_type,
            custom.c.id == record_id,
            unseen(custom, record_type, instance_id, viewer_id),
        )
    )
    return or_(*probes)


def _unseen_row(
    rt: RecordType, table: Any, instance_id: int, viewer_id: int
) -> ColumnElement[bool]:
    """The rows of `rt` the viewer does not see: of a type seen through another record
    (RecordType.audience_from: a quotation, through its opportunity), those whose record is
    unseen."""
    if rt.audience_from is None:
        return unseen(table, rt.singular, instance_id, viewer_id)
    spec = rt.field_named(rt.audience_from)
    assert spec is not None and spec.references is not None
    parent = by_singular(spec.references)
    parent_table = tables.record_tables[parent.singular].alias()
    return exists().where(
        parent_table.c.instance_id == instance_id,
        parent_table.c.id == table.c[spec.column],
        _unseen_row(parent, parent_table, instance_id, viewer_id),
    )


def hidden_among(
    connection: Connection, instance_id: int, viewer_id: int, ends: Iterable[tuple[str, int]]
) -> set[tuple[str, int]]:
    """Which of the records (object name, id) the viewer may not see: one statement for any
    number of types (the other ends of a page's links, say). Records of types without
    visibility, and missing ones, are not in the answer."""
    by_name: dict[str, set[int]] = {}
    for name, record_id in ends:
        by_name.setdefault(name, set()).add(record_id)
    by_type: dict[str, set[int]] = {}
    for name, named in by_name.items():  # each name resolved once, not once per end
        rt = resolve_object_name(name)
        if rt is not None and rt.restricted:
            by_type.setdefault(rt.singular, set()).update(named)
    if not by_type:
        return set()
    names = tuple(sorted(by_type))
    arrays = connection.dialect.name == "postgresql"
    parameters: dict[str, Any] = {"instance_id": instance_id, "viewer_id": viewer_id}
    for number, name in enumerate(names):
        ordered = sorted(by_type[name])
        parameters[f"ids_{number}"] = ordered if arrays else json.dumps(ordered)
    rows = connection.execute(_hidden_among_query(names, arrays), parameters)
    return {(row[0], row[1]) for row in rows}


@cache
def _hidden_among_query(names: tuple[str, ...], arrays: bool) -> Any:
    """The statement of `hidden_among` for records of the types `names`, built once per set of
    types. Each type's ids are one parameter, so the statement's text is the same whatever the
    number of ids: it is compiled once, and the driver prepares it once (no planning per
    request). On PostgreSQL the parameter is an array; on SQLite a JSON array read with
    json_each (an expanding IN would be rendered anew for every number of ids)."""
    instance_id: BindParameter[Any] = bindparam("instance_id", type_=BigInteger)
    viewer_id: BindParameter[Any] = bindparam("viewer_id", type_=BigInteger)
    parts = []
    for number, name in enumerate(names):
        custom = is_custom_object_name(name)
        table = tables.custom_object_records if custom else tables.record_tables[name]
        ids = (
            table.c.id == any_(bindparam(f"ids_{number}", type_=ARRAY(BigInteger)))
            if arrays
            else table.c.id.in_(
                select(func.json_each(bindparam(f"ids_{number}")).table_valued("value").c.value)
            )
        )
        scope = [table.c.instance_id == instance_id, ids]
        if custom:
            scope.append(table.c.object_name == name)
        parts.append(
            select(literal(name).label("name"), table.c.id).where(
                *scope, unseen(table, name, instance_id, viewer_id)
            )
        )
    return parts[0] if len(parts) == 1 else union_all(*parts)


def user_ids(text: str | None) -> list[int]:
    """The ids of a VISIBLE_USER_IDS value ("3, 5"), in order, once each."""
    found: list[int] = []
    for part in (text or "").split(","):
        if part.strip().isdigit() and int(part) not in found:
            found.append(int(part))
    return found


class ViewerIndex:
    """The record_viewers rows of one instance."""

    def __init__(self, connection: Connection, instance_id: int) -> None:
        self.connection = connection
        self.instance_id = instance_id

    def replace(self, record_type: str, record_id: int, users: Sequence[int]) -> None:
        """Make the record's rows exactly `users`."""
        self.delete(record_type, record_id)
        self.add(record_type, [(record_id, user_id) for user_id in users])

    def add(self, record_type: str, rows: Sequence[tuple[int, int]]) -> None:
        """Add (record_id, user_id) rows for records of one type, in one statement."""
        insert_rows(
            self.connection,
            _VIEWERS,
            [
                {
                    "instance_id": self.instance_id,
                    "record_type": record_type,
                    "record_id": record_id,
                    "user_id": user_id,
                }
                for record_id, user_id in rows
            ],
        )

    def delete(self, record_type: str, record_id: int) -> None:
        self.connection.execute(
            delete(_VIEWERS).where(
                _VIEWERS.c.instance_id == self.instance_id,
                _VIEWERS.c.record_type == record_type,
                _VIEWERS.c.record_id == record_id,
            )
        )
