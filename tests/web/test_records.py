"""The record pages over real HTTP: list, search, paging, detail, forms, delete, notes and files,
checked against what the API then shows."""

import re
from collections.abc import Callable, Iterator
from html.parser import HTMLParser

import httpx
import pytest
from sqlalchemy import Engine

from rolodex.domain.registry import (
    RECORD_TYPES,
    Feature,
    Kind,
    RecordType,
    by_singular,
    custom_object_type,
)
from rolodex.services.sessions import set_password
from rolodex.storage.engine import unit_of_work
from tests import test_contract
from tests.conftest import SUITE_OBJECT, Tenant
from tests.web.conftest import csrf_of, sign_in

_VOID = {"input", "br", "img", "meta", "link", "hr", "col", "source", "wbr", "area"}


class _Elements(HTMLParser):
    """Each element with an id: its tag, attributes and text (a test's view of a page)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: dict[str, dict[str, object]] = {}
        self.open: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        element_id = values.get("id")
        if element_id:
            self.found[element_id] = {"tag": tag, "attrs": values, "text": ""}
        if tag not in _VOID:
            self.open.append((tag, element_id))

    def handle_endtag(self, tag: str) -> None:
        while self.open:
            open_tag, _ = self.open.pop()
            if open_tag == tag:
                break

    def handle_data(self, data: str) -> None:
        for _, element_id in self.open:
            if element_id:
                self.found[element_id]["text"] = str(self.found[element_id]["text"]) + data


def elements(html: str) -> dict[str, dict[str, object]]:
    parser = _Elements()
    parser.feed(html)
    return parser.found


def attrs(html: str, element_id: str) -> dict[str, str | None]:
    return elements(html)[element_id]["attrs"]  # type: ignore[return-value]


def text(html: str, element_id: str) -> str:
    return " ".join(str(elements(html)[element_id]["text"]).split())


def contact(api: httpx.Client, **fields: object) -> dict[str, object]:
    response = api.post("/Contacts", json={"FIRST_NAME": "Ada", **fields})
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def as_a_browser_sends(web: httpx.Client, path: str) -> dict[str, list[str]]:
    """The form at `path` as a browser submits it untouched: every control's shown value."""
    page = web.get(path).text
    data = {name: [value] for name, value in hidden_fields(web, path).items()}
    for element_id, element in elements(page).items():
        if not element_id.startswith("field-"):
            continue
        tag, values = element["tag"], element["attrs"]
        assert isinstance(values, dict)
        if tag == "fieldset":  # a box per record of a list of ids: the ticked ones are sent
            boxes = page.split(f'id="{element_id}"')[1].split("</fieldset>")[0]
            data[element_id.removeprefix("field-")] = re.findall(r'value="(\d+)" checked', boxes)
            continue
        name = str(values["name"])
        if tag == "textarea":  # browsers send CRLF line ends
            data[name] = [str(element["text"]).replace("\n", "\r\n")]
        elif tag == "select":
            options = page.split(f'id="{element_id}"')[1].split("</select>")[0].split("<option")[1:]
            chosen = [o for o in options if " selected" in o.split(">")[0]]
            if not chosen and "multiple" not in values and options:
                chosen = options[:1]  # a single select sends its first option when none is chosen
            data[name] = [o.split('value="')[1].split('"')[0] for o in chosen]
        elif values.get("type") == "checkbox":
            if "checked" in values:
                data[name] = ["true"]
        else:
            data[name] = [str(values.get("value") or "")]
    return data


def hidden_fields(web: httpx.Client, path: str) -> dict[str, str]:
    """The hidden fields of the record form at `path` (the CSRF token and, on an edit, the
    ETag the form was opened with)."""
    page = web.get(path)
    assert page.status_code == 200, page.text
    found = HiddenInputs()
    found.feed(page.text)
    return found.values


class HiddenInputs(HTMLParser):
    """The hidden inputs of a page, by name (the last form's win)."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "input" and values.get("type") == "hidden" and values.get("name"):
            self.values[str(values["name"])] = values.get("value") or ""


@pytest.fixture
def other_web(
    base_url: str, engine: Engine, make_tenant: Callable[[], Tenant]
) -> Iterator[httpx.Client]:
    """A web client signed in as the admin of another instance."""
    other = make_tenant()
    with unit_of_work(engine, write=True) as connection:
        set_password(connection, other.email, "other-instance-password")
    with httpx.Client(base_url=base_url, timeout=30) as client:
        assert sign_in(client, other.email, "other-instance-password").status_code == 303
        yield client


# --- list, search, paging --------------------------------------------------------------------


def test_the_list_shows_records_and_searches_a_name_field_in_any_case(
    web: httpx.Client, api: httpx.Client
) -> None:
    ada = contact(api, LAST_NAME="Lovelace", EMAIL_ADDRESS="ada@example.com")
    contact(api, FIRST_NAME="Grace", LAST_NAME="Hopper")
    page = web.get("/records/Contact")
    assert page.status_code == 200
    assert f'href="/records/Contact/{ada["CONTACT_ID"]}">Ada Lovelace</a>' in page.text
    assert "Grace Hopper" in page.text
    assert "ada@example.com" in page.text  # a key column
    assert '<label for="search-text">Search for</label>' in page.text
    found = web.get("/records/Contact", params={"field": "LAST_NAME", "q": "LOVELACE"})
    assert "Ada Lovelace" in found.text
    assert "Grace Hopper" not in found.text
    none = web.get("/records/Contact", params={"field": "FIRST_NAME", "q": "Nobody"})
    assert "No contacts match." in none.text


def test_the_list_searches_by_tag(web: httpx.Client, api: httpx.Client) -> None:
    contact(api, LAST_NAME="Tagged", TAGS=[{"TAG_NAME": "VIP"}])
    contact(api, LAST_NAME="Plain")
    found = web.get("/records/Contact", params={"field": "TAGS", "q": "vip"})
    assert "Ada Tagged" in found.text
    assert "Ada Plain" not in found.text


def test_a_search_field_that_is_not_offered_falls_back_to_the_first_name_field(
    web: httpx.Client, api: httpx.Client
) -> None:
    contact(api, FIRST_NAME="Searchable")
    page = web.get("/records/Contact", params={"field": "BACKGROUND", "q": "searchable"})
    assert page.status_code == 200
    assert "Searchable" in page.text.split("<tbody>")[1]


def _hrefs(html: str, rel: str) -> list[str]:
    return [
        part.rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
        for part in html.split(f'rel="{rel}"')[:-1]
    ]


def test_the_list_pages_with_previous_and_next(web: httpx.Client, api: httpx.Client) -> None:
    ids = [contact(api, LAST_NAME=f"Page{n}")["CONTACT_ID"] for n in range(5)]
    first = web.get("/records/Contact", params={"top": "2"})
    assert f"/records/Contact/{ids[0]}" in first.text
    assert f"/records/Contact/{ids[2]}" not in first.text
    assert 'rel="prev"' not in first.text
    second = web.get(_hrefs(first.text, "next")[0])
    assert f"/records/Contact/{ids[2]}" in second.text
    assert f"/records/Contact/{ids[0]}" not in second.text
    assert 'rel="prev"' in second.text
    last = web.get("/records/Contact", params={"top": "2", "skip": "4"})
    assert f"/records/Contact/{ids[4]}" in last.text
    assert 'rel="next"' not in last.text


def _pager(html: str) -> list[tuple[str, str | None]]:
    """(label, href or None) of each item of the list's pager, in order."""
    nav = html.split('<nav class="pager"')[1].split("</nav>")[0]
    items = []
    for item in nav.split("<li>")[1:]:
        label = item.split("</")[0].rsplit(">", 1)[1]
        href = item.split('href="')[1].split('"')[0] if 'href="' in item else None
        items.append((label, href.replace("&amp;", "&") if href else None))
    return items


def test_the_list_shows_the_total_and_page_numbers_around_the_current_page(
    web: httpx.Client, api: httpx.Client
) -> None:
    for n in range(7):
        contact(api, LAST_NAME=f"Numbered{n}", TAGS=[{"TAG_NAME": "numbered"}])
    query = {"top": "1", "field": "TAGS", "q": "numbered"}
    page = web.get("/records/Contact", params={**query, "skip": "3"})
    assert text(page.text, "list-total") == "4\u20134 of 7"
    pager = _pager(page.text)
    numbers = ["2", "3", "4", "5", "6"]  # two either side of the current page
    assert [label for label, _ in pager] == ["First", "Previous", *numbers, "Next", "Last"]
    hrefs = dict(pager)
    assert hrefs["4"] is None  # the current page
    assert '<span aria-current="page">4</span>' in page.text
    assert hrefs["First"] is not None and "skip=0&" in hrefs["First"]
    assert hrefs["Last"] is not None and "skip=6&" in hrefs["Last"]
    assert all("field=TAGS" in h and "q=numbered" in h for h in hrefs.values() if h)
    first = web.get("/records/Contact", params={**query, "skip": "0"})
    assert text(first.text, "list-total") == "1\u20131 of 7"
    assert [label for label, href in _pager(first.text) if href is None] == [
        "First",
        "Previous",
        "1",
    ]
    alone = web.get("/records/Contact", params={"field": "TAGS", "q": "numbered"})
    assert text(alone.text, "list-total") == "1\u20137 of 7"
    assert '<nav class="pager"' not in alone.text  # one page: no pager


def _names_in_order(html: str, names: list[str]) -> list[str]:
    body = html.split("<tbody>")[1]
    return sorted(names, key=body.index)


def test_a_column_heading_sorts_the_list_both_ways_keeping_the_search(
    web: httpx.Client, api: httpx.Client
) -> None:
    for first_name in ("bea", "Al", "Cy"):
        contact(api, FIRST_NAME=first_name, LAST_NAME="Sorted", TAGS=[{"TAG_NAME": "sorted"}])
    contact(api, FIRST_NAME="Aaron", LAST_NAME="Unsorted")  # not in the search
    names = ["Al Sorted", "bea Sorted", "Cy Sorted"]
    query = {"field": "TAGS", "q": "sorted"}
    listed = web.get("/records/Contact", params=query)
    name_link = attrs(listed.text, "sort-FIRST_NAME")["href"] or ""
    assert "sort=FIRST_NAME&amp;order=asc" in name_link or "sort=FIRST_NAME&order=asc" in name_link
    ascending = web.get(name_link.replace("&amp;", "&"))
    assert ascending.status_code == 200
    assert _names_in_order(ascending.text, names) == names  # in any letter case
    assert "Aaron" not in ascending.text
    heading = elements(ascending.text)["heading-FIRST_NAME"]["attrs"]
    assert heading["aria-sort"] == "ascending"  # type: ignore[index]
    back = (attrs(ascending.text, "sort-FIRST_NAME")["href"] or "").replace("&amp;", "&")
    assert "order=desc" in back and "q=sorted" in back
    descending = web.get(back)
    assert _names_in_order(descending.text, names) == names[::-1]
    assert 'aria-sort="descending"' in descending.text


def test_a_list_sorted_by_a_field_it_cannot_sort_by_says_so(web: httpx.Client) -> None:
    page = web.get("/records/Contact", params={"sort": "BACKGROUND"})
    assert page.status_code == 400
    assert "BACKGROUND: is not a field a list can be sorted by" in page.text


@pytest.mark.parametrize(
    ("path", "location"),
    [
        ("/records/contact", "/records/Contact"),
        ("/records/CONTACTS?top=5", "/records/Contact?top=5"),
        ("/records/suite_item__c", f"/records/{SUITE_OBJECT}"),
        ("/records/organisation/1", "/records/Organisation/1"),
    ],
)
def test_an_object_name_in_another_spelling_redirects_to_the_canonical_one(
    web: httpx.Client, path: str, location: str
) -> None:
    response = web.get(path)
    assert response.status_code == 303
    assert response.headers["location"] == location


@pytest.mark.parametrize("path", ["/records/Nothing", "/records/User", "/records/Other__c"])
def test_an_unknown_record_type_is_a_404_page(web: httpx.Client, path: str) -> None:
    response = web.get(path)
    assert response.status_code == 404
    assert "text/html" in response.headers["content-type"]
    assert "Not found" in response.text


# --- detail ----------------------------------------------------------------------------------


def test_the_detail_page_shows_fields_custom_fields_tags_links_and_references(
    web: httpx.Client, api: httpx.Client
) -> None:
    api.post(
        "/CustomFields/Contacts",
        json={"FIELD_NAME": "Colour__c", "FIELD_LABEL": "Favourite colour", "FIELD_TYPE": "TEXT"},
    ).raise_for_status()
    org = api.post("/Organisations", json={"ORGANISATION_NAME": "Analytical Engines"}).json()
    ada = contact(
        api,
        LAST_NAME="Lovelace",
        ORGANISATION_ID=org["ORGANISATION_ID"],
        TAGS=[{"TAG_NAME": "Countess"}],
        CUSTOMFIELDS=[{"FIELD_NAME": "Colour__c", "FIELD_VALUE": "Violet"}],
    )
    other = contact(api, FIRST_NAME="Charles", LAST_NAME="Babbage")
    api.post(
        f"/Contacts/{ada['CONTACT_ID']}/Links",
        json={
            "LINK_OBJECT_NAME": "Contact",
            "LINK_OBJECT_ID": other["CONTACT_ID"],
            "ROLE": "Friend",
        },
    ).raise_for_status()
    page = web.get(f"/records/Contact/{ada['CONTACT_ID']}")
    assert page.status_code == 200
    html = page.text
    assert "<h1>Ada Lovelace</h1>" in html
    assert "<dt>First name</dt><dd>Ada</dd>" in html
    assert "<dt>Favourite colour</dt><dd>Violet</dd>" in html
    assert "<li>Countess</li>" in html
    org_link = f'<a href="/records/Organisation/{org["ORGANISATION_ID"]}">Analytical Engines</a>'
    assert f"<dt>Organisation</dt><dd>{org_link}</dd>" in html
    assert f'<a href="/records/Contact/{other["CONTACT_ID"]}">Charles Babbage</a>' in html
    assert "Friend" in html
    updated = api.get(f"/Contacts/{ada['CONTACT_ID']}").json()["DATE_UPDATED_UTC"]
    assert f"<dt>Date updated (UTC)</dt><dd>{updated}</dd>" in html
    # And the other end shows the link back.
    back = web.get(f"/records/Contact/{other['CONTACT_ID']}").text
    assert f'<a href="/records/Contact/{ada["CONTACT_ID"]}">Ada Lovelace</a>' in back


def test_lookup_values_show_as_links_to_the_record(web: httpx.Client, api: httpx.Client) -> None:
    api.post(
        f"/CustomFields/{SUITE_OBJECT}",
        json={
            "FIELD_NAME": "Caller__c",
            "FIELD_LABEL": "Caller",
            "FIELD_TYPE": "LOOKUP",
            "JOIN_OBJECT": "Contact",
        },
    ).raise_for_status()
    ada = contact(api, LAST_NAME="Lovelace")
    item = api.post(
        f"/{SUITE_OBJECT}",
        json={
            "RECORD_NAME": "Call 1",
            "CUSTOMFIELDS": [{"FIELD_NAME": "Caller__c", "FIELD_VALUE": ada["CONTACT_ID"]}],
        },
    ).json()
    page = web.get(f"/records/{SUITE_OBJECT}/{item['RECORD_ID']}").text
    link = f'<a href="/records/Contact/{ada["CONTACT_ID"]}">Ada Lovelace</a>'
    assert f"<dt>Caller</dt><dd>{link}</dd>" in page
    looked_up = web.get(f"/records/Contact/{ada['CONTACT_ID']}").text
    assert f'<a href="/records/{SUITE_OBJECT}/{item["RECORD_ID"]}">Call 1</a>' in looked_up


def test_notes_are_listed_and_added_through_the_form(web: httpx.Client, api: httpx.Client) -> None:
    ada = contact(api, LAST_NAME="Lovelace")
    path = f"/records/Contact/{ada['CONTACT_ID']}"
    token = csrf_of(web.get(path).text)
    empty = web.post(f"{path}/notes", data={"csrf_token": token, "TITLE": " ", "BODY": "kept"})
    assert empty.status_code == 400
    assert text(empty.text, "error-note-TITLE") == "is required"
    assert attrs(empty.text, "note-TITLE")["aria-invalid"] == "true"
    assert ">kept</textarea>" in empty.text
    assert api.get(f"/Contacts/{ada['CONTACT_ID']}/Notes").json() == []
    added = web.post(
        f"{path}/notes", data={"csrf_token": token, "TITLE": "Met at the ball", "BODY": "Poetry"}
    )
    assert added.status_code == 303
    notes = api.get(f"/Contacts/{ada['CONTACT_ID']}/Notes").json()
    assert [(n["TITLE"], n["BODY"]) for n in notes] == [("Met at the ball", "Poetry")]
    page = web.get(path).text
    assert f'<a href="/records/Note/{notes[0]["NOTE_ID"]}">Met at the ball</a>' in page


def test_files_are_listed_and_downloaded_only_by_their_instance(
    web: httpx.Client, api: httpx.Client, other_web: httpx.Client, base_url: str
) -> None:
    ada = contact(api, LAST_NAME="Lovelace")
    upload = api.post(
        f"/Contacts/{ada['CONTACT_ID']}/FileAttachments",
        files={"file": ("notes on the engine.txt", b"Note G", "text/plain")},
    )
    assert upload.status_code == 201, upload.text
    file_id = upload.json()["FILE_ID"]
    page = web.get(f"/records/Contact/{ada['CONTACT_ID']}").text
    assert f'<a href="/files/{file_id}" download>notes on the engine.txt</a>' in page
    download = web.get(f"/files/{file_id}")
    assert download.status_code == 200
    assert download.content == b"Note G"
    assert download.headers["content-disposition"].startswith("attachment;")
    # Without a session: sign in first. Another instance's user: no such file.
    with httpx.Client(base_url=base_url) as visitor:
        assert visitor.get(f"/files/{file_id}").status_code == 303
    assert other_web.get(f"/files/{file_id}").status_code == 404


# --- create, edit, delete --------------------------------------------------------------------


def test_a_contact_is_created_through_the_form(web: httpx.Client, api: httpx.Client) -> None:
    form = web.get("/records/Contact/new")
    assert form.status_code == 200
    assert '<label for="field-FIRST_NAME">First name' in form.text
    assert "required" in attrs(form.text, "field-FIRST_NAME")
    assert attrs(form.text, "field-EMAIL_OPTED_OUT")["type"] == "checkbox"
    assert attrs(form.text, "field-DATE_OF_BIRTH")["type"] == "date"
    response = web.post(
        "/records/Contact/new",
        data={
            "csrf_token": csrf_of(form.text),
            "FIRST_NAME": "Ada",
            "LAST_NAME": "Lovelace",
            "EMAIL_ADDRESS": "ada@example.com",
            "DATE_OF_BIRTH": "1815-12-10",
            "EMAIL_OPTED_OUT": "true",
            "TAGS": "Countess, Mathematician",
        },
    )
    assert response.status_code == 303
    record_id = int(response.headers["location"].rsplit("/", 1)[1])
    assert response.headers["location"] == f"/records/Contact/{record_id}"
    saved = api.get(f"/Contacts/{record_id}").json()
    assert saved["FIRST_NAME"] == "Ada"
    assert saved["EMAIL_ADDRESS"] == "ada@example.com"
    assert saved["DATE_OF_BIRTH"] == "1815-12-10 00:00:00"
    assert saved["EMAIL_OPTED_OUT"] is True
    assert saved["BACKGROUND"] is None
    assert sorted(t["TAG_NAME"] for t in saved["TAGS"]) == ["Countess", "Mathematician"]


def test_a_form_error_is_shown_next_to_its_field_and_nothing_is_written(
    web: httpx.Client, api: httpx.Client
) -> None:
    api.post(
        "/CustomFields/Contacts",
        json={"FIELD_NAME": "Shoe_size__c", "FIELD_LABEL": "Shoe size", "FIELD_TYPE": "NUMERIC"},
    ).raise_for_status()
    token = csrf_of(web.get("/records/Contact/new").text)
    response = web.post(
        "/records/Contact/new",
        data={
            "csrf_token": token,
            "FIRST_NAME": "A" * 256,
            "LAST_NAME": "Kept",
            "Shoe_size__c": "large",
            "TAGS": "One, Two",
        },
    )
    assert response.status_code == 400
    html = response.text
    assert "255 characters" in text(html, "error-FIRST_NAME")
    assert attrs(html, "field-FIRST_NAME")["aria-invalid"] == "true"
    assert "error-FIRST_NAME" in str(attrs(html, "field-FIRST_NAME")["aria-describedby"])
    assert "error-LAST_NAME" not in elements(html)
    # The user's input is kept.
    assert attrs(html, "field-LAST_NAME")["value"] == "Kept"
    assert attrs(html, "field-Shoe_size__c")["value"] == "large"
    assert attrs(html, "field-TAGS")["value"] == "One, Two"
    # A custom field's error (CUSTOMFIELDS[n].FIELD_VALUE) goes next to its own input.
    response = web.post(
        "/records/Contact/new",
        data={
            "csrf_token": token,
            "FIRST_NAME": "Ada",
            "LAST_NAME": "Kept",
            "Shoe_size__c": "large",
        },
    )
    assert response.status_code == 400
    assert "not a number" in text(response.text, "error-Shoe_size__c")
    assert attrs(response.text, "field-Shoe_size__c")["aria-invalid"] == "true"
    assert "error-FIRST_NAME" not in elements(response.text)
    listed = api.get("/Contacts/Search", params={"field_name": "LAST_NAME", "field_value": "Kept"})
    assert listed.json() == []


def test_the_new_record_form_is_in_sections_with_human_labels_and_owner_preset(
    web: httpx.Client, tenant: Tenant
) -> None:
    page = web.get("/records/Contact/new").text
    legends = [part.split("</legend>")[0] for part in page.split("<legend>")[1:]]
    assert legends[0] == "Details"
    sections = {"Phone and e-mail", "Mailing address", "Other address", "Social profiles"}
    assert sections | {"Owner and visibility"} <= set(legends)
    assert len(legends) == len(set(legends))  # each section once
    for name, label in (
        ("ADDRESS_MAIL_STREET", "Street"),
        ("SOCIAL_LINKEDIN", "LinkedIn"),
        ("PHONE_MOBILE", "Mobile phone"),
        ("OWNER_USER_ID", "Owner"),
    ):
        assert f'<label for="field-{name}">{label}</label>' in page
    for scaffold in ("Social linkedin", "Address mail", "Owner user"):
        assert scaffold not in page
    owner = elements(page)["field-OWNER_USER_ID"]
    if owner["tag"] == "select":
        assert f'<option value="{tenant.user_id}" selected' in page
    else:
        assert attrs(page, "field-OWNER_USER_ID")["value"] == str(tenant.user_id)


def test_a_missing_required_field_is_named(web: httpx.Client) -> None:
    token = csrf_of(web.get("/records/Contact/new").text)
    response = web.post("/records/Contact/new", data={"csrf_token": token, "LAST_NAME": "Only"})
    assert response.status_code == 400
    assert text(response.text, "error-FIRST_NAME") == "is required"


def test_an_edit_changes_the_fields_and_keeps_what_the_form_does_not_show(
    web: httpx.Client, api: httpx.Client
) -> None:
    org = api.post("/Organisations", json={"ORGANISATION_NAME": "Engines"}).json()
    ada = contact(
        api,
        LAST_NAME="Byron",
        TITLE="Countess",
        TAGS=[{"TAG_NAME": "Old"}],
        DATES=[{"OCCASION_NAME": "Birthday", "OCCASION_DATE": "1815-12-10"}],
        LINKS=[{"LINK_OBJECT_NAME": "Organisation", "LINK_OBJECT_ID": org["ORGANISATION_ID"]}],
    )
    path = f"/records/Contact/{ada['CONTACT_ID']}/edit"
    form = web.get(path)
    assert attrs(form.text, "field-LAST_NAME")["value"] == "Byron"
    assert attrs(form.text, "field-TAGS")["value"] == "Old"
    fields = hidden_fields(web, path)
    assert fields["etag"] == api.get(f"/Contacts/{ada['CONTACT_ID']}").headers["etag"]
    response = web.post(
        path, data={**fields, "FIRST_NAME": "Ada", "LAST_NAME": "Lovelace", "TAGS": "New"}
    )
    assert response.status_code == 303, response.text
    saved = api.get(f"/Contacts/{ada['CONTACT_ID']}").json()
    assert saved["LAST_NAME"] == "Lovelace"
    assert saved["TITLE"] is None  # an emptied input clears its field
    assert [t["TAG_NAME"] for t in saved["TAGS"]] == ["New"]
    assert [d["OCCASION_NAME"] for d in saved["DATES"]] == ["Birthday"]
    assert [link["LINK_OBJECT_ID"] for link in saved["LINKS"]] == [org["ORGANISATION_ID"]]


def test_an_edit_of_a_record_changed_since_the_form_was_opened_is_refused(
    web: httpx.Client, api: httpx.Client
) -> None:
    ada = contact(api, LAST_NAME="Lovelace")
    path = f"/records/Contact/{ada['CONTACT_ID']}/edit"
    fields = hidden_fields(web, path)
    api.put("/Contacts", json={"CONTACT_ID": ada["CONTACT_ID"], "TITLE": "Countess"})
    response = web.post(path, data={**fields, "FIRST_NAME": "Ada", "LAST_NAME": "Mine"})
    assert response.status_code == 412
    assert "your changes were not saved" in response.text
    assert attrs(response.text, "field-LAST_NAME")["value"] == "Mine"  # nothing typed is lost
    saved = api.get(f"/Contacts/{ada['CONTACT_ID']}").json()
    assert (saved["LAST_NAME"], saved["TITLE"]) == ("Lovelace", "Countess")


def test_an_edit_error_is_shown_next_to_its_field_and_changes_nothing(
    web: httpx.Client, api: httpx.Client
) -> None:
    ada = contact(api, LAST_NAME="Lovelace")
    path = f"/records/Contact/{ada['CONTACT_ID']}/edit"
    before = api.get(f"/Contacts/{ada['CONTACT_ID']}").json()
    response = web.post(path, data={**hidden_fields(web, path), "FIRST_NAME": "", "TITLE": "x"})
    assert response.status_code == 400
    assert "is required" in text(response.text, "error-FIRST_NAME")
    assert api.get(f"/Contacts/{ada['CONTACT_ID']}").json() == before


def test_a_record_is_deleted_after_confirming(web: httpx.Client, api: httpx.Client) -> None:
    ada = contact(api, LAST_NAME="Lovelace")
    path = f"/records/Contact/{ada['CONTACT_ID']}/delete"
    confirm = web.get(path)
    assert confirm.status_code == 200
    assert "Ada Lovelace" in confirm.text
    response = web.post(path, data={"csrf_token": csrf_of(confirm.text)})
    assert response.status_code == 303
    assert response.headers["location"] == "/records/Contact"
    assert api.get(f"/Contacts/{ada['CONTACT_ID']}").status_code == 404
    assert web.get(f"/records/Contact/{ada['CONTACT_ID']}").status_code == 404


def test_every_form_needs_the_sessions_csrf_token(web: httpx.Client, api: httpx.Client) -> None:
    ada = contact(api, LAST_NAME="Lovelace")
    base = f"/records/Contact/{ada['CONTACT_ID']}"
    forged = {"csrf_token": "forged", "FIRST_NAME": "Eve", "TITLE": "Forged"}
    for path in ("/records/Contact/new", f"{base}/edit", f"{base}/delete", f"{base}/notes"):
        response = web.post(path, data=forged)
        assert response.status_code == 403, path
    missing = web.post(f"{base}/edit", data={"FIRST_NAME": "Eve"})
    assert missing.status_code == 403
    assert api.get(f"/Contacts/{ada['CONTACT_ID']}").json()["FIRST_NAME"] == "Ada"
    assert api.get(f"/Contacts/{ada['CONTACT_ID']}/Notes").json() == []
    assert (
        api.get(
            "/Contacts/Search", params={"field_name": "FIRST_NAME", "field_value": "Eve"}
        ).json()
        == []
    )


def test_another_instances_record_is_not_found(
    web: httpx.Client, other_web: httpx.Client, api: httpx.Client
) -> None:
    ada = contact(api, LAST_NAME="Lovelace")
    base = f"/records/Contact/{ada['CONTACT_ID']}"
    for path in (base, f"{base}/edit", f"{base}/delete"):
        assert other_web.get(path).status_code == 404, path
    token = csrf_of(other_web.get("/records/Contact/new").text)
    for path in (f"{base}/edit", f"{base}/delete", f"{base}/notes"):
        response = other_web.post(
            path, data={"csrf_token": token, "FIRST_NAME": "Eve", "TITLE": "x"}
        )
        assert response.status_code == 404, path
    assert api.get(f"/Contacts/{ada['CONTACT_ID']}").json()["FIRST_NAME"] == "Ada"
    assert web.get(base).status_code == 200


# --- other types -----------------------------------------------------------------------------


def test_a_custom_object_record_is_created_and_edited_through_the_forms(
    web: httpx.Client, api: httpx.Client
) -> None:
    api.post(
        f"/CustomFields/{SUITE_OBJECT}",
        json={
            "FIELD_NAME": "Size__c",
            "FIELD_LABEL": "Size",
            "FIELD_TYPE": "DROPDOWN",
            "CUSTOM_FIELD_OPTIONS": [{"OPTION_VALUE": "Small"}, {"OPTION_VALUE": "Large"}],
        },
    ).raise_for_status()
    listing = web.get(f"/records/{SUITE_OBJECT}")
    assert "<h1>Suite items</h1>" in listing.text
    assert "New Suite item" in listing.text
    form = web.get(f"/records/{SUITE_OBJECT}/new")
    assert '<label for="field-RECORD_NAME">Name' in form.text
    assert elements(form.text)["field-Size__c"]["tag"] == "select"
    created = web.post(
        f"/records/{SUITE_OBJECT}/new",
        data={"csrf_token": csrf_of(form.text), "RECORD_NAME": "First", "Size__c": "Large"},
    )
    assert created.status_code == 303
    record_id = int(created.headers["location"].rsplit("/", 1)[1])
    saved = api.get(f"/{SUITE_OBJECT}/{record_id}").json()
    assert saved["RECORD_NAME"] == "First"
    assert saved["CUSTOMFIELDS"] == [{"FIELD_NAME": "Size__c", "FIELD_VALUE": "Large"}]
    path = f"/records/{SUITE_OBJECT}/{record_id}/edit"
    bad = web.post(
        path, data={**hidden_fields(web, path), "RECORD_NAME": "First", "Size__c": "Huge"}
    )
    assert bad.status_code == 400
    assert "not an option" in text(bad.text, "error-Size__c")
    edited = web.post(path, data={**hidden_fields(web, path), "RECORD_NAME": "Renamed"})
    assert edited.status_code == 303
    saved = api.get(f"/{SUITE_OBJECT}/{record_id}").json()
    assert saved["RECORD_NAME"] == "Renamed"
    assert saved["CUSTOMFIELDS"] == []  # the emptied select cleared it
    assert "<h1>Renamed</h1>" in web.get(f"/records/{SUITE_OBJECT}/{record_id}").text


def test_a_lead_chooses_its_status_from_the_instances_statuses(
    web: httpx.Client, api: httpx.Client
) -> None:
    statuses = api.get("/LeadStatuses").json()
    form = web.get("/records/Lead/new")
    assert elements(form.text)["field-LEAD_STATUS_ID"]["tag"] == "select"
    for status in statuses:
        assert f'<option value="{status["LEAD_STATUS_ID"]}"' in form.text
        assert status["LEAD_STATUS"] in form.text
    chosen = statuses[-1]
    created = web.post(
        "/records/Lead/new",
        data={
            "csrf_token": csrf_of(form.text),
            "LAST_NAME": "Prospect",
            "LEAD_STATUS_ID": str(chosen["LEAD_STATUS_ID"]),
        },
    )
    assert created.status_code == 303
    lead_id = int(created.headers["location"].rsplit("/", 1)[1])
    assert api.get(f"/Leads/{lead_id}").json()["LEAD_STATUS_ID"] == chosen["LEAD_STATUS_ID"]
    detail = web.get(f"/records/Lead/{lead_id}").text
    assert f"<dt>Lead status</dt><dd>{chosen['LEAD_STATUS']}</dd>" in detail


def test_types_the_api_does_not_let_users_write_have_no_forms(
    web: httpx.Client, api: httpx.Client
) -> None:
    emails = web.get("/records/Email")
    assert emails.status_code == 200
    assert "/records/Email/new" not in emails.text
    assert web.get("/records/Email/new").status_code == 404
    project = api.post("/Projects", json={"PROJECT_NAME": "Engine", "STATUS": "In Progress"}).json()
    milestone = api.post(
        f"/Projects/{project['PROJECT_ID']}/Milestones",
        json={"TITLE": "Design", "DUE_DATE": "2026-01-01"},
    )
    assert milestone.status_code == 201, milestone.text
    milestone_id = milestone.json()["MILESTONE_ID"]
    project_page = web.get(f"/records/Project/{project['PROJECT_ID']}").text
    assert f'<a href="/records/Milestone/{milestone_id}">Design</a>' in project_page
    page = web.get(f"/records/Milestone/{milestone_id}").text
    assert "<h1>Design</h1>" in page
    assert "/edit" not in page
    assert "/delete" not in page
    assert web.get(f"/records/Milestone/{milestone_id}/edit").status_code == 404
    assert "/records/Milestone/new" not in web.get("/records/Milestone").text
    # Notes are written under their record: no new-note form of their own.
    assert web.get("/records/Note/new").status_code == 404


def test_every_record_type_has_a_list_and_a_new_form_when_it_can_be_created(
    web: httpx.Client,
) -> None:
    home = web.get("/").text
    for href in [part.split('"')[0] for part in home.split('href="/records/')[1:]]:
        listing = web.get(f"/records/{href}")
        assert listing.status_code == 200, href
        if f"/records/{href}/new" in listing.text:
            form = web.get(f"/records/{href}/new")
            assert form.status_code == 200, href
            # Every control has a visible label.
            labelled = set(form.text.split('<label for="')[1:])
            ids = {part.split('"')[0] for part in labelled}
            controls = [
                e
                for element_id, e in elements(form.text).items()
                if e["tag"] in ("input", "select", "textarea") and element_id.startswith("field-")
            ]
            assert controls, href
            assert {str(c["attrs"]["id"]) for c in controls} <= ids, href


def test_saving_an_edit_form_unchanged_changes_nothing(
    web: httpx.Client, api: httpx.Client
) -> None:
    for definition in (
        {"FIELD_NAME": "Met__c", "FIELD_LABEL": "Met", "FIELD_TYPE": "DATE"},
        {"FIELD_NAME": "Call_at__c", "FIELD_LABEL": "Call at", "FIELD_TYPE": "DATETIME"},
        {"FIELD_NAME": "Active__c", "FIELD_LABEL": "Active", "FIELD_TYPE": "BIT"},
        {"FIELD_NAME": "Score__c", "FIELD_LABEL": "Score", "FIELD_TYPE": "NUMERIC"},
        {
            "FIELD_NAME": "Langs__c",
            "FIELD_LABEL": "Languages",
            "FIELD_TYPE": "MULTISELECT",
            "CUSTOM_FIELD_OPTIONS": [{"OPTION_VALUE": v} for v in ("English", "French", "Latin")],
        },
    ):
        api.post("/CustomFields/Contacts", json=definition).raise_for_status()
    ada = contact(
        api,
        LAST_NAME="Lovelace",
        BACKGROUND="Line one\nLine two",
        DATE_OF_BIRTH="1815-12-10 07:30:00",  # a time on a date field: kept by the form
        EMAIL_OPTED_OUT=True,
        TAGS=[{"TAG_NAME": "A"}, {"TAG_NAME": "B"}],
        CUSTOMFIELDS=[
            {"FIELD_NAME": "Met__c", "FIELD_VALUE": "1833-06-05"},
            {"FIELD_NAME": "Call_at__c", "FIELD_VALUE": "2026-01-02 03:04:05"},
            {"FIELD_NAME": "Active__c", "FIELD_VALUE": True},
            {"FIELD_NAME": "Score__c", "FIELD_VALUE": 12.5},
            {"FIELD_NAME": "Langs__c", "FIELD_VALUE": "English;Latin"},
        ],
    )
    before = api.get(f"/Contacts/{ada['CONTACT_ID']}").json()
    path = f"/records/Contact/{ada['CONTACT_ID']}/edit"
    page = web.get(path).text
    assert attrs(page, "field-DATE_OF_BIRTH")["type"] == "datetime-local"
    data = as_a_browser_sends(web, path)
    response = web.post(path, data=data)
    assert response.status_code == 303, response.text
    assert api.get(f"/Contacts/{ada['CONTACT_ID']}").json() == before


def _required_values(rt: RecordType, api: httpx.Client) -> dict[str, str]:
    """A value for each required field of `rt`, from its declaration alone (a record it must
    refer to made through the API)."""
    values = {}
    for spec in rt.writable_fields:
        if not spec.required:
            continue
        if spec.references is not None:
            target = by_singular(spec.references)
            values[spec.name] = str(test_contract.create(api, target)[target.id_field])
        elif spec.choices:
            values[spec.name] = spec.choices[0]
        elif spec.example is not None:  # a value of a pattern (a price book's currency code)
            values[spec.name] = spec.example
        elif spec.kind is Kind.DATETIME:
            values[spec.name] = "2026-01-01"
        else:
            values[spec.name] = f"Made on the web {spec.name}"
    return values


_CREATABLE = [rt for rt in RECORD_TYPES if rt.has(Feature.CREATE) and rt.singular != "User"]


@pytest.mark.parametrize(
    "rt",
    [*_CREATABLE, custom_object_type(SUITE_OBJECT)],
    ids=[*(rt.singular for rt in _CREATABLE), SUITE_OBJECT],
)
def test_every_creatable_type_is_created_shown_and_saved_unchanged_through_its_pages(
    web: httpx.Client, api: httpx.Client, rt: RecordType
) -> None:
    new = f"/records/{rt.singular}/new"
    created = web.post(new, data={**hidden_fields(web, new), **_required_values(rt, api)})
    assert created.status_code == 303, created.text
    path = created.headers["location"]
    record_id = int(path.rsplit("/", 1)[1])
    before = api.get(f"/{rt.collection}/{record_id}")
    assert before.status_code == 200
    detail = web.get(path)
    assert detail.status_code == 200
    if rt.updatable:
        saved = web.post(f"{path}/edit", data=as_a_browser_sends(web, f"{path}/edit"))
        assert saved.status_code == 303, saved.text
        assert api.get(f"/{rt.collection}/{record_id}").json() == before.json()


def test_record_values_are_escaped_on_every_page(web: httpx.Client, api: httpx.Client) -> None:
    evil = contact(api, FIRST_NAME="<script>alert(1)</script>", BACKGROUND="<b>bold</b>")
    base = f"/records/Contact/{evil['CONTACT_ID']}"
    for path in ("/records/Contact", base, f"{base}/edit", f"{base}/delete"):
        page = web.get(path).text
        assert "<script>alert(1)</script>" not in page, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page, path
