"""Per-process caches of what every request needs and rarely changes, with one staleness bound.

Callers by API key, instances' daily limits, custom field definitions and custom object names
are read on nearly every request and written a few times a day. Each process keeps what it read
for at most `CACHE_SECONDS`; a process that changes one of them also drops its own copy when the
change commits, so it never serves its own old value. Other processes see the change within
`CACHE_SECONDS` (the bound the README documents): a regenerated key or a deactivated user stops
working everywhere within that time.
"""

import threading
import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from sqlalchemy import Connection

from rolodex.storage.engine import after_commit

CACHE_SECONDS = 1.0

# In a connection's info: the caches whose rows its current transaction has changed.
_CHANGED = "rolodex_changed_caches"

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class TimedCache(Generic[K, V]):
    """Values by key, each kept for at most CACHE_SECONDS after it was read."""

    def __init__(self, max_entries: int = 10_000) -> None:
        self._entries: dict[K, tuple[float, V]] = {}
        self._lock = threading.Lock()
        self._max_entries = max_entries
        # Bumped by every drop: a value read before a drop is not stored after it.
        self._generation = 0

    def get_or_load(self, connection: Connection, key: K, load: Callable[[], V]) -> V:
        """The cached value, or `load()` (stored for next time). A transaction that has changed
        what this cache holds reads its own state and stores nothing."""
        if self._changed_in(connection):
            return load()
        now = time.monotonic()
        entry = self._entries.get(key)
        if entry is not None and now - entry[0] < CACHE_SECONDS:
            return entry[1]
        generation = self._generation
        value = load()
        with self._lock:
            if generation == self._generation:
                if len(self._entries) >= self._max_entries:
                    self._entries.clear()
                self._entries[key] = (now, value)
        return value

    def peek(self, key: K) -> V | None:
        """The cached value if it is still fresh, else None (nothing is loaded)."""
        entry = self._entries.get(key)
        if entry is not None and time.monotonic() - entry[0] < CACHE_SECONDS:
            return entry[1]
        return None

    def drop(self) -> None:
        """Forget everything (after a change)."""
        with self._lock:
            self._generation += 1
            self._entries.clear()

    def drop_on_commit(self, connection: Connection) -> None:
        """Forget everything now and again when `connection`'s transaction commits, so no
        value read before the commit outlives it in this process."""
        self.drop()
        if not self._changed_in(connection):
            connection.info.setdefault(_CHANGED, set()).add(id(self))
            after_commit(connection, self.drop)

    def _changed_in(self, connection: Connection) -> bool:
        return id(self) in connection.info.get(_CHANGED, ())


# Each cache is named after what it holds; the modules that read and write those rows use them.
CALLERS: TimedCache[str, object] = TimedCache()
# The instance's own override of the daily limit, in a 1-tuple (None: the server's default).
DAILY_LIMITS: TimedCache[int, tuple[int | None]] = TimedCache()
CUSTOM_FIELD_DEFINITIONS: TimedCache[int, object] = TimedCache()
CUSTOM_OBJECT_NAMES: TimedCache[int, object] = TimedCache()


def drop_all() -> None:
    """Forget every cache of this process (tests, and the CLI after it changes the schema)."""
    for cache in (CALLERS, DAILY_LIMITS, CUSTOM_FIELD_DEFINITIONS, CUSTOM_OBJECT_NAMES):
        cache.drop()
