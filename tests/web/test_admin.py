"""The admin pages over real HTTP: users, custom fields, custom objects and pipelines, each
checked through the API (the same services) and refused to anyone but an administrator."""

import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from html import unescape

import httpx
import pytest
from sqlalchemy import Engine

from rolodex.services.sessions import set_password
from rolodex.storage.engine import unit_of_work
from tests.conftest import SUITE_OBJECT, Tenant
from tests.web.conftest import WebUser, csrf_of, sign_in

ADMIN_PAGES = ("/admin", "/admin/users", "/admin/custom-fields", "/admin/custom-objects")
ADMIN_PAGES += ("/admin/pipelines", "/admin/users/new", "/admin/custom-fields/Contact/new")
ADMIN_PAGES += ("/admin/custom-objects/new", "/admin/pipelines/new")


def error_of(html: str, name: str) -> str | None:
    """The error message shown next to the input `name`, if any."""
    match = re.search(rf'id="{name}-error">([^<]*)<', html)
    return unescape(match.group(1)) if match else None


def value_of(html: str, name: str) -> str:
    """The value a text input of the page holds."""
    match = re.search(rf'<input id="{name}" name="{name}" type="[a-z]+" value="([^"]*)"', html)
    assert match, f"no input {name}"
    return unescape(match.group(1))


def submit(web: httpx.Client, action: str, data: dict[str, object]) -> httpx.Response:
    """POST a form with the session's CSRF token (from any page: the layout's sign-out form)."""
    token = csrf_of(web.get("/admin").text)
    return web.post(action, data={**data, "csrf_token": token})


def member(tenant: Tenant, engine: Engine, admin: bool = False) -> tuple[int, str, str, str]:
    """Another user of the tenant with a password: id, email, API key, password."""
    email = f"member-{uuid.uuid4().hex[:10]}@example.com"
    user_id, key = tenant.add_user(engine, email, admin)
    password = f"pw-{uuid.uuid4().hex[:12]}"
    with unit_of_work(engine, write=True) as connection:
        set_password(connection, email, password)
    return user_id, email, key, password


@contextmanager
def signed_in(base_url: str, email: str, password: str) -> Iterator[httpx.Client]:
    """A client signed in as another user."""
    with httpx.Client(base_url=base_url, timeout=30) as client:
        assert sign_in(client, email, password).status_code == 303
        yield client


# --- who may ----------------------------------------------------------------------------------


def test_a_non_admin_gets_a_403_page_and_changes_nothing(
    base_url: str, engine: Engine, web_user: WebUser
) -> None:
    tenant = web_user.tenant
    _, email, _, password = member(tenant, engine)
    with signed_in(base_url, email, password) as client:
        assert 'href="/admin"' not in client.get("/").text
        for path in ADMIN_PAGES:
            page = client.get(path)
            assert page.status_code == 403, path
            assert "Not allowed" in page.text
        token = csrf_of(client.get("/settings").text)
        response = client.post(
            "/admin/custom-objects/new",
            data={
                "csrf_token": token,
                "object_name": "Sneaky__c",
                "singular_label": "Sneak",
                "plural_label": "Sneaks",
            },
        )
        assert response.status_code == 403
    assert tenant.client.get("/CustomObjects/Sneaky__c").status_code == 404


def test_the_admin_pages_need_a_session_and_forms_need_the_csrf_token(
    base_url: str, web: httpx.Client, web_user: WebUser
) -> None:
    with httpx.Client(base_url=base_url) as visitor:
        response = visitor.get("/admin/users")
        assert response.status_code == 303
        assert response.headers["location"] == "/?next=%2Fadmin%2Fusers"
    forged = web.post(
        "/admin/pipelines/new",
        data={"csrf_token": "forged", "name": "Forged", "for": "Projects", "stages": "A"},
    )
    assert forged.status_code == 403
    names = [p["PIPELINE_NAME"] for p in web_user.tenant.client.get("/Pipelines").json()]
    assert "Forged" not in names


def test_the_index_links_to_every_admin_page(web: httpx.Client) -> None:
    page = web.get("/admin")
    assert page.status_code == 200
    assert 'href="/admin"' in page.text  # the navigation shows Admin to administrators
    for path in ("/admin/users", "/admin/custom-fields", "/admin/custom-objects"):
        assert f'href="{path}"' in page.text
        assert web.get(path).status_code == 200
    assert 'href="/admin/pipelines"' in page.text


# --- users ------------------------------------------------------------------------------------


def test_a_new_user_gets_an_api_key_shown_once_and_a_password(
    base_url: str, web: httpx.Client
) -> None:
    email = f"new-{uuid.uuid4().hex[:10]}@example.com"
    response = submit(
        web,
        "/admin/users/new",
        {"email": email, "first_name": "Nia", "last_name": "New", "password": "a-fine-password"},
    )
    assert response.status_code == 200, response.text
    key = value_of_key(response.text)
    with httpx.Client(base_url=f"{base_url}/v3.1", auth=(key, "")) as api:
        me = api.get("/Users/Me").json()
    assert me["EMAIL_ADDRESS"] == email
    assert me["FIRST_NAME"] == "Nia"
    assert me["ADMINISTRATOR"] is False
    listing = web.get("/admin/users").text
    assert email in listing
    assert key not in listing
    with signed_in(base_url, email, "a-fine-password") as client:
        assert client.get("/admin").status_code == 403


def value_of_key(html: str) -> str:
    match = re.search(r'id="api-key" class="key" readonly value="([^"]+)"', html)
    assert match, html
    return match.group(1)


def test_a_refused_user_is_not_half_created_and_the_form_keeps_its_input(
    web: httpx.Client, web_user: WebUser
) -> None:
    email = f"short-{uuid.uuid4().hex[:10]}@example.com"
    form = {"email": email, "first_name": "Sho", "last_name": "Rt", "administrator": "on"}
    short = submit(web, "/admin/users/new", {**form, "password": "short"})
    assert short.status_code == 400
    assert error_of(short.text, "password") == "A password needs at least 8 characters."
    assert value_of(short.text, "email") == email
    assert value_of(short.text, "first_name") == "Sho"
    assert (
        'id="administrator" name="administrator" type="checkbox" value="on" checked' in short.text
    )
    assert email not in web.get("/admin/users").text  # the user was rolled back with it
    bad = submit(web, "/admin/users/new", {**form, "email": "not-an-email"})
    assert bad.status_code == 400
    assert error_of(bad.text, "email") == "'not-an-email' is not an email address."
    taken = submit(web, "/admin/users/new", {**form, "email": web_user.email.upper()})
    assert taken.status_code == 409
    assert "already exists" in (error_of(taken.text, "email") or "")


def test_deactivating_a_user_stops_its_key_and_sessions_until_reactivated(
    base_url: str, engine: Engine, web: httpx.Client, web_user: WebUser
) -> None:
    user_id, email, key, password = member(web_user.tenant, engine)
    with (
        signed_in(base_url, email, password) as other,
        httpx.Client(base_url=f"{base_url}/v3.1", auth=(key, "")) as api,
    ):
        assert api.get("/Users/Me").status_code == 200
        assert submit(web, f"/admin/users/{user_id}/deactivate", {}).status_code == 303
        assert api.get("/Users/Me").status_code == 401
        assert other.get("/settings").status_code == 303  # signed out
        row = _row_of(web.get("/admin/users").text, email)
        assert "Deactivated" in row
        assert f"Reactivate {email}" in row
        assert submit(web, f"/admin/users/{user_id}/reactivate", {}).status_code == 303
        assert api.get("/Users/Me").status_code == 200
        assert other.get("/settings").status_code == 303  # old sessions stay ended
        assert sign_in(other, email, password).status_code == 303


def _row_of(html: str, email: str) -> str:
    rows = [row for row in html.split("<tr>") if email in row]
    assert len(rows) == 1
    return rows[0]


def test_an_admin_cannot_deactivate_or_demote_themself(
    web: httpx.Client, web_user: WebUser
) -> None:
    tenant = web_user.tenant
    row = _row_of(web.get("/admin/users").text, web_user.email)
    assert "(you)" in row
    assert "Deactivate" not in row
    assert "Change the role" not in row
    for action, data in (("deactivate", {}), ("role", {"role": "user"})):
        response = submit(web, f"/admin/users/{tenant.user_id}/{action}", data)
        assert response.status_code == 409
        assert "You cannot" in response.text
    me = tenant.client.get("/Users/Me").json()
    assert me["ADMINISTRATOR"] is True
    assert web.get("/admin").status_code == 200


def test_making_and_unmaking_an_administrator(
    base_url: str, engine: Engine, web: httpx.Client, web_user: WebUser
) -> None:
    user_id, email, _, password = member(web_user.tenant, engine)
    role = f"/admin/users/{user_id}/role"
    with signed_in(base_url, email, password) as other:
        assert other.get("/admin").status_code == 403
        assert submit(web, role, {"role": "administrator"}).status_code == 303
        assert other.get("/admin/users").status_code == 200
        assert '<option value="administrator" selected>' in _row_of(
            web.get("/admin/users").text, email
        )
        assert submit(web, role, {"role": "user"}).status_code == 303
        assert other.get("/admin/users").status_code == 403
        unknown = submit(web, role, {"role": "owner"})
        assert unknown.status_code == 400
        assert "Choose a role: administrator, user, read-only." in unknown.text


def test_setting_a_users_password(
    base_url: str, engine: Engine, web: httpx.Client, web_user: WebUser
) -> None:
    user_id, email, _, old_password = member(web_user.tenant, engine)
    page = web.get(f"/admin/users/{user_id}/password")
    assert page.status_code == 200
    assert '<label for="password">New password</label>' in page.text
    short = submit(web, f"/admin/users/{user_id}/password", {"password": "tiny"})
    assert short.status_code == 400
    assert error_of(short.text, "password") == "A password needs at least 8 characters."
    done = submit(web, f"/admin/users/{user_id}/password", {"password": "brand-new-password"})
    assert done.status_code == 303
    with httpx.Client(base_url=base_url) as client:
        assert sign_in(client, email, old_password).status_code == 401
        assert sign_in(client, email, "brand-new-password").status_code == 303


def test_only_the_admins_own_instances_users_are_reachable(
    make_tenant: Callable[[], Tenant], web: httpx.Client, web_user: WebUser
) -> None:
    stranger = make_tenant()
    assert stranger.email not in web.get("/admin/users").text
    assert web.get(f"/admin/users/{stranger.user_id}/password").status_code == 404
    for action in ("deactivate", "role", "password"):
        data = {"password": "a-long-password", "role": "user"}
        response = submit(web, f"/admin/users/{stranger.user_id}/{action}", data)
        assert response.status_code == 404
    assert stranger.client.get("/Users/Me").json()["ADMINISTRATOR"] is True


# --- custom fields ----------------------------------------------------------------------------


def test_the_custom_fields_index_lists_standard_types_and_custom_objects(
    web: httpx.Client,
) -> None:
    page = web.get("/admin/custom-fields").text
    for name in ("Contact", "Organisation", "Opportunity", SUITE_OBJECT):
        assert f'href="/admin/custom-fields/{name}"' in page
    assert web.get(f"/admin/custom-fields/{SUITE_OBJECT}").status_code == 200
    assert web.get("/admin/custom-fields/Nothing__c").status_code == 404


FIELD_EXTRAS: dict[str, dict[str, str]] = {
    "DROPDOWN": {"new_options": "Red\nGreen\n", "default_value": "Green"},
    "MULTISELECT": {"new_options": "A\nB\nC", "default_value": "A;C"},
    "LOOKUP": {"join_object": "Organisation"},
    "NUMERIC": {"default_value": "42"},
    "BIT": {"default_value": "true"},
    "DATE": {"default_value": "2026-03-01"},
}
ALL_TYPES = [
    "TEXT",
    "MULTILINETEXT",
    "NUMERIC",
    "PERCENT",
    "CURRENCY",
    "DATE",
    "DATETIME",
    "BIT",
    "DROPDOWN",
    "MULTISELECT",
    "URL",
    "AUTONUMBER",
    "LOOKUP",
    "IMAGE",
]


@pytest.mark.parametrize("field_type", ALL_TYPES)
def test_a_custom_field_of_every_type_is_defined_through_the_form(
    web: httpx.Client, web_user: WebUser, field_type: str
) -> None:
    assert f'<option value="{field_type}"' in web.get("/admin/custom-fields/Contact/new").text
    name = f"F_{field_type.lower()}__c"
    data = {"field_name": name, "label": f"My {field_type}", "field_type": field_type}
    data.update({"editable": "on", "visible": "on", **FIELD_EXTRAS.get(field_type, {})})
    response = submit(web, "/admin/custom-fields/Contact/new", data)
    assert response.status_code == 303, error_summary(response.text)
    assert response.headers["location"] == "/admin/custom-fields/Contact"
    found = web_user.tenant.client.get("/CustomFields/Contacts/Search", params={"fieldName": name})
    definition = found.json()[0]
    assert definition["FIELD_TYPE"] == field_type
    assert definition["FIELD_LABEL"] == f"My {field_type}"
    if field_type in ("DROPDOWN", "MULTISELECT"):
        options = [o["OPTION_VALUE"] for o in definition["CUSTOM_FIELD_OPTIONS"]]
        assert options == data["new_options"].split()
    if field_type == "LOOKUP":
        assert definition["JOIN_OBJECT"] == "Organisation"
    expected_default = {"NUMERIC": 42, "BIT": True, "DATE": "2026-03-01 00:00:00"}
    expected_default.update({"DROPDOWN": "Green", "MULTISELECT": "A;C"})
    assert definition["DEFAULT_VALUE"] == expected_default.get(field_type)
    assert name in web.get("/admin/custom-fields/Contact").text


def error_summary(html: str) -> str:
    return " | ".join(unescape(m) for m in re.findall(r'class="field-error"[^>]*>([^<]*)<', html))


def test_a_refused_custom_field_shows_each_error_by_its_field_and_keeps_the_input(
    web: httpx.Client, web_user: WebUser
) -> None:
    bad_name = submit(
        web,
        "/admin/custom-fields/Contact/new",
        {"field_name": "no suffix", "label": "Kept label", "field_type": "TEXT"},
    )
    assert bad_name.status_code == 400
    assert "pattern" in (error_of(bad_name.text, "field_name") or "")
    assert value_of(bad_name.text, "label") == "Kept label"
    repeated = submit(
        web,
        "/admin/custom-fields/Contact/new",
        {
            "field_name": "Colour__c",
            "label": "Colour",
            "field_type": "DROPDOWN",
            "new_options": "Red\nred",
        },
    )
    assert repeated.status_code == 400
    assert error_of(repeated.text, "options") == "'red' is repeated"
    assert "Red\nred</textarea>" in repeated.text
    no_target = submit(
        web,
        "/admin/custom-fields/Contact/new",
        {"field_name": "Boss__c", "label": "Boss", "field_type": "LOOKUP"},
    )
    assert no_target.status_code == 400
    assert "is required for a LOOKUP field" in (error_of(no_target.text, "join_object") or "")
    bad_default = submit(
        web,
        "/admin/custom-fields/Contact/new",
        {"field_name": "Size__c", "label": "Size", "field_type": "NUMERIC", "default_value": "x"},
    )
    assert bad_default.status_code == 400
    assert "not a number" in (error_of(bad_default.text, "default_value") or "")
    assert web_user.tenant.client.get("/CustomFields/Contacts").json() == []


def _dropdown(web: httpx.Client, tenant: Tenant) -> int:
    """A Colour__c dropdown (Red, Green) and a contact whose colour is Red; the contact's id."""
    created = submit(
        web,
        "/admin/custom-fields/Contact/new",
        {"field_name": "Colour__c", "label": "Colour", "field_type": "DROPDOWN"}
        | {"new_options": "Red\nGreen", "editable": "on", "visible": "on"},
    )
    assert created.status_code == 303
    contact = tenant.client.post(
        "/Contacts",
        json={
            "FIRST_NAME": "Ada",
            "CUSTOMFIELDS": [{"FIELD_NAME": "Colour__c", "FIELD_VALUE": "Red"}],
        },
    )
    assert contact.status_code == 201, contact.text
    return int(contact.json()["CONTACT_ID"])


def _colour_of(tenant: Tenant, contact_id: int) -> object:
    fields = tenant.client.get(f"/Contacts/{contact_id}").json()["CUSTOMFIELDS"]
    return next((f["FIELD_VALUE"] for f in fields if f["FIELD_NAME"] == "Colour__c"), None)


def test_editing_a_custom_field_renames_options_and_refuses_removing_one_in_use(
    web: httpx.Client, web_user: WebUser
) -> None:
    tenant = web_user.tenant
    contact_id = _dropdown(web, tenant)
    page = web.get("/admin/custom-fields/Contact/Colour__c/edit").text
    ids = re.findall(r'name="option_id" value="(\d+)"', page)
    assert len(ids) == 2
    assert '<label for="option-1">Option 1</label>' in page
    common = {"label": "Colour", "field_type": "DROPDOWN", "editable": "on", "visible": "on"}
    removing = submit(
        web,
        "/admin/custom-fields/Contact/Colour__c/edit",
        {**common, "option_id": ids, "option_value": ["", "Green"]},
    )
    assert removing.status_code == 409
    assert "is the value of 1 Contacts" in (error_of(removing.text, "options") or "")
    assert _colour_of(tenant, contact_id) == "Red"
    renaming = submit(
        web,
        "/admin/custom-fields/Contact/Colour__c/edit",
        {**common, "label": "Hue", "option_id": ids, "option_value": ["Crimson", "Green"]}
        | {"new_options": "Blue", "order": "7"},
    )
    assert renaming.status_code == 303, error_summary(renaming.text)
    definition = tenant.client.get("/CustomFields/Contacts").json()[0]
    assert definition["FIELD_LABEL"] == "Hue"
    assert definition["FIELD_ORDER"] == 7
    values = [o["OPTION_VALUE"] for o in definition["CUSTOM_FIELD_OPTIONS"]]
    assert values == ["Crimson", "Green", "Blue"]
    assert _colour_of(tenant, contact_id) == "Crimson"


def test_deleting_a_custom_field_asks_first_then_deletes_its_values(
    web: httpx.Client, web_user: WebUser
) -> None:
    tenant = web_user.tenant
    contact_id = _dropdown(web, tenant)
    confirm = web.get("/admin/custom-fields/Contact/Colour__c/delete")
    assert confirm.status_code == 200
    assert "1 Contacts have a value in it now" in confirm.text
    assert tenant.client.get("/CustomFields/Contacts").json() != []  # asking deleted nothing
    done = submit(web, "/admin/custom-fields/Contact/Colour__c/delete", {})
    assert done.status_code == 303
    assert tenant.client.get("/CustomFields/Contacts").json() == []
    assert _colour_of(tenant, contact_id) is None


# --- custom objects ---------------------------------------------------------------------------


def test_a_custom_object_is_created_edited_and_listed(web: httpx.Client, web_user: WebUser) -> None:
    api = web_user.tenant.client
    form = {"object_name": "Call__c", "singular_label": "Call", "plural_label": "Calls"}
    created = submit(web, "/admin/custom-objects/new", {**form, "description": "Phone calls"})
    assert created.status_code == 303
    assert api.get("/CustomObjects/Call__c").json()["DESCRIPTION"] == "Phone calls"
    listing = web.get("/admin/custom-objects").text
    assert "Call__c" in listing
    assert 'href="/admin/custom-objects/Call__c/delete"' in listing
    edit = web.get("/admin/custom-objects/Call__c/edit").text
    assert value_of(edit, "plural_label") == "Calls"
    changed = submit(
        web,
        "/admin/custom-objects/Call__c/edit",
        {"singular_label": "Phone call", "plural_label": "Phone calls", "description": ""},
    )
    assert changed.status_code == 303
    definition = api.get("/CustomObjects/Call__c").json()
    assert (definition["SINGULAR_LABEL"], definition["PLURAL_LABEL"]) == (
        "Phone call",
        "Phone calls",
    )
    assert definition["DESCRIPTION"] is None
    assert "Phone calls" in web.get("/admin/custom-fields").text


def test_a_refused_custom_object_shows_errors_by_field(
    web: httpx.Client, web_user: WebUser
) -> None:
    bad = submit(
        web,
        "/admin/custom-objects/new",
        {"object_name": "Call", "singular_label": "Call", "plural_label": "Calls"},
    )
    assert bad.status_code == 400
    assert "pattern" in (error_of(bad.text, "object_name") or "")
    assert value_of(bad.text, "singular_label") == "Call"
    missing = submit(
        web, "/admin/custom-objects/new", {"object_name": "Visit__c", "singular_label": "Visit"}
    )
    assert missing.status_code == 400
    assert error_of(missing.text, "plural_label") == "is required"
    taken = submit(
        web,
        "/admin/custom-objects/new",
        {"object_name": SUITE_OBJECT.lower(), "singular_label": "X", "plural_label": "Xs"},
    )
    assert taken.status_code == 409
    assert "exists already" in (error_of(taken.text, "object_name") or "")
    cleared = submit(
        web,
        f"/admin/custom-objects/{SUITE_OBJECT}/edit",
        {"singular_label": "", "plural_label": "Still"},
    )
    assert cleared.status_code == 400
    assert "cannot be cleared" in (error_of(cleared.text, "singular_label") or "")
    names = [o["OBJECT_NAME"] for o in web_user.tenant.client.get("/CustomObjects").json()]
    assert names == [SUITE_OBJECT]
    assert web_user.tenant.client.get(f"/CustomObjects/{SUITE_OBJECT}").json()["PLURAL_LABEL"] == (
        "Suite items"
    )


def test_deleting_a_custom_object_names_its_records_and_asks_again_if_they_change(
    web: httpx.Client, web_user: WebUser
) -> None:
    api = web_user.tenant.client
    for name in ("one", "two"):
        assert api.post(f"/{SUITE_OBJECT}", json={"RECORD_NAME": name}).status_code == 201
    confirm = web.get(f"/admin/custom-objects/{SUITE_OBJECT}/delete")
    assert "Its 2 records will be deleted with it" in confirm.text
    assert f"Delete {SUITE_OBJECT} and 2 records" in confirm.text
    assert api.post(f"/{SUITE_OBJECT}", json={"RECORD_NAME": "three"}).status_code == 201
    stale = submit(web, f"/admin/custom-objects/{SUITE_OBJECT}/delete", {"records": "2"})
    assert stale.status_code == 409
    assert "it is 3 now" in stale.text
    assert "Its 3 records will be deleted with it" in stale.text
    assert len(api.get(f"/{SUITE_OBJECT}").json()) == 3  # nothing was deleted
    done = submit(web, f"/admin/custom-objects/{SUITE_OBJECT}/delete", {"records": "3"})
    assert done.status_code == 303
    assert api.get(f"/CustomObjects/{SUITE_OBJECT}").status_code == 404


# --- pipelines --------------------------------------------------------------------------------


def _pipeline_id(tenant: Tenant, name: str) -> int | None:
    found = [p for p in tenant.client.get("/Pipelines").json() if p["PIPELINE_NAME"] == name]
    return int(found[0]["PIPELINE_ID"]) if found else None


def test_a_pipeline_is_created_with_its_stages_renamed_and_deleted(
    web: httpx.Client, web_user: WebUser
) -> None:
    tenant = web_user.tenant
    form = {"name": "Renewals", "for": "Projects", "stages": "Notice\nQuote\n\nSigned\n"}
    assert submit(web, "/admin/pipelines/new", form).status_code == 303
    pipeline_id = _pipeline_id(tenant, "Renewals")
    assert pipeline_id is not None
    stages = [
        s for s in tenant.client.get("/PipelineStages").json() if s["PIPELINE_ID"] == pipeline_id
    ]
    assert [s["STAGE_NAME"] for s in sorted(stages, key=lambda s: s["STAGE_ORDER"])] == [
        "Notice",
        "Quote",
        "Signed",
    ]
    listing = web.get("/admin/pipelines").text
    assert "<li>Notice</li><li>Quote</li><li>Signed</li>" in listing
    renamed = submit(web, f"/admin/pipelines/{pipeline_id}/rename", {"name": "Renewal deals"})
    assert renamed.status_code == 303
    assert _pipeline_id(tenant, "Renewal deals") == pipeline_id
    blank = submit(web, f"/admin/pipelines/{pipeline_id}/rename", {"name": ""})
    assert blank.status_code == 400
    assert error_of(blank.text, "name")
    assert _pipeline_id(tenant, "Renewal deals") == pipeline_id
    assert "Delete Renewal deals" in web.get(f"/admin/pipelines/{pipeline_id}/delete").text
    assert submit(web, f"/admin/pipelines/{pipeline_id}/delete", {}).status_code == 303
    assert _pipeline_id(tenant, "Renewal deals") is None


def test_a_refused_pipeline_is_not_created_and_shows_why(
    web: httpx.Client, web_user: WebUser
) -> None:
    refused = submit(web, "/admin/pipelines/new", {"name": "", "for": "Projects", "stages": " \n"})
    assert refused.status_code == 400
    assert error_of(refused.text, "name") == "is required"
    assert error_of(refused.text, "stages") == "at least one stage is required"
    wrong = submit(web, "/admin/pipelines/new", {"name": "X", "for": "Contacts", "stages": "A"})
    assert wrong.status_code == 400
    assert "A pipeline is for one of" in (error_of(wrong.text, "for") or "")
    assert _pipeline_id(web_user.tenant, "X") is None


def test_a_pipeline_holding_records_is_not_deleted(web: httpx.Client, web_user: WebUser) -> None:
    api = web_user.tenant.client
    form = {"name": "Busy", "for": "Opportunities", "stages": "Only"}
    assert submit(web, "/admin/pipelines/new", form).status_code == 303
    pipeline_id = _pipeline_id(web_user.tenant, "Busy")
    deal = api.post("/Opportunities", json={"OPPORTUNITY_NAME": "Deal"}).json()["OPPORTUNITY_ID"]
    moved = api.put(f"/Opportunities/{deal}/Pipeline", json={"PIPELINE_ID": pipeline_id})
    assert moved.status_code == 200, moved.text
    refused = submit(web, f"/admin/pipelines/{pipeline_id}/delete", {})
    assert refused.status_code == 409
    assert "still holds 1 Opportunities" in refused.text
    assert _pipeline_id(web_user.tenant, "Busy") == pipeline_id


def test_a_malformed_page_address_gets_an_error_page(web: httpx.Client) -> None:
    response = web.get("/admin/pipelines/abc/rename")
    assert response.status_code in (400, 404)
    assert response.headers["content-type"].startswith("text/html")
