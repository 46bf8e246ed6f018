"""In a real browser: a note added on a record's page shows at the top of its timeline."""

from collections.abc import Callable
from typing import Any

import httpx
from playwright.sync_api import expect


def test_a_just_added_note_is_at_the_top_of_the_timeline(
    signed_in_page: Any, api: httpx.Client, screenshot: Callable[[Any, str], None]
) -> None:
    page = signed_in_page
    contact = api.post("/Contacts", json={"FIRST_NAME": "Grace", "LAST_NAME": "Hopper"}).json()
    api.post(
        "/Tasks",
        json={
            "TITLE": "Older task",
            "LINKS": [{"LINK_OBJECT_NAME": "Contact", "LINK_OBJECT_ID": contact["CONTACT_ID"]}],
        },
    )
    page.goto(f"/records/Contact/{contact['CONTACT_ID']}")
    expect(page.get_by_role("heading", name="Timeline")).to_be_visible()
    page.locator("#note-TITLE").fill("Found the moth")
    page.get_by_label("Text").fill("Relay 70, panel F")
    page.get_by_role("button", name="Add note").click()
    entries = page.locator("#timeline .timeline > li")
    expect(entries.first).to_contain_text("Found the moth")
    expect(entries.nth(1)).to_contain_text("Older task")
    screenshot(page, "record-timeline")
