"""Knowledge (issue 15): categories hold folders, folders hold articles; an article's status
dates (rolodex.domain.rules.knowledge_article), number and translations
(rolodex.services.knowledge); no DELETE of categories or folders.

The generic record rules are the contract suite's (tests/test_contract.py runs over all three).
"""

from typing import Any

import httpx

Record = dict[str, Any]


def post(api: httpx.Client, collection: str, body: Record) -> Record:
    response = api.post(f"/{collection}", json=body)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def error_fields(response: httpx.Response) -> list[str]:
    return [e["FIELD"] for e in response.json().get("Errors", [])]


def test_a_folder_belongs_to_an_existing_category(api: httpx.Client) -> None:
    category = post(api, "KnowledgeArticleCategory", {"CATEGORY_NAME": "Printers"})
    folder = post(
        api,
        "KnowledgeArticleFolder",
        {"FOLDER_NAME": "Jams", "CATEGORY_ID": category["CATEGORY_ID"]},
    )
    assert folder["CATEGORY_ID"] == category["CATEGORY_ID"]

    for body in ({"FOLDER_NAME": "Orphan"}, {"FOLDER_NAME": "Lost", "CATEGORY_ID": 2_000_000_000}):
        response = api.post("/KnowledgeArticleFolder", json=body)
        assert response.status_code == 400, response.text
        assert "CATEGORY_ID" in error_fields(response)
    assert [f["FOLDER_ID"] for f in api.get("/KnowledgeArticleFolder").json()] == [
        folder["FOLDER_ID"]
    ]
    inside = api.get(
        "/KnowledgeArticleFolder/Search",
        params={"field_name": "CATEGORY_ID", "field_value": category["CATEGORY_ID"]},
    )
    assert [f["FOLDER_ID"] for f in inside.json()] == [folder["FOLDER_ID"]]


def test_categories_and_folders_are_changed_but_never_deleted(api: httpx.Client) -> None:
    category = post(api, "KnowledgeArticleCategory", {"CATEGORY_NAME": "Old name"})
    renamed = api.put(
        "/KnowledgeArticleCategory",
        json={"CATEGORY_ID": category["CATEGORY_ID"], "CATEGORY_NAME": "New name"},
    )
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["CATEGORY_NAME"] == "New name"

    gone = api.delete(f"/KnowledgeArticleCategory/{category['CATEGORY_ID']}")
    assert gone.status_code == 405
    assert "DELETE" not in gone.headers["Allow"] and "PUT" in gone.headers["Allow"]
    assert api.get(f"/KnowledgeArticleCategory/{category['CATEGORY_ID']}").status_code == 200
    assert api.get("/KnowledgeArticleCategory/Deleted").status_code == 404  # no feed: no DELETE
    permissions = api.get("/Permissions").json()["OBJECT_PERMISSIONS"]
    by_type = {p["OBJECT_TYPE"]: p for p in permissions}
    assert by_type["KnowledgeArticleFolder"]["CAN_EDIT"] is True
    assert by_type["KnowledgeArticleFolder"]["CAN_DELETE"] is False
    assert by_type["KnowledgeArticle"]["CAN_DELETE"] is True


def test_an_article_is_numbered_and_its_status_sets_the_dates(api: httpx.Client) -> None:
    article = post(api, "KnowledgeArticle", {"Title": "Clearing a jam", "Body": "<p>Pull.</p>"})
    assert article["ARTICLE_NO"] == article["ARTICLE_ID"]
    assert (article["TITLE"], article["BODY"], article["STATUS"]) == (
        "Clearing a jam",
        "<p>Pull.</p>",
        "Draft",
    )
    assert article["FIRST_PUBLISHED_DATE_UTC"] is None
    assert (article["UPVOTE_COUNT"], article["DOWNVOTE_COUNT"]) == (0, 0)
    article_id = article["ARTICLE_ID"]

    def put(**fields: Any) -> Record:
        response = api.put("/KnowledgeArticle", json={"ARTICLE_ID": article_id, **fields})
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    published = put(STATUS="published", UPVOTE_COUNT=99)  # votes are not the API's to write
    assert published["STATUS"] == "Published" and published["UPVOTE_COUNT"] == 0
    first = published["FIRST_PUBLISHED_DATE_UTC"]
    assert first is not None and published["LAST_PUBLISHED_DATE_UTC"] is not None
    assert published["ARCHIVED_DATE_UTC"] is None

    archived = put(STATUS="Archived")
    assert archived["ARCHIVED_DATE_UTC"] is not None
    assert archived["LAST_PUBLISHED_DATE_UTC"] is None  # not published any more
    assert archived["FIRST_PUBLISHED_DATE_UTC"] == first  # kept for good

    again = put(STATUS="Published")
    assert again["ARCHIVED_DATE_UTC"] is None and again["LAST_PUBLISHED_DATE_UTC"] is not None
    assert again["FIRST_PUBLISHED_DATE_UTC"] == first

    refused = api.put("/KnowledgeArticle", json={"ARTICLE_ID": article_id, "STATUS": "Gone"})
    assert refused.status_code == 400 and "STATUS" in error_fields(refused)
    assert api.get(f"/KnowledgeArticle/{article_id}").json() == again


def test_an_article_is_filed_in_an_existing_folder(api: httpx.Client) -> None:
    category = post(api, "KnowledgeArticleCategory", {"CATEGORY_NAME": "Printers"})
    folder = post(
        api,
        "KnowledgeArticleFolder",
        {"FOLDER_NAME": "Jams", "CATEGORY_ID": category["CATEGORY_ID"]},
    )
    article = post(
        api,
        "KnowledgeArticle",
        {"TITLE": "Jam", "FOLDER_ID": folder["FOLDER_ID"], "CATEGORY_ID": category["CATEGORY_ID"]},
    )
    filed = api.get(
        "/KnowledgeArticle/Search",
        params={"field_name": "FOLDER_ID", "field_value": folder["FOLDER_ID"]},
    )
    assert [a["ARTICLE_ID"] for a in filed.json()] == [article["ARTICLE_ID"]]
    missing = api.post("/KnowledgeArticle", json={"TITLE": "Jam", "FOLDER_ID": 2_000_000_000})
    assert missing.status_code == 400 and "FOLDER_ID" in error_fields(missing)


def test_a_translation_is_an_article_of_its_own_sharing_the_number(api: httpx.Client) -> None:
    category = post(api, "KnowledgeArticleCategory", {"CATEGORY_NAME": "Printers"})
    folder = post(
        api,
        "KnowledgeArticleFolder",
        {"FOLDER_NAME": "Jams", "CATEGORY_ID": category["CATEGORY_ID"]},
    )
    original = post(
        api,
        "KnowledgeArticle",
        {"TITLE": "Clearing a jam", "LANGUAGE": "en", "FOLDER_ID": folder["FOLDER_ID"]},
    )
    base = f"/KnowledgeArticle/{original['ARTICLE_ID']}/Translations"
    assert api.get(f"{base}/fr").json() == []

    response = api.post(f"{base}/fr", json={"Title": "Débloquer", "LANGUAGE": "de"})

    assert response.status_code == 201, response.text
    [french] = response.json()
    assert response.headers["Location"] == f"/v3.1/KnowledgeArticle/{french['ARTICLE_ID']}"
    assert french["ARTICLE_ID"] != original["ARTICLE_ID"]
    assert (french["ARTICLE_NO"], french["LANGUAGE"]) == (original["ARTICLE_NO"], "fr")
    assert (french["TITLE"], french["FOLDER_ID"]) == ("Débloquer", folder["FOLDER_ID"])
    assert api.get(f"{base}/FR").json() == [french]
    back = f"/KnowledgeArticle/{french['ARTICLE_ID']}/Translations/en"
    assert api.get(back).json() == [api.get(f"/KnowledgeArticle/{original['ARTICLE_ID']}").json()]
    numbered = api.get(
        "/KnowledgeArticle/Search",
        params={"field_name": "ARTICLE_NO", "field_value": original["ARTICLE_NO"]},
    )
    assert [a["ARTICLE_ID"] for a in numbered.json()] == [
        original["ARTICLE_ID"],
        french["ARTICLE_ID"],
    ]

    twice = api.post(f"{base}/fr", json={"TITLE": "Encore"})
    assert twice.status_code == 409, twice.text
    changed = api.put(f"{base}/fr", json={"TITLE": "Débloquer le papier", "LANGUAGE": "it"})
    assert changed.status_code == 200, changed.text
    [updated] = changed.json()
    assert (updated["ARTICLE_ID"], updated["TITLE"]) == (
        french["ARTICLE_ID"],
        "Débloquer le papier",
    )
    assert updated["LANGUAGE"] == "fr"
    assert api.put(f"{base}/es", json={"TITLE": "x"}).status_code == 404
    bad = api.get(f"{base}/not a language")
    assert bad.status_code == 400 and "language" in error_fields(bad)
    assert api.get("/KnowledgeArticle/2000000000/Translations/fr").status_code == 404
    assert len(api.get("/KnowledgeArticle").json()) == 2


def test_v30_has_no_knowledge(api: httpx.Client, api30: httpx.Client) -> None:
    post(api, "KnowledgeArticleCategory", {"CATEGORY_NAME": "Printers"})
    for collection in ("KnowledgeArticle", "KnowledgeArticleCategory", "KnowledgeArticleFolder"):
        assert api30.get(f"/{collection}").status_code == 404
