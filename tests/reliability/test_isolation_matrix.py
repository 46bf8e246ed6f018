"""Isolation matrix: every operation of the OpenAPI document, aimed at another instance's data.

Instance A gets one of everything, each marked with a secret word. Every operation is then
called with instance B's key and A's ids in the path (and in the body where a write names its
record there): the answer is never 2xx for a path naming A's data, never a 5xx, never shows A's
secret, and afterwards A sees exactly what it saw before. Every operation the document says may
answer 403 is called with a non-admin key of A, and must answer 403 and change nothing.
test_isolation.py holds the detailed, per-feature cases; this one makes sure no route is missed.
"""

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from rolodex.domain.registry import (
    EMAILS,
    RECORD_TYPES,
    SETTINGS_TYPES,
    Feature,
    custom_object_type,
)
from rolodex.services.activity_sets import create_set
from rolodex.services.context import Caller
from rolodex.services.pipelines import create_pipeline
from rolodex.services.records import RecordService
from rolodex.storage.engine import unit_of_work
from tests.conftest import SUITE_OBJECT, Tenant
from tests.test_contract import CREATABLE, minimal_body

METHODS = ("get", "post", "put", "patch", "delete")
PNG = b"\x89PNG\r\n\x1a\n" + bytes(16)
PARAM = re.compile(r"{(\w+)}")
VERSION_PREFIX = re.compile(r"^(/v\d+\.\d+)+/")


@dataclass
class Alpha:
    """Instance A's data: the ids to put in paths, and the secret every record carries."""

    tenant: Tenant
    secret: str  # in A's data, never in a request: its presence in an answer is a leak
    probe: str  # the names requests use to find A's data (a tag, a field, an object)
    ids: dict[str, int] = field(default_factory=dict)  # collection (lower case) -> an id
    params: dict[str, Any] = field(default_factory=dict)  # other path parameters
    query: dict[str, str] = field(default_factory=dict)  # query parameters that find A's data


def build_alpha(tenant: Tenant, engine: Engine) -> Alpha:
    """One of everything in A's instance, found back by the secret word."""
    secret = f"alphasecret{uuid.uuid4().hex[:10]}"
    probe = f"probe{uuid.uuid4().hex[:10]}"
    alpha = Alpha(tenant, secret, probe)
    api = tenant.client
    private_object = f"Alpha{probe}__c"

    def made(response: httpx.Response) -> dict[str, Any]:
        assert response.status_code in (200, 201), response.text
        return response.json()  # type: ignore[no-any-return]

    made(
        api.post(
            "/CustomObjects",
            json={"OBJECT_NAME": private_object, "SINGULAR_LABEL": secret, "PLURAL_LABEL": secret},
        )
    )
    field_name = f"{probe}__c"
    made(
        api.post(
            "/CustomFields/Contacts",
            json={"FIELD_NAME": field_name, "FIELD_LABEL": secret, "FIELD_TYPE": "TEXT"},
        )
    )
    with unit_of_work(engine, write=True) as connection:
        create_pipeline(connection, tenant.instance_id, secret, "Opportunities", [secret, "Two"])
        create_pipeline(connection, tenant.instance_id, secret, "Projects", [secret, "Two"])
        create_set(connection, tenant.instance_id, {"NAME": secret, "FOR_CONTACTS": True})
        # Emails only arrive by `rolodex emails import`; the service it uses makes one here.
        caller = Caller(tenant.instance_id, tenant.user_id, is_admin=True)
        email, _ = RecordService(connection, caller, EMAILS).create({"SUBJECT": secret})
        alpha.ids["emails"] = int(email["EMAIL_ID"])

    for rt in (*CREATABLE, custom_object_type(private_object)):
        body = minimal_body(api, rt, secret)
        record = made(api.post(f"/{rt.collection}", json=body))
        alpha.ids.setdefault(rt.collection.lower(), int(record[rt.id_field]))
    contact = alpha.ids["contacts"]
    made(api.put(f"/Contacts/{contact}/Tags", json=[{"TAG_NAME": probe}]))
    made(api.put("/Contacts", json={"CONTACT_ID": contact, "PHONE": "+44 20 7946 0958"}))
    made(
        api.put(
            f"/Contacts/{contact}",
            json={"CUSTOMFIELDS": [{"FIELD_NAME": field_name, "FIELD_VALUE": secret}]},
        )
    )
    link = made(
        api.post(
            f"/Contacts/{contact}/Links",
            json={"LINK_OBJECT_NAME": "Organisation", "LINK_OBJECT_ID": alpha.ids["organisations"]},
        )
    )
    dates = made(
        api.put(
            f"/Contacts/{contact}/Dates",
            json=[{"OCCASION_NAME": secret, "OCCASION_DATE": "2020-01-01"}],
        )
    )
    note = made(api.post(f"/Contacts/{contact}/Notes", json={"TITLE": secret, "BODY": secret}))
    alpha.ids["notes"] = int(note["NOTE_ID"])
    comment = made(api.post(f"/Notes/{note['NOTE_ID']}/Comments", json={"BODY": secret}))
    project = alpha.ids["projects"]
    milestone = made(
        api.post(
            f"/Projects/{project}/Milestones",
            json={"TITLE": secret, "DUE_DATE": "2030-01-01", "COMPLETED": False},
        )
    )
    alpha.ids["milestones"] = int(milestone["MILESTONE_ID"])
    # The sales catalogue's owned records: A's product in the book of A's quotation, and a line
    # of A's opportunity (priced from that book) and of the quotation.
    quotation = api.get(f"/Quotation/{alpha.ids['quotation']}").json()
    book = quotation["PRICEBOOK_ID"]
    entry = made(
        api.post(
            f"/Product/{alpha.ids['product']}/PricebookEntry",
            json={"PRICEBOOK_ID": book, "PRICE": 5},
        )
    )
    alpha.ids["pricebookentry"] = int(entry["PRICEBOOK_ENTRY_ID"])
    opportunity = alpha.ids["opportunities"]
    made(api.put(f"/Opportunities/{opportunity}/Pricebook", json={"PRICEBOOK_ID": book}))
    line = {"PRICEBOOK_ENTRY_ID": entry["PRICEBOOK_ENTRY_ID"], "QUANTITY": 1, "UNIT_PRICE": 5}
    item = made(api.post(f"/Opportunities/{opportunity}/OpportunityLineItem", json=line))
    alpha.ids["opportunitylineitem"] = int(item["OPPORTUNITY_ITEM_ID"])
    quote_line = made(api.post(f"/Quotation/{alpha.ids['quotation']}/QuotationLineItem", json=line))
    alpha.ids["quotationlineitem"] = int(quote_line["QUOTATION_ITEM_ID"])
    # Images, once every record is made (the owned ones above included).
    image_field = f"{probe}_photo__c"
    for rt in RECORD_TYPES:
        own = f"/{rt.collection}/{alpha.ids.get(rt.collection.lower())}"
        if rt.has(Feature.IMAGE):
            path = f"{own}/Image/{secret}.png"
            made(api.put(path, content=PNG, headers={"Content-Type": "image/png"}))
        if rt.has(Feature.IMAGE_FIELDS):
            photo = {"FIELD_NAME": image_field, "FIELD_LABEL": secret, "FIELD_TYPE": "IMAGE"}
            made(api.post(f"/CustomFields/{rt.collection}", json=photo))
            path = f"{own}/ImageField/{image_field}/{secret}.png"
            made(api.put(path, content=PNG, headers={"Content-Type": "image/png"}))
    attachment = made(
        api.post(
            f"/Contacts/{contact}/FileAttachments",
            files={"file": (f"{secret}.txt", secret.encode(), "text/plain")},
        )
    )
    team = made(
        api.post(
            "/Teams",
            json={"TEAM_NAME": secret, "TEAMMEMBERS": [{"MEMBER_USER_ID": tenant.user_id}]},
        )
    )
    alpha.ids["teams"] = int(team["TEAM_ID"])
    alpha.ids["users"] = tenant.user_id
    # Rows every instance starts with (settings lists, pipelines, ...): A's own, by listing.
    for collection in [rt.collection for rt in SETTINGS_TYPES] + ["ActivitySets"]:
        rows = api.get(f"/{collection}").json()
        if rows and collection.lower() not in alpha.ids:
            id_field = next(k for k in rows[-1] if k.endswith("_ID"))
            alpha.ids[collection.lower()] = int(rows[-1][id_field])
    alpha.params = {
        "object_name": [SUITE_OBJECT, private_object],
        "name": private_object,
        "field_name": field_name,
        "image_field": image_field,  # /{Coll}/{id}/ImageField/{image_field}
        "link_id": int(link["LINK_ID"]),
        "tag_name": probe,
        "filename": "image.png",
        "permission_id": int(team["TEAMMEMBERS"][0]["PERMISSION_ID"]),
        "file_id": int(attachment["FILE_ID"]),
        "owned_id": alpha.ids["milestones"],
        "comment_id": int(comment["COMMENT_ID"]),
        "item_id": int(dates[0]["DATE_ID"]),  # .../Dates/{item_id}, .../EmailDomains/{item_id}
        "language": "fr",  # /{Coll}/{id}/Translations/{language}
        "document_id": 1,  # /Quotation/{id}/QuotationDocument/{document_id}: there are none
    }
    suite_record = made(api.post(f"/{SUITE_OBJECT}", json={"RECORD_NAME": secret}))["RECORD_ID"]
    alpha.ids[SUITE_OBJECT.lower()] = suite_record
    translation = f"/{SUITE_OBJECT}/{suite_record}/Translations/{alpha.params['language']}"
    made(api.post(translation, json={"RECORD_NAME": secret}))
    alpha.query = {
        "format": "json",
        "tagName": probe,
        "tag_name": probe,
        "phone_number": "+44 20 7946 0958",
        "updated_after_utc": "2000-01-01",
        "deleted_after_utc": "2000-01-01",
        "fieldName": field_name,
    }
    return alpha


@dataclass(frozen=True)
class Call:
    """One operation of the document with A's values in its path."""

    method: str
    template: str
    path: str
    names_alpha: bool  # whether the path itself names A's data
    documents_403: bool


def calls(document: dict[str, Any], alpha: Alpha) -> list[Call]:
    """Every operation, its path filled with A's ids (every custom object name tried)."""
    result = []
    for template, operations in document["paths"].items():
        for method, operation in operations.items():
            if method not in METHODS:
                continue
            # An administrator's operation says so in its 403 (every write may answer 403 to a
            # read-only caller, which the document says differently).
            refusal = operation.get("responses", {}).get("403", {}).get("description", "")
            documents_403 = refusal.startswith("Only an administrator")
            for path, names_alpha in fill(template, alpha):
                result.append(Call(method.upper(), template, path, names_alpha, documents_403))
    return result


def collection_of(path: str) -> str:
    """The collection a path of any version starts with, in lower case (v3.0 documents some
    paths with the version twice: /v3.0/v3.0/Contacts/{record_id}/Links)."""
    return VERSION_PREFIX.sub("", path).split("/")[0].lower()


def fill(template: str, alpha: Alpha) -> list[tuple[str, bool]]:
    """`template` with A's values, and whether they name A's own data (a custom object name
    that both instances define does not); fails on a parameter this test does not know yet."""
    paths = [(template, False)]
    for name in PARAM.findall(template):
        filled = []
        for path, names_alpha in paths:
            if name == "record_id":
                owner = collection_of(path)
                assert owner in alpha.ids, f"no record of A for {template} ({owner})"
                values = [alpha.ids[owner]]
            else:
                assert name in alpha.params, f"unknown path parameter {name} in {template}"
                value = alpha.params[name]
                values = value if isinstance(value, list) else [value]
            for v in values:
                shared = name == "object_name" and v == SUITE_OBJECT
                filled.append((path.replace(f"{{{name}}}", str(v), 1), names_alpha or not shared))
        paths = filled
    return paths


def body_for(call: Call, alpha: Alpha) -> dict[str, Any]:
    """Request arguments that would succeed if the caller were A's admin."""
    collection = collection_of(call.path)
    if call.method == "GET":
        return {"params": alpha.query}
    if call.method == "DELETE" and not call.names_alpha:  # DELETE /LeadSources?id=
        return {"params": {"id": alpha.ids[collection]}}
    suffix = call.template.rsplit("/", 1)[-1]
    contact = alpha.ids["contacts"]
    organisation = alpha.ids["organisations"]
    if suffix == "Tags":
        tags = {"TAG_NAME": "hijacked"}
        return {"json": [tags] if call.method == "PUT" else {"TAG_NAME": alpha.probe}}
    if suffix == "Links":
        link = {"LINK_OBJECT_NAME": "Contact", "LINK_OBJECT_ID": contact}
        return {"json": [] if call.method == "PUT" else link}
    if suffix == "Dates":  # PUT the collection, POST one item
        date = {"OCCASION_NAME": "hijacked", "OCCASION_DATE": "2020-01-01"}
        return {"json": [date] if call.method == "PUT" else date}
    if suffix == "EmailDomains":
        domain = {"EMAIL_DOMAIN": "hijacked.example"}
        return {"json": [domain] if call.method == "PUT" else domain}
    if suffix in ("Notes", "Milestones", "Comments"):
        return {"json": {"TITLE": "hijacked", "BODY": "hijacked", "DUE_DATE": "2030-01-01"}}
    if suffix == "FileAttachments":
        return {"files": {"file": ("hijacked.txt", b"hijacked", "text/plain")}}
    if "{filename}" in call.template:
        return {"content": PNG, "headers": {"Content-Type": "image/png"}}
    if suffix == "ScreenPop":  # to another user's pages: an administrator's call
        return {
            "json": {
                "OBJECT_NAME": "Contact",
                "RECORD_ID": contact,
                "USER_ID": alpha.tenant.user_id,
            }
        }
    if suffix in ("TeamMembers", "Follow", "Convert", "ActivitySetAssignment"):
        return {"json": {"MEMBER_USER_ID": alpha.tenant.user_id, "TEAM_ID": alpha.ids["teams"]}}
    # A PUT or POST naming A's record: in the path, or in the body by its id field (and every
    # other id field naming a record of A's).
    own = {
        rt.id_field: alpha.ids[collection]
        for rt in (*RECORD_TYPES, *SETTINGS_TYPES)
        if rt.collection.lower() == collection
    }
    every_id = {
        "CONTACT_ID": contact,
        "ORGANISATION_ID": organisation,
        "RECORD_ID": alpha.ids[SUITE_OBJECT.lower()],
        "COMMENT_ID": alpha.params["comment_id"],
        "TEAM_ID": alpha.ids["teams"],
        "OBJECT_NAME": alpha.params["name"],
        "FIELD_NAME": alpha.params["field_name"],
    }
    for rt in (*RECORD_TYPES, *SETTINGS_TYPES):
        if rt.collection.lower() in alpha.ids:
            every_id.setdefault(rt.id_field, alpha.ids[rt.collection.lower()])
    return {"json": {**every_id, **own, "TITLE": "hijacked"}}


def snapshot(alpha: Alpha, reads: list[Call]) -> dict[str, Any]:
    """What A sees on every read of its own data."""
    seen = {}
    for call in reads:
        response = alpha.tenant.client.get(
            call.path.removeprefix("/v3.1"), params=body_for(call, alpha)["params"]
        )
        seen[call.path] = (response.status_code, response.content)
    return seen


def test_no_operation_reaches_another_instance(
    make_tenant: Callable[[], Tenant], engine: Engine, openapi_document: dict[str, Any]
) -> None:
    alpha, bravo = build_alpha(make_tenant(), engine), make_tenant()
    every = calls(openapi_document, alpha)
    reads = [c for c in every if c.method == "GET" and "{" in c.template]
    before = snapshot(alpha, reads)
    # A reads all of its own data; the secret shows, so its absence below means something.
    assert [f"{p} {s} {b[:100]!r}" for p, (s, b) in before.items() if s != 200] == []

    problems = []
    for call in every:
        if call.method == "POST" and not call.names_alpha:
            continue  # creates a record of B's own; the bodies naming A are in test_isolation.py
        response = bravo.client.request(
            call.method, call.path.removeprefix("/v3.1"), **body_for(call, alpha)
        )
        refused = call.names_alpha or call.method != "GET"
        if response.status_code >= 500 or (refused and response.is_success):
            problems.append(f"{call.method} {call.path}: {response.status_code}")
        if alpha.secret.lower() in response.text.lower():
            problems.append(f"{call.method} {call.path}: shows A's data")
    assert problems == []
    assert snapshot(alpha, reads) == before


def test_admin_operations_refuse_a_non_admin(
    make_tenant: Callable[[], Tenant], engine: Engine, openapi_document: dict[str, Any]
) -> None:
    alpha = build_alpha(make_tenant(), engine)
    _, key = alpha.tenant.add_user(engine, f"plain-{uuid.uuid4().hex}@example.com")
    every = calls(openapi_document, alpha)
    admin_only = [c for c in every if c.documents_403]
    assert admin_only  # settings lists, teams, custom field and custom object definitions
    reads = [c for c in every if c.method == "GET" and "{" in c.template]
    before = snapshot(alpha, reads)
    with httpx.Client(base_url=str(alpha.tenant.client.base_url), auth=(key, "")) as plain:
        for call in admin_only:
            response = plain.request(
                call.method, call.path.removeprefix("/v3.1"), **body_for(call, alpha)
            )
            assert response.status_code == 403, f"{call.method} {call.path}: {response.text}"
            assert response.json()["Message"]
        # Reading needs no administrator.
        for call in reads:
            response = plain.get(call.path.removeprefix("/v3.1"), params=alpha.query)
            assert response.status_code == 200, f"GET {call.path}: {response.text}"
    assert snapshot(alpha, reads) == before


@pytest.fixture(scope="module")
def openapi_document(base_url: str) -> dict[str, Any]:
    response = httpx.get(f"{base_url}/v3.1/openapi.json", timeout=120)
    assert response.status_code == 200
    return response.json()  # type: ignore[no-any-return]
