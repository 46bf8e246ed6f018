"""The admin pages in a real browser (Debian's Chromium): found by their labels, used like a
person would, with a screenshot of each page under build/screenshots/."""

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect
from sqlalchemy import Engine

from tests.conftest import SUITE_OBJECT
from tests.web.conftest import WebUser

Shot = Callable[[Any, str], None]


def test_an_admin_adds_a_user_whose_key_works(
    base_url: str, signed_in_page: Any, screenshot: Shot
) -> None:
    page = signed_in_page
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Admin").click()
    page.wait_for_url("**/admin")
    screenshot(page, "admin-index")
    page.get_by_role("link", name="Users").click()
    page.wait_for_url("**/admin/users")
    page.get_by_role("link", name="Add a user").click()
    email = f"browser-{uuid.uuid4().hex[:8]}@example.com"
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("First name").fill("Bea")
    page.get_by_label("Last name").fill("Browser")
    page.get_by_label("Administrator").check()
    page.get_by_label("Initial password (optional)").fill("short")
    page.get_by_role("button", name="Add user").click()
    error = page.locator("#password-error")
    assert error.inner_text() == "A password needs at least 8 characters."
    assert page.get_by_label("Email", exact=True).input_value() == email  # input kept
    screenshot(page, "admin-user-new-error")
    page.get_by_label("Initial password (optional)").fill("a-long-password")
    page.get_by_role("button", name="Add user").click()
    key = page.get_by_label(f"API key of {email}").input_value()
    screenshot(page, "admin-user-created")
    with httpx.Client(base_url=f"{base_url}/v3.1", auth=(key, "")) as api:
        me = api.get("/Users/Me").json()
    assert (me["EMAIL_ADDRESS"], me["ADMINISTRATOR"]) == (email, True)
    page.goto("/admin/users")
    page.get_by_role("button", name=f"Deactivate {email}").click()
    page.wait_for_url("**/admin/users")
    expect(page.get_by_role("button", name=f"Reactivate {email}")).to_be_visible()
    screenshot(page, "admin-users")
    page.get_by_role("link", name=f"Set the password of {email}").click()
    screenshot(page, "admin-user-password")
    expect(page.get_by_label("New password")).to_be_visible()


def test_a_custom_field_form_shows_what_its_type_needs_and_the_errors(
    signed_in_page: Any, web_user: WebUser, screenshot: Shot
) -> None:
    page = signed_in_page
    page.goto("/admin/custom-fields")
    screenshot(page, "admin-custom-fields")
    page.get_by_role("link", name="Contacts").first.click()
    page.wait_for_url("**/admin/custom-fields/Contact")
    page.get_by_role("link", name="Add a custom field").click()
    page.wait_for_url("**/admin/custom-fields/Contact/new")
    options = page.get_by_label("Options, one per line")
    links_to = page.get_by_label("Links to")
    expect(options).to_be_hidden()  # a Text field has neither options nor a target
    expect(links_to).to_be_hidden()
    page.get_by_label("Type").select_option(label="Lookup (a link to a record)")
    expect(links_to).to_be_visible()
    expect(options).to_be_hidden()
    page.get_by_label("Type").select_option(label="Dropdown")
    expect(options).to_be_visible()
    page.get_by_label("Field name").fill("Tier")
    page.get_by_label("Label", exact=True).fill("Tier")
    options.fill("Gold\nSilver\ngold")
    page.get_by_role("button", name="Add field").click()
    assert "pattern" in page.locator("#field_name-error").inner_text()
    assert page.get_by_label("Options, one per line").input_value() == "Gold\nSilver\ngold"
    screenshot(page, "admin-custom-field-errors")
    page.get_by_label("Field name").fill("Tier__c")
    page.get_by_role("button", name="Add field").click()
    assert page.locator("#options-error").inner_text() == "'gold' is repeated"
    page.get_by_label("Options, one per line").fill("Gold\nSilver")
    page.get_by_role("button", name="Add field").click()
    page.wait_for_url("**/admin/custom-fields/Contact")
    screenshot(page, "admin-custom-fields-contact")
    page.get_by_role("link", name="Edit Tier__c").click()
    assert page.get_by_label("Option 2").input_value() == "Silver"
    screenshot(page, "admin-custom-field-edit")
    page.get_by_label("Option 2").fill("Platinum")
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_url("**/admin/custom-fields/Contact")
    page.get_by_role("link", name="Delete Tier__c").click()
    screenshot(page, "admin-custom-field-delete")
    definition = web_user.tenant.client.get("/CustomFields/Contacts").json()[0]
    assert [o["OPTION_VALUE"] for o in definition["CUSTOM_FIELD_OPTIONS"]] == ["Gold", "Platinum"]
    page.get_by_role("button", name="Delete Tier__c").click()
    page.wait_for_url("**/admin/custom-fields/Contact")
    assert web_user.tenant.client.get("/CustomFields/Contacts").json() == []


def test_a_custom_object_is_defined_and_deleted_with_its_records(
    signed_in_page: Any, web_user: WebUser, screenshot: Shot
) -> None:
    page = signed_in_page
    api = web_user.tenant.client
    assert api.post(f"/{SUITE_OBJECT}", json={"RECORD_NAME": "kept?"}).status_code == 201
    page.goto("/admin/custom-objects")
    page.get_by_role("link", name="Add a custom object").click()
    page.get_by_label("Object name").fill("Call__c")
    page.get_by_label("Singular label").fill("Call")
    page.get_by_label("Plural label").fill("Calls")
    screenshot(page, "admin-custom-object-new")
    page.get_by_role("button", name="Add custom object").click()
    page.wait_for_url("**/admin/custom-objects")
    screenshot(page, "admin-custom-objects")
    assert api.get("/CustomObjects/Call__c").json()["PLURAL_LABEL"] == "Calls"
    page.get_by_role("link", name=f"Delete {SUITE_OBJECT}").click()
    expect(page.get_by_text("Its 1 record will be deleted with it")).to_be_visible()
    screenshot(page, "admin-custom-object-delete")
    page.get_by_role("button", name=f"Delete {SUITE_OBJECT} and 1 record").click()
    page.wait_for_url("**/admin/custom-objects")
    assert api.get(f"/CustomObjects/{SUITE_OBJECT}").status_code == 404


def test_a_pipeline_is_created_and_renamed(
    signed_in_page: Any, web_user: WebUser, screenshot: Shot
) -> None:
    page = signed_in_page
    page.goto("/admin/pipelines")
    page.get_by_role("link", name="Add a pipeline").click()
    page.get_by_label("Name").fill("Renewals")
    page.get_by_label("For").select_option("Projects")
    page.get_by_label("Stages, in order, one per line").fill("Notice\nQuote\nSigned")
    screenshot(page, "admin-pipeline-new")
    page.get_by_role("button", name="Add pipeline").click()
    page.wait_for_url("**/admin/pipelines")
    screenshot(page, "admin-pipelines")
    page.get_by_role("link", name="Rename Renewals").click()
    page.get_by_label("Name").fill("Renewal projects")
    screenshot(page, "admin-pipeline-rename")
    page.get_by_role("button", name="Rename").click()
    page.wait_for_url("**/admin/pipelines")
    names = [p["PIPELINE_NAME"] for p in web_user.tenant.client.get("/Pipelines").json()]
    assert "Renewal projects" in names
    page.get_by_role("link", name="Delete Renewal projects").click()
    screenshot(page, "admin-pipeline-delete")
    page.get_by_role("button", name="Delete Renewal projects").click()
    page.wait_for_url("**/admin/pipelines")
    names = [p["PIPELINE_NAME"] for p in web_user.tenant.client.get("/Pipelines").json()]
    assert "Renewal projects" not in names


@pytest.fixture
def phone_page(browser: Any, base_url: str, web_user: WebUser) -> Iterator[Any]:
    """A signed-in page on a phone-sized screen."""
    context = browser.new_context(base_url=base_url, viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto("/")
    page.get_by_label("Email").fill(web_user.email)
    page.get_by_label("Password").fill(web_user.password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/")
    yield page
    context.close()


@pytest.mark.parametrize(
    "path", ["/admin/users", "/admin/custom-fields/Contact/new", "/admin/pipelines"]
)
def test_the_admin_pages_fit_a_phone(
    phone_page: Any, engine: Engine, web_user: WebUser, screenshot: Shot, path: str
) -> None:
    web_user.tenant.add_user(engine, f"a-rather-long-address-{uuid.uuid4().hex}@example.com")
    phone_page.goto(path)
    # Neither the page nor a table in it scrolls sideways: rows stack on a narrow screen.
    overflow = phone_page.evaluate(
        """[document.documentElement, ...document.querySelectorAll('.table-wrap')]
           .map((box) => box.scrollWidth - box.clientWidth)"""
    )
    assert max(overflow) <= 0, overflow
    screenshot(phone_page, "phone-" + path.strip("/").replace("/", "-"))
