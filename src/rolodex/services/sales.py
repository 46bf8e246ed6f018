"""The sales catalogue's rules of its own: price book entries and line items.

- A price book entry's CURRENCY_CODE is its book's: left out it is the book's, another is a
  400 naming CURRENCY_CODE (issue 15). A product has at most one entry in a book (decision: a
  second would make the price a line takes ambiguous), and an entry's product and book are
  fixed once made (its owners, RecordType.owner_fields). An entry that prices a line item is
  not deleted (RecordService.delete: a 400 naming PRICEBOOK_ENTRY_ID).
- A line item (RecordType.priced_by) is priced from an entry of its owner's price book (the
  opportunity's PRICEBOOK_ID, the quotation's): another entry, or an owner without a book, is a
  400 naming PRICEBOOK_ENTRY_ID. LIST_PRICE and CURRENCY_CODE are the entry's, copied when the
  line is priced; SUBTOTAL and TOTAL_PRICE follow from the line (rolodex.domain.rules).
- Every write of a line sets its owner's totals (RecordType.totals) in the same unit of work,
  so a failing line rolls back the whole request and no total is ever half written.
"""

from decimal import Decimal
from typing import Any

from sqlalchemy import Connection

from rolodex.domain.registry import (
    OPPORTUNITIES,
    PRICEBOOK_ENTRIES,
    PRICEBOOKS,
    RecordType,
    by_singular,
)
from rolodex.errors import NotFound, invalid_field
from rolodex.services.context import Caller
from rolodex.services.records import RecordService
from rolodex.storage import sales
from rolodex.storage.repository import Repository, Row
from rolodex.wire.records import validate, write_model

Wire = dict[str, Any]


def check_entry(repo: Repository, rt: RecordType, body: dict[str, Any], row: Row | None) -> None:
    """Before a price book entry is written: its currency (filled in from its book when left
    out), one entry per product and book, and its product and book unchanged by a PUT."""
    model = validate(write_model(rt), body)
    sent = model.model_fields_set
    if row is not None:
        for name in rt.owner_fields:
            if name in sent and getattr(model, name) != row[name.lower()]:
                raise invalid_field(name, "cannot change: make a new entry instead")
    book_id = row["pricebook_id"] if row is not None else model.PRICEBOOK_ID
    product_id = row["product_id"] if row is not None else model.PRODUCT_ID
    book = repo.get_record(PRICEBOOKS, book_id) if isinstance(book_id, int) else None
    if book is None:
        return  # a missing book is the create's 400 (a reference to a missing record)
    currency = book["currency_code"]
    if "CURRENCY_CODE" in sent and model.CURRENCY_CODE is not None:
        if model.CURRENCY_CODE.upper() != (currency or "").upper():
            raise invalid_field(
                "CURRENCY_CODE",
                f"is {model.CURRENCY_CODE} but Pricebook {book_id} is in {currency}: an entry "
                "is in its book's currency",
            )
    elif row is None or "CURRENCY_CODE" in sent:
        body["CURRENCY_CODE"] = currency
    if row is None and isinstance(product_id, int):
        existing = sales.entry_ids_of(repo.connection, repo.instance_id, rt, book_id, product_id)
        if existing:
            raise invalid_field(
                "PRODUCT_ID",
                f"already has PricebookEntry {existing[0]} in Pricebook {book_id}: change that one",
            )


def price_line(
    repo: Repository,
    rt: RecordType,
    owner: RecordType,
    owner_row: Row,
    body: dict[str, Any],
    row: Row | None,
) -> Row:
    """The entry's LIST_PRICE and CURRENCY_CODE for a line item being written under
    `owner_row` (its entry must be of the owner's price book), or {} when the entry stays."""
    assert rt.priced_by is not None
    field = rt.priced_by
    model = validate(write_model(rt), body)
    _check_drawn_from(repo, rt, owner_row, model)
    entry_id = getattr(model, field) if field in model.model_fields_set else None
    if row is not None and (entry_id is None or entry_id == row[field.lower()]):
        return {}
    book_id = owner_row.get("pricebook_id")
    name = f"{owner.singular} {owner_row['id']}"
    if book_id is None:
        hint = (
            f" (PUT /{owner.collection}/{owner_row['id']}/Pricebook)"
            if owner is OPPORTUNITIES
            else ""
        )
        raise invalid_field(field, f"cannot be priced: {name} has no price book{hint}")
    if entry_id is None:
        return {}  # required: the create's 400
    entry = repo.get_record(PRICEBOOK_ENTRIES, entry_id)
    if entry is None:
        raise invalid_field(field, f"no PricebookEntry with ID {entry_id}")
    if entry["pricebook_id"] != book_id:
        raise invalid_field(
            field,
            f"is an entry of Pricebook {entry['pricebook_id']}, not of {name}'s Pricebook "
            f"{book_id}",
        )
    if not entry["active"]:
        raise invalid_field(field, f"PricebookEntry {entry_id} is not active")
    return {"list_price": entry["price"], "currency_code": entry["currency_code"]}


def _check_drawn_from(repo: Repository, rt: RecordType, owner_row: Row, model: Any) -> None:
    """A quotation line drawn from an opportunity line: one of the quotation's opportunity."""
    spec = rt.field_named("OPPORTUNITY_ITEM_ID")
    if spec is None or spec.references is None or "OPPORTUNITY_ID" in rt.owner_fields:
        return
    item_id = getattr(model, "OPPORTUNITY_ITEM_ID", None)
    if item_id is None:
        return
    item = repo.get_record(by_singular(spec.references), item_id)
    if item is None or item["opportunity_id"] != owner_row.get("opportunity_id"):
        raise invalid_field(
            "OPPORTUNITY_ITEM_ID",
            f"is not a line item of Opportunity {owner_row.get('opportunity_id')}",
        )


def set_pricebook(
    connection: Connection, caller: Caller, opportunity_id: int, body: Any
) -> tuple[Wire, str]:
    """PUT /Opportunities/{id}/Pricebook {PRICEBOOK_ID}: the opportunity's price book (null:
    none). While it has line items its book cannot change (a 400 naming PRICEBOOK_ID;
    decision: their prices are that book's). With a book, its value is its lines' total."""
    sent = {str(k).upper(): v for k, v in body.items()} if isinstance(body, dict) else {}
    value = sent.get("PRICEBOOK_ID")
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    wrong = value is not None and (isinstance(value, bool) or not isinstance(value, int))
    if "PRICEBOOK_ID" not in sent or wrong:
        raise invalid_field(
            "PRICEBOOK_ID", 'is required: a price book id (or null), e.g. {"PRICEBOOK_ID": 3}'
        )
    service = RecordService(connection, caller, OPPORTUNITIES)
    row = service.repo.get_record(OPPORTUNITIES, opportunity_id, for_update=True)
    if row is None:
        raise NotFound(f"No Opportunity with ID {opportunity_id}.")
    book = None
    if value is not None:
        book = service.repo.get_record(PRICEBOOKS, value)
        if book is None:
            raise invalid_field("PRICEBOOK_ID", f"no Pricebook with ID {value}")
    if value == row["pricebook_id"]:
        return service.read(opportunity_id)
    lines = sales.count_lines(connection, caller.instance_id, OPPORTUNITIES, opportunity_id)
    if lines:
        raise invalid_field(
            "PRICEBOOK_ID",
            f"cannot change while Opportunity {opportunity_id} has {lines} line item(s): "
            "remove them first",
        )
    changes: Row = {"pricebook_id": value}
    if book is not None:  # no lines yet: a bid of nothing, in the book's currency
        changes.update(bid_currency=book["currency_code"], bid_type="Fixed Bid")
        changes.update(bid_amount=Decimal(0), opportunity_value=Decimal(0))
    return service.set_system_fields(opportunity_id, changes)
