"""Small helpers shared by the link, note, follow and DATE_UPDATED_UTC tests.

Everything goes through the HTTP API; these only save repeating the same requests.
"""

from typing import Any

import httpx

# Singular object name (as written in link bodies) -> collection path segment.
COLLECTION = {"Contact": "Contacts", "Organisation": "Organisations", "Note": "Notes"}

# Every field of a LINKS item (insightly-facts §2.2, APILinkDto).
LINK_FIELDS = {
    "LINK_ID",
    "OBJECT_NAME",
    "OBJECT_ID",
    "LINK_OBJECT_NAME",
    "LINK_OBJECT_ID",
    "ROLE",
    "DETAILS",
    "RELATIONSHIP_ID",
    "IS_FORWARD",
}

BODY_DATE = r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}"
MISSING_ID = 987_654_321


def created(response: httpx.Response) -> dict[str, Any]:
    """The body of a 201, failing with the server's answer otherwise."""
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def create_contact(api: httpx.Client, first_name: str = "Ada", **fields: Any) -> int:
    body = created(api.post("/Contacts", json={"FIRST_NAME": first_name, **fields}))
    return int(body["CONTACT_ID"])


def create_org(api: httpx.Client, name: str = "Acme", **fields: Any) -> int:
    body = created(api.post("/Organisations", json={"ORGANISATION_NAME": name, **fields}))
    return int(body["ORGANISATION_ID"])


def create_note(
    api: httpx.Client, parent: str, parent_id: int, title: str = "Call", body: str = "<p>Hi</p>"
) -> int:
    """A note attached to `parent` (singular name) `parent_id`."""
    note = created(
        api.post(f"/{COLLECTION[parent]}/{parent_id}/Notes", json={"TITLE": title, "BODY": body})
    )
    return int(note["NOTE_ID"])


def create_record(api: httpx.Client, singular: str, label: str = "Rec") -> int:
    """A record of any linkable type; a note gets a parent organisation of its own."""
    if singular == "Contact":
        return create_contact(api, label)
    if singular == "Organisation":
        return create_org(api, label)
    return create_note(api, "Organisation", create_org(api, f"Home of {label}"), label)


def get_record(api: httpx.Client, singular: str, record_id: int) -> dict[str, Any]:
    response = api.get(f"/{COLLECTION[singular]}/{record_id}")
    assert response.status_code == 200, response.text
    record: dict[str, Any] = response.json()
    return record


def links_of(api: httpx.Client, singular: str, record_id: int) -> list[dict[str, Any]]:
    response = api.get(f"/{COLLECTION[singular]}/{record_id}/Links")
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()
    return items


def updated_utc(api: httpx.Client, singular: str, record_id: int) -> str:
    return str(get_record(api, singular, record_id)["DATE_UPDATED_UTC"])


def expected_link(
    link_id: int,
    seen_from: tuple[str, int],
    other: tuple[str, int],
    role: str | None = None,
    details: str | None = None,
) -> dict[str, Any]:
    """A LINKS item as the record `seen_from` must show it."""
    return {
        "LINK_ID": link_id,
        "OBJECT_NAME": seen_from[0],
        "OBJECT_ID": seen_from[1],
        "LINK_OBJECT_NAME": other[0],
        "LINK_OBJECT_ID": other[1],
        "ROLE": role,
        "DETAILS": details,
        "RELATIONSHIP_ID": None,
        "IS_FORWARD": None,
    }


def error_fields(response: httpx.Response) -> list[str]:
    """The FIELD of every entry in a 400's Errors list."""
    return [str(error["FIELD"]) for error in response.json().get("Errors", [])]
