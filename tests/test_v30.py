"""/v3.0 beside /v3.1 (contract §10, reference facts 1.4): every v3.0 operation is served.

The rules shared with v3.1, the absence of LINKS from standard records and the read-back across
versions are checked for every record type in test_contract.py; this file walks the whole v3.0
operation table and checks the paths that only v3.0 has.
"""

import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from rolodex.api.versions import V3_0, ApiVersion
from rolodex.config import Settings
from rolodex.domain.registry import (
    OWN_ROUTE_TYPES,
    RECORD_TYPES,
    SETTINGS_TYPES,
    Feature,
    RecordType,
    by_singular,
    custom_object_type,
)
from rolodex.services.context import Caller
from rolodex.services.emails import import_emails
from rolodex.storage.engine import unit_of_work
from rolodex.storage.files import FileStore
from tests.conftest import SUITE_OBJECT, Tenant
from tests.test_contract import create, minimal_body

Record = dict[str, Any]
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f"
    b"\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00"
    b"IEND\xaeB`\x82"
)
IMAGE_TYPE = {"Content-Type": "image/png"}
EML = b"From: a@example.com\r\nTo: b@example.com\r\nSubject: Walk\r\n\r\nHello\r\n"
STANDARD = {rt.collection: rt for rt in RECORD_TYPES}
TYPES = {rt.collection: rt for rt in (*RECORD_TYPES, *SETTINGS_TYPES, *OWN_ROUTE_TYPES)}
SUITE = custom_object_type(SUITE_OBJECT)


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


def new_email(tenant: Tenant, settings: Settings, engine: Any) -> int:
    """An email, as they arrive: through the dropbox import (the API cannot create one)."""
    with unit_of_work(engine, write=True) as connection:
        caller = Caller(tenant.instance_id, tenant.user_id, is_admin=True)
        store = FileStore.for_settings(settings)
        (email,) = import_emails(connection, caller, [("w.eml", EML)], store, 10**6, [])
    return email


@pytest.fixture
def make_record(tenant: Tenant, settings: Settings, engine: Any) -> Callable[[RecordType], int]:
    """Makes a record of any standard type (notes under a contact, emails by import); its id."""

    def make(rt: RecordType) -> int:
        if rt.collection == "Emails":
            return new_email(tenant, settings, engine)
        if rt.collection == "Notes":
            contact = create(tenant.client, STANDARD["Contacts"])["CONTACT_ID"]
            note = tenant.client.post(f"/Contacts/{contact}/Notes", json={"TITLE": "n"})
            return int(ok(note, 201)["NOTE_ID"])
        return int(create(tenant.client, rt)[rt.id_field])

    return make


def test_the_table_is_the_v30_swagger() -> None:
    operations = V3_0.operations
    assert len(operations) == 295  # the reference table: 297 lines, 2 of them headers
    assert len(set(operations)) == len(operations)
    for expected in [
        ("DELETE", "/Contacts/{id}/Tags/{tagName}"),
        ("POST", "/Organisations/{id}/EmailDomains"),
        ("DELETE", "/Organisations/{id}/Dates/{dateId}"),
        ("PUT", "/Comment"),
        ("GET", "/Milestone/Search"),
        ("PUT", "/v3.0/Projects/{id}/Milestones"),
    ]:
        assert expected in operations


# --- the walk over every operation of the table -------------------------------------------------


class World:
    """One record of every kind a version's table names, each with the sub-items its paths use.

    Made through /v3.1; `old` is a client of the walked `version`, through which records are
    read back as that version shows them (the bodies of its PUTs, its sub-element ids).
    """

    def __init__(
        self,
        tenant: Tenant,
        settings: Settings,
        engine: Any,
        version: ApiVersion,
        old: httpx.Client,
    ) -> None:
        self.api = tenant.client
        self.version = version
        self.old = old
        api = self.api
        self.ids: dict[str, int] = {"Users": tenant.user_id}
        self.items: dict[tuple[str, str], Any] = {}
        for collection, rt in STANDARD.items():
            if rt.has(Feature.CREATE) and not rt.owner_fields:
                self.ids[collection] = int(create(api, rt)[rt.id_field])
        self.ids[SUITE_OBJECT] = int(create(api, SUITE)[SUITE.id_field])
        contact = self.ids["Contacts"]
        self.ids["Notes"] = ok(api.post(f"/Contacts/{contact}/Notes", json={"TITLE": "n"}), 201)[
            "NOTE_ID"
        ]
        self.ids["Emails"] = new_email(tenant, settings, engine)
        self.ids["Comments"] = ok(
            api.post(f"/Notes/{self.ids['Notes']}/Comments", json={"BODY": "c"}), 201
        )["COMMENT_ID"]
        project = self.ids["Projects"]
        milestones = [
            ok(
                api.post(
                    f"/Projects/{project}/Milestones",
                    json={"TITLE": title, "DUE_DATE": "2024-06-01"},
                ),
                201,
            )["MILESTONE_ID"]
            for title in ("one", "two")
        ]
        self.ids["Milestones"] = milestones[0]
        self.items[("Projects", "milestoneId")] = milestones[1]
        upload = api.post(
            f"/Organisations/{self.ids['Organisations']}/FileAttachments",
            files={"file": ("w.txt", b"walk", "text/plain")},
        )
        self.ids["FileAttachments"] = ok(upload, 201)["FILE_ID"]
        team = ok(api.post("/Teams", json={"TEAM_NAME": "Walk"}), 201)["TEAM_ID"]
        self.ids["Teams"] = team
        member = api.post(f"/Teams/{team}/TeamMembers", json={"MEMBER_USER_ID": tenant.user_id})
        self.items[("Teams", "permissionId")] = ok(member, 201)["PERMISSION_ID"]
        colleague, _ = tenant.add_user(engine, f"walk-{tenant.instance_id}@example.com")
        other = ok(
            api.post("/TeamMembers", json={"TEAM_ID": team, "MEMBER_USER_ID": colleague}), 201
        )
        self.ids["TeamMembers"] = other["PERMISSION_ID"]
        for rt in SETTINGS_TYPES:  # every instance starts with some of each
            self.ids[rt.collection] = int(ok(api.get(f"/{rt.collection}"))[-1][rt.id_field])
        self.ids["ActivitySets"] = ok(api.get("/ActivitySets"))[-1]["ACTIVITYSET_ID"]
        self._add_sub_items()
        self._add_graph_items()

    def _add_sub_items(self) -> None:
        api = self.api
        target = {"LINK_OBJECT_NAME": "Organisation", "LINK_OBJECT_ID": self.ids["Organisations"]}
        for collection, rt in STANDARD.items():
            if collection not in self.ids:
                continue
            path = f"/{collection}/{self.ids[collection]}"
            if rt.has(Feature.LINKS):
                body = target
                if collection == "Organisations":
                    body = {"LINK_OBJECT_NAME": "Contact", "LINK_OBJECT_ID": self.ids["Contacts"]}
                self.items[(collection, "linkId")] = ok(api.post(f"{path}/Links", json=body), 201)[
                    "LINK_ID"
                ]
            if rt.has(Feature.TAGS):
                ok(api.post(f"{path}/Tags", json={"TAG_NAME": "walk"}), 201)
            if rt.has(Feature.IMAGE):
                image = api.put(f"{path}/Image/w.png", content=PNG, headers=IMAGE_TYPE)
                assert image.is_success, image.text
            if rt.has(Feature.DATES):
                date = {"OCCASION_NAME": "x", "OCCASION_DATE": "2024-01-02"}
                dates = ok(api.put(f"{path}/Dates", json=[date]))
                self.items[(collection, "dateId")] = dates[0]["DATE_ID"]
            if rt.has(Feature.EMAIL_DOMAINS):
                domains = ok(
                    api.put(f"{path}/EmailDomains", json=[{"EMAIL_DOMAIN": "walk.example"}])
                )
                self.items[(collection, "emailDomainId")] = domains[0]["EMAIL_DOMAIN_ID"]

    def _add_graph_items(self) -> None:
        """What v2.2 shows as sub-elements: a custom field value on every type with custom
        fields, addresses and contact infos, and contact-contact and organisation links."""
        api = self.api
        field = {"FIELD_NAME": "Walk__c", "FIELD_LABEL": "Walk", "FIELD_TYPE": "TEXT"}
        for collection, rt in STANDARD.items():
            if rt.has(Feature.CUSTOM_FIELDS) and collection in self.ids:
                ok(api.post(f"/CustomFields/{collection}", json=field), 201)
                value = [{"FIELD_NAME": "Walk__c", "FIELD_VALUE": "w"}]
                ok(
                    api.put(
                        f"/{collection}",
                        json={rt.id_field: self.ids[collection], "CUSTOMFIELDS": value},
                    )
                )
        contact, organisation = self.ids["Contacts"], self.ids["Organisations"]
        ok(
            api.put(
                "/Contacts",
                json={
                    "CONTACT_ID": contact,
                    "EMAIL_ADDRESS": "w@walk.example",
                    "ADDRESS_MAIL_CITY": "Rome",
                },
            )
        )
        ok(
            api.put(
                "/Organisations",
                json={
                    "ORGANISATION_ID": organisation,
                    "PHONE": "+39 06 1",
                    "ADDRESS_BILLING_CITY": "Rome",
                },
            )
        )
        for collection, singular in (("Contacts", "Contact"), ("Organisations", "Organisation")):
            second = create(api, STANDARD[collection])[STANDARD[collection].id_field]
            link = {"LINK_OBJECT_NAME": singular, "LINK_OBJECT_ID": second}
            ok(api.post(f"/{collection}/{self.ids[collection]}/Links", json=link), 201)

    def request(self, method: str, path: str) -> tuple[str, dict[str, str], Any]:
        """A valid request for the table's `path`: the URL under the version, its query and
        body."""
        relative = self.version.current_path(path)  # as /v3.1 spells it: /Comments/{id}
        collection = relative.split("/")[1]
        if collection == "{objectName}":
            collection = SUITE_OBJECT
        values = {
            "id": str(self.ids.get(collection, 0)),
            "objectName": "Contacts" if collection == "CustomFields" else SUITE_OBJECT,
            "customObjectName": SUITE_OBJECT,
            "tagName": "walk",
            "filename": "walk.png",
        }
        url = re.sub(r"\{(\w+)\}", lambda m: values.get(m[1], m[0]), path)
        sub_item = re.fullmatch(r"(/[^{]+/\d+)/(\w+)/\{(\w+)\}", url)  # .../Addresses/{addressId}
        if sub_item is not None:
            head, sub, param = sub_item.groups()
            shown = self._item(head, sub)
            item = self.items.get((collection, param), 0)
            if shown is not None:  # the first item's own id: its first ..._ID
                item = next(v for k, v in shown.items() if k.endswith("_ID"))
            url = f"{head}/{sub}/{item}"
        query = {
            "/Contacts/SearchByTag": {"tagName": "walk"},
            "/Tags": {"record_type": "Contacts"},
            "/CustomFields/{objectName}/Search": {"fieldName": "x"},
            "/LeadSources": {"id": str(self.ids["LeadSources"])} if method == "DELETE" else {},
            "/LeadStatuses": {"id": str(self.ids["LeadStatuses"])} if method == "DELETE" else {},
        }.get(re.sub(r"^/\w+/SearchByTag$", "/Contacts/SearchByTag", path), {})
        return url, query, self._body(method, collection, relative, url)

    def _item(self, record_path: str, sub: str) -> Record | None:
        """The first item of the `sub` array (ADDRESSES for Addresses) of the record at
        `record_path`, as the version shows it; None if it has none."""
        record = self.old.get(record_path)
        items = record.json().get(sub.upper()) if record.status_code == 200 else None
        return items[0] if isinstance(items, list) and items else None

    def _body(self, method: str, collection: str, relative: str, url: str) -> Any:
        sub = relative.split("/")[3] if relative.count("/") == 3 else None  # /{Coll}/{id}/{Sub}
        if sub is not None and method in ("POST", "PUT"):
            item = self._item(url.rpartition("/")[0], sub)
            if item is None:
                return {"Notes": {"TITLE": "walk"}, "Comments": {"BODY": "walk"}}.get(sub, {})
            if method == "POST":  # a copy of the first item, without its id
                return {k: v for k, v in item.items() if k != next(iter(item)) or "_ID" not in k}
            return item  # the first item as it is: an update that changes nothing
        own = {
            ("PUT", "/Comments"): {"COMMENT_ID": self.ids["Comments"], "BODY": "walk"},
            ("POST", "/TeamMembers"): {
                "TEAM_ID": self.ids["Teams"],
                "MEMBER_USER_ID": self.ids["Users"],
            },
            ("PUT", "/TeamMembers"): {"PERMISSION_ID": self.ids["TeamMembers"]},
        }
        rt = SUITE if collection == SUITE_OBJECT else TYPES.get(collection)
        if (method, relative) in own:
            return own[(method, relative)]
        if rt is None or relative.count("/") > 1:
            return {}
        if method == "POST":
            return minimal_body(self.api, rt)
        if method == "PUT":  # the record as the version reads it: an update that changes nothing
            return self._as_read(url, rt, self.ids[collection])
        return {}

    def _as_read(self, url: str, rt: RecordType, record_id: int) -> Record:
        """The record at `url`/`record_id`, or (types without a GET of one) in the list."""
        one = self.old.get(f"{url}/{record_id}")
        if one.status_code == 200:
            return dict(one.json())
        return next(r for r in ok(self.old.get(url)) if r[rt.id_field] == record_id)


def carries_links(response: httpx.Response) -> bool:
    """Whether a JSON answer is a record, or a list of records, with a LINKS key."""
    if "json" not in response.headers.get("content-type", ""):
        return False
    body = response.json()
    return any(isinstance(item, dict) and "LINKS" in item for item in [body, *list(body or [])])


def walk_order(operation: tuple[int, tuple[str, str]]) -> tuple[bool, bool, int]:
    """Reads and writes first, then deletes of items, then deletes of whole records."""
    index, (method, path) = operation
    deletes_a_record = method == "DELETE" and re.fullmatch(r"/[\w{}]+/\{id\}", path) is not None
    return method == "DELETE", deletes_a_record, index


def walk(world: World) -> list[str]:
    """Every operation of the world's version, in walk order: what went wrong (no 404 or 405
    for what exists, no 5xx, every GET a 200, and no LINKS where the version shows none)."""
    version, client = world.version, world.old
    problems = []
    for _, (method, path) in sorted(enumerate(version.operations), key=walk_order):
        url, query, body = world.request(method, path)
        if path.endswith("/Image/{filename}"):
            response = client.put(url, content=PNG, headers=IMAGE_TYPE)
        elif path.endswith("/FileAttachments") and method == "POST":
            response = client.post(url, files={"file": ("w.txt", b"walked", "text/plain")})
        else:
            response = client.request(method, url, params=query, json=body)
        text = response.text[:200]
        shows_links = method == "GET" or path.endswith("/Image/{filename}")
        if (
            not version.links_in_records
            and shows_links
            and not path.startswith("/{objectName}")
            and carries_links(response)
        ):
            problems.append(f"{method} {path}: LINKS in {text}")  # standard records: none
        if (
            response.status_code in (404, 405)
            or response.status_code >= 500
            or (method == "GET" and response.status_code != 200)
        ):
            problems.append(f"{method} {path} -> {url}: {response.status_code} {text}")
    return problems


def test_every_v30_operation_is_routed(
    tenant: Tenant, api30: httpx.Client, settings: Settings, engine: Any
) -> None:
    problems = walk(World(tenant, settings, engine, V3_0, api30))
    assert problems == [], "\n".join(problems)


def test_an_unknown_v30_path_is_404_and_a_wrong_method_405(api30: httpx.Client) -> None:
    missing = api30.get("/Products")  # v3.1 only
    assert missing.status_code == 404
    assert missing.json()["Message"]  # an API error, not a web page
    wrong = api30.delete("/Contacts")
    assert wrong.status_code == 405
    assert "GET" in wrong.headers["Allow"]


def test_v30_has_v31s_auth_rate_limits_and_xml(
    base_url: str, api: httpx.Client, api30: httpx.Client
) -> None:
    for path in ("/v3.0/Contacts", "/V3.0/contacts", "/V3.1/contacts"):
        anonymous = httpx.get(f"{base_url}{path}")
        assert anonymous.status_code == 401
        assert anonymous.headers["WWW-Authenticate"].startswith("Basic")
        assert anonymous.json()["Message"]  # an API error in any case of the path, not a page
    answer = api30.get("/Users/Me")
    assert answer.status_code == 200 and answer.json() == api.get("/Users/Me").json()
    assert "X-RateLimit-Limit" in answer.headers and "X-RateLimit-Remaining" in answer.headers
    contact = create(api, STANDARD["Contacts"])
    xml = api30.get(f"/Contacts/{contact['CONTACT_ID']}", headers={"Accept": "application/xml"})
    assert xml.status_code == 200 and xml.text.lstrip().startswith("<")
    assert "<Contact" in xml.text and "<LINKS" not in xml.text and "<TAGS" in xml.text


# --- v3.0's own paths ---------------------------------------------------------------------------


TAGGED = [rt for rt in RECORD_TYPES if rt.has(Feature.TAGS)]


@pytest.mark.parametrize("rt", TAGGED, ids=[rt.collection for rt in TAGGED])
def test_delete_a_tag_by_name(
    api: httpx.Client,
    api30: httpx.Client,
    make_record: Callable[[RecordType], int],
    rt: RecordType,
) -> None:
    if ("DELETE", f"/{rt.collection}/{{id}}/Tags/{{tagName}}") not in V3_0.operations:
        pytest.skip(f"v3.0 removes no tags of {rt.collection} by name")
    record_id = make_record(rt)
    path = f"/{rt.collection}/{record_id}/Tags"
    ok(api30.post(path, json={"TAG_NAME": "Gold"}), 201)
    ok(api30.post(path, json={"TAG_NAME": "Silver"}), 201)

    assert api30.delete(f"{path}/gold").status_code == 202  # tag names match in any case

    assert ok(api.get(path)) == [{"TAG_NAME": "Silver"}]
    assert api30.delete(f"{path}/Gold").status_code == 404
    assert api30.delete(f"/{rt.collection}/999999999/Tags/Silver").status_code == 404


SUB_ITEMS = [
    (collection, name, id_field, item, bad)
    for collection in ("Contacts", "Organisations")
    for name, id_field, item, bad in (
        (
            "Dates",
            "DATE_ID",
            {"OCCASION_NAME": "Founded", "OCCASION_DATE": "2001-02-03", "REPEAT_YEARLY": True},
            ({"OCCASION_NAME": "No date"}, "OCCASION_DATE"),
        ),
        (
            "EmailDomains",
            "EMAIL_DOMAIN_ID",
            {"EMAIL_DOMAIN": "acme.example"},
            ({"EMAIL_DOMAIN": "not a domain"}, "EMAIL_DOMAIN"),
        ),
    )
    if ("POST", f"/{collection}/{{id}}/{name}") in V3_0.operations
]


@pytest.mark.parametrize(
    ("collection", "name", "id_field", "item", "bad"),
    SUB_ITEMS,
    ids=[f"{c}-{n}" for c, n, *_ in SUB_ITEMS],
)
def test_sub_items_are_added_and_removed_one_by_one(
    api: httpx.Client,
    api30: httpx.Client,
    collection: str,
    name: str,
    id_field: str,
    item: Record,
    bad: tuple[Record, str],
) -> None:
    rt = STANDARD[collection]
    record = create(api, rt)
    path = f"/{collection}/{record[rt.id_field]}/{name}"
    first = ok(api30.post(path, json=item), 201)
    second = ok(api30.post(path, json={k.lower(): v for k, v in item.items()}), 201)
    assert first[id_field] != second[id_field]
    listed = ok(api.get(path))
    assert [i[id_field] for i in listed] == [first[id_field], second[id_field]]
    assert first == listed[0]
    assert (
        ok(api.get(f"/{collection}/{record[rt.id_field]}"))["DATE_UPDATED_UTC"]
        >= record["DATE_UPDATED_UTC"]
    )

    body, field = bad
    refused = api30.post(path, json=body)
    assert refused.status_code == 400, refused.text
    assert field in [e["FIELD"] for e in refused.json()["Errors"]]

    assert api30.delete(f"{path}/{first[id_field]}").status_code == 202
    assert ok(api.get(path)) == [second]
    missing = api30.delete(f"{path}/{first[id_field]}")
    assert missing.status_code == 404 and missing.json()["Message"]
    assert api30.post(f"/{collection}/999999999/{name}", json=item).status_code == 404
    assert api30.delete(f"/{collection}/999999999/{name}/1").status_code == 404


def test_singular_comment_paths(api: httpx.Client, api30: httpx.Client) -> None:
    task = ok(api.post("/Tasks", json={"TITLE": "Call"}), 201)["TASK_ID"]
    comment = ok(api30.post(f"/Tasks/{task}/Comments", json={"BODY": "First"}), 201)
    comment_id = comment["COMMENT_ID"]

    changed = ok(api30.put("/Comment", json={"COMMENT_ID": comment_id, "BODY": "Second"}))
    assert changed["BODY"] == "Second"
    assert ok(api.get(f"/Tasks/{task}/Comments"))[0]["BODY"] == "Second"
    assert api30.put("/Comment", json={"BODY": "no id"}).status_code == 400

    assert api30.delete(f"/comment/{comment_id}").status_code == 202  # any case
    assert ok(api.get(f"/Tasks/{task}/Comments")) == []
    assert api30.delete(f"/Comment/{comment_id}").status_code == 404


def test_singular_milestone_paths(api: httpx.Client, api30: httpx.Client) -> None:
    project = ok(
        api.post("/Projects", json={"PROJECT_NAME": "Build", "STATUS": "Not Started"}), 201
    )
    project_id = project["PROJECT_ID"]
    body = {"TITLE": "Design", "DUE_DATE": "2024-06-01"}
    created = api30.post(f"/v3.0/Projects/{project_id}/Milestones", json=body)
    milestone_id = ok(created, 201)["MILESTONE_ID"]
    assert created.headers["Location"] == f"/v3.0/Milestone/{milestone_id}"  # as v3.0 spells it

    assert ok(api30.get(f"/Milestone/{milestone_id}")) == ok(api.get(f"/Milestones/{milestone_id}"))
    assert [m["MILESTONE_ID"] for m in ok(api30.get("/Milestone"))] == [milestone_id]
    found = ok(
        api30.get("/Milestone/Search", params={"field_name": "TITLE", "field_value": "design"})
    )
    assert [m["MILESTONE_ID"] for m in found] == [milestone_id]

    assert api30.delete(f"/Milestone/{milestone_id}").status_code == 202
    assert api.get(f"/Milestones/{milestone_id}").status_code == 404
    assert api30.delete(f"/Milestone/{milestone_id}").status_code == 404
    assert ok(api.get(f"/Projects/{project_id}"))["DATE_UPDATED_UTC"] >= project["DATE_UPDATED_UTC"]


LITERAL_PREFIX = sorted(
    {path for _, path in V3_0.operations if path.startswith("/v3.0/")}, key=str.lower
)


@pytest.mark.parametrize("path", LITERAL_PREFIX)
def test_paths_spelled_with_a_literal_v30_prefix(
    api: httpx.Client, api30: httpx.Client, make_record: Callable[[RecordType], int], path: str
) -> None:
    collection = path.split("/")[2]
    record_id = make_record(STANDARD[collection])
    if path.endswith("/Milestones"):
        sent: Record = {"TITLE": "Plan", "DUE_DATE": "2024-06-01"}
        id_field, changed_field = "MILESTONE_ID", "TITLE"
    else:
        other = by_singular("Organisation" if collection != "Organisations" else "Contact")
        sent = {
            "LINK_OBJECT_NAME": other.singular,
            "LINK_OBJECT_ID": create(api, other)[other.id_field],
        }
        id_field, changed_field = "LINK_ID", "DETAILS"
    doubled = path.replace("{id}", str(record_id))  # /v3.0/v3.0/... in full
    single = doubled.removeprefix("/v3.0")  # /v3.0/... as a client would also call it
    methods = {m for m, p in V3_0.operations if p == path}
    assert {"GET", "POST"} <= methods

    created = ok(api30.post(doubled, json=sent), 201)

    assert ok(api30.get(doubled)) == ok(api30.get(single)) == ok(api.get(single))
    assert created[id_field] in [i[id_field] for i in ok(api30.get(doubled))]
    if "PUT" in methods:
        ok(api30.put(doubled, json={**created, changed_field: "Changed"}))
        after = {i[id_field]: i for i in ok(api.get(single))}[created[id_field]]
        assert after[changed_field] == "Changed"
