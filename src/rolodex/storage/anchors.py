"""Where deep list pages start, learned from the pages served (contract §11, issue 12).

`skip=N` makes the database step over N entries of an index before the page: cheap for an
administrator (the entries are only counted), but for a user who is no administrator each
entry's visibility columns are read and tested, and a page deep in a list of 100,000 costs
twice as much. So each process remembers, per list (instance, type, viewer, filter and order),
the order key of the first and last rows of the pages it served: a later page at or after such
a position reads from that key (`(date_updated_utc, id) >= key`, or `id >= key`) and steps
over only the rows between.

A position is right only while nothing before it has changed, so every use is checked against
a *token* read just before the page, in one statement through indexes: the newest
DATE_UPDATED_UTC of the type's records (creating, changing, re-owning or changing the
visibility of a record moves it), the newest deletion of the type (its tombstone), and the
viewer's team memberships (how many, and the newest). A token that differs drops the list's
positions. Only reads use positions (a write's own changes may be rolled back).

On SQLite the token and the page are read in one transaction and writes are serialized, so
the token is exact. On PostgreSQL each statement of a read sees its own snapshot, and two
transactions can commit in another order than their stamps, so a list's positions also expire
`ANCHOR_SECONDS` after the first was learned: a page is never more than that out of date.
"""

import bisect
import threading
import time
import weakref
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, func, select

from rolodex.storage import tables

# Pages that skip fewer rows read straight: stepping over them costs less than the check.
ANCHOR_FROM = 1_000
ANCHOR_SECONDS = 1.0
_MAX_LISTS = 1_000
_MAX_POSITIONS = 4_000


@dataclass
class _List:
    token: tuple[Any, ...]
    born: float
    positions: list[int] = field(default_factory=list)
    keys: dict[int, tuple[Any, ...]] = field(default_factory=dict)


class PageAnchors:
    """The positions one process learned, for the lists of one database."""

    def __init__(self, expires: bool) -> None:
        self._lists: dict[Hashable, _List] = {}
        self._lock = threading.Lock()
        self._expires = expires

    def nearest(
        self, list_key: Hashable, token: tuple[Any, ...], skip: int
    ) -> tuple[int, tuple[Any, ...]] | None:
        """The known position at or before `skip` nearest to it, with its row's order key."""
        known = self._current(list_key, token)
        if known is None:
            return None
        with self._lock:
            index = bisect.bisect_right(known.positions, skip) - 1
            if index < 0:
                return None
            position = known.positions[index]
            return position, known.keys[position]

    def learn(
        self, list_key: Hashable, token: tuple[Any, ...], position: int, key: tuple[Any, ...]
    ) -> None:
        """The row at `position` of the list, as of `token`, has the order key `key`."""
        with self._lock:
            known = self._current(list_key, token)
            if known is None:
                if len(self._lists) >= _MAX_LISTS:
                    self._lists.clear()
                known = self._lists[list_key] = _List(token, time.monotonic())
            if position in known.keys:
                return
            if len(known.positions) >= _MAX_POSITIONS:
                known.positions.clear()
                known.keys.clear()
            bisect.insort(known.positions, position)
            known.keys[position] = key

    def _current(self, list_key: Hashable, token: tuple[Any, ...]) -> _List | None:
        known = self._lists.get(list_key)
        if known is None:
            return None
        stale = self._expires and time.monotonic() - known.born >= ANCHOR_SECONDS
        if known.token != token or stale:
            self._lists.pop(list_key, None)
            return None
        return known


_BY_ENGINE: "weakref.WeakKeyDictionary[Engine, PageAnchors]" = weakref.WeakKeyDictionary()
_ENGINES_LOCK = threading.Lock()


def anchors_for(connection: Connection) -> PageAnchors:
    """This process's positions for the database of `connection`."""
    engine = connection.engine
    found = _BY_ENGINE.get(engine)
    if found is None:
        with _ENGINES_LOCK:
            found = _BY_ENGINE.setdefault(
                engine, PageAnchors(expires=engine.dialect.name != "sqlite")
            )
    return found


def list_token(
    connection: Connection,
    table: Any,
    scope: ColumnElement[bool],
    record_type: str,
    instance_id: int,
    viewer: int | None,
) -> tuple[Any, ...]:
    """What a list's positions depend on, in one statement of index probes (see above)."""
    tombstones, members = tables.tombstones, tables.team_members
    parts: list[Any] = [
        select(func.max(table.c.date_updated_utc)).where(scope).scalar_subquery(),
        select(func.max(tombstones.c.date_deleted_utc))
        .where(tombstones.c.instance_id == instance_id, tombstones.c.record_type == record_type)
        .scalar_subquery(),
    ]
    if viewer is not None:
        mine = (members.c.instance_id == instance_id, members.c.member_user_id == viewer)
        parts.append(select(func.count()).where(*mine).scalar_subquery())
        parts.append(select(func.max(members.c.id)).where(*mine).scalar_subquery())
    return tuple(connection.execute(select(*parts)).one())


@dataclass(frozen=True)
class ListAnchor:
    """The positions of one list as of the current transaction's token."""

    anchors: PageAnchors
    list_key: Hashable
    token: tuple[Any, ...]

    def nearest(self, skip: int) -> tuple[int, tuple[Any, ...]] | None:
        return self.anchors.nearest(self.list_key, self.token, skip)

    def learn(self, position: int, key: tuple[Any, ...]) -> None:
        self.anchors.learn(self.list_key, self.token, position, key)


def list_anchor(
    connection: Connection,
    list_key: Hashable,
    table: Any,
    scope: ColumnElement[bool],
    record_type: str,
    instance_id: int,
    viewer: int | None,
) -> ListAnchor:
    """The positions of the list `list_key` (its token read now, in this transaction)."""
    token = list_token(connection, table, scope, record_type, instance_id, viewer)
    return ListAnchor(anchors_for(connection), list_key, token)
