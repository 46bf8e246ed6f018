"""A detail page names people and records: every reference (owner, creator, responsible user,
organisation, converted records) and LOOKUP value shows the referenced record's name, a link
where the record has a page, found in a fixed number of statements whatever the references."""

import httpx
from sqlalchemy import Engine

from tests.conftest import Tenant
from tests.test_request_cost import statements


def test_a_detail_page_names_every_reference(web: httpx.Client, api: httpx.Client) -> None:
    me = api.get("/Users/Me").json()
    me_name = f"{me['FIRST_NAME']} {me['LAST_NAME']}".strip()
    lead = api.post("/Leads", json={"FIRST_NAME": "Grace", "LAST_NAME": "Hopper"}).json()
    converted = api.post(f"/Leads/{lead['LEAD_ID']}/Convert", json={}).json()
    page = web.get(f"/records/Lead/{lead['LEAD_ID']}").text
    assert f"<dt>Created by</dt><dd>{me_name}</dd>" in page
    assert f"<dt>Owner</dt><dd>{me_name}</dd>" in page
    assert "User ID" not in page and "Created user" not in page
    contact_id = converted["CONVERTED_CONTACT_ID"]
    assert f'<a href="/records/Contact/{contact_id}">Grace Hopper</a>' in page

    definition = {
        "FIELD_NAME": "Reviewer__c",
        "FIELD_LABEL": "Reviewer",
        "FIELD_TYPE": "LOOKUP",
        "JOIN_OBJECT": "User",
    }
    assert api.post("/CustomFields/Contacts", json=definition).status_code == 201
    api.put(
        "/Contacts",
        json={
            "CONTACT_ID": contact_id,
            "CUSTOMFIELDS": [{"FIELD_NAME": "Reviewer__c", "FIELD_VALUE": me["USER_ID"]}],
        },
    )
    page = web.get(f"/records/Contact/{contact_id}").text
    assert f"<dt>Reviewer</dt><dd>{me_name}</dd>" in page  # a user: named, with no page


def test_a_detail_page_costs_the_same_whatever_its_references(
    web: httpx.Client, api: httpx.Client, engine: Engine, tenant: Tenant
) -> None:
    other, _ = tenant.add_user(engine, f"other-{tenant.instance_id}@example.com")
    plain = api.post("/Tasks", json={"TITLE": "Plain", "STATUS": "NOT STARTED"}).json()
    full = api.post(
        "/Tasks",
        json={
            "TITLE": "Full",
            "STATUS": "NOT STARTED",
            "RESPONSIBLE_USER_ID": other,
            "ASSIGNED_BY_USER_ID": other,
            "OWNER_USER_ID": other,
        },
    ).json()
    counts = []
    for task in (plain, full):
        path = f"/records/Task/{task['TASK_ID']}"
        web.get(path)
        with statements(engine) as sent:
            page = web.get(path)
        assert page.status_code == 200
        counts.append(len(sent))
    assert "Other User" in page.text
    assert counts[0] == counts[1], counts
