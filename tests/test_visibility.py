"""Record visibility (contract §11, issue 14): VISIBLE_TO, VISIBLE_TEAM_ID, VISIBLE_USER_IDS.

One instance for the module: an administrator and three users (Alice in team Sales, Bob, Carol),
and contacts that each of them may or may not see. A record the caller may not see does not
exist for that caller, on every surface; links to it are left out of what the caller reads and
kept by what the caller writes.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from rolodex.domain.registry import RECORD_TYPES, Feature, custom_object_type
from tests.conftest import SUITE_OBJECT, Tenant
from tests.test_contract import minimal_body, search_field
from tests.test_search_paging import statements

Record = dict[str, Any]


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


@dataclass
class Office:
    """The instance: its administrator's client, the users' clients and the contacts."""

    tenant: Tenant
    admin: httpx.Client
    users: dict[str, tuple[int, httpx.Client]]
    team_id: int
    contacts: dict[str, int]

    def client(self, name: str) -> httpx.Client:
        return self.admin if name == "admin" else self.users[name][1]

    def user_id(self, name: str) -> int:
        return self.tenant.user_id if name == "admin" else self.users[name][0]


def client_for(tenant: Tenant, key: str, version: str = "v3.1") -> httpx.Client:
    base = str(tenant.client.base_url).rstrip("/").removesuffix("/v3.1")
    return httpx.Client(base_url=f"{base}/{version}", auth=(key, ""), timeout=60)


@pytest.fixture(scope="module")
def office(make_session_tenant: Callable[[], Tenant], engine: Engine) -> Iterator[Office]:
    tenant = make_session_tenant()
    admin = tenant.client
    users = {}
    for name in ("alice", "bob", "carol"):
        user_id, key = tenant.add_user(engine, f"{name}-{tenant.instance_id}@example.com")
        users[name] = (user_id, client_for(tenant, key))
    team = ok(
        admin.post(
            "/Teams",
            json={"TEAM_NAME": "Sales", "TEAMMEMBERS": [{"MEMBER_USER_ID": users["alice"][0]}]},
        ),
        201,
    )["TEAM_ID"]
    audiences: dict[str, Record] = {
        "everyone": {},
        "bobs": {"VISIBLE_TO": "OWNER", "OWNER_USER_ID": users["bob"][0]},
        "sales": {"VISIBLE_TO": "TEAM", "VISIBLE_TEAM_ID": team},
        "carols": {"VISIBLE_TO": "INDIVIDUALS", "VISIBLE_USER_IDS": f"{users['carol'][0]}"},
        "admins": {"VISIBLE_TO": "OWNER"},
    }
    contacts = {}
    for label, audience in audiences.items():
        body = {"FIRST_NAME": f"Vis-{label}", "TAGS": [{"TAG_NAME": f"tag-{label}"}], **audience}
        contacts[label] = ok(admin.post("/Contacts", json=body), 201)["CONTACT_ID"]
    yield Office(tenant, admin, users, team, contacts)
    for _, client in users.values():
        client.close()


# Who sees which contact: the owner, administrators, and VISIBLE_TO's audience.
SEES = {
    "admin": {"everyone", "bobs", "sales", "carols", "admins"},
    "alice": {"everyone", "sales"},
    "bob": {"everyone", "bobs"},
    "carol": {"everyone", "carols"},
}


def labels(office: Office, records: list[Record]) -> set[str]:
    by_id = {contact_id: label for label, contact_id in office.contacts.items()}
    return {by_id[r["CONTACT_ID"]] for r in records if r["CONTACT_ID"] in by_id}


@pytest.mark.parametrize("who", sorted(SEES))
def test_each_caller_reads_only_what_it_may_see(office: Office, who: str) -> None:
    client = office.client(who)
    for label, contact_id in office.contacts.items():
        response = client.get(f"/Contacts/{contact_id}")
        assert response.status_code == (200 if label in SEES[who] else 404), (label, response.text)
    listed = client.get("/Contacts", params={"count_total": "true"})
    assert labels(office, ok(listed)) == SEES[who]
    assert int(listed.headers["X-Total-Count"]) == len(ok(listed))
    swept = ok(client.get("/Contacts", params={"updated_after_utc": "2000-01-01"}))
    assert labels(office, swept) == SEES[who]
    for label, contact_id in office.contacts.items():
        name = {"field_name": "FIRST_NAME", "field_value": f"Vis-{label}"}
        found = ok(client.get("/Contacts/Search", params=name))
        assert (len(found) == 1) is (label in SEES[who])
        tagged = ok(client.get("/Contacts/SearchByTag", params={"tagName": f"tag-{label}"}))
        assert [r["CONTACT_ID"] for r in tagged] == ([contact_id] if label in SEES[who] else [])
    tags = {t["TAG_NAME"] for t in ok(client.get("/Tags", params={"record_type": "Contacts"}))}
    assert {t for t in tags if t.startswith("tag-")} == {f"tag-{label}" for label in SEES[who]}


def test_a_hidden_record_is_404_on_every_sub_endpoint_and_nothing_changes(office: Office) -> None:
    alice = office.client("alice")
    hidden = office.contacts["bobs"]
    photo = {"FIELD_NAME": "VIS_PHOTO__c", "FIELD_LABEL": "Photo", "FIELD_TYPE": "IMAGE"}
    assert office.admin.post("/CustomFields/Contacts", json=photo).status_code == 201
    before = office.admin.get(f"/Contacts/{hidden}")
    png = b"\x89PNG\r\n\x1a\n" + bytes(16)
    for path in (
        f"/Contacts/{hidden}/ImageField/VIS_PHOTO__c/a.png",
        "/Contacts/999999999/ImageField/VIS_PHOTO__c/a.png",
    ):
        assert alice.put(path, content=png).status_code == 404, path
    for method, path, body in [
        ("PUT", "/Contacts", {"CONTACT_ID": hidden, "FIRST_NAME": "Taken"}),
        ("PUT", f"/Contacts/{hidden}", {"FIRST_NAME": "Taken"}),
        ("DELETE", f"/Contacts/{hidden}", None),
        ("GET", f"/Contacts/{hidden}/Tags", None),
        ("POST", f"/Contacts/{hidden}/Tags", {"TAG_NAME": "x"}),
        ("GET", f"/Contacts/{hidden}/Links", None),
        ("GET", f"/Contacts/{hidden}/Notes", None),
        ("POST", f"/Contacts/{hidden}/Notes", {"TITLE": "x"}),
        ("GET", f"/Contacts/{hidden}/FileAttachments", None),
        ("GET", f"/Contacts/{hidden}/Follow", None),
        ("POST", f"/Contacts/{hidden}/Follow", None),
        ("GET", f"/Contacts/{hidden}/Image", None),
        ("GET", f"/Contacts/{hidden}/ImageField/VIS_PHOTO__c", None),
        ("DELETE", f"/Contacts/{hidden}/ImageField/VIS_PHOTO__c", None),
        ("GET", f"/Contacts/{hidden}/Events", None),
    ]:
        response = alice.request(method, path, json=body)
        assert response.status_code == 404, (method, path, response.text)
        missing = alice.request(method, path.replace(str(hidden), "999999999"), json=body)
        assert missing.status_code == 404
    after = office.admin.get(f"/Contacts/{hidden}")
    assert after.headers["ETag"] == before.headers["ETag"] and after.json() == before.json()


def test_older_versions_hide_the_same_records(office: Office) -> None:
    alice = office.users["alice"][1]
    base = str(alice.base_url).rstrip("/").removesuffix("/v3.1")
    for version in ("v3.0", "v2.2"):
        with httpx.Client(base_url=f"{base}/{version}", auth=alice.auth) as old:
            assert old.get(f"/Contacts/{office.contacts['bobs']}").status_code == 404
            assert old.get(f"/Contacts/{office.contacts['sales']}").status_code == 200
            assert labels(office, ok(old.get("/Contacts"))) == SEES["alice"]


def test_links_to_hidden_records_are_left_out_and_kept(office: Office) -> None:
    admin, alice = office.admin, office.client("alice")
    hidden = office.contacts["bobs"]
    org = ok(admin.post("/Organisations", json={"ORGANISATION_NAME": "Vis Org"}), 201)
    org_id = org["ORGANISATION_ID"]
    to_hidden = {"LINK_OBJECT_NAME": "Contact", "LINK_OBJECT_ID": hidden}
    to_seen = {"LINK_OBJECT_NAME": "Contact", "LINK_OBJECT_ID": office.contacts["everyone"]}
    path = f"/Organisations/{org_id}"
    ok(admin.put(f"{path}/Links", json=[to_hidden, to_seen]))
    assert len(ok(admin.get(path))["LINKS"]) == 2
    # Alice reads only the link she may see...
    (seen,) = ok(alice.get(path))["LINKS"]
    assert seen["LINK_OBJECT_ID"] == office.contacts["everyone"]
    assert [link["LINK_OBJECT_ID"] for link in ok(alice.get(f"{path}/Links"))] == [
        office.contacts["everyone"]
    ]
    # ... and her PUT of LINKS replaces only what she sees: the hidden link stays.
    ok(alice.put("/Organisations", json={"ORGANISATION_ID": org_id, "LINKS": []}))
    remaining = ok(admin.get(path))["LINKS"]
    assert [link["LINK_OBJECT_ID"] for link in remaining] == [hidden]
    assert ok(alice.get(path))["LINKS"] == []
    # A v2.2 graph PUT keeps it as well.
    base = str(alice.base_url).rstrip("/").removesuffix("/v3.1")
    with httpx.Client(base_url=f"{base}/v2.2", auth=alice.auth) as old:
        graph = ok(old.get(path))
        assert graph["LINKS"] == []
        ok(old.put("/Organisations", json=graph))
    assert [link["LINK_OBJECT_ID"] for link in ok(admin.get(path))["LINKS"]] == [hidden]
    # A link to a hidden record is refused as a link to a missing one.
    refused = alice.post(f"{path}/Links", json=to_hidden)
    missing = alice.post(f"{path}/Links", json={**to_hidden, "LINK_OBJECT_ID": 999999999})
    assert refused.status_code == missing.status_code == 400
    assert f"no Contact with ID {hidden}" in refused.text
    # The hidden link's id is not hers to delete.
    link_id = remaining[0]["LINK_ID"]
    assert alice.delete(f"{path}/Links/{link_id}").status_code == 404
    assert len(ok(admin.get(path))["LINKS"]) == 1
    # A reference to a hidden record is refused the same way.
    body = {"FIRST_NAME": "Ref", "ORGANISATION_ID": org_id}
    hidden_org = ok(
        admin.post("/Organisations", json={"ORGANISATION_NAME": "Hidden", "VISIBLE_TO": "OWNER"}),
        201,
    )["ORGANISATION_ID"]
    refused = alice.post("/Contacts", json={**body, "ORGANISATION_ID": hidden_org})
    assert refused.status_code == 400 and "ORGANISATION_ID" in refused.text


def test_visibility_fields_are_checked(office: Office) -> None:
    admin = office.admin
    cases = [
        ({"VISIBLE_TO": "SECRET"}, "VISIBLE_TO"),
        ({"VISIBLE_TO": "TEAM"}, "VISIBLE_TEAM_ID"),
        ({"VISIBLE_TO": "TEAM", "VISIBLE_TEAM_ID": 999999999}, "VISIBLE_TEAM_ID"),
        ({"VISIBLE_TO": "INDIVIDUALS"}, "VISIBLE_USER_IDS"),
        ({"VISIBLE_TO": "INDIVIDUALS", "VISIBLE_USER_IDS": "999999999"}, "VISIBLE_USER_IDS"),
        ({"VISIBLE_TO": "INDIVIDUALS", "VISIBLE_USER_IDS": "3;4"}, "VISIBLE_USER_IDS"),
    ]
    for extra, field in cases:
        response = admin.post("/Contacts", json={"FIRST_NAME": "Check", **extra})
        assert response.status_code == 400, (extra, response.text)
        assert response.json()["Errors"][0]["FIELD"] == field, response.text
    made = ok(admin.post("/Contacts", json={"FIRST_NAME": "Plain"}), 201)
    assert (made["VISIBLE_TO"], made["VISIBLE_TEAM_ID"], made["VISIBLE_USER_IDS"]) == (
        "EVERYONE",
        None,
        None,
    )
    users = f"{office.user_id('carol')} , {office.user_id('bob')},{office.user_id('carol')}"
    chosen = ok(
        admin.put(
            "/Contacts",
            json={
                "CONTACT_ID": made["CONTACT_ID"],
                "VISIBLE_TO": "individuals",
                "VISIBLE_USER_IDS": users,
                "VISIBLE_TEAM_ID": office.team_id,
            },
        )
    )
    # The team stays as written (VISIBLE_TO no longer uses it); the users are written "3,5".
    assert chosen["VISIBLE_TO"] == "INDIVIDUALS" and chosen["VISIBLE_TEAM_ID"] == office.team_id
    assert chosen["VISIBLE_USER_IDS"] == f"{office.user_id('carol')},{office.user_id('bob')}"
    for who, sees in (("bob", True), ("carol", True), ("alice", False)):
        status = office.client(who).get(f"/Contacts/{made['CONTACT_ID']}").status_code
        assert status == (200 if sees else 404), who
    # Back to everyone: the users are no longer its audience (the list stays, unused); a null
    # VISIBLE_TO is everyone too.
    for everyone in ("EVERYONE", None):
        body = {"CONTACT_ID": made["CONTACT_ID"], "VISIBLE_TO": everyone}
        assert ok(admin.put("/Contacts", json=body))["VISIBLE_TO"] == everyone
        assert office.client("alice").get(f"/Contacts/{made['CONTACT_ID']}").status_code == 200
    # Team again: the team it kept is the audience.
    body = {"CONTACT_ID": made["CONTACT_ID"], "VISIBLE_TO": "TEAM"}
    assert ok(admin.put("/Contacts", json=body))["VISIBLE_TEAM_ID"] == office.team_id
    assert office.client("alice").get(f"/Contacts/{made['CONTACT_ID']}").status_code == 200
    assert office.client("bob").get(f"/Contacts/{made['CONTACT_ID']}").status_code == 404


def test_team_membership_counts_as_it_is_at_the_time_of_the_call(
    office: Office, engine: Engine
) -> None:
    admin = office.admin
    team = ok(admin.post("/Teams", json={"TEAM_NAME": "Board"}), 201)["TEAM_ID"]
    body = {"FIRST_NAME": "Board pack", "VISIBLE_TO": "TEAM", "VISIBLE_TEAM_ID": team}
    contact = ok(admin.post("/Contacts", json=body), 201)["CONTACT_ID"]
    bob = office.client("bob")
    assert bob.get(f"/Contacts/{contact}").status_code == 404
    member = ok(
        admin.post(f"/Teams/{team}/TeamMembers", json={"MEMBER_USER_ID": office.user_id("bob")}),
        201,
    )
    assert bob.get(f"/Contacts/{contact}").status_code == 200
    ok(admin.delete(f"/Teams/{team}/TeamMembers/{member['PERMISSION_ID']}"), 202)
    assert bob.get(f"/Contacts/{contact}").status_code == 404


def test_the_owner_always_sees_the_record_and_may_hide_it(office: Office) -> None:
    bob = office.client("bob")
    mine = ok(bob.post("/Contacts", json={"FIRST_NAME": "Bob's own", "VISIBLE_TO": "OWNER"}), 201)
    assert mine["OWNER_USER_ID"] == office.user_id("bob")
    assert bob.get(f"/Contacts/{mine['CONTACT_ID']}").status_code == 200
    assert office.client("alice").get(f"/Contacts/{mine['CONTACT_ID']}").status_code == 404
    assert office.admin.get(f"/Contacts/{mine['CONTACT_ID']}").status_code == 200


# --- the matrix: every operation of every version, with a hidden record's id ------------------

MISSING = 999_999_999
VERSIONS = ("v3.1", "v3.0", "v2.2")
SUITE = custom_object_type(SUITE_OBJECT)
HIDDEN_TYPES = [rt for rt in (*RECORD_TYPES, SUITE) if rt.restricted]


def private(rt: Any) -> Record:
    """What keeps a record of `rt` to its owner (and administrators)."""
    return {"PUBLICLY_VISIBLE": False} if rt.has(Feature.PRIVATE_FLAG) else {"VISIBLE_TO": "OWNER"}


@dataclass
class Hidden:
    """One record of each type with visibility that Alice may not see, named with a marker."""

    ids: dict[str, int]  # collection ({object_name} for the custom object) -> id
    marker: str
    etags: dict[str, str]


@pytest.fixture(scope="module")
def hidden(office: Office) -> Hidden:
    admin = office.admin
    marker = f"zzhidden{office.tenant.instance_id}"
    ids, etags = {}, {}
    for rt in HIDDEN_TYPES:
        body = {**minimal_body(admin, rt), **private(rt)}
        body[search_field(rt).name] = f"{marker} {rt.singular}"
        if rt.has(Feature.TAGS):
            body["TAGS"] = [{"TAG_NAME": marker}]
        # Notes are made under a record (one everybody sees: the note hides itself).
        under = "" if rt.has(Feature.CREATE) else f"/Contacts/{office.contacts['everyone']}"
        record = ok(admin.post(f"{under}/{rt.collection}", json=body), 201)
        key = "{object_name}" if rt.custom_object else rt.collection
        ids[key] = record[rt.id_field]
        if rt.has(Feature.TRANSLATIONS) and rt.custom_object:  # its text in French, marked
            translation = f"/{rt.collection}/{ids[key]}/Translations/fr"
            ok(admin.post(translation, json={"RECORD_NAME": f"{marker} fr"}), 201)
    ids.update(_hidden_sales(admin, ids["Opportunities"], marker))
    for key, record_id in ids.items():
        collection = SUITE_OBJECT if key == "{object_name}" else key
        etags[key] = admin.get(f"/{collection}/{record_id}").headers["ETag"]
    return Hidden(ids, marker, etags)


def _hidden_sales(admin: httpx.Client, opportunity_id: int, marker: str) -> dict[str, int]:
    """The records seen through the hidden opportunity (RecordType.audience_from): a line item,
    a quotation of it and the quotation's line, each named with the marker."""
    product = ok(admin.post("/Product", json={"PRODUCT_NAME": "Seen by all"}), 201)
    book = ok(admin.post("/Pricebook", json={"NAME": "Seen by all", "CURRENCY_CODE": "EUR"}), 201)
    book_id = book["PRICEBOOK_ID"]
    entry = ok(
        admin.post(
            f"/Pricebook/{book_id}/PricebookEntry",
            json={"PRODUCT_ID": product["PRODUCT_ID"], "PRICE": 1},
        ),
        201,
    )
    ok(admin.put(f"/Opportunities/{opportunity_id}/Pricebook", json={"PRICEBOOK_ID": book_id}))
    line = {
        "PRICEBOOK_ENTRY_ID": entry["PRICEBOOK_ENTRY_ID"],
        "QUANTITY": 1,
        "UNIT_PRICE": 1,
        "DESCRIPTION": f"{marker} line",
    }
    item = ok(admin.post(f"/Opportunities/{opportunity_id}/OpportunityLineItem", json=line), 201)
    quotation = ok(
        admin.post(
            "/Quotation",
            json={
                "QUOTATION_NAME": f"{marker} Quotation",
                "OPPORTUNITY_ID": opportunity_id,
                "PRICEBOOK_ID": book_id,
            },
        ),
        201,
    )
    quotation_id = quotation["QUOTATION_ID"]
    quote_line = ok(admin.post(f"/Quotation/{quotation_id}/QuotationLineItem", json=line), 201)
    return {
        "OpportunityLineItem": item["OPPORTUNITY_ITEM_ID"],
        "Quotation": quotation_id,
        "QuotationLineItem": quote_line["QUOTATION_ITEM_ID"],
    }


def _fill(path: str, record_id: int | None) -> str:
    """A concrete URL for a documented path: the record id given, plausible other values."""
    values = {"object_name": SUITE_OBJECT, "filename": "m.png", "tag_name": "m", "language": "fr"}
    segments = path.split("/")
    filled = []
    for index, segment in enumerate(segments):
        if segment.startswith("{"):
            name = segment.strip("{}")
            if index == 3 and record_id is not None:  # /{version}/{Coll}/{id}/...
                filled.append(str(record_id))
            elif name == "object_name" and segments[2] == "CustomFields":
                filled.append("Contacts")
            else:
                filled.append(values.get(name, "1"))
        else:
            filled.append(segment)
    return "/".join(filled)


def _collection(path: str) -> str:
    return path.split("/")[2]


def test_no_operation_of_any_version_shows_or_touches_a_hidden_record(
    office: Office, hidden: Hidden
) -> None:
    alice = office.users["alice"][1]
    root = str(alice.base_url).rstrip("/").removesuffix("/v3.1")
    problems, compared = [], 0
    for version in VERSIONS:
        document = ok(httpx.get(f"{root}/{version}/openapi.json"))
        with httpx.Client(base_url=root, auth=alice.auth, timeout=60) as client:
            for path, item in sorted(document["paths"].items()):
                for method in sorted(set(item) & {"get", "put", "post", "delete", "patch"}):
                    segments = path.split("/")
                    names_record = (
                        len(segments) > 3
                        and segments[3].startswith("{")
                        and _collection(path) in hidden.ids
                    )
                    if names_record:
                        record_id = hidden.ids[_collection(path)]
                        seen = client.request(method, _fill(path, record_id), json={})
                        missing = client.request(method, _fill(path, MISSING), json={})
                        compared += 1
                        if seen.status_code != missing.status_code or seen.is_success:
                            problems.append(
                                f"{method.upper()} {path}: {seen.status_code} for the hidden "
                                f"record, {missing.status_code} for a missing one"
                            )
                    elif method == "get":
                        query = {
                            "field_name": "FIRST_NAME",
                            "field_value": f"{hidden.marker} Contact",
                            "tagName": hidden.marker,
                            "record_type": "Contacts",
                            "updated_after_utc": "2000-01-01",
                        }
                        seen = client.get(_fill(path, None), params=query)
                    elif method == "put" and _collection(path) in hidden.ids and len(segments) == 3:
                        rt = SUITE if _collection(path) == "{object_name}" else None
                        rt = rt or next(t for t in RECORD_TYPES if t.collection == segments[2])
                        body = {rt.id_field: hidden.ids[_collection(path)]}
                        seen = client.put(_fill(path, None), json=body)
                        missing = client.put(_fill(path, None), json={rt.id_field: MISSING})
                        compared += 1
                        if seen.status_code != missing.status_code:
                            problems.append(f"PUT {path}: {seen.status_code}/{missing.status_code}")
                    else:
                        continue
                    if hidden.marker in seen.text:
                        problems.append(f"{method.upper()} {path} shows the hidden record")
    assert compared > 300
    assert problems == [], "\n".join(problems)
    for key, record_id in hidden.ids.items():
        collection = SUITE_OBJECT if key == "{object_name}" else key
        after = office.admin.get(f"/{collection}/{record_id}")
        assert after.status_code == 200 and after.headers["ETag"] == hidden.etags[key], key


def test_cti_finds_and_pops_only_what_the_user_sees(office: Office) -> None:
    admin, alice = office.admin, office.client("alice")
    phone = f"+44 20 7946 {office.tenant.instance_id % 10000:04d}"
    body = {"FIRST_NAME": "Caller", "PHONE": phone, "VISIBLE_TO": "OWNER"}
    hidden = ok(admin.post("/Contacts", json=body), 201)["CONTACT_ID"]
    assert [
        m["RECORD_ID"] for m in ok(admin.get("/CTI/Lookup", params={"phone_number": phone}))
    ] == [hidden]
    assert ok(alice.get("/CTI/Lookup", params={"phone_number": phone})) == []
    pop = {"OBJECT_NAME": "Contact", "RECORD_ID": hidden}
    assert alice.post("/CTI/ScreenPop", json=pop).status_code == 404
    # An administrator cannot pop it to a user who may not see it either.
    to_alice = {**pop, "USER_ID": office.user_id("alice")}
    assert admin.post("/CTI/ScreenPop", json=to_alice).status_code == 404
    to_admin = admin.post("/CTI/ScreenPop", json=pop)
    assert to_admin.status_code < 300, to_admin.text


def test_the_deleted_feed_and_follows_show_only_what_the_caller_saw(office: Office) -> None:
    admin, alice, carol = office.admin, office.client("alice"), office.client("carol")
    since = {"updated_after_utc": "2000-01-01"}
    made = {}
    for label, audience in (
        ("gone-everyone", {}),
        ("gone-private", {"VISIBLE_TO": "OWNER"}),
        (
            "gone-carols",
            {"VISIBLE_TO": "INDIVIDUALS", "VISIBLE_USER_IDS": str(office.user_id("carol"))},
        ),
    ):
        made[label] = ok(admin.post("/Contacts", json={"FIRST_NAME": label, **audience}), 201)[
            "CONTACT_ID"
        ]
    ok(admin.post(f"/Contacts/{made['gone-private']}/Follow"))
    followed = {f["RECORD_ID"] for f in ok(admin.get("/Follows"))}
    assert made["gone-private"] in followed
    for contact_id in made.values():
        ok(admin.delete(f"/Contacts/{contact_id}"), 202)

    def deleted(client: httpx.Client) -> set[int]:
        return {item["ID"] for item in ok(client.get("/Contacts/Deleted", params=since))}

    assert set(made.values()) <= deleted(admin)
    assert deleted(alice) & set(made.values()) == {made["gone-everyone"]}
    assert deleted(carol) & set(made.values()) == {made["gone-everyone"], made["gone-carols"]}
    # A follow of a record the user may no longer see is not listed.
    hidden = office.contacts["bobs"]
    ok(admin.post(f"/Contacts/{hidden}/Follow"))
    ok(admin.put("/Contacts", json={"CONTACT_ID": hidden, "VISIBLE_TO": "EVERYONE"}))
    bob = office.client("bob")
    ok(alice.post(f"/Contacts/{hidden}/Follow"))
    assert hidden in {f["RECORD_ID"] for f in ok(alice.get("/Follows"))}
    ok(bob.put("/Contacts", json={"CONTACT_ID": hidden, "VISIBLE_TO": "OWNER"}))
    assert hidden not in {f["RECORD_ID"] for f in ok(alice.get("/Follows"))}


def test_a_hidden_records_files_are_missing_too(office: Office) -> None:
    hidden = office.contacts["bobs"]
    upload = office.admin.post(
        f"/Contacts/{hidden}/FileAttachments", files={"file": ("secret.txt", b"s", "text/plain")}
    )
    file_id = ok(upload, 201)["FILE_ID"]
    alice = office.client("alice")
    for method in ("GET", "DELETE"):
        assert alice.request(method, f"/FileAttachments/{file_id}").status_code == 404
    assert office.client("bob").get(f"/FileAttachments/{file_id}").content == b"s"


def test_private_tasks_and_events_are_seen_by_their_owner_and_responsible_user_only(
    office: Office,
) -> None:
    """PUBLICLY_VISIBLE false (tasks; events, as in v2.2): the owner, a task's responsible user
    and administrators see it; nobody else, on any surface, the Deleted feed included."""
    admin, alice, bob, carol = (office.client(n) for n in ("admin", "alice", "bob", "carol"))
    marker = f"private-{office.tenant.instance_id}"
    task = ok(
        admin.post(
            "/Tasks",
            json={
                "TITLE": f"{marker} task",
                "COMPLETED": False,
                "PUBLICLY_VISIBLE": False,
                "RESPONSIBLE_USER_ID": office.user_id("carol"),
            },
        ),
        201,
    )["TASK_ID"]
    event = ok(
        bob.post(
            "/Events",
            json={
                "TITLE": f"{marker} event",
                "START_DATE_UTC": "2026-12-08 09:00:00",
                "END_DATE_UTC": "2026-12-08 10:00:00",
                "PUBLICLY_VISIBLE": False,
            },
        ),
        201,
    )
    assert event["PUBLICLY_VISIBLE"] is False and event["OWNER_USER_ID"] == office.user_id("bob")
    public = ok(admin.post("/Tasks", json={"TITLE": f"{marker} open", "COMPLETED": False}), 201)
    assert public["PUBLICLY_VISIBLE"] is True
    sees = {
        "admin": {"task", "event", "open"},
        "alice": {"open"},
        "bob": {"event", "open"},
        "carol": {"task", "open"},
    }
    paths = {"task": f"/Tasks/{task}", "event": f"/Events/{event['EVENT_ID']}"}
    for who, seen in sees.items():
        client = office.client(who)
        for label, path in paths.items():
            assert client.get(path).status_code == (200 if label in seen else 404), (who, label)
        titles = {
            r["TITLE"].removeprefix(f"{marker} ")
            for collection in ("Tasks", "Events")
            for r in ok(client.get(f"/{collection}", params={"updated_after_utc": "2000-01-01"}))
            if r["TITLE"].startswith(marker)
        }
        assert titles == seen, who
        found = ok(
            client.get(
                "/Tasks/Search", params={"field_name": "TITLE", "field_value": f"{marker} task"}
            )
        )
        assert len(found) == ("task" in seen), who
    # Nor its comments, by any path.
    comment = ok(admin.post(f"/Tasks/{task}/Comments", json={"BODY": marker}), 201)["COMMENT_ID"]
    for client, status in ((carol, 200), (alice, 404)):  # GET /Comments/{id} is v2.2's
        v22 = str(client.base_url).rstrip("/").replace("/v3.1", "/v2.2")
        assert httpx.get(f"{v22}/Comments/{comment}", auth=client.auth).status_code == status
    assert alice.put("/Comments", json={"COMMENT_ID": comment, "BODY": "x"}).status_code == 404
    assert alice.delete(f"/Comments/{comment}").status_code == 404
    # Alice may not change or delete what she cannot see; making it public shows it to her.
    assert alice.put("/Tasks", json={"TASK_ID": task, "TITLE": "mine"}).status_code == 404
    assert alice.delete(f"/Tasks/{task}").status_code == 404
    ok(carol.put("/Tasks", json={"TASK_ID": task, "PUBLICLY_VISIBLE": True}))
    assert alice.get(f"/Tasks/{task}").status_code == 200
    ok(carol.put("/Tasks", json={"TASK_ID": task, "PUBLICLY_VISIBLE": False}))
    ok(admin.delete(f"/Tasks/{task}"), 202)
    ok(bob.delete(f"/Events/{event['EVENT_ID']}"), 202)
    since = {"updated_after_utc": "2000-01-01"}
    for who, seen in sees.items():
        gone = {item["ID"] for item in ok(office.client(who).get("/Tasks/Deleted", params=since))}
        assert (task in gone) is ("task" in seen), who
        events_gone = ok(office.client(who).get("/Events/Deleted", params=since))
        assert (event["EVENT_ID"] in {i["ID"] for i in events_gone}) is ("event" in seen), who


def test_a_note_is_seen_by_those_who_see_its_record_unless_it_says_otherwise(
    office: Office,
) -> None:
    """Notes carry VISIBLE_TO (as in v2.2); one added under a record takes that record's
    audience, the record's owner included, so a private record's notes stay private."""
    admin, alice, bob = office.admin, office.client("alice"), office.client("bob")
    bobs = office.contacts["bobs"]  # VISIBLE_TO OWNER, owned by Bob
    note = ok(admin.post(f"/Contacts/{bobs}/Notes", json={"TITLE": "About Bob's contact"}), 201)
    assert note["VISIBLE_TO"] == "INDIVIDUALS"
    assert note["VISIBLE_USER_IDS"] == str(office.user_id("bob"))
    assert bob.get(f"/Notes/{note['NOTE_ID']}").status_code == 200
    assert alice.get(f"/Notes/{note['NOTE_ID']}").status_code == 404
    assert note["NOTE_ID"] not in {n["NOTE_ID"] for n in ok(alice.get("/Notes"))}
    sales = office.contacts["sales"]
    team_note = ok(admin.post(f"/Contacts/{sales}/Notes", json={"TITLE": "For sales"}), 201)
    assert (team_note["VISIBLE_TO"], team_note["VISIBLE_TEAM_ID"]) == ("TEAM", office.team_id)
    assert alice.get(f"/Notes/{team_note['NOTE_ID']}").status_code == 200
    assert bob.get(f"/Notes/{team_note['NOTE_ID']}").status_code == 404
    # Said in the body, the note's own audience wins; a note under a public record is public.
    shared = ok(
        admin.post(f"/Contacts/{sales}/Notes", json={"TITLE": "For all", "VISIBLE_TO": "EVERYONE"}),
        201,
    )
    assert bob.get(f"/Notes/{shared['NOTE_ID']}").status_code == 200
    everyone = office.contacts["everyone"]
    plain = ok(bob.post(f"/Contacts/{everyone}/Notes", json={"TITLE": "Plain"}), 201)
    assert plain["VISIBLE_TO"] == "EVERYONE"
    # Bob's own private note on a public contact.
    own = ok(
        bob.post(f"/Contacts/{everyone}/Notes", json={"TITLE": "Bob only", "VISIBLE_TO": "OWNER"}),
        201,
    )
    assert alice.get(f"/Notes/{own['NOTE_ID']}").status_code == 404
    notes = ok(alice.get(f"/Contacts/{everyone}/Notes"))
    assert own["NOTE_ID"] not in {n["NOTE_ID"] for n in notes}
    assert plain["NOTE_ID"] in {n["NOTE_ID"] for n in notes}


@pytest.mark.parametrize(
    "params",
    [{"skip": "2", "top": "3"}, {"updated_after_utc": "2000-01-01", "skip": "2", "top": "3"}],
    ids=["list", "sweep"],
)
def test_a_viewers_page_skips_hidden_rows_in_the_index_alone(
    office: Office, engine: Engine, params: dict[str, str]
) -> None:
    """Every index of a table with visibility ends with what decides who sees a row, so a
    non-administrator's page is read in the index as an administrator's is: no table read for
    each row skipped (on SQLite, a covering index; on PostgreSQL, an index-only scan)."""
    alice = office.client("alice")
    alice.get("/Contacts", params=params)
    with statements(engine) as sent:
        assert alice.get("/Contacts", params=params).status_code == 200
    # The page's own statement (not the check of its links' other ends).
    pages = [(s, p) for s, p in sent if "visible_to" in s and "FROM contacts" in s and "LIMIT" in s]
    assert pages
    if engine.dialect.name == "postgresql":
        # An index-only scan needs the table's pages marked all-visible, as autovacuum does;
        # other modules' writes on this worker's schema may not have been vacuumed yet.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM (ANALYZE) contacts")
    with engine.connect() as connection:
        for statement, parameters in pages:
            if engine.dialect.name == "sqlite":
                plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
                details = [row[-1] for row in plan]
                assert any("COVERING INDEX ix_contacts_" in d for d in details), details
                assert not any(d.startswith("SCAN contacts") for d in details), details
            else:
                cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
                connection.exec_driver_sql("SET LOCAL enable_seqscan = off")  # a tiny table
                cursor.execute(f"EXPLAIN {statement}", parameters)
                plan = "\n".join(row[0] for row in cursor.fetchall())
                assert "Index Only Scan using ix_contacts_" in plan, plan


def test_links_to_hidden_custom_object_records_and_private_tasks_are_left_out(
    office: Office,
) -> None:
    """The other end of a link may be of any type with visibility: a custom object's record
    or a private task as much as a contact."""
    admin, alice = office.admin, office.client("alice")
    item = ok(
        admin.post(f"/{SUITE_OBJECT}", json={"RECORD_NAME": "Secret", "VISIBLE_TO": "OWNER"}), 201
    )["RECORD_ID"]
    task = ok(
        admin.post("/Tasks", json={"TITLE": "Private", "COMPLETED": False, "PUBLICLY_VISIBLE": 0}),
        201,
    )["TASK_ID"]
    org = ok(admin.post("/Organisations", json={"ORGANISATION_NAME": "Linked"}), 201)
    path = f"/Organisations/{org['ORGANISATION_ID']}"
    ok(
        admin.put(
            f"{path}/Links",
            json=[
                {"LINK_OBJECT_NAME": SUITE_OBJECT, "LINK_OBJECT_ID": item},
                {"LINK_OBJECT_NAME": "Task", "LINK_OBJECT_ID": task},
                {"LINK_OBJECT_NAME": "Contact", "LINK_OBJECT_ID": office.contacts["everyone"]},
            ],
        )
    )
    assert len(ok(admin.get(path))["LINKS"]) == 3
    assert [link["LINK_OBJECT_NAME"] for link in ok(alice.get(path))["LINKS"]] == ["Contact"]
    listed = ok(alice.get("/Organisations", params={"updated_after_utc": "2000-01-01"}))
    (mine,) = [o for o in listed if o["ORGANISATION_ID"] == org["ORGANISATION_ID"]]
    assert [link["LINK_OBJECT_NAME"] for link in mine["LINKS"]] == ["Contact"]
