"""Rules that belong to one record type: values derived from others, checks across fields.

Each rule takes the record as it will be stored (column names, after the write is applied) and
returns the derived columns to store with it; it raises RuleViolation when the record would be
inconsistent. The generic engine calls a type's rule on every create and update.
"""

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

# How many units of BID_DURATION a bid type is paid for; a fixed bid ignores the duration.
_PER_UNIT_BIDS = {"per hour", "per day", "per week", "per month", "per year"}


class RuleViolation(ValueError):
    """A record that breaks its type's rules; names the field to change."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def opportunity(record: dict[str, Any]) -> dict[str, Any]:
    """OPPORTUNITY_VALUE: the bid amount, times the duration for a per-unit bid."""
    amount = record.get("bid_amount")
    if amount is None:
        return {"opportunity_value": None}
    bid_type = (record.get("bid_type") or "").lower()
    if bid_type in _PER_UNIT_BIDS:
        duration = record.get("bid_duration")
        value = Decimal(amount) * (duration if duration is not None else 0)
    else:
        value = Decimal(amount)
    return {"opportunity_value": value}


def task(record: dict[str, Any]) -> dict[str, Any]:
    """COMPLETED_DATE_UTC: when the task became complete; none while it is open."""
    if record.get("completed"):
        return {"completed_date_utc": record.get("completed_date_utc") or _now()}
    return {"completed_date_utc": None}


def event(record: dict[str, Any]) -> dict[str, Any]:
    """An event cannot end before it starts."""
    start, end = record.get("start_date_utc"), record.get("end_date_utc")
    if start is not None and end is not None and end < start:
        raise RuleViolation("END_DATE_UTC", "must not be before START_DATE_UTC")
    return {}


def ticket(record: dict[str, Any]) -> dict[str, Any]:
    """DATE_SOLVED_UTC: when the ticket was first solved (or closed unsolved), kept while it is
    solved or closed; DATE_CLOSED_UTC: when it was closed. A reopened ticket has neither."""
    status = (record.get("ticket_status") or "").lower()
    if status not in ("solved", "closed"):
        return {"date_solved_utc": None, "date_closed_utc": None}
    now = _now()
    closed = (record.get("date_closed_utc") or now) if status == "closed" else None
    return {"date_solved_utc": record.get("date_solved_utc") or now, "date_closed_utc": closed}


def knowledge_article(record: dict[str, Any]) -> dict[str, Any]:
    """FIRST_PUBLISHED_DATE_UTC: when the article was first published, kept for good;
    LAST_PUBLISHED_DATE_UTC: since when it is published (none while it is not);
    ARCHIVED_DATE_UTC: since when it is archived (none while it is not)."""
    status = (record.get("status") or "").lower()
    now = _now()
    published = status == "published"
    return {
        "first_published_date_utc": record.get("first_published_date_utc")
        or (now if published else None),
        "last_published_date_utc": (record.get("last_published_date_utc") or now)
        if published
        else None,
        "archived_date_utc": (record.get("archived_date_utc") or now)
        if status == "archived"
        else None,
    }


_CENTS = Decimal("0.0001")  # the precision stored (Numeric(18, 4))


def line_item(record: dict[str, Any]) -> dict[str, Any]:
    """A line item's SUBTOTAL (QUANTITY x UNIT_PRICE) and TOTAL_PRICE (the subtotal less its
    DISCOUNT, a percentage): what the opportunity's value and the quotation's totals sum."""
    quantity, price = record.get("quantity"), record.get("unit_price")
    if quantity is None or price is None:
        return {"subtotal": None, "total_price": None}
    subtotal = (Decimal(quantity) * Decimal(price)).quantize(_CENTS)
    discount = Decimal(record.get("discount") or 0)
    total = (subtotal * (100 - discount) / 100).quantize(_CENTS)
    return {"subtotal": subtotal, "total_price": total}


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)
