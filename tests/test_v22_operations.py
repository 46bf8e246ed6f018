"""The v2.2 operations that v3.1 does not have (reference facts 1.4, 1.5; contract §10):
GET /CustomFields, GET /CustomFieldGroups, GET /Comments/{id}, GET /Teams/Search,
PUT /TeamMembers and PUT /Teams/{id}/TeamMembers.

Each over real HTTP: what it answers, a 400 on bad input (nothing changed), a 404 on a missing
id, and another instance's data invisible.
"""

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, select

from rolodex.api.versions import V2_2
from rolodex.config import Settings
from rolodex.domain.registry import TEAMS
from rolodex.storage import tables
from tests.conftest import Tenant
from tests.test_v30 import World, walk

Record = dict[str, Any]
MISSING = 987_654_321


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


def refused(response: httpx.Response, status: int = 400) -> Record:
    assert response.status_code == status, response.text
    body: Record = response.json()
    assert body["Message"]
    return body


def client_of(tenant: Tenant, version: str = "v2.2") -> httpx.Client:
    base = str(tenant.client.base_url).removesuffix("/").removesuffix("/v3.1")
    return httpx.Client(base_url=f"{base}/{version}", auth=(tenant.api_key, ""), timeout=60)


@pytest.fixture
def api22(tenant: Tenant) -> Iterator[httpx.Client]:
    with client_of(tenant) as client:
        yield client


@pytest.fixture
def stranger(make_tenant: Any) -> Iterator[httpx.Client]:
    """/v2.2 of another instance, with a team and a custom field of its own."""
    other = make_tenant()
    ok(other.client.post("/Teams", json={"TEAM_NAME": "Sales"}), 201)
    field = {"FIELD_NAME": "Secret__c", "FIELD_LABEL": "Secret", "FIELD_TYPE": "TEXT"}
    ok(other.client.post("/CustomFields/Contacts", json=field), 201)
    with client_of(other) as client:
        yield client


def test_the_table_is_the_v22_swagger() -> None:
    operations = V2_2.operations
    assert len(operations) == 284  # reference/insightly-v2.2-operations.tsv
    assert len(set(operations)) == len(operations)
    for own in [
        ("GET", "/CustomFields"),
        ("GET", "/CustomFieldGroups"),
        ("GET", "/Comments/{id}"),
        ("GET", "/Teams/Search"),
        ("PUT", "/TeamMembers"),
        ("PUT", "/Teams/{id}/TeamMembers"),
    ]:
        assert own in operations


# --- GET /CustomFields, GET /CustomFieldGroups -------------------------------------------------


def test_custom_fields_lists_every_objects_fields_as_v22_metadata(
    api: httpx.Client, api22: httpx.Client, stranger: httpx.Client
) -> None:
    rank = {
        "FIELD_NAME": "Rank__c",
        "FIELD_LABEL": "Rank",
        "FIELD_TYPE": "DROPDOWN",
        "FIELD_HELP_TEXT": "How good",
        "CUSTOM_FIELD_OPTIONS": [{"OPTION_VALUE": "Gold"}, {"OPTION_VALUE": "Silver"}],
    }
    ok(api.post("/CustomFields/Organisations", json=rank), 201)
    ok(api.post("/CustomFields/Contacts", json=rank), 201)
    since = {"FIELD_NAME": "Since__c", "FIELD_LABEL": "Since", "FIELD_TYPE": "DATE"}
    ok(api.post("/CustomFields/Contacts", json=since), 201)
    current = ok(api.get("/CustomFields/Contacts"))

    fields = ok(api22.get("/CustomFields"))

    # Contacts' fields first (in field order), then the Organisations' ones.
    assert [(f["FIELD_FOR"], f["CUSTOM_FIELD_ID"]) for f in fields] == [
        ("CONTACT", "Rank__c"),
        ("CONTACT", "Since__c"),
        ("ORGANISATION", "Rank__c"),
    ]
    assert fields[0] == {
        "CUSTOM_FIELD_ID": "Rank__c",  # the key v2.2 records carry in CUSTOMFIELDS
        "ORDER_ID": current[0]["FIELD_ORDER"],
        "FIELD_FOR": "CONTACT",
        "FIELD_NAME": "Rank",  # v2.2's FIELD_NAME: the name people see
        "FIELD_TYPE": "DROPDOWN",
        "FIELD_HELP_TEXT": "How good",
        "DEFAULT_VALUE": None,
        "GROUP_ID": None,
        "EDITABLE": True,
        "VISIBLE": True,
        "CUSTOM_FIELD_OPTIONS": current[0]["CUSTOM_FIELD_OPTIONS"],
    }
    assert fields[1]["ORDER_ID"] > fields[0]["ORDER_ID"]

    # The CUSTOM_FIELD_ID read here is what a v2.2 record's CUSTOMFIELDS item names.
    body = {
        "FIRST_NAME": "Ada",
        "CUSTOMFIELDS": [{"CUSTOM_FIELD_ID": "Rank__c", "FIELD_VALUE": "Gold"}],
    }
    contact = ok(api22.post("/Contacts", json=body), 201)
    stored = ok(api.get(f"/Contacts/{contact['CONTACT_ID']}"))["CUSTOMFIELDS"]
    assert stored == [{"FIELD_NAME": "Rank__c", "FIELD_VALUE": "Gold"}]

    page = api22.get("/CustomFields", params={"skip": 1, "top": 1, "count_total": "true"})
    assert ok(page) == fields[1:2] and page.headers["X-Total-Count"] == "3"
    for bad in ({"top": "many"}, {"skip": -1}, {"count_total": "perhaps"}):
        refused(api22.get("/CustomFields", params=bad))

    assert [f["CUSTOM_FIELD_ID"] for f in ok(stranger.get("/CustomFields"))] == ["Secret__c"]


def test_custom_field_groups_are_an_empty_list(api22: httpx.Client) -> None:
    answer = api22.get("/customfieldgroups", params={"count_total": "true"})
    assert ok(answer) == [] and answer.headers["X-Total-Count"] == "0"
    refused(api22.get("/CustomFieldGroups", params={"top": "x"}))
    xml = api22.get("/CustomFieldGroups", headers={"Accept": "application/xml"})
    assert xml.status_code == 200 and xml.text.lstrip().startswith("<")


# --- GET /Comments/{id} -----------------------------------------------------------------------


def test_a_comment_is_read_by_its_id(
    api: httpx.Client, api22: httpx.Client, stranger: httpx.Client
) -> None:
    task = ok(api.post("/Tasks", json={"TITLE": "Call"}), 201)["TASK_ID"]
    comment = ok(api.post(f"/Tasks/{task}/Comments", json={"BODY": "First"}), 201)
    path = f"/Comments/{comment['COMMENT_ID']}"

    assert ok(api22.get(path)) == comment == ok(api.get(f"/Tasks/{task}/Comments"))[0]
    changed = ok(api22.put("/Comments", json={"COMMENT_ID": comment["COMMENT_ID"], "BODY": "2"}))
    assert ok(api22.get(path.lower())) == changed and changed["BODY"] == "2"

    refused(api22.get(f"/Comments/{2**63}"))  # past the id range: a 400, not a 404
    refused(api22.get(f"/Comments/{MISSING}"), 404)
    refused(stranger.get(path), 404)  # another instance's comment does not exist there
    assert api22.delete(path).status_code == 202
    refused(api22.get(path), 404)
    assert api.get("/Comments/1").status_code in (404, 405)  # v3.1 has no such GET


# --- GET /Teams/Search ------------------------------------------------------------------------


def test_teams_are_searched_by_name_and_last_update(
    api: httpx.Client, api22: httpx.Client, tenant: Tenant, stranger: httpx.Client
) -> None:
    sales = ok(api.post("/Teams", json={"TEAM_NAME": "Sales"}), 201)
    ok(
        api.post(f"/Teams/{sales['TEAM_ID']}/TeamMembers", json={"MEMBER_USER_ID": tenant.user_id}),
        201,
    )
    support = ok(api.post("/Teams", json={"TEAM_NAME": "Support"}), 201)
    sales = ok(api.get(f"/Teams/{sales['TEAM_ID']}"))

    assert ok(api22.get("/Teams/Search", params={"team_name": "sales"})) == [sales]  # any case
    assert ok(api22.get("/Teams/Search", params={"team_name": "Sale"})) == []  # exact, not a part
    brief = ok(api22.get("/Teams/Search", params={"team_name": "Sales", "brief": "true"}))
    assert brief == [{k: v for k, v in sales.items() if k != "TEAMMEMBERS"}]
    everything = api22.get("/Teams/Search", params={"count_total": "true", "top": 1})
    assert len(ok(everything)) == 1 and everything.headers["X-Total-Count"] == "2"
    assert ok(api22.get("/Teams/Search", params={"team_name": " "})) == ok(api22.get("/Teams"))
    future = {"updated_after_utc": "2999-01-01T00:00:00Z"}
    assert ok(api22.get("/Teams/Search", params=future)) == []
    past = {"updated_after_utc": "2000-01-01", "team_name": "Support"}
    assert ok(api22.get("/Teams/Search", params=past)) == [support | {"TEAMMEMBERS": []}]

    for bad in ({"updated_after_utc": "soon"}, {"top": "x"}, {"brief": "maybe"}):
        refused(api22.get("/Teams/Search", params=bad))
    assert [t["TEAM_NAME"] for t in ok(stranger.get("/Teams/Search"))] == ["Sales"]
    assert ok(stranger.get("/Teams/Search", params={"team_name": "Support"})) == []


# --- PUT /TeamMembers, PUT /Teams/{id}/TeamMembers ------------------------------------------


@pytest.fixture
def teams(api: httpx.Client, tenant: Tenant, engine: Engine) -> Record:
    """Two teams; the admin in the first (membership `permission`); a colleague; an outsider."""
    colleague, _ = tenant.add_user(engine, f"colleague-{tenant.instance_id}@example.com")
    outsider, key = tenant.add_user(engine, f"outsider-{tenant.instance_id}@example.com")
    first = ok(api.post("/Teams", json={"TEAM_NAME": "First"}), 201)["TEAM_ID"]
    second = ok(api.post("/Teams", json={"TEAM_NAME": "Second"}), 201)["TEAM_ID"]
    member = ok(
        api.post(f"/Teams/{first}/TeamMembers", json={"MEMBER_USER_ID": tenant.user_id}), 201
    )
    return {
        "first": first,
        "second": second,
        "permission": member["PERMISSION_ID"],
        "admin": tenant.user_id,
        "colleague": colleague,
        "outsider": outsider,
        "outsider_key": key,
    }


def members(api: httpx.Client, team_id: int) -> list[int]:
    return [m["MEMBER_USER_ID"] for m in ok(api.get(f"/Teams/{team_id}"))["TEAMMEMBERS"]]


def updated(engine: Engine, *team_ids: int) -> list[datetime]:
    """The teams' stored DATE_UPDATED_UTC (finer than the wire's seconds)."""
    table = tables.metadata.tables[TEAMS.table]
    with engine.connect() as connection:
        query = select(table.c.id, table.c.date_updated_utc).where(table.c.id.in_(team_ids))
        stamps = {row.id: row.date_updated_utc for row in connection.execute(query)}
    return [stamps[team_id] for team_id in team_ids]


def test_put_team_members_changes_the_user_or_the_team_of_a_membership(
    api: httpx.Client,
    api22: httpx.Client,
    teams: Record,
    stranger: httpx.Client,
    engine: Engine,
) -> None:
    first, second, permission = teams["first"], teams["second"], teams["permission"]
    before = updated(engine, first, second)

    to_colleague = {"permission_id": permission, "MEMBER_USER_ID": teams["colleague"]}
    changed = ok(api22.put("/TeamMembers", json=to_colleague))
    assert changed == {
        "PERMISSION_ID": permission,
        "TEAM_ID": first,
        "MEMBER_USER_ID": teams["colleague"],
    }
    assert members(api, first) == [teams["colleague"]]
    after = updated(engine, first, second)
    assert after[0] > before[0] and after[1] == before[1]  # the membership's team changed
    assert ok(api22.get(f"/TeamMembers/{permission}")) == changed

    moved = ok(api22.put("/TeamMembers", json={"PERMISSION_ID": permission, "TEAM_ID": second}))
    assert moved["TEAM_ID"] == second and moved["PERMISSION_ID"] == permission
    assert members(api, first) == [] and members(api, second) == [teams["colleague"]]
    moved_at = updated(engine, first, second)
    assert moved_at[0] > after[0] and moved_at[1] > after[1]  # both teams changed
    assert ok(api22.put("/TeamMembers", json={"PERMISSION_ID": permission})) == moved
    assert updated(engine, first, second) == moved_at  # a change to nothing touches nothing

    # The same user twice in a team: a 409, and nothing changes.
    ok(api.post(f"/Teams/{second}/TeamMembers", json={"MEMBER_USER_ID": teams["admin"]}), 201)
    twice = {"PERMISSION_ID": permission, "MEMBER_USER_ID": teams["admin"]}
    refused(api22.put("/TeamMembers", json=twice), 409)
    assert sorted(members(api, second)) == sorted([teams["colleague"], teams["admin"]])

    for bad, field in (
        ({"MEMBER_USER_ID": teams["admin"]}, "PERMISSION_ID"),
        ({"PERMISSION_ID": "one"}, "PERMISSION_ID"),
        ({"PERMISSION_ID": permission, "MEMBER_USER_ID": MISSING}, "MEMBER_USER_ID"),
        ({"PERMISSION_ID": permission, "TEAM_ID": MISSING}, "TEAM_ID"),
    ):
        errors = refused(api22.put("/TeamMembers", json=bad))["Errors"]
        assert field in [e["FIELD"] for e in errors]
    refused(api22.put("/TeamMembers", json=[1]))
    refused(api22.put("/TeamMembers", json={"PERMISSION_ID": MISSING}), 404)
    assert members(api, second) == [teams["colleague"], teams["admin"]]

    # Another instance cannot see, let alone change, the membership.
    refused(stranger.put("/TeamMembers", json={"PERMISSION_ID": permission}), 404)
    with httpx.Client(base_url=str(api22.base_url), auth=(teams["outsider_key"], "")) as user:
        refused(user.put("/TeamMembers", json=to_colleague), 403)  # not an administrator
    assert ok(api22.get(f"/TeamMembers/{permission}")) == moved


def test_put_team_members_of_a_team_changes_a_membership_of_that_team(
    api: httpx.Client, api22: httpx.Client, teams: Record, stranger: httpx.Client
) -> None:
    first, second, permission = teams["first"], teams["second"], teams["permission"]
    path = f"/Teams/{first}/TeamMembers"

    body = {"PERMISSION_ID": permission, "MEMBER_USER_ID": teams["colleague"]}
    changed = ok(api22.put(path, json=body))
    assert changed == {
        "PERMISSION_ID": permission,
        "TEAM_ID": first,
        "MEMBER_USER_ID": teams["colleague"],
    }
    assert members(api, first) == [teams["colleague"]]
    assert ok(api22.put(path, json=body | {"TEAM_ID": first})) == changed

    # It stays in this team: another TEAM_ID is a 400, another team's membership a 404.
    moved = refused(api22.put(path, json=body | {"TEAM_ID": second}))
    assert "TEAM_ID" in [e["FIELD"] for e in moved["Errors"]]
    refused(api22.put(f"/Teams/{second}/TeamMembers", json=body), 404)
    refused(api22.put(f"/Teams/{MISSING}/TeamMembers", json=body), 404)
    refused(api22.put(path, json={"PERMISSION_ID": permission, "MEMBER_USER_ID": MISSING}))
    refused(api22.put(path, json={"MEMBER_USER_ID": teams["admin"]}))
    refused(api22.put(f"/Teams/{2**63}/TeamMembers", json=body))
    assert members(api, first) == [teams["colleague"]] and members(api, second) == []

    refused(stranger.put(path, json=body), 404)


# --- the walk over every operation of the table ------------------------------------------------


def test_every_v22_operation_is_routed(
    tenant: Tenant, api22: httpx.Client, settings: Settings, engine: Engine
) -> None:
    problems = walk(World(tenant, settings, engine, V2_2, api22))
    assert problems == [], "\n".join(problems)
