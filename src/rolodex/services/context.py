"""Who is calling: the identity every service acts for."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from rolodex.errors import Forbidden


class Role(StrEnum):
    """What a user may do: an administrator also manages the instance; a read-only user reads
    everything a user reads and changes nothing. Stored as two flags of the user's row
    (`administrator`, which is Insightly's ADMINISTRATOR, and `read_only`), never both set."""

    ADMINISTRATOR = "administrator"
    USER = "user"
    READ_ONLY = "read-only"

    @classmethod
    def of(cls, administrator: bool | None, read_only: bool | None) -> "Role":
        """The role of a user row's flags."""
        if administrator:
            return cls.ADMINISTRATOR
        return cls.READ_ONLY if read_only else cls.USER

    def columns(self) -> dict[str, bool]:
        """The user row's flags for this role."""
        return {
            "administrator": self is Role.ADMINISTRATOR,
            "read_only": self is Role.READ_ONLY,
        }


READ_ONLY_MESSAGE = (
    "Your role is read-only: you can read this instance's data but not change it. "
    "Ask an administrator for the user role."
)


@dataclass(frozen=True)
class Caller:
    """An authenticated user of one instance."""

    instance_id: int
    user_id: int
    is_admin: bool = False
    read_only: bool = False

    def __post_init__(self) -> None:
        if self.is_admin and self.read_only:
            raise ValueError("an administrator is never read-only")

    @property
    def role(self) -> Role:
        return Role.of(self.is_admin, self.read_only)

    def check_may_write(self) -> None:
        """Forbidden (403) for a read-only caller: the one rule every write surface applies."""
        if self.read_only:
            raise Forbidden(READ_ONLY_MESSAGE)


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
