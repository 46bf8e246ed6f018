"""A list page's bulk actions and saved filters over real HTTP: tag, delete (after a
confirmation) and export the chosen records through the API's rules (a read-only user exports
only; a record the user cannot see is never touched); filters saved per user, applied, replaced
by name and deleted; bad input answered with a message, never a 500."""

import csv
import io
import re

import httpx
from sqlalchemy import Engine

from rolodex.services.bulk_actions import MAX_SELECTION
from rolodex.services.context import READ_ONLY_MESSAGE
from tests.web.conftest import WebUser, csrf_of
from tests.web.test_admin import member, signed_in, submit


def contacts(api: httpx.Client, *names: str, **extra: object) -> list[int]:
    ids = []
    for name in names:
        response = api.post("/Contacts", json={"FIRST_NAME": name, **extra})
        assert response.status_code == 201, response.text
        ids.append(response.json()["CONTACT_ID"])
    return ids


def tags_of(api: httpx.Client, contact: int) -> list[str]:
    return [t["TAG_NAME"] for t in api.get(f"/Contacts/{contact}").json()["TAGS"]]


def chosen(client: httpx.Client, path: str, ids: list[int], **data: str) -> httpx.Response:
    """POST a list's form with records ticked, as the list page sends it."""
    token = csrf_of(client.get("/settings").text)
    fields: dict[str, str | list[str]] = {
        "csrf_token": token,
        "back": "/records/Contact?skip=0&top=20",
        "id": [str(i) for i in ids],
        **data,
    }
    return client.post(path, data=fields)


def test_the_list_offers_the_bulk_actions_with_a_box_per_row(
    web: httpx.Client, web_user: WebUser
) -> None:
    (ada,) = contacts(web_user.tenant.client, "Ada")
    page = web.get("/records/Contact").text
    assert f'name="id" value="{ada}"' in page and 'aria-label="Choose Ada"' in page
    assert 'id="select-all"' in page and 'aria-label="Choose all on this page"' in page
    for button in ("bulk-tag-button", "bulk-delete-button", "bulk-export-button"):
        assert f'id="{button}"' in page


def test_bulk_tag_adds_the_tag_to_each_chosen_record_and_says_so(
    web: httpx.Client, web_user: WebUser
) -> None:
    api = web_user.tenant.client
    ada, bob, cy = contacts(api, "Ada", "Bob", "Cy")
    api.post(f"/Contacts/{bob}/Tags", json={"TAG_NAME": "vip"})
    done = chosen(web, "/records/Contact/bulk", [ada, bob], action="tag", tag_name="VIP")
    assert done.status_code == 303
    assert done.headers["location"] == "/records/Contact?skip=0&top=20&done=tagged-2"
    assert tags_of(api, ada) == ["VIP"] and tags_of(api, bob) == ["vip"] and tags_of(api, cy) == []
    assert "Tagged 2 contacts." in web.get(done.headers["location"]).text

    blank = chosen(web, "/records/Contact/bulk", [cy], action="tag", tag_name=" ")
    assert blank.status_code == 400 and "Give the tag to add." in blank.text
    assert f'value="{cy}" id="choose-{cy}" aria-label="Choose Cy" checked' in blank.text
    none = chosen(web, "/records/Contact/bulk", [], action="tag", tag_name="VIP")
    assert none.status_code == 400 and "Choose at least one record first." in none.text
    garbled = chosen(web, "/records/Contact/bulk", [], action="tag", tag_name="x", id="1; drop")
    assert garbled.status_code == 400 and "is not a record ID." in garbled.text
    unknown = chosen(web, "/records/Contact/bulk", [cy], action="frobnicate")
    assert unknown.status_code == 400 and "Choose Tag or Delete" in unknown.text
    huge = chosen(web, "/records/Contact/bulk", [], action="tag", tag_name="x", id="9" * 30)
    assert huge.status_code == 400
    too_many = chosen(web, "/records/Contact/bulk", list(range(1, MAX_SELECTION + 2)), action="tag")
    assert too_many.status_code == 400 and f"at most {MAX_SELECTION}" in too_many.text


def test_bulk_delete_asks_first_then_deletes_every_chosen_record(
    web: httpx.Client, web_user: WebUser
) -> None:
    api = web_user.tenant.client
    ada, bob, cy = contacts(api, "Ada", "Bob", "Cy")
    asked = chosen(web, "/records/Contact/bulk", [ada, bob], action="delete")
    assert asked.status_code == 200
    assert "Delete 2 contacts?" in asked.text and "<li>Ada</li>" in asked.text
    assert api.get(f"/Contacts/{ada}").status_code == 200  # nothing deleted yet
    assert 'action="/records/Contact/bulk/delete"' in asked.text
    done = chosen(web, "/records/Contact/bulk/delete", [ada, bob])
    assert done.status_code == 303
    assert "Deleted 2 contacts." in web.get(done.headers["location"]).text
    assert api.get(f"/Contacts/{ada}").status_code == 404
    assert api.get(f"/Contacts/{bob}").status_code == 404
    assert api.get(f"/Contacts/{cy}").status_code == 200
    again = chosen(web, "/records/Contact/bulk/delete", [ada, cy])
    assert again.status_code == 404 and "nothing was changed" in again.text
    assert api.get(f"/Contacts/{cy}").status_code == 200  # all or nothing


def test_export_gives_the_chosen_records_as_the_cli_writes_them(
    web: httpx.Client, web_user: WebUser
) -> None:
    api = web_user.tenant.client
    ada, _, cy = contacts(api, "Ada", "Bob", "Cy")
    api.post(f"/Contacts/{cy}/Tags", json={"TAG_NAME": "lead"})
    response = chosen(web, "/records/Contact/export", [cy, ada])
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [(r["CONTACT_ID"], r["FIRST_NAME"], r["TAGS"]) for r in rows] == [
        (str(cy), "Cy", "lead"),
        (str(ada), "Ada", ""),
    ]


def test_a_read_only_user_may_export_but_not_tag_or_delete(
    base_url: str, web: httpx.Client, web_user: WebUser, engine: Engine
) -> None:
    api = web_user.tenant.client
    (ada,) = contacts(api, "Ada")
    user_id, email, _, password = member(web_user.tenant, engine)
    assert submit(web, f"/admin/users/{user_id}/role", {"role": "read-only"}).status_code == 303
    with signed_in(base_url, email, password) as reader:
        page = reader.get("/records/Contact").text
        assert 'id="bulk-export-button"' in page
        assert 'id="bulk-tag-button"' not in page and 'id="bulk-delete-button"' not in page
        for path, data in (
            ("/records/Contact/bulk", {"action": "tag", "tag_name": "x"}),
            ("/records/Contact/bulk", {"action": "delete"}),
            ("/records/Contact/bulk/delete", {}),
        ):
            refused = chosen(reader, path, [ada], **data)
            assert refused.status_code == 403, path
            assert READ_ONLY_MESSAGE.replace("'", "&#39;") in refused.text
        assert chosen(reader, "/records/Contact/export", [ada]).status_code == 200
        kept = chosen(reader, "/records/Contact/filters", [], name="Mine", q="ada")
        assert kept.status_code == 303  # a saved filter is the user's own: no record changes
    assert tags_of(api, ada) == []
    assert api.get(f"/Contacts/{ada}").status_code == 200


def test_a_record_the_user_cannot_see_is_neither_tagged_deleted_nor_exported(
    base_url: str, web_user: WebUser, engine: Engine
) -> None:
    api = web_user.tenant.client
    (seen,) = contacts(api, "Seen")
    (secret,) = contacts(api, "Secret", VISIBLE_TO="OWNER")
    _, email, _, password = member(web_user.tenant, engine)
    with signed_in(base_url, email, password) as other:
        for path, data in (
            ("/records/Contact/bulk", {"action": "tag", "tag_name": "x"}),
            ("/records/Contact/bulk", {"action": "delete"}),
            ("/records/Contact/bulk/delete", {}),
            ("/records/Contact/export", {}),
        ):
            refused = chosen(other, path, [seen, secret], **data)
            assert refused.status_code == 404, path
            assert "1 of the chosen contacts" in refused.text and "Secret" not in refused.text
    assert tags_of(api, seen) == [] and tags_of(api, secret) == []
    assert api.get(f"/Contacts/{secret}").status_code == 200


def saved_links(html: str) -> dict[str, str]:
    return {
        name: url.replace("&amp;", "&")
        for url, name in re.findall(r'<a href="([^"]+)" id="saved-\d+">([^<]+)</a>', html)
    }


def test_a_saved_filter_brings_the_search_and_order_back_for_its_user_only(
    base_url: str, web: httpx.Client, web_user: WebUser, engine: Engine
) -> None:
    api = web_user.tenant.client
    contacts(api, "Ada", "Bob")
    token = csrf_of(web.get("/settings").text)
    form = {"field": "FIRST_NAME", "q": "ada", "sort": "LAST_NAME", "order": "desc"}
    saved = web.post("/records/Contact/filters", data={**form, "name": "Adas", "csrf_token": token})
    assert saved.status_code == 303
    target = saved.headers["location"]
    assert (
        target == "/records/Contact?skip=0&top=20&q=ada&field=FIRST_NAME&sort=LAST_NAME&order=desc"
    )
    page = web.get(target).text
    assert saved_links(page) == {"Adas": target}
    assert 'aria-label="Choose Ada"' in page and 'aria-label="Choose Bob"' not in page

    # The same name, in another case: replaced, not a second filter.
    again = {"field": "FIRST_NAME", "q": "bob", "name": "ADAS", "csrf_token": token}
    assert web.post("/records/Contact/filters", data=again).status_code == 303
    links = saved_links(web.get("/records/Contact").text)
    assert list(links) == ["ADAS"] and "q=bob" in links["ADAS"]

    _, email, _, password = member(web_user.tenant, engine)
    with signed_in(base_url, email, password) as other:
        assert saved_links(other.get("/records/Contact").text) == {}
        filter_id = re.search(r'id="saved-(\d+)"', web.get("/records/Contact").text)
        assert filter_id
        path = f"/records/Contact/filters/{filter_id.group(1)}/delete"
        theirs = other.post(path, data={"csrf_token": csrf_of(other.get("/settings").text)})
        assert theirs.status_code == 404
    gone = web.post(path, data={"csrf_token": token, "back": "/records/Contact"})
    assert gone.status_code == 303 and gone.headers["location"] == "/records/Contact"
    assert saved_links(web.get("/records/Contact").text) == {}


def test_a_bad_saved_filter_is_refused_with_a_message(web: httpx.Client) -> None:
    token = csrf_of(web.get("/settings").text)
    for data, message in (
        ({"name": " "}, "give the filter a name"),
        ({"name": "x" * 101}, "is longer than 100 characters"),
        ({"name": "Odd", "sort": "BACKGROUND"}, "is not a field the list can be sorted by"),
    ):
        refused = web.post("/records/Contact/filters", data={**data, "csrf_token": token})
        assert refused.status_code == 400, data
        assert message in refused.text
    missing = web.post("/records/Contact/filters/999999999/delete", data={"csrf_token": token})
    assert missing.status_code == 404
    assert (
        web.post("/records/Nothing/filters", data={"name": "x", "csrf_token": token}).status_code
        == 404
    )
