"""Tenancy (contract §2): instance B can neither see nor touch anything of instance A."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, and_, func, or_, select

from rolodex.domain.registry import CONTACTS, NOTES, ORGANISATIONS, Feature, RecordType
from rolodex.storage import tables
from tests.conftest import Tenant

# Every record type that users create and change (Users are read-only; see test_auth.py).
WRITABLE_TYPES = [CONTACTS, ORGANISATIONS, NOTES]
TAGGABLE_TYPES = [rt for rt in WRITABLE_TYPES if rt.has(Feature.TAGS)]
LINKABLE_TYPES = [rt for rt in WRITABLE_TYPES if rt.has(Feature.LINKS)]
TYPE_IDS = [rt.collection for rt in WRITABLE_TYPES]

SECRET_TAG = "a-only-secret-tag"


def body_for(rt: RecordType, label: str) -> dict[str, Any]:
    """A valid new record of `rt`: every required field filled with a recognisable value."""
    return {spec.name: f"{label} {spec.name}" for spec in rt.fields if spec.required}


def create(client: httpx.Client, rt: RecordType, label: str) -> dict[str, Any]:
    """Create a record through the API (a note is created under a new contact)."""
    if rt.has(Feature.CREATE):
        response = client.post(f"/{rt.collection}", json=body_for(rt, label))
    else:
        parent = create(client, CONTACTS, f"{label} parent")
        response = client.post(f"/Contacts/{parent['CONTACT_ID']}/Notes", json=body_for(rt, label))
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


@dataclass
class Pair:
    """Instance A owns `record`; instance B has a record of its own of the same type."""

    a: Tenant
    b: Tenant
    rt: RecordType
    record: dict[str, Any]
    b_record: dict[str, Any]

    @property
    def a_id(self) -> int:
        return int(self.record[self.rt.id_field])

    @property
    def b_id(self) -> int:
        return int(self.b_record[self.rt.id_field])

    def a_view(self) -> dict[str, Any]:
        """A's record as A sees it now."""
        response = self.a.client.get(f"/{self.rt.collection}/{self.a_id}")
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]


def make_pair(make_tenant: Callable[[], Tenant], rt: RecordType) -> Pair:
    a, b = make_tenant(), make_tenant()
    record = create(a.client, rt, "Alpha")
    if rt.has(Feature.TAGS):
        tagged = a.client.post(
            f"/{rt.collection}/{record[rt.id_field]}/Tags", json={"TAG_NAME": SECRET_TAG}
        )
        assert tagged.status_code == 201, tagged.text
        record = a.client.get(f"/{rt.collection}/{record[rt.id_field]}").json()
    return Pair(a, b, rt, record, create(b.client, rt, "Bravo"))


@pytest.fixture(params=WRITABLE_TYPES, ids=TYPE_IDS)
def pair(request: pytest.FixtureRequest, make_tenant: Callable[[], Tenant]) -> Pair:
    return make_pair(make_tenant, request.param)


def assert_not_found(response: httpx.Response) -> None:
    assert response.status_code == 404, response.text
    assert response.json()["Message"]


def assert_bad_request(response: httpx.Response) -> None:
    assert response.status_code == 400, response.text
    assert response.json()["Message"]


def foreign_rows(engine: Engine, pair: Pair) -> int:
    """Rows of any sub-collection table that point at A's record but belong to another instance."""
    singular, record_id, instance_id = pair.rt.singular, pair.a_id, pair.a.instance_id
    total = 0
    with engine.connect() as connection:
        for table in (tables.tags, tables.dates, tables.email_domains, tables.follows):
            total += connection.execute(
                select(func.count())
                .select_from(table)
                .where(
                    table.c.record_type == singular,
                    table.c.record_id == record_id,
                    table.c.instance_id != instance_id,
                )
            ).scalar_one()
        links = tables.links
        total += connection.execute(
            select(func.count())
            .select_from(links)
            .where(
                links.c.instance_id != instance_id,
                or_(
                    and_(links.c.object_name == singular, links.c.object_id == record_id),
                    and_(links.c.link_object_name == singular, links.c.link_object_id == record_id),
                ),
            )
        ).scalar_one()
    return total


# --- reading ------------------------------------------------------------------------------------


def test_get_by_id_is_404(pair: Pair) -> None:
    assert_not_found(pair.b.client.get(f"/{pair.rt.collection}/{pair.a_id}"))
    assert_not_found(pair.b.client.get(f"/{pair.rt.collection}/{pair.a_id}?brief=true"))
    assert pair.a_view()[pair.rt.id_field] == pair.a_id


def test_list_shows_only_own_records(pair: Pair) -> None:
    response = pair.b.client.get(f"/{pair.rt.collection}", params={"count_total": "true"})
    assert response.status_code == 200
    assert [r[pair.rt.id_field] for r in response.json()] == [pair.b_id]
    assert response.headers["X-Total-Count"] == "1"


def test_list_updated_after_shows_only_own_records(pair: Pair) -> None:
    response = pair.b.client.get(
        f"/{pair.rt.collection}", params={"updated_after_utc": "2000-01-01"}
    )
    ids = [r[pair.rt.id_field] for r in response.json()]
    assert pair.b_id in ids
    assert pair.a_id not in ids


def test_search_does_not_find_other_instances_records(pair: Pair) -> None:
    rt = pair.rt
    searches = [(name, pair.record[name]) for name in body_for(rt, "x")]
    searches.append((rt.id_field, str(pair.a_id)))
    for field_name, value in searches:
        params = {"field_name": field_name, "field_value": value}
        mine = pair.a.client.get(f"/{rt.collection}/Search", params=params)
        assert [r[rt.id_field] for r in mine.json()] == [pair.a_id]
        theirs = pair.b.client.get(f"/{rt.collection}/Search", params=params)
        assert theirs.status_code == 200
        assert theirs.json() == []


@pytest.mark.parametrize("rt", TAGGABLE_TYPES, ids=lambda rt: rt.collection)
def test_search_by_tag_does_not_find_other_instances_records(
    make_tenant: Callable[[], Tenant], rt: RecordType
) -> None:
    pair = make_pair(make_tenant, rt)
    for param in ("tagName", "tag_name"):
        path = f"/{rt.collection}/SearchByTag"
        mine = pair.a.client.get(path, params={param: SECRET_TAG}).json()
        assert [r[rt.id_field] for r in mine] == [pair.a_id]
        theirs = pair.b.client.get(path, params={param: SECRET_TAG})
        assert theirs.status_code == 200
        assert theirs.json() == []


# --- writing ------------------------------------------------------------------------------------


@pytest.mark.parametrize("id_in", ["body", "path"])
def test_put_with_another_instances_id_is_404(pair: Pair, id_in: str) -> None:
    rt = pair.rt
    before = pair.a_view()
    changes = {name: "Hijacked" for name in body_for(rt, "x")}
    if id_in == "body":
        response = pair.b.client.put(f"/{rt.collection}", json={rt.id_field: pair.a_id, **changes})
    else:
        response = pair.b.client.put(f"/{rt.collection}/{pair.a_id}", json=changes)
    assert_not_found(response)
    assert pair.a_view() == before


def test_put_with_sub_collections_is_404_and_changes_nothing(pair: Pair) -> None:
    rt = pair.rt
    before = pair.a_view()
    body: dict[str, Any] = {rt.id_field: pair.a_id}
    if rt.has(Feature.TAGS):
        body["TAGS"] = [{"TAG_NAME": "hijacked"}]
    if rt.has(Feature.LINKS):
        body["LINKS"] = []
    if rt.has(Feature.CUSTOM_FIELDS):
        body["CUSTOMFIELDS"] = [{"FIELD_NAME": "hijacked__c", "FIELD_VALUE": "yes"}]
    assert_not_found(pair.b.client.put(f"/{rt.collection}", json=body))
    assert pair.a_view() == before


def test_delete_is_404_and_the_record_stays(pair: Pair, engine: Engine) -> None:
    before = pair.a_view()
    assert_not_found(pair.b.client.delete(f"/{pair.rt.collection}/{pair.a_id}"))
    assert pair.a_view() == before
    assert foreign_rows(engine, pair) == 0


def link_bodies(target: RecordType, target_id: int, b_type: RecordType, b_id: int) -> list[Any]:
    """Ways of asking B's record to link to A's `target` record."""
    return [
        {"LINK_OBJECT_NAME": target.singular, "LINK_OBJECT_ID": target_id},
        {"LINK_OBJECT_NAME": target.collection.lower(), "LINK_OBJECT_ID": target_id},
        # Written from the other end: the server turns it round.
        {
            "OBJECT_NAME": target.singular,
            "OBJECT_ID": target_id,
            "LINK_OBJECT_NAME": b_type.singular,
            "LINK_OBJECT_ID": b_id,
        },
    ]


@pytest.mark.parametrize("target", LINKABLE_TYPES, ids=lambda rt: rt.collection)
@pytest.mark.parametrize("source", LINKABLE_TYPES, ids=lambda rt: f"from-{rt.collection}")
def test_cannot_link_to_another_instances_record(
    make_tenant: Callable[[], Tenant], engine: Engine, source: RecordType, target: RecordType
) -> None:
    pair = make_pair(make_tenant, target)
    a_before = pair.a_view()
    b_record = create(pair.b.client, source, "Bravo source")
    b_id = b_record[source.id_field]
    b_path = f"/{source.collection}/{b_id}"
    b_before = pair.b.client.get(b_path).json()
    b_links_before = b_before["LINKS"]
    b_list_before = pair.b.client.get(f"/{source.collection}").json()

    for link in link_bodies(target, pair.a_id, source, b_id):
        assert_bad_request(pair.b.client.post(f"{b_path}/Links", json=link))
        assert_bad_request(pair.b.client.put(f"{b_path}/Links", json=[link]))
        assert_bad_request(
            pair.b.client.put(
                f"/{source.collection}", json={source.id_field: b_id, "LINKS": [link]}
            )
        )
        if source.has(Feature.CREATE):
            new = {**body_for(source, "Bravo new"), "LINKS": [link]}
            assert_bad_request(pair.b.client.post(f"/{source.collection}", json=new))

    assert pair.b.client.get(f"{b_path}/Links").json() == b_links_before
    assert pair.b.client.get(b_path).json() == b_before
    assert pair.a_view() == a_before
    assert foreign_rows(engine, pair) == 0
    assert pair.b.client.get(f"/{source.collection}").json() == b_list_before


REFERENCE_FIELDS = [
    pytest.param(
        "ORGANISATION_ID",
        lambda a: create(a.client, ORGANISATIONS, "Alpha org")["ORGANISATION_ID"],
        id="ORGANISATION_ID",
    ),
    pytest.param("OWNER_USER_ID", lambda a: a.user_id, id="OWNER_USER_ID"),
]


@pytest.mark.parametrize(("field", "a_target"), REFERENCE_FIELDS)
def test_reference_to_another_instances_record_is_400(
    make_tenant: Callable[[], Tenant], field: str, a_target: Callable[[Tenant], int]
) -> None:
    a, b = make_tenant(), make_tenant()
    target_id = a_target(a)
    own = create(b.client, CONTACTS, "Bravo")
    own_path = f"/Contacts/{own['CONTACT_ID']}"

    created = b.client.post("/Contacts", json={"FIRST_NAME": "Bravo two", field: target_id})
    assert_bad_request(created)
    assert field in [e["FIELD"] for e in created.json()["Errors"]]
    assert [c["CONTACT_ID"] for c in b.client.get("/Contacts").json()] == [own["CONTACT_ID"]]

    updated = b.client.put(own_path, json={field: target_id, "LAST_NAME": "Changed"})
    assert_bad_request(updated)
    assert field in [e["FIELD"] for e in updated.json()["Errors"]]
    assert b.client.get(own_path).json() == own


Body = Callable[[Pair], Any] | None

# (feature, method, path suffix, body) of every sub-resource request B might aim at A's record.
SUB_RESOURCES: list[tuple[Feature, str, str, Body]] = [
    (Feature.TAGS, "GET", "/Tags", None),
    (Feature.TAGS, "POST", "/Tags", lambda p: {"TAG_NAME": "hijacked"}),
    (Feature.TAGS, "PUT", "/Tags", lambda p: [{"TAG_NAME": "hijacked"}]),
    (Feature.TAGS, "PUT", "/Tags", lambda p: []),
    (Feature.TAGS, "DELETE", f"/Tags/{SECRET_TAG}", None),
    (Feature.TAGS, "DELETE", "/Tags", lambda p: {"TAG_NAME": SECRET_TAG}),
    (Feature.LINKS, "GET", "/Links", None),
    (
        Feature.LINKS,
        "POST",
        "/Links",
        lambda p: {"LINK_OBJECT_NAME": p.rt.singular, "LINK_OBJECT_ID": p.b_id},
    ),
    (Feature.LINKS, "PUT", "/Links", lambda p: []),
    (Feature.NOTES, "GET", "/Notes", None),
    (Feature.NOTES, "POST", "/Notes", lambda p: {"TITLE": "hijacked"}),
    (Feature.FOLLOW, "GET", "/Follow", None),
    (Feature.FOLLOW, "POST", "/Follow", None),
    (Feature.FOLLOW, "DELETE", "/Follow", None),
    (Feature.DATES, "GET", "/Dates", None),
    (
        Feature.DATES,
        "PUT",
        "/Dates",
        lambda p: [{"OCCASION_NAME": "hijacked", "OCCASION_DATE": "2020-01-01"}],
    ),
    (Feature.EMAIL_DOMAINS, "GET", "/EmailDomains", None),
    (Feature.EMAIL_DOMAINS, "PUT", "/EmailDomains", lambda p: [{"EMAIL_DOMAIN": "evil.com"}]),
]

SUB_RESOURCE_CASES = [
    pytest.param(rt, method, suffix, body, id=f"{rt.collection}-{method}-{suffix.strip('/')}")
    for rt in WRITABLE_TYPES
    for feature, method, suffix, body in SUB_RESOURCES
    if rt.has(feature)
]


@pytest.mark.parametrize(("rt", "method", "suffix", "body"), SUB_RESOURCE_CASES)
def test_sub_resources_of_another_instances_record_are_404(
    make_tenant: Callable[[], Tenant],
    engine: Engine,
    rt: RecordType,
    method: str,
    suffix: str,
    body: Body,
) -> None:
    pair = make_pair(make_tenant, rt)
    path = f"/{rt.collection}/{pair.a_id}"
    before = pair.a_view()
    notes_before = pair.a.client.get(f"{path}/Notes").json() if rt.has(Feature.NOTES) else None
    b_notes_before = pair.b.client.get("/Notes").json()

    kwargs = {} if body is None else {"json": body(pair)}
    assert_not_found(pair.b.client.request(method, f"{path}{suffix}", **kwargs))

    assert pair.a_view() == before
    if notes_before is not None:
        assert pair.a.client.get(f"{path}/Notes").json() == notes_before
    assert pair.b.client.get("/Notes").json() == b_notes_before
    assert foreign_rows(engine, pair) == 0


def test_cannot_update_another_instances_note_through_own_parent(
    make_tenant: Callable[[], Tenant],
) -> None:
    pair = make_pair(make_tenant, NOTES)
    before = pair.a_view()
    b_parent = create(pair.b.client, CONTACTS, "Bravo parent")
    response = pair.b.client.put(
        f"/Contacts/{b_parent['CONTACT_ID']}/Notes",
        json={"NOTE_ID": pair.a_id, "TITLE": "Hijacked"},
    )
    assert response.status_code in (400, 404), response.text
    assert response.json()["Message"]
    assert pair.a_view() == before


# --- the sales catalogue ------------------------------------------------------------------------


def test_no_sales_operation_reaches_another_instances_records(
    make_tenant: Callable[[], Tenant],
) -> None:
    """Every operation of the sales catalogue (issue 15), by instance B on instance A's product,
    price book, entry, priced opportunity, line items and quotation: 404 (a reference in a body:
    400), nothing listed, and A's records unchanged."""
    a, b = make_tenant(), make_tenant()
    ids = _sales_records(a.client)
    before = {path: a.client.get(path).json() for path in _sales_reads(ids)}
    line = {"PRICEBOOK_ENTRY_ID": ids["entry"], "QUANTITY": 1, "UNIT_PRICE": 1}
    product, book, opportunity, quotation = (
        ids["product"],
        ids["book"],
        ids["opportunity"],
        ids["quotation"],
    )
    not_found = [
        ("GET", f"/Product/{product}", None),
        ("DELETE", f"/Product/{product}", None),
        ("PUT", "/Product", {"PRODUCT_ID": product, "PRODUCT_NAME": "x"}),
        ("GET", f"/Product/{product}/Follow", None),
        ("POST", f"/Product/{product}/Follow", None),
        ("DELETE", f"/Product/{product}/Follow", None),
        ("GET", f"/Product/{product}/Image", None),
        ("DELETE", f"/Product/{product}/Image", None),
        ("GET", f"/Product/{product}/PricebookEntry", None),
        ("POST", f"/Product/{product}/PricebookEntry", {"PRICEBOOK_ID": book, "PRICE": 1}),
        ("PUT", f"/Product/{product}/PricebookEntry", {"PRICEBOOK_ENTRY_ID": ids["entry"]}),
        ("DELETE", f"/Product/{product}/PricebookEntry/{ids['entry']}", None),
        ("GET", f"/Pricebook/{book}", None),
        ("PUT", "/Pricebook", {"PRICEBOOK_ID": book, "NAME": "x"}),
        ("GET", f"/Pricebook/{book}/Follow", None),
        ("POST", f"/Pricebook/{book}/Follow", None),
        ("DELETE", f"/Pricebook/{book}/Follow", None),
        ("GET", f"/Pricebook/{book}/PricebookEntry", None),
        ("POST", f"/Pricebook/{book}/PricebookEntry", {"PRODUCT_ID": product, "PRICE": 1}),
        ("PUT", f"/Pricebook/{book}/PricebookEntry", {"PRICEBOOK_ENTRY_ID": ids["entry"]}),
        ("DELETE", f"/Pricebook/{book}/PricebookEntry/{ids['entry']}", None),
        ("GET", f"/PricebookEntry/{ids['entry']}", None),
        ("GET", f"/Opportunities/{opportunity}/OpportunityLineItem", None),
        ("POST", f"/Opportunities/{opportunity}/OpportunityLineItem", line),
        ("PUT", f"/Opportunities/{opportunity}/OpportunityLineItem", {"OPPORTUNITY_ITEM_ID": 1}),
        ("DELETE", f"/Opportunities/{opportunity}/OpportunityLineItem/{ids['item']}", None),
        ("PUT", f"/Opportunities/{opportunity}/Pricebook", {"PRICEBOOK_ID": None}),
        ("GET", f"/OpportunityLineItem/{ids['item']}", None),
        ("GET", f"/Quotation/{quotation}", None),
        ("DELETE", f"/Quotation/{quotation}", None),
        ("PUT", "/Quotation", {"QUOTATION_ID": quotation, "TAX": 1}),
        ("GET", f"/Quotation/{quotation}/Follow", None),
        ("POST", f"/Quotation/{quotation}/Follow", None),
        ("DELETE", f"/Quotation/{quotation}/Follow", None),
        ("GET", f"/Quotation/{quotation}/QuotationLineItem", None),
        ("POST", f"/Quotation/{quotation}/QuotationLineItem", line),
        ("PUT", f"/Quotation/{quotation}/QuotationLineItem", {"QUOTATION_ITEM_ID": 1}),
        ("DELETE", f"/Quotation/{quotation}/QuotationLineItem/{ids['quote_line']}", None),
        ("GET", f"/Quotation/{quotation}/QuotationDocument", None),
        ("DELETE", f"/Quotation/{quotation}/QuotationDocument/1", None),
        ("GET", f"/QuotationLineItem/{ids['quote_line']}", None),
    ]
    for method, path, body in not_found:
        response = b.client.request(method, path, json=body)
        assert response.status_code == 404, (method, path, response.text)
    for collection in ("Product", "Pricebook", "PricebookEntry", "OpportunityLineItem"):
        # A price book is never deleted: it has no Deleted feed.
        for suffix in ("", "/Search") if collection == "Pricebook" else ("", "/Search", "/Deleted"):
            listed = b.client.get(
                f"/{collection}{suffix}", params={"updated_after_utc": "2000-01-01"}
            )
            assert listed.status_code == 200 and listed.json() == [], (collection, suffix)
    for collection in ("Quotation", "QuotationLineItem"):
        assert b.client.get(f"/{collection}").json() == []
    # B's own records cannot refer to A's.
    own_opportunity = b.client.post("/Opportunities", json={"OPPORTUNITY_NAME": "B"}).json()
    refused = b.client.put(
        f"/Opportunities/{own_opportunity['OPPORTUNITY_ID']}/Pricebook", json={"PRICEBOOK_ID": book}
    )
    assert_bad_request(refused)
    own_product = b.client.post("/Product", json={"PRODUCT_NAME": "B"}).json()["PRODUCT_ID"]
    entry = b.client.post(
        f"/Product/{own_product}/PricebookEntry", json={"PRICEBOOK_ID": book, "PRICE": 1}
    )
    assert_bad_request(entry)
    quotation_body = {"QUOTATION_NAME": "B", "OPPORTUNITY_ID": opportunity, "PRICEBOOK_ID": book}
    assert_bad_request(b.client.post("/Quotation", json=quotation_body))
    assert {path: a.client.get(path).json() for path in _sales_reads(ids)} == before


def _sales_records(client: httpx.Client) -> dict[str, int]:
    """A product, a price book and its entry, an opportunity priced from it with a line item,
    and a quotation with a line: their ids."""

    def made(path: str, body: dict[str, Any], method: str = "POST") -> dict[str, Any]:
        response = client.request(method, path, json=body)
        assert response.status_code in (200, 201), response.text
        return response.json()  # type: ignore[no-any-return]

    product = made("/Product", {"PRODUCT_NAME": "A's widget"})["PRODUCT_ID"]
    book = made("/Pricebook", {"NAME": "A's book", "CURRENCY_CODE": "EUR"})["PRICEBOOK_ID"]
    entry = made(f"/Pricebook/{book}/PricebookEntry", {"PRODUCT_ID": product, "PRICE": 4})
    entry_id = entry["PRICEBOOK_ENTRY_ID"]
    opportunity = made("/Opportunities", {"OPPORTUNITY_NAME": "A's deal"})["OPPORTUNITY_ID"]
    made(f"/Opportunities/{opportunity}/Pricebook", {"PRICEBOOK_ID": book}, "PUT")
    line = {"PRICEBOOK_ENTRY_ID": entry_id, "QUANTITY": 2, "UNIT_PRICE": 4}
    item = made(f"/Opportunities/{opportunity}/OpportunityLineItem", line)
    quotation = made(
        "/Quotation",
        {"QUOTATION_NAME": "A's offer", "OPPORTUNITY_ID": opportunity, "PRICEBOOK_ID": book},
    )["QUOTATION_ID"]
    quote_line = made(f"/Quotation/{quotation}/QuotationLineItem", line)
    return {
        "product": product,
        "book": book,
        "entry": entry_id,
        "opportunity": opportunity,
        "item": item["OPPORTUNITY_ITEM_ID"],
        "quotation": quotation,
        "quote_line": quote_line["QUOTATION_ITEM_ID"],
    }


def _sales_reads(ids: dict[str, int]) -> list[str]:
    return [
        f"/Product/{ids['product']}",
        f"/Pricebook/{ids['book']}",
        f"/PricebookEntry/{ids['entry']}",
        f"/Opportunities/{ids['opportunity']}",
        f"/OpportunityLineItem/{ids['item']}",
        f"/Quotation/{ids['quotation']}",
        f"/QuotationLineItem/{ids['quote_line']}",
    ]
