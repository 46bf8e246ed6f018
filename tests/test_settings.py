"""Settings collections: defaults of a new instance, admin-only changes, one default row,
categories deactivated on DELETE, rows in use kept, and the fixed lists."""

import httpx
import pytest
from sqlalchemy import Engine, insert, select

from rolodex.domain.defaults import DEFAULTS_VERSION, PIPELINE_DEFAULTS, SETTINGS_DEFAULTS
from rolodex.domain.registry import LEAD_SOURCES, SETTINGS_TYPES, Feature, RecordType
from rolodex.services.context import utc_now
from rolodex.storage import tables
from rolodex.storage.engine import unit_of_work
from rolodex.storage.repository import Page, Repository
from tests.conftest import Tenant
from tests.servers import cli_env, run_cli

WRITABLE = [rt for rt in SETTINGS_TYPES if rt.has(Feature.CREATE)]


def _all(api: httpx.Client, collection: str, **params: str) -> list[dict]:  # type: ignore[type-arg]
    response = api.get(f"/{collection}", params={"top": "500", **params})
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def _name_field(rt: RecordType) -> str:
    return rt.fields[1].name


@pytest.mark.parametrize("rt", list(SETTINGS_DEFAULTS), ids=lambda rt: rt.collection)
def test_a_new_instance_starts_with_the_defaults(api: httpx.Client, rt: RecordType) -> None:
    shown = {row[_name_field(rt)] for row in _all(api, rt.collection, include_converted="true")}
    assert shown == {row[_name_field(rt)] for row in SETTINGS_DEFAULTS[rt]}


def test_default_pipelines_have_their_stages_in_order(api: httpx.Client) -> None:
    pipelines = {p["PIPELINE_NAME"]: p for p in _all(api, "Pipelines")}
    stages = _all(api, "PipelineStages")
    for pipeline, stage_names in PIPELINE_DEFAULTS:
        found = pipelines[pipeline["PIPELINE_NAME"]]
        assert found["FOR_OPPORTUNITIES"] == pipeline.get("FOR_OPPORTUNITIES", False)
        mine = [s for s in stages if s["PIPELINE_ID"] == found["PIPELINE_ID"]]
        ordered = sorted(mine, key=lambda s: s["STAGE_ORDER"])
        assert [s["STAGE_NAME"] for s in ordered] == stage_names
        one = api.get(f"/PipelineStages/{ordered[0]['STAGE_ID']}")
        assert one.status_code == 200 and one.json() == ordered[0]


def test_pipelines_are_read_only_over_the_api(api: httpx.Client) -> None:
    assert api.post("/Pipelines", json={"PIPELINE_NAME": "x"}).status_code == 405
    assert api.put("/PipelineStages", json={"STAGE_ID": 1}).status_code == 405


def test_lead_statuses_hide_the_converted_status_unless_asked(api: httpx.Client) -> None:
    hidden = _all(api, "LeadStatuses")
    shown = _all(api, "LeadStatuses", include_converted="true")
    assert {s["STATUS_TYPE"] for s in hidden} == {1, 2}
    assert [s for s in shown if s["STATUS_TYPE"] == 3]
    counted = api.get("/LeadStatuses", params={"count_total": "true", "top": "1"})
    assert counted.headers["X-Total-Count"] == str(len(hidden))
    assert len(counted.json()) == 1


def test_a_new_lead_gets_the_default_source_and_status(api: httpx.Client) -> None:
    source = next(s for s in _all(api, "LeadSources") if s["DEFAULT_VALUE"])
    status = next(s for s in _all(api, "LeadStatuses") if s["DEFAULT_STATUS"])
    lead = api.post("/Leads", json={"LAST_NAME": "Lovelace"}).json()
    assert lead["LEAD_SOURCE_ID"] == source["LEAD_SOURCE_ID"]
    assert lead["LEAD_STATUS_ID"] == status["LEAD_STATUS_ID"]
    # Sent as null, it stays null; an unknown id is a 400 naming the field, nothing written.
    blank = api.post("/Leads", json={"LAST_NAME": "B", "LEAD_SOURCE_ID": None}).json()
    assert blank["LEAD_SOURCE_ID"] is None
    before = api.get("/Leads", params={"count_total": "true"}).headers["X-Total-Count"]
    bad = api.post("/Leads", json={"LAST_NAME": "C", "LEAD_STATUS_ID": 999_999_999})
    assert bad.status_code == 400
    assert [e["FIELD"] for e in bad.json()["Errors"]] == ["LEAD_STATUS_ID"]
    assert api.get("/Leads", params={"count_total": "true"}).headers["X-Total-Count"] == before


def test_only_one_row_is_the_default(api: httpx.Client) -> None:
    created = api.post("/LeadSources", json={"LEAD_SOURCE": "Webinar", "DEFAULT_VALUE": True})
    assert created.status_code == 201, created.text
    new_id = created.json()["LEAD_SOURCE_ID"]
    assert created.headers["Location"] == f"/v3.1/LeadSources/{new_id}"
    defaults = [s["LEAD_SOURCE_ID"] for s in _all(api, "LeadSources") if s["DEFAULT_VALUE"]]
    assert defaults == [new_id]
    assert api.post("/Leads", json={"LAST_NAME": "X"}).json()["LEAD_SOURCE_ID"] == new_id


@pytest.mark.parametrize("rt", WRITABLE, ids=lambda rt: rt.collection)
def test_non_admins_read_but_cannot_change(
    engine: Engine, base_url: str, tenant: Tenant, rt: RecordType
) -> None:
    _, key = tenant.add_user(engine, f"user-{rt.singular}-{tenant.instance_id}@example.com")
    with httpx.Client(base_url=f"{base_url}/v3.1", auth=(key, "")) as user:
        rows = _all(user, rt.collection)
        first_id = rows[0][rt.id_field]
        body = {_name_field(rt): "Nope", "BACKGROUND_COLOR": "FFFFFF"}
        assert user.post(f"/{rt.collection}", json=body).status_code == 403
        update = {rt.id_field: first_id, _name_field(rt): "Nope"}
        assert user.put(f"/{rt.collection}", json=update).status_code == 403
        assert user.delete(f"/{rt.collection}/{first_id}").status_code == 403
        assert _all(user, rt.collection) == rows


@pytest.mark.parametrize(
    "collection", ["FileCategories", "OpportunityCategories", "ProjectCategories", "TaskCategories"]
)
def test_deleting_a_category_deactivates_it(api: httpx.Client, collection: str) -> None:
    created = api.post(
        f"/{collection}", json={"CATEGORY_NAME": "Temp", "BACKGROUND_COLOR": "a0b1c2"}
    ).json()
    category_id = created["CATEGORY_ID"]
    assert created["ACTIVE"] is True
    assert api.delete(f"/{collection}/{category_id}").status_code == 202
    after = api.get(f"/{collection}/{category_id}").json()
    assert after["ACTIVE"] is False and after["CATEGORY_NAME"] == "Temp"


def test_an_inactive_category_cannot_be_given_to_a_record(api: httpx.Client) -> None:
    category = api.post(
        "/TaskCategories", json={"CATEGORY_NAME": "Old", "BACKGROUND_COLOR": "000000"}
    ).json()
    category_id = category["CATEGORY_ID"]
    task = api.post("/Tasks", json={"TITLE": "t", "CATEGORY_ID": category_id}).json()
    assert api.delete("/TaskCategories", params={"id": str(category_id)}).status_code == 202
    refused = api.post("/Tasks", json={"TITLE": "u", "CATEGORY_ID": category_id})
    assert refused.status_code == 400
    assert "inactive" in refused.json()["Errors"][0]["Message"]
    # A record that already has it keeps it.
    kept = api.put("/Tasks", json={"TASK_ID": task["TASK_ID"], "TITLE": "t2"})
    assert kept.status_code == 200 and kept.json()["CATEGORY_ID"] == category_id


def test_bad_colour_is_a_400_naming_the_field(api: httpx.Client) -> None:
    response = api.post("/TaskCategories", json={"CATEGORY_NAME": "x", "BACKGROUND_COLOR": "red"})
    assert response.status_code == 400
    assert response.json()["Errors"] == [
        {"FIELD": "BACKGROUND_COLOR", "Message": "must look like 4A90D9"}
    ]


def test_a_lead_source_in_use_is_not_deleted(api: httpx.Client) -> None:
    source = api.post("/LeadSources", json={"LEAD_SOURCE": "Fair"}).json()
    source_id = source["LEAD_SOURCE_ID"]
    lead = api.post("/Leads", json={"LAST_NAME": "L", "LEAD_SOURCE_ID": source_id}).json()
    refused = api.delete("/LeadSources", params={"id": str(source_id)})
    assert refused.status_code == 409
    assert "Leads" in refused.json()["Message"]
    assert api.get(f"/LeadSources/{source_id}").status_code == 200
    api.put("/Leads", json={"LEAD_ID": lead["LEAD_ID"], "LEAD_SOURCE_ID": None})
    assert api.delete("/LeadSources", params={"id": str(source_id)}).status_code == 202
    assert api.get(f"/LeadSources/{source_id}").status_code == 404
    assert api.delete("/LeadSources", params={"id": "abc"}).status_code == 400


def test_lead_statuses_update_by_put(api: httpx.Client) -> None:
    status = _all(api, "LeadStatuses")[0]
    changed = api.put(
        "/LeadStatuses", json={"LEAD_STATUS_ID": status["LEAD_STATUS_ID"], "LEAD_STATUS": "New"}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["LEAD_STATUS"] == "New"
    assert changed.json()["STATUS_TYPE"] == status["STATUS_TYPE"]


def test_settings_are_per_instance(make_tenant) -> None:  # type: ignore[no-untyped-def]
    first, second = make_tenant(), make_tenant()
    source = first.client.post("/LeadSources", json={"LEAD_SOURCE": "Mine"}).json()
    assert second.client.get(f"/LeadSources/{source['LEAD_SOURCE_ID']}").status_code == 404
    assert "Mine" not in {s["LEAD_SOURCE"] for s in _all(second.client, "LeadSources")}


def test_countries_and_currencies(api: httpx.Client) -> None:
    countries = [c["COUNTRY_NAME"] for c in api.get("/Countries").json()]
    assert len(countries) >= 249 and "New Zealand" in countries
    assert countries == sorted(countries)
    currencies = {c["CURRENCY_CODE"]: c["CURRENCY_SYMBOL"] for c in api.get("/Currencies").json()}
    assert currencies["EUR"] == "€" and currencies["USD"] == "$" and currencies["CHF"] == "CHF"


def test_permissions_follow_the_caller(engine: Engine, base_url: str, tenant: Tenant) -> None:
    admin = tenant.client.get("/Permissions").json()
    by_type = {p["OBJECT_TYPE"]: p for p in admin["OBJECT_PERMISSIONS"]}
    assert admin["PERMISSIONS_STATE"] == "ADMINISTRATOR"
    assert by_type["Contact"]["CAN_CREATE"] and by_type["LeadSource"]["CAN_EDIT"]
    assert not by_type["User"]["CAN_EDIT"]
    _, key = tenant.add_user(engine, f"perm-{tenant.instance_id}@example.com")
    mine = httpx.get(f"{base_url}/v3.1/Permissions", auth=(key, "")).json()
    by_type = {p["OBJECT_TYPE"]: p for p in mine["OBJECT_PERMISSIONS"]}
    assert mine["PERMISSIONS_STATE"] == "STANDARD"
    assert by_type["Contact"]["CAN_DELETE"] and not by_type["LeadSource"]["CAN_EDIT"]


def test_cli_manages_pipelines(database_url: str, tenant: Tenant) -> None:
    env = cli_env(database_url)
    instance = str(tenant.instance_id)
    created = run_cli(
        env,
        *("pipelines", "create", "--instance", instance, "--name", "Renewals"),
        *("--for", "Opportunities", "--stage", "Notice", "--stage", "Signed"),
    )
    assert created.returncode == 0, created.stderr
    pipeline_id = int(created.stdout.strip().splitlines()[-1])
    pipeline = tenant.client.get(f"/Pipelines/{pipeline_id}").json()
    assert pipeline["PIPELINE_NAME"] == "Renewals" and pipeline["FOR_OPPORTUNITIES"] is True
    listed = run_cli(env, "pipelines", "list", "--instance", instance)
    assert "Renewals" in listed.stdout and "Signed" in listed.stdout
    opportunity = tenant.client.post("/Opportunities", json={"OPPORTUNITY_NAME": "o"}).json()
    tenant.client.put(
        f"/Opportunities/{opportunity['OPPORTUNITY_ID']}/Pipeline",
        json={"PIPELINE_ID": pipeline_id},
    )
    busy = run_cli(env, "pipelines", "delete", "--instance", instance, "--id", str(pipeline_id))
    assert busy.returncode == 1 and "still holds 1 Opportunities" in busy.stderr
    tenant.client.delete(f"/Opportunities/{opportunity['OPPORTUNITY_ID']}/Pipeline")
    done = run_cli(env, "pipelines", "delete", "--instance", instance, "--id", str(pipeline_id))
    assert done.returncode == 0, done.stderr
    assert tenant.client.get(f"/Pipelines/{pipeline_id}").status_code == 404


def test_db_upgrade_gives_older_instances_their_defaults(database_url: str, engine: Engine) -> None:
    # An instance as an older Rolodex made it: no settings rows, defaults_version 0.
    with unit_of_work(engine, write=True) as connection:
        instance_id = connection.execute(
            insert(tables.instances)
            .values(name="Old", subdomain="old", plan_name="Rolodex", date_created_utc=utc_now())
            .returning(tables.instances.c.id)
        ).scalar_one()
    result = run_cli(cli_env(database_url), "db", "upgrade")
    assert result.returncode == 0, result.stderr
    with unit_of_work(engine) as connection:
        repo = Repository(connection, instance_id)
        names = {row["lead_source"] for row in repo.list_records(LEAD_SOURCES, Page(top=500))[0]}
        version = connection.execute(
            select(tables.instances.c.defaults_version).where(tables.instances.c.id == instance_id)
        ).scalar_one()
    assert names == {row["LEAD_SOURCE"] for row in SETTINGS_DEFAULTS[LEAD_SOURCES]}
    assert version == DEFAULTS_VERSION
    # Running it again adds nothing.
    assert run_cli(cli_env(database_url), "db", "upgrade").returncode == 0
    with unit_of_work(engine) as connection:
        count = Repository(connection, instance_id).count_where(
            LEAD_SOURCES, "instance_id", instance_id
        )
    assert count == len(SETTINGS_DEFAULTS[LEAD_SOURCES])
