"""Contract §3: XML on request (Accept or Content-Type), parsed safely; gzip when asked."""

import xml.etree.ElementTree as ET

import httpx
import pytest

XML = {"Accept": "application/xml"}


def contact_xml(first_name: str, *tags: str, extra: str = "") -> str:
    tag_items = "".join(f"<Tag><TAG_NAME>{tag}</TAG_NAME></Tag>" for tag in tags)
    return (
        f'<Contact><FIRST_NAME>{first_name}</FIRST_NAME><TITLE nil="true"/>'
        f"<EMAIL_OPTED_OUT>true</EMAIL_OPTED_OUT><TAGS>{tag_items}</TAGS>{extra}</Contact>"
    )


def parse(response: httpx.Response) -> ET.Element:
    assert response.headers["content-type"].startswith("application/xml")
    return ET.fromstring(response.content)


@pytest.mark.parametrize("accept", ["application/xml", "text/xml", "text/xml, application/json"])
def test_a_record_in_xml(api: httpx.Client, accept: str) -> None:
    created = api.post("/Contacts", json={"FIRST_NAME": "Xena", "TAGS": [{"TAG_NAME": "vip"}]})
    contact_id = created.json()["CONTACT_ID"]
    root = parse(api.get(f"/Contacts/{contact_id}", headers={"Accept": accept}))
    assert root.tag == "Contact"
    assert root.findtext("CONTACT_ID") == str(contact_id)
    assert root.findtext("FIRST_NAME") == "Xena"
    assert root.find("LAST_NAME").get("nil") == "true"
    assert root.findtext("EMAIL_OPTED_OUT") == "false"
    assert [t.text for t in root.findall("TAGS/Tag/TAG_NAME")] == ["vip"]
    assert root.find("LINKS") is not None and len(root.find("LINKS")) == 0


def test_json_stays_the_default(api: httpx.Client) -> None:
    response = api.get("/Contacts", headers={"Accept": "*/*"})
    assert response.headers["content-type"].startswith("application/json")


def test_a_list_and_an_error_in_xml(api: httpx.Client) -> None:
    api.post("/Organisations", json={"ORGANISATION_NAME": "Acme"})
    root = parse(api.get("/Organisations", headers=XML))
    assert root.tag == "ArrayOfOrganisation"
    assert [o.findtext("ORGANISATION_NAME") for o in root] == ["Acme"]
    error = api.get("/Organisations/999999999", headers=XML)
    assert error.status_code == 404
    assert parse(error).tag == "Error"
    assert "999999999" in parse(error).findtext("Message")


def test_create_and_update_with_xml_bodies(api: httpx.Client) -> None:
    created = api.post(
        "/Contacts",
        content=contact_xml("Yuri", "a", "b"),
        headers={"Content-Type": "application/xml"},
    )
    assert created.status_code == 201
    root = parse(created)  # an XML body gets an XML answer
    contact_id = root.findtext("CONTACT_ID")
    assert root.findtext("EMAIL_OPTED_OUT") == "true"
    assert [t.text for t in root.findall("TAGS/Tag/TAG_NAME")] == ["a", "b"]
    body = f"<Contact><CONTACT_ID>{contact_id}</CONTACT_ID><TAGS/></Contact>"
    updated = api.put(
        "/Contacts",
        content=body,
        headers={"Content-Type": "text/xml", "Accept": "application/json"},
    )
    assert updated.status_code == 200
    assert updated.json()["TAGS"] == []
    assert updated.json()["FIRST_NAME"] == "Yuri"


def test_xml_round_trip_changes_nothing(api: httpx.Client) -> None:
    created = api.post(
        "/Contacts",
        json={
            "FIRST_NAME": "Zed",
            "DATES": [{"OCCASION_NAME": "x", "OCCASION_DATE": "2001-02-03"}],
        },
    )
    contact_id = created.json()["CONTACT_ID"]
    as_xml = api.get(f"/Contacts/{contact_id}", headers=XML).content
    put = api.put(
        "/Contacts",
        content=as_xml,
        headers={"Content-Type": "application/xml", "Accept": "application/json"},
    )
    assert put.status_code == 200
    assert put.json() == created.json()


def test_a_tag_list_body_in_xml(api: httpx.Client) -> None:
    contact_id = api.post("/Contacts", json={"FIRST_NAME": "T"}).json()["CONTACT_ID"]
    items = "".join(f"<Tag><TAG_NAME>{name}</TAG_NAME></Tag>" for name in ("one", "two"))
    body = f"<ArrayOfTag>{items}</ArrayOfTag>"
    response = api.put(
        f"/Contacts/{contact_id}/Tags", content=body, headers={"Content-Type": "application/xml"}
    )
    assert response.status_code == 200
    assert parse(response).tag == "ArrayOfTag"
    assert [t["TAG_NAME"] for t in api.get(f"/Contacts/{contact_id}/Tags").json()] == ["one", "two"]


HOSTILE = {
    "entity expansion": (
        '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        "<Contact><FIRST_NAME>&b;</FIRST_NAME></Contact>"
    ),
    "external entity": (
        '<?xml version="1.0"?><!DOCTYPE c [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        "<Contact><FIRST_NAME>&x;</FIRST_NAME></Contact>"
    ),
    "not well-formed": "<Contact><FIRST_NAME>oops</Contact>",
    "empty": "",
}


@pytest.mark.parametrize("body", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_xml_is_refused_and_nothing_written(api: httpx.Client, body: str) -> None:
    before = api.get("/Contacts", params={"count_total": "true"}).headers["X-Total-Count"]
    response = api.post("/Contacts", content=body, headers={"Content-Type": "application/xml"})
    assert response.status_code == 400
    assert parse(response).findtext("Message")
    after = api.get("/Contacts", params={"count_total": "true"}).headers["X-Total-Count"]
    assert after == before


def test_oversized_xml_is_413(api: httpx.Client) -> None:
    body = contact_xml("Big", extra=f"<BACKGROUND>{'x' * 300_000}</BACKGROUND>")
    response = api.post("/Contacts", content=body, headers={"Content-Type": "application/xml"})
    assert response.status_code == 413


def test_unreadable_body_type_is_415(api: httpx.Client) -> None:
    response = api.post(
        "/Contacts",
        content="FIRST_NAME=Ann",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 415


def test_gzip_when_asked(api: httpx.Client) -> None:
    for n in range(20):
        api.post("/Contacts", json={"FIRST_NAME": f"G{n}"})
    zipped = api.get("/Contacts", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert len(zipped.json()) == 20
    plain = api.get("/Contacts", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
