"""Activity sets: the default set, read-only routes, the CLI, and applying a set to a record
(tasks and events on the right dates, weekends skipped, linked, all or nothing)."""

import json
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from rolodex.domain.defaults import ACTIVITY_SET_DEFAULTS
from rolodex.services.activity_sets import add_days, create_set
from rolodex.storage.engine import unit_of_work
from tests.conftest import Tenant
from tests.servers import cli_env, run_cli

FRIDAY = "2024-05-03"

SET: dict[str, Any] = {
    "NAME": "Onboarding test",
    "FOR_CONTACTS": True,
    "FOR_OPPORTUNITIES": True,
    "ACTIVITIES": [
        {
            "ACTIVITY_NAME": "Call",
            "ACTIVITY_TYPE": "task",
            "DUE_DAYS_AFTER_START": 1,
            "SKIP_SAT": True,
            "SKIP_SUN": True,
            "REMINDER": True,
            "REMINDER_TIME": "08:15",
        },
        {"ACTIVITY_NAME": "Plain", "ACTIVITY_TYPE": "Task", "DUE_DAYS_AFTER_START": 1},
        {
            "ACTIVITY_NAME": "Meet",
            "ACTIVITY_TYPE": "Event",
            "ACTIVITY_DETAILS": "Kickoff",
            "EVENT_DAYS_AFTER_START": 2,
            "EVENT_TIME": "14:30",
            "DURATION": 90,
            "SKIP_SUN": True,
        },
        {"ACTIVITY_NAME": "Day", "ACTIVITY_TYPE": "Event", "ALL_DAY": True, "SKIP_SAT": True},
    ],
}


def _make_set(engine: Engine, tenant: Tenant, data: dict[str, Any] = SET) -> dict[str, Any]:
    with unit_of_work(engine, write=True) as connection:
        set_id = create_set(connection, tenant.instance_id, data)
    response = tenant.client.get(f"/ActivitySets/{set_id}")
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def _count(api: httpx.Client, collection: str) -> int:
    response = api.get(f"/{collection}", params={"count_total": "true", "top": "1"})
    return int(response.headers["X-Total-Count"])


def test_add_days_skips_weekends() -> None:
    friday, saturday = date(2024, 5, 3), date(2024, 5, 4)
    assert add_days(friday, 3, False, False) == date(2024, 5, 6)
    assert add_days(friday, 3, True, True) == date(2024, 5, 8)
    assert add_days(friday, 1, False, True) == saturday
    assert add_days(saturday, 0, True, True) == date(2024, 5, 6)
    assert add_days(saturday, 0, False, True) == saturday
    assert add_days(friday, 0, True, True) == friday


def test_a_new_instance_has_the_default_set(api: httpx.Client) -> None:
    sets = api.get("/ActivitySets", params={"count_total": "true"})
    assert sets.headers["X-Total-Count"] == str(len(ACTIVITY_SET_DEFAULTS))
    default = sets.json()[0]
    assert default["NAME"] == ACTIVITY_SET_DEFAULTS[0]["NAME"]
    assert [a["ACTIVITY_TYPE"] for a in default["ACTIVITIES"]] == ["Task", "Event"]
    brief = api.get("/ActivitySets", params={"brief": "true"}).json()
    assert "ACTIVITIES" not in brief[0]
    assert api.get(f"/ActivitySets/{default['ACTIVITYSET_ID']}").json() == default
    assert api.post("/ActivitySets", json={"NAME": "x"}).status_code == 405


def test_assignment_creates_linked_tasks_and_events_on_their_dates(
    engine: Engine, tenant: Tenant
) -> None:
    api = tenant.client
    activity_set = _make_set(engine, tenant)
    contact = api.post("/Contacts", json={"FIRST_NAME": "Ada"}).json()
    contact_id = contact["CONTACT_ID"]
    response = api.post(
        f"/Contacts/{contact_id}/ActivitySetAssignment",
        json={"ACTIVITYSET_ID": activity_set["ACTIVITYSET_ID"], "START_DATE": FRIDAY},
    )
    assert response.status_code == 200, response.text
    created = response.json()
    tasks = {t["TITLE"]: t for t in created["TASKS"]}
    events = {e["TITLE"]: e for e in created["EVENTS"]}
    assert tasks["Call"]["DUE_DATE"] == "2024-05-06 00:00:00"  # Friday + 1, weekend skipped
    assert tasks["Call"]["START_DATE"] == "2024-05-03 00:00:00"
    assert tasks["Call"]["REMINDER_DATE_UTC"] == "2024-05-06 08:15:00"
    assert tasks["Plain"]["DUE_DATE"] == "2024-05-04 00:00:00"
    assert tasks["Plain"]["REMINDER_DATE_UTC"] is None
    assert tasks["Call"]["RESPONSIBLE_USER_ID"] == tenant.user_id
    assert events["Meet"]["START_DATE_UTC"] == "2024-05-06 14:30:00"  # Sat counts, Sun not
    assert events["Meet"]["END_DATE_UTC"] == "2024-05-06 16:00:00"
    assert events["Meet"]["DETAILS"] == "Kickoff"
    assert events["Day"]["ALL_DAY"] is True
    assert events["Day"]["START_DATE_UTC"] == "2024-05-03 00:00:00"
    assert events["Day"]["END_DATE_UTC"] == "2024-05-04 00:00:00"
    for record in [*created["TASKS"], *created["EVENTS"]]:
        assert [(link["LINK_OBJECT_NAME"], link["LINK_OBJECT_ID"]) for link in record["LINKS"]] == [
            ("Contact", contact_id)
        ]
    linked = api.get(f"/Contacts/{contact_id}/Tasks").json()
    assert {t["TASK_ID"] for t in linked} == {t["TASK_ID"] for t in created["TASKS"]}
    assert len(api.get(f"/Contacts/{contact_id}/Events").json()) == 2
    after = api.get(f"/Contacts/{contact_id}").json()
    assert after["DATE_UPDATED_UTC"] >= contact["DATE_UPDATED_UTC"]


def test_assignments_override_who_does_an_activity(engine: Engine, tenant: Tenant) -> None:
    api = tenant.client
    activity_set = _make_set(engine, tenant)
    call, meet = activity_set["ACTIVITIES"][0], activity_set["ACTIVITIES"][2]
    other, _ = tenant.add_user(engine, f"other-{tenant.instance_id}@example.com")
    team = api.post("/Teams", json={"TEAM_NAME": "Sales"}).json()["TEAM_ID"]
    opportunity = api.post("/Opportunities", json={"OPPORTUNITY_NAME": "Deal"}).json()
    response = api.post(
        f"/Opportunities/{opportunity['OPPORTUNITY_ID']}/ActivitySetAssignment",
        json={
            "activityset_id": activity_set["ACTIVITYSET_ID"],
            "START_DATE": "2024-05-03T10:00:00Z",
            "END_DATE": "2024-06-01",
            "ACTIVITY_ASSIGNMENTS": [
                {"ACTIVITY_ID": call["ACTIVITY_ID"], "RESPONSIBLE_USER_ID": other},
                {"ACTIVITY_ID": call["ACTIVITY_ID"], "ASSIGNED_TEAM_ID": team},
                {"ACTIVITY_ID": meet["ACTIVITY_ID"], "RESPONSIBLE_USER_ID": other},
            ],
        },
    )
    assert response.status_code == 200, response.text
    tasks = {t["TITLE"]: t for t in response.json()["TASKS"]}
    assert tasks["Call"]["ASSIGNED_TEAM_ID"] == team
    assert tasks["Plain"]["RESPONSIBLE_USER_ID"] == tenant.user_id
    events = {e["TITLE"]: e for e in response.json()["EVENTS"]}
    assert events["Meet"]["OWNER_USER_ID"] == other
    unknown = api.post(
        f"/Opportunities/{opportunity['OPPORTUNITY_ID']}/ActivitySetAssignment",
        json={
            "ACTIVITYSET_ID": activity_set["ACTIVITYSET_ID"],
            "START_DATE": FRIDAY,
            "ACTIVITY_ASSIGNMENTS": [
                {"ACTIVITY_ID": call["ACTIVITY_ID"], "ASSIGNED_TEAM_ID": 999_999_999}
            ],
        },
    )
    assert unknown.status_code == 400
    assert unknown.json()["Errors"][0]["FIELD"] == "ACTIVITY_ASSIGNMENTS[0].ASSIGNED_TEAM_ID"
    assert _count(api, "Tasks") == 2


@pytest.mark.parametrize(
    ("collection", "body", "field"),
    [
        ("Leads", {}, "ACTIVITYSET_ID"),  # the set is not for leads
        ("Contacts", {"ACTIVITYSET_ID": 999_999_999}, "ACTIVITYSET_ID"),
        ("Contacts", {"ACTIVITY_ASSIGNMENTS": [{"ACTIVITY_ID": 1}]}, "ACTIVITY_ASSIGNMENTS[0]"),
        ("Contacts", {"START_DATE": "someday"}, "START_DATE"),
        ("Contacts", {"START_DATE": "9999-12-31"}, "START_DATE"),
        ("Contacts", {"END_DATE": "2024-01-01"}, "END_DATE"),
        ("Contacts", {"ACTIVITY_ASSIGNMENTS": [{"ACTIVITY_ID": "x"}]}, "ACTIVITY_ASSIGNMENTS[0]"),
    ],
)
def test_bad_assignments_are_a_400_and_write_nothing(
    engine: Engine, tenant: Tenant, collection: str, body: dict[str, Any], field: str
) -> None:
    api = tenant.client
    activity_set = _make_set(engine, tenant)
    record = api.post("/Contacts", json={"FIRST_NAME": "A"}).json()["CONTACT_ID"]
    if collection == "Leads":
        record = api.post("/Leads", json={"LAST_NAME": "L"}).json()["LEAD_ID"]
    before = (_count(api, "Tasks"), _count(api, "Events"))
    response = api.post(
        f"/{collection}/{record}/ActivitySetAssignment",
        json={"ACTIVITYSET_ID": activity_set["ACTIVITYSET_ID"], "START_DATE": FRIDAY, **body},
    )
    assert response.status_code == 400, response.text
    assert response.json()["Errors"][0]["FIELD"].startswith(field), response.text
    assert (_count(api, "Tasks"), _count(api, "Events")) == before
    missing = api.post(
        f"/{collection}/999999999/ActivitySetAssignment",
        json={"ACTIVITYSET_ID": activity_set["ACTIVITYSET_ID"], "START_DATE": FRIDAY},
    )
    assert missing.status_code == 404


def test_a_pipeline_stage_change_applies_its_activity_set(api: httpx.Client) -> None:
    default = api.get("/ActivitySets").json()[0]
    pipeline = next(p for p in api.get("/Pipelines").json() if p["FOR_OPPORTUNITIES"])
    stages = [
        s for s in api.get("/PipelineStages").json() if s["PIPELINE_ID"] == pipeline["PIPELINE_ID"]
    ]
    opportunity = api.post("/Opportunities", json={"OPPORTUNITY_NAME": "o"}).json()
    path = f"/Opportunities/{opportunity['OPPORTUNITY_ID']}"
    assignment = {"ACTIVITYSET_ID": default["ACTIVITYSET_ID"], "START_DATE": FRIDAY}
    moved = api.put(
        f"{path}/Pipeline",
        json={
            "PIPELINE_ID": pipeline["PIPELINE_ID"],
            "PIPELINE_STAGE_CHANGE": {"ACTIVITYSET_ASSIGNMENT": assignment},
        },
    )
    assert moved.status_code == 200, moved.text
    assert [t["TITLE"] for t in api.get(f"{path}/Tasks").json()] == ["Welcome call"]
    kickoff = api.get(f"{path}/Events").json()
    assert kickoff[0]["START_DATE_UTC"] == "2024-05-10 10:00:00"  # 5 working days after Friday
    bad = api.put(
        f"{path}/PipelineStage",
        json={
            "PIPELINE_STAGE_CHANGE": {
                "STAGE_ID": stages[1]["STAGE_ID"],
                "ACTIVITYSET_ASSIGNMENT": {**assignment, "ACTIVITYSET_ID": 999_999_999},
            }
        },
    )
    assert bad.status_code == 400
    assert bad.json()["Errors"][0]["FIELD"] == (
        "PIPELINE_STAGE_CHANGE.ACTIVITYSET_ASSIGNMENT.ACTIVITYSET_ID"
    )
    assert api.get(path).json()["STAGE_ID"] == stages[0]["STAGE_ID"]
    again = api.put(
        f"{path}/PipelineStage",
        json={
            "PIPELINE_STAGE_CHANGE": {
                "STAGE_ID": stages[1]["STAGE_ID"],
                "ACTIVITYSET_ASSIGNMENT": assignment,
            }
        },
    )
    assert again.status_code == 200 and again.json()["STAGE_ID"] == stages[1]["STAGE_ID"]
    assert len(api.get(f"{path}/Tasks").json()) == 2


def test_sets_belong_to_their_instance(engine: Engine, make_tenant) -> None:  # type: ignore[no-untyped-def]
    mine, theirs = make_tenant(), make_tenant()
    activity_set = _make_set(engine, mine)
    assert theirs.client.get(f"/ActivitySets/{activity_set['ACTIVITYSET_ID']}").status_code == 404
    names = {s["NAME"] for s in theirs.client.get("/ActivitySets").json()}
    assert activity_set["NAME"] not in names
    contact = theirs.client.post("/Contacts", json={"FIRST_NAME": "T"}).json()["CONTACT_ID"]
    refused = theirs.client.post(
        f"/Contacts/{contact}/ActivitySetAssignment",
        json={"ACTIVITYSET_ID": activity_set["ACTIVITYSET_ID"], "START_DATE": FRIDAY},
    )
    assert refused.status_code == 400


def test_cli_manages_activity_sets(database_url: str, tenant: Tenant, tmp_path: Path) -> None:
    env = cli_env(database_url)
    instance = str(tenant.instance_id)
    set_file = tmp_path / "set.json"
    set_file.write_text(json.dumps(SET))
    create = ("activity-sets", "create", "--instance", instance, "--file", str(set_file))
    created = run_cli(env, *create)
    assert created.returncode == 0, created.stderr
    set_id = int(created.stdout.strip().splitlines()[-1])
    shown = tenant.client.get(f"/ActivitySets/{set_id}").json()
    assert shown["NAME"] == SET["NAME"] and shown["FOR_CONTACTS"] is True
    assert [a["ACTIVITY_NAME"] for a in shown["ACTIVITIES"]] == ["Call", "Plain", "Meet", "Day"]
    assert shown["ACTIVITIES"][0]["ACTIVITY_TYPE"] == "Task"
    listed = run_cli(env, "activity-sets", "list", "--instance", instance)
    assert SET["NAME"] in listed.stdout and "Event: Meet" in listed.stdout
    bad = {**SET, "ACTIVITIES": [{"ACTIVITY_NAME": "x", "ACTIVITY_TYPE": "Call"}]}
    set_file.write_text(json.dumps(bad))
    refused = run_cli(env, *create)
    assert refused.returncode == 1 and "ACTIVITIES[0].ACTIVITY_TYPE" in refused.stderr
    done = run_cli(env, "activity-sets", "delete", "--instance", instance, "--id", str(set_id))
    assert done.returncode == 0, done.stderr
    assert tenant.client.get(f"/ActivitySets/{set_id}").status_code == 404
    gone = run_cli(env, "activity-sets", "delete", "--instance", instance, "--id", str(set_id))
    assert gone.returncode == 1
