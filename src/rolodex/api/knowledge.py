"""GET, POST and PUT /KnowledgeArticle/{id}/Translations/{language} (rolodex.services.knowledge)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response

from rolodex.api import openapi as docs
from rolodex.api.auth import authenticated_caller
from rolodex.api.common import execute, read_body
from rolodex.api.records import API_PREFIX, RecordId
from rolodex.api.responses import WireResponse, list_element, list_response
from rolodex.api.routing import CaseInsensitiveRoute
from rolodex.domain.registry import KNOWLEDGE_ARTICLES
from rolodex.services.knowledge import LANGUAGE_PATTERN, Translations

Language = Annotated[
    str,
    Path(pattern=LANGUAGE_PATTERN, max_length=20, description="A language tag: en, fr-CA"),
]
ARTICLE = KNOWLEDGE_ARTICLES.singular
PATH = "/{record_id:int}/Translations/{language}"

router = APIRouter(
    prefix=f"{API_PREFIX}/{KNOWLEDGE_ARTICLES.collection}",
    route_class=CaseInsensitiveRoute,
    tags=[KNOWLEDGE_ARTICLES.collection],
    dependencies=[Depends(authenticated_caller)],
)


def _answer(articles: list[dict[str, object]]) -> Response:
    return list_response(articles, None, ARTICLE)


@router.get(
    PATH,
    summary="The article's translation in a language (none: an empty list)",
    openapi_extra=docs.operation(200, docs.array_of(ARTICLE), "The translation"),
)
async def get_translation(request: Request, record_id: RecordId, language: Language) -> Response:
    return _answer(
        await execute(
            request,
            lambda connection, caller: Translations(connection, caller).get(record_id, language),
        )
    )


@router.post(
    PATH,
    status_code=201,
    summary="Add the article's translation in a language: an article sharing its ARTICLE_NO",
    openapi_extra=docs.also(
        docs.operation(
            201,
            docs.array_of(ARTICLE),
            "The new translation (its Location: the new article)",
            docs.component(f"{ARTICLE}Create"),
            None,
            docs.WRITE_ERRORS,
        ),
        "409",
    ),
)
async def add_translation(request: Request, record_id: RecordId, language: Language) -> Response:
    body = await read_body(request)

    added = await execute(
        request,
        lambda connection, caller: Translations(connection, caller).add(record_id, language, body),
        write=True,
    )
    location = f"{API_PREFIX}/{KNOWLEDGE_ARTICLES.collection}/{added[0]['ARTICLE_ID']}"
    return WireResponse(added, list_element(ARTICLE), 201, {"Location": location})


@router.put(
    PATH,
    summary="Change the article's translation in a language",
    openapi_extra=docs.operation(
        200,
        docs.array_of(ARTICLE),
        "The changed translation",
        docs.component(f"{ARTICLE}Write"),
        None,
        docs.WRITE_ERRORS,
    ),
)
async def update_translation(request: Request, record_id: RecordId, language: Language) -> Response:
    body = await read_body(request)

    return _answer(
        await execute(
            request,
            lambda connection, caller: Translations(connection, caller).update(
                record_id, language, body
            ),
            write=True,
        )
    )
