"""Translations of knowledge articles (GET/POST/PUT /KnowledgeArticle/{id}/Translations/{lang}).

A translation is a knowledge article of its own in another LANGUAGE that shares the original's
ARTICLE_NO (Insightly's articles carry both ARTICLE_ID and ARTICLE_NO, and a Language: facts
source Airbyte's knowledge_articles.json). So a translation is searched, tagged, followed and
swept like any article, and its answers are arrays of articles, as the swagger's object[]
(sterner-stuff/insightly-php docs/Api/KnowledgeArticlesApi.md). Decisions: one translation per
language and number (a second is a 409); a new translation is filed where the original is
unless its body says otherwise; its LANGUAGE is the path's and does not change.
"""

from typing import Any

from sqlalchemy import Connection

from rolodex.domain.languages import checked_language
from rolodex.domain.registry import KNOWLEDGE_ARTICLES
from rolodex.errors import BadRequest, Conflict, NotFound
from rolodex.services.context import Caller
from rolodex.services.records import RecordService
from rolodex.wire.json import upper_keys

Wire = dict[str, Any]
_FILED_IN = ("CATEGORY_ID", "FOLDER_ID")


class Translations:
    """The translations of one instance's knowledge articles, for one caller."""

    def __init__(self, connection: Connection, caller: Caller) -> None:
        self.articles = RecordService(connection, caller, KNOWLEDGE_ARTICLES)

    def translation(self, article_id: int, language: str) -> list[Wire]:
        """The article's translation in `language` (an empty list when there is none)."""
        found = self._find(self.articles.get(article_id, brief=True), checked_language(language))
        return [self.articles.get(found)] if found is not None else []

    def add_translation(self, article_id: int, language: str, data: Any) -> list[Wire]:
        """A new translation of the article in `language`, from a KnowledgeArticle body."""
        original = self.articles.get(article_id, brief=True)
        language = checked_language(language)
        if self._find(original, language) is not None:
            raise Conflict(
                f"Article {original['ARTICLE_NO']} has a translation in {language} already: "
                "change it with PUT."
            )
        body = _body(data)
        for name in _FILED_IN:
            body.setdefault(name, original[name])
        body["LANGUAGE"] = language
        created, _ = self.articles.create(body)
        number = {"article_no": original["ARTICLE_NO"]}
        translated, _ = self.articles.set_system_fields(created["ARTICLE_ID"], number)
        return [translated]

    def update_translation(self, article_id: int, language: str, data: Any) -> list[Wire]:
        """The article's translation in `language`, changed as a PUT changes an article."""
        language = checked_language(language)
        found = self._find(self.articles.get(article_id, brief=True), language)
        if found is None:
            raise NotFound(f"Article {article_id} has no translation in {language}.")
        body = _body(data)
        body["LANGUAGE"] = language
        body.pop("ARTICLE_ID", None)
        updated, _ = self.articles.update(body, found)
        return [updated]

    def _find(self, original: Wire, language: str) -> int | None:
        """The id of the article numbered as `original` in `language` (any case)."""
        number = original["ARTICLE_NO"]
        for candidate in self.articles.repo.ids_where(KNOWLEDGE_ARTICLES, "article_no", number):
            if (self.articles.get(candidate, brief=True)["LANGUAGE"] or "").lower() == (
                language.lower()
            ):
                return candidate
        return None


def _body(data: Any) -> Wire:
    upper = upper_keys(data)
    if not isinstance(upper, dict):
        raise BadRequest("The request body must be a JSON object (a KnowledgeArticle).")
    return dict(upper)
