"""/v2.2 Contacts and Organisations: the v2 object graph over the v3.1 store (contract §10).

The pure translation (rolodex.wire.v22) is tested directly; the routes over real HTTP: the graph
both ways, PUT replacing the whole graph per sub-collection, brief PUT, the 400 on what cannot
be stored, the per-item sub-element routes, and read-back across versions.
"""

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from rolodex.api.v22 import STATE_REASON
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
    body = v22.from_v22("Contacts", FULL_CONTACT).body
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
    body = v22.from_v22("Contacts", FULL_CONTACT).body
    record = {"CONTACT_ID": 1, **body, "CUSTOMFIELDS": [], "LINKS": []}
    graph = v22.to_v22("Contacts", record)
    again = v22.from_v22("Contacts", graph, record_id=1, current=record).body
    for field, value in body.items():
        assert again[field] == value, field


def test_full_put_clears_every_slot_not_sent() -> None:
    current = {"CONTACT_ID": 1, "CUSTOMFIELDS": [{"FIELD_NAME": "Rank__c", "FIELD_VALUE": 1}]}
    body = v22.from_v22("Contacts", {"FIRST_NAME": "Ada"}, record_id=1, current=current).body
    assert body["ADDRESS_MAIL_CITY"] is None and body["EMAIL_ADDRESS"] is None
    assert body["TAGS"] == [] and body["DATES"] == [] and body["LINKS"] == []
    assert body["CUSTOMFIELDS"] == [{"FIELD_NAME": "Rank__c", "FIELD_VALUE": None}]
    brief = v22.from_v22(
        "Contacts", {"FIRST_NAME": "Ada"}, record_id=1, current=current, brief=True
    )
    assert brief.body == {"FIRST_NAME": "Ada"} and brief.extension is None


def test_links_v22_cannot_show_are_kept_by_a_full_put() -> None:
    lead_link = {"LINK_ID": 9, "OBJECT_ID": 1, "LINK_OBJECT_NAME": "Lead", "LINK_OBJECT_ID": 4}
    current = {"CONTACT_ID": 1, "LINKS": [lead_link]}
    body = v22.from_v22("Contacts", {"LINKS": []}, record_id=1, current=current).body
    assert body["LINKS"] == [lead_link]


@pytest.mark.parametrize(
    ("collection", "item", "where"),
    [
        ("Contacts", {"ADDRESSES": [{"CITY": "x"}]}, "ADDRESSES[0].ADDRESS_TYPE"),
        ("Contacts", {"ADDRESSES": [{"ADDRESS_TYPE": "MAIL"}]}, "ADDRESSES[0]"),
        ("Contacts", {"ADDRESSES": [{"ADDRESS_TYPE": "MAIL", "CITY": "x" * 256}]}, ".CITY"),
        ("Contacts", {"ADDRESSES": [{"ADDRESS_TYPE": "HOME", "CITY": "x"}] * 51}, "ADDRESSES"),
        ("Contacts", {"CONTACTINFOS": [{"TYPE": "EMAIL"}]}, "CONTACTINFOS[0].DETAIL"),
        ("Contacts", {"CONTACTINFOS": [{"DETAIL": "x"}]}, "CONTACTINFOS[0].TYPE"),
        (
            "Organisations",
            {"CONTACTINFOS": [{"TYPE": "SKYPE", "LABEL": "y" * 256, "DETAIL": "x"}]},
            "CONTACTINFOS[0].LABEL",
        ),
        ("Contacts", {"CONTACTINFOS": "nope"}, "CONTACTINFOS"),
        ("Contacts", {"CONTACTINFOS": ["nope"]}, "CONTACTINFOS[0]"),
    ],
)
def test_an_invalid_sub_element_is_a_400_naming_the_item(
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


def test_an_invalid_sub_element_is_refused_and_changes_nothing(api22: httpx.Client) -> None:
    contact = ok(api22.post("/Contacts", json=FULL_CONTACT), 201)
    no_type = {"CITY": "Rome"}
    body = {**contact, "LAST_NAME": "Changed", "ADDRESSES": [*contact["ADDRESSES"], no_type]}
    refused = api22.put("/Contacts", json=body)
    assert refused.status_code == 400
    assert refused.json()["Errors"][0]["FIELD"] == "ADDRESSES[2].ADDRESS_TYPE"
    assert ok(api22.get(f"/Contacts/{contact['CONTACT_ID']}")) == contact  # nothing removed
    no_detail = {"TYPE": "EMAIL", "LABEL": "Home"}
    body = {**contact, "CONTACTINFOS": [*contact["CONTACTINFOS"], no_detail]}
    refused = api22.put("/Contacts", json=body)
    assert refused.status_code == 400 and "CONTACTINFOS[4].DETAIL" in refused.text
    assert ok(api22.get(f"/Contacts/{contact['CONTACT_ID']}")) == contact
    no_detail = api22.post("/Contacts/{}/ContactInfos".format(contact["CONTACT_ID"]), json={})
    assert no_detail.status_code == 400


# A graph with more than the v3.1 record has fields for, as v2.2 clients write them.
RICH_CONTACT: Record = {
    "FIRST_NAME": "Grace",
    "ADDRESSES": [
        {"ADDRESS_TYPE": "Work", "STREET": "1 Navy Way", "CITY": "Arlington"},
        {"ADDRESS_TYPE": "Home", "CITY": "New York"},
        {"ADDRESS_TYPE": "Postal", "STREET": "PO Box 9", "CITY": "Arlington"},
        {"ADDRESS_TYPE": "Holiday", "CITY": "Key West", "COUNTRY": "USA"},
    ],
    "CONTACTINFOS": [
        {"TYPE": "Email", "SUBTYPE": None, "LABEL": "Work", "DETAIL": "grace@navy.example"},
        {"TYPE": "EMAIL", "SUBTYPE": None, "LABEL": "Home", "DETAIL": "grace@home.example"},
        {"TYPE": "PHONE", "SUBTYPE": None, "LABEL": None, "DETAIL": "+1 703 555 0100"},
        {"TYPE": "PHONE", "SUBTYPE": None, "LABEL": "Cottage", "DETAIL": "+1 305 555 0101"},
        {"TYPE": "WEBSITE", "SUBTYPE": None, "LABEL": "Blog", "DETAIL": "https://grace.example"},
        {"TYPE": "SKYPE", "SUBTYPE": None, "LABEL": None, "DETAIL": "grace.h"},
    ],
}


def without_ids(items: list[Record], id_field: str) -> list[Record]:
    return [{k: v for k, v in item.items() if k != id_field} for item in items]


def test_what_v31_has_no_field_for_is_stored_and_round_trips(
    api22: httpx.Client, api: httpx.Client
) -> None:
    made = ok(api22.post("/Contacts", json=RICH_CONTACT), 201)
    path = f"/Contacts/{made['CONTACT_ID']}"
    # Every item reads back as it was written: slot items first, then the extras (ids 100 up).
    assert [a["ADDRESS_ID"] for a in made["ADDRESSES"]] == [1, 2, 100, 101]
    assert without_ids(made["ADDRESSES"], "ADDRESS_ID") == [
        {"STREET": None, "STATE": None, "POSTCODE": None, "COUNTRY": None, **item}
        for item in RICH_CONTACT["ADDRESSES"]
    ]
    assert [i["CONTACT_INFO_ID"] for i in made["CONTACTINFOS"]] == [1, 2, 102, 103, 104, 105]
    assert sorted(map(str, without_ids(made["CONTACTINFOS"], "CONTACT_INFO_ID"))) == sorted(
        map(str, RICH_CONTACT["CONTACTINFOS"])
    )
    assert ok(api22.get(path)) == made
    # v3.1 sees what fits its fields.
    flat = ok(api.get(path))
    assert flat["EMAIL_ADDRESS"] == "grace@navy.example" and flat["PHONE"] == "+1 703 555 0100"
    assert flat["ADDRESS_MAIL_STREET"] == "1 Navy Way" and flat["ADDRESS_OTHER_CITY"] == "New York"
    assert "grace@home.example" not in str(flat) and "__extension__" not in str(flat)

    # A v3.1 PUT of the whole record it reads keeps every extra and every spelling.
    ok(api.put("/Contacts", json={**flat, "LAST_NAME": "Hopper"}))
    after = ok(api22.get(path))
    assert {k: v for k, v in after.items() if k not in ("LAST_NAME", "DATE_UPDATED_UTC")} == {
        k: v for k, v in made.items() if k not in ("LAST_NAME", "DATE_UPDATED_UTC")
    }
    # A v3.1 write that changes a field lets that item's spelling lapse, and only that one.
    ok(
        api.put(
            "/Contacts", json={"CONTACT_ID": made["CONTACT_ID"], "EMAIL_ADDRESS": "g@x.example"}
        )
    )
    infos = {i["CONTACT_INFO_ID"]: i for i in ok(api22.get(path))["CONTACTINFOS"]}
    assert infos[1] == {
        "CONTACT_INFO_ID": 1,
        "TYPE": "EMAIL",
        "SUBTYPE": None,
        "LABEL": None,
        "DETAIL": "g@x.example",
    }
    assert infos[2]["LABEL"] is None and infos[102]["DETAIL"] == "grace@home.example"

    # A v2.2 PUT replaces the extras too: one left out goes, one sent back keeps its id, a new
    # one gets an id never used in this record.
    graph = ok(api22.get(path))
    graph["ADDRESSES"] = [a for a in graph["ADDRESSES"] if a["ADDRESS_ID"] != 100]
    graph["ADDRESSES"].append({"ADDRESS_TYPE": "Office", "CITY": "Boston"})
    etag = api22.get(path).headers["ETag"]
    answer = api22.put("/Contacts", json=graph)
    replaced = ok(answer)
    assert [a["ADDRESS_ID"] for a in replaced["ADDRESSES"]] == [1, 2, 101, 106]
    assert replaced["ADDRESSES"][2]["CITY"] == "Key West"
    assert answer.headers["ETag"] != etag  # DATE_UPDATED_UTC moved: sync tools see the change

    # Extras are sub-elements like the others.
    base = f"{path}/ContactInfos"
    added = ok(api22.post(base, json={"TYPE": "EMAIL", "DETAIL": "third@x.example"}), 201)
    assert added["CONTACT_INFO_ID"] == 107
    changed = ok(api22.put(base, json={**added, "LABEL": "Old"}))
    assert changed == {**added, "LABEL": "Old"}
    ok(api22.delete(f"{base}/107"), 202)
    ok(api22.delete(f"{path}/Addresses/101"), 202)
    final = ok(api22.get(path))
    assert 107 not in [i["CONTACT_INFO_ID"] for i in final["CONTACTINFOS"]]
    assert [a["ADDRESS_ID"] for a in final["ADDRESSES"]] == [1, 2, 106]
    # Lists and searches show the extras too (the extension is read with the page).
    (listed,) = [c for c in ok(api22.get("/Contacts")) if c["CONTACT_ID"] == made["CONTACT_ID"]]
    assert listed == final
    assert ok(api22.get("/Contacts/Search", params={"email": "g@x.example"})) == [final]


def test_an_extra_sent_back_keeps_its_id_and_the_record_loses_nothing_on_delete(
    api22: httpx.Client, api: httpx.Client, engine: Any
) -> None:
    two = [
        {"TYPE": "EMAIL", "DETAIL": "one@x.example"},
        {"TYPE": "EMAIL", "DETAIL": "two@x.example"},
    ]
    made = ok(api22.post("/Contacts", json={"FIRST_NAME": "Ed", "CONTACTINFOS": two}), 201)
    assert [i["CONTACT_INFO_ID"] for i in made["CONTACTINFOS"]] == [1, 100]
    # The slot item left out: the extra sent back with its id stays that extra (ids are kept).
    kept = ok(api22.put("/Contacts", json={**made, "CONTACTINFOS": made["CONTACTINFOS"][1:]}))
    assert [i["CONTACT_INFO_ID"] for i in kept["CONTACTINFOS"]] == [100]
    assert ok(api.get(f"/Contacts/{made['CONTACT_ID']}"))["EMAIL_ADDRESS"] is None
    # Sent without its id, it moves into the free slot.
    moved = {**made, "CONTACTINFOS": [{"TYPE": "EMAIL", "DETAIL": "two@x.example"}]}
    assert [
        i["CONTACT_INFO_ID"] for i in ok(api22.put("/Contacts", json=moved))["CONTACTINFOS"]
    ] == [1]
    assert ok(api.get(f"/Contacts/{made['CONTACT_ID']}"))["EMAIL_ADDRESS"] == "two@x.example"

    ok(api22.put(f"/Contacts/{made['CONTACT_ID']}", json={**made}))
    ok(api22.delete(f"/Contacts/{made['CONTACT_ID']}"), 202)
    from sqlalchemy import func, select

    from rolodex.storage.tables import record_extensions

    with engine.connect() as connection:
        left = connection.execute(
            select(func.count()).where(
                record_extensions.c.record_type == "Contact",
                record_extensions.c.record_id == made["CONTACT_ID"],
            )
        ).scalar_one()
    assert left == 0


def test_address_and_contact_info_routes(api22: httpx.Client, api: httpx.Client) -> None:
    contact = ok(api22.post("/Contacts", json={"FIRST_NAME": "Cy"}), 201)
    base = f"/Contacts/{contact['CONTACT_ID']}"
    added = ok(api22.post(f"{base}/Addresses", json={"ADDRESS_TYPE": "OTHER", "CITY": "Rome"}), 201)
    assert added["ADDRESS_ID"] == 2 and added["CITY"] == "Rome"
    changed = ok(api22.put(f"{base}/Addresses", json={**added, "CITY": "Milan"}))
    assert changed["ADDRESS_ID"] == 2 and changed["CITY"] == "Milan"
    assert ok(api.get(base))["ADDRESS_OTHER_CITY"] == "Milan"
    assert api22.put(f"{base}/Addresses", json={**added, "ADDRESS_ID": 1}).status_code == 404
    # A second OTHER address has no v3.1 field: it is an extra, with an id of its own.
    extra = ok(api22.post(f"{base}/Addresses", json={"ADDRESS_TYPE": "OTHER", "CITY": "x"}), 201)
    assert extra["ADDRESS_ID"] == 100 and ok(api.get(base))["ADDRESS_OTHER_CITY"] == "Milan"
    ok(api22.delete(f"{base}/Addresses/2"), 202)
    assert [a["ADDRESS_ID"] for a in ok(api22.get(base))["ADDRESSES"]] == [100]
    ok(api22.delete(f"{base}/Addresses/100"), 202)
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
    # An organisation has no e-mail field: the e-mail is an extra.
    email = {"TYPE": "EMAIL", "DETAIL": "a@b"}
    kept = ok(
        api22.post("/Organisations", json={"ORGANISATION_NAME": "X", "CONTACTINFOS": [email]}), 201
    )
    assert kept["CONTACTINFOS"] == [
        {"CONTACT_INFO_ID": 100, "SUBTYPE": None, "LABEL": None, **email}
    ]
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
    assert refused.json()["Errors"][0]["FIELD"] == "CONTACTINFOS[0].DETAIL"
    assert "PHONE_HOME" not in refused.text
    lead = api22.post("/Leads", json={"LAST_NAME": "L", "EMAIL_ADDRESS": long})
    assert lead.status_code == 400 and lead.json()["Errors"][0]["FIELD"] == "EMAIL_ADDRESS"
    contact = ok(api22.post("/Contacts", json={"FIRST_NAME": "Jo"}), 201)
    street = {"ADDRESS_TYPE": "MAIL", "STREET": long}
    put = api22.put("/Contacts", json={**contact, "ADDRESSES": [street]})
    assert put.status_code == 400 and put.json()["Errors"][0]["FIELD"] == "ADDRESSES[0].STREET"


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


def test_an_opportunitys_state_reason_is_its_state_history(
    api22: httpx.Client, api: httpx.Client
) -> None:
    reasons = ok(api22.get("/OpportunityStateReasons"))
    won = [r["STATE_REASON_ID"] for r in reasons if r["FOR_OPPORTUNITY_STATE"] == "WON"]
    lost = next(r for r in reasons if r["FOR_OPPORTUNITY_STATE"] == "LOST")["STATE_REASON_ID"]
    body = {"OPPORTUNITY_NAME": "Deal", "OPPORTUNITY_STATE": "WON", STATE_REASON: won[0]}
    made = ok(api22.post("/Opportunities", json=body), 201)
    path = f"/Opportunities/{made['OPPORTUNITY_ID']}"
    assert made[STATE_REASON] == won[0] and ok(api22.get(path)) == made
    (entry,) = ok(api.get(f"{path}/StateHistory"))  # one change, with its reason
    assert (entry["FOR_OPPORTUNITY_STATE"], entry["STATE_REASON_ID"]) == ("WON", won[0])

    # The same state with another reason: a history entry, and the record moves.
    etag = api22.get(path).headers["ETag"]
    answer = api22.put("/Opportunities", json={**made, STATE_REASON: won[1]})
    assert ok(answer)[STATE_REASON] == won[1] and answer.headers["ETag"] != etag
    assert [e["STATE_REASON_ID"] for e in ok(api.get(f"{path}/StateHistory"))] == won[:2]
    # A reason of another state is refused, naming the field, and nothing changes.
    refused = api22.put("/Opportunities", json={**made, STATE_REASON: lost})
    assert refused.status_code == 400 and refused.json()["Errors"][0]["FIELD"] == STATE_REASON
    bad = api22.put("/Opportunities", json={**made, STATE_REASON: "soon"})
    assert bad.status_code == 400 and STATE_REASON in bad.text
    assert ok(api22.get(path))[STATE_REASON] == won[1]
    # A v3.1 state change with a reason shows through v2.2; one without clears it.
    change = {"FOR_OPPORTUNITY_STATE": "LOST", "STATE_REASON_ID": lost}
    ok(api.put(f"{path}/StateChange", json=change))
    assert ok(api22.get(path, params={"brief": "true"}))[STATE_REASON] == lost
    ok(
        api.put(
            "/Opportunities",
            json={"OPPORTUNITY_ID": made["OPPORTUNITY_ID"], "OPPORTUNITY_STATE": "OPEN"},
        )
    )
    listed = [
        o for o in ok(api22.get("/Opportunities")) if o["OPPORTUNITY_ID"] == made["OPPORTUNITY_ID"]
    ]
    assert listed[0][STATE_REASON] is None and listed[0]["OPPORTUNITY_STATE"] == "OPEN"
    # Sent without it (or as null), a PUT changes the state without a reason.
    moved = ok(api22.put("/Opportunities", json={**listed[0], "OPPORTUNITY_STATE": "WON"}))
    assert moved[STATE_REASON] is None
