"""Who is calling: the identity every service acts for."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta


@dataclass(frozen=True)
class Caller:
    """An authenticated user of one instance."""

    instance_id: int
    user_id: int
    is_admin: bool = False


def viewer_of(caller: Caller) -> int | None:
    """Whose visibility filters the caller's reads: None for an administrator, who sees every
    record of the instance (contract §11)."""
    return None if caller.is_admin else caller.user_id


def utc_now() -> datetime:
    """The current time as a naive UTC datetime (how the database stores it)."""
    return datetime.now(UTC).replace(tzinfo=None)


def next_update_stamp(previous: datetime | None) -> datetime:
    """A DATE_UPDATED_UTC for a change now, never at or before the previous one."""
    now = utc_now()
    if previous is not None and now <= previous:
        return previous + timedelta(microseconds=1)
    return now
