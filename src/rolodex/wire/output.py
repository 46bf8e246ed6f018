"""Stored values to wire dictionaries (UPPER_SNAKE keys, body date format, every field present)."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import cache
from operator import itemgetter
from typing import Any

from rolodex.domain.custom_fields import output_value
from rolodex.domain.dates import format_datetime
from rolodex.domain.registry import Kind, RecordType

Row = dict[str, Any]


# Where a record read for a wire version that keeps an extension of it (rolodex.storage.
# extensions) carries that extension's body until the version's mapping consumes it.
EXTENSION_KEY = "__extension__"


def _identity(value: Any) -> Any:
    return value


def _datetime(value: datetime | None) -> str | None:
    return format_datetime(value)


def _decimal(value: Decimal | None) -> float | int | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


_FORMATTERS: dict[Kind, Callable[[Any], Any]] = {
    Kind.TEXT: _identity,
    Kind.INT: _identity,
    Kind.BOOL: _identity,
    Kind.DATETIME: _datetime,
    Kind.DECIMAL: _decimal,
}


@dataclass(frozen=True)
class _Plan:
    names: tuple[str, ...]
    columns: Callable[[Row], tuple[Any, ...]]  # the stored values, in the order of `names`
    formatted: tuple[tuple[str, Callable[[Any], Any]], ...]  # the fields not sent as stored


@cache
def _plan(rt: RecordType) -> _Plan:
    columns = ["id" if spec.name == rt.id_field else spec.column for spec in rt.fields]
    return _Plan(
        names=tuple(spec.name for spec in rt.fields),
        columns=itemgetter(*columns),
        formatted=tuple(
            (spec.name, _FORMATTERS[spec.kind])
            for spec in rt.fields
            if _FORMATTERS[spec.kind] is not _identity
        ),
    )


def record_scalars(rt: RecordType, row: Row) -> dict[str, Any]:
    """The scalar fields of a record, in declaration order."""
    plan = _plan(rt)
    # Built in C from the stored values, then the few that need formatting replaced in place.
    record = dict(zip(plan.names, plan.columns(row), strict=True))
    for name, fmt in plan.formatted:
        record[name] = fmt(record[name])
    return record


def custom_fields(values: dict[str, Any]) -> list[dict[str, Any]]:
    """Custom values by name; a MULTISELECT (stored as a list) as Insightly's "A;B" text."""
    return [
        {"FIELD_NAME": name, "FIELD_VALUE": output_value(values[name])} for name in sorted(values)
    ]


def tag(row: Row) -> dict[str, Any]:
    return {"TAG_NAME": row["tag_name"]}


def date(row: Row) -> dict[str, Any]:
    return {
        "DATE_ID": row["id"],
        "OCCASION_NAME": row["occasion_name"],
        "OCCASION_DATE": format_datetime(row["occasion_date"]),
        "REPEAT_YEARLY": row["repeat_yearly"],
        "CREATE_TASK_YEARLY": row["create_task_yearly"],
    }


def email_domain(row: Row) -> dict[str, Any]:
    return {"EMAIL_DOMAIN_ID": row["id"], "EMAIL_DOMAIN": row["email_domain"]}


def link(row: Row, object_name: str, object_id: int) -> dict[str, Any]:
    """A link as seen from the record (object_name, object_id), which is one of its two ends."""
    seen_from_start = row["object_name"] == object_name and row["object_id"] == object_id
    if seen_from_start:
        other_name, other_id, is_forward = (
            row["link_object_name"],
            row["link_object_id"],
            row["is_forward"],
        )
    else:
        other_name, other_id = row["object_name"], row["object_id"]
        is_forward = None if row["is_forward"] is None else not row["is_forward"]
    return {
        "LINK_ID": row["id"],
        "OBJECT_NAME": object_name,
        "OBJECT_ID": object_id,
        "LINK_OBJECT_NAME": other_name,
        "LINK_OBJECT_ID": other_id,
        "ROLE": row["role"],
        "DETAILS": row["details"],
        "RELATIONSHIP_ID": row["relationship_id"],
        "IS_FORWARD": is_forward,
    }
