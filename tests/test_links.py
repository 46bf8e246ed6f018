"""Links between records: /{Coll}/{id}/Links and the LINKS array (contract §5, facts §2.2).

A link has two ends and is one object: each end shows it with OBJECT_* = itself and
LINK_OBJECT_* = the other end, under the same LINK_ID.
"""

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests._graph_helpers import (
    COLLECTION,
    LINK_FIELDS,
    MISSING_ID,
    create_contact,
    create_org,
    create_record,
    error_fields,
    expected_link,
    links_of,
)

# (the end the link is written from, the other end)
PAIRS = [
    ("Contact", "Organisation"),
    ("Organisation", "Contact"),
    ("Contact", "Note"),
    ("Note", "Organisation"),
]


def post_link(api: httpx.Client, singular: str, record_id: int, body: dict[str, Any]) -> Any:
    return api.post(f"/{COLLECTION[singular]}/{record_id}/Links", json=body)


def add_link(
    api: httpx.Client, start: tuple[str, int], other: tuple[str, int], **extra: Any
) -> int:
    """Link `start` to `other`; the new LINK_ID."""
    body = {"LINK_OBJECT_NAME": other[0], "LINK_OBJECT_ID": other[1], **extra}
    response = post_link(api, *start, body)
    assert response.status_code == 201, response.text
    return int(response.json()["LINK_ID"])


@pytest.fixture
def contact(api: httpx.Client) -> tuple[str, int]:
    return ("Contact", create_contact(api, "Grace"))


@pytest.fixture
def org(api: httpx.Client) -> tuple[str, int]:
    return ("Organisation", create_org(api, "Navy"))


# --- creating --------------------------------------------------------------------------------


@pytest.mark.parametrize(("start_type", "other_type"), PAIRS)
def test_post_link_answers_201_with_the_link_seen_from_the_record(
    api: httpx.Client, start_type: str, other_type: str
) -> None:
    start = (start_type, create_record(api, start_type, "Start"))
    other = (other_type, create_record(api, other_type, "Other"))

    response = post_link(
        api,
        *start,
        {
            "LINK_OBJECT_NAME": other_type,
            "LINK_OBJECT_ID": other[1],
            "ROLE": "Advisor",
            "DETAILS": "Met at the conference",
        },
    )

    assert response.status_code == 201, response.text
    link = response.json()
    assert set(link) == LINK_FIELDS
    assert isinstance(link["LINK_ID"], int)
    assert link == expected_link(link["LINK_ID"], start, other, "Advisor", "Met at the conference")


@pytest.mark.parametrize(("start_type", "other_type"), PAIRS)
def test_a_link_is_seen_from_both_ends_with_the_same_id(
    api: httpx.Client, start_type: str, other_type: str
) -> None:
    start = (start_type, create_record(api, start_type, "Start"))
    other = (other_type, create_record(api, other_type, "Other"))

    link_id = add_link(api, start, other, ROLE="Owner", DETAILS="d")

    from_start = expected_link(link_id, start, other, "Owner", "d")
    from_other = expected_link(link_id, other, start, "Owner", "d")
    assert from_start in links_of(api, *start)
    assert from_other in links_of(api, *other)
    # The record itself carries the same item in its LINKS array.
    start_record = api.get(f"/{COLLECTION[start_type]}/{start[1]}").json()
    other_record = api.get(f"/{COLLECTION[other_type]}/{other[1]}").json()
    assert from_start in start_record["LINKS"]
    assert from_other in other_record["LINKS"]


@pytest.mark.parametrize(
    ("start_type", "sent_name", "written_name"),
    [
        ("Organisation", "contact", "Contact"),
        ("Organisation", "Contacts", "Contact"),
        ("Organisation", "CONTACT", "Contact"),
        ("Organisation", "contacts", "Contact"),
        ("Contact", "organisation", "Organisation"),
        ("Contact", "Organisations", "Organisation"),
        ("Contact", "ORGANISATION", "Organisation"),
        ("Contact", "oRgAnIsAtIoNs", "Organisation"),
        ("Contact", "note", "Note"),
        ("Contact", "NOTES", "Note"),
    ],
)
def test_object_names_are_accepted_in_any_form_and_written_singular(
    api: httpx.Client, start_type: str, sent_name: str, written_name: str
) -> None:
    start = (start_type, create_record(api, start_type, "Start"))
    other_id = create_record(api, written_name, "Other")

    response = post_link(api, *start, {"LINK_OBJECT_NAME": sent_name, "LINK_OBJECT_ID": other_id})

    assert response.status_code == 201, response.text
    link_id = response.json()["LINK_ID"]
    assert response.json()["LINK_OBJECT_NAME"] == written_name
    assert links_of(api, *start) == [expected_link(link_id, start, (written_name, other_id))]
    assert expected_link(link_id, (written_name, other_id), start) in links_of(
        api, written_name, other_id
    )


def test_input_keys_of_a_link_match_in_any_case(
    api: httpx.Client, contact: tuple[str, int], org: tuple[str, int]
) -> None:
    response = post_link(
        api, *contact, {"link_object_name": "organisation", "link_object_id": org[1], "role": "R"}
    )

    assert response.status_code == 201, response.text
    assert links_of(api, *contact) == [expected_link(response.json()["LINK_ID"], contact, org, "R")]


def test_a_link_written_from_the_other_end_is_turned_round(
    api: httpx.Client, contact: tuple[str, int], org: tuple[str, int]
) -> None:
    body = {
        "OBJECT_NAME": "organisations",
        "OBJECT_ID": org[1],
        "LINK_OBJECT_NAME": "Contact",
        "LINK_OBJECT_ID": contact[1],
        "ROLE": "Founder",
    }

    response = post_link(api, *contact, body)

    assert response.status_code == 201, response.text
    link_id = response.json()["LINK_ID"]
    assert response.json() == expected_link(link_id, contact, org, "Founder")
    assert links_of(api, *contact) == [expected_link(link_id, contact, org, "Founder")]
    assert links_of(api, *org) == [expected_link(link_id, org, contact, "Founder")]


def test_links_sent_in_a_new_record_are_created(api: httpx.Client, org: tuple[str, int]) -> None:
    response = api.post(
        "/Contacts",
        json={
            "FIRST_NAME": "Linked",
            "LINKS": [{"LINK_OBJECT_NAME": "Organisations", "LINK_OBJECT_ID": org[1]}],
        },
    )

    assert response.status_code == 201, response.text
    contact = ("Contact", response.json()["CONTACT_ID"])
    [link] = response.json()["LINKS"]
    assert link == expected_link(link["LINK_ID"], contact, org)
    assert links_of(api, *org) == [expected_link(link["LINK_ID"], org, contact)]


# --- refusing --------------------------------------------------------------------------------


@pytest.fixture
def record_of_another_instance(make_tenant: Callable[[], Any]) -> Callable[[str], int]:
    """An id that exists, but in another instance."""
    stranger = make_tenant().client
    return lambda singular: create_record(stranger, singular, "Stranger")


@pytest.mark.parametrize("target_type", ["Organisation", "Contact", "Note"])
@pytest.mark.parametrize("where", ["absent", "another instance"])
def test_a_link_to_a_missing_record_is_400_and_writes_nothing(
    api: httpx.Client,
    contact: tuple[str, int],
    org: tuple[str, int],
    record_of_another_instance: Callable[[str], int],
    target_type: str,
    where: str,
) -> None:
    existing = add_link(api, contact, org)
    before = links_of(api, *contact)
    missing_id = MISSING_ID if where == "absent" else record_of_another_instance(target_type)

    response = post_link(
        api, *contact, {"LINK_OBJECT_NAME": target_type, "LINK_OBJECT_ID": missing_id}
    )

    assert response.status_code == 400, response.text
    assert any("LINK_OBJECT_ID" in field for field in error_fields(response))
    assert links_of(api, *contact) == before == [expected_link(existing, contact, org)]
    assert links_of(api, *org) == [expected_link(existing, org, contact)]


def test_a_link_array_with_one_missing_record_writes_nothing(
    api: httpx.Client, contact: tuple[str, int], org: tuple[str, int]
) -> None:
    existing = add_link(api, contact, org, ROLE="Old")
    new_org = ("Organisation", create_org(api, "New"))
    body = [
        {"LINK_ID": existing, "LINK_OBJECT_NAME": "Organisation", "LINK_OBJECT_ID": org[1]},
        {"LINK_OBJECT_NAME": "Organisation", "LINK_OBJECT_ID": new_org[1], "ROLE": "New"},
        {"LINK_OBJECT_NAME": "Contact", "LINK_OBJECT_ID": MISSING_ID},
    ]

    response = api.put(f"/Contacts/{contact[1]}/Links", json=body)

    assert response.status_code == 400, response.text
    assert links_of(api, *contact) == [expected_link(existing, contact, org, "Old")]
    assert links_of(api, *new_org) == []


def test_a_new_record_with_a_link_to_a_missing_record_is_400_and_not_created(
    api: httpx.Client,
) -> None:
    response = api.post(
        "/Contacts",
        json={
            "FIRST_NAME": "Dangling",
            "LINKS": [{"LINK_OBJECT_NAME": "Organisation", "LINK_OBJECT_ID": MISSING_ID}],
        },
    )

    assert response.status_code == 400, response.text
    assert any("LINK_OBJECT_ID" in field for field in error_fields(response))
    assert api.get("/Contacts").json() == []


@pytest.mark.parametrize("object_name", ["Planet", "Contactz", "Organisationz", ""])
def test_a_link_to_an_unknown_object_type_is_400(
    api: httpx.Client, contact: tuple[str, int], object_name: str
) -> None:
    response = post_link(api, *contact, {"LINK_OBJECT_NAME": object_name, "LINK_OBJECT_ID": 1})

    assert response.status_code == 400, response.text
    assert any("LINK_OBJECT_NAME" in field for field in error_fields(response))
    assert links_of(api, *contact) == []


@pytest.mark.parametrize(
    ("singular", "sent_name"),
    [("Contact", "contacts"), ("Organisation", "ORGANISATION"), ("Note", "Note")],
)
def test_a_record_cannot_link_to_itself(api: httpx.Client, singular: str, sent_name: str) -> None:
    record_id = create_record(api, singular, "Narcissus")
    before = links_of(api, singular, record_id)

    response = post_link(
        api, singular, record_id, {"LINK_OBJECT_NAME": sent_name, "LINK_OBJECT_ID": record_id}
    )

    assert response.status_code == 400, response.text
    assert links_of(api, singular, record_id) == before


# --- updating --------------------------------------------------------------------------------


@pytest.mark.parametrize("from_end", ["contact", "organisation"])
def test_put_one_link_with_its_id_updates_role_and_details(
    api: httpx.Client, contact: tuple[str, int], org: tuple[str, int], from_end: str
) -> None:
    link_id = add_link(api, contact, org, ROLE="Old role", DETAILS="Old details")
    this, other = (contact, org) if from_end == "contact" else (org, contact)
    [item] = links_of(api, *this)
    changed = {**item, "ROLE": "New role", "DETAILS": "New details"}

    response = api.put(f"/{COLLECTION[this[0]]}/{this[1]}/Links", json=changed)

    assert response.status_code == 200, response.text
    assert response.json() == expected_link(link_id, this, other, "New role", "New details")
    assert links_of(api, *contact) == [
        expected_link(link_id, contact, org, "New role", "New details")
    ]
    assert links_of(api, *org) == [expected_link(link_id, org, contact, "New role", "New details")]


def test_put_an_array_of_links_replaces_the_set(
    api: httpx.Client, contact: tuple[str, int]
) -> None:
    kept_org, dropped_org, new_org = (("Organisation", create_org(api, n)) for n in "KDN")
    kept = add_link(api, contact, kept_org, ROLE="Kept")
    dropped = add_link(api, contact, dropped_org)
    [kept_item, _dropped_item] = links_of(api, *contact)
    body = [
        {**kept_item, "ROLE": "Kept and renamed"},
        {"LINK_OBJECT_NAME": "Organisation", "LINK_OBJECT_ID": new_org[1], "ROLE": "New"},
    ]

    response = api.put(f"/Contacts/{contact[1]}/Links", json=body)

    assert response.status_code == 200, response.text
    after = links_of(api, *contact)
    assert response.json() == after
    assert len(after) == 2
    assert after[0] == expected_link(kept, contact, kept_org, "Kept and renamed")
    new_id = after[1]["LINK_ID"]
    assert new_id not in (kept, dropped)
    assert after[1] == expected_link(new_id, contact, new_org, "New")
    assert links_of(api, *dropped_org) == []
    assert links_of(api, *new_org) == [expected_link(new_id, new_org, contact, "New")]


def test_put_an_empty_array_removes_every_link(
    api: httpx.Client, contact: tuple[str, int], org: tuple[str, int]
) -> None:
    add_link(api, contact, org)

    response = api.put(f"/Contacts/{contact[1]}/Links", json=[])

    assert response.status_code == 200, response.text
    assert response.json() == []
    assert links_of(api, *contact) == []
    assert links_of(api, *org) == []


def test_links_in_a_record_put_replace_exactly(api: httpx.Client, contact: tuple[str, int]) -> None:
    kept_org, dropped_org, new_org = (("Organisation", create_org(api, n)) for n in "KDN")
    kept = add_link(api, contact, kept_org, ROLE="Kept")
    add_link(api, contact, dropped_org, ROLE="Dropped")
    body = {
        "CONTACT_ID": contact[1],
        "LINKS": [
            {
                "LINK_ID": kept,
                "LINK_OBJECT_NAME": "Organisation",
                "LINK_OBJECT_ID": kept_org[1],
                "ROLE": "Kept",
            },
            {"LINK_OBJECT_NAME": "organisations", "LINK_OBJECT_ID": new_org[1]},
        ],
    }

    response = api.put("/Contacts", json=body)

    assert response.status_code == 200, response.text
    links = response.json()["LINKS"]
    assert [(x["LINK_OBJECT_NAME"], x["LINK_OBJECT_ID"]) for x in links] == [kept_org, new_org]
    assert links[0] == expected_link(kept, contact, kept_org, "Kept")
    assert links_of(api, *contact) == links
    assert links_of(api, *dropped_org) == []
    assert links_of(api, *new_org) == [expected_link(links[1]["LINK_ID"], new_org, contact)]


def test_a_record_put_without_links_leaves_them_alone(
    api: httpx.Client, contact: tuple[str, int], org: tuple[str, int]
) -> None:
    link_id = add_link(api, contact, org, ROLE="Stays")

    response = api.put("/Contacts", json={"CONTACT_ID": contact[1], "LAST_NAME": "Hopper"})

    assert response.status_code == 200, response.text
    assert response.json()["LINKS"] == [expected_link(link_id, contact, org, "Stays")]


# --- deleting --------------------------------------------------------------------------------


@pytest.mark.parametrize("from_end", ["contact", "organisation"])
def test_delete_a_link_is_202_and_gone_from_both_ends(
    api: httpx.Client, contact: tuple[str, int], org: tuple[str, int], from_end: str
) -> None:
    other_org = ("Organisation", create_org(api, "Other"))
    link_id = add_link(api, contact, org)
    survivor = add_link(api, contact, other_org)
    this = contact if from_end == "contact" else org

    response = api.delete(f"/{COLLECTION[this[0]]}/{this[1]}/Links/{link_id}")

    assert response.status_code == 202, response.text
    assert response.content == b""
    assert links_of(api, *contact) == [expected_link(survivor, contact, other_org)]
    assert links_of(api, *org) == []


@pytest.mark.parametrize("which", ["a link of another record", "no such link"])
def test_delete_a_link_that_is_not_the_records_is_404(
    api: httpx.Client, contact: tuple[str, int], org: tuple[str, int], which: str
) -> None:
    someone_else = ("Contact", create_contact(api, "Someone"))
    foreign = add_link(api, someone_else, org)
    link_id = foreign if which == "a link of another record" else MISSING_ID

    response = api.delete(f"/Contacts/{contact[1]}/Links/{link_id}")

    assert response.status_code == 404, response.text
    assert links_of(api, *someone_else) == [expected_link(foreign, someone_else, org)]


@pytest.mark.parametrize("deleted_type", ["Contact", "Organisation", "Note"])
def test_deleting_a_record_removes_its_links_from_the_other_end(
    api: httpx.Client, deleted_type: str
) -> None:
    survivor = ("Contact", create_contact(api, "Survivor"))
    other = ("Organisation", create_org(api, "Unrelated"))
    doomed = (deleted_type, create_record(api, deleted_type, "Doomed"))
    add_link(api, survivor, doomed)
    kept = add_link(api, survivor, other)

    response = api.delete(f"/{COLLECTION[deleted_type]}/{doomed[1]}")

    assert response.status_code == 202, response.text
    assert links_of(api, *survivor) == [expected_link(kept, survivor, other)]
    assert api.get(f"/{COLLECTION[deleted_type]}/{doomed[1]}/Links").status_code == 404
