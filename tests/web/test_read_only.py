"""The web app for a read-only user (over real HTTP): pages without the buttons and forms of
changes, every changing POST refused (403) with nothing changed, the own account still usable;
and the admin page that gives a user a role."""

import re
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import Engine

from rolodex.services.context import READ_ONLY_MESSAGE
from tests.web.conftest import WebUser, csrf_of
from tests.web.test_admin import member, signed_in, submit

# What a detail page offers someone who may change the record (absent for a read-only user).
CHANGES = {
    "edit": r'href="/records/Contact/\d+/edit"',
    "delete": r'href="/records/Contact/\d+/delete"',
    "add a note": r'action="/records/Contact/\d+/notes"',
    "attach a file": r'action="/records/Contact/\d+/files"',
    "add a link": r'action="/records/Contact/\d+/links"',
    "remove a link": r'action="/records/Contact/\d+/links/\d+/delete"',
}


@dataclass
class Reader:
    """A read-only user of the web user's instance, signed in, and a contact it can see."""

    user_id: int
    key: str
    web: httpx.Client
    contact: int
    link: int


@pytest.fixture
def reader(base_url: str, engine: Engine, web: httpx.Client, web_user: WebUser) -> Iterator[Reader]:
    api = web_user.tenant.client
    contact = api.post("/Contacts", json={"FIRST_NAME": "Visible"}).json()["CONTACT_ID"]
    other = api.post("/Organisations", json={"ORGANISATION_NAME": "Linked"}).json()
    link = api.post(
        f"/Contacts/{contact}/Links",
        json={"LINK_OBJECT_NAME": "Organisation", "LINK_OBJECT_ID": other["ORGANISATION_ID"]},
    ).json()["LINK_ID"]
    user_id, email, key, password = member(web_user.tenant, engine)
    # The administrator's page gives the role.
    assert submit(web, f"/admin/users/{user_id}/role", {"role": "read-only"}).status_code == 303
    with signed_in(base_url, email, password) as client:
        yield Reader(user_id, key, client, contact, link)


def offered(html: str) -> set[str]:
    return {name for name, pattern in CHANGES.items() if re.search(pattern, html)}


def test_the_admin_page_shows_and_changes_a_role(
    base_url: str, web: httpx.Client, reader: Reader
) -> None:
    users = web.get("/admin/users").text
    row = next(r for r in users.split("<tr>") if f'id="role-{reader.user_id}"' in r)
    assert '<option value="read-only" selected>Read-only</option>' in row
    with httpx.Client(base_url=f"{base_url}/v3.1", auth=(reader.key, "")) as api:
        refused = api.post("/Contacts", json={"FIRST_NAME": "No"})
        assert (refused.status_code, refused.json()) == (403, {"Message": READ_ONLY_MESSAGE})
        # Back to user: the key writes again at once (this process dropped its cached caller).
        back = submit(web, f"/admin/users/{reader.user_id}/role", {"role": "user"})
        assert back.status_code == 303
        assert api.post("/Contacts", json={"FIRST_NAME": "Yes"}).status_code == 201


def test_a_read_only_users_pages_offer_no_changes(
    web: httpx.Client, reader: Reader, web_user: WebUser
) -> None:
    detail = f"/records/Contact/{reader.contact}"
    assert offered(web.get(detail).text) == set(CHANGES)  # what a user sees, for comparison
    page = reader.web.get(detail)
    assert page.status_code == 200
    assert "Visible" in page.text and "Linked" in page.text  # the record and its link are shown
    assert offered(page.text) == set()
    listing = reader.web.get("/records/Contact")
    assert listing.status_code == 200
    assert 'href="/records/Contact/new"' not in listing.text
    assert 'href="/records/Contact/new"' in web.get("/records/Contact").text
    for form in ("/records/Contact/new", f"{detail}/edit", f"{detail}/delete"):
        response = reader.web.get(form)
        assert response.status_code == 403, form
        assert READ_ONLY_MESSAGE.replace("'", "&#39;") in response.text


def test_a_read_only_users_posts_are_refused_and_change_nothing(
    reader: Reader, web_user: WebUser
) -> None:
    api = web_user.tenant.client
    before = api.get(f"/Contacts/{reader.contact}").json()
    notes_before = api.get(f"/Contacts/{reader.contact}/Notes").json()
    contacts_before = api.get("/Contacts").json()
    token = csrf_of(reader.web.get("/settings").text)
    detail = f"/records/Contact/{reader.contact}"
    posts = {
        "/records/Contact/new": {"FIRST_NAME": "New"},
        f"{detail}/edit": {"FIRST_NAME": "Changed"},
        f"{detail}/delete": {},
        f"{detail}/notes": {"TITLE": "A note"},
        f"{detail}/links": {"LINK_OBJECT_NAME": "Contact", "LINK_OBJECT_ID": "1"},
        f"{detail}/links/{reader.link}/delete": {},
    }
    for path, data in posts.items():
        response = reader.web.post(path, data={**data, "csrf_token": token})
        assert response.status_code == 403, path
    upload = reader.web.post(
        f"{detail}/files",
        data={"csrf_token": token},
        files={"file": ("a.txt", b"refused", "text/plain")},
    )
    assert upload.status_code == 403
    assert api.get(f"/Contacts/{reader.contact}").json() == before
    assert api.get(f"/Contacts/{reader.contact}/Notes").json() == notes_before
    assert api.get("/Contacts").json() == contacts_before
    assert api.get(f"/Contacts/{reader.contact}/FileAttachments").json() == []


def test_a_read_only_user_still_manages_their_own_account(
    reader: Reader, web: httpx.Client
) -> None:
    settings = reader.web.get("/settings").text
    assert 'id="read-only-role"' in settings  # told why the pages offer no changes
    assert 'id="read-only-role"' not in web.get("/settings").text
    token = csrf_of(settings)
    new_key = reader.web.post("/settings/api-key", data={"csrf_token": token})
    assert new_key.status_code == 200
    assert 'id="api-key"' in new_key.text
    signed_out = reader.web.post("/sign-out", data={"csrf_token": token})
    assert signed_out.status_code == 303
    assert reader.web.get("/settings").status_code == 303  # to the sign-in page
