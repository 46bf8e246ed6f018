"""The search box of every page: all record types at once, as a page of results grouped by
type, and as JSON for the box's list of suggestions (rolodex.services.search)."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from rolodex.domain.registry import record_name, record_url
from rolodex.services.search import search_everything
from rolodex.services.sessions import WebSession
from rolodex.storage.engine import unit_of_work
from rolodex.web.common import render, require_session

router = APIRouter(include_in_schema=False)

Session = Annotated[WebSession, Depends(require_session)]
_MAX_QUERY = 200  # characters: longer is no name, e-mail, phone number or tag


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
