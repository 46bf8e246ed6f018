"""The "Visible to users" field (VISIBLE_USER_IDS, a comma list of user ids) is chosen from the
instance's users by name, with a box each, on every form of a type that has it; what is chosen
is what the API stores, and an edit shows it chosen."""

import re
from collections.abc import Callable
from typing import Any

import httpx
from playwright.sync_api import expect
from sqlalchemy import Engine

from tests.web.conftest import WebUser, csrf_of
from tests.web.test_admin import member


def boxes(html: str) -> dict[str, bool]:
    """The user boxes of the form: value -> ticked."""
    found = re.findall(
        r'<input type="checkbox" name="VISIBLE_USER_IDS" value="(\d+)"( checked)?', html
    )
    return {value: bool(ticked) for value, ticked in found}


def test_visible_users_are_chosen_by_name_and_saved_as_the_api_stores_them(
    web: httpx.Client, web_user: WebUser, engine: Engine
) -> None:
    api = web_user.tenant.client
    me = web_user.tenant.user_id
    other = member(web_user.tenant, engine)[0]
    form = web.get("/records/Opportunity/new").text
    assert "<legend>Visible to users</legend>" in form
    assert boxes(form) == {str(me): False, str(other): False}
    assert "Ada Admin</label>" in form and "Other User</label>" in form
    created = web.post(
        "/records/Opportunity/new",
        data={
            "csrf_token": csrf_of(form),
            "OPPORTUNITY_NAME": "Shared deal",
            "VISIBLE_TO": "INDIVIDUALS",
            "VISIBLE_USER_IDS": [str(me), str(other)],
        },
    )
    assert created.status_code == 303, created.text
    deal = int(created.headers["location"].rsplit("/", 1)[1])
    assert api.get(f"/Opportunities/{deal}").json()["VISIBLE_USER_IDS"] == f"{me},{other}"
    edit = web.get(f"/records/Opportunity/{deal}/edit").text
    assert boxes(edit) == {str(me): True, str(other): True}
    bad = web.post(
        "/records/Opportunity/new",
        data={
            "csrf_token": csrf_of(form),
            "OPPORTUNITY_NAME": "Odd deal",
            "VISIBLE_USER_IDS": ["x"],
        },
    )
    assert bad.status_code == 400 and 'id="error-VISIBLE_USER_IDS"' in bad.text


def test_visible_users_by_keyboard_on_a_narrow_screen(
    signed_in_page: Any, web_user: WebUser, engine: Engine, screenshot: Callable[[Any, str], None]
) -> None:
    page = signed_in_page
    page.set_viewport_size({"width": 390, "height": 844})
    other = member(web_user.tenant, engine)[0]
    page.goto("/records/Contact/new")
    group = page.get_by_role("group", name="Visible to users")
    expect(group).to_be_visible()
    page.get_by_label("First name").fill("Shared")
    page.get_by_label("Visible to", exact=True).select_option("INDIVIDUALS")
    box = group.get_by_label("Other User")
    box.focus()
    page.keyboard.press("Space")
    expect(box).to_be_checked()
    screenshot(page, "form-visible-users-390")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.get_by_role("button", name="Create contact").click()
    expect(page.get_by_role("heading", name="Shared")).to_be_visible()
    contact = int(page.url.rsplit("/", 1)[1])
    saved = web_user.tenant.client.get(f"/Contacts/{contact}").json()
    assert saved["VISIBLE_USER_IDS"] == str(other)
