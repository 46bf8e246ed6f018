"""In a real browser: the dashboard shows the seeded deals by stage and the user's tasks."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from playwright.sync_api import expect
from sqlalchemy import Engine

from tests.web.conftest import WebUser
from tests.web.test_boards import make_pipeline, opportunity, stage_ids


def test_the_dashboard_shows_the_right_counts(
    signed_in_page: Any, web_user: WebUser, engine: Engine, screenshot: Callable[[Any, str], None]
) -> None:
    page = signed_in_page
    api = web_user.tenant.client
    pipeline = make_pipeline(engine, web_user.tenant.instance_id, ["Discovery", "Offer"])
    discovery, offer = stage_ids(api, pipeline)
    for name in ("Alpha", "Beta", "Gamma"):
        opportunity(api, name, pipeline, discovery)
    opportunity(api, "Delta", pipeline, offer)
    late = datetime.now(UTC).date() - timedelta(days=1)
    body = {"TITLE": "Chase Alpha", "DUE_DATE": f"{late} 00:00:00"}
    assert api.post("/Tasks", json=body).status_code == 201
    page.goto("/")
    discovery_row = page.get_by_role("row", name="Discovery")
    expect(discovery_row.get_by_role("cell").nth(0)).to_have_text("3")
    expect(discovery_row.get_by_role("cell").nth(1)).to_have_text("300.00")
    expect(page.get_by_role("row", name="Offer").get_by_role("cell").nth(0)).to_have_text("1")
    expect(page.get_by_role("heading", name="Overdue (1)")).to_be_visible()
    expect(page.get_by_role("link", name="Chase Alpha")).to_be_visible()
    screenshot(page, "dashboard")
