"""Who is calling: the identity every service acts for."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta


@dataclass(frozen=True)
class Caller:
    """An authenticated user of one instance."""

    instance_id: int
    user_id: int
    is_admin: bool = False


def utc_now() -> datetime:
    """The current time as a naive UTC datetime (how the database stores it)."""
    return datetime.now(UTC).replace(tzinfo=None)


def next_update_stamp(previous: datetime | None) -> datetime:
    """A DATE_UPDATED_UTC for a change now, never at or before the previous one."""
    now = utc_now()
    if previous is not None and now <= previous:
        return previous + timedelta(microseconds=1)
    return now
