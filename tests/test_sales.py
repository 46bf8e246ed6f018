"""The sales catalogue (issue 15): products, price books and their entries, opportunity line
items, quotations and their lines.

The generic record rules are the contract suite's (tests/test_contract.py runs over /Product,
/Pricebook and /Quotation); this module checks what is the catalogue's own
(rolodex.services.sales, rolodex.storage.sales, rolodex.domain.rules.line_item), over HTTP
against the real app and database.
"""

from collections.abc import Callable
from contextlib import closing
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import Engine

from rolodex.domain.registry import QUOTATIONS
from rolodex.services.context import Caller
from rolodex.services.records import RecordService
from rolodex.storage.engine import unit_of_work
from tests.conftest import Tenant
from tests.test_search_paging import statements
from tests.test_visibility import client_for

Record = dict[str, Any]


def made(response: httpx.Response, status: int = 201) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


def error_fields(response: httpx.Response) -> list[str]:
    assert response.status_code == 400, response.text
    return [e["FIELD"] for e in response.json().get("Errors", [])]


def money(value: Any) -> Decimal:
    return Decimal(str(value))


def catalogue(api: httpx.Client, currency: str = "EUR") -> tuple[int, int, int]:
    """A product, a price book in `currency` and the product's entry in it (price 10)."""
    product = made(api.post("/Product", json={"PRODUCT_NAME": "Widget", "PRODUCT_CODE": "W1"}))
    book = made(
        api.post("/Pricebook", json={"NAME": f"Book {currency}", "CURRENCY_CODE": currency})
    )
    entry = made(
        api.post(
            f"/Pricebook/{book['PRICEBOOK_ID']}/PricebookEntry",
            json={"PRODUCT_ID": product["PRODUCT_ID"], "PRICE": 10},
        )
    )
    return product["PRODUCT_ID"], book["PRICEBOOK_ID"], entry["PRICEBOOK_ENTRY_ID"]


def priced_opportunity(api: httpx.Client, book_id: int) -> int:
    opportunity = made(api.post("/Opportunities", json={"OPPORTUNITY_NAME": "Deal"}))
    opportunity_id = opportunity["OPPORTUNITY_ID"]
    made(api.put(f"/Opportunities/{opportunity_id}/Pricebook", json={"PRICEBOOK_ID": book_id}), 200)
    return int(opportunity_id)


def test_an_entry_is_in_its_books_currency_and_reads_from_both_owners(api: httpx.Client) -> None:
    product_id, book_id, entry_id = catalogue(api)
    entry = made(api.get(f"/PricebookEntry/{entry_id}"), 200)
    assert (entry["CURRENCY_CODE"], money(entry["PRICE"])) == ("EUR", Decimal(10))
    assert (entry["PRODUCT_ID"], entry["PRICEBOOK_ID"]) == (product_id, book_id)
    for owner in (f"/Product/{product_id}", f"/Pricebook/{book_id}"):
        listed = made(api.get(f"{owner}/PricebookEntry"), 200)
        assert [e["PRICEBOOK_ENTRY_ID"] for e in listed] == [entry_id]

    other = made(api.post("/Product", json={"PRODUCT_NAME": "Gadget"}))["PRODUCT_ID"]
    wrong = api.post(
        f"/Product/{other}/PricebookEntry",
        json={"PRICEBOOK_ID": book_id, "PRICE": 3, "CURRENCY_CODE": "USD"},
    )
    assert error_fields(wrong) == ["CURRENCY_CODE"]
    twice = api.post(
        f"/Product/{product_id}/PricebookEntry", json={"PRICEBOOK_ID": book_id, "PRICE": 1}
    )
    assert error_fields(twice) == ["PRODUCT_ID"]
    changed = api.put(
        f"/Pricebook/{book_id}/PricebookEntry",
        json={"PRICEBOOK_ENTRY_ID": entry_id, "CURRENCY_CODE": "GBP"},
    )
    assert error_fields(changed) == ["CURRENCY_CODE"]
    repriced = api.put(
        f"/Product/{product_id}/PricebookEntry", json={"PRICEBOOK_ENTRY_ID": entry_id, "PRICE": 12}
    )
    assert money(made(repriced, 200)["PRICE"]) == Decimal(12)
    recurrency = api.put("/Pricebook", json={"PRICEBOOK_ID": book_id, "CURRENCY_CODE": "USD"})
    assert error_fields(recurrency) == ["CURRENCY_CODE"]
    empty = made(api.post("/Pricebook", json={"NAME": "Empty", "CURRENCY_CODE": "EUR"}))
    moved = api.put(
        "/Pricebook", json={"PRICEBOOK_ID": empty["PRICEBOOK_ID"], "CURRENCY_CODE": "usd"}
    )
    assert made(moved, 200)["CURRENCY_CODE"] == "usd"
    assert (
        made(
            api.get(
                "/PricebookEntry/Search",
                params={"field_name": "PRODUCT_ID", "field_value": product_id},
            ),
            200,
        )[0]["PRICEBOOK_ENTRY_ID"]
        == entry_id
    )
    # Nothing of the refused writes was kept.
    assert len(made(api.get("/PricebookEntry"), 200)) == 1


def test_an_opportunity_with_a_price_book_is_worth_its_line_items(api: httpx.Client) -> None:
    _, book_id, entry_id = catalogue(api)
    opportunity_id = priced_opportunity(api, book_id)
    lines = f"/Opportunities/{opportunity_id}/OpportunityLineItem"

    first = made(
        api.post(lines, json={"PRICEBOOK_ENTRY_ID": entry_id, "QUANTITY": 3, "UNIT_PRICE": 9})
    )
    assert (money(first["LIST_PRICE"]), first["CURRENCY_CODE"]) == (Decimal(10), "EUR")
    assert money(first["SUBTOTAL"]) == money(first["TOTAL_PRICE"]) == Decimal(27)
    second = made(
        api.post(
            lines,
            json={"PRICEBOOK_ENTRY_ID": entry_id, "QUANTITY": 2, "UNIT_PRICE": 10, "DISCOUNT": 25},
        )
    )
    assert (money(second["SUBTOTAL"]), money(second["TOTAL_PRICE"])) == (Decimal(20), Decimal(15))
    opportunity = made(api.get(f"/Opportunities/{opportunity_id}"), 200)
    assert (
        money(opportunity["BID_AMOUNT"]) == money(opportunity["OPPORTUNITY_VALUE"]) == Decimal(42)
    )
    assert (opportunity["BID_CURRENCY"], opportunity["PRICEBOOK_ID"]) == ("EUR", book_id)

    # A PUT of the bid does not change what the lines make it.
    made(api.put("/Opportunities", json={"OPPORTUNITY_ID": opportunity_id, "BID_AMOUNT": 5}), 200)
    assert money(made(api.get(f"/Opportunities/{opportunity_id}"), 200)["BID_AMOUNT"]) == 42
    item = first["OPPORTUNITY_ITEM_ID"]
    made(api.put(lines, json={"OPPORTUNITY_ITEM_ID": item, "QUANTITY": 1}), 200)
    assert money(made(api.get(f"/Opportunities/{opportunity_id}"), 200)["OPPORTUNITY_VALUE"]) == 24
    assert made(api.delete(f"{lines}/{item}"), 202) is None
    after = made(api.get(f"/Opportunities/{opportunity_id}"), 200)
    assert money(after["BID_AMOUNT"]) == Decimal(15)
    assert [i["OPPORTUNITY_ITEM_ID"] for i in made(api.get(lines), 200)] == [
        second["OPPORTUNITY_ITEM_ID"]
    ]
    assert (
        made(api.get(f"/OpportunityLineItem/{second['OPPORTUNITY_ITEM_ID']}"), 200)[
            "OPPORTUNITY_ID"
        ]
        == opportunity_id
    )
    deleted = made(api.get("/OpportunityLineItem/Deleted"), 200)
    assert [d["ID"] for d in deleted] == [item]


def test_a_line_item_takes_an_entry_of_its_opportunitys_book(api: httpx.Client) -> None:
    _, book_id, entry_id = catalogue(api)
    _, _, other_entry = catalogue(api, "USD")
    bare = made(api.post("/Opportunities", json={"OPPORTUNITY_NAME": "No book"}))["OPPORTUNITY_ID"]
    body = {"PRICEBOOK_ENTRY_ID": entry_id, "QUANTITY": 1, "UNIT_PRICE": 1}
    assert error_fields(api.post(f"/Opportunities/{bare}/OpportunityLineItem", json=body)) == [
        "PRICEBOOK_ENTRY_ID"
    ]
    opportunity_id = priced_opportunity(api, book_id)
    lines = f"/Opportunities/{opportunity_id}/OpportunityLineItem"
    foreign = api.post(lines, json={**body, "PRICEBOOK_ENTRY_ID": other_entry})
    assert error_fields(foreign) == ["PRICEBOOK_ENTRY_ID"]
    assert error_fields(api.post(lines, json={**body, "QUANTITY": -1})) == ["QUANTITY"]
    assert error_fields(api.post(lines, json={"PRICEBOOK_ENTRY_ID": entry_id})) != []
    assert made(api.get(lines), 200) == []
    # With a line, the book cannot change; without lines it can.
    made(api.post(lines, json=body))
    refused = api.put(f"/Opportunities/{opportunity_id}/Pricebook", json={"PRICEBOOK_ID": None})
    assert error_fields(refused) == ["PRICEBOOK_ID"]
    for wrong in ({"PRICEBOOK_ID": 10**9}, {}, {"PRICEBOOK_ID": "x"}, [book_id]):
        missing = api.put(f"/Opportunities/{bare}/Pricebook", json=wrong)
        assert error_fields(missing) == ["PRICEBOOK_ID"], wrong
    assert (
        api.put("/Opportunities/999999999/Pricebook", json={"PRICEBOOK_ID": book_id}).status_code
        == 404
    )
    # An entry that prices a line stays, and so does its product.
    product = made(api.get(f"/PricebookEntry/{entry_id}"), 200)["PRODUCT_ID"]
    assert error_fields(api.delete(f"/Product/{product}/PricebookEntry/{entry_id}")) == [
        "PRICEBOOK_ENTRY_ID"
    ]
    assert error_fields(api.delete(f"/Product/{product}")) == ["PRICEBOOK_ENTRY_ID"]
    assert api.get(f"/PricebookEntry/{entry_id}").status_code == 200


def test_a_quotations_totals_come_from_its_lines(api: httpx.Client) -> None:
    _, book_id, entry_id = catalogue(api)
    opportunity_id = priced_opportunity(api, book_id)
    quotation = made(
        api.post(
            "/Quotation",
            json={
                "QUOTATION_NAME": "Offer",
                "OPPORTUNITY_ID": opportunity_id,
                "PRICEBOOK_ID": book_id,
                "TAX": 5,
            },
        )
    )
    quotation_id = quotation["QUOTATION_ID"]
    assert quotation["QUOTE_NUMBER"] == str(quotation_id)
    assert quotation["CURRENCY_CODE"] == "EUR" and money(quotation["GRAND_TOTAL"]) == 5
    lines = f"/Quotation/{quotation_id}/QuotationLineItem"
    for quantity, discount in ((2, 0), (4, 50)):
        body = {"PRICEBOOK_ENTRY_ID": entry_id, "QUANTITY": quantity, "UNIT_PRICE": 10}
        made(api.post(lines, json={**body, "DISCOUNT": discount}))
    totals = made(api.get(f"/Quotation/{quotation_id}"), 200)
    assert [money(totals[f]) for f in ("SUBTOTAL", "DISCOUNT", "TOTAL_PRICE", "GRAND_TOTAL")] == [
        Decimal(60),
        Decimal(20),
        Decimal(40),
        Decimal(45),
    ]
    made(api.put("/Quotation", json={"QUOTATION_ID": quotation_id, "SHIPPING_HANDLING": 7}), 200)
    _, other_book, _ = catalogue(api, "USD")
    rebooked = api.put(
        "/Quotation", json={"QUOTATION_ID": quotation_id, "PRICEBOOK_ID": other_book}
    )
    assert error_fields(rebooked) == ["PRICEBOOK_ID"]
    # A quotation line drawn from an opportunity line: one of the quotation's opportunity.
    stranger = priced_opportunity(api, book_id)
    body = {"PRICEBOOK_ENTRY_ID": entry_id, "QUANTITY": 1, "UNIT_PRICE": 1}
    theirs = made(api.post(f"/Opportunities/{stranger}/OpportunityLineItem", json=body))
    first_line = made(api.get(lines), 200)[0]["QUOTATION_ITEM_ID"]
    drawn = {"QUOTATION_ITEM_ID": first_line, "OPPORTUNITY_ITEM_ID": theirs["OPPORTUNITY_ITEM_ID"]}
    assert error_fields(api.put(lines, json=drawn)) == ["OPPORTUNITY_ITEM_ID"]
    assert money(made(api.get(f"/Quotation/{quotation_id}"), 200)["GRAND_TOTAL"]) == 52
    assert made(api.get(f"/Quotation/{quotation_id}/QuotationDocument"), 200) == []
    assert api.delete(f"/Quotation/{quotation_id}/QuotationDocument/1").status_code == 404
    assert api.get("/Quotation/999999999/QuotationDocument").status_code == 404
    # A failing line changes nothing: neither a line nor a total.
    before = made(api.get(f"/Quotation/{quotation_id}"), 200)
    bad = api.post(lines, json={"PRICEBOOK_ENTRY_ID": entry_id, "QUANTITY": 1, "UNIT_PRICE": "x"})
    assert error_fields(bad) == ["UNIT_PRICE"]
    assert made(api.get(f"/Quotation/{quotation_id}"), 200) == before
    assert len(made(api.get("/QuotationLineItem"), 200)) == 2
    # Deleting the quotation deletes its lines.
    assert api.delete(f"/Quotation/{quotation_id}").status_code == 202
    assert made(api.get("/QuotationLineItem"), 200) == []


def test_a_line_write_costs_the_same_statements_however_many_lines(
    api: httpx.Client, engine: Engine
) -> None:
    _, book_id, entry_id = catalogue(api)
    opportunity_id = priced_opportunity(api, book_id)
    lines = f"/Opportunities/{opportunity_id}/OpportunityLineItem"
    body = {"PRICEBOOK_ENTRY_ID": entry_id, "QUANTITY": 1, "UNIT_PRICE": 2}
    counts = []
    for _ in range(2):
        for _ in range(5):
            made(api.post(lines, json=body))
        # The fewest of three: a second-long cache (callers, custom fields) that ends during
        # one of them adds its reads to that request, whatever the number of lines.
        sizes = []
        for _ in range(3):
            with statements(engine) as sent:
                made(api.post(lines, json=body))
            sizes.append(len(sent))
        counts.append(min(sizes))
    assert counts[0] == counts[1]
    # Deleting the opportunity takes its lines in as many statements, whether 1 or 12.
    deletes = []
    for many in (1, 12):
        sizes = []
        for _ in range(3):  # the fewest of three, as above
            other = priced_opportunity(api, book_id)
            for _ in range(many):
                made(api.post(f"/Opportunities/{other}/OpportunityLineItem", json=body))
            with statements(engine) as sent:
                assert api.delete(f"/Opportunities/{other}").status_code == 202
            sizes.append(len(sent))
        deletes.append(min(sizes))
    assert deletes[0] == deletes[1]
    gone = {d["ID"] for d in made(api.get("/OpportunityLineItem/Deleted"), 200)}
    assert len(gone) == 3 * 13
    assert made(api.get("/OpportunityLineItem"), 200) != []  # the first opportunity's stay


def test_line_items_are_seen_with_their_opportunity(
    make_tenant: Callable[[], Tenant], engine: Engine
) -> None:
    tenant = make_tenant()
    admin = tenant.client
    _, book_id, entry_id = catalogue(admin)
    _, key = tenant.add_user(engine, f"bob-{tenant.instance_id}@example.com")
    bob = client_for(tenant, key)
    opportunity_id = priced_opportunity(admin, book_id)
    body = {"PRICEBOOK_ENTRY_ID": entry_id, "QUANTITY": 1, "UNIT_PRICE": 2}
    item = made(admin.post(f"/Opportunities/{opportunity_id}/OpportunityLineItem", json=body))
    quotation = made(
        admin.post(
            "/Quotation",
            json={
                "QUOTATION_NAME": "Hidden",
                "OPPORTUNITY_ID": opportunity_id,
                "PRICEBOOK_ID": book_id,
            },
        )
    )
    # Bob follows the quotation while he sees it; then the opportunity is made private.
    made(bob.post(f"/Quotation/{quotation['QUOTATION_ID']}/Follow"), 200)
    assert [f["RECORD_TYPE"] for f in made(bob.get("/Follows"), 200)] == ["Quotation"]
    made(
        admin.put("/Opportunities", json={"OPPORTUNITY_ID": opportunity_id, "VISIBLE_TO": "OWNER"}),
        200,
    )
    quote_line = made(
        admin.post(f"/Quotation/{quotation['QUOTATION_ID']}/QuotationLineItem", json=body)
    )
    with closing(bob):
        assert made(bob.get("/Follows"), 200) == []
        assert made(bob.get("/OpportunityLineItem"), 200) == []
        assert (
            made(bob.get("/OpportunityLineItem", params={"updated_after_utc": "2000-01-01"}), 200)
            == []
        )
        assert bob.get(f"/OpportunityLineItem/{item['OPPORTUNITY_ITEM_ID']}").status_code == 404
        assert bob.get(f"/Opportunities/{opportunity_id}/OpportunityLineItem").status_code == 404
        assert made(bob.get("/Quotation"), 200) == []
        assert bob.get(f"/Quotation/{quotation['QUOTATION_ID']}").status_code == 404
        assert made(bob.get("/QuotationLineItem"), 200) == []
        assert bob.get(f"/QuotationLineItem/{quote_line['QUOTATION_ITEM_ID']}").status_code == 404
        found = bob.get(
            "/QuotationLineItem/Search", params={"field_name": "QUANTITY", "field_value": "1"}
        )
        assert made(found, 200) == []
        assert len(made(bob.get("/PricebookEntry"), 200)) == 1  # the catalogue is everyone's
    assert len(made(admin.get("/OpportunityLineItem"), 200)) == 1
    # Their tombstones are seen by whoever saw the opportunity.
    lines = f"/Opportunities/{opportunity_id}/OpportunityLineItem"
    made(admin.delete(f"{lines}/{item['OPPORTUNITY_ITEM_ID']}"), 202)
    made(admin.delete(f"/Quotation/{quotation['QUOTATION_ID']}"), 202)
    feeds = ("/OpportunityLineItem/Deleted", "/Quotation/Deleted", "/QuotationLineItem/Deleted")
    with client_for(tenant, key) as bob_again:
        for feed in feeds:
            assert made(bob_again.get(feed), 200) == [], feed
            assert len(made(admin.get(feed), 200)) == 1, feed


def test_the_sales_types_are_v31_only(tenant: Tenant) -> None:
    root = str(tenant.client.base_url).removesuffix("/v3.1").rstrip("/")
    for version in ("v3.0", "v2.2"):
        with httpx.Client(base_url=f"{root}/{version}", auth=(tenant.api_key, "")) as older:
            for path in ("/Product", "/Pricebook", "/PricebookEntry", "/Quotation"):
                assert older.get(path).status_code == 404, (version, path)


def test_a_bulk_load_of_quotations_gives_each_its_totals(tenant: Tenant, engine: Engine) -> None:
    """`rolodex import` creates records with RecordService.create_many: a quotation loaded so
    has its book's currency and its GRAND_TOTAL like one made over the API."""
    api = tenant.client
    _, book_id, _ = catalogue(api)
    opportunity_id = priced_opportunity(api, book_id)
    body = {"QUOTATION_NAME": "Loaded", "OPPORTUNITY_ID": opportunity_id, "PRICEBOOK_ID": book_id}
    with unit_of_work(engine, write=True) as connection:
        caller = Caller(tenant.instance_id, tenant.user_id, is_admin=True)
        loaded = RecordService(connection, caller, QUOTATIONS).create_many(
            [{**body, "TAX": 3}, {**body, "SHIPPING_HANDLING": 4}]
        )
    totals = [made(api.get(f"/Quotation/{quotation_id}"), 200) for quotation_id in loaded]
    assert [(q["CURRENCY_CODE"], money(q["GRAND_TOTAL"])) for q in totals] == [
        ("EUR", Decimal(3)),
        ("EUR", Decimal(4)),
    ]
