"""Paging (contract §4): skip/top sweeps, the 500 cap, count_total and updated_after_utc."""

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, select

from rolodex.storage import tables
from tests.conftest import Tenant

TOTAL = 1203
MAX_TOP = 500
WIRE_FORMAT = "%Y-%m-%d %H:%M:%S"
LONG_AGO = datetime(2000, 1, 1)


@dataclass
class Instance:
    """An instance holding exactly TOTAL contacts, some of them changed after creation."""

    instance_id: int
    client: httpx.Client
    ids: list[int]

    def updated_order(self, engine: Engine) -> list[int]:
        """The ids in (DATE_UPDATED_UTC, id) order, read at full precision from the database."""
        contacts = tables.record_tables["Contact"]
        query = (
            select(contacts.c.id)
            .where(contacts.c.instance_id == self.instance_id)
            .order_by(contacts.c.date_updated_utc, contacts.c.id)
        )
        with engine.connect() as connection:
            return list(connection.execute(query).scalars())


@pytest.fixture(scope="module")
def filled(make_session_tenant: Callable[[], Tenant]) -> Instance:
    """One instance with TOTAL contacts, shared by this module's read-only tests."""
    tenant = make_session_tenant()

    def create(number: int) -> int:
        body = {"FIRST_NAME": f"Contact {number:04d}", "LAST_NAME": "Paged"}
        response = tenant.client.post("/Contacts", json=body)
        assert response.status_code == 201, response.text
        return int(response.json()["CONTACT_ID"])

    def touch(contact_id: int) -> None:
        response = tenant.client.put(f"/Contacts/{contact_id}", json={"LAST_NAME": "Changed"})
        assert response.status_code == 200, response.text

    with ThreadPoolExecutor(max_workers=8) as pool:
        ids = sorted(pool.map(create, range(TOTAL)))
        # Change every 10th contact, newest first, so that update order is not id order.
        list(pool.map(touch, reversed(ids[::10])))
    return Instance(tenant.instance_id, tenant.client, ids)


def get(client: httpx.Client, path: str, **params: object) -> httpx.Response:
    response = client.get(path, params=params)  # type: ignore[arg-type]
    assert response.status_code == 200, response.text
    return response


def sweep(client: httpx.Client, path: str, top: int, **params: object) -> list[dict[str, Any]]:
    """Every record, page by page, as a client pages: skip += top until a short page."""
    records: list[dict[str, Any]] = []
    while True:
        page = get(client, path, skip=len(records), top=top, **params).json()
        assert len(page) <= top
        records.extend(page)
        if len(page) < top:
            return records
        assert len(records) <= TOTAL, "the sweep does not end"


def ids_of(records: list[dict[str, Any]]) -> list[int]:
    return [int(record["CONTACT_ID"]) for record in records]


@pytest.mark.parametrize("path", ["/Contacts", "/Contacts/Search"])
@pytest.mark.parametrize("top", [MAX_TOP, 97])
def test_sweep_returns_each_record_once_in_id_order(filled: Instance, path: str, top: int) -> None:
    assert ids_of(sweep(filled.client, path, top)) == filled.ids


@pytest.mark.parametrize("path", ["/Contacts", "/Contacts/Search"])
@pytest.mark.parametrize("top", [MAX_TOP, 97])
def test_updated_after_sweep_is_ordered_by_update_time_then_id(
    filled: Instance, engine: Engine, path: str, top: int
) -> None:
    before_all = LONG_AGO.strftime(WIRE_FORMAT)
    records = sweep(filled.client, path, top, updated_after_utc=before_all, brief="true")
    ids = ids_of(records)
    assert sorted(ids) == filled.ids
    assert ids == filled.updated_order(engine)
    assert ids != filled.ids  # the changed contacts moved to the end
    stamps = [str(record["DATE_UPDATED_UTC"]) for record in records]
    assert stamps == sorted(stamps)


def test_top_is_clamped_to_500(filled: Instance) -> None:
    for top in (501, 1000, 10**9):
        page = get(filled.client, "/Contacts", top=top).json()
        assert ids_of(page) == filled.ids[:MAX_TOP]
    assert ids_of(get(filled.client, "/Contacts", skip=1000, top=1000).json()) == filled.ids[1000:]


def test_default_top_is_100(filled: Instance) -> None:
    assert ids_of(get(filled.client, "/Contacts").json()) == filled.ids[:100]


def test_skip_past_the_end_is_an_empty_list(filled: Instance) -> None:
    response = get(filled.client, "/Contacts", skip=TOTAL, count_total="true")
    assert response.json() == []
    assert response.headers["X-Total-Count"] == str(TOTAL)


@pytest.mark.parametrize("value", ["true", "True", "TRUE"])
@pytest.mark.parametrize("path", ["/Contacts", "/Contacts/Search"])
def test_count_total_counts_every_record(filled: Instance, path: str, value: str) -> None:
    response = get(filled.client, path, top=7, skip=3, count_total=value)
    assert len(response.json()) == 7
    assert response.headers["X-Total-Count"] == str(TOTAL)


def test_count_total_absent_or_false_sends_no_header(filled: Instance) -> None:
    assert "X-Total-Count" not in get(filled.client, "/Contacts", top=1).headers
    assert (
        "X-Total-Count" not in get(filled.client, "/Contacts", top=1, count_total="false").headers
    )


def test_count_total_counts_only_matching_records(filled: Instance) -> None:
    response = get(
        filled.client,
        "/Contacts/Search",
        field_name="LAST_NAME",
        field_value="changed",
        count_total="true",
        top=1,
    )
    assert response.headers["X-Total-Count"] == str(len(filled.ids[::10]))


# --- updated_after_utc --------------------------------------------------------------------------


def latest_update(filled: Instance) -> datetime:
    records = sweep(filled.client, "/Contacts", MAX_TOP, brief="true")
    return max(datetime.strptime(str(r["DATE_UPDATED_UTC"]), WIRE_FORMAT) for r in records)


def count_after(filled: Instance, raw_value: str, path: str = "/Contacts/Search") -> int:
    """X-Total-Count for updated_after_utc written exactly as `raw_value` in the query string."""
    response = filled.client.get(f"{path}?count_total=true&top=1&updated_after_utc={raw_value}")
    assert response.status_code == 200, response.text
    return int(response.headers["X-Total-Count"])


def test_updated_after_the_last_update_is_empty(filled: Instance) -> None:
    after_all = (latest_update(filled) + timedelta(seconds=1)).strftime(WIRE_FORMAT)
    for path in ("/Contacts", "/Contacts/Search"):
        assert get(filled.client, path, updated_after_utc=after_all).json() == []


def test_updated_after_is_strictly_greater(filled: Instance) -> None:
    """A value equal (to the second) to some records' DATE_UPDATED_UTC keeps every later one."""
    records = sweep(filled.client, "/Contacts", MAX_TOP, brief="true")
    stamps = sorted({str(r["DATE_UPDATED_UTC"]) for r in records})
    boundary = stamps[len(stamps) // 2]
    found = set(ids_of(sweep(filled.client, "/Contacts", MAX_TOP, updated_after_utc=boundary)))
    later = {r["CONTACT_ID"] for r in records if r["DATE_UPDATED_UTC"] > boundary}
    same_or_later = {r["CONTACT_ID"] for r in records if r["DATE_UPDATED_UTC"] >= boundary}
    assert later <= found <= same_or_later


def value_formats(moment: datetime) -> dict[str, str]:
    """`moment` (UTC) written in each accepted query-string form, already URL-encoded."""
    plus_one_hour = moment + timedelta(hours=1)
    return {
        "space": moment.strftime("%Y-%m-%d%%20%H:%M:%S"),
        "plus-for-space": moment.strftime("%Y-%m-%d+%H:%M:%S"),
        "iso-z": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "iso-fraction-z": moment.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "iso-offset-encoded": plus_one_hour.strftime("%Y-%m-%dT%H:%M:%S%%2B01:00"),
        "iso-offset-raw-plus": plus_one_hour.strftime("%Y-%m-%dT%H:%M:%S+01:00"),
        "iso-no-zone": moment.strftime("%Y-%m-%dT%H:%M:%S"),
    }


FORMATS = list(value_formats(LONG_AGO))


@pytest.mark.parametrize("form", FORMATS)
@pytest.mark.parametrize("path", ["/Contacts", "/Contacts/Search"])
def test_updated_after_formats(filled: Instance, form: str, path: str) -> None:
    after_all = latest_update(filled) + timedelta(seconds=1)
    assert count_after(filled, value_formats(LONG_AGO)[form], path) == TOTAL
    assert count_after(filled, value_formats(after_all)[form], path) == 0


@pytest.mark.parametrize("path", ["/Contacts", "/Contacts/Search"])
def test_updated_after_date_only(filled: Instance, path: str) -> None:
    day_after = (latest_update(filled) + timedelta(days=1)).strftime("%Y-%m-%d")
    assert count_after(filled, "2000-01-01", path) == TOTAL
    assert count_after(filled, day_after, path) == 0


@pytest.mark.parametrize("value", ["", "None", "null", "%20"])
@pytest.mark.parametrize("path", ["/Contacts", "/Contacts/Search"])
def test_empty_or_none_updated_after_is_ignored(filled: Instance, value: str, path: str) -> None:
    assert count_after(filled, value, path) == TOTAL
    page = filled.client.get(f"{path}?updated_after_utc={value}&top={MAX_TOP}").json()
    assert ids_of(page) == filled.ids[:MAX_TOP]  # id order, as without the parameter
