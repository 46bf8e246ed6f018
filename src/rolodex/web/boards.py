"""Pipeline boards: a page per pipeline of every record type with Feature.PIPELINE, a column per
stage with its cards, counts and total value; a card moves by drag and drop or by its "Move to
stage" control, both a POST that makes the API's stage change (PipelineService.set_stage)."""

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import Connection

from rolodex.domain.registry import RECORD_TYPES, Feature, RecordType, record_name, record_url
from rolodex.errors import NotFound, RolodexError
from rolodex.services.pipelines import PipelineService, pipeline_board, pipelines_for
from rolodex.services.sessions import WebSession
from rolodex.services.users import list_users
from rolodex.storage.engine import unit_of_work
from rolodex.web.common import FormPost, form_action, form_post, redirect, render, require_session

router = APIRouter(include_in_schema=False)

Session = Annotated[WebSession, Depends(require_session)]
PER_COLUMN = 25  # cards a column shows before its "more" link
_PIPELINE_TYPES = {rt.collection: rt for rt in RECORD_TYPES if rt.has(Feature.PIPELINE)}


def _board_type(collection: str) -> RecordType:
    rt = _PIPELINE_TYPES.get(collection)
    if rt is None:
        raise NotFound(f"{collection} have no pipelines.")
    return rt


def _value_field(rt: RecordType) -> str | None:
    """The field a card shows as its value: OPPORTUNITY_VALUE, if the type has one."""
    wanted = f"{rt.singular.upper()}_VALUE"
    return wanted if any(spec.name == wanted for spec in rt.fields) else None


def _number(value: Decimal | int | float | None) -> str:
    return f"{value:,.2f}" if value is not None else ""


@router.get("/boards")
def boards_index(request: Request, session: Session) -> Response:
    """The pipelines of each type that has them, each a link to its board."""
    with unit_of_work(request.app.state.engine) as connection:
        groups = [
            (rt, pipelines_for(connection, session.caller, rt)) for rt in _PIPELINE_TYPES.values()
        ]
    return render(request, "boards/index.html", {"groups": groups})


@router.get("/boards/{collection}/{pipeline_id:int}")
def board_page(request: Request, session: Session, collection: str, pipeline_id: int) -> Response:
    """One pipeline's board, each column showing PER_COLUMN cards per 'more' step."""
    rt = _board_type(collection)
    show = _shown(request.query_params.get("show"))
    value_field = _value_field(rt)
    with unit_of_work(request.app.state.engine) as connection:
        pipeline, stages = pipeline_board(
            connection, session.caller, rt, pipeline_id, show, value_field
        )
        users = {user["id"]: user for user in list_users(connection, session.caller.instance_id)}
    columns = []
    for stage in stages:
        cards = [
            {
                "id": r[rt.id_field],
                "name": record_name(rt, r, rt.singular),
                "url": record_url(rt.singular, r[rt.id_field]),
                "value": _number(r[value_field]) if value_field else "",
                "owner": _user_name(users.get(r.get("OWNER_USER_ID"))),
            }
            for r in stage.records
        ]
        columns.append(
            {
                "id": stage.stage["id"],
                "name": stage.stage["stage_name"],
                "count": stage.count,
                "total": _number(stage.total) if value_field else "",
                "cards": cards,
                "more": stage.count > show,
            }
        )
    context: dict[str, Any] = {
        "rt": rt,
        "pipeline": pipeline,
        "columns": columns,
        "show": show,
        "more_url": f"/boards/{rt.collection}/{pipeline_id}?show={show + PER_COLUMN}",
        "moved": _moved(request.query_params.get("moved"), columns),
        "may_move": not session.caller.read_only,
    }
    return render(request, "boards/board.html", context)


def _moved(raw: str | None, columns: list[dict[str, Any]]) -> str:
    """What the page announces after a move: the card's name and its stage now."""
    for column in columns:
        for card in column["cards"]:
            if raw and str(card["id"]) == raw:
                return f"Moved {card['name']} to {column['name']}."
    return ""


def _shown(raw: str | None) -> int:
    try:
        return max(PER_COLUMN, min(int(raw or PER_COLUMN), 5000))
    except ValueError:
        return PER_COLUMN


def _user_name(user: dict[str, Any] | None) -> str:
    if user is None:
        return ""
    name = f"{user.get('first_name') or ''} {user.get('last_name') or ''}".strip()
    return name or str(user.get("email_address") or "")


@router.post("/boards/{collection}/{pipeline_id:int}/move")
def move_card(
    request: Request,
    post: Annotated[FormPost, Depends(form_post)],
    collection: str,
    pipeline_id: int,
) -> Response:
    """Move a card to another stage: the API's PUT /{collection}/{id}/PipelineStage."""
    rt = _board_type(collection)
    board_url = f"/boards/{rt.collection}/{pipeline_id}"
    try:
        record_id = int(post.text("record_id"))
        stage_id = int(post.text("stage_id"))
    except ValueError:
        return _board_refusal(request, "Choose a card and a stage to move it to.")

    def change(connection: Connection) -> None:
        PipelineService(connection, post.session.caller, rt).set_stage(
            record_id, {"STAGE_ID": stage_id}
        )

    def again(error: RolodexError) -> Response:
        return _board_refusal(request, error.message, error.status_code)

    return form_action(
        request,
        change,
        lambda _: redirect(f"{board_url}?moved={record_id}"),
        again,
        (RolodexError,),
    )


def _board_refusal(request: Request, message: str, status_code: int = 400) -> Response:
    """The move was refused: nothing changed; say why, with the way back to the board."""
    context = {"status_code": status_code, "message": message}
    return render(request, "error.html", context, status_code=status_code)
