"""Links and file attachments changed through a record's page, checked against the API."""

import httpx

from tests.web.conftest import csrf_of
from tests.web.test_records import attrs, contact, other_web, text

__all__ = ["other_web"]  # the fixture, shared with test_records


def _organisation(api: httpx.Client, name: str) -> int:
    created = api.post("/Organisations", json={"ORGANISATION_NAME": name})
    assert created.status_code == 201, created.text
    return int(created.json()["ORGANISATION_ID"])


def test_a_link_is_added_and_removed_through_the_detail_page(
    web: httpx.Client, api: httpx.Client
) -> None:
    ada = contact(api, LAST_NAME="Lovelace")
    org = _organisation(api, "Analytical Engines")
    path = f"/records/Contact/{ada['CONTACT_ID']}"
    token = csrf_of(web.get(path).text)
    added = web.post(
        f"{path}/links",
        data={
            "csrf_token": token,
            "LINK_OBJECT_NAME": "Organisation",
            "LINK_OBJECT_ID": str(org),
            "ROLE": "Founder",
        },
    )
    assert added.status_code == 303, added.text
    links = api.get(f"/Contacts/{ada['CONTACT_ID']}/Links").json()
    assert [(x["LINK_OBJECT_NAME"], x["LINK_OBJECT_ID"], x["ROLE"]) for x in links] == [
        ("Organisation", org, "Founder")
    ]
    page = web.get(path).text
    assert f'href="/records/Organisation/{org}">Analytical Engines</a>' in page
    # Seen from the organisation's page too: a link has two ends.
    assert f'href="{path}">' in web.get(f"/records/Organisation/{org}").text
    removed = web.post(f"{path}/links/{links[0]['LINK_ID']}/delete", data={"csrf_token": token})
    assert removed.status_code == 303
    assert api.get(f"/Contacts/{ada['CONTACT_ID']}/Links").json() == []


def test_a_bad_link_is_refused_next_to_its_field_and_nothing_changes(
    web: httpx.Client, api: httpx.Client
) -> None:
    ada = contact(api, LAST_NAME="Lovelace")
    path = f"/records/Contact/{ada['CONTACT_ID']}"
    token = csrf_of(web.get(path).text)
    not_a_number = web.post(
        f"{path}/links",
        data={"csrf_token": token, "LINK_OBJECT_NAME": "Organisation", "LINK_OBJECT_ID": "abc"},
    )
    assert not_a_number.status_code == 400
    assert "whole number" in text(not_a_number.text, "error-link-LINK_OBJECT_ID")
    assert attrs(not_a_number.text, "link-LINK_OBJECT_ID")["value"] == "abc"
    missing = web.post(
        f"{path}/links",
        data={"csrf_token": token, "LINK_OBJECT_NAME": "Organisation", "LINK_OBJECT_ID": "999999"},
    )
    assert missing.status_code == 400
    assert api.get(f"/Contacts/{ada['CONTACT_ID']}/Links").json() == []


def test_another_instances_user_cannot_change_links(
    web: httpx.Client, other_web: httpx.Client, api: httpx.Client
) -> None:
    ada = contact(api, LAST_NAME="Lovelace")
    org = _organisation(api, "Analytical Engines")
    api.post(
        f"/Contacts/{ada['CONTACT_ID']}/Links",
        json={"LINK_OBJECT_NAME": "Organisation", "LINK_OBJECT_ID": org},
    )
    link_id = api.get(f"/Contacts/{ada['CONTACT_ID']}/Links").json()[0]["LINK_ID"]
    token = csrf_of(other_web.get("/records/Contact/new").text)
    path = f"/records/Contact/{ada['CONTACT_ID']}"
    response = other_web.post(f"{path}/links/{link_id}/delete", data={"csrf_token": token})
    assert response.status_code == 404
    forged = web.post(f"{path}/links/{link_id}/delete", data={"csrf_token": "forged"})
    assert forged.status_code == 403
    assert len(api.get(f"/Contacts/{ada['CONTACT_ID']}/Links").json()) == 1


def test_a_file_is_attached_through_the_detail_page(web: httpx.Client, api: httpx.Client) -> None:
    ada = contact(api, LAST_NAME="Lovelace")
    path = f"/records/Contact/{ada['CONTACT_ID']}"
    token = csrf_of(web.get(path).text)
    uploaded = web.post(
        f"{path}/files",
        data={"csrf_token": token},
        files={"file": ("note G.txt", b"The engine weaves algebraic patterns", "text/plain")},
    )
    assert uploaded.status_code == 303, uploaded.text
    files = api.get(f"/Contacts/{ada['CONTACT_ID']}/FileAttachments").json()
    assert [(f["FILE_NAME"], f["FILE_SIZE"]) for f in files] == [("note G.txt", 36)]
    download = web.get(f"/files/{files[0]['FILE_ID']}")
    assert download.content == b"The engine weaves algebraic patterns"


def test_an_upload_without_a_file_or_token_attaches_nothing(
    web: httpx.Client, api: httpx.Client
) -> None:
    ada = contact(api, LAST_NAME="Lovelace")
    path = f"/records/Contact/{ada['CONTACT_ID']}"
    token = csrf_of(web.get(path).text)
    forged = web.post(
        f"{path}/files", data={"csrf_token": "forged"}, files={"file": ("x.txt", b"x")}
    )
    assert forged.status_code == 403
    no_file = web.post(
        f"{path}/files", data={"csrf_token": token}, files={"other": ("x.txt", b"x")}
    )
    assert no_file.status_code == 400
    assert "file" in text(no_file.text, "error-file")
    assert api.get(f"/Contacts/{ada['CONTACT_ID']}/FileAttachments").json() == []
