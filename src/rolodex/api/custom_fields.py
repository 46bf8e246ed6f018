"""Routes of custom field definitions: Insightly's GET /CustomFields/{objectName} and
/CustomFields/{objectName}/Search, the admin-only extensions of contract §9 (POST, PUT,
DELETE), and v2.2's GET /CustomFields (every object's) and GET /CustomFieldGroups. The rules
live in rolodex.services.custom_fields."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response

from rolodex.api import openapi as docs
from rolodex.api.auth import authenticated_caller
from rolodex.api.common import execute, page_from, query_value, read_body
from rolodex.api.records import API_PREFIX
from rolodex.api.responses import WireResponse, list_response
from rolodex.api.routing import CaseInsensitiveRoute
from rolodex.api.v22 import GRAPH_RECORD_TYPES
from rolodex.api.versions import V2_2
from rolodex.services.custom_fields import CustomFieldService, v22_metadata
from rolodex.storage.repository import Page

ObjectName = Annotated[
    str,
    Path(
        pattern=r"^[A-Za-z][A-Za-z0-9_]{0,63}$",
        description="The object whose fields these are, as clients write it: Contacts, Contact "
        "or contacts (an unknown object, or one without custom fields, is a 404)",
    ),
]
FieldName = Annotated[
    str,
    Path(
        pattern=r"^[A-Za-z][A-Za-z0-9_]{0,99}$",
        description="The field's FIELD_NAME (any letter case)",
    ),
]
_ELEMENT = "CustomField"
_ADMIN_WRITE = (*docs.WRITE_ERRORS, "403")

router = APIRouter(
    prefix=f"{API_PREFIX}/CustomFields",
    route_class=CaseInsensitiveRoute,
    tags=["CustomFields"],
    dependencies=[Depends(authenticated_caller)],
)


def _written(status: int, description: str, body: str) -> dict[str, Any]:
    return docs.operation(
        status, docs.component("CustomFieldDefinition"), description, docs.component(body),
        None, _ADMIN_WRITE,
    )  # fmt: skip


@router.get(
    "/{object_name}",
    summary="The custom fields of an object",
    openapi_extra=docs.operation(
        200, docs.array_of("CustomFieldDefinition"), "The object's fields, in FIELD_ORDER"
    ),
)
async def list_custom_fields(request: Request, object_name: ObjectName) -> Response:
    return list_response(
        await execute(
            request,
            lambda connection, caller: CustomFieldService(
                connection, caller, object_name
            ).list_all(),
        ),
        None,
        _ELEMENT,
    )


@router.get(
    "/{object_name}/Search",
    summary="One custom field of an object, by FIELD_NAME",
    openapi_extra=docs.operation(
        200,
        docs.array_of("CustomFieldDefinition"),
        "The field so named (any letter case), or an empty array",
        parameters=[
            {
                "name": "fieldName",
                "in": "query",
                "required": True,
                "schema": {"type": "string", "pattern": r"\S"},
                "description": "The FIELD_NAME to find",
            }
        ],
    ),
)
async def search_custom_fields(request: Request, object_name: ObjectName) -> Response:
    field_name = query_value(request, "fieldName")

    return list_response(
        await execute(
            request,
            lambda connection, caller: CustomFieldService(connection, caller, object_name).search(
                field_name
            ),
        ),
        None,
        _ELEMENT,
    )


_VALUES = """Values in records' CUSTOMFIELDS are checked against the definition (400 naming
CUSTOMFIELDS[i].FIELD_NAME or .FIELD_VALUE) and sent back typed: TEXT, MULTILINETEXT, URL and
DROPDOWN as text; NUMERIC, CURRENCY and PERCENT (0 to 100) as numbers; BIT as a boolean; DATE
and DATETIME as 'yyyy-MM-dd HH:mm:ss' UTC (DATE at 00:00:00); MULTISELECT as the chosen options
separated by ';' in option order (a JSON array of options is accepted too); AUTONUMBER (set by
the server on create, 1, 2, 3, ... per field) and LOOKUP (the id of a JOIN_OBJECT record) as
integers. AUTONUMBER fields and fields with EDITABLE false are ignored on write; DEFAULT_VALUE
applies when a record is created. Deleting a looked-up record clears the LOOKUP values that
point to it."""


@router.post(
    "/{object_name}",
    status_code=201,
    summary="Define a custom field (administrators; 409 if the name is taken in any case)",
    description=_VALUES,
    openapi_extra=docs.also(_written(201, "Created", "CustomFieldCreate"), "409"),
)
async def create_custom_field(request: Request, object_name: ObjectName) -> Response:
    body = await read_body(request)

    return WireResponse(
        await execute(
            request,
            lambda connection, caller: CustomFieldService(connection, caller, object_name).create(
                body
            ),
            write=True,
        ),
        _ELEMENT,
        201,
    )


@router.put(
    "/{object_name}",
    summary="Change a custom field named by FIELD_NAME (administrators). Keys left out are "
    "unchanged; CUSTOM_FIELD_OPTIONS, when sent, becomes the options (an option in use cannot "
    "be removed: 409); FIELD_TYPE changes only while no record has a value",
    openapi_extra=docs.also(_written(200, "Updated", "CustomFieldUpdate"), "409"),
)
async def update_custom_field(request: Request, object_name: ObjectName) -> Response:
    body = await read_body(request)

    return WireResponse(
        await execute(
            request,
            lambda connection, caller: CustomFieldService(connection, caller, object_name).update(
                body
            ),
            write=True,
        ),
        _ELEMENT,
    )


@router.delete(
    "/{object_name}/{field_name}",
    status_code=202,
    summary="Delete a custom field (administrators); deleting a definition deletes its values "
    "from every record",
    openapi_extra=docs.also(docs.deleted("Custom field"), "403"),
)
async def delete_custom_field(
    request: Request, object_name: ObjectName, field_name: FieldName
) -> Response:
    await execute(
        request,
        lambda connection, caller: CustomFieldService(connection, caller, object_name).delete(
            field_name
        ),
        write=True,
    )
    return Response(status_code=202)


# --- v2.2: every object's fields at once, and (no) field groups ----------------------------------

v22_router = APIRouter(
    prefix=V2_2.prefix,
    route_class=CaseInsensitiveRoute,
    dependencies=[Depends(authenticated_caller)],
)


def _page_of(items: list[Any], page: Page) -> tuple[list[Any], int | None]:
    return items[page.skip : page.skip + page.top], len(items) if page.count_total else None


@v22_router.get(
    "/CustomFields",
    tags=["CustomFields"],
    summary="The custom fields of every object (v2.2 metadata: CUSTOM_FIELD_ID, ORDER_ID, ...)",
    description="The fields of each v2.2 record type that has custom fields, type by type "
    "(Contacts first, then Organisations, ...), each type's in ORDER_ID order. CUSTOM_FIELD_ID "
    "is the key that v2.2 records carry in CUSTOMFIELDS (v3.1's FIELD_NAME, e.g. Rank__c); "
    "FIELD_NAME is the name shown to people (v3.1's FIELD_LABEL); GROUP_ID is always null "
    "(see /CustomFieldGroups).",
    openapi_extra=docs.operation(
        200, docs.array_of("CustomFieldMetadataV22"), "A page of the fields", None, docs.PAGE_ONLY
    ),
)
async def list_every_custom_field(request: Request) -> Response:
    page = page_from(request)

    fields, total = await execute(
        request,
        lambda connection, caller: _page_of(
            v22_metadata(connection, caller, GRAPH_RECORD_TYPES), page
        ),
    )
    return list_response(fields, total, _ELEMENT)


@v22_router.get(
    "/CustomFieldGroups",
    tags=["CustomFieldGroups"],
    summary="Custom field groups: always none",
    description="**Decision**: Rolodex has no custom field groups (fields are ordered by "
    "ORDER_ID alone), so the list is always empty and every field's GROUP_ID is null; the "
    "paging parameters are checked as on every list (a bad value is a 400).",
    openapi_extra=docs.operation(
        200, docs.array_of("CustomFieldGroupV22"), "An empty array", None, docs.PAGE_ONLY
    ),
)
async def list_custom_field_groups(request: Request) -> Response:
    page = page_from(request)
    return list_response([], 0 if page.count_total else None, "CustomFieldGroup")
