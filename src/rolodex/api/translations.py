"""GET, POST and PUT /{Coll}/{id}/Translations/{language} for every type with
Feature.TRANSLATIONS: knowledge articles and custom object records (rolodex.services.translations
says what a translation is for each)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response
from sqlalchemy import Connection

from rolodex.api import openapi as docs
from rolodex.api.auth import authenticated_caller
from rolodex.api.common import execute, read_body
from rolodex.api.records import (
    API_PREFIX,
    CUSTOM_OBJECT_SEGMENT,
    RecordId,
    named_type,
    object_name_param,
)
from rolodex.api.responses import WireResponse, list_element, list_response
from rolodex.api.routing import CaseInsensitiveRoute
from rolodex.domain.languages import LANGUAGE_MAX, LANGUAGE_PATTERN
from rolodex.domain.registry import CUSTOM_OBJECT_RECORDS, RECORD_TYPES, Feature, RecordType
from rolodex.services.context import Caller
from rolodex.services.knowledge import Translations
from rolodex.services.translations import RecordTranslations, translations_for

Language = Annotated[
    str,
    Path(
        pattern=LANGUAGE_PATTERN,
        max_length=LANGUAGE_MAX,
        description="A language tag: en, fr-CA",
    ),
]


def build_router() -> APIRouter:
    """The translation routes of every type that has them."""
    router = APIRouter(
        prefix=API_PREFIX,
        route_class=CaseInsensitiveRoute,
        dependencies=[Depends(authenticated_caller)],
    )
    for rt in (*RECORD_TYPES, CUSTOM_OBJECT_RECORDS):
        if rt.has(Feature.TRANSLATIONS):
            _add_translation_routes(router, rt)
    return router


def _add_translation_routes(router: APIRouter, rt: RecordType) -> None:
    custom = rt is CUSTOM_OBJECT_RECORDS
    segment = CUSTOM_OBJECT_SEGMENT if custom else f"/{rt.collection}"
    path = f"{segment}/{{record_id:int}}/Translations/{{language}}"
    tag = "Custom object records" if custom else rt.collection
    extra = [Depends(object_name_param)] if custom else []
    item = rt.singular
    # A knowledge article's translation is an article of its own; a custom object record's is
    # the record in the language.
    own_records = rt.field_named("LANGUAGE") is not None
    what = f"the {item}'s translation in a language" + (
        f": a {item} of its own" if own_records else ""
    )

    def service(
        request: Request, connection: Connection, caller: Caller
    ) -> Translations | RecordTranslations:
        return translations_for(connection, caller, named_type(request, rt))

    @router.get(
        path,
        tags=[tag],
        dependencies=extra,
        summary=f"The {item} in a language (no translation in it: an empty list)",
        openapi_extra=docs.operation(200, docs.array_of(item), "The translation"),
    )
    async def get_translation(
        request: Request, record_id: RecordId, language: Language
    ) -> Response:
        found = await execute(
            request,
            lambda connection, caller: service(request, connection, caller).translation(
                record_id, language
            ),
        )
        return list_response(found, None, item)

    @router.post(
        path,
        tags=[tag],
        dependencies=extra,
        status_code=201,
        summary=f"Add {what}",
        openapi_extra=docs.also(
            docs.operation(
                201,
                docs.array_of(item),
                "The new translation (its Location: where it is read)",
                docs.component(f"{item}Create"),
                None,
                docs.WRITE_ERRORS,
            ),
            "409",
        ),
    )
    async def add_translation(
        request: Request, record_id: RecordId, language: Language
    ) -> Response:
        body = await read_body(request)

        added = await execute(
            request,
            lambda connection, caller: service(request, connection, caller).add_translation(
                record_id, language, body
            ),
            write=True,
        )
        new_id = added[0][rt.id_field]
        location = (
            request.url.path if new_id == record_id else f"{API_PREFIX}/{rt.collection}/{new_id}"
        )
        return WireResponse(added, list_element(item), 201, {"Location": location})

    @router.put(
        path,
        tags=[tag],
        dependencies=extra,
        summary=f"Change the {item}'s translation in a language",
        openapi_extra=docs.operation(
            200,
            docs.array_of(item),
            "The changed translation",
            docs.component(f"{item}Write"),
            None,
            docs.WRITE_ERRORS,
        ),
    )
    async def update_translation(
        request: Request, record_id: RecordId, language: Language
    ) -> Response:
        body = await read_body(request)

        changed = await execute(
            request,
            lambda connection, caller: service(request, connection, caller).update_translation(
                record_id, language, body
            ),
            write=True,
        )
        return list_response(changed, None, item)
