"""In a real browser: a pipeline board's card moves by drag and drop and by the keyboard, and
the API then reports the new stage; the move is announced in the page's status region."""

from collections.abc import Callable
from typing import Any

from playwright.sync_api import expect
from sqlalchemy import Engine

from tests.web.conftest import WebUser
from tests.web.test_boards import make_pipeline, opportunity, stage_ids


def test_a_card_moves_by_drag_and_drop_and_by_keyboard(
    signed_in_page: Any, web_user: WebUser, engine: Engine, screenshot: Callable[[Any, str], None]
) -> None:
    page = signed_in_page
    api = web_user.tenant.client
    pipeline = make_pipeline(engine, web_user.tenant.instance_id, ["Lead", "Proposal", "Won"])
    lead, proposal, won = stage_ids(api, pipeline)
    dragged = opportunity(api, "Dragged deal", pipeline, lead)
    keyed = opportunity(api, "Keyed deal", pipeline, lead)

    page.get_by_role("link", name="Pipelines").click()
    page.get_by_role("link", name=api.get(f"/Pipelines/{pipeline}").json()["PIPELINE_NAME"]).click()
    proposal_column = page.locator(f'.board-column[data-stage-id="{proposal}"]')
    expect(page.get_by_role("heading", name="Lead")).to_be_visible()
    screenshot(page, "pipeline-board")

    page.locator(f'.board-card[data-record-id="{dragged}"]').drag_to(proposal_column)
    expect(page.get_by_role("status")).to_have_text("Moved Dragged deal to Proposal.")
    expect(proposal_column.get_by_role("link", name="Dragged deal")).to_be_visible()
    assert api.get(f"/Opportunities/{dragged}").json()["STAGE_ID"] == proposal

    stage = page.get_by_label("Move Keyed deal to stage")
    expect(stage).to_have_value(str(lead))
    stage.focus()
    page.keyboard.press("End")  # the last stage, Won, as a keyboard user picks it
    expect(stage).to_have_value(str(won))
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_have_text("Moved Keyed deal to Won.")
    won_column = page.locator(f'.board-column[data-stage-id="{won}"]')
    expect(won_column.get_by_role("link", name="Keyed deal")).to_be_visible()
    assert api.get(f"/Opportunities/{keyed}").json()["STAGE_ID"] == won


def test_a_deals_page_names_its_pipeline_and_stage_and_leads_to_the_board(
    signed_in_page: Any, web_user: WebUser, engine: Engine, screenshot: Callable[[Any, str], None]
) -> None:
    page = signed_in_page
    page.set_viewport_size({"width": 390, "height": 844})
    api = web_user.tenant.client
    pipeline = make_pipeline(engine, web_user.tenant.instance_id, ["Lead", "Won"])
    lead, _ = stage_ids(api, pipeline)
    deal = opportunity(api, "Placed deal", pipeline, lead)
    name = api.get(f"/Pipelines/{pipeline}").json()["PIPELINE_NAME"]
    page.goto(f"/records/Opportunity/{deal}")
    link = page.get_by_role("link", name=name)
    expect(link).to_be_visible()
    expect(page.locator("dd", has_text="Lead")).to_be_visible()
    screenshot(page, "opportunity-detail-pipeline-390")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    link.focus()
    page.keyboard.press("Enter")
    expect(page.locator(f'.board-card[data-record-id="{deal}"]')).to_be_visible()
