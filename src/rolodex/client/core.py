"""What the sync and async clients share, free of I/O: retries, paging sweeps, updates.

Only the standard library is used here, so the SDK needs nothing but httpx.
"""

import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

Record = dict[str, Any]

# Methods whose repetition cannot do a thing twice (contract §5: PUT sets, DELETE removes).
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
RETRY_STATUSES = frozenset({500, 502, 503, 504})
DEFAULT_PAGE_SIZE = 500  # the most Insightly and Rolodex send in one page
EPOCH = "1970-01-01T00:00:00Z"


@dataclass(frozen=True)
class RetryPolicy:
    """When a failed request is sent again, and after how long.

    - 429: every method (the server refused before doing anything), after `Retry-After`
      seconds (at most `max_retry_after`; 1 s when the header is missing).
    - Connection not established (refused, connect timeout): every method, as nothing was sent.
    - 5xx, read timeouts, dropped connections: only GET, PUT and DELETE, which are safe to repeat;
      a POST might have created its record already, so it is never resent after those.
    Backoff between attempts: `backoff` * 2^(attempt-1), at most `max_backoff`, with jitter.
    """

    max_attempts: int = 5
    backoff: float = 0.5
    max_backoff: float = 30.0
    max_retry_after: float = 300.0

    def delay(
        self,
        method: str,
        attempt: int,
        status: int | None = None,
        headers: Mapping[str, str] | None = None,
        connect_failed: bool = False,
    ) -> float | None:
        """Seconds to wait before attempt `attempt + 1`, or None not to retry."""
        if attempt >= self.max_attempts:
            return None
        if status == 429:
            return min(retry_after_seconds(headers or {}), self.max_retry_after)
        idempotent = method.upper() in IDEMPOTENT
        if status is None and (connect_failed or idempotent):
            return self._backoff(attempt)
        if status in RETRY_STATUSES and idempotent:
            return self._backoff(attempt)
        return None

    def _backoff(self, attempt: int) -> float:
        base = min(self.max_backoff, self.backoff * 2 ** (attempt - 1))
        return base * (0.5 + random.random() / 2)


def retry_after_seconds(headers: Mapping[str, str]) -> float:
    """Retry-After as seconds: a number, or an HTTP date; 1 when absent or unreadable."""
    value = (headers.get("retry-after") or headers.get("Retry-After") or "").strip()
    if not value:
        return 1.0
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return 1.0
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def api_root(base_url: str) -> str:
    """The URL of the v3.1 API: `base_url` itself if it ends in /v3.1, else with it added."""
    root = base_url.rstrip("/")
    if root.lower().endswith("/v3.1"):
        return root
    return f"{root}/v3.1"


# --- dates -------------------------------------------------------------------------------


def parse_wire_date(value: str) -> datetime:
    """A body date ('yyyy-MM-dd HH:mm:ss', also with T/Z) as a naive UTC datetime, to the second."""
    text = value.strip().replace("T", " ").rstrip("Zz")
    return datetime.strptime(text[:19], "%Y-%m-%d %H:%M:%S")


def query_date(value: datetime) -> str:
    """A datetime (naive = UTC) in the ISO form Insightly expects in query strings."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def as_query_date(value: str | datetime | None) -> str | None:
    """A cursor given as text or datetime, in the query form (text is checked and normalised)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return query_date(value)
    text = value.strip()
    if not text:
        return None
    if len(text) == 10:
        text += " 00:00:00"
    return query_date(parse_wire_date(text))


# --- sweeps ------------------------------------------------------------------------------


class Sweep:
    """The paging state of one pass over records changed after a cursor (sans I/O).

    The server orders by (date, id) and filters "after" to the second. The sweep asks for
    records after `group - 1s`, so each page starts at the newest second seen so far (the
    "group"), skips most of what it has seen there but re-reads `overlap` records, and drops
    any (id, date) pair it has yielded already. If a page does not start with a record seen
    before, records of the group have moved on (updated) meanwhile, so the group is read again
    from its start rather than risk skipping one.

    Guarantee: every record whose date is after the starting cursor when the sweep begins, and
    that still exists when the sweep reaches it, is yielded; no (id, date) pair is yielded twice.
    A record changed after it was yielded is yielded again with its new date (a new version:
    what a sync needs); one changed before it was reached is yielded once, at its new place.
    `cursor` (after the sweep ends) is the value to start the next sweep from so that nothing
    is lost: it goes back `settle` seconds before the server's time at the start of this sweep,
    so records committed late, or changed twice within one second, are read again (a few
    repeats across sweeps; applying a version twice must be harmless).
    """

    def __init__(
        self,
        after: str | datetime | None,
        date_field: str,
        id_field: str,
        page_size: int = DEFAULT_PAGE_SIZE,
        overlap: int | None = None,
        settle: float = 5.0,
    ) -> None:
        self.start_after = as_query_date(after) or EPOCH
        self.date_field = date_field
        self.id_field = id_field
        self.top = max(2, page_size)
        self.overlap = overlap if overlap is not None else max(1, self.top // 10)
        self.overlap = min(self.overlap, self.top - 1)
        self.settle = timedelta(seconds=settle)
        self.after = self.start_after
        self.skip = 0
        self.group: datetime | None = None
        self.seen: set[tuple[Any, str]] = set()
        self.done = False
        self.restarts = 0
        self.newest: datetime | None = None
        self.server_start: datetime | None = None

    def params(self) -> dict[str, Any]:
        """The paging query parameters of the next request."""
        return {"skip": self.skip, "top": self.top}

    def note_server_time(self, date_header: str | None) -> None:
        """The Date header of the first response: the server's time when the sweep began."""
        if self.server_start is not None:
            return
        when = None
        if date_header:
            try:
                when = parsedate_to_datetime(date_header).astimezone(UTC).replace(tzinfo=None)
            except (TypeError, ValueError):
                when = None
        self.server_start = when or datetime.now(UTC).replace(tzinfo=None)

    def take(self, page: list[Record]) -> list[Record]:
        """The records of `page` not yielded yet; moves the sweep on (or ends it)."""
        if self.skip > 0 and (not page or self._key(page[0]) not in self.seen):
            # The group lost records since the last page: read it again from its start.
            self.restarts += 1
            self.skip = 0
            return []
        fresh = [record for record in page if self._key(record) not in self.seen]
        for record in fresh:
            stamp = self._date(record)
            if self.newest is None or stamp > self.newest:
                self.newest = stamp
        if len(page) < self.top:
            self.done = True
            return fresh
        last = self._date(page[-1])
        if last == self.group:
            self.seen.update(self._key(r) for r in page)
            self.skip += len(page) - self.overlap
        else:
            in_last = [r for r in page if self._date(r) == last]
            self.group = last
            self.after = query_date(last - timedelta(seconds=1))
            self.seen = {self._key(r) for r in in_last}
            self.skip = max(0, len(in_last) - self.overlap)
        return fresh

    @property
    def cursor(self) -> str:
        """Where the next sweep should start (see the class docstring)."""
        start = self.server_start or datetime.now(UTC).replace(tzinfo=None)
        candidate = start - self.settle
        if self.newest is not None:
            candidate = min(candidate, self.newest - timedelta(seconds=1))
        floor = parse_wire_date(self.start_after)
        return query_date(max(candidate, floor))

    def _date(self, record: Record) -> datetime:
        return parse_wire_date(str(record[self.date_field]))

    def _key(self, record: Record) -> tuple[Any, str]:
        return record.get(self.id_field), str(record.get(self.date_field))


# --- safe updates ------------------------------------------------------------------------


def apply_changes(record: Record, changes: Mapping[str, Any]) -> Record:
    """`record` (as read) with `changes` applied, ready to PUT back whole.

    Keys match in any case. CUSTOMFIELDS may be given as {"Name__c": value} or as a list of
    {FIELD_NAME, FIELD_VALUE}; either way they are merged by name into the record's own. TAGS
    may be a list of names. Any other array replaces the record's array.
    """
    result = dict(record)
    for key, value in changes.items():
        name = key.upper()
        if name == "CUSTOMFIELDS":
            result[name] = merge_custom_fields(record.get("CUSTOMFIELDS") or [], value)
        elif name == "TAGS" and isinstance(value, list):
            result[name] = [v if isinstance(v, dict) else {"TAG_NAME": str(v)} for v in value]
        else:
            result[name] = value
    return result


def merge_custom_fields(current: list[Record], changes: Any) -> list[Record]:
    """Custom field items merged by FIELD_NAME (any case); a value of None clears one."""
    if isinstance(changes, Mapping):
        items = [{"FIELD_NAME": k, "FIELD_VALUE": v} for k, v in changes.items()]
    else:
        items = [{str(k).upper(): v for k, v in item.items()} for item in changes]
    merged = {str(item["FIELD_NAME"]).lower(): dict(item) for item in current}
    for item in items:
        merged[str(item["FIELD_NAME"]).lower()] = item
    return list(merged.values())


def custom_fields_dict(record: Mapping[str, Any]) -> dict[str, Any]:
    """A record's CUSTOMFIELDS as {FIELD_NAME: FIELD_VALUE}."""
    return {
        str(item["FIELD_NAME"]): item.get("FIELD_VALUE")
        for item in record.get("CUSTOMFIELDS") or []
    }
