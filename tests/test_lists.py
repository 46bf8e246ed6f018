"""GET /Tags?record_type= and GET /Follows: instance-wide lists over the records."""

import httpx
import pytest

from tests.conftest import Tenant


def tag_names(api: httpx.Client, record_type: str, **params: str) -> list[str]:
    response = api.get("/Tags", params={"record_type": record_type, **params})
    assert response.status_code == 200, response.text
    return [tag["TAG_NAME"] for tag in response.json()]


def test_tags_of_a_record_type_are_distinct_and_alphabetical(api: httpx.Client) -> None:
    for tags in (["vip", "Beta"], ["VIP", "alpha"], ["beta"]):
        body = {"FIRST_NAME": "T", "TAGS": [{"TAG_NAME": name} for name in tags]}
        assert api.post("/Contacts", json=body).status_code == 201
    api.post("/Organisations", json={"ORGANISATION_NAME": "O", "TAGS": [{"TAG_NAME": "orgtag"}]})

    names = tag_names(api, "Contacts")
    assert [name.lower() for name in names] == ["alpha", "beta", "vip"]
    assert tag_names(api, "contact") == names  # singular, any case
    assert tag_names(api, "Organisations") == ["orgtag"]
    paged = api.get("/Tags", params={"record_type": "Contacts", "top": "2", "count_total": "true"})
    assert [t["TAG_NAME"].lower() for t in paged.json()] == ["alpha", "beta"]
    assert paged.headers["X-Total-Count"] == "3"


def test_tags_of_another_instance_are_not_listed(api: httpx.Client, make_tenant) -> None:  # type: ignore[no-untyped-def]
    other: Tenant = make_tenant()
    other.client.post("/Contacts", json={"FIRST_NAME": "X", "TAGS": [{"TAG_NAME": "secret"}]})
    assert tag_names(api, "Contacts") == []


@pytest.mark.parametrize("params", [{}, {"record_type": "Nothing"}, {"record_type": "Tasks"}])
def test_tags_need_a_record_type_that_has_tags(api: httpx.Client, params: dict[str, str]) -> None:
    response = api.get("/Tags", params=params)
    assert response.status_code == 400
    assert response.json()["Errors"][0]["FIELD"] == "record_type"


def test_follows_lists_what_the_caller_follows(api: httpx.Client) -> None:
    contact = api.post("/Contacts", json={"FIRST_NAME": "F"}).json()["CONTACT_ID"]
    organisation = api.post("/Organisations", json={"ORGANISATION_NAME": "F"}).json()
    api.post(f"/Contacts/{contact}/Follow")
    api.post(f"/Organisations/{organisation['ORGANISATION_ID']}/Follow")

    everything = api.get("/Follows").json()
    assert everything == [
        {"RECORD_TYPE": "Contact", "RECORD_ID": contact},
        {"RECORD_TYPE": "Organisation", "RECORD_ID": organisation["ORGANISATION_ID"]},
    ]
    only_contacts = api.get("/Follows", params={"record_type": "contacts"}).json()
    assert only_contacts == everything[:1]
    api.delete(f"/Contacts/{contact}/Follow")
    assert api.get("/Follows").json() == everything[1:]
