"""Dates as Insightly writes them: `yyyy-MM-dd HH:mm:ss` UTC out; that, ISO 8601 or a bare date
in. The wire models send dates in this form and custom date values are stored in it."""

from datetime import UTC, date, datetime

# Values some Insightly clients send for "no date" (GO's DateTimeString treats them as null).
_NULL_DATES = {"", "0000-00-00 00:00:00", "0000-00-00"}


def format_datetime(value: datetime | None) -> str | None:
    """The body form of a stored (naive UTC) datetime, to the second (years always 4 digits)."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.replace(tzinfo=None)
    return value.isoformat(" ", "seconds")


def parse_datetime(value: object) -> datetime | None:
    """A naive UTC datetime, to the second, from any accepted input form.

    Fractions of a second are dropped: the wire shows seconds, and a value must be found again
    by searching for what was shown. ValueError names what is wrong.
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        return _to_naive_utc(value)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if not isinstance(value, str):
        raise ValueError("must be a date string such as '2024-05-01 13:30:00'")
    text = value.strip()
    if text in _NULL_DATES:
        return None
    # A '+' in a query string may arrive as a space; an ISO 'Z' means UTC.
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"'{value}' is not a date; use 'yyyy-MM-dd HH:mm:ss' (UTC), ISO 8601 or 'yyyy-MM-dd'"
        ) from None
    return _to_naive_utc(parsed)


def _to_naive_utc(value: datetime) -> datetime:
    if value.tzinfo is not None:
        try:
            value = value.astimezone(UTC).replace(tzinfo=None)
        except OverflowError:
            raise ValueError(f"'{value}' is outside the years 1 to 9999 in UTC") from None
    return value.replace(microsecond=0)
