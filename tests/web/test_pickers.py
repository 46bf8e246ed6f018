"""The forms' pickers: every reference (organisation, owner, team, link target, LOOKUP field) is
chosen by name from suggestions that search as one types, only among the records the user
sees in the user's instance; without scripts the field is the record's ID."""

import html
import re
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect
from sqlalchemy import Engine

from rolodex.services.sessions import set_password
from rolodex.storage.engine import unit_of_work
from tests.conftest import SUITE_OBJECT, Tenant
from tests.test_request_cost import statements
from tests.web.conftest import csrf_of, sign_in


def made(api: httpx.Client, path: str, body: dict[str, Any]) -> int:
    response = api.post(path, json=body)
    assert response.status_code == 201, response.text
    created = response.json()
    return int(next(v for k, v in created.items() if k.endswith("_ID") and k != "OWNER_USER_ID"))


def picked(web: httpx.Client, object_name: str, text: str) -> list[tuple[int, str]]:
    response = web.get(f"/pick/{object_name}", params={"q": text})
    assert response.status_code == 200, response.text
    return [(item["id"], item["name"]) for item in response.json()["items"]]


def hidden_value(page: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]+)"', page)
    assert match, f"no {name} in the page"
    return match.group(1)


def lookup_to_suite_items(api: httpx.Client) -> None:
    definition = {
        "FIELD_NAME": "Item__c",
        "FIELD_LABEL": "Item",
        "FIELD_TYPE": "LOOKUP",
        "JOIN_OBJECT": SUITE_OBJECT,
    }
    assert api.post("/CustomFields/Contacts", json=definition).status_code == 201


def test_a_picker_finds_records_by_the_start_of_a_name_an_email_or_by_id(
    web: httpx.Client, api: httpx.Client
) -> None:
    engines = made(api, "/Organisations", {"ORGANISATION_NAME": "Analytical Engines"})
    anatomy = made(api, "/Organisations", {"ORGANISATION_NAME": "Anatomy Ltd"})
    made(api, "/Organisations", {"ORGANISATION_NAME": "Babbage & Co"})
    assert picked(web, "Organisation", "ANA") == [
        (engines, "Analytical Engines"),
        (anatomy, "Anatomy Ltd"),
    ]
    assert picked(web, "Organisation", "analyt") == [(engines, "Analytical Engines")]
    assert picked(web, "Organisation", str(anatomy)) == [(anatomy, "Anatomy Ltd")]
    assert picked(web, "Organisation", "engines") == []  # the start of the name only
    ada = made(
        api,
        "/Contacts",
        {"FIRST_NAME": "Ada", "LAST_NAME": "Lovelace", "EMAIL_ADDRESS": "ada@x.io"},
    )
    assert picked(web, "Contact", "love") == [(ada, "Ada Lovelace")]
    made(api, "/Contacts", {"FIRST_NAME": "Adam", "LAST_NAME": "Smith"})
    assert picked(web, "Contact", "Ada L") == [(ada, "Ada Lovelace")]  # the start of each name
    assert picked(web, "Contact", "ada  lovelace") == [(ada, "Ada Lovelace")]
    assert picked(web, "Contact", "Lovelace Ada") == []
    assert picked(web, "Contact", "ada@") == [(ada, "Ada Lovelace")]
    me = api.get("/Users/Me").json()
    name = f"{me['FIRST_NAME']} {me['LAST_NAME']}".strip()
    assert (me["USER_ID"], name) in picked(web, "User", me["EMAIL_ADDRESS"][:6])
    team = made(api, "/Teams", {"TEAM_NAME": "Sales team"})
    assert picked(web, "Team", "sal") == [(team, "Sales team")]
    item = made(api, f"/{SUITE_OBJECT}", {"RECORD_NAME": "Widget"})
    assert picked(web, SUITE_OBJECT, "wid") == [(item, "Widget")]
    assert picked(web, "Organisation", "") == []
    # Settings lists are selects, not pickers; and no type but the instance's.
    assert web.get("/pick/LeadSource", params={"q": "a"}).status_code == 404
    assert web.get("/pick/Nothing__c", params={"q": "a"}).status_code == 404


@pytest.fixture
def plain_user_web(base_url: str, engine: Engine, tenant: Tenant) -> Iterator[httpx.Client]:
    """A web client signed in as a user (not an administrator) of the tenant's instance."""
    email = f"plain-{tenant.instance_id}@example.com"
    tenant.add_user(engine, email)
    with unit_of_work(engine, write=True) as connection:
        set_password(connection, email, "plain-user-password")
    with httpx.Client(base_url=base_url, timeout=30) as client:
        assert sign_in(client, email, "plain-user-password").status_code == 303
        yield client


def test_a_picker_offers_only_what_the_user_sees_in_the_instance(
    api: httpx.Client, plain_user_web: httpx.Client, make_tenant: Callable[[], Tenant]
) -> None:
    seen = made(api, "/Organisations", {"ORGANISATION_NAME": "Pickable Seen"})
    hidden = made(
        api, "/Organisations", {"ORGANISATION_NAME": "Pickable Hidden", "VISIBLE_TO": "OWNER"}
    )
    other = make_tenant()
    elsewhere = made(other.client, "/Organisations", {"ORGANISATION_NAME": "Pickable Elsewhere"})
    assert picked(plain_user_web, "Organisation", "pickable") == [(seen, "Pickable Seen")]
    assert picked(plain_user_web, "Organisation", str(hidden)) == []
    assert picked(plain_user_web, "Organisation", str(elsewhere)) == []


def test_the_forms_show_pickers_with_the_current_names(
    web: httpx.Client, api: httpx.Client
) -> None:
    lookup_to_suite_items(api)
    org = made(api, "/Organisations", {"ORGANISATION_NAME": "Analytical Engines"})
    item = made(api, f"/{SUITE_OBJECT}", {"RECORD_NAME": "Widget"})
    me = api.get("/Users/Me").json()
    contact = made(
        api,
        "/Contacts",
        {
            "FIRST_NAME": "Ada",
            "ORGANISATION_ID": org,
            "CUSTOMFIELDS": [{"FIELD_NAME": "Item__c", "FIELD_VALUE": item}],
        },
    )
    form = web.get(f"/records/Contact/{contact}/edit").text
    assert re.search(
        rf'name="ORGANISATION_ID"[^>]*value="{org}"[^>]*data-picker="Organisation"'
        r'[^>]*data-name="Analytical Engines"',
        form,
    )
    assert re.search(
        rf'name="Item__c"[^>]*value="{item}"[^>]*data-picker="{SUITE_OBJECT}"[^>]*data-name="Widget"',
        form,
    )
    owner = f"{me['FIRST_NAME']} {me['LAST_NAME']}".strip()
    new = web.get("/records/Contact/new").text  # the owner is preset to the user, by name
    assert re.search(
        rf'name="OWNER_USER_ID"[^>]*value="{me["USER_ID"]}"[^>]*data-picker="User"'
        rf'[^>]*data-name="{re.escape(owner)}"',
        new,
    )
    assert re.search(r'name="VISIBLE_TEAM_ID"[^>]*data-picker="Team"', new)
    assert "<select" in web.get("/records/Lead/new").text  # lead sources stay a select
    # Without scripts, a picker is the ID field: the form still saves.
    response = web.post(
        f"/records/Contact/{contact}/edit",
        data={
            "csrf_token": csrf_of(form),
            "etag": html.unescape(hidden_value(form, "etag")),
            "FIRST_NAME": "Ada",
            "OWNER_USER_ID": str(me["USER_ID"]),
            "VISIBLE_TO": "EVERYONE",
            "ORGANISATION_ID": "",
            "Item__c": str(item),
        },
    )
    assert response.status_code == 303, response.text
    assert api.get(f"/Contacts/{contact}").json()["ORGANISATION_ID"] is None


def test_references_are_chosen_by_name_in_a_browser(
    signed_in_page: Any, api: httpx.Client, screenshot: Callable[[Any, str], None]
) -> None:
    lookup_to_suite_items(api)
    org = made(api, "/Organisations", {"ORGANISATION_NAME": "Analytical Engines"})
    made(api, "/Organisations", {"ORGANISATION_NAME": "Analogue Devices"})
    item = made(api, f"/{SUITE_OBJECT}", {"RECORD_NAME": "Difference engine"})
    me = api.get("/Users/Me").json()
    page = signed_in_page
    page.goto("/records/Contact/new")
    owner = page.get_by_role("combobox", name="Owner")
    expect(owner).to_have_value(f"{me['FIRST_NAME']} {me['LAST_NAME']}".strip())
    page.get_by_label("First name").fill("Ada")
    box = page.get_by_role("combobox", name="Organisation")
    box.press_sequentially("anal")
    options = page.get_by_role("listbox", name="Matching records").get_by_role("option")
    expect(options).to_have_text(["Analogue Devices", "Analytical Engines"])
    expect(box).to_have_attribute("aria-expanded", "true")
    screenshot(page, "contact-form-organisation-picker")
    box.press("ArrowDown")
    box.press("ArrowDown")
    expect(box).to_have_attribute("aria-activedescendant", re.compile("option-1$"))
    box.press("Enter")
    expect(box).to_have_value("Analytical Engines")
    expect(box).to_have_attribute("aria-expanded", "false")
    lookup = page.get_by_role("combobox", name="Item")
    lookup.press_sequentially("diff")
    expect(options).to_have_text(["Difference engine"])
    lookup.press("Escape")
    expect(lookup).to_have_attribute("aria-expanded", "false")
    lookup.press("ArrowDown")  # the list is closed: nothing is chosen
    lookup.press_sequentially("e")
    expect(options).to_have_text(["Difference engine"])
    options.first.click()
    expect(lookup).to_have_value("Difference engine")
    page.get_by_role("button", name="Create contact").click()
    expect(page.get_by_role("heading", name="Ada")).to_be_visible()
    expect(page.get_by_role("link", name="Analytical Engines")).to_be_visible()
    expect(page.get_by_role("link", name="Difference engine")).to_be_visible()
    contact = int(page.url.rsplit("/", 1)[1])
    saved = api.get(f"/Contacts/{contact}").json()
    assert saved["ORGANISATION_ID"] == org
    assert {"FIELD_NAME": "Item__c", "FIELD_VALUE": item} in saved["CUSTOMFIELDS"]

    page.get_by_role("link", name="Edit").click()  # the edit form shows the names
    expect(page.get_by_role("combobox", name="Organisation")).to_have_value("Analytical Engines")
    expect(page.get_by_role("combobox", name="Item")).to_have_value("Difference engine")
    page.get_by_role("link", name="Cancel").click()

    page.get_by_label("Linked record type").select_option(value=SUITE_OBJECT)
    target = page.get_by_role("combobox", name="Linked record", exact=True)
    target.press_sequentially("diff")
    expect(options).to_have_text(["Difference engine"])
    screenshot(page, "record-link-picker")
    target.press("ArrowDown")
    target.press("Enter")
    page.get_by_role("button", name="Add link").click()
    links = page.get_by_role("region", name="Links")
    expect(links.get_by_role("link", name="Difference engine")).to_be_visible()
    links_now = api.get(f"/Contacts/{contact}/Links").json()
    assert (SUITE_OBJECT, item) in [(k["LINK_OBJECT_NAME"], k["LINK_OBJECT_ID"]) for k in links_now]


def test_a_pickers_answer_costs_the_same_whatever_it_finds(
    web: httpx.Client, api: httpx.Client, engine: Engine
) -> None:
    for number in range(8):
        made(api, "/Contacts", {"FIRST_NAME": f"Many {number}", "LAST_NAME": "Costly"})
    made(api, "/Contacts", {"FIRST_NAME": "Lone", "LAST_NAME": "Costly"})
    counts = {}
    for text in ("lone", "many"):
        web.get("/pick/Contact", params={"q": text})
        with statements(engine) as sent:
            found = picked(web, "Contact", text)
        counts[len(found)] = len(sent)
        assert all(s.lstrip().upper().startswith(("SELECT", "BEGIN")) for s in sent), sent
    assert counts[1] == counts[8], counts
