"""What a request costs the database (issue 12): a GET of one record is one read transaction of
at most four statements, sub-collections included, a list page costs the same number of
statements whatever its length, and a POST inserts what it creates without first deleting or
reading what a new record cannot have. Counted on the real engine behind the session's server."""

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, event

from tests.conftest import Tenant


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    sent: list[str] = []

    def note(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        # Not the statements of the lease sweeper, which runs beside the requests.
        if threading.current_thread().name != "rolodex-rate-leases":
            sent.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", note)


def fewest(engine: Engine, send: Callable[[], httpx.Response]) -> tuple[list[str], Any]:
    """The statements of the cheapest of three sends of the same request, with its answer's
    JSON: a second-long cache (callers, custom fields) that ends during one of them costs that
    one a statement more, whatever the request."""
    tries = []
    for _ in range(3):
        with statements(engine) as sent:
            answer = send().json()
        tries.append((sent, answer))
    return min(tries, key=lambda attempt: len(attempt[0]))


def rich_contacts(api: httpx.Client, count: int) -> list[int]:
    organisation = api.post("/Organisations", json={"ORGANISATION_NAME": "Acme"}).json()
    ids = []
    for number in range(count):
        body = {
            "FIRST_NAME": f"Ada {number}",
            "TAGS": [{"TAG_NAME": "VIP"}, {"TAG_NAME": f"t{number}"}],
            "DATES": [{"OCCASION_NAME": "Birthday", "OCCASION_DATE": "1990-01-01"}],
            "LINKS": [
                {
                    "LINK_OBJECT_NAME": "Organisation",
                    "LINK_OBJECT_ID": organisation["ORGANISATION_ID"],
                }
            ],
            "CUSTOMFIELDS": [{"FIELD_NAME": "Colour__c", "FIELD_VALUE": "red"}],
        }
        response = api.post("/Contacts", json=body)
        assert response.status_code == 201, response.text
        ids.append(response.json()["CONTACT_ID"])
    return ids


def define_colour(api: httpx.Client) -> None:
    definition = {"FIELD_NAME": "Colour__c", "FIELD_LABEL": "Colour", "FIELD_TYPE": "TEXT"}
    assert api.post("/CustomFields/Contacts", json=definition).status_code == 201


def test_get_one_record_is_one_read_of_at_most_four_statements(
    engine: Engine, tenant: Tenant
) -> None:
    define_colour(tenant.client)
    (contact_id,) = rich_contacts(tenant.client, 1)
    tenant.client.get(f"/Contacts/{contact_id}")  # the caller is read once per cache period
    sent, record = fewest(engine, lambda: tenant.client.get(f"/Contacts/{contact_id}"))
    assert record["TAGS"] and record["DATES"] and record["LINKS"] and record["CUSTOMFIELDS"]
    data = [s for s in sent if not s.lstrip().upper().startswith("BEGIN")]
    assert len(sent) <= 4, sent
    assert all(s.lstrip().upper().startswith("SELECT") for s in data), sent


def test_a_list_page_costs_the_same_whatever_its_length(engine: Engine, tenant: Tenant) -> None:
    define_colour(tenant.client)
    rich_contacts(tenant.client, 12)
    counts = {}
    for top in (1, 12):
        tenant.client.get(f"/Contacts?top={top}")
        sent, page = fewest(engine, lambda top=top: tenant.client.get(f"/Contacts?top={top}"))
        assert len(page) == top
        counts[top] = len(sent)
    assert counts[1] == counts[12] <= 4, counts
    for path in (
        "/Contacts/SearchByTag?tagName=VIP",
        "/Contacts/Search?field_name=Colour__c&field_value=red",
    ):
        tenant.client.get(path)
        sent, page = fewest(engine, lambda path=path: tenant.client.get(path))
        assert len(page) == 12
        assert len(sent) <= 4, [s[:90] for s in sent]


@pytest.mark.parametrize("version", ["v3.0", "v2.2"])
def test_an_older_versions_list_page_costs_the_same_whatever_its_length(
    engine: Engine, tenant: Tenant, version: str
) -> None:
    base = str(tenant.client.base_url).rstrip("/").removesuffix("/v3.1")
    with httpx.Client(base_url=f"{base}/{version}", auth=(tenant.api_key, "")) as client:
        extras = [{"TYPE": "EMAIL", "DETAIL": f"{n}@x.example"} for n in range(3)]
        for number in range(12):  # v2.2 keeps the second and third e-mail in its extension
            body = {"FIRST_NAME": f"Old {number}", "TAGS": [{"TAG_NAME": "VIP"}]}
            if version == "v2.2":
                body["CONTACTINFOS"] = extras
            assert client.post("/Contacts", json=body).status_code == 201
        counts = {}
        for top in (1, 12):
            client.get(f"/Contacts?top={top}")
            sent, page = fewest(engine, lambda top=top: client.get(f"/Contacts?top={top}"))
            assert len(page) == top
            if version == "v2.2":
                assert all(len(contact["CONTACTINFOS"]) == 3 for contact in page)
            data = [s for s in sent if not s.lstrip().upper().startswith("BEGIN")]
            assert all(s.lstrip().upper().startswith("SELECT") for s in data), sent
            counts[top] = len(sent)
        assert counts[1] == counts[12] <= 5, counts


def test_a_read_on_postgresql_opens_no_transaction_of_its_own(
    engine: Engine, tenant: Tenant
) -> None:
    """Each statement of a read is its own implicit transaction (as READ COMMITTED would see it
    anyway): no BEGIN and COMMIT round trips around a GET's one statement."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite's BEGIN and COMMIT cost no round trip")
    define_colour(tenant.client)
    (contact_id,) = rich_contacts(tenant.client, 1)
    states: list[str] = []

    def note(connection: Any, *_: object) -> None:
        dbapi = connection.connection.dbapi_connection
        states.append(dbapi.info.transaction_status.name)

    tenant.client.get(f"/Contacts/{contact_id}")
    event.listen(engine, "after_cursor_execute", note)
    try:
        assert tenant.client.get(f"/Contacts/{contact_id}").status_code == 200
        assert tenant.client.get("/Contacts?top=5").status_code == 200
    finally:
        event.remove(engine, "after_cursor_execute", note)
    assert states and set(states) == {"IDLE"}, states
    # A write still is one transaction.
    states.clear()
    event.listen(engine, "after_cursor_execute", note)
    try:
        response = tenant.client.put(
            "/Contacts", json={"CONTACT_ID": contact_id, "FIRST_NAME": "Ada", "TITLE": "Dr"}
        )
        assert response.status_code == 200, response.text
    finally:
        event.remove(engine, "after_cursor_execute", note)
    assert "INTRANS" in states, states


def test_a_post_inserts_each_part_once_and_deletes_nothing(engine: Engine, tenant: Tenant) -> None:
    """A new record has no search keys, phone numbers, viewers or tags to replace: each is one
    INSERT, and the only reads are the references' (a user other than the caller here) and the
    record returned."""
    define_colour(tenant.client)
    other, other_key = tenant.add_user(engine, "individual@example.com")
    body = {
        "FIRST_NAME": "Grace",
        "PHONE": "+44 20 7946 0000",
        "VISIBLE_TO": "INDIVIDUALS",
        "VISIBLE_USER_IDS": str(other),
        "TAGS": [{"TAG_NAME": "VIP"}, {"TAG_NAME": "Board"}],
        "DATES": [{"OCCASION_NAME": "Birthday", "OCCASION_DATE": "1990-01-01"}],
        "CUSTOMFIELDS": [{"FIELD_NAME": "Colour__c", "FIELD_VALUE": "red"}],
    }
    tenant.client.get("/Contacts?top=1")  # the caller read once per cache period
    with statements(engine) as sent:
        response = tenant.client.post("/Contacts", json=body)
    assert response.status_code == 201, response.text
    words = [s.split()[0].upper() for s in sent]
    assert "DELETE" not in words and "UPDATE" not in words, sent
    inserted = [s.split()[2].lower() for s in sent if s.split()[0].upper() == "INSERT"]
    assert sorted(inserted) == sorted(
        {"contacts", "custom_field_values", "phone_numbers", "record_viewers", "tags", "dates"}
    ), inserted
    # the reads: the other user, the custom field's definition (cached) and the read-back
    selects = [" ".join(s.split()) for s in sent if s.split()[0].upper() == "SELECT"]
    read_back = [s for s in selects if " AS kind," in s]  # the record and its sub-collections
    assert len(read_back) == 1, selects
    for table in ("contacts", "custom_field_values", "phone_numbers", "record_viewers", "tags"):
        assert not [s for s in selects if f"FROM {table} " in s and s not in read_back], selects
    assert len(selects) <= 4, selects
    created = response.json()
    assert sorted(t["TAG_NAME"] for t in created["TAGS"]) == ["Board", "VIP"]
    assert [d["OCCASION_NAME"] for d in created["DATES"]] == ["Birthday"]
    # what was inserted is found as a replace would have left it
    found = tenant.client.get(
        "/Contacts/Search", params={"field_name": "Colour__c", "field_value": "red"}
    ).json()
    assert [c["CONTACT_ID"] for c in found] == [created["CONTACT_ID"]]
    with httpx.Client(
        base_url=str(tenant.client.base_url), auth=(other_key, ""), timeout=30
    ) as individual:
        seen = individual.get(f"/Contacts/{created['CONTACT_ID']}")
        assert seen.status_code == 200, seen.text
    lookup = tenant.client.get("/CTI/Lookup", params={"phone_number": "+442079460000"})
    assert created["CONTACT_ID"] in {r.get("RECORD_ID") for r in lookup.json()}, lookup.text


def test_a_put_moving_a_link_touches_and_deletes_by_primary_key(
    engine: Engine, tenant: Tenant
) -> None:
    """Moving a contact's link from one organisation to another touches both organisations and
    deletes the old link by their ids: on SQLite by the primary key, not by reading every
    organisation in the DATE_UPDATED_UTC index, nor every link of the instance."""
    if engine.dialect.name != "sqlite":
        pytest.skip("the plans of SQLite's planner, which has no statistics to go by")
    api = tenant.client
    first, second = (
        api.post("/Organisations", json={"ORGANISATION_NAME": name}).json()["ORGANISATION_ID"]
        for name in ("First", "Second")
    )
    contact = api.post(
        "/Contacts",
        json={
            "FIRST_NAME": "Moving",
            "LINKS": [
                {"LINK_OBJECT_NAME": "Organisation", "LINK_OBJECT_ID": first},
                {"LINK_OBJECT_NAME": "Organisation", "LINK_OBJECT_ID": first, "ROLE": "Board"},
            ],
        },
    ).json()
    captured: list[tuple[str, Any]] = []

    def note(_conn: object, _cursor: object, statement: str, parameters: Any, *_: object) -> None:
        if statement.startswith(("UPDATE organisations", "DELETE FROM links")):
            captured.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", note)
    try:
        moved = api.put(
            "/Contacts",
            json={
                "CONTACT_ID": contact["CONTACT_ID"],
                "LINKS": [{"LINK_OBJECT_NAME": "Organisation", "LINK_OBJECT_ID": second}],
            },
        )
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert moved.status_code == 200, moved.text
    assert [link["LINK_OBJECT_ID"] for link in moved.json()["LINKS"]] == [second]
    kinds = sorted({statement.split()[0] for statement, _ in captured})
    assert kinds == ["DELETE", "UPDATE"], captured
    with engine.connect() as connection:
        raw = connection.connection.dbapi_connection
        assert raw is not None
        for statement, parameters in captured:
            plan = " ".join(
                row[3] for row in raw.execute("EXPLAIN QUERY PLAN " + statement, parameters)
            )
            assert "PRIMARY KEY" in plan or "(instance_id=? AND id=?)" in plan, (statement, plan)
    for organisation in (first, second):  # both touched: their DATE_UPDATED_UTC moved
        assert (
            api.get(f"/Organisations/{organisation}").json()["DATE_UPDATED_UTC"]
            >= contact["DATE_UPDATED_UTC"]
        )
