"""CTI over HTTP (contract §9): phone lookup through the E.164 index, screen pops and their event
stream, the documented phone-system flow, and a server that stops with pages listening."""

import json
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, delete, insert, select

from rolodex.domain.phones import to_e164
from rolodex.services import users
from rolodex.storage import tables
from rolodex.storage.engine import make_engine, unit_of_work
from rolodex.storage.migrate import upgrade
from tests.conftest import Tenant, free_port
from tests.servers import ROLODEX, cli_env, run_cli
from tests.web.conftest import WebUser, sign_in

SF = "+14155550100"


@pytest.mark.parametrize(
    ("written", "region", "expected"),
    [
        ("+1 (415) 555-0100", "US", SF),
        ("415.555.0100", "US", SF),
        ("(415) 555 0100", "US", SF),
        ("1-415-555-0100", "US", SF),
        ("011 44 20 7946 0958", "US", "+442079460958"),  # the US international prefix
        ("0044 20 7946 0958", "US", "+442079460958"),  # 00, as most of the world dials out
        ("0044 20 7946 0958", "GB", "+442079460958"),
        ("020 7946 0958", "GB", "+442079460958"),  # national, read in the default region
        ("+44 (0)20 7946 0958", "US", "+442079460958"),
        ("+1 415 555 0100 ext. 12", "US", SF),  # an extension does not change the line
        ("not a number", "US", None),
        ("12", "US", None),
        ("   ", "US", None),
    ],
)
def test_numbers_are_compared_in_e164(written: str, region: str, expected: str | None) -> None:
    assert to_e164(written, region) == expected


def lookup(api: httpx.Client, number: str) -> list[dict[str, Any]]:
    response = api.get("/CTI/Lookup", params={"phone_number": number})
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def found(api: httpx.Client, number: str) -> set[tuple[str, int, str]]:
    return {(m["OBJECT_NAME"], m["RECORD_ID"], m["FIELD_NAME"]) for m in lookup(api, number)}


def test_lookup_finds_contacts_leads_and_organisations_by_any_phone_field(
    api: httpx.Client, base_url: str
) -> None:
    contact = api.post(
        "/Contacts",
        json={"FIRST_NAME": "Ada", "LAST_NAME": "Lovelace", "PHONE_MOBILE": "+1 (415) 555-0100"},
    ).json()
    lead = api.post("/Leads", json={"LAST_NAME": "Babbage", "PHONE": "415.555.0100"}).json()
    organisation = api.post(
        "/Organisations", json={"ORGANISATION_NAME": "Engines Ltd", "PHONE_FAX": "(415) 555 0100"}
    ).json()
    # Other numbers and fields of the same records are not confused with it.
    other = api.post(
        "/Contacts", json={"FIRST_NAME": "Grace", "PHONE": "+1 415 555 0199", "PHONE_HOME": "x"}
    ).json()

    matches = lookup(api, "415-555-0100")
    assert {(m["OBJECT_NAME"], m["RECORD_ID"], m["FIELD_NAME"]) for m in matches} == {
        ("Contact", contact["CONTACT_ID"], "PHONE_MOBILE"),
        ("Lead", lead["LEAD_ID"], "PHONE"),
        ("Organisation", organisation["ORGANISATION_ID"], "PHONE_FAX"),
    }
    by_type = {m["OBJECT_NAME"]: m for m in matches}
    assert by_type["Contact"]["RECORD_NAME"] == "Ada Lovelace"
    assert by_type["Organisation"]["RECORD_NAME"] == "Engines Ltd"
    assert by_type["Contact"]["URL"] == f"{base_url}/records/Contact/{contact['CONTACT_ID']}"
    assert found(api, "+14155550199") == {("Contact", other["CONTACT_ID"], "PHONE")}
    # A record with the number in two fields is found through both.
    api.put("/Leads", json={"LEAD_ID": lead["LEAD_ID"], "MOBILE": "+1 415 555 0100"})
    assert ("Lead", lead["LEAD_ID"], "MOBILE") in found(api, SF)


def test_the_index_follows_updates_and_deletes(api: httpx.Client) -> None:
    contact = api.post("/Contacts", json={"FIRST_NAME": "Ada", "PHONE": "0044 20 7946 0958"})
    contact_id = contact.json()["CONTACT_ID"]
    assert found(api, "+442079460958") == {("Contact", contact_id, "PHONE")}

    api.put("/Contacts", json={"CONTACT_ID": contact_id, "PHONE": "+44 20 7946 0959"})
    assert found(api, "+442079460958") == set()
    assert found(api, "+442079460959") == {("Contact", contact_id, "PHONE")}

    # A PUT that leaves the phone fields out leaves the index alone.
    api.put("/Contacts", json={"CONTACT_ID": contact_id, "TITLE": "Countess"})
    assert found(api, "+442079460959") == {("Contact", contact_id, "PHONE")}

    api.put("/Contacts", json={"CONTACT_ID": contact_id, "PHONE": None})
    assert found(api, "+442079460959") == set()

    api.put("/Contacts", json={"CONTACT_ID": contact_id, "PHONE_OTHER": "+44 20 7946 0959"})
    assert found(api, "+442079460959") == {("Contact", contact_id, "PHONE_OTHER")}
    assert api.delete(f"/Contacts/{contact_id}").status_code == 202
    assert found(api, "+442079460959") == set()


def test_a_converted_leads_number_finds_the_new_contact(api: httpx.Client) -> None:
    lead = api.post(
        "/Leads", json={"FIRST_NAME": "Grace", "LAST_NAME": "Hopper", "MOBILE": "+1 212 555 0142"}
    ).json()
    converted = api.post(f"/Leads/{lead['LEAD_ID']}/Convert", json={})
    assert converted.status_code == 200, converted.text
    contact_id = converted.json()["CONVERTED_CONTACT_ID"]
    assert found(api, "(212) 555-0142") == {
        ("Lead", lead["LEAD_ID"], "MOBILE"),
        ("Contact", contact_id, "PHONE_MOBILE"),
    }


def test_another_instances_records_are_never_found(make_tenant: Any) -> None:
    ours, theirs = make_tenant(), make_tenant()
    theirs.client.post("/Contacts", json={"FIRST_NAME": "Theirs", "PHONE": "+1 303 555 0123"})
    assert found(ours.client, "+1 303 555 0123") == set()
    assert len(found(theirs.client, "+1 303 555 0123")) == 1


@pytest.mark.parametrize("number", ["not a number", "12", "+", "   "])
def test_a_number_that_is_no_phone_number_is_a_400(api: httpx.Client, number: str) -> None:
    response = api.get("/CTI/Lookup", params={"phone_number": number})
    assert response.status_code == 400
    assert response.json()["Errors"][0]["FIELD"] == "phone_number"


def test_lookup_needs_a_number(api: httpx.Client) -> None:
    response = api.get("/CTI/Lookup")
    assert response.status_code == 400
    assert "phone_number" in response.json()["Message"]


def test_reindex_phones_rebuilds_the_index_from_the_records(
    api: httpx.Client, tenant: Tenant, engine: Engine, database_url: str
) -> None:
    contact_id = api.post("/Contacts", json={"FIRST_NAME": "Re", "PHONE": "+1 617 555 0100"}).json()
    numbers = tables.phone_numbers
    with unit_of_work(engine, write=True) as connection:
        connection.execute(delete(numbers).where(numbers.c.instance_id == tenant.instance_id))
    assert found(api, "+16175550100") == set()

    result = run_cli(cli_env(database_url), "db", "reindex-phones")
    assert result.returncode == 0, result.stderr
    assert found(api, "+16175550100") == {("Contact", contact_id["CONTACT_ID"], "PHONE")}


# --- screen pops ---------------------------------------------------------------------------------


def pop(api: httpx.Client, **body: Any) -> httpx.Response:
    return api.post("/CTI/ScreenPop", json=body)


def test_a_pop_with_no_page_open_reaches_none(api: httpx.Client, base_url: str) -> None:
    contact_id = api.post("/Contacts", json={"FIRST_NAME": "Ada"}).json()["CONTACT_ID"]
    for name in ("Contact", "contacts", "CONTACT", "Contacts"):
        response = pop(api, OBJECT_NAME=name, RECORD_ID=contact_id)
        assert response.status_code == 200, response.text
        assert response.json() == {
            "OBJECT_NAME": "Contact",
            "RECORD_ID": contact_id,
            "USER_ID": api_user_id(api),
            "URL": f"{base_url}/records/Contact/{contact_id}",
            "PAGES_REACHED": 0,
        }


def api_user_id(api: httpx.Client) -> int:
    return api.get("/Users/Me").json()["USER_ID"]  # type: ignore[no-any-return]


def test_a_pop_needs_a_record_of_the_callers_instance(make_tenant: Any) -> None:
    ours, theirs = make_tenant(), make_tenant()
    their_contact = theirs.client.post("/Contacts", json={"FIRST_NAME": "T"}).json()["CONTACT_ID"]
    assert pop(ours.client, OBJECT_NAME="Contact", RECORD_ID=their_contact).status_code == 404
    assert pop(ours.client, OBJECT_NAME="Nope__c", RECORD_ID=1).status_code == 404
    bad_type = pop(ours.client, OBJECT_NAME="Spaceship", RECORD_ID=1)
    assert bad_type.status_code == 400
    assert bad_type.json()["Errors"][0]["FIELD"] == "OBJECT_NAME"
    assert pop(ours.client, OBJECT_NAME="User", RECORD_ID=ours.user_id).status_code == 400
    assert pop(ours.client, OBJECT_NAME="Contact").status_code == 400
    assert ours.client.post("/CTI/ScreenPop", content=b"[1]").status_code == 400


def test_only_an_administrator_pops_to_another_user(
    tenant: Tenant, engine: Engine, base_url: str
) -> None:
    contact_id = tenant.client.post("/Contacts", json={"FIRST_NAME": "A"}).json()["CONTACT_ID"]
    other_id, other_key = tenant.add_user(engine, "other-" + str(tenant.instance_id) + "@x.test")
    as_admin = pop(tenant.client, OBJECT_NAME="Contact", RECORD_ID=contact_id, USER_ID=other_id)
    assert as_admin.status_code == 200
    assert as_admin.json()["USER_ID"] == other_id
    with httpx.Client(base_url=f"{base_url}/v3.1", auth=(other_key, "")) as other:
        to_self = pop(other, OBJECT_NAME="Contact", RECORD_ID=contact_id, USER_ID=other_id)
        assert to_self.status_code == 200
        to_admin = pop(other, OBJECT_NAME="Contact", RECORD_ID=contact_id, USER_ID=tenant.user_id)
        assert to_admin.status_code == 403
    nobody = pop(tenant.client, OBJECT_NAME="Contact", RECORD_ID=contact_id, USER_ID=10**12)
    assert nobody.status_code == 400
    assert nobody.json()["Errors"][0]["FIELD"] == "USER_ID"


class EventStream:
    """A page's event stream read over HTTP: the events in order, one at a time."""

    def __init__(self, response: httpx.Response) -> None:
        self.lines = response.iter_lines()

    def next_event(self) -> tuple[str, dict[str, Any]]:
        name, data = "message", ""
        for line in self.lines:
            if line.startswith("event:"):
                name = line.removeprefix("event:").strip()
            elif line.startswith("data:"):
                data = line.removeprefix("data:").strip()
            elif line == "" and data:
                return name, json.loads(data)
        raise AssertionError("the stream ended")


@pytest.fixture
def listening(web: httpx.Client) -> Iterator[EventStream]:
    """The signed-in user's page, listening: its stream has said it is ready."""
    with web.stream("GET", "/events", timeout=httpx.Timeout(30, read=30)) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        stream = EventStream(response)
        assert stream.next_event()[0] == "ready"
        yield stream


def test_a_listening_page_gets_the_pop(
    listening: EventStream, web_user: WebUser, base_url: str
) -> None:
    api = web_user.tenant.client
    contact_id = api.post("/Contacts", json={"FIRST_NAME": "Popped"}).json()["CONTACT_ID"]
    response = pop(api, OBJECT_NAME="Contact", RECORD_ID=contact_id)
    assert response.json()["PAGES_REACHED"] == 1
    assert listening.next_event() == ("pop", {"path": f"/records/Contact/{contact_id}"})


def test_a_closed_page_is_no_longer_counted(web: httpx.Client, web_user: WebUser) -> None:
    api = web_user.tenant.client
    contact_id = api.post("/Contacts", json={"FIRST_NAME": "Gone"}).json()["CONTACT_ID"]
    with web.stream("GET", "/events") as response:
        page = EventStream(response)  # kept: dropping its reader would close the connection
        assert page.next_event()[0] == "ready"
        assert pop(api, OBJECT_NAME="Contact", RECORD_ID=contact_id).json()["PAGES_REACHED"] == 1
    # The server notices the closed connection by itself; give it a moment.
    deadline = time.monotonic() + 20
    reached = 1
    while reached and time.monotonic() < deadline:
        time.sleep(0.1)
        reached = pop(api, OBJECT_NAME="Contact", RECORD_ID=contact_id).json()["PAGES_REACHED"]
    assert reached == 0


def test_events_need_a_session(base_url: str) -> None:
    response = httpx.get(f"{base_url}/events")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/?next=")


def test_the_documented_phone_system_flow(
    listening: EventStream, web_user: WebUser, base_url: str
) -> None:
    """README "CTI": look the caller up, log the call in Call__c, pop the call record."""
    api = web_user.tenant.client
    contact = api.post(
        "/Contacts", json={"FIRST_NAME": "Ada", "LAST_NAME": "Lovelace", "PHONE": "415 555 0100"}
    ).json()
    created = api.post(
        "/CustomObjects",
        json={"OBJECT_NAME": "Call__c", "SINGULAR_LABEL": "Call", "PLURAL_LABEL": "Calls"},
    )
    assert created.status_code == 201, created.text
    field = {
        "FIELD_NAME": "Contact__c",
        "FIELD_LABEL": "Contact",
        "FIELD_TYPE": "LOOKUP",
        "JOIN_OBJECT": "Contact",
    }
    assert api.post("/CustomFields/Call__c", json=field).status_code == 201

    (match,) = lookup(api, "+14155550100")
    assert (match["OBJECT_NAME"], match["RECORD_ID"]) == ("Contact", contact["CONTACT_ID"])
    call = api.post(
        "/Call__c",
        json={
            "RECORD_NAME": "Inbound call from +14155550100",
            "CUSTOMFIELDS": [{"FIELD_NAME": "Contact__c", "FIELD_VALUE": match["RECORD_ID"]}],
        },
    )
    assert call.status_code == 201, call.text
    call_id = call.json()["RECORD_ID"]
    popped = pop(api, OBJECT_NAME="call__c", RECORD_ID=call_id).json()
    assert popped["OBJECT_NAME"] == "Call__c"
    assert popped["URL"] == f"{base_url}/records/Call__c/{call_id}"
    assert popped["PAGES_REACHED"] == 1
    assert listening.next_event() == ("pop", {"path": f"/records/Call__c/{call_id}"})


def test_the_server_stops_with_pages_listening(database_url: str, web_user: WebUser) -> None:
    port = free_port()
    process = subprocess.Popen(
        [*ROLODEX, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=cli_env(database_url),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=url, timeout=30) as client:
            for _ in range(300):
                try:
                    if client.get("/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            assert sign_in(client, web_user.email, web_user.password).status_code == 303
            with client.stream("GET", "/events") as response:
                page = EventStream(response)
                assert page.next_event()[0] == "ready"
                process.terminate()
                # The server ends the stream itself (else this read would wait for ever).
                with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError, AssertionError)):
                    page.next_event()
        # Stopped by the signal, within uvicorn's graceful timeout (else this waits in vain).
        assert process.wait(timeout=30) in (0, -15)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_the_migration_indexes_the_numbers_already_stored(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'before-cti.db'}")
    try:
        upgrade(engine, "0009")
        with unit_of_work(engine, write=True) as connection:
            instance_id = users.create_instance(connection, "Before CTI")
            now = datetime.now(UTC).replace(tzinfo=None)
            stored = {"instance_id": instance_id, "date_created_utc": now, "date_updated_utc": now}
            connection.execute(
                insert(tables.record_tables["Contact"]),
                [
                    {**stored, "first_name": "Old", "phone": "415.555.0100", "custom_fields": {}},
                    {**stored, "first_name": "Odd", "phone": "ext. 12", "custom_fields": {}},
                ],
            )
        upgrade(engine)
        numbers = tables.phone_numbers
        with unit_of_work(engine) as connection:
            rows = connection.execute(select(numbers.c.field_name, numbers.c.e164)).all()
        assert [tuple(row) for row in rows] == [("PHONE", "+14155550100")]
    finally:
        engine.dispose()
