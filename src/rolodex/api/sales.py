"""Sales routes of their own: PUT /Opportunities/{id}/Pricebook (rolodex.services.sales) and a
quotation's documents, GET /Quotation/{id}/QuotationDocument and DELETE .../{documentId}.

Insightly renders a quotation document (a PDF, APIQuotationDocument: sterner-stuff/insightly-php
@ cc858564 docs/Model/APIQuotationDocument.md) in its web app; Rolodex renders none, so a
quotation it knows has no documents: the list is empty and a DELETE names no document (404).
"""

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy import Connection

from rolodex.api import openapi as docs
from rolodex.api.auth import authenticated_caller
from rolodex.api.common import execute, read_body
from rolodex.api.records import API_PREFIX, RecordId
from rolodex.api.responses import list_response, record_response
from rolodex.api.routing import CaseInsensitiveRoute
from rolodex.domain.registry import OPPORTUNITIES, QUOTATIONS
from rolodex.errors import NotFound
from rolodex.services import sales
from rolodex.services.context import Caller
from rolodex.services.records import RecordService
from rolodex.wire.records import INT64_MAX

PRICEBOOK_BODY = {
    "type": "object",
    "title": "PricebookChange",
    "properties": {
        "PRICEBOOK_ID": {
            "anyOf": [{"type": "integer", "minimum": 1, "maximum": INT64_MAX}, {"type": "null"}],
            "description": "The price book the opportunity's line items are priced from (null: "
            "none; it cannot change while the opportunity has line items)",
        }
    },
    "required": ["PRICEBOOK_ID"],
}
# APIQuotationDocument's fields, in its types.
QUOTATION_DOCUMENT = {
    "type": "object",
    "title": "QuotationDocument",
    "properties": {
        "QUOTE_DOCUMENT_ID": {"type": "integer"},
        "QUOTATION_NAME": {"type": "string"},
        "FILE_NAME": {"type": "string"},
        "OWNER_USER_ID": {"type": ["integer", "null"]},
        "DATE_CREATED_UTC": {"type": ["string", "null"]},
        "QUOTE_ID": {"type": "string"},
        "FILE_ID": {"type": "string"},
        "CURRENCY_CODE": {"type": "string"},
    },
}

router = APIRouter(
    prefix=API_PREFIX,
    route_class=CaseInsensitiveRoute,
    dependencies=[Depends(authenticated_caller)],
)


@router.put(
    f"/{OPPORTUNITIES.collection}/{{record_id:int}}/Pricebook",
    tags=[OPPORTUNITIES.collection],
    summary="Set the opportunity's price book: its line items are priced from it, and its value "
    "is their total",
    openapi_extra=docs.operation(
        200,
        docs.component(OPPORTUNITIES.singular),
        "The opportunity, with its price book",
        PRICEBOOK_BODY,
        None,
        docs.WRITE_ERRORS,
    ),
)
async def set_pricebook(request: Request, record_id: RecordId) -> Response:
    body = await read_body(request)

    record, etag = await execute(
        request,
        lambda connection, caller: sales.set_pricebook(connection, caller, record_id, body),
        write=True,
    )
    return record_response(record, OPPORTUNITIES.singular, etag)


def _quotation(connection: Connection, caller: Caller, record_id: int) -> None:
    RecordService(connection, caller, QUOTATIONS).get(record_id, brief=True)  # or its 404


@router.get(
    f"/{QUOTATIONS.collection}/{{record_id:int}}/QuotationDocument",
    tags=[QUOTATIONS.collection],
    summary="The quotation's documents (Rolodex renders none)",
    openapi_extra=docs.operation(
        200, {"type": "array", "items": QUOTATION_DOCUMENT}, "The documents", None, docs.PAGE_ONLY
    ),
)
async def quotation_documents(request: Request, record_id: RecordId) -> Response:
    await execute(request, lambda connection, caller: _quotation(connection, caller, record_id))
    return list_response([], None, "QuotationDocument")


@router.delete(
    f"/{QUOTATIONS.collection}/{{record_id:int}}/QuotationDocument/{{document_id:int}}",
    tags=[QUOTATIONS.collection],
    status_code=202,
    summary="Delete a document of the quotation",
    openapi_extra=docs.deleted("QuotationDocument"),
)
async def delete_quotation_document(
    request: Request, record_id: RecordId, document_id: RecordId
) -> Response:
    def work(connection: Connection, caller: Caller) -> None:
        _quotation(connection, caller, record_id)
        raise NotFound(f"Quotation {record_id} has no QuotationDocument {document_id}.")

    await execute(request, work, write=True)
    return Response(status_code=202)
