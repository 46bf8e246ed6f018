"""Pipeline boards over real HTTP: columns with counts and totals, a move that is the API's
stage change (and its validation), a read-only user's refusal, hidden records absent, a fixed
number of statements whatever the number of cards, and the "more" link of a long column."""

import re
import uuid

import httpx
from sqlalchemy import Engine

from rolodex.services.pipelines import create_pipeline
from rolodex.storage.engine import unit_of_work
from tests.test_request_cost import statements
from tests.web.conftest import WebUser, csrf_of
from tests.web.test_admin import member, signed_in, submit


def make_pipeline(
    engine: Engine, instance_id: int, stages: list[str], kind: str = "Opportunities"
) -> int:
    with unit_of_work(engine, write=True) as connection:
        return create_pipeline(
            connection, instance_id, f"Sales {uuid.uuid4().hex[:6]}", kind, stages
        )


def stage_ids(api: httpx.Client, pipeline_id: int) -> list[int]:
    stages = [s for s in api.get("/PipelineStages").json() if s["PIPELINE_ID"] == pipeline_id]
    return [s["STAGE_ID"] for s in sorted(stages, key=lambda s: s["STAGE_ORDER"])]


def opportunity(
    api: httpx.Client, name: str, pipeline_id: int, stage_id: int, **extra: object
) -> int:
    body = {"OPPORTUNITY_NAME": name, "BID_TYPE": "Fixed Bid", "BID_AMOUNT": 100, **extra}
    response = api.post("/Opportunities", json=body)
    assert response.status_code == 201, response.text
    record_id: int = response.json()["OPPORTUNITY_ID"]
    change = {"PIPELINE_ID": pipeline_id, "PIPELINE_STAGE_CHANGE": {"STAGE_ID": stage_id}}
    assert api.put(f"/Opportunities/{record_id}/Pipeline", json=change).status_code == 200
    return record_id


def column(html: str, stage_id: int) -> str:
    match = re.search(rf'data-stage-id="{stage_id}">(.*?)</section>', html, re.S)
    assert match, f"no column for stage {stage_id}"
    return match.group(1)


def test_the_board_shows_each_stage_with_its_cards_count_and_total(
    web: httpx.Client, web_user: WebUser, engine: Engine
) -> None:
    api = web_user.tenant.client
    pipeline = make_pipeline(engine, web_user.tenant.instance_id, ["Lead", "Proposal", "Won"])
    lead, proposal, won = stage_ids(api, pipeline)
    opportunity(api, "Engine deal", pipeline, lead)
    opportunity(api, "Loom deal", pipeline, lead)
    opportunity(api, "Mill deal", pipeline, proposal)
    page = web.get(f"/boards/Opportunities/{pipeline}")
    assert page.status_code == 200
    assert "Engine deal" in column(page.text, lead) and "Loom deal" in column(page.text, lead)
    assert "2 Opportunities · 200.00" in column(page.text, lead)
    assert "1 Opportunity · 100.00" in column(page.text, proposal)
    assert "0 Opportunities" in column(page.text, won)
    assert f'href="/boards/Opportunities/{pipeline}"' in web.get("/boards").text


def test_a_move_is_the_apis_stage_change_and_a_bad_one_changes_nothing(
    web: httpx.Client, web_user: WebUser, engine: Engine
) -> None:
    api = web_user.tenant.client
    pipeline = make_pipeline(engine, web_user.tenant.instance_id, ["Lead", "Won"])
    lead, won = stage_ids(api, pipeline)
    deal = opportunity(api, "Moving deal", pipeline, lead)
    moved = submit(
        web, f"/boards/Opportunities/{pipeline}/move", {"record_id": deal, "stage_id": won}
    )
    assert moved.status_code == 303
    assert api.get(f"/Opportunities/{deal}").json()["STAGE_ID"] == won
    page = web.get(moved.headers["location"])
    assert "Moved Moving deal to Won." in page.text
    assert "Moving deal" in column(page.text, won)

    other = make_pipeline(engine, web_user.tenant.instance_id, ["Elsewhere"])
    foreign = stage_ids(api, other)[0]
    refused = submit(
        web, f"/boards/Opportunities/{pipeline}/move", {"record_id": deal, "stage_id": foreign}
    )
    assert refused.status_code == 400
    assert f"is not a stage of Pipeline {pipeline}" in refused.text
    garbled = submit(
        web, f"/boards/Opportunities/{pipeline}/move", {"record_id": "x", "stage_id": won}
    )
    assert garbled.status_code == 400
    assert api.get(f"/Opportunities/{deal}").json()["STAGE_ID"] == won


def test_a_read_only_user_sees_the_board_but_cannot_move(
    base_url: str, web: httpx.Client, web_user: WebUser, engine: Engine
) -> None:
    api = web_user.tenant.client
    pipeline = make_pipeline(engine, web_user.tenant.instance_id, ["Lead", "Won"])
    lead, won = stage_ids(api, pipeline)
    deal = opportunity(api, "Watched deal", pipeline, lead)
    user_id, email, _, password = member(web_user.tenant, engine)
    assert submit(web, f"/admin/users/{user_id}/role", {"role": "read-only"}).status_code == 303
    with signed_in(base_url, email, password) as reader:
        page = reader.get(f"/boards/Opportunities/{pipeline}")
        assert page.status_code == 200
        assert "Watched deal" in page.text
        assert "Move to stage" not in page.text and "draggable" not in page.text
        token = csrf_of(reader.get("/settings").text)
        refused = reader.post(
            f"/boards/Opportunities/{pipeline}/move",
            data={"record_id": deal, "stage_id": won, "csrf_token": token},
        )
        assert refused.status_code == 403
    assert api.get(f"/Opportunities/{deal}").json()["STAGE_ID"] == lead


def test_a_hidden_record_is_not_on_the_board_and_cannot_be_moved(
    base_url: str, web_user: WebUser, engine: Engine
) -> None:
    api = web_user.tenant.client
    pipeline = make_pipeline(engine, web_user.tenant.instance_id, ["Lead", "Won"])
    lead, won = stage_ids(api, pipeline)
    opportunity(api, "Open deal", pipeline, lead)
    secret = opportunity(api, "Secret deal", pipeline, lead, VISIBLE_TO="OWNER")
    _, email, _, password = member(web_user.tenant, engine)
    with signed_in(base_url, email, password) as client:
        page = client.get(f"/boards/Opportunities/{pipeline}")
        assert "Open deal" in page.text and "Secret deal" not in page.text
        assert "1 Opportunity" in column(page.text, lead)
        token = csrf_of(page.text)
        refused = client.post(
            f"/boards/Opportunities/{pipeline}/move",
            data={"record_id": secret, "stage_id": won, "csrf_token": token},
        )
        assert refused.status_code == 404
    assert api.get(f"/Opportunities/{secret}").json()["STAGE_ID"] == lead


def test_a_board_costs_the_same_statements_whatever_its_cards_and_caps_columns(
    web: httpx.Client, web_user: WebUser, engine: Engine
) -> None:
    api = web_user.tenant.client
    pipeline = make_pipeline(engine, web_user.tenant.instance_id, ["Lead", "Won"])
    lead, _ = stage_ids(api, pipeline)
    opportunity(api, "First deal", pipeline, lead)
    url = f"/boards/Opportunities/{pipeline}"
    web.get(url)  # caches warmed
    with statements(engine) as few:
        assert web.get(url).status_code == 200
    for number in range(30):
        opportunity(api, f"Deal {number}", pipeline, lead)
    with statements(engine) as many:
        page = web.get(url)
    assert len(many) == len(few)
    assert not any(s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")) for s in many)
    assert page.text.count('class="board-card"') == 25
    assert "31 Opportunities" in page.text
    more = re.search(r'href="([^"]+)">More in Lead', page.text)
    assert more
    assert web.get(more.group(1).replace("&amp;", "&")).text.count('class="board-card"') == 31


def test_projects_have_boards_too_and_other_types_none(
    web: httpx.Client, web_user: WebUser, engine: Engine
) -> None:
    api = web_user.tenant.client
    pipeline = make_pipeline(engine, web_user.tenant.instance_id, ["Plan", "Build"], "Projects")
    plan, _ = stage_ids(api, pipeline)
    project = api.post("/Projects", json={"PROJECT_NAME": "Bridge", "STATUS": "In Progress"}).json()
    change = {"PIPELINE_ID": pipeline, "PIPELINE_STAGE_CHANGE": {"STAGE_ID": plan}}
    assert api.put(f"/Projects/{project['PROJECT_ID']}/Pipeline", json=change).status_code == 200
    assert "Bridge" in column(web.get(f"/boards/Projects/{pipeline}").text, plan)
    assert web.get(f"/boards/Contacts/{pipeline}").status_code == 404
    assert web.get(f"/boards/Opportunities/{pipeline}").status_code == 404


def test_a_detail_page_names_its_pipeline_with_a_link_to_the_board_and_its_stage(
    web: httpx.Client, web_user: WebUser, engine: Engine
) -> None:
    api = web_user.tenant.client
    pipeline = make_pipeline(engine, web_user.tenant.instance_id, ["Lead", "Won"])
    lead, _ = stage_ids(api, pipeline)
    deal = opportunity(api, "Named deal", pipeline, lead)
    name = api.get(f"/Pipelines/{pipeline}").json()["PIPELINE_NAME"]
    page = web.get(f"/records/Opportunity/{deal}").text
    assert f'<dt>Pipeline</dt><dd><a href="/boards/Opportunities/{pipeline}">{name}</a>' in page
    assert "<dt>Stage</dt><dd>Lead</dd>" in page
    assert "Pipeline ID" not in page and "Stage ID" not in page
