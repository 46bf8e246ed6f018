"""Pipeline moves of opportunities and projects, and opportunity state changes with history."""

from typing import Any

import httpx
import pytest

from rolodex.domain.registry import OPPORTUNITIES, RECORD_TYPES, Feature, RecordType
from tests.test_contract import create

WITH_PIPELINE = [rt for rt in RECORD_TYPES if rt.has(Feature.PIPELINE)]


def _pipeline(api: httpx.Client, rt: RecordType) -> tuple[int, list[int]]:
    """The instance's default pipeline for `rt` and its stage ids in order."""
    flag = f"FOR_{rt.collection.upper()}"
    pipeline = next(p for p in api.get("/Pipelines").json() if p[flag])
    stages = [
        s for s in api.get("/PipelineStages").json() if s["PIPELINE_ID"] == pipeline["PIPELINE_ID"]
    ]
    ordered = sorted(stages, key=lambda s: s["STAGE_ORDER"])
    return pipeline["PIPELINE_ID"], [s["STAGE_ID"] for s in ordered]


def _record(api: httpx.Client, rt: RecordType) -> dict[str, Any]:
    return create(api, rt)


@pytest.mark.parametrize("rt", WITH_PIPELINE, ids=lambda rt: rt.collection)
def test_pipeline_and_stage_moves(api: httpx.Client, rt: RecordType) -> None:
    pipeline_id, stages = _pipeline(api, rt)
    record = _record(api, rt)
    record_id = record[rt.id_field]
    path = f"/{rt.collection}/{record_id}"

    placed = api.put(f"{path}/Pipeline", json={"PIPELINE_ID": pipeline_id})
    assert placed.status_code == 200, placed.text
    assert (placed.json()["PIPELINE_ID"], placed.json()["STAGE_ID"]) == (pipeline_id, stages[0])
    assert placed.json()["DATE_UPDATED_UTC"] >= record["DATE_UPDATED_UTC"]

    at_stage = api.put(
        f"{path}/Pipeline",
        json={"PIPELINE_ID": pipeline_id, "PIPELINE_STAGE_CHANGE": {"STAGE_ID": stages[2]}},
    )
    assert at_stage.json()["STAGE_ID"] == stages[2]

    moved = api.put(f"{path}/PipelineStage", json={"STAGE_ID": stages[1]})
    assert moved.status_code == 200 and moved.json()["STAGE_ID"] == stages[1]
    nested = api.put(
        f"{path}/PipelineStage", json={"PIPELINE_STAGE_CHANGE": {"STAGE_ID": stages[3]}}
    )
    assert nested.json()["STAGE_ID"] == stages[3]

    # PIPELINE_ID and STAGE_ID in a PUT body are read-only: ignored.
    ignored = api.put(f"/{rt.collection}", json={rt.id_field: record_id, "STAGE_ID": stages[0]})
    assert ignored.json()["STAGE_ID"] == stages[3]

    assert api.delete(f"{path}/Pipeline").status_code == 202
    cleared = api.get(path).json()
    assert (cleared["PIPELINE_ID"], cleared["STAGE_ID"]) == (None, None)


@pytest.mark.parametrize("rt", WITH_PIPELINE, ids=lambda rt: rt.collection)
def test_bad_pipeline_moves_are_400_and_change_nothing(api: httpx.Client, rt: RecordType) -> None:
    pipeline_id, stages = _pipeline(api, rt)
    other = next(c for c in WITH_PIPELINE if c is not rt)
    other_pipeline, other_stages = _pipeline(api, other)
    record_id = _record(api, rt)[rt.id_field]
    path = f"/{rt.collection}/{record_id}"
    before = api.get(path).json()

    cases = [
        ("Pipeline", {"PIPELINE_ID": 999_999_999}, "PIPELINE_ID"),
        ("Pipeline", {"PIPELINE_ID": other_pipeline}, "PIPELINE_ID"),
        ("Pipeline", {}, "PIPELINE_ID"),
        (
            "Pipeline",
            {"PIPELINE_ID": pipeline_id, "PIPELINE_STAGE_CHANGE": {"STAGE_ID": other_stages[0]}},
            "PIPELINE_STAGE_CHANGE.STAGE_ID",
        ),
        ("PipelineStage", {}, "STAGE_ID"),
    ]
    for endpoint, body, field in cases:
        response = api.put(f"{path}/{endpoint}", json=body)
        assert response.status_code == 400, (body, response.text)
        assert [e["FIELD"] for e in response.json()["Errors"]] == [field], body
    # A stage move needs a pipeline first.
    lone = api.put(f"{path}/PipelineStage", json={"STAGE_ID": stages[0]})
    assert lone.status_code == 400 and "Pipeline" in lone.json()["Message"]
    api.put(f"{path}/Pipeline", json={"PIPELINE_ID": pipeline_id})
    foreign = api.put(f"{path}/PipelineStage", json={"STAGE_ID": other_stages[0]})
    assert foreign.status_code == 400
    after = api.get(path).json()
    assert after["STAGE_ID"] == stages[0]
    assert {
        k: v for k, v in after.items() if k not in ("PIPELINE_ID", "STAGE_ID", "DATE_UPDATED_UTC")
    } == {
        k: v for k, v in before.items() if k not in ("PIPELINE_ID", "STAGE_ID", "DATE_UPDATED_UTC")
    }
    assert api.put(
        "/Opportunities/999999999/Pipeline", json={"PIPELINE_ID": pipeline_id}
    ).status_code in (400, 404)


def test_state_changes_are_kept_in_the_history(api: httpx.Client) -> None:
    reasons = api.get("/OpportunityStateReasons").json()
    won = next(r for r in reasons if r["FOR_OPPORTUNITY_STATE"] == "WON")
    lost = next(r for r in reasons if r["FOR_OPPORTUNITY_STATE"] == "LOST")
    opportunity = api.post("/Opportunities", json={"OPPORTUNITY_NAME": "Big"}).json()
    oid = opportunity["OPPORTUNITY_ID"]

    changed = api.put(
        f"/Opportunities/{oid}/StateChange",
        json={"FOR_OPPORTUNITY_STATE": "won", "STATE_REASON_ID": won["STATE_REASON_ID"]},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["FOR_OPPORTUNITY_STATE"] == "WON"
    assert changed.json()["STATE_REASON"] == won["STATE_REASON"]
    assert api.get(f"/Opportunities/{oid}").json()["OPPORTUNITY_STATE"] == "WON"

    # A plain PUT of the state is a change of state too.
    api.put("/Opportunities", json={"OPPORTUNITY_ID": oid, "OPPORTUNITY_STATE": "SUSPENDED"})
    history = api.get(f"/Opportunities/{oid}/StateHistory").json()
    assert [h["FOR_OPPORTUNITY_STATE"] for h in history] == ["OPEN", "WON", "SUSPENDED"]
    assert history[1]["STATE_REASON_ID"] == won["STATE_REASON_ID"]
    assert all(h["OPPORTUNITY_ID"] == oid for h in history)

    # A reason for another state, an unknown state or reason: 400, nothing recorded.
    for body, field in [
        (
            {"FOR_OPPORTUNITY_STATE": "WON", "STATE_REASON_ID": lost["STATE_REASON_ID"]},
            "STATE_REASON_ID",
        ),
        ({"FOR_OPPORTUNITY_STATE": "MAYBE"}, "FOR_OPPORTUNITY_STATE"),
        ({"FOR_OPPORTUNITY_STATE": "LOST", "STATE_REASON_ID": 999_999_999}, "STATE_REASON_ID"),
        ({}, "FOR_OPPORTUNITY_STATE"),
    ]:
        response = api.put(f"/Opportunities/{oid}/StateChange", json=body)
        assert response.status_code == 400, (body, response.text)
        assert [e["FIELD"] for e in response.json()["Errors"]] == [field]
    assert len(api.get(f"/Opportunities/{oid}/StateHistory").json()) == 3
    assert api.get("/Opportunities/999999999/StateHistory").status_code == 404


def test_history_goes_with_the_opportunity(api: httpx.Client) -> None:
    oid = api.post("/Opportunities", json={"OPPORTUNITY_NAME": "Gone"}).json()["OPPORTUNITY_ID"]
    api.put(f"/Opportunities/{oid}/StateChange", json={"FOR_OPPORTUNITY_STATE": "LOST"})
    assert api.delete(f"/Opportunities/{oid}").status_code == 202
    assert api.get(f"/Opportunities/{oid}/StateHistory").status_code == 404


def test_stale_if_match_on_a_pipeline_move_is_412(api: httpx.Client) -> None:
    pipeline_id, _ = _pipeline(api, OPPORTUNITIES)
    created = api.post("/Opportunities", json={"OPPORTUNITY_NAME": "Etag"})
    oid = created.json()["OPPORTUNITY_ID"]
    etag = created.headers["ETag"]
    api.put("/Opportunities", json={"OPPORTUNITY_ID": oid, "OPPORTUNITY_DETAILS": "changed"})
    stale = api.put(
        f"/Opportunities/{oid}/Pipeline",
        json={"PIPELINE_ID": pipeline_id},
        headers={"If-Match": etag},
    )
    assert stale.status_code == 412
    assert api.get(f"/Opportunities/{oid}").json()["PIPELINE_ID"] is None
