"""/v2.2 Contacts and Organisations: the v2 object graph over the v3.1 store (contract §10).

The pure translation (rolodex.wire.v22) is tested directly; the routes over real HTTP: the graph
both ways, PUT replacing the whole graph per sub-collection, brief PUT, the 400 on what cannot
be stored, the per-item sub-element routes, and read-back across versions.
"""

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from rolodex.errors import BadRequest
from rolodex.wire import v22
from tests.conftest import Tenant
from tests.test_v30 import IMAGE_TYPE, PNG, new_email

Record = dict[str, Any]


@pytest.fixture
def api22(tenant: Tenant) -> Iterator[httpx.Client]:
    """The same instance and key as `api`, through /v2.2."""
    base = str(tenant.client.base_url).removesuffix("/").removesuffix("/v3.1")
    with httpx.Client(base_url=f"{base}/v2.2", auth=(tenant.api_key, ""), timeout=60) as client:
        yield client


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


FULL_CONTACT: Record = {
    "FIRST_NAME": "Ada",
    "LAST_NAME": "Lovelace",
    "ADDRESSES": [
        {"ADDRESS_TYPE": "MAIL", "STREET": "1 Main St", "CITY": "London", "COUNTRY": "UK"},
        {"ADDRESS_TYPE": "other", "CITY": "Paris", "POSTCODE": "75001"},
    ],
    "CONTACTINFOS": [
        {"TYPE": "EMAIL", "DETAIL": "ada@example.com"},
        {"TYPE": "PHONE", "LABEL": "Work", "DETAIL": "+44 20 1234"},
        {"TYPE": "PHONE", "LABEL": "Mobile", "DETAIL": "+44 77 5678"},
        {"TYPE": "SOCIAL", "SUBTYPE": "LinkedIn", "DETAIL": "in/ada"},
    ],
    "TAGS": [{"TAG_NAME": "VIP"}],
    "DATES": [{"OCCASION_NAME": "Birthday", "OCCASION_DATE": "2020-12-10 00:00:00"}],
}


# --- the pure translation -------------------------------------------------------------------


def test_v22_body_becomes_the_flat_v31_fields() -> None:
    body = v22.from_v22("Contacts", FULL_CONTACT)
    assert body["ADDRESS_MAIL_STREET"] == "1 Main St"
    assert body["ADDRESS_MAIL_COUNTRY"] == "UK"
    assert body["ADDRESS_OTHER_CITY"] == "Paris"
    assert body["EMAIL_ADDRESS"] == "ada@example.com"
    assert body["PHONE"] == "+44 20 1234"
    assert body["PHONE_MOBILE"] == "+44 77 5678"
    assert body["SOCIAL_LINKEDIN"] == "in/ada"
    assert "PHONE_HOME" not in body  # a POST leaves unsent slots unset
    assert body["TAGS"] == [{"TAG_NAME": "VIP"}]


def test_v31_record_becomes_the_v22_graph_with_slot_ids() -> None:
    record = {
        "CONTACT_ID": 7,
        "FIRST_NAME": "Ada",
        "ORGANISATION_ID": 3,
        "EMAIL_ADDRESS": "ada@example.com",
        "PHONE_FAX": "123",
        "ADDRESS_MAIL_CITY": "London",
        "ADDRESS_OTHER_CITY": None,
        "CUSTOMFIELDS": [{"FIELD_NAME": "Rank__c", "FIELD_VALUE": 2}],
        "TAGS": [],
        "DATES": [],
        "LINKS": [
            {
                "LINK_ID": 5,
                "OBJECT_NAME": "Contact",
                "OBJECT_ID": 7,
                "LINK_OBJECT_NAME": "Organisation",
                "LINK_OBJECT_ID": 3,
                "ROLE": "CEO",
                "DETAILS": None,
            },
            {
                "LINK_ID": 6,
                "OBJECT_NAME": "Contact",
                "OBJECT_ID": 7,
                "LINK_OBJECT_NAME": "Contact",
                "LINK_OBJECT_ID": 8,
                "IS_FORWARD": False,
            },
            {"LINK_ID": 9, "OBJECT_ID": 7, "LINK_OBJECT_NAME": "Lead", "LINK_OBJECT_ID": 1},
        ],
    }
    graph = v22.to_v22("Contacts", record)
    assert graph["DEFAULT_LINKED_ORGANISATION"] == 3
    assert "ORGANISATION_ID" not in graph and "EMAIL_ADDRESS" not in graph
    assert graph["ADDRESSES"] == [
        {
            "ADDRESS_ID": 1,
            "ADDRESS_TYPE": "MAIL",
            "STREET": None,
            "CITY": "London",
            "STATE": None,
            "POSTCODE": None,
            "COUNTRY": None,
        }
    ]
    assert [(i["CONTACT_INFO_ID"], i["TYPE"], i["LABEL"]) for i in graph["CONTACTINFOS"]] == [
        (1, "EMAIL", None),
        (7, "PHONE", "Fax"),
    ]
    assert graph["CUSTOMFIELDS"] == [{"CUSTOM_FIELD_ID": "Rank__c", "FIELD_VALUE": 2}]
    (link,) = graph["LINKS"]
    assert (link["LINK_ID"], link["CONTACT_ID"], link["ORGANISATION_ID"]) == (5, 7, 3)
    (contact_link,) = graph["CONTACTLINKS"]
    assert contact_link["FIRST_CONTACT_ID"] == 8 and contact_link["SECOND_CONTACT_ID"] == 7


def test_translation_round_trips() -> None:
    body = v22.from_v22("Contacts", FULL_CONTACT)
    record = {"CONTACT_ID": 1, **body, "CUSTOMFIELDS": [], "LINKS": []}
    graph = v22.to_v22("Contacts", record)
    again = v22.from_v22("Contacts", graph, record_id=1, current=record)
    for field, value in body.items():
        assert again[field] == value, field


def test_full_put_clears_every_slot_not_sent() -> None:
    current = {"CONTACT_ID": 1, "CUSTOMFIELDS": [{"FIELD_NAME": "Rank__c", "FIELD_VALUE": 1}]}
    body = v22.from_v22("Contacts", {"FIRST_NAME": "Ada"}, record_id=1, current=current)
    assert body["ADDRESS_MAIL_CITY"] is None and body["EMAIL_ADDRESS"] is None
    assert body["TAGS"] == [] and body["DATES"] == [] and body["LINKS"] == []
    assert body["CUSTOMFIELDS"] == [{"FIELD_NAME": "Rank__c", "FIELD_VALUE": None}]
    brief = v22.from_v22(
        "Contacts", {"FIRST_NAME": "Ada"}, record_id=1, current=current, brief=True
    )
    assert brief == {"FIRST_NAME": "Ada"}


def test_links_v22_cannot_show_are_kept_by_a_full_put() -> None:
    lead_link = {"LINK_ID": 9, "OBJECT_ID": 1, "LINK_OBJECT_NAME": "Lead", "LINK_OBJECT_ID": 4}
    current = {"CONTACT_ID": 1, "LINKS": [lead_link]}
    body = v22.from_v22("Contacts", {"LINKS": []}, record_id=1, current=current)
    assert body["LINKS"] == [lead_link]


@pytest.mark.parametrize(
    ("collection", "item", "where"),
    [
        ("Contacts", {"ADDRESSES": [{"CITY": "x"}]}, "ADDRESSES[0].ADDRESS_TYPE"),
        ("Contacts", {"ADDRESSES": [{"ADDRESS_TYPE": "WORK", "CITY": "x"}]}, "ADDRESS_TYPE"),
        ("Contacts", {"ADDRESSES": [{"ADDRESS_TYPE": "MAIL"}]}, "ADDRESSES[0]"),
        (
            "Contacts",
            {"ADDRESSES": [{"ADDRESS_TYPE": "MAIL", "CITY": "a"}] * 2},
            "ADDRESSES[1]",
        ),
        ("Contacts", {"CONTACTINFOS": [{"TYPE": "EMAIL"}]}, "CONTACTINFOS[0].DETAIL"),
        ("Contacts", {"CONTACTINFOS": [{"DETAIL": "x"}]}, "CONTACTINFOS[0].TYPE"),
        (
            "Contacts",
            {
                "CONTACTINFOS": [
                    {"TYPE": "EMAIL", "DETAIL": "a@x"},
                    {"TYPE": "EMAIL", "DETAIL": "b"},
                ]
            },
            "CONTACTINFOS[1]",
        ),
        (
            "Contacts",
            {"CONTACTINFOS": [{"TYPE": "PHONE", "LABEL": "Pager", "DETAIL": "1"}]},
            "CONTACTINFOS[0].LABEL",
        ),
        ("Contacts", {"CONTACTINFOS": [{"TYPE": "WEBSITE", "DETAIL": "x"}]}, "TYPE"),
        ("Organisations", {"CONTACTINFOS": [{"TYPE": "EMAIL", "DETAIL": "a@x"}]}, "TYPE"),
        ("Contacts", {"CONTACTINFOS": "nope"}, "CONTACTINFOS"),
    ],
)
def test_what_cannot_be_stored_is_a_400_naming_the_item(
    collection: str, item: Record, where: str
) -> None:
    with pytest.raises(BadRequest) as caught:
        v22.from_v22(collection, item)
    assert any(where in error.field for error in caught.value.errors), caught.value.message


# --- over HTTP -------------------------------------------------------------------------------


def test_contact_graph_round_trips_and_reads_back_through_v31(
    api22: httpx.Client, api: httpx.Client
) -> None:
    created = api22.post("/Contacts", json=FULL_CONTACT)
    contact = ok(created, 201)
    contact_id = contact["CONTACT_ID"]
    assert created.headers["Location"] == f"/v2.2/Contacts/{contact_id}"
    assert [a["ADDRESS_ID"] for a in contact["ADDRESSES"]] == [1, 2]
    assert [i["CONTACT_INFO_ID"] for i in contact["CONTACTINFOS"]] == [1, 2, 4, 9]
    assert contact["TAGS"] == [{"TAG_NAME": "VIP"}]
    assert ok(api22.get(f"/Contacts/{contact_id}")) == contact

    flat = ok(api.get(f"/Contacts/{contact_id}"))
    assert flat["EMAIL_ADDRESS"] == "ada@example.com"
    assert flat["ADDRESS_OTHER_POSTCODE"] == "75001"
    assert flat["PHONE_MOBILE"] == "+44 77 5678"

    # ... and a v3.1 write reads back through v2.2.
    ok(api.put("/Contacts", json={"CONTACT_ID": contact_id, "PHONE_HOME": "555"}))
    infos = ok(api22.get(f"/Contacts/{contact_id}"))["CONTACTINFOS"]
    assert {"CONTACT_INFO_ID": 3, "TYPE": "PHONE", "SUBTYPE": None, "LABEL": "Home"}.items() <= (
        next(i for i in infos if i["CONTACT_INFO_ID"] == 3).items()
    )


def test_v31_contact_reads_as_a_v22_graph(api: httpx.Client, api22: httpx.Client) -> None:
    org = ok(api.post("/Organisations", json={"ORGANISATION_NAME": "Acme"}), 201)
    contact = ok(
        api.post(
            "/Contacts",
            json={
                "FIRST_NAME": "Bo",
                "ORGANISATION_ID": org["ORGANISATION_ID"],
                "ADDRESS_MAIL_CITY": "Oslo",
                "LINKS": [
                    {"LINK_OBJECT_NAME": "Organisation", "LINK_OBJECT_ID": org["ORGANISATION_ID"]}
                ],
            },
        ),
        201,
    )
    graph = ok(api22.get(f"/Contacts/{contact['CONTACT_ID']}"))
    assert graph["DEFAULT_LINKED_ORGANISATION"] == org["ORGANISATION_ID"]
    assert graph["ADDRESSES"][0]["CITY"] == "Oslo"
    assert graph["LINKS"][0]["ORGANISATION_ID"] == org["ORGANISATION_ID"]
    listed = ok(api22.get("/Contacts"))
    assert [c["CONTACT_ID"] for c in listed] == [contact["CONTACT_ID"]]
    assert "ADDRESSES" not in ok(api22.get("/Contacts", params={"brief": "true"}))[0]


@pytest.mark.parametrize("left_out", ["ADDRESSES", "CONTACTINFOS", "TAGS", "DATES"])
def test_put_removes_each_sub_collection_left_out_and_keeps_ids_sent_back(
    api22: httpx.Client, api: httpx.Client, left_out: str
) -> None:
    contact = ok(api22.post("/Contacts", json=FULL_CONTACT), 201)
    body = {k: v for k, v in contact.items() if k != left_out}
    updated = ok(api22.put("/Contacts", json=body))
    assert updated[left_out] == []
    for name in {"ADDRESSES", "CONTACTINFOS", "TAGS", "DATES"} - {left_out}:
        assert updated[name] == contact[name], name  # sent back: same items, same ids
    flat = ok(api.get(f"/Contacts/{contact['CONTACT_ID']}"))
    if left_out == "ADDRESSES":
        assert flat["ADDRESS_MAIL_STREET"] is None and flat["ADDRESS_OTHER_CITY"] is None
    if left_out == "CONTACTINFOS":
        assert flat["EMAIL_ADDRESS"] is None and flat["PHONE"] is None


def test_put_removes_custom_fields_and_links_left_out(
    api22: httpx.Client, api: httpx.Client, tenant: Tenant
) -> None:
    ok(
        api.post(
            "/CustomFields/Contacts",
            json={"FIELD_NAME": "Rank__c", "FIELD_LABEL": "Rank", "FIELD_TYPE": "NUMERIC"},
        ),
        201,
    )
    org = ok(api22.post("/Organisations", json={"ORGANISATION_NAME": "Acme"}), 201)
    body = {
        **FULL_CONTACT,
        "CUSTOMFIELDS": [{"CUSTOM_FIELD_ID": "Rank__c", "FIELD_VALUE": 3}],
        "LINKS": [{"ORGANISATION_ID": org["ORGANISATION_ID"], "ROLE": "CEO"}],
    }
    contact = ok(api22.post("/Contacts", json=body), 201)
    assert contact["CUSTOMFIELDS"] == [{"CUSTOM_FIELD_ID": "Rank__c", "FIELD_VALUE": 3}]
    (link,) = contact["LINKS"]
    assert link["ROLE"] == "CEO" and link["CONTACT_ID"] == contact["CONTACT_ID"]
    again = ok(api22.put("/Contacts", json=contact))
    assert again["LINKS"] == contact["LINKS"]  # the link id is kept
    stripped = {k: v for k, v in contact.items() if k not in ("CUSTOMFIELDS", "LINKS")}
    updated = ok(api22.put("/Contacts", json=stripped))
    assert updated["CUSTOMFIELDS"] == [] and updated["LINKS"] == []
    assert ok(api.get(f"/Contacts/{contact['CONTACT_ID']}"))["LINKS"] == []


def test_brief_put_changes_top_level_fields_only(api22: httpx.Client) -> None:
    contact = ok(api22.post("/Contacts", json=FULL_CONTACT), 201)
    updated = ok(
        api22.put(
            "/Contacts",
            params={"brief": "true"},
            json={"CONTACT_ID": contact["CONTACT_ID"], "LAST_NAME": "King", "ADDRESSES": []},
        )
    )
    assert updated["LAST_NAME"] == "King"
    for name in ("ADDRESSES", "CONTACTINFOS", "TAGS", "DATES"):
        assert updated[name] == contact[name]


def test_a_write_that_cannot_be_stored_is_refused_and_changes_nothing(
    api22: httpx.Client,
) -> None:
    contact = ok(api22.post("/Contacts", json=FULL_CONTACT), 201)
    third = {"ADDRESS_TYPE": "MAIL", "CITY": "Rome"}
    body = {**contact, "LAST_NAME": "Changed", "ADDRESSES": [*contact["ADDRESSES"], third]}
    refused = api22.put("/Contacts", json=body)
    assert refused.status_code == 400
    assert refused.json()["Errors"][0]["FIELD"] == "ADDRESSES[2]"
    assert "second MAIL address" in refused.json()["Message"]
    assert ok(api22.get(f"/Contacts/{contact['CONTACT_ID']}")) == contact
    second_email = {"TYPE": "EMAIL", "DETAIL": "other@example.com"}
    refused = api22.post("/Contacts", json={**FULL_CONTACT, "CONTACTINFOS": [second_email] * 2})
    assert refused.status_code == 400 and "CONTACTINFOS[1]" in refused.text
    no_detail = api22.post("/Contacts/{}/ContactInfos".format(contact["CONTACT_ID"]), json={})
    assert no_detail.status_code == 400


def test_address_and_contact_info_routes(api22: httpx.Client, api: httpx.Client) -> None:
    contact = ok(api22.post("/Contacts", json={"FIRST_NAME": "Cy"}), 201)
    base = f"/Contacts/{contact['CONTACT_ID']}"
    added = ok(api22.post(f"{base}/Addresses", json={"ADDRESS_TYPE": "OTHER", "CITY": "Rome"}), 201)
    assert added["ADDRESS_ID"] == 2 and added["CITY"] == "Rome"
    changed = ok(api22.put(f"{base}/Addresses", json={**added, "CITY": "Milan"}))
    assert changed["ADDRESS_ID"] == 2 and changed["CITY"] == "Milan"
    assert ok(api.get(base))["ADDRESS_OTHER_CITY"] == "Milan"
    assert api22.put(f"{base}/Addresses", json={**added, "ADDRESS_ID": 1}).status_code == 404
    taken = api22.post(f"{base}/Addresses", json={"ADDRESS_TYPE": "OTHER", "CITY": "x"})
    assert taken.status_code == 400
    ok(api22.delete(f"{base}/Addresses/2"), 202)
    assert ok(api22.get(base))["ADDRESSES"] == []
    assert api22.delete(f"{base}/Addresses/2").status_code == 404

    info = ok(
        api22.post(
            f"{base}/ContactInfos", json={"TYPE": "PHONE", "LABEL": "Home", "DETAIL": "555"}
        ),
        201,
    )
    assert info["CONTACT_INFO_ID"] == 3
    ok(api22.put(f"{base}/ContactInfos", json={**info, "DETAIL": "556"}))
    assert ok(api.get(base))["PHONE_HOME"] == "556"
    ok(api22.delete(f"{base}/ContactInfos/3"), 202)
    assert ok(api.get(base))["PHONE_HOME"] is None


def test_tag_and_date_routes(api22: httpx.Client) -> None:
    contact = ok(api22.post("/Contacts", json={"FIRST_NAME": "Di"}), 201)
    base = f"/Contacts/{contact['CONTACT_ID']}"
    ok(api22.post(f"{base}/Tags", json={"TAG_NAME": "Gold"}), 201)
    assert ok(api22.get(base))["TAGS"] == [{"TAG_NAME": "Gold"}]
    ok(api22.delete(f"{base}/Tags/Gold"), 202)
    assert ok(api22.get(base))["TAGS"] == []
    date = ok(
        api22.post(f"{base}/Dates", json={"OCCASION_NAME": "Start", "OCCASION_DATE": "2021-01-01"}),
        201,
    )
    assert date["DATE_ID"] and date["OCCASION_NAME"] == "Start"
    moved = ok(api22.put(f"{base}/Dates", json={**date, "OCCASION_NAME": "Begin"}))
    assert moved["DATE_ID"] == date["DATE_ID"] and moved["OCCASION_NAME"] == "Begin"
    ok(api22.delete(f"{base}/Dates/{date['DATE_ID']}"), 202)
    assert ok(api22.get(base))["DATES"] == []


def test_organisation_graph(api22: httpx.Client, api: httpx.Client) -> None:
    body = {
        "ORGANISATION_NAME": "Acme",
        "ADDRESSES": [{"ADDRESS_TYPE": "SHIPPING", "CITY": "Leeds"}],
        "CONTACTINFOS": [
            {"TYPE": "WEBSITE", "DETAIL": "https://acme.example"},
            {"TYPE": "PHONE", "LABEL": "Fax", "DETAIL": "1"},
        ],
    }
    org = ok(api22.post("/Organisations", json=body), 201)
    flat = ok(api.get(f"/Organisations/{org['ORGANISATION_ID']}"))
    assert flat["ADDRESS_SHIP_CITY"] == "Leeds" and flat["WEBSITE"] == "https://acme.example"
    assert flat["PHONE_FAX"] == "1"
    other = ok(api22.post("/Organisations", json={"ORGANISATION_NAME": "Beta"}), 201)
    linked = ok(
        api22.put(
            "/Organisations",
            json={
                **org,
                "ORGANISATIONLINKS": [{"SECOND_ORGANISATION_ID": other["ORGANISATION_ID"]}],
            },
        )
    )
    (link,) = linked["ORGANISATIONLINKS"]
    assert link["FIRST_ORGANISATION_ID"] == org["ORGANISATION_ID"]
    assert (
        ok(api22.get(f"/Organisations/{other['ORGANISATION_ID']}"))["ORGANISATIONLINKS"][0][
            "SECOND_ORGANISATION_ID"
        ]
        == other["ORGANISATION_ID"]
    )
    refused = api22.post(
        "/Organisations",
        json={"ORGANISATION_NAME": "X", "CONTACTINFOS": [{"TYPE": "EMAIL", "DETAIL": "a@b"}]},
    )
    assert refused.status_code == 400 and "CONTACTINFOS[0].TYPE" in refused.text
    ok(api22.delete(f"/Organisations/{other['ORGANISATION_ID']}"), 202)
    assert api.get(f"/Organisations/{other['ORGANISATION_ID']}").status_code == 404


def test_search_takes_v22_named_filters(api22: httpx.Client) -> None:
    ok(api22.post("/Contacts", json=FULL_CONTACT), 201)
    ok(api22.post("/Contacts", json={"FIRST_NAME": "Zed"}), 201)
    found = ok(api22.get("/Contacts/Search", params={"email": "ada@example.com"}))
    assert [c["FIRST_NAME"] for c in found] == ["Ada"]
    assert [c["FIRST_NAME"] for c in ok(api22.get("/Contacts/Search", params={"tag": "VIP"}))] == [
        "Ada"
    ]
    assert len(ok(api22.get("/Contacts/Search", params={"city": "London"}))) == 1
    both = api22.get("/Contacts/Search", params={"city": "London", "tag": "VIP"})
    assert both.status_code == 400


def test_v22_has_v31_auth_errors_rate_headers_and_xml(api22: httpx.Client, tenant: Tenant) -> None:
    anonymous = httpx.get(str(api22.base_url).rstrip("/") + "/Contacts")
    assert anonymous.status_code == 401 and "Message" in anonymous.json()
    missing = api22.get("/Contacts/999999")
    assert missing.status_code == 404 and "Message" in missing.json()
    assert "X-RateLimit-Limit" in missing.headers and "X-RateLimit-Remaining" in missing.headers
    contact = ok(api22.post("/Contacts", json=FULL_CONTACT), 201)
    xml = api22.get(f"/Contacts/{contact['CONTACT_ID']}", headers={"Accept": "application/xml"})
    assert xml.status_code == 200 and "<ADDRESSES><Address>" in xml.text
    assert "<CONTACTINFOS><ContactInfo>" in xml.text


def test_v22_openapi_lists_the_graph_routes(api22: httpx.Client) -> None:
    document = ok(api22.get("/openapi.json"))
    paths = {path.lower() for path in document["paths"]}
    assert "/v2.2/contacts" in paths and "/v2.2/organisations/{record_id}/addresses" in paths
    assert all(path.startswith("/v2.2/") for path in paths)
    current = ok(
        httpx.get(str(api22.base_url).rstrip("/").replace("/v2.2", "/v3.1") + "/openapi.json")
    )
    assert not any(path.startswith("/v2.2") for path in current["paths"])


# --- the other record types ------------------------------------------------------------------


def test_lead_speaks_v22_field_names(api22: httpx.Client, api: httpx.Client) -> None:
    body = {
        "LAST_NAME": "Lee",
        "ORGANIZATION_NAME": "Acme",
        "EMAIL_ADDRESS": "lee@example.com",
        "PHONE_NUMBER": "1",
        "MOBILE_PHONE_NUMBER": "2",
        "FAX_NUMBER": "3",
        "WEBSITE_URL": "https://lee.example",
        "TAGS": [{"TAG_NAME": "Hot"}],
    }
    lead = ok(api22.post("/Leads", json=body), 201)
    for name, value in body.items():
        assert lead[name] == value, name
    assert "ORGANISATION_NAME" not in lead and "EMAIL" not in lead and "LINKS" not in lead
    flat = ok(api.get(f"/Leads/{lead['LEAD_ID']}"))
    assert (flat["ORGANISATION_NAME"], flat["EMAIL"], flat["PHONE"]) == (
        "Acme",
        "lee@example.com",
        "1",
    )
    assert (flat["MOBILE"], flat["FAX"], flat["WEBSITE"]) == ("2", "3", "https://lee.example")
    # A full PUT without TAGS removes them; v3.1 names in a v2.2 body are not v2.2 fields.
    updated = ok(api22.put("/Leads", json={"LEAD_ID": lead["LEAD_ID"], "EMAIL": "x@y.z"}))
    assert updated["TAGS"] == [] and updated["EMAIL_ADDRESS"] == "lee@example.com"
    found = ok(
        api22.get(
            "/Leads/Search",
            params={"field_name": "email_address", "field_value": "lee@example.com"},
        )
    )
    assert [found_lead["LEAD_ID"] for found_lead in found] == [lead["LEAD_ID"]]


def test_opportunity_links_are_a_replaced_sub_collection(
    api22: httpx.Client, api: httpx.Client
) -> None:
    contact = ok(api22.post("/Contacts", json={"FIRST_NAME": "Ed"}), 201)
    opportunity = ok(
        api22.post(
            "/Opportunities",
            json={
                "OPPORTUNITY_NAME": "Deal",
                "LINKS": [{"CONTACT_ID": contact["CONTACT_ID"], "ROLE": "Buyer"}],
            },
        ),
        201,
    )
    (link,) = opportunity["LINKS"]
    assert link["OPPORTUNITY_ID"] == opportunity["OPPORTUNITY_ID"] and link["ROLE"] == "Buyer"
    seen = ok(api22.get(f"/Contacts/{contact['CONTACT_ID']}"))["LINKS"]
    assert seen[0]["OPPORTUNITY_ID"] == opportunity["OPPORTUNITY_ID"]
    assert ok(api22.put("/Opportunities", json=opportunity))["LINKS"] == [link]
    without = {k: v for k, v in opportunity.items() if k != "LINKS"}
    assert ok(api22.put("/Opportunities", json=without))["LINKS"] == []
    assert ok(api.get(f"/Opportunities/{opportunity['OPPORTUNITY_ID']}"))["LINKS"] == []


def test_task_event_and_note_links(api22: httpx.Client, api: httpx.Client) -> None:
    contact = ok(api22.post("/Contacts", json={"FIRST_NAME": "Flo"}), 201)
    contact_id = contact["CONTACT_ID"]
    task = ok(
        api22.post(
            "/Tasks",
            json={"TITLE": "Call", "COMPLETED": False, "TASKLINKS": [{"CONTACT_ID": contact_id}]},
        ),
        201,
    )
    (task_link,) = task["TASKLINKS"]
    assert task_link["TASK_ID"] == task["TASK_ID"] and task_link["CONTACT_ID"] == contact_id
    assert task_link["TASK_LINK_ID"]
    event = ok(
        api22.post(
            "/Events",
            json={
                "TITLE": "Meet",
                "START_DATE_UTC": "2024-01-01 10:00:00",
                "END_DATE_UTC": "2024-01-01 11:00:00",
            },
        ),
        201,
    )
    base = f"/Events/{event['EVENT_ID']}"
    added = ok(api22.post(f"{base}/EventLinks", json={"CONTACT_ID": contact_id}), 201)
    assert added["EVENT_LINK_ID"] and added["CONTACT_ID"] == contact_id
    assert ok(api.get(base))["LINKS"][0]["LINK_OBJECT_ID"] == contact_id
    ok(api22.delete(f"{base}/EventLinks/{added['EVENT_LINK_ID']}"), 202)
    assert ok(api22.get(base))["EVENTLINKS"] == []

    note = ok(
        api22.post(
            "/Notes",
            json={"TITLE": "Hi", "LINK_SUBJECT_ID": contact_id, "LINK_SUBJECT_TYPE": "CONTACT"},
        ),
        201,
    )
    assert note["NOTELINKS"][0]["CONTACT_ID"] == contact_id
    notes = ok(api.get(f"/Contacts/{contact_id}/Notes"))
    assert [n["NOTE_ID"] for n in notes] == [note["NOTE_ID"]]
    assert api22.post("/Notes", json={"TITLE": "Orphan"}).status_code == 400


def test_another_instance_sees_no_v22_record(
    api22: httpx.Client, make_tenant: Any, base_url: str
) -> None:
    contact = ok(api22.post("/Contacts", json=FULL_CONTACT), 201)
    other = make_tenant()
    with httpx.Client(base_url=f"{base_url}/v2.2", auth=(other.api_key, "")) as stranger:
        base = f"/Contacts/{contact['CONTACT_ID']}"
        assert stranger.get(base).status_code == 404
        assert stranger.put("/Contacts", json=contact).status_code == 404
        assert (
            stranger.post(
                f"{base}/Addresses", json={"ADDRESS_TYPE": "OTHER", "CITY": "x"}
            ).status_code
            == 404
        )
        assert stranger.delete(f"{base}/Addresses/1").status_code == 404
        assert stranger.get("/Contacts").json() == []
    assert ok(api22.get(base)) == contact


def test_stale_if_match_changes_nothing_and_xml_bodies_are_read(api22: httpx.Client) -> None:
    created = api22.post("/Contacts", json=FULL_CONTACT)
    contact = ok(created, 201)
    fresh = ok(
        api22.put(
            "/Contacts",
            json={**contact, "LAST_NAME": "B"},
            headers={"If-Match": created.headers["ETag"]},
        )
    )
    assert fresh["LAST_NAME"] == "B"
    stale = api22.put(
        "/Contacts",
        json={**contact, "LAST_NAME": "C"},
        headers={"If-Match": created.headers["ETag"]},
    )
    assert stale.status_code == 412
    xml = (
        "<Contact><FIRST_NAME>Xi</FIRST_NAME><ADDRESSES><Address><ADDRESS_TYPE>MAIL</ADDRESS_TYPE>"
        "<CITY>Rome</CITY></Address></ADDRESSES></Contact>"
    )
    made = api22.post("/contacts", content=xml, headers={"Content-Type": "application/xml"})
    assert made.status_code == 201 and "<CITY>Rome</CITY>" in made.text  # XML in, XML out


def test_v22_serves_the_operations_without_a_graph_record(api22: httpx.Client) -> None:
    contact = ok(api22.post("/Contacts", json={"FIRST_NAME": "Gil"}), 201)
    base = f"/Contacts/{contact['CONTACT_ID']}"
    ok(api22.post(f"{base}/Follow"))
    assert ok(api22.get(f"{base}/Follow"))["FOLLOWING"] is True
    assert isinstance(ok(api22.get("/Countries")), list)
    assert ok(api22.get("/Users/Me"))["USER_ID"]


def test_related_lists_and_notes_under_a_record_are_v22_records(api22: httpx.Client) -> None:
    contact = ok(api22.post("/Contacts", json={"FIRST_NAME": "Hal"}), 201)
    base = f"/Contacts/{contact['CONTACT_ID']}"
    note = ok(api22.post(f"{base}/Notes", json={"TITLE": "Hello"}), 201)
    assert note["NOTELINKS"][0]["CONTACT_ID"] == contact["CONTACT_ID"] and "LINKS" not in note
    assert [n["NOTE_ID"] for n in ok(api22.get(f"{base}/Notes"))] == [note["NOTE_ID"]]
    task = {"TITLE": "Do", "COMPLETED": False, "TASKLINKS": [{"CONTACT_ID": contact["CONTACT_ID"]}]}
    made = ok(api22.post("/Tasks", json=task), 201)
    (listed,) = ok(api22.get(f"{base}/Tasks"))
    assert listed["TASK_ID"] == made["TASK_ID"] and listed["TASKLINKS"] == made["TASKLINKS"]
    assert ok(api22.get(f"{base}/Events")) == []


def test_emails_show_emaillinks(
    api22: httpx.Client, api: httpx.Client, tenant: Tenant, settings: Any, engine: Any
) -> None:
    email_id = new_email(tenant, settings, engine)
    contact = ok(api22.post("/Contacts", json={"FIRST_NAME": "Ivy"}), 201)
    link = {"LINK_OBJECT_NAME": "Contact", "LINK_OBJECT_ID": contact["CONTACT_ID"]}
    ok(api.post(f"/Emails/{email_id}/Links", json=link), 201)
    email = ok(api22.get(f"/Emails/{email_id}"))
    assert "LINKS" not in email and email["EMAILLINKS"][0]["CONTACT_ID"] == contact["CONTACT_ID"]
    listed = ok(api22.get(f"/Contacts/{contact['CONTACT_ID']}/Emails"))
    assert [e["EMAIL_ID"] for e in listed] == [email_id] and "EMAILLINKS" in listed[0]
    ok(api22.post(f"/Emails/{email_id}/Tags", json={"TAG_NAME": "Read"}), 201)
    assert ok(api22.get(f"/Emails/{email_id}"))["TAGS"] == [{"TAG_NAME": "Read"}]
    assert ok(api22.get(f"/Emails/{email_id}/Follow"))["FOLLOWING"] is False
    assert api22.put("/Emails", json=email).status_code == 405


def test_remounted_routes_answer_records_in_the_v22_graph(api22: httpx.Client) -> None:
    contact = ok(api22.post("/Contacts", json=FULL_CONTACT), 201)
    base = f"/Contacts/{contact['CONTACT_ID']}"
    updated = ok(api22.put(f"{base}/Image/me.png", content=PNG, headers=IMAGE_TYPE))
    assert updated["IMAGE_URL"] and updated["ADDRESSES"] == contact["ADDRESSES"]
    assert "EMAIL_ADDRESS" not in updated and "DEFAULT_LINKED_ORGANISATION" in updated
    assert api22.get(f"{base}/Image").content == PNG


def test_a_400_of_the_v31_rules_names_the_v22_item(api22: httpx.Client) -> None:
    long = "x" * 300
    body = {
        "FIRST_NAME": "Jo",
        "CONTACTINFOS": [{"TYPE": "PHONE", "LABEL": "Home", "DETAIL": long}],
    }
    refused = api22.post("/Contacts", json=body)
    assert refused.status_code == 400
    assert refused.json()["Errors"][0]["FIELD"] == "CONTACTINFOS[PHONE Home].DETAIL"
    assert "PHONE_HOME" not in refused.text
    lead = api22.post("/Leads", json={"LAST_NAME": "L", "EMAIL_ADDRESS": long})
    assert lead.status_code == 400 and lead.json()["Errors"][0]["FIELD"] == "EMAIL_ADDRESS"
    contact = ok(api22.post("/Contacts", json={"FIRST_NAME": "Jo"}), 201)
    street = {"ADDRESS_TYPE": "MAIL", "STREET": long}
    put = api22.put("/Contacts", json={**contact, "ADDRESSES": [street]})
    assert put.status_code == 400 and put.json()["Errors"][0]["FIELD"] == "ADDRESSES[MAIL].STREET"


def test_v22_serves_comment_files_and_link_addresses_as_v31_does(
    api22: httpx.Client, api: httpx.Client
) -> None:
    contact = ok(api.post("/Contacts", json={"FIRST_NAME": "Ada"}), 201)
    note = ok(api.post(f"/Contacts/{contact['CONTACT_ID']}/Notes", json={"TITLE": "Call"}), 201)
    comment = ok(api.post(f"/Notes/{note['NOTE_ID']}/Comments", json={"BODY": "See file"}), 201)
    files = f"/Comments/{comment['COMMENT_ID']}/FileAttachments"
    added = api22.post(files, files={"file": ("a.txt", b"hello", "text/plain")})
    assert added.status_code == 201, added.text
    assert ok(api22.get(files)) == ok(api.get(files))
    assert api22.get("/Comments/987654321/FileAttachments").status_code == 404
    opportunity = ok(api.post("/Opportunities", json={"OPPORTUNITY_NAME": "Deal"}), 201)
    body = {"PROJECT_NAME": "Build", "STATUS": "Not Started"}
    project = ok(api.post("/Projects", json=body), 201)
    for path in (
        f"/Opportunities/{opportunity['OPPORTUNITY_ID']}/LinkEmailAddress",
        f"/Projects/{project['PROJECT_ID']}/LinkEmailAddress",
    ):
        assert ok(api22.get(path)) == ok(api.get(path))
        assert "@" in ok(api22.get(path))["EMAIL"]
