"""The OpenAPI document: schemas built from the registry, operations described per route.

Routes parse their requests by hand (case-insensitive keys, XML, lenient dates), so FastAPI
cannot infer bodies and parameters; each route states them through `openapi_extra` with the
helpers below, and `install` adds the shared component schemas and the Basic security scheme.
"""

from datetime import datetime
from functools import cache
from typing import Annotated, Any

from fastapi import FastAPI, Request, Response
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, create_model
from starlette.routing import BaseRoute

from rolodex.api.common import MAX_SKIP
from rolodex.api.versions import CURRENT_PREFIX, VERSIONS, ApiVersion
from rolodex.domain.registry import (
    CUSTOM_OBJECT_RECORDS,
    RECORD_TYPES,
    SETTINGS_TYPES,
    Feature,
    FieldSpec,
    Kind,
    RecordType,
)
from rolodex.wire import activity_sets, custom_fields, teams
from rolodex.wire.comments import BODY_MAX, CommentIn, parent_id_fields
from rolodex.wire.custom_objects import CustomObjectIn
from rolodex.wire.dates import QUERY_DATE_PATTERN
from rolodex.wire.leads import ConvertIn
from rolodex.wire.pipelines import PipelineChangeIn, StageMoveIn, StateChangeIn
from rolodex.wire.records import (
    SUB_COLLECTIONS,
    CustomFieldIn,
    DateIn,
    EmailDomainIn,
    LinkIn,
    SubCollection,
    TagIn,
    WireInt,
    create_model_for,
    sub_collections,
    update_model_for,
    write_model,
)

REF = "#/components/schemas/{model}"
BODY_DATE_PATTERN = r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$"


# --- response models (for the document only; responses are encoded from dicts) ------------


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


BodyDate = Annotated[str, Field(pattern=BODY_DATE_PATTERN)]


class CustomField(_Out):
    FIELD_NAME: str
    FIELD_VALUE: str | bool | int | float | None


class Follow(_Out):
    FOLLOWING: bool


class LinkEmailAddress(_Out):
    """A record's dropbox address, as Insightly's APILinkEmailAddress: an object with `EMAIL`.

    Source: S31 (sterner-stuff/insightly-php docs/Api/LeadsApi.md) names the answer of
    getLinkEmailAddress APILinkEmailAddress; the swagger-generated factoryhr/InsightlyCRM-php
    (lib/Model/APILinkEmailAddress.php) gives that model its one property, EMAIL (a string).
    """

    EMAIL: str


class FileAttachment(_Out):
    FILE_ID: int
    FILE_NAME: str = Field(max_length=500)
    CONTENT_TYPE: str = Field(max_length=255)
    FILE_SIZE: int
    FILE_CATEGORY_ID: int | None
    OWNER_USER_ID: int | None
    DATE_CREATED_UTC: BodyDate
    DATE_UPDATED_UTC: BodyDate
    URL: str = Field(max_length=500)


class CustomObject(_Out):
    OBJECT_NAME: str
    SINGULAR_LABEL: str
    PLURAL_LABEL: str
    DESCRIPTION: str | None
    RECORD_NAME_LABEL: str
    RECORD_NAME_TYPE: str
    RECORD_NAME_DISPLAY_FORMAT: str | None
    ENABLE_NAVBAR: bool
    ENABLE_WORKFLOWS: bool
    CREATED_USER_ID: int | None
    DATE_CREATED_UTC: BodyDate
    DATE_UPDATED_UTC: BodyDate


class DeletedRecord(_Out):
    """A tombstone of the Deleted feed: which record went, and when."""

    ID: int
    DATE_DELETED_UTC: BodyDate


class FollowedRecord(_Out):
    RECORD_TYPE: str
    RECORD_ID: int


class Country(_Out):
    COUNTRY_NAME: str


class Currency(_Out):
    CURRENCY_CODE: str
    CURRENCY_SYMBOL: str


class ObjectPermission(_Out):
    OBJECT_TYPE: str
    PERMISSIONS_STATE: str
    CAN_READ: bool
    CAN_CREATE: bool
    CAN_EDIT: bool
    CAN_DELETE: bool


class Permissions(_Out):
    PERMISSIONS_STATE: str
    OBJECT_PERMISSIONS: list[ObjectPermission]


class OpportunityStateChange(_Out):
    """One entry of an opportunity's state history."""

    OPPORTUNITY_ID: int
    DATE_CHANGED_UTC: BodyDate
    FOR_OPPORTUNITY_STATE: str | None
    STATE_REASON_ID: int | None
    STATE_REASON: str | None


class Instance(_Out):
    INSTANCE_NAME: str
    INSTANCE_SUBDOMAIN: str
    PLAN_NAME: str
    NEW_USER_EXPERIENCE_ENABLED: bool


class FieldErrorOut(_Out):
    FIELD: str
    Message: str


class Error(_Out):
    """Every error: a sentence a person can act on, and the fields at fault when there are any."""

    Message: str
    Errors: list[FieldErrorOut] | None = None


def sent_item_model(sub: SubCollection) -> type[BaseModel]:
    """An item of a record's array as the server sends it, from its one declaration."""
    if not sub.derived:
        return CustomField
    fields: dict[str, Any] = {}
    for name, base, nullable in sub.sent_fields():
        value: Any = BodyDate if base is datetime else base
        fields[name] = (value | None if nullable else value, ...)
    return create_model(sub.title, __base__=_Out, **fields)


_ITEM_OUT = {sub.feature: sent_item_model(sub) for sub in SUB_COLLECTIONS}


def _out_type(spec: FieldSpec) -> Any:
    if spec.kind is Kind.TEXT:
        return str | None
    if spec.kind is Kind.INT:
        return int | None
    if spec.kind is Kind.BOOL:
        return bool | None
    if spec.kind is Kind.DATETIME:
        return BodyDate | None
    return float | None


@cache
def read_model(rt: RecordType) -> type[BaseModel]:
    """A record as the API sends it: every scalar field, and the arrays unless `brief`."""
    fields: dict[str, Any] = {spec.name: (_out_type(spec), ...) for spec in rt.fields}
    for feature, name in sub_collections(rt):
        item: Any = _ITEM_OUT[feature]
        fields[name] = (list[item] | None, None)
    return create_model(rt.singular, __base__=_Out, **fields)


def comment_models() -> list[type[BaseModel]]:
    """Comment (as sent: the parent's id field set, the other parents' null) and its bodies."""
    fields: dict[str, Any] = {
        "COMMENT_ID": (int, ...),
        "BODY": (str, ...),
        "OWNER_USER_ID": (int | None, ...),
        "DATE_CREATED_UTC": (BodyDate, ...),
        "DATE_UPDATED_UTC": (BodyDate, ...),
    }
    fields.update({name: (int | None, ...) for name in parent_id_fields()})
    body = Annotated[str, Field(max_length=BODY_MAX, pattern=r"\S")]
    return [
        create_model("Comment", __base__=_Out, **fields),
        create_model("CommentCreate", __base__=CommentIn, BODY=(body, ...)),
        create_model("CommentUpdate", __base__=CommentIn, COMMENT_ID=(WireInt, ...)),
    ]


@cache
def owned_create_model(rt: RecordType) -> type[BaseModel]:
    """POST /{Owner}/{id}/{Owned}: the create body, the owner's id taken from the path (each
    owner's: a price book entry's PRODUCT_ID under /Product, its PRICEBOOK_ID under /Pricebook;
    the other one is required, as the record's own validation says)."""
    assert rt.owner_fields
    owner_id: Any = (WireInt | None, None)
    return create_model(
        f"{rt.singular}Create",
        __base__=create_model_for(rt),
        **dict.fromkeys(rt.owner_fields, owner_id),
    )


def _models() -> list[type[BaseModel]]:
    models: list[type[BaseModel]] = [Error, Follow, FollowedRecord, Instance]
    models.append(LinkEmailAddress)
    models.append(DeletedRecord)
    models += [Country, Currency, Permissions, OpportunityStateChange]
    models += [ConvertIn, PipelineChangeIn, StageMoveIn, StateChangeIn]
    models.append(FileAttachment)
    models += teams.doc_models() + activity_sets.doc_models()
    models += custom_fields.doc_models()
    models += [CustomFieldIn, TagIn, DateIn, EmailDomainIn, LinkIn]
    models += [CustomObject, CustomObjectIn]
    for rt in (*RECORD_TYPES, *SETTINGS_TYPES, CUSTOM_OBJECT_RECORDS):
        models.append(read_model(rt))
        if rt.updatable:
            models += [write_model(rt), update_model_for(rt)]
        if rt.has(Feature.CREATE):
            models.append(create_model_for(rt))
        if rt.owner_fields:
            models += [owned_create_model(rt), update_model_for(rt)]
    return models + comment_models()


def component_schemas() -> dict[str, Any]:
    """Every model's JSON schema, nested models hoisted into components."""
    schemas: dict[str, Any] = {}
    for model in _models():
        schema = model.model_json_schema(ref_template=REF, mode="validation")
        schemas.update(schema.pop("$defs", {}))
        schemas[model.__name__] = schema
    return schemas


# --- operation descriptions ------------------------------------------------------------------

# The 403 of every other write: the caller's role is read-only (rolodex.api.auth).
READ_ONLY_403 = "The caller's role is read-only: it changes nothing"

_ERRORS = {
    "400": "Bad input: the message (and Errors) say what to change",
    "401": "No valid API key",
    "403": "Only an administrator may do this (and a read-only role writes nothing)",
    "404": "No such record (or it belongs to another instance)",
    "405": "The object name is the plural of a singular collection (Pricebooks for Pricebook): "
    "the message names the collection",
    "409": "The change clashes with the current state (the message says how)",
    "412": "If-Match does not match the record's current ETag",
    "413": "The body is larger than the server's limit",
    "415": "The body is neither JSON nor XML",
    "429": "A rate limit was hit (see Retry-After)",
}


def _content(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}, "application/xml": {"schema": schema}}


def component(name: str) -> dict[str, Any]:
    """A reference to the component schema `name`."""
    return {"$ref": REF.format(model=name)}


def array_of(name: str) -> dict[str, Any]:
    """An array of the component schema `name`."""
    return {"type": "array", "items": component(name)}


def operation(
    ok_status: int,
    ok_schema: dict[str, Any] | None,
    ok_description: str,
    body: dict[str, Any] | None = None,
    parameters: list[dict[str, Any]] | None = None,
    errors: tuple[str, ...] = ("400", "401", "404", "429"),
) -> dict[str, Any]:
    """An operation's openapi_extra: its body, parameters and every response it can give."""
    responses: dict[str, Any] = {
        str(ok_status): {"description": ok_description}
        if ok_schema is None
        else {"description": ok_description, "content": _content(ok_schema)}
    }
    for code in ("400", *errors):  # any request can be a 400 (a bad id, paging value, ...)
        responses[code] = {"description": _ERRORS[code], "content": _content(component("Error"))}
    extra: dict[str, Any] = {"responses": responses}
    if body is not None:
        extra["requestBody"] = {"required": True, "content": _content(body)}
    if parameters:
        extra["parameters"] = parameters
    return extra


def _query(
    name: str, schema: dict[str, Any], description: str, required: bool = False
) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": required,
        "schema": schema,
        "description": description,
    }


# Query values as the server reads them: an empty value means "not given".
_EMPTY = {"type": "string", "maxLength": 0}
_BOOL_QUERY = {
    "anyOf": [
        {"type": "boolean"},
        {"type": "string", "pattern": "^([Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee]|1|0)?$"},
    ]
}
_DATE_QUERY = {"type": "string", "pattern": QUERY_DATE_PATTERN}
PAGING = [
    _query(
        "top",
        {"anyOf": [{"type": "integer", "minimum": 0}, _EMPTY]},
        "Page size: default 100; larger than 500 is read as 500",
    ),
    _query(
        "skip",
        {"anyOf": [{"type": "integer", "minimum": 0, "maximum": MAX_SKIP}, _EMPTY]},
        "Records to skip",
    ),
    _query("brief", _BOOL_QUERY, "true: top-level fields only, no sub-collection arrays"),
    _query("count_total", _BOOL_QUERY, "true: the total count in the X-Total-Count header"),
    _query(
        "updated_after_utc",
        _DATE_QUERY,
        "Only records updated after this time, to the second: 'yyyy-MM-dd HH:mm:ss' (UTC), "
        "ISO 8601 with a zone, or 'yyyy-MM-dd'",
    ),
]
SEARCH = [
    _query("field_name", {"type": "string"}, "A standard or custom (__c) field to match"),
    _query("field_value", {"type": "string"}, "The value it must equal (text: any case)"),
    *PAGING,
]
BY_TAG = [_query("tagName", {"type": "string", "minLength": 1}, "The tag", required=True), *PAGING]
BRIEF = [PAGING[2]]
PAGE_ONLY = [PAGING[0], PAGING[1], PAGING[3]]  # top, skip, count_total
RECORD_TYPE_QUERY = _query(
    "record_type",
    {"type": "string", "minLength": 1},
    "A record type, e.g. Contacts (singular or plural, any case)",
    required=True,
)
WRITE_ERRORS = ("400", "401", "404", "412", "413", "415", "429")


def also(extra: dict[str, Any], *codes: str) -> dict[str, Any]:
    """`extra` (an operation) that can also answer with the error `codes`."""
    for code in codes:
        extra["responses"][code] = {
            "description": _ERRORS[code],
            "content": _content(component("Error")),
        }
    return extra


def optional_body(extra: dict[str, Any]) -> dict[str, Any]:
    """`extra` (an operation) whose request body may be left out."""
    extra["requestBody"]["required"] = False
    return extra


def list_of(rt: RecordType, parameters: list[dict[str, Any]] = PAGING) -> dict[str, Any]:
    return operation(200, array_of(rt.singular), f"A page of {rt.collection}", None, parameters)


def deleted_feed(rt: RecordType) -> dict[str, Any]:
    """GET /{Coll}/Deleted: tombstones, paged, after `deleted_after_utc`."""
    parameters = [
        PAGING[0],
        PAGING[1],
        PAGING[3],
        _query(
            "deleted_after_utc",
            _DATE_QUERY,
            "Only records deleted after this time, to the second (same forms as "
            "updated_after_utc); tombstones are kept for the server's ROLODEX_TOMBSTONE_DAYS",
        ),
    ]
    return operation(
        200, array_of("DeletedRecord"), f"Deleted {rt.collection}, oldest first", None, parameters
    )


def one(rt: RecordType) -> dict[str, Any]:
    return operation(200, component(rt.singular), f"The {rt.singular}", None, BRIEF)


def create(rt: RecordType) -> dict[str, Any]:
    return operation(
        201,
        component(rt.singular),
        "Created",
        component(f"{rt.singular}Create"),
        None,
        WRITE_ERRORS,
    )


def update(rt: RecordType, id_in_body: bool = True) -> dict[str, Any]:
    body = f"{rt.singular}Update" if id_in_body else f"{rt.singular}Write"
    return operation(200, component(rt.singular), "Updated", component(body), None, WRITE_ERRORS)


def deleted(what: str) -> dict[str, Any]:
    return operation(202, None, f"{what} deleted", None, None, ("401", "404", "412", "429"))


def items(item: str, description: str) -> dict[str, Any]:
    return operation(200, array_of(item), description)


def replace_items(item: str, body_item: str) -> dict[str, Any]:
    return operation(
        200, array_of(item), "The new collection", array_of(body_item), None, WRITE_ERRORS
    )


def single(
    name: str, description: str, status: int = 200, body: str | None = None
) -> dict[str, Any]:
    errors = WRITE_ERRORS if body is not None else ("401", "404", "429")
    return operation(
        status, component(name), description, component(body) if body else None, None, errors
    )


def tag_add() -> dict[str, Any]:
    """POST .../Tags: 201 with the tag when it is new, 200 when the record had it already."""
    extra = single("Tag", "The tag, newly added", 201, "TagIn")
    extra["responses"]["200"] = {
        "description": "The record already had the tag (in any case); nothing changed",
        "content": _content(component("Tag")),
    }
    return extra


def tag_delete() -> dict[str, Any]:
    extra = deleted("Tag")
    extra["requestBody"] = {"required": True, "content": _content(component("TagIn"))}
    extra["responses"]["400"] = {
        "description": _ERRORS["400"],
        "content": _content(component("Error")),
    }
    return extra


def link_put() -> dict[str, Any]:
    body = {"oneOf": [component("LinkIn"), array_of("LinkIn")]}
    ok = {"oneOf": [component("Link"), array_of("Link")]}
    return operation(200, ok, "The updated link, or the new set of links", body, None, WRITE_ERRORS)


def _drop_framework_defaults(document: dict[str, Any]) -> None:
    """Remove what FastAPI documents by itself but Rolodex does not do.

    FastAPI adds a 422 for routes with parameters (Rolodex answers 400), and an empty
    application/json body to each success response (a 202 has no body; the others are
    described by the routes).
    """
    for path_item in document["paths"].values():
        for operation_object in path_item.values():
            responses = operation_object.get("responses", {})
            responses.pop("422", None)
            for response in responses.values():
                content = response.get("content", {})
                if content.get("application/json", {}).get("schema") == {}:
                    del content["application/json"]
                if "content" in response and not content:
                    del response["content"]
    for name in ("HTTPValidationError", "ValidationError"):
        document["components"]["schemas"].pop(name, None)


def _add_common_errors(document: dict[str, Any]) -> None:
    """Document, on every operation that does not say so itself, the errors every route can
    answer with: 400 (a bad parameter or body), 401, 429; 404 under a path with an id; and for
    a write 412 (a stale If-Match), 413 and 415 (a body too large, or neither JSON nor XML);
    405 under a custom object's name, which may be a singular collection's plural;
    and 403 on every POST, PUT, PATCH and DELETE (a read-only caller's, rolodex.api.auth)."""
    for path, path_item in document["paths"].items():
        for method, operation_object in path_item.items():
            codes = ["400", "401", "429"]
            if "{" in path:
                codes.append("404")
            if "/{object_name}" in path:  # a plural refusal (api/records._add_plural_refusal)
                codes.append("405")
            if method in ("post", "put"):
                codes += ["412", "413", "415"]
            if method in ("post", "put", "patch", "delete"):
                codes.append("403")
            responses = operation_object.setdefault("responses", {})
            for code in codes:
                description = READ_ONLY_403 if code == "403" else _ERRORS[code]
                responses.setdefault(
                    code, {"description": description, "content": _content(component("Error"))}
                )


def version_document(app: FastAPI, prefix: str) -> dict[str, Any]:
    """The OpenAPI document of one API version: the routes under `prefix` (/v3.1, /v3.0)."""
    others = tuple(v.prefix + "/" for v in VERSIONS if v.prefix != prefix)
    routes = [
        route
        for route in app.routes
        if isinstance(route, BaseRoute)
        and not getattr(route, "path", "").startswith(others)
        and (prefix == CURRENT_PREFIX or getattr(route, "path", "").startswith(prefix + "/"))
    ]
    title = app.title if prefix == CURRENT_PREFIX else f"{app.title} ({prefix[1:]})"
    document = get_openapi(
        title=title, version=app.version, description=app.description, routes=routes
    )
    components = document.setdefault("components", {})
    components.setdefault("schemas", {}).update(component_schemas())
    components["securitySchemes"] = {
        "InsightlyKey": {
            "type": "http",
            "scheme": "basic",
            "description": "The API key as the user name; any password.",
        }
    }
    document["security"] = [{"InsightlyKey": []}]
    _drop_framework_defaults(document)
    _add_common_errors(document)
    for version in VERSIONS:
        if version.prefix == prefix:
            _keep_listed(document, version)
            if version.show is not None:
                _records_as_shown(document)
    return document


def _records_as_shown(document: dict[str, Any]) -> None:
    """In a version that shows records its own way (v2.2's object graph), a re-mounted /v3.1
    route's answer is not the /v3.1 record schema: it is documented as an object."""
    records = {REF.format(model=rt.singular) for rt in RECORD_TYPES}
    for path_item in document["paths"].values():
        for operation_object in path_item.values():
            for response in operation_object.get("responses", {}).values():
                for media in response.get("content", {}).values():
                    schema = media.get("schema", {})
                    if schema.get("$ref") in records:
                        media["schema"] = {"type": "object", "description": "A record"}
                    elif schema.get("items", {}).get("$ref") in records:
                        schema["items"] = {"type": "object", "description": "A record"}


def _keep_listed(document: dict[str, Any], version: ApiVersion) -> None:
    """Leave in an older version's document only the operations of its table (its swagger's).

    **Decision**: what a version serves beyond its table (v2.2's GET of a sub-collection such
    as /Contacts/{id}/Addresses, DELETE /Emails/{id}, ...) keeps working for the clients that
    call it, but is left out: the document says what the version's clients were promised."""
    for path, path_item in list(document["paths"].items()):
        for method in [m for m in path_item if not version.lists(m, path)]:
            del path_item[method]
        if not path_item:
            del document["paths"][path]


def install(app: FastAPI) -> None:
    """app.openapi() (/v3.1/openapi.json), and /{version}/openapi.json for the older versions,
    with the registry's schemas and HTTP Basic on every call."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = version_document(app, CURRENT_PREFIX)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    for version in VERSIONS:
        _install_version_document(app, version.prefix)


def _install_version_document(app: FastAPI, prefix: str) -> None:
    documents: dict[str, dict[str, Any]] = {}

    async def version_openapi(request: Request) -> Response:
        if prefix not in documents:
            documents[prefix] = version_document(app, prefix)
        return JSONResponse(documents[prefix])

    app.add_route(f"{prefix}/openapi.json", version_openapi, include_in_schema=False)
