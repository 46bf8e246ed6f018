"""The search box of every page: every record type at once, by name, e-mail, phone and tag,
only among the records the user sees; as a results page, as JSON, and in a real browser."""

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from rolodex.services.sessions import set_password
from rolodex.storage.engine import unit_of_work
from tests.conftest import SUITE_OBJECT, Tenant
from tests.web.conftest import sign_in


def made(api: httpx.Client, path: str, body: dict[str, Any]) -> int:
    response = api.post(path, json=body)
    assert response.status_code == 201, response.text
    created = response.json()
    return int(next(v for k, v in created.items() if k.endswith("_ID") and k != "OWNER_USER_ID"))


def suggestions(web: httpx.Client, text: str) -> dict[str, list[tuple[str, str]]]:
    response = web.get("/search.json", params={"q": text})
    assert response.status_code == 200
    return {
        group["label"]: [(item["name"], item["url"]) for item in group["items"]]
        for group in response.json()["groups"]
    }


def test_the_search_finds_every_type_by_name_email_phone_and_tag(
    web: httpx.Client, api: httpx.Client
) -> None:
    ada = made(
        api,
        "/Contacts",
        {
            "FIRST_NAME": "Ada",
            "LAST_NAME": "Findable",
            "EMAIL_ADDRESS": "ada@find.example",
            "PHONE": "+14155550123",
            "TAGS": [{"TAG_NAME": "Orbit"}],
        },
    )
    org = made(
        api, "/Organisations", {"ORGANISATION_NAME": "Findable", "TAGS": [{"TAG_NAME": "orbit"}]}
    )
    item = made(api, f"/{SUITE_OBJECT}", {"RECORD_NAME": "Findable"})
    made(api, "/Contacts", {"FIRST_NAME": "Other", "LAST_NAME": "Person"})
    by_name = suggestions(web, "findable")  # in any letter case
    assert by_name == {
        "Contacts": [("Ada Findable", f"/records/Contact/{ada}")],
        "Organisations": [("Findable", f"/records/Organisation/{org}")],
        "Suite items": [("Findable", f"/records/{SUITE_OBJECT}/{item}")],
    }
    assert suggestions(web, "ADA@find.example") == {
        "Contacts": [("Ada Findable", f"/records/Contact/{ada}")]
    }
    assert suggestions(web, "(415) 555-0123") == {
        "Contacts": [("Ada Findable", f"/records/Contact/{ada}")]
    }
    assert set(suggestions(web, "ORBIT")) == {"Contacts", "Organisations"}
    assert suggestions(web, "nobody at all") == {}
    page = web.get("/search", params={"q": "Findable"})
    assert page.status_code == 200
    assert '<h2 id="found-1">Contacts</h2>' in page.text
    assert f'href="/records/{SUITE_OBJECT}/{item}">Findable</a>' in page.text
    assert "Nothing matches" in web.get("/search", params={"q": "zzz"}).text


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


def test_the_search_shows_no_record_hidden_from_the_user(
    api: httpx.Client, plain_user_web: httpx.Client
) -> None:
    seen = made(api, "/Contacts", {"FIRST_NAME": "Secretive", "LAST_NAME": "Seen"})
    made(
        api, "/Contacts", {"FIRST_NAME": "Secretive", "LAST_NAME": "Hidden", "VISIBLE_TO": "OWNER"}
    )
    assert suggestions(plain_user_web, "Secretive") == {
        "Contacts": [("Secretive Seen", f"/records/Contact/{seen}")]
    }
    assert "Hidden" not in plain_user_web.get("/search", params={"q": "Secretive"}).text
    assert suggestions(plain_user_web, "secretive  HIDDEN") == {}
    assert suggestions(plain_user_web, "Secretive Seen") == {
        "Contacts": [("Secretive Seen", f"/records/Contact/{seen}")]
    }


def test_the_search_finds_a_person_by_the_whole_name(web: httpx.Client, api: httpx.Client) -> None:
    ada = made(api, "/Contacts", {"FIRST_NAME": "Ada", "LAST_NAME": "Wholename"})
    mary = made(api, "/Leads", {"FIRST_NAME": "Mary Ann", "LAST_NAME": "Wholename Evans"})
    made(api, "/Contacts", {"FIRST_NAME": "Adam", "LAST_NAME": "Wholename"})
    assert suggestions(web, "ada wholename") == {
        "Contacts": [("Ada Wholename", f"/records/Contact/{ada}")]
    }
    # Two words or more are cut in every place: the first name, then the last.
    assert suggestions(web, "Mary Ann Wholename Evans") == {
        "Leads": [("Mary Ann Wholename Evans", f"/records/Lead/{mary}")]
    }
    assert suggestions(web, "Wholename Ada") == {}  # the first name first, as people say it


def test_the_search_needs_a_session(base_url: str) -> None:
    with httpx.Client(base_url=base_url, timeout=30) as client:
        assert client.get("/search.json", params={"q": "x"}).status_code in (302, 303)


def test_the_search_box_suggests_and_opens_a_record_with_the_keyboard(
    signed_in_page: Any, api: httpx.Client, screenshot: Callable[[Any, str], None]
) -> None:
    first = made(
        api,
        "/Contacts",
        {"FIRST_NAME": "Keyboard", "LAST_NAME": "One", "TAGS": [{"TAG_NAME": "keys"}]},
    )
    second = made(
        api, "/Organisations", {"ORGANISATION_NAME": "Keyboard Two", "TAGS": [{"TAG_NAME": "keys"}]}
    )
    page = signed_in_page
    box = page.get_by_role("combobox", name="Search all records")
    box.fill("keys")
    options = page.get_by_role("option")
    options.nth(1).wait_for()
    assert box.get_attribute("aria-expanded") == "true"
    assert page.get_by_role("group", name="Contacts").get_by_role("option").count() == 1
    assert page.get_by_role("group", name="Organisations").get_by_role("option").count() == 1
    assert options.all_inner_texts() == ["Keyboard One", "Keyboard Two"]
    screenshot(page, "search-suggestions")
    box.press("ArrowDown")
    box.press("ArrowDown")
    assert box.get_attribute("aria-activedescendant") == options.nth(1).get_attribute("id")
    assert options.nth(1).get_attribute("aria-selected") == "true"
    box.press("ArrowDown")  # round to the first
    assert options.nth(0).get_attribute("aria-selected") == "true"
    box.press("Escape")
    page.get_by_role("listbox").wait_for(state="hidden")
    assert box.get_attribute("aria-expanded") == "false"
    box.fill("keys ")  # typing again opens the list again
    options.nth(1).wait_for()
    box.press("ArrowUp")  # round to the last
    box.press("Enter")
    page.wait_for_url(f"**/records/Organisation/{second}")
    box.fill("keys")  # the box of every page
    options.nth(1).wait_for()
    box.press("ArrowDown")
    box.press("Enter")
    page.wait_for_url(f"**/records/Contact/{first}")
