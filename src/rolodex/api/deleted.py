"""GET /v3.1/{Coll}/Deleted: the deleted-record feed (an extension; Insightly lacks it).

Sync tools read it to learn which records went: `deleted_after_utc` (strictly after, to the
second) and the usual paging, in (DATE_DELETED_UTC, ID) order.
"""

import re
from dataclasses import replace
from typing import Any

from fastapi import APIRouter, Request, Response

from rolodex.api import openapi as docs
from rolodex.api.common import execute, page_from, query_value
from rolodex.api.responses import list_response
from rolodex.domain.registry import RecordType
from rolodex.errors import invalid_field
from rolodex.services.tombstones import deleted_page
from rolodex.wire.dates import NO_QUERY_DATE, QUERY_DATE_PATTERN, parse_datetime

ITEM = "DeletedRecord"


def add_deleted_route(router: APIRouter, rt: RecordType) -> None:
    """Add GET /Deleted to the router of `rt` (a type whose records can be deleted)."""

    @router.get(
        "/Deleted",
        summary=f"{rt.collection} deleted recently (extension)",
        name=f"deleted_{rt.collection.lower()}",
        openapi_extra=docs.deleted_feed(rt),
    )
    async def list_deleted(request: Request) -> Response:
        page = replace(page_from(request), updated_after=_deleted_after(request))
        keep_days = request.app.state.settings.tombstone_days
        named = _named_type(request, rt)

        def work(connection, caller):  # type: ignore[no-untyped-def]
            return deleted_page(connection, caller, named, page, keep_days)

        items, total = await execute(request, work)
        return list_response(items, total, ITEM)


def _named_type(request: Request, rt: RecordType) -> RecordType:
    from rolodex.api.records import named_type  # records imports this module

    return named_type(request, rt)


def _deleted_after(request: Request) -> Any:
    raw = query_value(request, "deleted_after_utc")
    if raw is None or NO_QUERY_DATE.match(raw):
        return None
    if not re.fullmatch(QUERY_DATE_PATTERN, raw):
        raise invalid_field(
            "deleted_after_utc",
            f"'{raw}' is not a date; use ISO 8601 ('2024-05-01T13:30:00Z'), "
            "'yyyy-MM-dd HH:mm:ss' (UTC) or 'yyyy-MM-dd'",
        )
    # An unescaped '+' of a zone offset arrives as a space.
    raw = re.sub(r"(T[\d:.]+) (\d{2}:?\d{2})$", r"\1+\2", raw)
    try:
        return parse_datetime(raw)
    except ValueError as exc:
        raise invalid_field("deleted_after_utc", str(exc)) from None
