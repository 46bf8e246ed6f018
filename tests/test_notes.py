"""Notes: created only under a parent record, then read and changed at /Notes (facts §2.10)."""

import re
from typing import Any

import httpx
import pytest

from tests._graph_helpers import (
    BODY_DATE,
    COLLECTION,
    MISSING_ID,
    create_contact,
    create_note,
    create_org,
    created,
    error_fields,
    expected_link,
    get_record,
    links_of,
)

NOTE_FIELDS = {
    "NOTE_ID",
    "TITLE",
    "BODY",
    "OWNER_USER_ID",
    "DATE_CREATED_UTC",
    "DATE_UPDATED_UTC",
    "LINKS",
}


@pytest.fixture(params=["Contact", "Organisation"])
def parent(request: pytest.FixtureRequest, api: httpx.Client) -> tuple[str, int]:
    """A record that can hold notes: a contact, then an organisation."""
    singular: str = request.param
    if singular == "Contact":
        return (singular, create_contact(api, "Parent"))
    return (singular, create_org(api, "Parent Ltd"))


def notes_url(parent: tuple[str, int]) -> str:
    return f"/{COLLECTION[parent[0]]}/{parent[1]}/Notes"


def note_ids(response: httpx.Response) -> list[int]:
    assert response.status_code == 200, response.text
    return [note["NOTE_ID"] for note in response.json()]


# --- creating --------------------------------------------------------------------------------


def test_post_a_note_to_a_record_answers_201_with_the_note(
    api: httpx.Client, tenant: Any, parent: tuple[str, int]
) -> None:
    body = {"TITLE": "First call", "BODY": "<p>Wants a <b>demo</b></p>"}

    response = api.post(notes_url(parent), json=body)

    assert response.status_code == 201, response.text
    note = response.json()
    assert set(note) >= NOTE_FIELDS
    assert isinstance(note["NOTE_ID"], int)
    assert note["TITLE"] == "First call"
    assert note["BODY"] == "<p>Wants a <b>demo</b></p>"
    assert note["OWNER_USER_ID"] == tenant.user_id
    assert re.fullmatch(BODY_DATE, note["DATE_CREATED_UTC"])
    assert re.fullmatch(BODY_DATE, note["DATE_UPDATED_UTC"])
    [link] = note["LINKS"]
    assert link == expected_link(link["LINK_ID"], ("Note", note["NOTE_ID"]), parent)


def test_a_new_note_is_linked_from_its_parent_and_readable_at_notes(
    api: httpx.Client, parent: tuple[str, int]
) -> None:
    note = created(api.post(notes_url(parent), json={"title": "lower-case keys", "body": "ok"}))
    link_id = note["LINKS"][0]["LINK_ID"]

    assert links_of(api, *parent) == [expected_link(link_id, parent, ("Note", note["NOTE_ID"]))]
    fetched = get_record(api, "Note", note["NOTE_ID"])
    assert fetched == note
    assert fetched["TITLE"] == "lower-case keys"


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"BODY": "no title"}, id="absent"),
        pytest.param({"TITLE": None, "BODY": "null title"}, id="null"),
        pytest.param({"TITLE": "", "BODY": "empty title"}, id="empty"),
        pytest.param({"TITLE": "x" * 256, "BODY": "long title"}, id="too long"),
    ],
)
def test_a_note_without_a_valid_title_is_400_and_not_created(
    api: httpx.Client, parent: tuple[str, int], body: dict[str, Any]
) -> None:
    response = api.post(notes_url(parent), json=body)

    assert response.status_code == 400, response.text
    assert "TITLE" in error_fields(response)
    assert api.get(notes_url(parent)).json() == []
    assert api.get("/Notes").json() == []
    assert links_of(api, *parent) == []


def test_a_note_for_a_missing_record_is_404_and_not_created(api: httpx.Client) -> None:
    response = api.post(f"/Contacts/{MISSING_ID}/Notes", json={"TITLE": "Orphan"})

    assert response.status_code == 404, response.text
    assert api.get("/Notes").json() == []


def test_post_to_notes_itself_is_405_with_an_allow_header(api: httpx.Client) -> None:
    response = api.post("/Notes", json={"TITLE": "Top level", "BODY": "not allowed"})

    assert response.status_code == 405, response.text
    allowed = {method.strip() for method in response.headers["Allow"].split(",")}
    assert "GET" in allowed
    assert "POST" not in allowed
    assert api.get("/Notes").json() == []


# --- reading ---------------------------------------------------------------------------------


def test_record_notes_lists_only_that_records_notes_and_pages(
    api: httpx.Client, parent: tuple[str, int]
) -> None:
    mine = [create_note(api, *parent, title=f"Mine {n}") for n in range(3)]
    create_note(api, "Contact", create_contact(api, "Other"), "Not mine")
    create_note(api, "Organisation", create_org(api, "Other Ltd"), "Not mine either")

    assert note_ids(api.get(notes_url(parent))) == mine
    assert note_ids(api.get(notes_url(parent), params={"top": 2})) == mine[:2]
    assert note_ids(api.get(notes_url(parent), params={"skip": 1, "top": 1})) == mine[1:2]
    assert note_ids(api.get(notes_url(parent), params={"skip": 2, "top": 10})) == mine[2:]
    assert note_ids(api.get(notes_url(parent), params={"skip": 3})) == []


def test_record_notes_of_a_missing_record_is_404(api: httpx.Client) -> None:
    assert api.get(f"/Organisations/{MISSING_ID}/Notes").status_code == 404


def test_notes_list_search_and_get(api: httpx.Client) -> None:
    contact = create_contact(api, "Reader")
    org = create_org(api, "Readers Ltd")
    first = create_note(api, "Contact", contact, "Quarterly review")
    second = create_note(api, "Organisation", org, "Kick-off")
    third = create_note(api, "Contact", contact, "Kick-off")

    assert note_ids(api.get("/Notes")) == [first, second, third]
    assert note_ids(api.get("/Notes", params={"skip": 1, "top": 1})) == [second]
    search = {"field_name": "TITLE", "field_value": "quarterly REVIEW"}
    assert note_ids(api.get("/Notes/Search", params=search)) == [first]
    search = {"field_name": "title", "field_value": "Kick-off"}
    assert note_ids(api.get("/Notes/Search", params=search)) == [second, third]
    search = {"field_name": "TITLE", "field_value": "Nothing like it"}
    assert note_ids(api.get("/Notes/Search", params=search)) == []
    note = get_record(api, "Note", second)
    assert (note["NOTE_ID"], note["TITLE"]) == (second, "Kick-off")
    assert api.get(f"/Notes/{MISSING_ID}").status_code == 404


# --- updating --------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/Notes", "/Notes/{id}"])
def test_put_notes_is_a_partial_update(
    api: httpx.Client, parent: tuple[str, int], path: str
) -> None:
    note_id = create_note(api, *parent, title="Keep this title", body="old body")
    before = get_record(api, "Note", note_id)

    response = api.put(path.format(id=note_id), json={"NOTE_ID": note_id, "BODY": "new body"})

    assert response.status_code == 200, response.text
    after = response.json()
    assert after["BODY"] == "new body"
    unchanged = set(before) - {"BODY", "DATE_UPDATED_UTC"}
    assert {key: after[key] for key in unchanged} == {key: before[key] for key in unchanged}
    assert after["TITLE"] == "Keep this title"
    assert len(after["LINKS"]) == 1
    assert get_record(api, "Note", note_id) == after


def test_put_record_notes_updates_a_note_of_that_record(
    api: httpx.Client, parent: tuple[str, int]
) -> None:
    note_id = create_note(api, *parent, title="Draft", body="body stays")

    response = api.put(notes_url(parent), json={"NOTE_ID": note_id, "TITLE": "Final"})

    assert response.status_code == 200, response.text
    assert (response.json()["TITLE"], response.json()["BODY"]) == ("Final", "body stays")
    assert get_record(api, "Note", note_id)["TITLE"] == "Final"


@pytest.mark.parametrize("whose", ["another record's note", "no such note"])
def test_put_record_notes_with_a_note_not_of_that_record_is_400(
    api: httpx.Client, parent: tuple[str, int], whose: str
) -> None:
    create_note(api, *parent, title="Mine")
    foreign = create_note(api, "Contact", create_contact(api, "Stranger"), title="Theirs")
    note_id = foreign if whose == "another record's note" else MISSING_ID

    response = api.put(notes_url(parent), json={"NOTE_ID": note_id, "TITLE": "Hijacked"})

    assert response.status_code == 400, response.text
    assert "NOTE_ID" in error_fields(response)
    assert get_record(api, "Note", foreign)["TITLE"] == "Theirs"


# --- deleting --------------------------------------------------------------------------------


def test_delete_a_note_is_202_and_it_is_gone(api: httpx.Client, parent: tuple[str, int]) -> None:
    doomed = create_note(api, *parent, title="Doomed")
    kept = create_note(api, *parent, title="Kept")

    response = api.delete(f"/Notes/{doomed}")

    assert response.status_code == 202, response.text
    assert response.content == b""
    assert api.get(f"/Notes/{doomed}").status_code == 404
    assert note_ids(api.get(notes_url(parent))) == [kept]
    assert [link["LINK_OBJECT_ID"] for link in links_of(api, *parent)] == [kept]
    assert api.delete(f"/Notes/{doomed}").status_code == 404


def test_deleting_the_record_keeps_the_note_but_removes_its_link(api: httpx.Client) -> None:
    contact = create_contact(api, "Leaving")
    org = create_org(api, "Staying Ltd")
    note_id = create_note(api, "Contact", contact, title="Shared note", body="still here")
    link = api.post(
        f"/Organisations/{org}/Links", json={"LINK_OBJECT_NAME": "Note", "LINK_OBJECT_ID": note_id}
    )
    assert link.status_code == 201, link.text

    response = api.delete(f"/Contacts/{contact}")

    assert response.status_code == 202, response.text
    note = get_record(api, "Note", note_id)
    assert (note["TITLE"], note["BODY"]) == ("Shared note", "still here")
    org_end = ("Organisation", org)
    assert note["LINKS"] == [expected_link(link.json()["LINK_ID"], ("Note", note_id), org_end)]
    assert note_ids(api.get(f"/Organisations/{org}/Notes")) == [note_id]
