"""The server answers, and a contact goes in and comes out."""

import httpx


def test_healthz(base_url: str) -> None:
    assert httpx.get(f"{base_url}/healthz").status_code == 200


def test_create_and_read_contact(api: httpx.Client) -> None:
    created = api.post("/Contacts", json={"FIRST_NAME": "Ada", "LAST_NAME": "Lovelace"})
    assert created.status_code == 201
    contact_id = created.json()["CONTACT_ID"]
    assert created.headers["Location"] == f"/v3.1/Contacts/{contact_id}"
    fetched = api.get(f"/Contacts/{contact_id}")
    assert fetched.status_code == 200
    assert fetched.json()["LAST_NAME"] == "Lovelace"
