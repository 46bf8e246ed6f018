"""The signed-in home page's figures: open opportunities by stage with their value, the user's
open tasks that are overdue or due today or this week, and recently changed records. Every list
is read through RecordService, so what the caller may not see is filtered out in SQL."""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection

from rolodex.domain.registry import (
    OPPORTUNITIES,
    PIPELINE_STAGES,
    RECORD_TYPES,
    TASKS,
    Feature,
    Kind,
    record_name,
    record_url,
)
from rolodex.services.context import Caller
from rolodex.services.records import RecordService
from rolodex.storage.repository import FieldFilter, Page, Repository

DASHBOARD_ROWS = 5000  # records read for one figure
RECENT = 10
_RECENT_TYPES = tuple(rt for rt in RECORD_TYPES if rt.has(Feature.VISIBILITY))


@dataclass
class StageFigure:
    name: str
    count: int = 0
    value: Decimal = Decimal(0)


@dataclass
class Dashboard:
    stages: list[StageFigure]
    overdue: list[dict[str, Any]] = field(default_factory=list)
    today: list[dict[str, Any]] = field(default_factory=list)
    this_week: list[dict[str, Any]] = field(default_factory=list)
    recent: list[dict[str, Any]] = field(default_factory=list)


def dashboard(connection: Connection, caller: Caller, today: date) -> Dashboard:
    """The caller's dashboard on `today` (the caller's date, given by the page)."""
    open_deals, _ = RecordService(connection, caller, OPPORTUNITIES).list_page(
        Page(top=DASHBOARD_ROWS),
        FieldFilter(column="opportunity_state", kind=Kind.TEXT, value="OPEN"),
        brief=True,
    )
    stage_rows, _ = Repository(connection, caller.instance_id).list_records(
        PIPELINE_STAGES, Page(top=1000)
    )
    ordered = sorted(stage_rows, key=lambda r: (r["pipeline_id"], r["stage_order"] or 0, r["id"]))
    figures = {row["id"]: StageFigure(row["stage_name"]) for row in ordered}
    no_stage = StageFigure("No stage")
    for deal in open_deals:
        figure = figures.get(deal["STAGE_ID"], no_stage)
        figure.count += 1
        figure.value += Decimal(deal["OPPORTUNITY_VALUE"] or 0)
    stages = [f for f in [*figures.values(), no_stage] if f.count]
    board = Dashboard(stages)

    tasks, _ = RecordService(connection, caller, TASKS).list_page(
        Page(top=DASHBOARD_ROWS), brief=True
    )
    week_end = today + timedelta(days=6 - today.weekday())
    for task in tasks:
        mine = caller.user_id in (task.get("RESPONSIBLE_USER_ID"), task.get("OWNER_USER_ID"))
        if not mine or task.get("COMPLETED") or not task.get("DUE_DATE"):
            continue
        due = date.fromisoformat(task["DUE_DATE"][:10])
        item = {"name": task["TITLE"], "url": record_url("Task", task["TASK_ID"]), "due": due}
        if due < today:
            board.overdue.append(item)
        elif due == today:
            board.today.append(item)
        elif due <= week_end:
            board.this_week.append(item)
    for group in (board.overdue, board.today, board.this_week):
        group.sort(key=lambda item: (item["due"], item["name"]))

    recent: list[dict[str, Any]] = []
    for rt in _RECENT_TYPES:
        found, _ = RecordService(connection, caller, rt).list_page(
            Page(top=RECENT, sort=("date_updated_utc", True)), brief=True
        )
        recent.extend(
            {
                "when": r["DATE_UPDATED_UTC"],
                "type": rt.singular,
                "name": record_name(rt, r, rt.singular),
                "url": record_url(rt.singular, r[rt.id_field]),
            }
            for r in found
        )
    board.recent = sorted(recent, key=lambda r: r["when"] or "", reverse=True)[:RECENT]
    return board
