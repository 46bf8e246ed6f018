"""The search box of every page: all record types at once, as a page of results grouped by
type, and as JSON for the box's list of suggestions (rolodex.services.search)."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import Connection

from rolodex.domain.registry import (
    RECORD_TYPES,
    Feature,
    RecordType,
    by_singular,
    custom_object_type,
    is_custom_object_name,
    record_name,
    record_url,
)
from rolodex.errors import NotFound
from rolodex.services.context import Caller
from rolodex.services.custom_objects import CustomObjectService
from rolodex.services.search import find_by_name, search_everything
from rolodex.services.sessions import WebSession
from rolodex.storage.engine import unit_of_work
from rolodex.web.common import render, require_session
from rolodex.web.fields import picks

router = APIRouter(include_in_schema=False)

Session = Annotated[WebSession, Depends(require_session)]
_MAX_QUERY = 200  # characters: longer is no name, e-mail, phone number or tag
# What a form's picker chooses from: what a reference field names (but settings lists, which
# are selects) and what a record links to; custom objects too.
_PICKABLE = {
    target for rt in RECORD_TYPES for spec in rt.writable_fields if (target := picks(spec))
} | {rt.singular for rt in RECORD_TYPES if rt.has(Feature.LINKS)}
_PICKED = 10  # suggestions a picker shows


def _groups(request: Request, session: WebSession, text: str, per_type: int) -> list[Any]:
    region = request.app.state.settings.default_phone_region
    with unit_of_work(request.app.state.engine) as connection:
        found = search_everything(connection, session.caller, text[:_MAX_QUERY], region, per_type)
    return [
        {
            "label": group.label,
            "items": [
                {
                    "name": record_name(group.rt, record, group.rt.singular),
                    "url": record_url(group.rt.singular, record[group.rt.id_field]),
                }
                for record in group.records
            ],
        }
        for group in found
    ]


@router.get("/search")
def search_page(request: Request, session: Session) -> Response:
    """The records of every type matching the search box's text, grouped by type."""
    text = (request.query_params.get("q") or "").strip()
    groups = _groups(request, session, text, 20) if text else []
    return render(request, "search.html", {"q": text, "global_q": text, "groups": groups})


@router.get("/search.json")
def search_suggestions(request: Request, session: Session) -> Response:
    """What the search box suggests as one types: a few records of each type."""
    text = (request.query_params.get("q") or "").strip()
    return JSONResponse({"groups": _groups(request, session, text, 5) if text else []})


def _pickable(connection: Connection, caller: Caller, object_name: str) -> RecordType:
    """The type a picker chooses from (Organisation, User, Team, Call__c), or 404."""
    name = object_name.strip()
    if is_custom_object_name(name):
        definition = CustomObjectService(connection, caller).get(name)
        return custom_object_type(definition["OBJECT_NAME"])
    if name not in _PICKABLE:
        raise NotFound(f"No picker chooses {object_name!r} records.")
    return by_singular(name)


@router.get("/pick/{object_name}")
def pick(request: Request, object_name: str, session: Session) -> Response:
    """What a form's picker suggests as one types: the records of one type, seen by the user,
    whose name or e-mail address starts with the text (or whose ID it is), by name."""
    text = (request.query_params.get("q") or "").strip()[:_MAX_QUERY]
    with unit_of_work(request.app.state.engine) as connection:
        rt = _pickable(connection, session.caller, object_name)
        found = find_by_name(connection, session.caller, rt, text, _PICKED)
    items = [{"id": r[rt.id_field], "name": record_name(rt, r, rt.singular)} for r in found]
    return JSONResponse({"items": items})
