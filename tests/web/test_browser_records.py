"""In a real browser: create and edit records through the forms, see a validation error next to
its field, and read the list on a phone-sized screen."""

import re
from collections.abc import Callable
from typing import Any

import httpx
from playwright.sync_api import expect

from tests.conftest import SUITE_OBJECT


def test_create_and_edit_a_contact_through_the_forms(
    signed_in_page: Any, api: httpx.Client, base_url: str, screenshot: Callable[[Any, str], None]
) -> None:
    page = signed_in_page
    org = api.post("/Organisations", json={"ORGANISATION_NAME": "Analytical Engines"}).json()
    api.post("/Contacts", json={"FIRST_NAME": "Charles", "LAST_NAME": "Babbage"})
    page.get_by_role("link", name="Contacts").click()
    expect(page.get_by_role("heading", name="Contacts")).to_be_visible()
    expect(page.get_by_role("link", name="Charles Babbage")).to_be_visible()
    screenshot(page, "contact-list")

    page.get_by_role("link", name="New Contact").click()
    page.get_by_label("First name").fill("A" * 300)
    page.get_by_label("Last name").fill("Lovelace")
    page.get_by_label("E-mail address").fill("ada@example.com")
    page.get_by_label("Organisation").fill(str(org["ORGANISATION_ID"]))
    page.get_by_label("Tags").fill("Countess, Poet")
    page.get_by_role("button", name="Create contact").click()
    first_name = page.get_by_label("First name")
    # The server's message, next to the field and announced with it.
    expect(first_name).to_have_attribute("aria-invalid", "true")
    expect(first_name).to_have_accessible_description(re.compile("at most 255 characters"))
    expect(page.get_by_label("Last name")).to_have_value("Lovelace")  # the input is kept
    screenshot(page, "contact-form-error")
    assert (
        api.get(
            "/Contacts/Search", params={"field_name": "LAST_NAME", "field_value": "Lovelace"}
        ).json()
        == []
    )

    first_name.fill("Ada")
    page.get_by_role("button", name="Create contact").click()
    expect(page.get_by_role("heading", name="Ada Lovelace")).to_be_visible()
    expect(page.get_by_role("link", name="Analytical Engines")).to_be_visible()
    screenshot(page, "contact-detail")
    record_id = int(page.url.rsplit("/", 1)[1])

    page.get_by_role("link", name="Edit").click()
    page.get_by_label("Title", exact=True).fill("Countess of Lovelace")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Ada Lovelace")).to_be_visible()
    assert page.url == f"{base_url}/records/Contact/{record_id}"
    saved = api.get(f"/Contacts/{record_id}").json()
    assert saved["TITLE"] == "Countess of Lovelace"
    assert saved["ORGANISATION_ID"] == org["ORGANISATION_ID"]
    assert sorted(t["TAG_NAME"] for t in saved["TAGS"]) == ["Countess", "Poet"]

    page.get_by_role("link", name="Analytical Engines").click()
    expect(page.get_by_role("heading", name="Analytical Engines")).to_be_visible()


def test_create_a_custom_object_record_through_the_form(
    signed_in_page: Any, api: httpx.Client
) -> None:
    page = signed_in_page
    page.get_by_role("link", name="Suite items").click()
    page.get_by_role("link", name="New Suite item").click()
    page.get_by_role("button", name="Create suite item").click()
    expect(page.get_by_label("Name")).to_have_accessible_description(re.compile("is required"))
    page.get_by_label("Name").fill("First item")
    page.get_by_role("button", name="Create suite item").click()
    expect(page.get_by_role("heading", name="First item")).to_be_visible()
    record_id = int(page.url.rsplit("/", 1)[1])
    assert api.get(f"/{SUITE_OBJECT}/{record_id}").json()["RECORD_NAME"] == "First item"
    page.get_by_label("Title").fill("Called back")
    page.get_by_role("button", name="Add note").click()
    expect(page.get_by_role("link", name="Called back")).to_be_visible()


def test_the_record_list_fits_a_phone_screen(
    signed_in_page: Any, api: httpx.Client, screenshot: Callable[[Any, str], None]
) -> None:
    for first, last in (("Ada", "Lovelace"), ("Grace", "Hopper"), ("Katherine", "Johnson")):
        api.post(
            "/Contacts",
            json={"FIRST_NAME": first, "LAST_NAME": last, "EMAIL_ADDRESS": f"{first}@example.com"},
        )
    page = signed_in_page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/records/Contact")
    expect(page.get_by_role("link", name="Grace Hopper")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "contact-list-phone")
    page.get_by_label("Search in").select_option(label="Last name")
    page.get_by_label("Search for").fill("hopper")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("link", name="Grace Hopper")).to_be_visible()
    expect(page.get_by_role("link", name="Ada Lovelace")).to_have_count(0)
    page.get_by_role("link", name="Grace Hopper").click()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_the_new_contact_form_is_in_sections_and_fits_a_phone_screen(
    signed_in_page: Any, screenshot: Callable[[Any, str], None]
) -> None:
    page = signed_in_page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/records/Contact/new")
    mailing = page.get_by_role("group", name="Mailing address")
    expect(mailing.get_by_label("Street")).to_be_visible()
    expect(
        page.get_by_role("group", name="Social profiles").get_by_label("LinkedIn")
    ).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "contact-form-phone")
