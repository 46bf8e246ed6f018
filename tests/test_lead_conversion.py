"""POST /v3.1/Leads/{id}/Convert: a lead becomes a contact, an organisation and optionally an
opportunity in one unit of work; anything invalid writes nothing."""

from typing import Any

import httpx

LEAD = {
    "SALUTATION": "Dr",
    "FIRST_NAME": "Grace",
    "LAST_NAME": "Hopper",
    "TITLE": "Rear Admiral",
    "ORGANISATION_NAME": "Navy Labs",
    "EMAIL": "grace@navy.example",
    "PHONE": "+1 555 0100",
    "MOBILE": "+1 555 0101",
    "WEBSITE": "navy.example",
    "ADDRESS_CITY": "Arlington",
    "LEAD_DESCRIPTION": "Met at a conference",
    "TAGS": [{"TAG_NAME": "vip"}],
}


def _counts(api: httpx.Client) -> dict[str, str]:
    return {
        coll: api.get(f"/{coll}", params={"count_total": "true", "top": "0"}).headers[
            "X-Total-Count"
        ]
        for coll in ("Contacts", "Organisations", "Opportunities")
    }


def _lead(api: httpx.Client, **extra: Any) -> dict[str, Any]:
    response = api.post("/Leads", json={**LEAD, **extra})
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def test_conversion_creates_and_links_everything(api: httpx.Client) -> None:
    task = api.post("/Tasks", json={"TITLE": "Call Grace"}).json()
    lead = _lead(api, LINKS=[{"LINK_OBJECT_NAME": "Task", "LINK_OBJECT_ID": task["TASK_ID"]}])
    response = api.post(
        f"/Leads/{lead['LEAD_ID']}/Convert",
        json={"OPPORTUNITY": {"OPPORTUNITY_NAME": "Compiler deal", "BID_AMOUNT": 1000}},
    )
    assert response.status_code == 200, response.text
    converted = response.json()
    assert converted["CONVERTED"] is True
    assert converted["CONVERTED_DATE_UTC"] is not None
    statuses = api.get("/LeadStatuses", params={"include_converted": "true"}).json()
    status = next(s for s in statuses if s["LEAD_STATUS_ID"] == converted["LEAD_STATUS_ID"])
    assert status["STATUS_TYPE"] == 3

    contact = api.get(f"/Contacts/{converted['CONVERTED_CONTACT_ID']}").json()
    organisation = api.get(f"/Organisations/{converted['CONVERTED_ORGANISATION_ID']}").json()
    opportunity = api.get(f"/Opportunities/{converted['CONVERTED_OPPORTUNITY_ID']}").json()
    assert (contact["FIRST_NAME"], contact["LAST_NAME"]) == ("Grace", "Hopper")
    assert contact["EMAIL_ADDRESS"] == "grace@navy.example"
    assert contact["PHONE_MOBILE"] == "+1 555 0101"
    assert contact["ADDRESS_MAIL_CITY"] == "Arlington"
    assert contact["BACKGROUND"] == "Met at a conference"
    assert contact["ORGANISATION_ID"] == organisation["ORGANISATION_ID"]
    assert contact["TAGS"] == [{"TAG_NAME": "vip"}]
    # The lead's links move onto the contact.
    assert {(link["LINK_OBJECT_NAME"], link["LINK_OBJECT_ID"]) for link in contact["LINKS"]} >= {
        ("Task", task["TASK_ID"]),
        ("Opportunity", opportunity["OPPORTUNITY_ID"]),
    }
    assert organisation["ORGANISATION_NAME"] == "Navy Labs"
    assert organisation["WEBSITE"] == "navy.example"
    assert organisation["ADDRESS_BILLING_CITY"] == "Arlington"
    assert opportunity["OPPORTUNITY_NAME"] == "Compiler deal"
    assert opportunity["ORGANISATION_ID"] == organisation["ORGANISATION_ID"]
    assert opportunity["OPPORTUNITY_VALUE"] == 1000


def test_conversion_with_an_existing_organisation_and_no_body(api: httpx.Client) -> None:
    organisation = api.post("/Organisations", json={"ORGANISATION_NAME": "Existing"}).json()
    lead = _lead(api)
    before = _counts(api)
    response = api.post(
        f"/Leads/{lead['LEAD_ID']}/Convert",
        json={"ORGANISATION_ID": organisation["ORGANISATION_ID"]},
    )
    assert response.status_code == 200, response.text
    assert response.json()["CONVERTED_ORGANISATION_ID"] == organisation["ORGANISATION_ID"]
    assert response.json()["CONVERTED_OPPORTUNITY_ID"] is None
    after = _counts(api)
    assert int(after["Contacts"]) == int(before["Contacts"]) + 1
    assert after["Organisations"] == before["Organisations"]

    # No body at all: the defaults (an organisation from ORGANISATION_NAME, no opportunity).
    bare = _lead(api)
    response = api.post(f"/Leads/{bare['LEAD_ID']}/Convert")
    assert response.status_code == 200, response.text
    assert response.json()["CONVERTED_ORGANISATION_ID"] is not None


def test_a_lead_is_converted_once(api: httpx.Client) -> None:
    lead = _lead(api)
    assert api.post(f"/Leads/{lead['LEAD_ID']}/Convert", json={}).status_code == 200
    before = _counts(api)
    again = api.post(f"/Leads/{lead['LEAD_ID']}/Convert", json={})
    assert again.status_code == 409
    assert _counts(api) == before


def test_invalid_conversions_write_nothing(api: httpx.Client) -> None:
    nameless = _lead(api, FIRST_NAME=None)
    cases = [
        (nameless, {}, "CONTACT.FIRST_NAME"),
        (
            nameless,
            {"CONTACT": {"FIRST_NAME": "G", "EMAIL_ADDRESS": "x" * 300}},
            "CONTACT.EMAIL_ADDRESS",
        ),
        (_lead(api), {"ORGANISATION_ID": 999_999_999}, "ORGANISATION_ID"),
        (_lead(api), {"OPPORTUNITY": {"PROBABILITY": 500}}, "OPPORTUNITY.PROBABILITY"),
        (_lead(api), {"LEAD_STATUS_ID": 999_999_999}, "LEAD_STATUS_ID"),
        (_lead(api), {"CREATE_OPPORTUNITY": "maybe"}, "CREATE_OPPORTUNITY"),
    ]
    before = _counts(api)
    for lead, body, field in cases:
        response = api.post(f"/Leads/{lead['LEAD_ID']}/Convert", json=body)
        assert response.status_code == 400, (body, response.text)
        assert field in [e["FIELD"] for e in response.json()["Errors"]], response.text
        assert api.get(f"/Leads/{lead['LEAD_ID']}").json()["CONVERTED"] is False
    assert _counts(api) == before
    # The contact's name can come from the body.
    fixed = api.post(f"/Leads/{nameless['LEAD_ID']}/Convert", json={"CONTACT": {"FIRST_NAME": "G"}})
    assert fixed.status_code == 200, fixed.text
    assert api.get("/Leads/999999999/Convert").status_code == 405
    assert api.post("/Leads/999999999/Convert", json={}).status_code == 404


def test_another_instance_cannot_convert(make_tenant) -> None:  # type: ignore[no-untyped-def]
    owner, stranger = make_tenant(), make_tenant()
    lead = _lead(owner.client)
    assert stranger.client.post(f"/Leads/{lead['LEAD_ID']}/Convert", json={}).status_code == 404
    assert owner.client.get(f"/Leads/{lead['LEAD_ID']}").json()["CONVERTED"] is False
