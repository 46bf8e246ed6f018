"""The signed-in home page's figures: open opportunities by stage with their value, the user's
open tasks that are overdue or due today or this week, and recently changed records. Every
figure is counted and summed by the database (grouped queries of rolodex.storage.repository),
through the visibility condition: what the caller may not see is neither listed nor counted."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
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
from rolodex.services.context import Caller, viewer_of
from rolodex.services.records import RecordService
from rolodex.storage.repository import DatedQuery, FieldFilter, Page, Repository

RECENT = 10
TASKS_SHOWN = 10  # tasks listed under each due date heading (its count is of them all)
_RECENT_TYPES = tuple(rt for rt in RECORD_TYPES if rt.has(Feature.VISIBILITY))


@dataclass
class StageFigure:
    name: str
    count: int = 0
    value: Decimal = Decimal(0)


@dataclass
class TaskGroup:
    """The caller's open tasks due in a range: how many, and the first TASKS_SHOWN of them."""

    count: int = 0
    items: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Dashboard:
    stages: list[StageFigure]
    overdue: TaskGroup = field(default_factory=TaskGroup)
    today: TaskGroup = field(default_factory=TaskGroup)
    this_week: TaskGroup = field(default_factory=TaskGroup)
    recent: list[dict[str, Any]] = field(default_factory=list)


def dashboard(connection: Connection, caller: Caller, today: date) -> Dashboard:
    """The caller's dashboard on `today` (the caller's date, given by the page): every figure
    counted and summed by the database, of the records the caller sees, in a fixed number of
    statements whatever the number of records."""
    totals = RecordService(connection, caller, OPPORTUNITIES).totals_by(
        "STAGE_ID",
        "OPPORTUNITY_VALUE",
        FieldFilter(column="opportunity_state", kind=Kind.TEXT, value="OPEN"),
    )
    stage_rows, _ = Repository(connection, caller.instance_id).list_records(
        PIPELINE_STAGES, Page(top=1000)
    )
    ordered = sorted(stage_rows, key=lambda r: (r["pipeline_id"], r["stage_order"] or 0, r["id"]))
    figures = [
        StageFigure(row["stage_name"], *totals.pop(row["id"], (0, Decimal(0)))) for row in ordered
    ]
    # Deals at no stage, or at one that is gone.
    no_stage = StageFigure("No stage")
    for count, value in totals.values():
        no_stage.count += count
        no_stage.value += value
    board = Dashboard([f for f in [*figures, no_stage] if f.count])
    board.overdue, board.today, board.this_week = _tasks_due(connection, caller, today)
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


def _tasks_due(connection: Connection, caller: Caller, today: date) -> list[TaskGroup]:
    """The caller's open tasks (responsible for or owning them) overdue, due today and due
    later this week: counted, and the first of each read, in one statement."""
    midnight = datetime.combine(today, time())
    week_end = today + timedelta(days=6 - today.weekday())
    edges = (
        midnight,
        midnight + timedelta(days=1),
        datetime.combine(week_end, time()) + timedelta(days=1),
    )
    query = DatedQuery(
        date_column="due_date",
        edges=edges,
        holder=caller.user_id,
        holder_columns=("responsible_user_id", "owner_user_id"),
        name_column="title",
        per_group=TASKS_SHOWN,
        done_column="completed",
    )
    repo = Repository(connection, caller.instance_id, viewer_of(caller))
    return [
        TaskGroup(
            count,
            [
                {
                    "name": row["title"],
                    "url": record_url(TASKS.singular, row["id"]),
                    "due": row["due_date"].date(),
                }
                for row in rows
            ],
        )
        for count, rows in repo.dated_groups(TASKS, query)
    ]
