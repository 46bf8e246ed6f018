"""Pages of lists and searches read in an index (issue 12): every page is exactly the matching
records in id order at its skip, the total counts every match, and on SQLite no page sorts
all the matches (or reads the rows it skips). A read is not held up by a write that waits."""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, event

from tests.conftest import Tenant

SEARCHES = {
    "tag": "/Contacts/SearchByTag?tagName=vip",
    "custom field": "/Contacts/Search?field_name=Colour__c&field_value=RED",
    "standard field": "/Contacts/Search?field_name=LAST_NAME&field_value=smith",
    "list": "/Contacts?brief=false",
}


@pytest.fixture(scope="module")
def searched(make_session_tenant: Any) -> tuple[Tenant, list[int], list[int]]:
    """A tenant with 14 contacts: every third matches every search (in mixed spellings), one
    match deleted; (tenant, matching ids in id order, every id in id order)."""
    tenant: Tenant = make_session_tenant()
    api = tenant.client
    definition = {"FIELD_NAME": "Colour__c", "FIELD_LABEL": "Colour", "FIELD_TYPE": "TEXT"}
    assert api.post("/CustomFields/Contacts", json=definition).status_code == 201
    matching, every = [], []
    for number in range(14):
        match = number % 3 != 1
        body = {
            "FIRST_NAME": f"Ada {number}",
            "LAST_NAME": ("Smith", "SMITH", "smith")[number % 3] if match else "Jones",
            "TAGS": [{"TAG_NAME": "VIP" if number % 2 else "Vip"}] if match else [],
            "CUSTOMFIELDS": [
                {"FIELD_NAME": "Colour__c", "FIELD_VALUE": "red" if match else "blue"}
            ],
        }
        response = api.post("/Contacts", json=body)
        assert response.status_code == 201, response.text
        every.append(response.json()["CONTACT_ID"])
        if match:
            matching.append(response.json()["CONTACT_ID"])
    gone = matching.pop(4)
    every.remove(gone)
    assert api.delete(f"/Contacts/{gone}").status_code == 202
    return tenant, matching, every


@pytest.mark.parametrize("kind", SEARCHES)
def test_every_page_is_the_matches_in_id_order_at_its_skip(
    kind: str, searched: tuple[Tenant, list[int], list[int]]
) -> None:
    tenant, matching, every = searched
    expected = every if kind == "list" else matching
    for top in (1, 3, 4):
        for skip in range(len(expected) + 2):
            response = tenant.client.get(f"{SEARCHES[kind]}&skip={skip}&top={top}&count_total=true")
            assert response.status_code == 200, response.text
            ids = [record["CONTACT_ID"] for record in response.json()]
            assert ids == expected[skip : skip + top], (kind, skip, top)
            assert response.headers["X-Total-Count"] == str(len(expected))
    # top=0 is an empty page with the total.
    response = tenant.client.get(f"{SEARCHES[kind]}&top=0&count_total=true")
    assert response.json() == [] and response.headers["X-Total-Count"] == str(len(expected))


@contextmanager
def statements(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    sent: list[tuple[str, Any]] = []

    def note(_conn: object, _cursor: object, statement: str, parameters: Any, *_: object) -> None:
        sent.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", note)


@pytest.mark.parametrize("kind", SEARCHES)
def test_no_page_sorts_every_match_on_sqlite(
    kind: str, engine: Engine, searched: tuple[Tenant, list[int], list[int]]
) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("the plans checked are SQLite's")
    tenant, _, _ = searched
    path = f"{SEARCHES[kind]}&skip=2&top=3"
    tenant.client.get(path)
    with statements(engine) as sent:
        assert tenant.client.get(path).status_code == 200
    selects = [(s, p) for s, p in sent if s.lstrip().upper().startswith("SELECT")]
    assert selects
    with engine.connect() as connection:
        for statement, parameters in selects:
            plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
            details = [row[-1] for row in plan]
            assert not any("TEMP B-TREE" in detail for detail in details), (statement, details)
            assert not any(detail.startswith("SCAN contacts") for detail in details), details


def test_a_read_is_not_held_up_by_a_write_waiting_for_the_lock(
    engine: Engine, searched: tuple[Tenant, list[int], list[int]]
) -> None:
    """Reads run on the event loop, writes in their own lane: a POST waiting for the
    database's write lock leaves GETs answering."""
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's write lock is held from outside here")
    tenant, matching, _ = searched
    posted: list[httpx.Response] = []
    with engine.connect() as connection:
        # Hold the database's one write lock (the engine begins as it says).
        held = connection.execution_options(sqlite_begin="IMMEDIATE").begin()
        writer = threading.Thread(
            target=lambda: posted.append(
                tenant.client.post("/Contacts", json={"FIRST_NAME": "Waiting"})
            )
        )
        writer.start()
        try:
            for _ in range(5):
                response = tenant.client.get(f"/Contacts/{matching[0]}")
                assert response.status_code == 200
            assert tenant.client.get("/Contacts?top=5").status_code == 200
            assert writer.is_alive() and not posted  # the POST still waits for the lock
        finally:
            held.rollback()
        writer.join(timeout=60)
    assert posted and posted[0].status_code == 201, posted


def test_a_negative_write_lane_is_refused_by_name() -> None:
    from pydantic import ValidationError

    from rolodex.config import Settings

    with pytest.raises(ValidationError, match="write_threads"):
        Settings(write_threads=-1)
    assert Settings(write_threads=3).write_threads == 3
