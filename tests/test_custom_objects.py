"""Custom objects: admin-defined types (names ending in __c) whose records go through the same
engine as the standard types, at /v3.1/{name}."""

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from tests.conftest import SUITE_OBJECT, Tenant
from tests.servers import cli_env, run_cli

CALL = {
    "OBJECT_NAME": "Call__c",
    "SINGULAR_LABEL": "Call",
    "PLURAL_LABEL": "Calls",
    "DESCRIPTION": "Phone calls",
}


@pytest.fixture
def calls(api: httpx.Client) -> str:
    response = api.post("/CustomObjects", json=CALL)
    assert response.status_code == 201, response.text
    assert response.headers["Location"] == "/v3.1/CustomObjects/Call__c"
    return "Call__c"


def _count(api: httpx.Client, path: str) -> int:
    return int(api.get(path, params={"count_total": "true", "top": "0"}).headers["X-Total-Count"])


def test_definitions_are_listed_read_and_changed(api: httpx.Client, calls: str) -> None:
    listed = api.get("/CustomObjects").json()
    assert [o["OBJECT_NAME"] for o in listed] == [SUITE_OBJECT, "Call__c"]
    one = api.get("/CustomObjects/call__c").json()
    assert one["SINGULAR_LABEL"] == "Call" and one["RECORD_NAME_LABEL"] == "Name"
    changed = api.put(
        "/CustomObjects", json={"OBJECT_NAME": "Call__c", "PLURAL_LABEL": "Phone calls"}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["PLURAL_LABEL"] == "Phone calls"
    assert changed.json()["DESCRIPTION"] == "Phone calls"  # absent: kept
    assert api.post("/CustomObjects", json={**CALL, "OBJECT_NAME": "CALL__c"}).status_code == 409


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**CALL, "OBJECT_NAME": "Call"}, "OBJECT_NAME"),
        ({**CALL, "OBJECT_NAME": "9Call__c"}, "OBJECT_NAME"),
        ({**CALL, "SINGULAR_LABEL": " "}, "SINGULAR_LABEL"),
        ({"OBJECT_NAME": "Visit__c", "SINGULAR_LABEL": "Visit"}, "PLURAL_LABEL"),
    ],
)
def test_bad_definitions_are_400(api: httpx.Client, body: dict[str, Any], field: str) -> None:
    before = api.get("/CustomObjects").json()
    response = api.post("/CustomObjects", json=body)
    assert response.status_code == 400, response.text
    assert [e["FIELD"] for e in response.json()["Errors"]] == [field]
    assert api.get("/CustomObjects").json() == before


def test_records_go_through_the_engine(api: httpx.Client, calls: str) -> None:
    contact = api.post("/Contacts", json={"FIRST_NAME": "Ann"}).json()
    created = api.post(
        "/Call__c",
        json={
            "RECORD_NAME": "Inbound call",
            "TAGS": [{"TAG_NAME": "support"}],
            "LINKS": [{"LINK_OBJECT_NAME": "Contact", "LINK_OBJECT_ID": contact["CONTACT_ID"]}],
        },
    )
    assert created.status_code == 201, created.text
    record = created.json()
    record_id = record["RECORD_ID"]
    assert created.headers["Location"] == f"/v3.1/Call__c/{record_id}"
    assert record["OWNER_USER_ID"] == api.get("/Users/Me").json()["USER_ID"]
    assert record["TAGS"] == [{"TAG_NAME": "support"}]
    assert record["LINKS"][0]["OBJECT_NAME"] == "Call__c"
    # Seen from the contact's end, under the object's exact name; paths in any case.
    contact_links = api.get(f"/Contacts/{contact['CONTACT_ID']}/Links").json()
    assert [(k["LINK_OBJECT_NAME"], k["LINK_OBJECT_ID"]) for k in contact_links] == [
        ("Call__c", record_id)
    ]
    assert api.get(f"/call__c/{record_id}").json()["RECORD_NAME"] == "Inbound call"
    found = api.get(
        "/Call__c/Search", params={"field_name": "RECORD_NAME", "field_value": "inbound call"}
    )
    assert [r["RECORD_ID"] for r in found.json()] == [record_id]
    by_tag = api.get("/Call__c/SearchByTag", params={"tagName": "support"}).json()
    assert [r["RECORD_ID"] for r in by_tag] == [record_id]
    updated = api.put("/Call__c", json={"RECORD_ID": record_id, "RECORD_NAME": "Callback"})
    assert updated.status_code == 200 and updated.json()["RECORD_NAME"] == "Callback"
    note = api.post(f"/Call__c/{record_id}/Notes", json={"TITLE": "Summary"})
    assert note.status_code == 201, note.text
    assert [n["TITLE"] for n in api.get(f"/Call__c/{record_id}/Notes").json()] == ["Summary"]
    assert api.post(f"/Call__c/{record_id}/Follow").json() == {"FOLLOWING": True}
    upload = api.post(
        f"/Call__c/{record_id}/FileAttachments", files={"file": ("rec.txt", b"hello", "text/plain")}
    )
    assert upload.status_code == 201, upload.text
    assert api.get(f"/FileAttachments/{upload.json()['FILE_ID']}").content == b"hello"
    assert api.delete(f"/Call__c/{record_id}").status_code == 202
    assert api.get(f"/Call__c/{record_id}").status_code == 404
    assert api.get(f"/Contacts/{contact['CONTACT_ID']}/Links").json() == []


def test_records_need_a_name_and_an_object(api: httpx.Client, calls: str) -> None:
    missing = api.post("/Call__c", json={})
    assert missing.status_code == 400
    assert [e["FIELD"] for e in missing.json()["Errors"]] == ["RECORD_NAME"]
    assert _count(api, "/Call__c") == 0
    assert api.get("/Visit__c").status_code == 404
    assert api.post("/Visit__c", json={"RECORD_NAME": "x"}).status_code == 404
    # A link to a record of an object this instance lacks is a 400 naming the link.
    contact = api.post("/Contacts", json={"FIRST_NAME": "Ann"}).json()
    link = {"LINK_OBJECT_NAME": "Visit__c", "LINK_OBJECT_ID": 1}
    refused = api.post(f"/Contacts/{contact['CONTACT_ID']}/Links", json=link)
    assert refused.status_code == 400


def test_records_of_two_objects_stay_apart(api: httpx.Client, calls: str) -> None:
    api.post("/CustomObjects", json={**CALL, "OBJECT_NAME": "Visit__c"})
    call = api.post("/Call__c", json={"RECORD_NAME": "c"}).json()
    visit = api.post("/Visit__c", json={"RECORD_NAME": "v"}).json()
    assert [r["RECORD_NAME"] for r in api.get("/Call__c").json()] == ["c"]
    assert api.get(f"/Visit__c/{call['RECORD_ID']}").status_code == 404
    assert api.get(f"/Call__c/{visit['RECORD_ID']}").status_code == 404
    assert (
        api.put("/Call__c", json={"RECORD_ID": visit["RECORD_ID"], "RECORD_NAME": "x"}).status_code
        == 404
    )


def test_another_instance_sees_nothing(
    make_tenant: Callable[[], Tenant], calls: str, api: httpx.Client
) -> None:
    record = api.post("/Call__c", json={"RECORD_NAME": "mine"}).json()
    stranger = make_tenant()
    assert stranger.client.get("/Call__c").status_code == 404
    assert stranger.client.get("/CustomObjects/Call__c").status_code == 404
    stranger.client.post("/CustomObjects", json=CALL)
    assert stranger.client.get(f"/Call__c/{record['RECORD_ID']}").status_code == 404
    assert stranger.client.get("/Call__c").json() == []


def test_deleting_an_object_with_records_needs_force(api: httpx.Client, calls: str) -> None:
    contact = api.post("/Contacts", json={"FIRST_NAME": "Ann"}).json()
    link = {"LINK_OBJECT_NAME": "Contact", "LINK_OBJECT_ID": contact["CONTACT_ID"]}
    api.post("/Call__c", json={"RECORD_NAME": "kept", "LINKS": [link]})
    refused = api.delete("/CustomObjects/Call__c")
    assert refused.status_code == 409 and "force" in refused.json()["Message"]
    assert _count(api, "/Call__c") == 1
    assert api.delete("/CustomObjects/Call__c", params={"force": "true"}).status_code == 202
    assert api.get("/Call__c").status_code == 404
    assert api.get(f"/Contacts/{contact['CONTACT_ID']}/Links").json() == []
    # Defined again, it starts empty.
    api.post("/CustomObjects", json=CALL)
    assert api.get("/Call__c").json() == []


def test_only_admins_define_objects(
    engine: Engine, base_url: str, tenant: Tenant, calls: str
) -> None:
    _, key = tenant.add_user(engine, f"co-{tenant.instance_id}@example.com")
    with httpx.Client(base_url=f"{base_url}/v3.1", auth=(key, "")) as user:
        assert (
            user.post("/CustomObjects", json={**CALL, "OBJECT_NAME": "Other__c"}).status_code == 403
        )
        assert (
            user.put(
                "/CustomObjects", json={"OBJECT_NAME": "Call__c", "PLURAL_LABEL": "x"}
            ).status_code
            == 403
        )
        assert user.delete("/CustomObjects/Call__c").status_code == 403
        # Records are everyone's.
        assert user.post("/Call__c", json={"RECORD_NAME": "by a user"}).status_code == 201


def test_cli_manages_custom_objects(database_url: str, tenant: Tenant, tmp_path: Path) -> None:
    env = cli_env(database_url)
    instance = str(tenant.instance_id)
    body = tmp_path / "visit.json"
    body.write_text(json.dumps({**CALL, "OBJECT_NAME": "Visit__c", "SINGULAR_LABEL": "Visit"}))
    created = run_cli(env, "custom-objects", "create", "--instance", instance, "--file", str(body))
    assert created.returncode == 0, created.stderr
    assert json.loads(created.stdout.splitlines()[-1])["OBJECT_NAME"] == "Visit__c"
    assert tenant.client.post("/Visit__c", json={"RECORD_NAME": "v"}).status_code == 201
    listed = run_cli(env, "custom-objects", "list", "--instance", instance)
    assert "Visit__c" in listed.stdout
    refused = run_cli(env, "custom-objects", "delete", "--instance", instance, "--name", "Visit__c")
    assert refused.returncode == 1 and "force" in refused.stderr
    forced = run_cli(
        env, "custom-objects", "delete", "--instance", instance, "--name", "Visit__c", "--force"
    )
    assert forced.returncode == 0, forced.stderr
    assert tenant.client.get("/Visit__c").status_code == 404


def _lookup(api: httpx.Client, object_name: str, field_name: str, join_object: str) -> None:
    body = {
        "FIELD_NAME": field_name,
        "FIELD_LABEL": field_name.removesuffix("__c"),
        "FIELD_TYPE": "LOOKUP",
        "JOIN_OBJECT": join_object,
    }
    response = api.post(f"/CustomFields/{object_name}", json=body)
    assert response.status_code == 201, response.text


def test_lookups_show_both_ways(api: httpx.Client, calls: str) -> None:
    _lookup(api, "Call__c", "Caller__c", "Contact")
    contact = api.post("/Contacts", json={"FIRST_NAME": "Ann", "LAST_NAME": "Lee"}).json()
    cid = contact["CONTACT_ID"]
    # Before any call looks it up, the contact has the key (the instance has such a lookup).
    assert api.get(f"/Contacts/{cid}").json()["LOOKED_UP_BY"] == []
    call = api.post(
        "/Call__c",
        json={
            "RECORD_NAME": "Inbound",
            "CUSTOMFIELDS": [{"FIELD_NAME": "Caller__c", "FIELD_VALUE": cid}],
        },
    ).json()
    assert call["CUSTOMFIELDS"] == [{"FIELD_NAME": "Caller__c", "FIELD_VALUE": cid}]
    [lookup] = call["LOOKUPS"]
    assert (lookup["FIELD_NAME"], lookup["OBJECT_NAME"], lookup["RECORD_ID"]) == (
        "Caller__c",
        "Contact",
        cid,
    )
    assert lookup["RECORD"]["FIRST_NAME"] == "Ann" and "TAGS" not in lookup["RECORD"]
    seen = api.get(f"/Contacts/{cid}").json()["LOOKED_UP_BY"]
    assert seen == [
        {
            "OBJECT_NAME": "Call__c",
            "FIELD_NAME": "Caller__c",
            "RECORD_ID": call["RECORD_ID"],
            "RECORD_NAME": "Inbound",
        }
    ]
    # In lists too, and never in brief responses.
    listed = api.get("/Contacts", params={"top": "500"}).json()
    assert next(c for c in listed if c["CONTACT_ID"] == cid)["LOOKED_UP_BY"] == seen
    assert "LOOKED_UP_BY" not in api.get(f"/Contacts/{cid}", params={"brief": "true"}).json()
    # Types nothing looks up keep Insightly's shape.
    organisation = api.post("/Organisations", json={"ORGANISATION_NAME": "Acme"}).json()
    assert "LOOKED_UP_BY" not in organisation and "LOOKUPS" not in organisation
    # A lookup to a missing record is a 400 naming the value; nothing is written.
    bad = api.post(
        "/Call__c",
        json={
            "RECORD_NAME": "x",
            "CUSTOMFIELDS": [{"FIELD_NAME": "Caller__c", "FIELD_VALUE": 999_999_999}],
        },
    )
    assert bad.status_code == 400
    assert [e["FIELD"] for e in bad.json()["Errors"]] == ["CUSTOMFIELDS[0].FIELD_VALUE"]
    # Deleting the looked-up contact clears the value: nothing dangles.
    assert api.delete(f"/Contacts/{cid}").status_code == 202
    after = api.get(f"/Call__c/{call['RECORD_ID']}").json()
    assert after["CUSTOMFIELDS"] == [] and after["LOOKUPS"] == []
    assert after["DATE_UPDATED_UTC"] >= call["DATE_UPDATED_UTC"]


def test_a_standard_record_can_look_up_a_custom_object(api: httpx.Client, calls: str) -> None:
    _lookup(api, "Contacts", "Last_call__c", "call__c")  # the object's name in any case
    fields = api.get("/CustomFields/Contacts").json()
    assert next(f for f in fields if f["FIELD_NAME"] == "Last_call__c")["JOIN_OBJECT"] == "Call__c"
    call = api.post("/Call__c", json={"RECORD_NAME": "Outbound"}).json()
    contact = api.post(
        "/Contacts",
        json={
            "FIRST_NAME": "Bo",
            "CUSTOMFIELDS": [{"FIELD_NAME": "Last_call__c", "FIELD_VALUE": call["RECORD_ID"]}],
        },
    ).json()
    [lookup] = contact["LOOKUPS"]
    assert lookup["OBJECT_NAME"] == "Call__c" and lookup["RECORD"]["RECORD_NAME"] == "Outbound"
    bad = {"FIELD_NAME": "Last_call__c", "FIELD_VALUE": 999_999_999}
    refused = api.post("/Contacts", json={"FIRST_NAME": "Cy", "CUSTOMFIELDS": [bad]})
    assert refused.status_code == 400
    unknown = {
        "FIELD_NAME": "X__c",
        "FIELD_LABEL": "X",
        "FIELD_TYPE": "LOOKUP",
        "JOIN_OBJECT": "Nope__c",
    }
    assert api.post("/CustomFields/Contacts", json=unknown).status_code == 400
    # Deleting the object (forced) takes the lookup field pointing to it along.
    assert api.delete("/CustomObjects/Call__c", params={"force": "true"}).status_code == 202
    names = [f["FIELD_NAME"] for f in api.get("/CustomFields/Contacts").json()]
    assert "Last_call__c" not in names
    again = api.get(f"/Contacts/{contact['CONTACT_ID']}").json()
    assert again["CUSTOMFIELDS"] == [] and "LOOKUPS" not in again


def _field(api: httpx.Client, object_name: str, name: str, field_type: str) -> None:
    body = {"FIELD_NAME": name, "FIELD_LABEL": name, "FIELD_TYPE": field_type}
    response = api.post(f"/CustomFields/{object_name}", json=body)
    assert response.status_code == 201, response.text


def _values(record: dict[str, Any]) -> dict[str, Any]:
    return {item["FIELD_NAME"]: item["FIELD_VALUE"] for item in record["CUSTOMFIELDS"]}


def test_a_record_reads_in_each_of_its_translations(api: httpx.Client, calls: str) -> None:
    _field(api, calls, "Summary__c", "MULTILINETEXT")
    _field(api, calls, "Topic__c", "TEXT")
    _field(api, calls, "Minutes__c", "NUMERIC")
    sent = {
        "RECORD_NAME": "Morning call",
        "CUSTOMFIELDS": [
            {"FIELD_NAME": "Summary__c", "FIELD_VALUE": "Prices agreed"},
            {"FIELD_NAME": "Topic__c", "FIELD_VALUE": "Prices"},
            {"FIELD_NAME": "Minutes__c", "FIELD_VALUE": 12},
        ],
    }
    record = api.post(f"/{calls}", json=sent).json()
    base = f"/{calls}/{record['RECORD_ID']}/Translations"
    assert api.get(f"{base}/fr").json() == []
    stamp = record["DATE_UPDATED_UTC"]

    french = {
        "RECORD_NAME": "Appel du matin",
        "OWNER_USER_ID": record["OWNER_USER_ID"],  # a record's field that has no language: kept
        "CUSTOMFIELDS": [
            {"FIELD_NAME": "summary__c", "FIELD_VALUE": "Prix convenus"},
            {"FIELD_NAME": "Minutes__c", "FIELD_VALUE": 99},  # a number: the record's own
        ],
    }
    response = api.post(f"{base}/fr-CA", json=french)
    assert response.status_code == 201, response.text
    assert response.headers["Location"] == f"/v3.1{base}/fr-CA"
    [translated] = response.json()
    assert translated["RECORD_ID"] == record["RECORD_ID"]
    assert translated["RECORD_NAME"] == "Appel du matin"
    assert _values(translated) == {
        "Minutes__c": 12,
        "Summary__c": "Prix convenus",
        "Topic__c": "Prices",  # not translated: the record's own
    }
    assert api.get(f"{base}/FR-ca").json() == [translated]
    # The record itself is unchanged but for DATE_UPDATED_UTC (its graph changed).
    after = api.get(f"/{calls}/{record['RECORD_ID']}").json()
    assert after["RECORD_NAME"] == "Morning call" and _values(after)["Minutes__c"] == 12
    assert after["DATE_UPDATED_UTC"] >= stamp
    assert _count(api, f"/{calls}") == 1  # a translation is no record of its own
    assert api.post(f"{base}/fr-ca", json=french).status_code == 409

    changed = api.put(
        f"{base}/fr-CA",
        json={"CUSTOMFIELDS": [{"FIELD_NAME": "Topic__c", "FIELD_VALUE": "Prix"}]},
    )
    assert changed.status_code == 200, changed.text
    [now] = changed.json()
    assert now["RECORD_NAME"] == "Appel du matin"  # left out: unchanged
    assert _values(now)["Topic__c"] == "Prix"
    cleared = api.put(f"{base}/fr-CA", json={"RECORD_NAME": None}).json()[0]
    assert cleared["RECORD_NAME"] == "Morning call"  # cleared: the record's own
    # A change of the record shows in its translations, except what they translate.
    api.put(f"/{calls}", json={"RECORD_ID": record["RECORD_ID"], "RECORD_NAME": "Early call"})
    assert api.get(f"{base}/fr-CA").json()[0]["RECORD_NAME"] == "Early call"
    assert api.get(f"{base}/de").json() == []
    assert api.put(f"{base}/de", json={"RECORD_NAME": "Anruf"}).status_code == 404


def test_translation_refusals(api: httpx.Client, calls: str) -> None:
    _field(api, calls, "Topic__c", "TEXT")
    _field(api, calls, "Minutes__c", "NUMERIC")
    record = api.post(f"/{calls}", json={"RECORD_NAME": "Call"}).json()
    base = f"/{calls}/{record['RECORD_ID']}/Translations"
    # A field with no language is checked as on a record write, then left out.
    not_a_number = [{"FIELD_NAME": "Minutes__c", "FIELD_VALUE": "many"}]
    cases = [
        ("fr", {"CUSTOMFIELDS": []}, "RECORD_NAME"),  # a new translation names the record
        ("fr", {"RECORD_NAME": "x" * 256}, "RECORD_NAME"),
        ("fr", {"RECORD_NAME": "Appel", "CUSTOMFIELDS": [{"FIELD_NAME": "Nope__c"}]}, None),
        ("fr", {"RECORD_NAME": "Appel", "CUSTOMFIELDS": not_a_number}, "Minutes__c"),
        ("fr", [1, 2], None),
        ("not a language", {"RECORD_NAME": "Appel"}, "language"),
    ]
    for language, body, field in cases:
        response = api.post(f"{base}/{language}", json=body)
        assert response.status_code == 400, (body, response.text)
        if field is not None:
            assert field in response.text
    assert api.get(f"{base}/fr").json() == []
    assert api.get(f"/{calls}/2000000000/Translations/fr").status_code == 404
    assert api.post(f"/Visit__c/{record['RECORD_ID']}/Translations/fr", json={}).status_code == 404
    assert api.post(f"{base}/fr", json={"RECORD_NAME": "Appel"}).status_code == 201
    # Deleting the record deletes its translations.
    assert api.delete(f"/{calls}/{record['RECORD_ID']}").status_code == 202
    assert api.get(f"{base}/fr").status_code == 404


def test_a_hidden_records_translations_are_missing(
    api: httpx.Client, tenant: Tenant, engine: Engine, calls: str
) -> None:
    record = api.post(f"/{calls}", json={"RECORD_NAME": "Secret", "VISIBLE_TO": "OWNER"}).json()
    base = f"/{calls}/{record['RECORD_ID']}/Translations/fr"
    assert api.post(base, json={"RECORD_NAME": "Secret fr"}).status_code == 201
    _, key = tenant.add_user(engine, f"other-{tenant.instance_id}@example.com")
    root = str(api.base_url)
    with httpx.Client(base_url=root, auth=(key, "")) as other:
        for method, body in (("GET", None), ("POST", {"RECORD_NAME": "x"}), ("PUT", {})):
            response = other.request(method, base, json=body)
            assert response.status_code == 404, (method, response.text)
            assert "Secret" not in response.text
    assert api.get(base).json()[0]["RECORD_NAME"] == "Secret fr"
