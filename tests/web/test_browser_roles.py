"""In a real browser: an administrator makes a user read-only on the users page, and that user's
pages then show the records without a button or form that would change them."""

from collections.abc import Callable
from typing import Any

import httpx
from playwright.sync_api import expect
from sqlalchemy import Engine

from tests.web.conftest import WebUser
from tests.web.test_admin import member

Shot = Callable[[Any, str], None]
# Every control a record's pages offer for a change (each one present for the administrator).
CHANGE_CONTROLS = [
    ("link", "Edit"),
    ("link", "Delete"),
    ("button", "Add note"),
    ("button", "Attach file"),
    ("button", "Add link"),
]


def test_an_admin_makes_a_user_read_only_whose_pages_offer_no_changes(
    browser: Any,
    signed_in_page: Any,
    web_user: WebUser,
    engine: Engine,
    base_url: str,
    screenshot: Shot,
) -> None:
    api = web_user.tenant.client
    contact = api.post("/Contacts", json={"FIRST_NAME": "Grace", "LAST_NAME": "Hopper"}).json()
    detail = f"/records/Contact/{contact['CONTACT_ID']}"
    _, email, key, password = member(web_user.tenant, engine)

    admin = signed_in_page
    admin.goto(detail)
    for role, name in CHANGE_CONTROLS:
        expect(admin.get_by_role(role, name=name, exact=True)).to_be_visible()
    admin.goto("/admin/users")
    admin.get_by_label(f"Role of {email}", exact=True).select_option(label="Read-only")
    admin.get_by_role("button", name=f"Change the role of {email}").click()
    admin.wait_for_url("**/admin/users")
    expect(admin.get_by_label(f"Role of {email}", exact=True)).to_have_value("read-only")
    screenshot(admin, "admin-users-roles")
    with httpx.Client(base_url=f"{base_url}/v3.1", auth=(key, "")) as reader_api:
        assert reader_api.post("/Contacts", json={"FIRST_NAME": "No"}).status_code == 403

    context = browser.new_context(base_url=base_url)
    try:
        page = context.new_page()
        page.goto("/")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{base_url}/")
        page.get_by_role("link", name="Contacts").click()
        expect(page.get_by_role("link", name="Grace Hopper")).to_be_visible()
        expect(page.get_by_role("link", name="New Contact")).to_have_count(0)
        page.get_by_role("link", name="Grace Hopper").click()
        expect(page.get_by_role("heading", name="Grace Hopper")).to_be_visible()
        for role, name in CHANGE_CONTROLS:
            expect(page.get_by_role(role, name=name, exact=True)).to_have_count(0)
        expect(page.get_by_role("button", name="Sign out")).to_be_visible()  # still theirs
        screenshot(page, "contact-detail-read-only")
    finally:
        context.close()
