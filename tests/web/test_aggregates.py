"""The boards' and the dashboard's figures are counted and summed by the database: right beyond
the 5,000 rows the pages once read and added up, of the records the caller sees only, and in
the same number of statements whatever the number of records."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import Engine

from rolodex.domain.registry import OPPORTUNITIES, TASKS, RecordType
from rolodex.services.context import Caller, utc_now
from rolodex.services.dashboard import TASKS_SHOWN, dashboard
from rolodex.services.pipelines import pipeline_board
from rolodex.storage.engine import unit_of_work
from rolodex.storage.repository import Repository
from tests.test_request_cost import statements
from tests.web.conftest import WebUser
from tests.web.test_admin import member
from tests.web.test_boards import column, make_pipeline, stage_ids

MANY = 5_003  # beyond the 5,000 rows the pages once read


def insert_rows(
    engine: Engine, instance_id: int, rt: RecordType, rows: list[dict[str, Any]]
) -> None:
    """Records written straight into their table (thousands in a few statements)."""
    now = utc_now()
    stamped = [
        {"date_created_utc": now, "date_updated_utc": now, "custom_fields": {}, **row}
        for row in rows
    ]
    with unit_of_work(engine, write=True) as connection:
        Repository(connection, instance_id).insert_many_records(rt, stamped)


def deals(pipeline: int, stage: int, owner: int, count: int, **extra: Any) -> list[dict[str, Any]]:
    return [
        {
            "opportunity_name": f"Deal {number}",
            "opportunity_state": "OPEN",
            "pipeline_id": pipeline,
            "stage_id": stage,
            "opportunity_value": Decimal(2),
            "owner_user_id": owner,
            "visible_to": "EVERYONE",
            **extra,
        }
        for number in range(count)
    ]


def tasks(holder: int, due: datetime, count: int, **extra: Any) -> list[dict[str, Any]]:
    return [
        {
            "title": f"Task {number:05}",
            "due_date": due,
            "responsible_user_id": holder,
            "owner_user_id": holder,
            "completed": False,
            "publicly_visible": True,
            **extra,
        }
        for number in range(count)
    ]


def figures(engine: Engine, caller: Caller, today: date) -> Any:
    with unit_of_work(engine) as connection:
        return dashboard(connection, caller, today)


def test_the_dashboard_counts_beyond_the_old_cap_and_not_what_is_hidden(
    web_user: WebUser, engine: Engine
) -> None:
    tenant = web_user.tenant
    admin = Caller(tenant.instance_id, tenant.user_id, is_admin=True)
    member_id = member(tenant, engine)[0]
    reader = Caller(tenant.instance_id, member_id)
    pipeline = make_pipeline(engine, tenant.instance_id, ["Qualify", "Close"])
    qualify, close = stage_ids(tenant.client, pipeline)
    today = datetime.now(UTC).date()
    midnight = datetime.combine(today, datetime.min.time())

    figures(engine, reader, today)  # caches warmed
    with statements(engine) as few:
        figures(engine, reader, today)
    insert_rows(
        engine, tenant.instance_id, OPPORTUNITIES, deals(pipeline, qualify, admin.user_id, MANY)
    )
    hidden = deals(pipeline, qualify, admin.user_id, 2, visible_to="OWNER")
    insert_rows(engine, tenant.instance_id, OPPORTUNITIES, hidden)
    won = deals(pipeline, close, admin.user_id, 1, opportunity_state="WON")
    insert_rows(engine, tenant.instance_id, OPPORTUNITIES, won)
    insert_rows(
        engine, tenant.instance_id, TASKS, tasks(member_id, midnight - timedelta(days=2), MANY)
    )
    insert_rows(
        engine, tenant.instance_id, TASKS, tasks(member_id, midnight + timedelta(hours=9), 3)
    )
    done = tasks(member_id, midnight - timedelta(days=1), 4, completed=True)
    insert_rows(engine, tenant.instance_id, TASKS, done)
    insert_rows(engine, tenant.instance_id, TASKS, tasks(admin.user_id, midnight, 5))

    with statements(engine) as many:
        seen = figures(engine, reader, today)
    assert len(many) == len(few)
    assert [(s.name, s.count, s.value) for s in seen.stages] == [
        ("Qualify", MANY, Decimal(2 * MANY))
    ]
    assert seen.overdue.count == MANY and len(seen.overdue.items) == TASKS_SHOWN
    assert [item["name"] for item in seen.overdue.items[:2]] == ["Task 00000", "Task 00001"]
    assert seen.today.count == 3  # not the completed ones, nor the admin's own
    everything = figures(engine, admin, today)
    assert [(s.name, s.count) for s in everything.stages] == [("Qualify", MANY + 2)]
    assert everything.overdue.count == 0 and everything.today.count == 5


def test_a_board_counts_a_column_beyond_the_old_cap_in_the_same_statements(
    web: httpx.Client, web_user: WebUser, engine: Engine
) -> None:
    tenant = web_user.tenant
    pipeline = make_pipeline(engine, tenant.instance_id, ["Lead", "Won"])
    lead, won = stage_ids(tenant.client, pipeline)
    url = f"/boards/Opportunities/{pipeline}"
    insert_rows(engine, tenant.instance_id, OPPORTUNITIES, deals(pipeline, won, tenant.user_id, 1))
    web.get(url)  # caches warmed
    with statements(engine) as few:
        assert web.get(url).status_code == 200
    insert_rows(
        engine, tenant.instance_id, OPPORTUNITIES, deals(pipeline, lead, tenant.user_id, MANY)
    )
    hidden = deals(pipeline, lead, tenant.user_id, 2, visible_to="OWNER")
    insert_rows(engine, tenant.instance_id, OPPORTUNITIES, hidden)
    with statements(engine) as many:
        page = web.get(url).text
    assert len(many) == len(few)
    assert f"{MANY + 2:,} Opportunities · {2 * (MANY + 2):,}.00" in column(page, lead)
    assert column(page, lead).count('class="board-card"') == 25

    reader = Caller(tenant.instance_id, member(tenant, engine)[0])
    with unit_of_work(engine) as connection:
        _, columns = pipeline_board(
            connection, reader, OPPORTUNITIES, pipeline, 3, "OPPORTUNITY_VALUE"
        )
    assert [(c.count, c.total, len(c.records)) for c in columns] == [
        (MANY, Decimal(2 * MANY), 3),
        (1, Decimal(2), 1),
    ]
