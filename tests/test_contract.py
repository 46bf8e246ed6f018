"""The contract suite: every record type that can be created, checked the same way.

Written from /work/shared/API-CONTRACT.md (§1 addressing, §3 representation, §4 reading, §5 writing,
§7 errors). Bodies are built from the registry, so a new record type is picked up by declaring it.

§10: the tests whose rules every version shares run through /v3.1, /v3.0 and /v2.2 alike
(`each_version`); what differs (v3.0's standard records without LINKS, v2.2's object graph and
Lead field names, no PUT /{Coll}/{id} before v3.1) is stated once, in `Version`, from the
contract and the reference, not from Rolodex's own mapping. Searches stay v3.1's: v2.2 searches
by named filters (tests/test_v22.py).
"""

import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from rolodex.api.records import plural_of
from rolodex.domain.registry import (
    RECORD_TYPES,
    Feature,
    FieldSpec,
    Kind,
    RecordType,
    by_singular,
    custom_object_type,
)
from rolodex.wire.records import sub_collections
from tests.conftest import SUITE_OBJECT

# --- helpers ---------------------------------------------------------------------------------

Record = dict[str, Any]

# The standard types, and a custom object every test instance has (tests/conftest.py).
CREATABLE = [
    rt for rt in (*RECORD_TYPES, custom_object_type(SUITE_OBJECT)) if rt.has(Feature.CREATE)
]
BODY_DATE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
_unique = itertools.count(1)


def each_type(feature: Feature | None = None) -> pytest.MarkDecorator:
    """Parametrise a test over the creatable record types (that have `feature`)."""
    types = [rt for rt in CREATABLE if feature is None or rt.has(feature)]
    return pytest.mark.parametrize("rt", types, ids=[rt.collection for rt in types])


def sub_keys(rt: RecordType) -> list[str]:
    """The sub-collection arrays a full record of `rt` carries."""
    return [key for _, key in sub_collections(rt)]


def text_fields(rt: RecordType, required: bool | None = None) -> list[FieldSpec]:
    """Writable free-text fields (optionally only the required / optional ones): not those with
    a fixed set of values or a pattern (VISIBLE_USER_IDS is a list of user ids)."""
    return [
        f
        for f in rt.writable_fields
        if f.kind is Kind.TEXT
        and not f.choices
        and not f.pattern
        and (required is None or f.required == required)
    ]


def editable_text(rt: RecordType) -> FieldSpec:
    """A text field to write: an optional one when the type has one (custom objects have only
    their required RECORD_NAME)."""
    return (text_fields(rt, required=False) or text_fields(rt))[0]


def search_field(rt: RecordType) -> FieldSpec:
    """A text field to search on: a required one when the type has one."""
    return (text_fields(rt, required=True) or text_fields(rt))[0]


def reference_id(api: httpx.Client, singular: str) -> int:
    """The id of an existing record of type `singular` (the caller, for a user)."""
    if singular == "User":
        return int(api.get("/Users/Me").json()["USER_ID"])
    target = by_singular(singular)
    made = create_owned(api, target) if target.owner_fields else create(api, target)
    return int(made[target.id_field])


def sample_value(api: httpx.Client, spec: FieldSpec, label: str) -> Any:
    """A valid value for `spec`; text values contain `label` and respect the maximum length."""
    if spec.references is not None:
        return reference_id(api, spec.references)
    if spec.choices:
        return spec.choices[-1]
    if spec.name == "VISIBLE_USER_IDS":  # users of the instance: the caller, say
        return str(api.get("/Users/Me").json()["USER_ID"])
    if spec.example is not None:
        return spec.example
    if spec.kind is Kind.TEXT:
        return f"{label}-{spec.name.lower()}"[: spec.max_length or 255]
    if spec.kind is Kind.INT:
        return min(max(7, spec.minimum or 0), spec.maximum if spec.maximum is not None else 7)
    if spec.name == "END_DATE_UTC":  # after any START_DATE_UTC the tests use
        return "2024-05-02 13:30:00"
    return {
        Kind.BOOL: True,
        Kind.DATETIME: "2024-05-01 13:30:00",
        Kind.DECIMAL: 12.5,
    }[spec.kind]


def minimal_body(
    api: httpx.Client, rt: RecordType, label: str | None = None, skip: set[str] | None = None
) -> Record:
    """A body with only the required fields of `rt` (less those in `skip`), text values unique
    to this call."""
    label = label or f"r{next(_unique)}"
    return {
        f.name: sample_value(api, f, label)
        for f in rt.writable_fields
        if f.required and f.name not in (skip or set())
    }


def create(api: httpx.Client, rt: RecordType, **extra: Any) -> Record:
    """POST a minimal valid record plus `extra` fields; returns the created record."""
    response = api.post(f"/{rt.collection}", json={**minimal_body(api, rt), **extra})
    assert response.status_code == 201, response.text
    return response.json()


def create_owned(api: httpx.Client, rt: RecordType) -> Record:
    """A record of a type kept under an owner (RecordType.owner_fields), POSTed under its first
    owner; a priced line item takes an entry of a new book, which its owner is given first."""
    owner_field = rt.owner_fields[0]
    owner = by_singular(str(rt.field_named(owner_field).references))  # type: ignore[union-attr]
    body = {}
    if rt.priced_by is not None:
        entry = reference_id(api, "PricebookEntry")
        book = api.get(f"/PricebookEntry/{entry}").json()["PRICEBOOK_ID"]
        if "PRICEBOOK_ID" in {f.name for f in owner.writable_fields}:  # a quotation names it
            owner_id = record_id(owner, create(api, owner, PRICEBOOK_ID=book))
        else:  # an opportunity is given one
            owner_id = record_id(owner, create(api, owner))
            put = api.put(f"/{owner.collection}/{owner_id}/Pricebook", json={"PRICEBOOK_ID": book})
            assert put.status_code == 200, put.text
        body = {owner_field: owner_id, rt.priced_by: entry}
    body = {**minimal_body(api, rt, skip=set(body)), **body}
    response = api.post(f"/{owner.collection}/{body[owner_field]}/{rt.collection}", json=body)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def record_id(rt: RecordType, record: Record) -> int:
    return int(record[rt.id_field])


def count(api: httpx.Client, rt: RecordType) -> int:
    """How many records of `rt` the caller's instance holds (via count_total)."""
    response = api.get(f"/{rt.collection}", params={"count_total": "true", "top": 1})
    assert response.status_code == 200, response.text
    return int(response.headers["X-Total-Count"])


def ids(records: list[Record], rt: RecordType) -> list[int]:
    return [record_id(rt, r) for r in records]


def error_fields(response: httpx.Response) -> list[str]:
    """The FIELD of each entry in a 400's Errors array."""
    return [e["FIELD"] for e in response.json().get("Errors", [])]


# --- API versions (contract §10): the generic tests run over each, differences stated here ---

# v2.2's names of Lead fields (facts §2.5, S22 APILead), by their v3.1 names.
V22_LEAD_NAMES = {
    "ORGANISATION_NAME": "ORGANIZATION_NAME",
    "EMAIL": "EMAIL_ADDRESS",
    "PHONE": "PHONE_NUMBER",
    "MOBILE": "MOBILE_PHONE_NUMBER",
    "FAX": "FAX_NUMBER",
    "WEBSITE": "WEBSITE_URL",
    "CONVERTED_ORGANISATION_ID": "CONVERTED_ORGANIZATION_ID",
}
# The v2 object graph (facts §1.5, §2.14): Contacts' and Organisations' addresses and contact
# points are sub-elements (ADDRESSES, CONTACTINFOS), not fields; the arrays each type adds; the
# name each type's LINKS go by (None: v2.2 Leads have none, S22 APILead).
V22_SUB_ELEMENT_FIELDS = ("ADDRESS_", "PHONE", "SOCIAL_", "EMAIL_ADDRESS", "WEBSITE")
V22_ARRAYS = {
    "Contacts": ("ADDRESSES", "CONTACTINFOS", "CONTACTLINKS"),
    "Organisations": ("ADDRESSES", "CONTACTINFOS", "ORGANISATIONLINKS"),
}
V22_LINKS = {"Tasks": "TASKLINKS", "Events": "EVENTLINKS", "Leads": None}
# Top-level fields only v2.2 has: an opportunity's OPPORTUNITY_STATE_REASON_ID (facts §2.14, S22).
V22_EXTRA_FIELDS = {"Opportunities": {"OPPORTUNITY_STATE_REASON_ID"}}
# The types v2.2 creates (reference/insightly-v2.2-operations.tsv: POST /{Coll}); it has no
# custom objects.
V22_TYPES = {"Contacts", "Organisations", "Leads", "Opportunities", "Projects", "Tasks", "Events"}
# The types v3.1 added (reference/insightly-v3.0-operations.tsv names none of them): v3.0 serves
# no route of theirs.
V31_ONLY_TYPES = {
    "Prospect",
    "Ticket",
    "KnowledgeArticle",
    "KnowledgeArticleCategory",
    "KnowledgeArticleFolder",
    "Product",
    "Pricebook",
    "PricebookEntry",
    "OpportunityLineItem",
    "Quotation",
    "QuotationLineItem",
}


@dataclass(frozen=True)
class Version:
    """An API version, as the generic tests see it."""

    prefix: str

    def __str__(self) -> str:
        return self.prefix[1:]

    def serves(self, rt: RecordType) -> bool:
        if self.prefix == "/v2.2":
            return rt.collection in V22_TYPES
        return self.prefix == "/v3.1" or rt.collection not in V31_ONLY_TYPES

    @property
    def put_by_path(self) -> bool:
        """Whether the version has PUT /{Coll}/{id} (v3.0 and v2.2 only PUT /{Coll})."""
        return self.prefix == "/v3.1"

    def name(self, rt: RecordType, field_name: str) -> str | None:
        """The top-level key of a v3.1 field in this version's records (None: it has none)."""
        if self.prefix != "/v2.2":
            return field_name
        if rt.collection == "Leads":
            return V22_LEAD_NAMES.get(field_name, field_name)
        if rt.collection in V22_ARRAYS:
            if field_name.startswith(V22_SUB_ELEMENT_FIELDS):
                return None
            if rt.collection == "Contacts" and field_name == "ORGANISATION_ID":
                return "DEFAULT_LINKED_ORGANISATION"
        return field_name

    def arrays(self, rt: RecordType) -> set[str]:
        """The sub-collection arrays of a full record."""
        keys = set(sub_keys(rt))
        if self.prefix == "/v3.0" and not rt.custom_object:  # read at /{Coll}/{id}/Links
            keys.discard("LINKS")
        if self.prefix == "/v2.2":
            if "LINKS" in keys and V22_LINKS.get(rt.collection, "LINKS") != "LINKS":
                keys.discard("LINKS")
                keys |= {V22_LINKS[rt.collection]} - {None}  # type: ignore[operator]
            keys |= set(V22_ARRAYS.get(rt.collection, ()))
        return keys

    def keys(self, rt: RecordType) -> set[str]:
        """Every key of a full record."""
        names = {self.name(rt, f.name) for f in rt.fields}
        extra = V22_EXTRA_FIELDS.get(rt.collection, set()) if self.prefix == "/v2.2" else set()
        return {n for n in names if n is not None} | self.arrays(rt) | extra

    def body(self, api: httpx.Client, rt: RecordType, label: str | None = None) -> Record:
        """minimal_body in this version's names."""
        return {self.name(rt, k) or k: v for k, v in minimal_body(api, rt, label).items()}

    def text_field(self, rt: RecordType) -> FieldSpec:
        """editable_text, among the fields this version shows at the top level."""
        shown = [f for f in text_fields(rt) if self.name(rt, f.name) is not None]
        return ([f for f in shown if not f.required] or shown)[0]


V31, V30, V22 = Version("/v3.1"), Version("/v3.0"), Version("/v2.2")
VERSIONS = (V31, V30, V22)
Through = Callable[[Version], httpx.Client]  # the `through` fixture: a client per version


def each_version(
    feature: Feature | None = None, versions: tuple[Version, ...] = VERSIONS
) -> pytest.MarkDecorator:
    """Parametrise a test over (version, record type): the creatable types (with `feature`)
    that each version serves."""
    pairs = [
        (version, rt)
        for version in versions
        for rt in CREATABLE
        if (feature is None or rt.has(feature)) and version.serves(rt)
    ]
    return pytest.mark.parametrize(
        ("version", "rt"), pairs, ids=[f"{version}-{rt.collection}" for version, rt in pairs]
    )


@pytest.fixture
def through(tenant: Any) -> Iterator[Through]:
    """A client of the test's instance for a version: through(V22).get("/Contacts")."""
    base = str(tenant.client.base_url).removesuffix("/").removesuffix("/v3.1")
    opened: dict[str, httpx.Client] = {"/v3.1": tenant.client}

    def client(version: Version) -> httpx.Client:
        if version.prefix not in opened:
            opened[version.prefix] = httpx.Client(
                base_url=base + version.prefix, auth=(tenant.api_key, ""), timeout=60
            )
        return opened[version.prefix]

    yield client
    for prefix, opened_client in opened.items():
        if prefix != "/v3.1":
            opened_client.close()


def create_in(through: Through, version: Version, rt: RecordType, **extra: Any) -> Record:
    """create(), through `version` (the references in the body made through v3.1)."""
    body = {**version.body(through(V31), rt), **extra}
    response = through(version).post(f"/{rt.collection}", json=body)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def read_only_value(spec: FieldSpec) -> Any:
    """A plausible value a client might echo back for a read-only field."""
    return {
        Kind.INT: 987654321,
        Kind.BOOL: True,
        Kind.DATETIME: "2001-02-03 04:05:06",
        Kind.DECIMAL: 4242.5,
        Kind.TEXT: "https://example.com/sent-by-client.png",
    }[spec.kind]


def custom_field_name(label: str) -> str:
    return f"Contract{label.capitalize()}__c"


# Custom values are typed by their definitions: the suite defines the fields it writes, through
# the API, on the record type under test. Label -> FIELD_TYPE.
CONTRACT_CUSTOM_FIELDS = {"colour": "TEXT", "number": "NUMERIC", "flag": "BIT"}


def define_custom_fields(api: httpx.Client, rt: RecordType, fields: dict[str, str]) -> None:
    """POST a definition of each field (name -> FIELD_TYPE) on `rt`."""
    for name, field_type in fields.items():
        body = {"FIELD_NAME": name, "FIELD_LABEL": name, "FIELD_TYPE": field_type}
        response = api.post(f"/CustomFields/{rt.collection}", json=body)
        assert response.status_code == 201, response.text


def type_under_test(request: pytest.FixtureRequest) -> RecordType | None:
    """The record type a parametrised test runs on through v3.1, when it has custom fields (the
    tests over the older versions write no custom values)."""
    callspec = getattr(request.node, "callspec", None)
    params = callspec.params if callspec is not None else {}
    rt = params.get("rt") if params.get("version", V31) is V31 else None
    return rt if isinstance(rt, RecordType) and rt.has(Feature.CUSTOM_FIELDS) else None


@pytest.fixture(autouse=True)
def contract_custom_fields(request: pytest.FixtureRequest) -> None:
    rt = type_under_test(request)
    if rt is not None:
        fields = {custom_field_name(label): kind for label, kind in CONTRACT_CUSTOM_FIELDS.items()}
        define_custom_fields(request.getfixturevalue("api"), rt, fields)


# --- POST ------------------------------------------------------------------------------------


@each_version()
def test_post_answers_201_with_location_and_the_full_record(
    through: Through, version: Version, rt: RecordType
) -> None:
    body = version.body(through(V31), rt)
    response = through(version).post(f"/{rt.collection}", json=body)

    assert response.status_code == 201, response.text
    record = response.json()
    new_id = record_id(rt, record)
    assert response.headers["Location"] == f"{version.prefix}/{rt.collection}/{new_id}"
    assert set(record) == version.keys(rt)
    for key in version.arrays(rt):
        assert record[key] == [], key
    for name, value in body.items():
        assert record[name] == value, name
    server_set = {rt.id_field, "DATE_CREATED_UTC", "DATE_UPDATED_UTC", "CREATED_USER_ID"}
    if rt.number_field is not None:  # numbered on create: the record's id
        assert str(record[rt.number_field]) == str(new_id)
        server_set.add(rt.number_field)
    if rt.totals is not None and rt.totals.only_with is None:  # sums of no lines yet
        server_set.update(rt.totals.fields)
    for spec in rt.fields:
        name = version.name(rt, spec.name)
        if name is None or name in body or spec.name in server_set or name == "OWNER_USER_ID":
            continue
        if spec.references and by_singular(spec.references).default_flag:
            # The instance's default row (tests/test_settings.py checks which).
            assert isinstance(record[name], int), name
            continue
        assert record[name] == spec.default, f"{name} should be unset"
    for spec in rt.fields:
        name = version.name(rt, spec.name)
        if spec.kind is Kind.DATETIME and name is not None and record[name] is not None:
            assert BODY_DATE.match(record[name]), (name, record[name])


@each_type()
def test_post_sets_the_server_side_fields(api: httpx.Client, rt: RecordType) -> None:
    me = api.get("/Users/Me").json()
    record = create(api, rt)

    assert isinstance(record[rt.id_field], int)
    assert BODY_DATE.match(record["DATE_CREATED_UTC"])
    assert record["DATE_UPDATED_UTC"] == record["DATE_CREATED_UTC"]
    if "CREATED_USER_ID" in record:
        assert record["CREATED_USER_ID"] == me["USER_ID"]


@each_type()
def test_post_ignores_read_only_fields(api: httpx.Client, rt: RecordType) -> None:
    read_only = [f for f in rt.fields if f.read_only]
    sent = {f.name: read_only_value(f) for f in read_only}
    assert rt.id_field in sent and "DATE_CREATED_UTC" in sent
    before = count(api, rt)

    response = api.post(f"/{rt.collection}", json={**minimal_body(api, rt), **sent})

    assert response.status_code == 201, response.text
    record = response.json()
    for name, value in sent.items():
        assert record[name] != value, f"read-only {name} was taken from the body"
    assert count(api, rt) == before + 1
    assert api.get(f"/{rt.collection}/{record_id(rt, record)}").json() == record


@each_version()
def test_post_ignores_unknown_keys(through: Through, version: Version, rt: RecordType) -> None:
    body = {
        **version.body(through(V31), rt),
        "NOT_A_FIELD": "x",
        "Nested": {"A": [1, 2]},
        "zzz": None,
    }
    response = through(version).post(f"/{rt.collection}", json=body)

    assert response.status_code == 201, response.text
    record = response.json()
    assert not {"NOT_A_FIELD", "NESTED", "Nested", "ZZZ", "zzz"} & set(record)


@each_type()
@pytest.mark.parametrize("case", [str.lower, str.title], ids=["lower", "title"])
def test_post_matches_input_keys_in_any_case(api: httpx.Client, rt: RecordType, case: Any) -> None:
    optional = editable_text(rt)
    body = {**minimal_body(api, rt), optional.name: "any-case value"}
    response = api.post(f"/{rt.collection}", json={case(k): v for k, v in body.items()})

    assert response.status_code == 201, response.text
    record = response.json()
    for name, value in body.items():
        assert record[name] == value, name


@each_version()
def test_post_without_a_required_field_is_400_and_writes_nothing(
    api: httpx.Client, through: Through, version: Version, rt: RecordType
) -> None:
    required = [version.name(rt, f.name) for f in rt.writable_fields if f.required]
    assert required, f"{rt.collection} declares no required field"
    before = count(api, rt)
    problems = []
    for name in required:
        for missing in ("absent", None):
            body = version.body(api, rt)
            if missing == "absent":
                del body[name]
            else:
                body[name] = missing
            response = through(version).post(f"/{rt.collection}", json=body)
            if response.status_code != 400 or name not in error_fields(response):
                problems.append((name, missing, response.status_code, response.text))
    assert problems == []
    assert count(api, rt) == before


@each_type()
def test_post_with_a_too_long_value_is_400_naming_the_field(
    api: httpx.Client, rt: RecordType
) -> None:
    limited = [f for f in text_fields(rt) if f.max_length]
    before = count(api, rt)
    problems = []
    for spec in limited:
        body = {**minimal_body(api, rt), spec.name: "x" * (spec.max_length + 1)}
        response = api.post(f"/{rt.collection}", json=body)
        if response.status_code != 400 or spec.name not in error_fields(response):
            problems.append((spec.name, response.status_code, response.text))
    assert problems == []
    assert count(api, rt) == before


@each_type()
def test_post_accepts_every_text_field_at_its_maximum_length(
    api: httpx.Client, rt: RecordType
) -> None:
    body = minimal_body(api, rt)
    for spec in text_fields(rt):
        if spec.max_length:
            body[spec.name] = "y" * spec.max_length
    response = api.post(f"/{rt.collection}", json=body)

    assert response.status_code == 201, response.text
    fetched = api.get(f"/{rt.collection}/{record_id(rt, response.json())}").json()
    for name, value in body.items():
        assert fetched[name] == value, name


# --- dates -----------------------------------------------------------------------------------

DATE_INPUTS = [
    ("2024-05-01 13:30:00", "2024-05-01 13:30:00"),
    ("2024-05-01T13:30:00", "2024-05-01 13:30:00"),
    ("2024-05-01T13:30:00Z", "2024-05-01 13:30:00"),
    ("2024-05-01T15:30:00+02:00", "2024-05-01 13:30:00"),
    ("2024-05-01T08:30:00-05:00", "2024-05-01 13:30:00"),
    ("2024-05-01T01:30:00+03:00", "2024-04-30 22:30:00"),
    ("2024-05-01T13:30:00.250Z", "2024-05-01 13:30:00"),
    ("2024-05-01T15:30:00.1234567+02:00", "2024-05-01 13:30:00"),
    ("2024-05-01T15:30:00+0200", "2024-05-01 13:30:00"),
    ("2024-05-01", "2024-05-01 00:00:00"),
    ("0999-12-31 23:00:00", "0999-12-31 23:00:00"),
]


def date_slots() -> list[tuple[RecordType, str]]:
    """Every place a creatable type takes a date: writable datetime fields, DATES items."""
    slots = []
    for rt in CREATABLE:
        slots += [(rt, f.name) for f in rt.writable_fields if f.kind is Kind.DATETIME]
        if rt.has(Feature.DATES):
            slots.append((rt, "DATES.OCCASION_DATE"))
    return slots


def with_date(body: Record, slot: str, value: str) -> Record:
    if slot == "DATES.OCCASION_DATE":
        return {**body, "DATES": [{"OCCASION_NAME": "Anniversary", "OCCASION_DATE": value}]}
    if slot == "END_DATE_UTC":  # an event cannot end before it starts
        return {**body, "START_DATE_UTC": value, slot: value}
    return {**body, slot: value}


def date_in(record: Record, slot: str) -> Any:
    if slot == "DATES.OCCASION_DATE":
        return record["DATES"][0]["OCCASION_DATE"]
    return record[slot]


@pytest.mark.parametrize(
    ("rt", "slot"), date_slots(), ids=[f"{rt.collection}-{slot}" for rt, slot in date_slots()]
)
@pytest.mark.parametrize(("sent", "expected"), DATE_INPUTS, ids=[s for s, _ in DATE_INPUTS])
def test_dates_are_accepted_in_any_form_and_returned_in_body_format(
    api: httpx.Client, rt: RecordType, slot: str, sent: str, expected: str
) -> None:
    response = api.post(f"/{rt.collection}", json=with_date(minimal_body(api, rt), slot, sent))

    assert response.status_code == 201, response.text
    assert date_in(response.json(), slot) == expected
    fetched = api.get(f"/{rt.collection}/{record_id(rt, response.json())}").json()
    assert date_in(fetched, slot) == expected


@pytest.mark.parametrize(
    ("rt", "slot"), date_slots(), ids=[f"{rt.collection}-{slot}" for rt, slot in date_slots()]
)
def test_a_bad_date_is_400_naming_the_field(api: httpx.Client, rt: RecordType, slot: str) -> None:
    before = count(api, rt)
    response = api.post(f"/{rt.collection}", json=with_date(minimal_body(api, rt), slot, "31/12"))

    assert response.status_code == 400, response.text
    field = slot.split(".")[-1]
    assert any(field in named for named in error_fields(response)), response.text
    assert count(api, rt) == before


# --- reading ---------------------------------------------------------------------------------


@each_version()
def test_get_one_returns_the_record_as_created(
    through: Through, version: Version, rt: RecordType
) -> None:
    record = create_in(through, version, rt)
    response = through(version).get(f"/{rt.collection}/{record_id(rt, record)}")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == record


@each_version()
def test_get_of_a_missing_record_is_404_with_a_message(
    through: Through, version: Version, rt: RecordType
) -> None:
    api = through(version)
    gone = record_id(rt, create_in(through, version, rt))
    if rt.deletable:
        assert api.delete(f"/{rt.collection}/{gone}").status_code == 202
    else:  # no DELETE: an id past every record's
        gone += 1_000_000
    for missing in (gone, 2_000_000_000):
        response = api.get(f"/{rt.collection}/{missing}")
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("application/json")
        body = response.json()
        assert isinstance(body["Message"], str) and body["Message"].strip()


@each_version()
def test_a_record_of_another_instance_is_404(
    through: Through, make_tenant: Any, version: Version, rt: RecordType
) -> None:
    api = through(version)
    theirs = create(make_tenant().client, rt)
    path, body = put_path(rt, theirs, "id-in-path" if version.put_by_path else "id-in-body")
    assert api.get(f"/{rt.collection}/{record_id(rt, theirs)}").status_code == 404
    assert api.put(path, json=body).status_code == 404
    if rt.deletable:
        assert api.delete(f"/{rt.collection}/{record_id(rt, theirs)}").status_code == 404


@each_type()
@pytest.mark.parametrize("path_case", [str.lower, str.upper], ids=["lower", "upper"])
def test_paths_match_in_any_case(api: httpx.Client, rt: RecordType, path_case: Any) -> None:
    field = search_field(rt)
    record = create(api, rt, **{field.name: f"any-case-{path_case.__name__}"})
    coll = path_case(rt.collection)

    created = api.post(f"/{coll}", json=minimal_body(api, rt))
    assert created.status_code == 201, created.text
    assert created.headers["Location"] == f"/v3.1/{rt.collection}/{record_id(rt, created.json())}"
    assert api.get(f"/{coll}/{record_id(rt, record)}").json() == record
    found = api.get(
        f"/{coll}/{path_case('Search')}",
        params={"field_name": field.name, "field_value": record[field.name]},
    )
    assert found.status_code == 200
    assert ids(found.json(), rt) == [record_id(rt, record)]


@each_version()
def test_list_is_a_bare_array_in_ascending_id_order(
    api: httpx.Client, through: Through, version: Version, rt: RecordType
) -> None:
    created = [record_id(rt, create(api, rt)) for _ in range(4)]
    response = through(version).get(f"/{rt.collection}")

    assert response.status_code == 200
    assert isinstance(response.json(), list)
    assert ids(response.json(), rt) == sorted(created)
    assert "X-Total-Count" not in response.headers


@each_version()
def test_list_of_an_empty_instance_is_an_empty_array(
    through: Through, version: Version, rt: RecordType
) -> None:
    response = through(version).get(f"/{rt.collection}", params={"count_total": "true"})

    assert response.status_code == 200
    assert response.json() == []
    assert response.headers["X-Total-Count"] == "0"


@each_type()
def test_list_top_defaults_to_100_and_is_clamped_at_500(api: httpx.Client, rt: RecordType) -> None:
    created = [record_id(rt, create(api, rt)) for _ in range(501)]

    assert ids(api.get(f"/{rt.collection}").json(), rt) == created[:100]
    for top in (500, 501, 10_000):
        page = api.get(f"/{rt.collection}", params={"top": top})
        assert page.status_code == 200, (top, page.text)
        assert ids(page.json(), rt) == created[:500], top
    assert ids(api.get(f"/{rt.collection}", params={"top": 3}).json(), rt) == created[:3]


@each_version()
def test_list_skip_pages_through_the_records(
    api: httpx.Client, through: Through, version: Version, rt: RecordType
) -> None:
    created = [record_id(rt, create(api, rt)) for _ in range(5)]
    pages = [
        ids(through(version).get(f"/{rt.collection}", params={"top": 2, "skip": skip}).json(), rt)
        for skip in (0, 2, 4, 6)
    ]
    assert pages == [created[0:2], created[2:4], created[4:5], []]


@each_type()
@pytest.mark.parametrize("flag", ["true", "TRUE", "True"])
def test_count_total_adds_x_total_count(api: httpx.Client, rt: RecordType, flag: str) -> None:
    # The older versions' count_total: test_list_of_an_empty_instance_is_an_empty_array.
    for _ in range(3):
        create(api, rt)
    response = api.get(f"/{rt.collection}", params={"count_total": flag, "top": 1})

    assert response.status_code == 200
    assert response.headers["X-Total-Count"] == "3"
    assert len(response.json()) == 1


@each_version()
def test_brief_omits_the_sub_collections(
    api: httpx.Client, through: Through, version: Version, rt: RecordType
) -> None:
    create(api, rt)
    full = through(version).get(f"/{rt.collection}").json()[0]
    brief = through(version).get(f"/{rt.collection}", params={"brief": "true"}).json()[0]

    assert set(full) == version.keys(rt)
    assert set(brief) == version.keys(rt) - version.arrays(rt)
    assert brief == {k: v for k, v in full.items() if k not in version.arrays(rt)}


# --- Search and SearchByTag ------------------------------------------------------------------


SEARCH_TEXTS = [("Zed Alpha", "zED aLPHA"), ("Zoë Ærø", "ZOË ÆRØ")]
# (field label, stored, query, decoy): text in any case, numbers as numbers, booleans.
CUSTOM_SEARCHES = [
    ("colour", "Teal", "teal", "Teal-ish"),
    ("number", 42, "42.0", 420),
    ("flag", True, "true", False),
]


@each_type()
@pytest.mark.parametrize(("stored", "query"), SEARCH_TEXTS, ids=["ascii", "non-ascii"])
def test_search_by_a_standard_field_is_case_insensitive_equality(
    api: httpx.Client, rt: RecordType, stored: str, query: str
) -> None:
    field = search_field(rt)
    wanted = create(api, rt, **{field.name: stored})
    create(api, rt, **{field.name: f"{stored}bet"})
    create(api, rt, **{field.name: stored.split()[-1]})

    response = api.get(
        f"/{rt.collection}/Search", params={"field_name": field.name, "field_value": query}
    )
    assert response.status_code == 200
    assert ids(response.json(), rt) == [record_id(rt, wanted)]


@each_type(Feature.CUSTOM_FIELDS)
@pytest.mark.parametrize(
    ("label", "stored", "query", "decoy"),
    CUSTOM_SEARCHES,
    ids=[type(s).__name__ for _, s, *_ in CUSTOM_SEARCHES],
)
def test_search_by_a_custom_field(
    api: httpx.Client, rt: RecordType, label: str, stored: Any, query: str, decoy: Any
) -> None:
    name = custom_field_name(label)
    wanted = create(api, rt, CUSTOMFIELDS=[{"FIELD_NAME": name, "FIELD_VALUE": stored}])
    create(api, rt, CUSTOMFIELDS=[{"FIELD_NAME": name, "FIELD_VALUE": decoy}])
    create(api, rt)

    response = api.get(
        f"/{rt.collection}/Search", params={"field_name": name, "field_value": query}
    )
    assert response.status_code == 200
    assert ids(response.json(), rt) == [record_id(rt, wanted)]


SCALAR_DATE_FIELDS = [(rt, slot) for rt, slot in date_slots() if "." not in slot]


@pytest.mark.parametrize(
    ("rt", "field"),
    SCALAR_DATE_FIELDS,
    ids=[f"{rt.collection}-{f}" for rt, f in SCALAR_DATE_FIELDS],
)
@pytest.mark.parametrize("sent", ["2024-05-01 13:30:00", "2024-05-01T13:30:00.250Z"])
def test_search_by_a_date_field_finds_the_value_as_shown(
    api: httpx.Client, rt: RecordType, field: str, sent: str
) -> None:
    wanted = create(api, rt, **{field: sent})
    create(api, rt, **{field: "2024-05-01 13:30:01"})

    response = api.get(
        f"/{rt.collection}/Search", params={"field_name": field, "field_value": wanted[field]}
    )
    assert response.status_code == 200
    assert ids(response.json(), rt) == [record_id(rt, wanted)]


@each_type()
def test_search_with_no_match_is_an_empty_array(api: httpx.Client, rt: RecordType) -> None:
    create(api, rt)
    response = api.get(
        f"/{rt.collection}/Search",
        params={"field_name": search_field(rt).name, "field_value": "nobody-has-this"},
    )
    assert response.status_code == 200
    assert response.json() == []


@each_type()
def test_search_by_an_unknown_field_is_400_naming_it(api: httpx.Client, rt: RecordType) -> None:
    response = api.get(
        f"/{rt.collection}/Search", params={"field_name": "NO_SUCH_FIELD", "field_value": "x"}
    )
    assert response.status_code == 400
    assert "NO_SUCH_FIELD" in response.json()["Message"]


@each_type()
def test_search_field_name_without_field_value_is_400(api: httpx.Client, rt: RecordType) -> None:
    response = api.get(f"/{rt.collection}/Search", params={"field_name": search_field(rt).name})
    assert response.status_code == 400
    assert "field_value" in response.json()["Message"]


@each_type(Feature.TAGS)
@pytest.mark.parametrize("param", ["tagName", "tag_name"])
def test_search_by_tag(api: httpx.Client, rt: RecordType, param: str) -> None:
    wanted = create(api, rt, TAGS=[{"TAG_NAME": "Gold"}, {"TAG_NAME": "North"}])
    create(api, rt, TAGS=[{"TAG_NAME": "Silver"}])
    create(api, rt)

    response = api.get(f"/{rt.collection}/SearchByTag", params={param: "Gold"})
    assert response.status_code == 200
    assert ids(response.json(), rt) == [record_id(rt, wanted)]
    counted = api.get(
        f"/{rt.collection}/SearchByTag", params={param: "gold", "count_total": "true"}
    )
    assert counted.headers["X-Total-Count"] == "1"
    nobody = api.get(f"/{rt.collection}/SearchByTag", params={param: "Platinum"})
    assert nobody.status_code == 200
    assert nobody.json() == []


# --- PUT and DELETE --------------------------------------------------------------------------


def put_path(rt: RecordType, record: Record, style: str) -> tuple[str, Record]:
    """The path and id part of the body of a PUT, id in the body or in the path."""
    if style == "id-in-body":
        return f"/{rt.collection}", {rt.id_field: record_id(rt, record)}
    return f"/{rt.collection}/{record_id(rt, record)}", {}


def put_styles(feature: Feature | None = None) -> pytest.MarkDecorator:
    """Parametrise a PUT test over (version, type, style): the id in the body, and (where the
    version has PUT /{Coll}/{id}) in the path. The types with PUT (that have `feature`)."""
    cases = [
        (version, rt, style)
        for version in VERSIONS
        for rt in CREATABLE
        if rt.updatable and (feature is None or rt.has(feature)) and version.serves(rt)
        for style in ("id-in-body", "id-in-path")
        if style == "id-in-body" or version.put_by_path
    ]
    return pytest.mark.parametrize(
        ("version", "rt", "style"),
        cases,
        ids=[f"{version}-{rt.collection}-{style}" for version, rt, style in cases],
    )


@put_styles()
def test_put_updates_the_record(
    through: Through, version: Version, rt: RecordType, style: str
) -> None:
    api = through(version)
    record = create_in(through, version, rt)
    field = version.name(rt, version.text_field(rt).name)
    assert field is not None
    path, body = put_path(rt, record, style)

    response = api.put(path, json={**body, field: "Updated"})

    assert response.status_code == 200, response.text
    updated = response.json()
    assert updated[field] == "Updated"
    assert {k: v for k, v in updated.items() if k not in (field, "DATE_UPDATED_UTC")} == {
        k: v for k, v in record.items() if k not in (field, "DATE_UPDATED_UTC")
    }
    assert api.get(f"/{rt.collection}/{record_id(rt, record)}").json() == updated


@put_styles(Feature.WRITE)
def test_put_of_an_unknown_id_is_404(
    api: httpx.Client, through: Through, version: Version, rt: RecordType, style: str
) -> None:
    record = create(api, rt)
    assert api.delete(f"/{rt.collection}/{record_id(rt, record)}").status_code == 202
    path, body = put_path(rt, record, style)

    response = through(version).put(path, json={**body, **version.body(api, rt)})

    assert response.status_code == 404, response.text
    assert response.json()["Message"]
    assert count(api, rt) == 0


@each_version(Feature.WRITE)
def test_delete_is_202_with_an_empty_body_then_the_record_is_gone(
    through: Through, version: Version, rt: RecordType
) -> None:
    api = through(version)
    kept = create(through(V31), rt)
    record = create(through(V31), rt)
    path = f"/{rt.collection}/{record_id(rt, record)}"

    response = api.delete(path)

    assert response.status_code == 202
    assert response.content == b""
    assert api.get(path).status_code == 404
    assert api.delete(path).status_code == 404
    assert ids(api.get(f"/{rt.collection}").json(), rt) == [record_id(rt, kept)]


@each_type(Feature.WRITE)
def test_a_deleted_id_is_not_given_to_a_new_record(api: httpx.Client, rt: RecordType) -> None:
    deleted = record_id(rt, create(api, rt))
    assert api.delete(f"/{rt.collection}/{deleted}").status_code == 202

    newer = record_id(rt, create(api, rt))

    assert newer != deleted
    assert api.get(f"/{rt.collection}/{deleted}").status_code == 404


WRONG_METHODS = [
    ("PATCH", "/{coll}/{id}", {"GET", "PUT", "DELETE"}),
    ("POST", "/{coll}/{id}", {"GET", "PUT", "DELETE"}),
    ("DELETE", "/{coll}", {"GET", "POST", "PUT"}),
    ("PATCH", "/{coll}", {"GET", "POST", "PUT"}),
    ("POST", "/{coll}/Search", {"GET"}),
    ("DELETE", "/{coll}/Search", {"GET"}),
]


@each_type(Feature.WRITE)
@pytest.mark.parametrize(
    ("method", "template", "expected"),
    WRONG_METHODS,
    ids=[f"{m} {t}" for m, t, _ in WRONG_METHODS],
)
def test_a_wrong_method_is_405_with_an_allow_header(
    api: httpx.Client, rt: RecordType, method: str, template: str, expected: set[str]
) -> None:
    record = create(api, rt)
    path = template.format(coll=rt.collection, id=record_id(rt, record))

    response = api.request(method, path, json={})

    assert response.status_code == 405, response.text
    allowed = {m.strip().upper() for m in response.headers["Allow"].split(",")}
    assert expected <= allowed
    assert method not in allowed
    assert response.json()["Message"]
    assert api.get(f"/{rt.collection}/{record_id(rt, record)}").json() == record


@each_type(Feature.LINKS)
def test_delete_takes_the_records_links_with_it(api: httpx.Client, rt: RecordType) -> None:
    other_type = next(t for t in CREATABLE if t.has(Feature.LINKS))
    other = create(api, other_type)
    link = {"LINK_OBJECT_NAME": other_type.singular, "LINK_OBJECT_ID": record_id(other_type, other)}
    record = create(api, rt, LINKS=[link])
    other_path = f"/{other_type.collection}/{record_id(other_type, other)}"
    assert len(api.get(other_path).json()["LINKS"]) == 1

    assert api.delete(f"/{rt.collection}/{record_id(rt, record)}").status_code == 202

    assert api.get(other_path).json()["LINKS"] == []


# --- /v3.0 beside /v3.1 (§10): the same records, without LINKS on standard types -------------


def linked_record(api: httpx.Client, rt: RecordType) -> tuple[Record, Record]:
    """A record of `rt` with one link (to a record of another type), and the linked record."""
    other_type = next(t for t in CREATABLE if t.has(Feature.LINKS) and t is not rt)
    other = create(api, other_type)
    link = {"LINK_OBJECT_NAME": other_type.singular, "LINK_OBJECT_ID": record_id(other_type, other)}
    return create(api, rt, LINKS=[link]), other


@each_type(Feature.LINKS)
def test_v30_gets_of_standard_records_carry_no_links(
    api: httpx.Client, api30: httpx.Client, rt: RecordType
) -> None:
    record, _ = linked_record(api, rt)
    new_id = record_id(rt, record)
    if rt.has(Feature.TAGS):
        assert api.post(f"/{rt.collection}/{new_id}/Tags", json={"TAG_NAME": "v30"}).is_success
    field = search_field(rt)
    search = {"field_name": field.name, "field_value": record[field.name]}
    answers = [
        api30.get(f"/{rt.collection}/{new_id}"),
        api30.get(f"/{rt.collection}"),
        api30.get(f"/{rt.collection}/Search", params=search),
    ]
    if rt.has(Feature.TAGS) and not rt.custom_object:  # v3.0 has no custom object SearchByTag
        answers.append(api30.get(f"/{rt.collection}/SearchByTag", params={"tagName": "v30"}))
    for answer in answers:
        assert answer.status_code == 200, answer.text
    one, *lists = (answer.json() for answer in answers)
    reads = [one, *itertools.chain.from_iterable(lists)]
    assert len(reads) == 1 + len(lists) * len(lists[0]) and len(lists[0]) >= 1
    for read in reads:
        # A custom object's records keep their related data; standard records do not.
        assert ("LINKS" in read) is rt.custom_object, read
        full = api.get(f"/{rt.collection}/{read[rt.id_field]}").json()
        assert read == {k: v for k, v in full.items() if k != "LINKS" or rt.custom_object}
    if not rt.custom_object:  # the links of a standard record are read at its /Links
        links = api30.get(f"/{rt.collection}/{new_id}/Links").json()
        assert [link["LINK_ID"] for link in links] == [link["LINK_ID"] for link in record["LINKS"]]


@each_type(Feature.WRITE)
@pytest.mark.parametrize("sent", ["nothing", "an empty array"])
def test_v30_put_keeps_the_links_it_cannot_see(
    api: httpx.Client, api30: httpx.Client, rt: RecordType, sent: str
) -> None:
    if not rt.has(Feature.LINKS):
        pytest.skip(f"{rt.collection} have no links")
    record, _ = linked_record(api, rt)
    path = f"/{rt.collection}/{record_id(rt, record)}"
    body = api30.get(path).json()
    field = editable_text(rt)
    body[field.name] = f"changed-{next(_unique)}"[: field.max_length or 255]
    if sent == "an empty array":
        body["links"] = []  # input keys match in any case

    response = api30.put(f"/{rt.collection}", json=body)

    assert response.status_code == 200, response.text
    assert response.json()[field.name] == body[field.name]
    after = api.get(path).json()
    assert after[field.name] == body[field.name]
    if rt.custom_object:  # v3.0 shows a custom object's links, so they change as in v3.1
        assert after["LINKS"] == ([] if sent == "an empty array" else record["LINKS"])
    else:
        assert after["LINKS"] == record["LINKS"]
        assert "LINKS" not in response.json()


def shows(version: Version, rt: RecordType, shown: Record, current: Record) -> None:
    """`shown` (through `version`) is the record `current` (through v3.1): the same keys the
    version has, the same values under its names; the arrays as v3.1's, where v3.1 has them
    (the records here have none filled in, which v2.2 would show in its own item shapes)."""
    assert set(shown) == version.keys(rt)
    for spec in rt.fields:
        name = version.name(rt, spec.name)
        if name is not None:
            assert shown[name] == current[spec.name], (name, shown[name], current[spec.name])
    for key in version.arrays(rt):
        assert shown[key] == current.get(key, []), key


@each_version(versions=(V30, V22))
def test_a_record_written_through_one_version_reads_back_through_the_other(
    api: httpx.Client, through: Through, version: Version, rt: RecordType
) -> None:
    old = through(version)
    response = old.post(f"/{rt.collection}", json=version.body(api, rt))
    assert response.status_code == 201, response.text
    new_id = record_id(rt, response.json())
    assert response.headers["Location"] == f"{version.prefix}/{rt.collection}/{new_id}"
    shows(version, rt, response.json(), api.get(f"/{rt.collection}/{new_id}").json())

    made_in_v31 = create(api, rt)
    path = f"/{rt.collection}/{record_id(rt, made_in_v31)}"
    through_old = old.get(path)
    assert through_old.status_code == 200, through_old.text
    assert through_old.headers["ETag"] == api.get(path).headers["ETag"]
    shows(version, rt, through_old.json(), made_in_v31)
    if rt.has(Feature.WRITE):
        field = version.text_field(rt)
        value = f"{version}-{next(_unique)}"[: field.max_length or 255]
        body = {rt.id_field: record_id(rt, made_in_v31), version.name(rt, field.name): value}
        changed = old.put(f"/{rt.collection}", json=body)  # no PUT /{Coll}/{id} in either
        assert changed.status_code == 200, changed.text
        assert api.get(path).json()[field.name] == value


@each_type()
def test_v30_serves_no_type_its_table_lacks(api30: httpx.Client, rt: RecordType) -> None:
    response = api30.get(f"/{rt.collection}")
    assert response.status_code == (404 if rt.collection in V31_ONLY_TYPES else 200)


SINGULAR = [rt for rt in CREATABLE if rt.collection == rt.singular and not rt.custom_object]


@pytest.mark.parametrize("rt", SINGULAR, ids=[rt.collection for rt in SINGULAR])
def test_the_plural_of_a_singular_collection_is_405_naming_it(
    api: httpx.Client, rt: RecordType
) -> None:
    plural = plural_of(rt.collection)
    record = create(api, rt)
    for method, path in (
        ("GET", f"/{plural}"),
        ("POST", f"/{plural.lower()}"),
        ("GET", f"/{plural}/{record_id(rt, record)}"),
        ("DELETE", f"/{plural}/{record_id(rt, record)}"),
    ):
        response = api.request(method, path, json={} if method == "POST" else None)
        assert response.status_code == 405, (method, path, response.status_code)
        assert f"/v3.1/{rt.collection}" in response.json()["Message"]
        assert response.headers["Allow"] == ""
    assert api.get(f"/{rt.collection}/{record_id(rt, record)}").json() == record
    assert count(api, rt) == 1


PNG_BYTES = b"\x89PNG\r\n\x1a\n" + bytes(16)


# The types with image fields, those kept under an owner (a line item) among them.
WITH_IMAGE_FIELDS = [rt for rt in RECORD_TYPES if rt.has(Feature.IMAGE_FIELDS)]


@pytest.mark.parametrize("rt", WITH_IMAGE_FIELDS, ids=[rt.collection for rt in WITH_IMAGE_FIELDS])
def test_an_image_field_holds_an_image_its_value_naming_the_file(
    api: httpx.Client, api30: httpx.Client, rt: RecordType
) -> None:
    name = f"SNAP{next(_unique)}__c"
    body = {"FIELD_NAME": name, "FIELD_LABEL": "Snap", "FIELD_TYPE": "IMAGE"}
    assert api.post(f"/CustomFields/{rt.collection}", json=body).status_code == 201
    made = create_owned(api, rt) if rt.owner_fields else create(api, rt)
    path = f"/{rt.collection}/{record_id(rt, made)}"
    put = api.put(f"{path}/ImageField/{name}/snap.png", content=PNG_BYTES)
    assert put.status_code == 200, put.text
    values = {f["FIELD_NAME"]: f["FIELD_VALUE"] for f in api.get(path).json()["CUSTOMFIELDS"]}
    assert values[name] == "snap.png"
    got = api.get(f"{path}/ImageField/{name}")
    assert (got.status_code, got.content, got.headers["Content-Type"]) == (
        200,
        PNG_BYTES,
        "image/png",
    )
    # v3.0's table has no ImageField operations.
    assert api30.get(f"{path}/ImageField/{name}").status_code == 404
    assert api.delete(f"{path}/ImageField/{name}").status_code == 202
    assert api.get(f"{path}/ImageField/{name}").status_code == 404


@each_type(Feature.TRANSLATIONS)
def test_a_translation_is_added_read_and_changed(api: httpx.Client, rt: RecordType) -> None:
    base = f"/{rt.collection}/{record_id(rt, create(api, rt))}/Translations"
    assert api.get(f"{base}/fr").json() == []
    added = api.post(f"{base}/fr", json=minimal_body(api, rt))
    assert added.status_code == 201, added.text
    [translation] = added.json()
    assert api.get(f"{base}/FR").json() == [translation]  # the tag in any case
    assert api.post(f"{base}/fr", json=minimal_body(api, rt)).status_code == 409
    field = search_field(rt).name  # a required text field: translated
    changed = api.put(f"{base}/fr", json={field: "Traduit"})
    assert changed.status_code == 200, changed.text
    assert changed.json()[0][field] == "Traduit"
    assert api.get(f"{base}/fr").json()[0][field] == "Traduit"
    assert api.put(f"{base}/de", json={field: "Übersetzt"}).status_code == 404
    assert api.get(f"/{rt.collection}/2000000000/Translations/fr").status_code == 404
    assert api.get(f"{base}/no language").status_code == 400
