"""Inline validation of the record forms: the form's values are checked by the server with the
service's own rules (the same messages a save, and the API, give), field by field, without
writing anything; in a browser, a field's message appears as it is left."""

import re
from collections.abc import Callable
from typing import Any

import httpx
from playwright.sync_api import expect

from tests.conftest import SUITE_OBJECT
from tests.web.conftest import csrf_of


def api_messages(response: httpx.Response) -> dict[str, list[str]]:
    assert response.status_code == 400, response.text
    found: dict[str, list[str]] = {}
    for error in response.json()["Errors"]:
        found.setdefault(error["FIELD"], []).append(error["Message"])
    return found


def checked(web: httpx.Client, path: str, values: dict[str, str]) -> dict[str, Any]:
    token = csrf_of(web.get("/settings").text)
    response = web.post(path, data={"csrf_token": token, **values})
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_the_check_gives_the_apis_messages_and_writes_nothing(
    web: httpx.Client, api: httpx.Client
) -> None:
    definition = {"FIELD_NAME": "Size__c", "FIELD_LABEL": "Size", "FIELD_TYPE": "NUMERIC"}
    assert api.post("/CustomFields/Contacts", json=definition).status_code == 201
    form = {"FIRST_NAME": "A" * 300, "EMAIL_ADDRESS": "ada@example.com", "VISIBLE_TO": "EVERYONE"}
    wanted = api_messages(api.post("/Contacts", json={"FIRST_NAME": "A" * 300}))
    answer = checked(web, "/records/Contact/check", form)
    assert answer["errors"] == {"FIRST_NAME": wanted["FIRST_NAME"]}
    body = {
        "FIRST_NAME": "Ada",
        "ORGANISATION_ID": 999999,
        "CUSTOMFIELDS": [{"FIELD_NAME": "Size__c", "FIELD_VALUE": "big"}],
    }
    wanted = api_messages(api.post("/Contacts", json=body))
    form = {**form, "FIRST_NAME": "Ada", "ORGANISATION_ID": "999999", "Size__c": "big"}
    answer = checked(web, "/records/Contact/check", form)
    assert answer["errors"] == {
        "ORGANISATION_ID": wanted["ORGANISATION_ID"],
        "Size__c": wanted["CUSTOMFIELDS[0].FIELD_VALUE"],
    }
    fixed = {**form, "FIRST_NAME": "Ada", "ORGANISATION_ID": "", "Size__c": "3"}
    assert checked(web, "/records/Contact/check", fixed) == {"errors": {}, "general": []}
    assert api.get("/Contacts", params={"count_total": "true"}).headers["X-Total-Count"] == "0"

    contact = api.post("/Contacts", json={"FIRST_NAME": "Ada"}).json()["CONTACT_ID"]
    cleared = {"FIRST_NAME": "", "VISIBLE_TO": "EVERYONE"}
    wanted = api_messages(api.put("/Contacts", json={"CONTACT_ID": contact, "FIRST_NAME": None}))
    answer = checked(web, f"/records/Contact/{contact}/check", cleared)
    assert answer["errors"] == {"FIRST_NAME": wanted["FIRST_NAME"]}
    assert api.get(f"/Contacts/{contact}").json()["FIRST_NAME"] == "Ada"
    assert web.post("/records/Contact/check", data={"FIRST_NAME": "x"}).status_code == 403


def test_a_field_is_checked_as_it_is_left_in_a_browser(
    signed_in_page: Any, screenshot: Callable[[Any, str], None]
) -> None:
    page = signed_in_page
    page.goto(f"/records/{SUITE_OBJECT}/new")
    name = page.get_by_label("Name")
    name.fill("x")
    name.blur()
    name.fill("")
    name.blur()
    expect(name).to_have_attribute("aria-invalid", "true")
    expect(name).to_have_accessible_description(re.compile("is required"))
    page.goto("/records/Contact/new")
    first = page.get_by_label("First name")
    email = page.get_by_label("E-mail address")
    first.fill("A" * 300)
    email.focus()
    expect(first).to_have_attribute("aria-invalid", "true")
    expect(first).to_have_accessible_description(re.compile("at most 255 characters"))
    first.fill("Ada")
    first.blur()
    expect(first).not_to_have_attribute("aria-invalid", "true")
    expect(page.locator("#error-FIRST_NAME")).to_have_count(0)
    # A reference is checked once the field checks pass, as the API checks it.
    owner = page.get_by_role("combobox", name="Owner")
    owner.fill("999999")
    owner.blur()
    expect(owner).to_have_attribute("aria-invalid", "true")
    expect(owner).to_have_accessible_description(re.compile("no User with ID 999999"))
    expect(email).not_to_have_attribute("aria-invalid", "true")  # not changed yet: no message
    screenshot(page, "contact-form-inline-error")
