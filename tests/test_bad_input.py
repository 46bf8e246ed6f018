"""Bad input (contract §4, §5, §7): a 400 that says what is wrong, nothing written, never a 500."""

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from rolodex.config import Settings
from rolodex.domain.registry import CONTACTS, ORGANISATIONS, FieldSpec, Kind, RecordType

JSON = {"Content-Type": "application/json"}


def assert_400(response: httpx.Response, field: str | None = None) -> dict[str, Any]:
    """A 400 with a message; when `field` is given, an Errors item names it."""
    assert response.status_code == 400, response.text
    body = response.json()
    assert isinstance(body["Message"], str)
    assert body["Message"].strip()
    if field is not None:
        fields = [error["FIELD"] for error in body["Errors"]]
        assert any(f == field or f.startswith((f"{field}[", f"{field}.")) for f in fields), fields
        assert all(error["Message"].strip() for error in body["Errors"])
    return body  # type: ignore[no-any-return]


def total(api: httpx.Client, collection: str = "Contacts") -> int:
    response = api.get(f"/{collection}", params={"count_total": "true", "top": 1})
    assert response.status_code == 200, response.text
    return int(response.headers["X-Total-Count"])


@pytest.fixture
def contact(api: httpx.Client) -> dict[str, Any]:
    response = api.post("/Contacts", json={"FIRST_NAME": "Ada", "LAST_NAME": "Lovelace"})
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


@pytest.fixture
def unchanged(api: httpx.Client, contact: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """An existing contact, checked after the test to be exactly as it was, and alone."""
    yield contact
    assert api.get(f"/Contacts/{contact['CONTACT_ID']}").json() == contact
    assert total(api) == 1


# --- bodies that are not a JSON object ----------------------------------------------------------

NOT_AN_OBJECT = {
    "malformed-json": b'{"FIRST_NAME": "Ada",',
    "single-quotes": b"{'FIRST_NAME': 'Ada'}",
    "trailing-garbage": b'{"FIRST_NAME": "Ada"} x',
    "empty-body": b"",
    "whitespace-body": b"  \n ",
    "array": b'[{"FIRST_NAME": "Ada"}]',
    "string": b'"Ada"',
    "number": b"42",
    "null": b"null",
    "invalid-utf8": b'{"FIRST_NAME": "\xff\xfe"}',
}


@pytest.mark.parametrize("content", NOT_AN_OBJECT.values(), ids=NOT_AN_OBJECT.keys())
def test_create_with_a_body_that_is_not_an_object(api: httpx.Client, content: bytes) -> None:
    assert_400(api.post("/Contacts", content=content, headers=JSON))
    assert total(api) == 0


@pytest.mark.parametrize("content", NOT_AN_OBJECT.values(), ids=NOT_AN_OBJECT.keys())
def test_update_with_a_body_that_is_not_an_object(
    api: httpx.Client, unchanged: dict[str, Any], content: bytes
) -> None:
    path = f"/Contacts/{unchanged['CONTACT_ID']}"
    assert_400(api.put(path, content=content, headers=JSON))


# --- fields with the wrong type or value --------------------------------------------------------

WRONG_VALUES = [
    ("FIRST_NAME", {"first": "Ada"}),
    ("FIRST_NAME", ["Ada"]),
    ("EMAIL_OPTED_OUT", "maybe"),
    ("EMAIL_OPTED_OUT", {"value": True}),
    ("OWNER_USER_ID", "abc"),
    ("OWNER_USER_ID", 1.5),
    ("OWNER_USER_ID", [1]),
    ("ORGANISATION_ID", "first"),
    ("DATE_OF_BIRTH", "31/02/2020"),
    ("DATE_OF_BIRTH", "2020-13-01"),
    ("DATE_OF_BIRTH", "2020-02-30"),
    ("DATE_OF_BIRTH", "2020-01-01 25:00:00"),
    ("DATE_OF_BIRTH", "yesterday"),
    ("DATE_OF_BIRTH", 20200101),
    ("CUSTOMFIELDS", {"FIELD_NAME": "colour__c", "FIELD_VALUE": "red"}),
    ("CUSTOMFIELDS", [{"FIELD_NAME": "colour", "FIELD_VALUE": "red"}]),
    ("CUSTOMFIELDS", [{"FIELD_VALUE": "red"}]),
    ("TAGS", [{"NAME": "VIP"}]),
    ("TAGS", [{"TAG_NAME": ""}]),
    ("TAGS", "VIP"),
    ("DATES", [{"OCCASION_NAME": "Anniversary", "OCCASION_DATE": "2020-13-01"}]),
    ("LINKS", [{"LINK_OBJECT_NAME": "Contact"}]),
    ("LINKS", [{"LINK_OBJECT_NAME": "Spaceship", "LINK_OBJECT_ID": 1}]),
]
WRONG_VALUE_IDS = [f"{field}={json.dumps(value)}" for field, value in WRONG_VALUES]


@pytest.mark.parametrize(("field", "value"), WRONG_VALUES, ids=WRONG_VALUE_IDS)
def test_create_with_a_wrong_value_names_the_field(
    api: httpx.Client, field: str, value: Any
) -> None:
    body = {"FIRST_NAME": "Ada", field: value}
    assert_400(api.post("/Contacts", json=body), field)
    assert total(api) == 0


@pytest.mark.parametrize(("field", "value"), WRONG_VALUES, ids=WRONG_VALUE_IDS)
def test_update_with_a_wrong_value_names_the_field(
    api: httpx.Client, unchanged: dict[str, Any], field: str, value: Any
) -> None:
    # A valid change beside the bad one must not be written either.
    body = {"CONTACT_ID": unchanged["CONTACT_ID"], "LAST_NAME": "Byron", field: value}
    assert_400(api.put("/Contacts", json=body), field)


def test_every_wrong_field_is_listed(api: httpx.Client) -> None:
    body = {"FIRST_NAME": {"x": 1}, "EMAIL_OPTED_OUT": "maybe", "OWNER_USER_ID": "abc"}
    response = api.post("/Contacts", json=body)
    errors = assert_400(response)["Errors"]
    assert {e["FIELD"] for e in errors} == {"FIRST_NAME", "EMAIL_OPTED_OUT", "OWNER_USER_ID"}


@pytest.mark.parametrize(
    "body",
    [{"LAST_NAME": "X"}, {"FIRST_NAME": None}, {"FIRST_NAME": ""}, {"first_name": "   "}],
    ids=["missing", "null", "empty", "blank"],
)
def test_required_field_missing_or_blank(api: httpx.Client, body: dict[str, Any]) -> None:
    assert_400(api.post("/Contacts", json=body), "FIRST_NAME")
    assert total(api) == 0


def test_clearing_a_required_field_is_400(api: httpx.Client, unchanged: dict[str, Any]) -> None:
    body = {"CONTACT_ID": unchanged["CONTACT_ID"], "FIRST_NAME": None}
    assert_400(api.put("/Contacts", json=body), "FIRST_NAME")


# --- lengths ------------------------------------------------------------------------------------

# Longest accepted values are sent whole, so only limits that fit in a request body are tried.
LENGTH_CASES = [
    pytest.param(rt, spec, id=f"{rt.collection}.{spec.name}")
    for rt in (CONTACTS, ORGANISATIONS)
    for spec in rt.writable_fields
    if spec.kind is Kind.TEXT
    and spec.max_length is not None
    and spec.max_length <= 4000
    and not spec.choices  # a value of the list (VISIBLE_TO), not any text of that length
    and not spec.pattern  # a list of ids (VISIBLE_USER_IDS), not free text
]


def minimal(rt: RecordType) -> dict[str, Any]:
    return {spec.name: "Required" for spec in rt.fields if spec.required}


@pytest.mark.parametrize(("rt", "spec"), LENGTH_CASES)
def test_max_length_is_accepted_and_one_more_is_400(
    api: httpx.Client, rt: RecordType, spec: FieldSpec
) -> None:
    limit = spec.max_length
    assert limit is not None
    too_long = api.post(f"/{rt.collection}", json={**minimal(rt), spec.name: "x" * (limit + 1)})
    body = assert_400(too_long, spec.name)
    assert str(limit) in body["Message"]
    assert total(api, rt.collection) == 0

    longest = "é" * (limit - 1) + "z"  # counted in characters, not bytes
    created = api.post(f"/{rt.collection}", json={**minimal(rt), spec.name: longest})
    assert created.status_code == 201, created.text
    record_id = created.json()[rt.id_field]
    assert api.get(f"/{rt.collection}/{record_id}").json()[spec.name] == longest

    too_long_update = api.put(f"/{rt.collection}/{record_id}", json={spec.name: longest + "z"})
    assert_400(too_long_update, spec.name)
    assert api.get(f"/{rt.collection}/{record_id}").json()[spec.name] == longest


# --- query strings ------------------------------------------------------------------------------

BAD_QUERIES = [
    ("top", "-1"),
    ("top", "abc"),
    ("top", "1.5"),
    ("skip", "abc"),
    ("skip", "-5"),
    ("skip", "1e3"),
    ("updated_after_utc", "yesterday"),
    ("updated_after_utc", "2020-13-01"),
    ("updated_after_utc", "31/02/2020"),
]


@pytest.mark.parametrize("endpoint", ["/Contacts", "/Contacts/Search", "/Users/Search"])
@pytest.mark.parametrize(("name", "value"), BAD_QUERIES, ids=[f"{n}={v}" for n, v in BAD_QUERIES])
def test_bad_query_value_names_the_parameter(
    api: httpx.Client, endpoint: str, name: str, value: str
) -> None:
    body = assert_400(api.get(endpoint, params={name: value}), name)
    assert name in body["Message"]


def test_bad_paging_on_search_by_tag(api: httpx.Client) -> None:
    response = api.get("/Contacts/SearchByTag", params={"tagName": "VIP", "top": "-1"})
    assert "top" in assert_400(response, "top")["Message"]


def test_unknown_search_field_is_400_naming_it(api: httpx.Client) -> None:
    response = api.get("/Contacts/Search", params={"field_name": "SHOE_SIZE", "field_value": "42"})
    assert "SHOE_SIZE" in assert_400(response, "field_name")["Message"]


def test_search_field_name_without_value_is_400(api: httpx.Client) -> None:
    response = api.get("/Contacts/Search", params={"field_name": "FIRST_NAME"})
    assert_400(response, "field_value")


@pytest.mark.parametrize(
    ("field_name", "field_value"),
    [("CONTACT_ID", "abc"), ("EMAIL_OPTED_OUT", "maybe"), ("DATE_OF_BIRTH", "2020-13-01")],
)
def test_search_value_of_the_wrong_type_is_400(
    api: httpx.Client, field_name: str, field_value: str
) -> None:
    params = {"field_name": field_name, "field_value": field_value}
    assert_400(api.get("/Contacts/Search", params=params), "field_value")


def test_unknown_query_parameters_are_ignored(api: httpx.Client, contact: dict[str, Any]) -> None:
    extras = {"foo": "bar", "$filter": "x eq 1", "TOPP": "-1", "api_key": "nonsense"}
    listed = api.get("/Contacts", params=extras)
    assert listed.status_code == 200, listed.text
    assert [c["CONTACT_ID"] for c in listed.json()] == [contact["CONTACT_ID"]]
    found = api.get(
        "/Contacts/Search", params={**extras, "field_name": "LAST_NAME", "field_value": "lovelace"}
    )
    assert [c["CONTACT_ID"] for c in found.json()] == [contact["CONTACT_ID"]]
    one = api.get(f"/Contacts/{contact['CONTACT_ID']}", params=extras)
    assert one.json() == contact
    created = api.post("/Contacts", params=extras, json={"FIRST_NAME": "Charles"})
    assert created.status_code == 201, created.text


# --- body size and type -------------------------------------------------------------------------


def oversized_body(settings: Settings) -> bytes:
    filler = "x" * settings.max_body_bytes
    return json.dumps({"FIRST_NAME": "Ada", "BACKGROUND": filler}).encode()


def test_body_over_the_limit_is_413(api: httpx.Client, settings: Settings) -> None:
    response = api.post("/Contacts", content=oversized_body(settings), headers=JSON)
    assert response.status_code == 413, response.text
    assert response.json()["Message"]
    assert total(api) == 0


def test_chunked_body_over_the_limit_is_413(api: httpx.Client, settings: Settings) -> None:
    """Without a Content-Length the server must still stop reading at the limit."""
    content = oversized_body(settings)

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(content), 16 * 1024):
            yield content[start : start + 16 * 1024]

    response = api.post("/Contacts", content=chunks(), headers=JSON)
    assert response.status_code == 413, response.text
    assert response.json()["Message"]
    assert total(api) == 0


def test_body_of_exactly_the_limit_is_accepted(api: httpx.Client, settings: Settings) -> None:
    envelope = len(json.dumps({"FIRST_NAME": "Ada", "BODY": ""}).encode())
    content = json.dumps({"FIRST_NAME": "Ada", "BODY": "x" * (settings.max_body_bytes - envelope)})
    assert len(content.encode()) == settings.max_body_bytes
    response = api.post("/Contacts", content=content, headers=JSON)
    assert response.status_code == 201, response.text  # BODY is not a contact field: ignored


@pytest.mark.parametrize(
    "content_type",
    [
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=xyz",
        "text/csv",
        "application/octet-stream",
        "image/png",
    ],
)
def test_unsupported_content_type_is_415(
    api: httpx.Client, unchanged: dict[str, Any], content_type: str
) -> None:
    headers = {"Content-Type": content_type}
    created = api.post("/Contacts", content=b'{"FIRST_NAME": "Ada"}', headers=headers)
    assert created.status_code == 415, created.text
    assert created.json()["Message"]
    body = json.dumps({"CONTACT_ID": unchanged["CONTACT_ID"], "LAST_NAME": "Byron"})
    updated = api.put("/Contacts", content=body, headers=headers)
    assert updated.status_code == 415, updated.text


def test_form_encoded_body_is_415(api: httpx.Client) -> None:
    response = api.post("/Contacts", data={"FIRST_NAME": "Ada"})
    assert response.status_code == 415, response.text
    assert total(api) == 0


# --- hostile input: never a 500 -----------------------------------------------------------------

DEPTH = 5000


def with_date_of_birth(value: str) -> bytes:
    return json.dumps({"FIRST_NAME": "Ada", "DATE_OF_BIRTH": value}).encode()


HOSTILE_BODIES = {
    "nested-arrays": b'{"FIRST_NAME": "Ada", "X": ' + b"[" * DEPTH + b"]" * DEPTH + b"}",
    "nested-objects": b'{"FIRST_NAME": "Ada", "X": '
    + b'{"a":' * DEPTH
    + b"1"
    + b"}" * DEPTH
    + b"}",
    "nested-just-under-json-limit": b'{"FIRST_NAME": "Ada", "X": '
    + b"[" * 1000
    + b"]" * 1000
    + b"}",
    "nested-in-tags": b'{"FIRST_NAME": "Ada", "TAGS": ' + b"[" * 900 + b"]" * 900 + b"}",
    "nested-custom-field-value": b'{"FIRST_NAME": "Ada", "CUSTOMFIELDS": [{"FIELD_NAME": "x__c", '
    b'"FIELD_VALUE": ' + b"[" * 500 + b"]" * 500 + b"}]}",
    "huge-float-owner": b'{"FIRST_NAME": "Ada", "OWNER_USER_ID": 1e400}',
    "huge-int-owner": b'{"FIRST_NAME": "Ada", "OWNER_USER_ID": ' + str(2**70).encode() + b"}",
    "2**63-organisation": b'{"FIRST_NAME": "Ada", "ORGANISATION_ID": ' + str(2**63).encode() + b"}",
    "2**63-1-organisation": b'{"FIRST_NAME": "Ada", "ORGANISATION_ID": '
    + str(2**63 - 1).encode()
    + b"}",
    "negative-huge-owner": b'{"FIRST_NAME": "Ada", "OWNER_USER_ID": -' + str(2**70).encode() + b"}",
    "huge-contact-id": b'{"FIRST_NAME": "Ada", "CONTACT_ID": ' + str(2**70).encode() + b"}",
    "huge-link-id": b'{"FIRST_NAME": "Ada", "LINKS": [{"LINK_OBJECT_NAME": "Contact", '
    b'"LINK_OBJECT_ID": ' + str(2**63 - 1).encode() + b"}]}",
    "huge-custom-int": b'{"FIRST_NAME": "Ada", "CUSTOMFIELDS": [{"FIELD_NAME": "n__c", '
    b'"FIELD_VALUE": ' + str(2**64 - 1).encode() + b"}]}",
    "huge-custom-float": b'{"FIRST_NAME": "Ada", "CUSTOMFIELDS": [{"FIELD_NAME": "n__c", '
    b'"FIELD_VALUE": 1e308}]}',
    "nan-literal": b'{"FIRST_NAME": "Ada", "OWNER_USER_ID": NaN}',
    "nul-in-text": b'{"FIRST_NAME": "A\\u0000da"}',
    "nul-in-key": b'{"FIRST_NAME": "Ada", "LAST\\u0000NAME": "x"}',
    "nul-in-tag": b'{"FIRST_NAME": "Ada", "TAGS": [{"TAG_NAME": "v\\u0000ip"}]}',
    "nul-in-custom-field": b'{"FIRST_NAME": "Ada", "CUSTOMFIELDS": [{"FIELD_NAME": "x\\u0000__c", '
    b'"FIELD_VALUE": "a\\u0000b"}]}',
    "raw-control-characters": b'{"FIRST_NAME": "A\x01\x02da"}',
    "lone-surrogate": b'{"FIRST_NAME": "\\ud800"}',
    "emoji-and-rtl": '{"FIRST_NAME": "😀\u202e\u200dÅda", "LAST_NAME": "ß\U0010ffff"}'.encode(),
    "astral-at-max-length": json.dumps({"FIRST_NAME": "😀" * 255}).encode(),
    "date-far-future-offset": with_date_of_birth("9999-12-31T23:59:59-05:00"),
    "date-far-past-offset": with_date_of_birth("0001-01-01T00:00:00+05:00"),
    "date-year-zero": with_date_of_birth("0000-01-01"),
    "date-huge-year": with_date_of_birth("+275760-09-13"),
    "date-as-object": b'{"FIRST_NAME": "Ada", "DATE_OF_BIRTH": {"year": 2020}}',
    "duplicate-keys": b'{"FIRST_NAME": "Ada", "first_name": null, "FIRST_NAME": 7}',
    "empty-key": b'{"": "x", "FIRST_NAME": "Ada"}',
    "many-keys": json.dumps({f"K{i}": i for i in range(5000)} | {"FIRST_NAME": "Ada"}).encode(),
    "many-tags": json.dumps(
        {"FIRST_NAME": "Ada", "TAGS": [{"TAG_NAME": f"t{i}"} for i in range(2000)]}
    ).encode(),
    "same-tag-many-cases": json.dumps(
        {
            "FIRST_NAME": "Ada",
            "TAGS": [{"TAG_NAME": "vip"}, {"TAG_NAME": "VIP"}, {"TAG_NAME": "Vip"}],
        }
    ).encode(),
    "bom-prefix": b'\xef\xbb\xbf{"FIRST_NAME": "Ada"}',
}


@pytest.mark.parametrize("content", HOSTILE_BODIES.values(), ids=HOSTILE_BODIES.keys())
@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_hostile_bodies_never_cause_a_500(
    api: httpx.Client, contact: dict[str, Any], method: str, content: bytes
) -> None:
    path = "/Contacts" if method == "POST" else f"/Contacts/{contact['CONTACT_ID']}"
    response = api.request(method, path, content=content, headers=JSON)
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert response.json()["Message"]


HOSTILE_QUERIES = [
    "/Contacts?top=" + str(2**70),
    "/Contacts?skip=" + str(2**70),
    "/Contacts?skip=" + str(2**63),
    "/Contacts/" + str(2**70),
    "/Contacts/" + str(2**63),
    "/Contacts/-1",
    "/Contacts/" + str(2**70) + "/Tags",
    "/Contacts/Search?field_name=CONTACT_ID&field_value=" + str(2**70),
    "/Contacts/Search?field_name=OWNER_USER_ID&field_value=-" + str(2**70),
    "/Contacts/Search?field_name=FIRST_NAME&field_value=A%00da",
    "/Contacts/Search?field_name=x%00__c&field_value=a%00b",
    "/Contacts/Search?field_name=nice__c&field_value=" + "%F0%9F%98%80" * 50,
    "/Contacts/Search?field_name=FIRST%00NAME&field_value=x",
    "/Contacts/Search?field_name=DATE_OF_BIRTH&field_value=9999-12-31",
    "/Contacts/Search?field_name=DATE_OF_BIRTH&field_value=9999-12-31T23:59:59-05:00",
    "/Contacts/Search?field_name=DATE_OF_BIRTH&field_value=0001-01-01T00:00:00%2B05:00",
    "/Contacts/Search?updated_after_utc=9999-12-31T23:59:59-05:00",
    "/Contacts/Search?updated_after_utc=0001-01-01T00:00:00%2B05:00",
    "/Contacts/Search?updated_after_utc=%00",
    "/Contacts/SearchByTag?tagName=v%00ip",
    "/Contacts/SearchByTag?tagName=" + "%FF" * 10,
    "/Contacts?brief=%00",
    "/Contacts?top=%EF%BC%91",  # a full-width digit one
]


@pytest.mark.parametrize("path", HOSTILE_QUERIES)
def test_hostile_queries_never_cause_a_500(api: httpx.Client, path: str) -> None:
    response = api.get(path)
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert response.json()["Message"]


@pytest.mark.parametrize(
    ("path", "content"),
    [
        ("/Contacts/{id}/Tags", b'{"TAG_NAME": "v\\u0000ip"}'),
        ("/Contacts/{id}/Tags", b'{"TAG_NAME": 12345678901234567890123}'),
        ("/Contacts/{id}/Tags", b"[" * 2000 + b"]" * 2000),
        ("/Contacts/{id}/Links", b'{"LINK_OBJECT_NAME": "Contact", "LINK_OBJECT_ID": 1e400}'),
        ("/Contacts/{id}/Links", b'{"LINK_OBJECT_NAME": "\\u0000", "LINK_OBJECT_ID": 1}'),
        ("/Contacts/{id}/Notes", b'{"TITLE": "a\\u0000b"}'),
        ("/Contacts/{id}/Notes", b'{"TITLE": "x", "LINKS": "everything"}'),
    ],
)
def test_hostile_sub_resource_bodies_never_cause_a_500(
    api: httpx.Client, contact: dict[str, Any], path: str, content: bytes
) -> None:
    response = api.post(path.format(id=contact["CONTACT_ID"]), content=content, headers=JSON)
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert response.json()["Message"]
