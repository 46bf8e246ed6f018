"""DATE_UPDATED_UTC (contract §5): every write that changes a record's graph sets it, a link
change touches both ends, a write that changes nothing leaves it, and it never goes backwards;
so a client can sync with /Search?updated_after_utc=<the latest value it saw>.

The wire format has second resolution, so a change is only visible a second later. Rather than
sleep once per case, one scenario sets up the records of every case, reads their
DATE_UPDATED_UTC, sleeps once, makes every case's write, and reads them again; each test then
checks one case against those two readings.
"""

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from rolodex.services import users
from rolodex.storage.engine import unit_of_work
from tests._graph_helpers import (
    COLLECTION,
    MISSING_ID,
    create_contact,
    create_note,
    create_org,
    created,
    get_record,
    updated_utc,
)

Refs = dict[str, Any]  # a case's records by name: ("Contact", id); also link ids
CUSTOM_FIELD = "COLOUR__c"


@dataclass(frozen=True)
class Case:
    """One write: its set-up, the write itself, and which records it must (not) touch."""

    id: str
    setup: Callable[[httpx.Client], Refs]
    write: Callable[[httpx.Client, Refs], httpx.Response]
    status: int | tuple[int, ...]  # the status (or the statuses) the write must answer
    changed: tuple[str, ...] = ()  # records whose DATE_UPDATED_UTC must move forward
    unchanged: tuple[str, ...] = ()  # records whose DATE_UPDATED_UTC must stay as it was
    gone: tuple[str, ...] = ()  # records the write deletes

    @property
    def statuses(self) -> tuple[int, ...]:
        return self.status if isinstance(self.status, tuple) else (self.status,)

    @property
    def observed(self) -> tuple[str, ...]:
        return self.changed + self.unchanged


# --- set-ups ---------------------------------------------------------------------------------


def a_contact(api: httpx.Client) -> Refs:
    contact_id = create_contact(
        api,
        "Ada",
        LAST_NAME="Lovelace",
        TITLE="Countess",
        EMAIL_ADDRESS="ada@example.com",
        DATE_OF_BIRTH="1815-12-10 00:00:00",
        EMAIL_OPTED_OUT=False,
        TAGS=[{"TAG_NAME": "vip"}, {"TAG_NAME": "Maths"}],
        DATES=[{"OCCASION_NAME": "Anniversary", "OCCASION_DATE": "2020-05-01 00:00:00"}],
        CUSTOMFIELDS=[{"FIELD_NAME": CUSTOM_FIELD, "FIELD_VALUE": "blue"}],
    )
    return {"contact": ("Contact", contact_id)}


def an_org(api: httpx.Client) -> Refs:
    org_id = create_org(api, "Analytical Engines", EMAILDOMAINS=[{"EMAIL_DOMAIN": "engines.com"}])
    return {"org": ("Organisation", org_id)}


def a_contact_and_an_org(api: httpx.Client) -> Refs:
    return {**a_contact(api), **an_org(api)}


def a_linked_pair(api: httpx.Client) -> Refs:
    """A contact linked to an organisation, and a bystander organisation linked to neither."""
    refs = {**a_contact_and_an_org(api), "bystander": ("Organisation", create_org(api, "Other"))}
    link = api.post(
        f"/Contacts/{refs['contact'][1]}/Links",
        json={"LINK_OBJECT_NAME": "Organisation", "LINK_OBJECT_ID": refs["org"][1], "ROLE": "R"},
    )
    return {**refs, "link": created(link)["LINK_ID"]}


def a_contact_with_two_links(api: httpx.Client) -> Refs:
    refs = a_contact(api)
    for name in ("kept", "dropped"):
        refs[name] = ("Organisation", create_org(api, name))
        link = api.post(
            f"/Contacts/{refs['contact'][1]}/Links",
            json={"LINK_OBJECT_NAME": "Organisation", "LINK_OBJECT_ID": refs[name][1]},
        )
        refs[f"{name}_link"] = created(link)["LINK_ID"]
    return refs


def a_contact_with_a_note(api: httpx.Client) -> Refs:
    refs = a_contact(api)
    return {**refs, "note": ("Note", create_note(api, "Contact", refs["contact"][1]))}


# --- writes ----------------------------------------------------------------------------------


def put(api: httpx.Client, refs: Refs, name: str, **fields: Any) -> httpx.Response:
    """PUT /{Coll} with the record's id and `fields`."""
    singular, record_id = refs[name]
    id_field = f"{singular.upper()}_ID"
    return api.put(f"/{COLLECTION[singular]}", json={id_field: record_id, **fields})


def url(refs: Refs, name: str, tail: str = "") -> str:
    singular, record_id = refs[name]
    return f"/{COLLECTION[singular]}/{record_id}{tail}"


def read_back(api: httpx.Client, refs: Refs, name: str, what: str) -> Any:
    return get_record(api, *refs[name])[what]


def put_record_as_read(api: httpx.Client, refs: Refs) -> httpx.Response:
    """The classic client round trip: GET the record and PUT it back as it came."""
    return api.put("/Contacts", json=get_record(api, *refs["contact"]))


def put_same_link(api: httpx.Client, refs: Refs) -> httpx.Response:
    [link] = api.get(url(refs, "contact", "/Links")).json()
    return api.put(url(refs, "contact", "/Links"), json=link)


def change_link_role(api: httpx.Client, refs: Refs) -> httpx.Response:
    [link] = api.get(url(refs, "contact", "/Links")).json()
    return api.put(url(refs, "contact", "/Links"), json={**link, "ROLE": "New role"})


def drop_one_link(api: httpx.Client, refs: Refs) -> httpx.Response:
    links = api.get(url(refs, "contact", "/Links")).json()
    kept = [link for link in links if link["LINK_ID"] == refs["kept_link"]]
    return put(api, refs, "contact", LINKS=kept)


def rename_date(api: httpx.Client, refs: Refs) -> httpx.Response:
    [date] = read_back(api, refs, "contact", "DATES")
    return put(api, refs, "contact", DATES=[{**date, "OCCASION_NAME": "Wedding"}])


CHANGES = [
    Case(
        "scalar field set",
        a_contact,
        lambda api, refs: put(api, refs, "contact", LAST_NAME="King"),
        200,
        changed=("contact",),
    ),
    Case(
        "scalar field cleared",
        a_contact,
        lambda api, refs: put(api, refs, "contact", TITLE=None),
        200,
        changed=("contact",),
    ),
    Case(
        "custom field",
        a_contact,
        lambda api, refs: put(
            api, refs, "contact", CUSTOMFIELDS=[{"FIELD_NAME": CUSTOM_FIELD, "FIELD_VALUE": "red"}]
        ),
        200,
        changed=("contact",),
    ),
    Case(
        "TAGS in a record PUT",
        a_contact,
        lambda api, refs: put(api, refs, "contact", TAGS=[{"TAG_NAME": "vip"}]),
        200,
        changed=("contact",),
    ),
    Case(
        "POST Tags",
        a_contact,
        lambda api, refs: api.post(url(refs, "contact", "/Tags"), json={"TAG_NAME": "new"}),
        201,
        changed=("contact",),
    ),
    Case(
        "DELETE Tags",
        a_contact,
        lambda api, refs: api.request(
            "DELETE", url(refs, "contact", "/Tags"), json={"TAG_NAME": "vip"}
        ),
        202,
        changed=("contact",),
    ),
    Case(
        "PUT Tags",
        a_contact,
        lambda api, refs: api.put(url(refs, "contact", "/Tags"), json=[{"TAG_NAME": "other"}]),
        200,
        changed=("contact",),
    ),
    Case(
        "PUT Dates",
        a_contact,
        lambda api, refs: api.put(
            url(refs, "contact", "/Dates"),
            json=[{"OCCASION_NAME": "Birthday", "OCCASION_DATE": "2021-06-01 00:00:00"}],
        ),
        200,
        changed=("contact",),
    ),
    Case("a date changed in a record PUT", a_contact, rename_date, 200, changed=("contact",)),
    Case(
        "PUT EmailDomains",
        an_org,
        lambda api, refs: api.put(
            url(refs, "org", "/EmailDomains"), json=[{"EMAIL_DOMAIN": "difference.org"}]
        ),
        200,
        changed=("org",),
    ),
    Case(
        "link created by POST Links: both ends",
        a_contact_and_an_org,
        lambda api, refs: api.post(
            url(refs, "contact", "/Links"),
            json={"LINK_OBJECT_NAME": "Organisation", "LINK_OBJECT_ID": refs["org"][1]},
        ),
        201,
        changed=("contact", "org"),
    ),
    Case(
        "link created by LINKS in a record PUT: both ends",
        a_contact_and_an_org,
        lambda api, refs: put(
            api,
            refs,
            "org",
            LINKS=[{"LINK_OBJECT_NAME": "Contact", "LINK_OBJECT_ID": refs["contact"][1]}],
        ),
        200,
        changed=("org", "contact"),
    ),
    Case(
        "link updated: both ends",
        a_linked_pair,
        change_link_role,
        200,
        changed=("contact", "org"),
        unchanged=("bystander",),
    ),
    Case(
        "link deleted from the other end: both ends",
        a_linked_pair,
        lambda api, refs: api.delete(url(refs, "org", f"/Links/{refs['link']}")),
        202,
        changed=("contact", "org"),
        unchanged=("bystander",),
    ),
    Case(
        "link dropped by a record PUT: its other end, not the kept one",
        a_contact_with_two_links,
        drop_one_link,
        200,
        changed=("contact", "dropped"),
        unchanged=("kept",),
    ),
    Case(
        "record at one end deleted: the other end",
        a_linked_pair,
        lambda api, refs: api.delete(url(refs, "org")),
        202,
        changed=("contact",),
        unchanged=("bystander",),
        gone=("org",),
    ),
    Case(
        "note attached by POST Notes",
        a_contact,
        lambda api, refs: api.post(url(refs, "contact", "/Notes"), json={"TITLE": "Met"}),
        201,
        changed=("contact",),
    ),
    Case(
        "note deleted: its record",
        a_contact_with_a_note,
        lambda api, refs: api.delete(url(refs, "note")),
        202,
        changed=("contact",),
        gone=("note",),
    ),
    Case(
        "note edited",
        a_contact_with_a_note,
        lambda api, refs: put(api, refs, "note", BODY="Rewritten"),
        200,
        changed=("note",),
    ),
]

NO_CHANGES = [
    Case(
        "PUT with the same values",
        a_contact,
        lambda api, refs: put(
            api,
            refs,
            "contact",
            FIRST_NAME="Ada",
            LAST_NAME="Lovelace",
            TITLE="Countess",
            EMAIL_ADDRESS="ada@example.com",
            DATE_OF_BIRTH="1815-12-10 00:00:00",
            EMAIL_OPTED_OUT=False,
            CUSTOMFIELDS=[{"FIELD_NAME": CUSTOM_FIELD, "FIELD_VALUE": "blue"}],
        ),
        200,
        unchanged=("contact",),
    ),
    Case(
        "PUT with the same date in ISO form",
        a_contact,
        lambda api, refs: put(api, refs, "contact", DATE_OF_BIRTH="1815-12-10T00:00:00Z"),
        200,
        unchanged=("contact",),
    ),
    Case(
        "PUT with only the id",
        a_contact,
        lambda api, refs: put(api, refs, "contact"),
        200,
        unchanged=("contact",),
    ),
    Case(
        "PUT with only read-only fields",
        a_contact,
        lambda api, refs: put(
            api,
            refs,
            "contact",
            DATE_UPDATED_UTC="2000-01-01 00:00:00",
            DATE_CREATED_UTC="2000-01-01 00:00:00",
        ),
        200,
        unchanged=("contact",),
    ),
    Case(
        "TAGS in a record PUT, same tags",
        a_contact,
        lambda api, refs: put(api, refs, "contact", TAGS=read_back(api, refs, "contact", "TAGS")),
        200,
        unchanged=("contact",),
    ),
    Case(
        "PUT Tags, same tags",
        a_contact,
        lambda api, refs: api.put(
            url(refs, "contact", "/Tags"), json=read_back(api, refs, "contact", "TAGS")
        ),
        200,
        unchanged=("contact",),
    ),
    Case(
        "POST Tags, a tag it has",
        a_contact,
        lambda api, refs: api.post(url(refs, "contact", "/Tags"), json={"TAG_NAME": "vip"}),
        (200, 201),
        unchanged=("contact",),
    ),
    Case(
        "PUT Dates, same dates",
        a_contact,
        lambda api, refs: api.put(
            url(refs, "contact", "/Dates"), json=read_back(api, refs, "contact", "DATES")
        ),
        200,
        unchanged=("contact",),
    ),
    Case(
        "PUT EmailDomains, same domains",
        an_org,
        lambda api, refs: api.put(
            url(refs, "org", "/EmailDomains"), json=read_back(api, refs, "org", "EMAILDOMAINS")
        ),
        200,
        unchanged=("org",),
    ),
    Case(
        "PUT a link unchanged: neither end",
        a_linked_pair,
        put_same_link,
        200,
        unchanged=("contact", "org", "bystander"),
    ),
    Case(
        "PUT Links, same array: neither end",
        a_linked_pair,
        lambda api, refs: api.put(
            url(refs, "contact", "/Links"), json=api.get(url(refs, "contact", "/Links")).json()
        ),
        200,
        unchanged=("contact", "org", "bystander"),
    ),
    Case(
        "the whole record PUT back as read",
        a_linked_pair,
        put_record_as_read,
        200,
        unchanged=("contact", "org", "bystander"),
    ),
    Case(
        "rejected PUT (400)",
        a_contact,
        lambda api, refs: put(api, refs, "contact", LAST_NAME="Byron", FIRST_NAME=None),
        400,
        unchanged=("contact",),
    ),
    Case(
        "rejected link to a missing record (400)",
        a_contact_and_an_org,
        lambda api, refs: api.put(
            url(refs, "contact", "/Links"),
            json=[
                {"LINK_OBJECT_NAME": "Organisation", "LINK_OBJECT_ID": refs["org"][1]},
                {"LINK_OBJECT_NAME": "Organisation", "LINK_OBJECT_ID": MISSING_ID},
            ],
        ),
        400,
        unchanged=("contact", "org"),
    ),
]

SYNCED = ["Contact", "Organisation"]


# --- the scenario ----------------------------------------------------------------------------


@dataclass
class Scenario:
    api: httpx.Client
    refs: dict[str, Refs] = field(default_factory=dict)
    before: dict[str, dict[str, str]] = field(default_factory=dict)
    after: dict[str, dict[str, str]] = field(default_factory=dict)
    responses: dict[str, httpx.Response] = field(default_factory=dict)
    # Per synced type: the latest DATE_UPDATED_UTC a client saw before the writes.
    sync_from: dict[str, str] = field(default_factory=dict)
    # Per synced type: every record id that existed before the writes.
    existing: dict[str, set[int]] = field(default_factory=dict)


def all_records(api: httpx.Client, singular: str) -> list[dict[str, Any]]:
    response = api.get(f"/{COLLECTION[singular]}", params={"top": 500, "brief": "true"})
    assert response.status_code == 200, response.text
    records: list[dict[str, Any]] = response.json()
    assert len(records) < 500
    return records


def stamps(api: httpx.Client, case: Case, refs: Refs) -> dict[str, str]:
    return {name: updated_utc(api, *refs[name]) for name in case.observed}


@pytest.fixture(scope="module")
def scenario(engine: Engine, base_url: str) -> Iterator[Scenario]:
    """Every case set up in one fresh instance, read, written (after one sleep), and re-read."""
    suffix = time.time_ns()
    with unit_of_work(engine, write=True) as connection:
        instance_id = users.create_instance(connection, f"Date updated {suffix}")
        _user, key = users.create_user(
            connection, instance_id, f"dates-{suffix}@example.com", "Dee", "Dates", True
        )
    with httpx.Client(base_url=f"{base_url}/v3.1", auth=(key, ""), timeout=60) as api:
        # Declare the custom field, should definitions be enforced (contract §9; ignored if not).
        api.post(
            f"/CustomFields/{COLLECTION['Contact']}",
            json={"FIELD_NAME": CUSTOM_FIELD, "FIELD_LABEL": "Colour", "FIELD_TYPE": "TEXT"},
        )
        world = Scenario(api)
        for case in CHANGES + NO_CHANGES:
            world.refs[case.id] = case.setup(api)
        # Made last, so that the latest DATE_UPDATED_UTC before the writes is an unchanged record.
        create_contact(api, "Bystander")
        create_org(api, "Bystander Ltd")
        for case in CHANGES + NO_CHANGES:
            world.before[case.id] = stamps(api, case, world.refs[case.id])
        for singular in SYNCED:
            records = all_records(api, singular)
            world.sync_from[singular] = max(r["DATE_UPDATED_UTC"] for r in records)
            world.existing[singular] = {r[f"{singular.upper()}_ID"] for r in records}

        time.sleep(1.1)
        for case in CHANGES + NO_CHANGES:
            world.responses[case.id] = case.write(api, world.refs[case.id])
        for case in CHANGES + NO_CHANGES:
            world.after[case.id] = stamps(api, case, world.refs[case.id])
        yield world


def direction(before: str, after: str) -> str:
    if after == before:
        return "same"
    return "later" if after > before else "EARLIER"


def check(scenario: Scenario, case: Case) -> None:
    response = scenario.responses[case.id]
    assert response.status_code in case.statuses, response.text
    for name in case.gone:
        assert scenario.api.get(url(scenario.refs[case.id], name)).status_code == 404, name
    before, after = scenario.before[case.id], scenario.after[case.id]
    expected = {name: "later" if name in case.changed else "same" for name in case.observed}
    actual = {name: direction(before[name], after[name]) for name in case.observed}
    assert actual == expected, {name: f"{before[name]} -> {after[name]}" for name in after}


@pytest.mark.parametrize("case", CHANGES, ids=[case.id for case in CHANGES])
def test_a_change_sets_date_updated(scenario: Scenario, case: Case) -> None:
    check(scenario, case)


@pytest.mark.parametrize("case", NO_CHANGES, ids=[case.id for case in NO_CHANGES])
def test_a_write_without_change_keeps_date_updated(scenario: Scenario, case: Case) -> None:
    check(scenario, case)


# --- syncing ---------------------------------------------------------------------------------


def expected_sync(scenario: Scenario, singular: str) -> set[int]:
    """The records of `singular` that the writes changed (and did not delete)."""
    return {
        scenario.refs[case.id][name][1]
        for case in CHANGES
        for name in case.changed
        if scenario.refs[case.id][name][0] == singular and name not in case.gone
    }


def sync(scenario: Scenario, singular: str, time_format: str) -> list[dict[str, Any]]:
    since = scenario.sync_from[singular]
    if time_format == "iso":
        since = since.replace(" ", "T") + "Z"
    response = scenario.api.get(
        f"/{COLLECTION[singular]}/Search", params={"updated_after_utc": since, "top": 500}
    )
    assert response.status_code == 200, response.text
    records: list[dict[str, Any]] = response.json()
    return records


@pytest.mark.parametrize("time_format", ["body", "iso"])
@pytest.mark.parametrize("singular", SYNCED)
def test_sync_finds_every_changed_record_in_order(
    scenario: Scenario, singular: str, time_format: str
) -> None:
    found = sync(scenario, singular, time_format)

    ids = {record[f"{singular.upper()}_ID"] for record in found}
    assert expected_sync(scenario, singular) - ids == set()
    updated = [record["DATE_UPDATED_UTC"] for record in found]
    assert updated == sorted(updated)


@pytest.mark.parametrize("time_format", ["body", "iso"])
@pytest.mark.parametrize("singular", SYNCED)
def test_sync_returns_no_unchanged_record(
    scenario: Scenario, singular: str, time_format: str
) -> None:
    """Strictly after the value sent: a record showing that very DATE_UPDATED_UTC is not new."""
    since = scenario.sync_from[singular]
    unchanged = scenario.existing[singular] - expected_sync(scenario, singular)
    assert len(unchanged) > 5  # the bystander and every record of a no-change case

    found = sync(scenario, singular, time_format)

    not_after = {
        record[f"{singular.upper()}_ID"]: record["DATE_UPDATED_UTC"]
        for record in found
        if record["DATE_UPDATED_UTC"] <= since
    }
    assert not_after == {}, f"updated_after_utc={since} returned these"
    assert {record[f"{singular.upper()}_ID"] for record in found} == expected_sync(
        scenario, singular
    )


# --- never backwards -------------------------------------------------------------------------


def test_date_updated_never_goes_backwards(api: httpx.Client) -> None:
    """A burst of writes (faster than the clock's second) and read-only dates in the body."""
    contact = created(
        api.post(
            "/Contacts",
            json={"FIRST_NAME": "Early", "DATE_UPDATED_UTC": "2099-01-01 00:00:00"},
        )
    )
    contact_id = contact["CONTACT_ID"]
    org_id = create_org(api, "Clockwork")
    assert contact["DATE_UPDATED_UTC"] < "2099"
    assert contact["DATE_UPDATED_UTC"] == contact["DATE_CREATED_UTC"]
    seen = {
        "contact": [contact["DATE_UPDATED_UTC"]],
        "org": [updated_utc(api, "Organisation", org_id)],
    }

    link_body = {"LINK_OBJECT_NAME": "Organisation", "LINK_OBJECT_ID": org_id}
    writes: list[Callable[[], httpx.Response]] = [
        lambda: api.put("/Contacts", json={"CONTACT_ID": contact_id, "LAST_NAME": "One"}),
        lambda: api.post(f"/Contacts/{contact_id}/Tags", json={"TAG_NAME": "t"}),
        lambda: api.post(f"/Contacts/{contact_id}/Links", json=link_body),
        lambda: api.put(
            "/Contacts",
            json={
                "CONTACT_ID": contact_id,
                "LAST_NAME": "Two",
                "DATE_UPDATED_UTC": "2000-01-01 00:00:00",
            },
        ),
        lambda: api.put(f"/Contacts/{contact_id}/Links", json=[]),
        lambda: api.put("/Organisations", json={"ORGANISATION_ID": org_id, "PHONE": "1"}),
        lambda: api.put("/Contacts", json={"CONTACT_ID": contact_id, "LAST_NAME": "Three"}),
    ]
    for write in writes:
        response = write()
        assert response.status_code in (200, 201), response.text
        seen["contact"].append(updated_utc(api, "Contact", contact_id))
        seen["org"].append(updated_utc(api, "Organisation", org_id))

    for name, values in seen.items():
        assert values == sorted(values), name
    assert seen["contact"][-1] >= contact["DATE_CREATED_UTC"]
    assert seen["contact"][-1] < "2099"
