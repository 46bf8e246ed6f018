"""The v3.1 PUT rules (API-CONTRACT.md §5), field by field and sub-collection by sub-collection.

Scalars: present is set, null is cleared, absent is unchanged. CUSTOMFIELDS merge by FIELD_NAME.
TAGS, DATES, EMAILDOMAINS and LINKS become exactly the array sent. A PUT that fails changes nothing.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from rolodex.domain.registry import (
    RECORD_TYPES,
    Feature,
    FieldSpec,
    Kind,
    RecordType,
    by_singular,
    linkable_types,
)
from tests.conftest import Tenant
from tests.test_contract import (
    CREATABLE,
    Record,
    create,
    define_custom_fields,
    record_id,
    sample_value,
    text_fields,
    type_under_test,
)

# --- helpers ---------------------------------------------------------------------------------

WRITABLE = [rt for rt in CREATABLE if rt.has(Feature.WRITE)]


def each_type(feature: Feature | None = None) -> pytest.MarkDecorator:
    types = [rt for rt in WRITABLE if feature is None or rt.has(feature)]
    return pytest.mark.parametrize("rt", types, ids=[rt.collection for rt in types])


def get(api: httpx.Client, rt: RecordType, record: Record) -> Record:
    response = api.get(f"/{rt.collection}/{record_id(rt, record)}")
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def put(api: httpx.Client, rt: RecordType, record: Record, **fields: Any) -> httpx.Response:
    """PUT /{Coll} with the record's id in the body and `fields`."""
    return api.put(f"/{rt.collection}", json={rt.id_field: record_id(rt, record), **fields})


def put_ok(api: httpx.Client, rt: RecordType, record: Record, **fields: Any) -> Record:
    response = put(api, rt, record, **fields)
    assert response.status_code == 200, response.text
    assert response.json() == get(api, rt, record)
    return response.json()  # type: ignore[no-any-return]


DERIVED = {name for rt in RECORD_TYPES for name in rt.derived_fields}
# A quotation's GRAND_TOTAL adds its TAX and SHIPPING_HANDLING (RecordType.totals).
DERIVED |= {rt.totals.grand[0] for rt in RECORD_TYPES if rt.totals and rt.totals.grand}


def without(record: Record, *keys: str) -> Record:
    """The record minus `keys`, DATE_UPDATED_UTC and the fields a type derives from others
    (OPPORTUNITY_VALUE, ...): a change is allowed to move those."""
    return {k: v for k, v in record.items() if k not in {*keys, *DERIVED, "DATE_UPDATED_UTC"}}


def optional_text(rt: RecordType, index: int) -> str:
    """The name of an optional writable text field of `rt` (the test is skipped without one)."""
    names = [f.name for f in text_fields(rt, required=False) if f.references is None]
    if index >= len(names):
        pytest.skip(f"{rt.collection} has fewer than {index + 1} optional text fields")
    return names[index]


def required_fields(rt: RecordType) -> list[tuple[RecordType, str]]:
    return [(rt, f.name) for f in rt.writable_fields if f.required]


def link_target(api: httpx.Client, rt: RecordType) -> tuple[str, int]:
    """A fresh record that can be the other end of a link from `rt`: (singular name, id)."""
    creatable = [t for t in linkable_types() if t.has(Feature.CREATE)]
    target = next((t for t in creatable if t is not rt), creatable[0])
    return target.singular, record_id(target, create(api, target))


def link_item(api: httpx.Client, rt: RecordType, n: int) -> Record:
    singular, target_id = link_target(api, rt)
    return {"LINK_OBJECT_NAME": singular, "LINK_OBJECT_ID": target_id, "ROLE": f"role-{n}"}


@dataclass(frozen=True)
class Sub:
    """A sub-collection a PUT replaces: its key, item id, the value we vary, its endpoint."""

    key: str
    feature: Feature
    id_key: str | None
    value_key: str
    endpoint: str | None  # the /{Coll}/{id}/{endpoint} sub-resource tested here, if any
    make: Callable[[httpx.Client, RecordType, int], Record]  # a valid new item, numbered n


def tag_item(api: httpx.Client, rt: RecordType, n: int) -> Record:
    return {"TAG_NAME": f"tag-{n}"}


def date_item(api: httpx.Client, rt: RecordType, n: int) -> Record:
    return {
        "OCCASION_NAME": f"occasion-{n}",
        "OCCASION_DATE": f"2020-01-{n:02d} 00:00:00",
        "REPEAT_YEARLY": False,
        "CREATE_TASK_YEARLY": False,
    }


def email_domain_item(api: httpx.Client, rt: RecordType, n: int) -> Record:
    return {"EMAIL_DOMAIN": f"domain{n}.example.com"}


SUBS = [
    Sub(key="TAGS", feature=Feature.TAGS, id_key=None, value_key="TAG_NAME",
        endpoint="Tags", make=tag_item),
    Sub(key="DATES", feature=Feature.DATES, id_key="DATE_ID", value_key="OCCASION_NAME",
        endpoint="Dates", make=date_item),
    Sub(key="EMAILDOMAINS", feature=Feature.EMAIL_DOMAINS, id_key="EMAIL_DOMAIN_ID",
        value_key="EMAIL_DOMAIN", endpoint="EmailDomains", make=email_domain_item),
    Sub(key="LINKS", feature=Feature.LINKS, id_key="LINK_ID", value_key="ROLE",
        endpoint=None, make=link_item),
]  # fmt: skip
# The keys by which a link item names its own record (left out when reusing another's item).
LINK_OWNER_KEYS = ("OBJECT_NAME", "OBJECT_ID")
SUBS_WITH_IDS = [s for s in SUBS if s.id_key]
SUBS_WITH_ENDPOINTS = [s for s in SUBS if s.endpoint]

# One invalid item per array (keyed by the array), for the "a failing PUT changes nothing" tests.
BAD_ITEMS: dict[str, Record] = {
    "TAGS": {"TAG_NAME": ""},
    "DATES": {"OCCASION_NAME": "bad", "OCCASION_DATE": "not a date"},
    "EMAILDOMAINS": {"EMAIL_DOMAIN": "not a domain!"},
    "LINKS": {"LINK_OBJECT_NAME": "Organisation", "LINK_OBJECT_ID": 2_000_000_000},
    "CUSTOMFIELDS": {"FIELD_NAME": "NoSuffix", "FIELD_VALUE": "x"},
}


def type_sub_pairs(subs: list[Sub]) -> pytest.MarkDecorator:
    """Parametrise over (record type, sub-collection) for each type that has it."""
    pairs = [(rt, sub) for rt in WRITABLE for sub in subs if rt.has(sub.feature)]
    return pytest.mark.parametrize(
        ("rt", "sub"), pairs, ids=[f"{rt.collection}-{sub.key}" for rt, sub in pairs]
    )


def values(items: list[Record], sub: Sub) -> list[Any]:
    """The varied value of each item, sorted (the order of a sub-collection is not promised)."""
    return sorted(item[sub.value_key] for item in items)


def by_value(items: list[Record], sub: Sub) -> dict[Any, Record]:
    return {item[sub.value_key]: item for item in items}


def with_items(api: httpx.Client, rt: RecordType, sub: Sub, *numbers: int) -> Record:
    """A new record whose `sub` holds one item per number."""
    items = [sub.make(api, rt, n) for n in numbers]
    record = create(api, rt, **{sub.key: items})
    assert values(record[sub.key], sub) == values(items, sub)
    return record


def custom(name: str) -> str:
    return f"Put{name}__c"


def custom_values(record: Record) -> dict[str, Any]:
    """CUSTOMFIELDS as a dict, cleared (null) values left out however the server shows them."""
    return {
        item["FIELD_NAME"]: item["FIELD_VALUE"]
        for item in record["CUSTOMFIELDS"]
        if item["FIELD_VALUE"] is not None
    }


def with_custom(api: httpx.Client, rt: RecordType, **named: Any) -> Record:
    items = [{"FIELD_NAME": custom(k), "FIELD_VALUE": v} for k, v in named.items()]
    record = create(api, rt, CUSTOMFIELDS=items)
    assert custom_values(record) == {custom(k): v for k, v in named.items()}
    return record


def set_custom(name: str, value: Any) -> list[Record]:
    return [{"FIELD_NAME": custom(name), "FIELD_VALUE": value}]


# The custom fields these tests write (values are typed by their definitions), defined through
# the API on the record type under test.
PUT_CUSTOM_FIELDS = {custom("A"): "TEXT", custom("B"): "TEXT", custom("C"): "NUMERIC"}


@pytest.fixture(autouse=True)
def put_custom_fields(request: pytest.FixtureRequest) -> None:
    rt = type_under_test(request)
    if rt is not None:
        define_custom_fields(request.getfixturevalue("api"), rt, PUT_CUSTOM_FIELDS)


# --- scalars ---------------------------------------------------------------------------------


def optional_fields(rt: RecordType) -> list[tuple[RecordType, str]]:
    return [(rt, f.name) for f in rt.writable_fields if not f.required]


OPTIONAL_FIELDS = [pair for rt in WRITABLE for pair in optional_fields(rt)]
each_optional_field = pytest.mark.parametrize(
    ("rt", "field"), OPTIONAL_FIELDS, ids=[f"{rt.collection}-{f}" for rt, f in OPTIONAL_FIELDS]
)
OTHER_VALUES = {
    Kind.INT: (7, 8),
    Kind.BOOL: (True, False),
    Kind.DATETIME: ("2024-05-01 13:30:00", "2023-01-02 03:04:05"),
    Kind.DECIMAL: (12.5, 13.25),
}


def two_values(tenant: Tenant, engine: Engine, spec: FieldSpec) -> tuple[Any, Any]:
    """Two different valid values for `spec` (for a user reference, two users of the tenant)."""
    if spec.references == "User":
        other_user, _key = tenant.add_user(engine, f"other-{tenant.instance_id}@example.com")
        return tenant.user_id, other_user
    if spec.choices:
        return spec.choices[0], spec.choices[1]
    if spec.references is not None or spec.kind is Kind.TEXT:
        return sample_value(tenant.client, spec, "one"), sample_value(tenant.client, spec, "two")
    if spec.kind is Kind.INT and spec.minimum is not None:
        return spec.minimum, spec.minimum + 1
    return OTHER_VALUES[spec.kind]


@each_optional_field
def test_a_scalar_present_is_set(
    tenant: Tenant, engine: Engine, rt: RecordType, field: str
) -> None:
    api = tenant.client
    before, after = two_values(tenant, engine, rt.field_named(field))  # type: ignore[arg-type]
    record = create(api, rt, **{field: before})
    assert record[field] == before

    updated = put_ok(api, rt, record, **{field: after})

    assert updated[field] == after
    assert without(updated, field) == without(record, field)


@each_optional_field
def test_a_scalar_sent_as_null_is_cleared(
    tenant: Tenant, engine: Engine, rt: RecordType, field: str
) -> None:
    api = tenant.client
    before, _ = two_values(tenant, engine, rt.field_named(field))  # type: ignore[arg-type]
    record = create(api, rt, **{field: before})

    updated = put_ok(api, rt, record, **{field: None})

    assert updated[field] is None
    assert without(updated, field) == without(record, field)


@each_type()
def test_scalars_left_out_are_unchanged(api: httpx.Client, rt: RecordType) -> None:
    changed = optional_text(rt, 0)
    every_field = {f.name: sample_value(api, f, "kept") for f in rt.writable_fields}
    record = create(api, rt, **every_field)
    assert {name: record[name] for name in every_field} == every_field

    updated = put_ok(api, rt, record, **{changed: "new"})

    assert updated[changed] == "new"
    assert without(updated, changed) == without(record, changed)


@each_type()
def test_a_record_sent_back_as_read_changes_nothing(api: httpx.Client, rt: RecordType) -> None:
    record = populated(api, rt)

    assert put_ok(api, rt, record, **record) == record


@each_type()
def test_a_put_with_only_the_id_changes_nothing(api: httpx.Client, rt: RecordType) -> None:
    record = create(api, rt, **{optional_text(rt, 0): "stays"})

    assert put_ok(api, rt, record) == record


@pytest.mark.parametrize(
    ("rt", "field"),
    [pair for rt in WRITABLE for pair in required_fields(rt)],
    ids=[f"{rt.collection}-{f}" for rt in WRITABLE for _, f in required_fields(rt)],
)
def test_a_required_field_sent_as_null_is_400_and_changes_nothing(
    api: httpx.Client, rt: RecordType, field: str
) -> None:
    other = optional_text(rt, 0)
    record = create(api, rt)

    response = put(api, rt, record, **{field: None, other: "must not stick"})

    assert response.status_code == 400, response.text
    assert field in [e["FIELD"] for e in response.json()["Errors"]]
    assert get(api, rt, record) == record


# --- CUSTOMFIELDS ----------------------------------------------------------------------------


@each_type(Feature.CUSTOM_FIELDS)
def test_customfields_are_merged_by_field_name(api: httpx.Client, rt: RecordType) -> None:
    record = with_custom(api, rt, A="1", B="2")

    updated = put_ok(api, rt, record, CUSTOMFIELDS=set_custom("A", "9"))

    assert custom_values(updated) == {custom("A"): "9", custom("B"): "2"}


@each_type(Feature.CUSTOM_FIELDS)
def test_a_customfield_sent_with_a_null_value_is_cleared(api: httpx.Client, rt: RecordType) -> None:
    record = with_custom(api, rt, A="1", B="2")

    updated = put_ok(api, rt, record, CUSTOMFIELDS=set_custom("A", None))

    assert custom_values(updated) == {custom("B"): "2"}


@each_type(Feature.CUSTOM_FIELDS)
def test_a_new_customfield_is_added_to_the_others(api: httpx.Client, rt: RecordType) -> None:
    record = with_custom(api, rt, A="1")

    updated = put_ok(api, rt, record, CUSTOMFIELDS=set_custom("C", 3))

    assert custom_values(updated) == {custom("A"): "1", custom("C"): 3}


@each_type(Feature.CUSTOM_FIELDS)
@pytest.mark.parametrize("sent", ["absent", "empty"])
def test_customfields_absent_or_empty_are_unchanged(
    api: httpx.Client, rt: RecordType, sent: str
) -> None:
    record = with_custom(api, rt, A="1", B="2")
    body = {"CUSTOMFIELDS": []} if sent == "empty" else {optional_text(rt, 0): "x"}

    updated = put_ok(api, rt, record, **body)

    assert custom_values(updated) == {custom("A"): "1", custom("B"): "2"}


# --- TAGS, DATES, EMAILDOMAINS, LINKS --------------------------------------------------------


@type_sub_pairs(SUBS)
def test_an_array_sent_becomes_exactly_the_sub_collection(
    api: httpx.Client, rt: RecordType, sub: Sub
) -> None:
    record = with_items(api, rt, sub, 1, 2)
    second = by_value(record[sub.key], sub)[sub.make(api, rt, 2)[sub.value_key]]
    sent = [second, sub.make(api, rt, 3)]

    updated = put_ok(api, rt, record, **{sub.key: sent})

    assert values(updated[sub.key], sub) == values(sent, sub)
    assert without(updated, sub.key) == without(record, sub.key)


@type_sub_pairs(SUBS_WITH_IDS)
def test_an_item_with_an_existing_id_is_updated_in_place(
    api: httpx.Client, rt: RecordType, sub: Sub
) -> None:
    record = with_items(api, rt, sub, 1)
    with_items(api, rt, sub, 8)  # a later row, so that a re-inserted item could not reuse the id
    [item] = record[sub.key]
    changed = {**item, sub.value_key: sub.make(api, rt, 9)[sub.value_key]}

    updated = put_ok(api, rt, record, **{sub.key: [changed]})

    [result] = updated[sub.key]
    assert result[sub.id_key] == item[sub.id_key]
    assert result[sub.value_key] == changed[sub.value_key]


@type_sub_pairs(SUBS_WITH_IDS)
def test_an_item_id_of_another_record_does_not_touch_that_record(
    api: httpx.Client, rt: RecordType, sub: Sub
) -> None:
    theirs = with_items(api, rt, sub, 1)
    record = with_items(api, rt, sub, 2)
    their_item = {k: v for k, v in theirs[sub.key][0].items() if k not in LINK_OWNER_KEYS}
    stolen = {**their_item, sub.value_key: sub.make(api, rt, 5)[sub.value_key]}

    updated = put_ok(api, rt, record, **{sub.key: [stolen]})

    assert values(updated[sub.key], sub) == [stolen[sub.value_key]]
    assert get(api, rt, theirs) == theirs


@type_sub_pairs(SUBS_WITH_IDS)
def test_items_left_out_are_removed_kept_ones_keep_their_ids_new_ones_are_added(
    api: httpx.Client, rt: RecordType, sub: Sub
) -> None:
    record = with_items(api, rt, sub, 1, 2)
    with_items(api, rt, sub, 8)  # a later row, so that a re-inserted item could not reuse the id
    first, _second = sorted(record[sub.key], key=lambda i: i[sub.value_key])
    new = sub.make(api, rt, 3)

    updated = put_ok(api, rt, record, **{sub.key: [first, new]})

    items = by_value(updated[sub.key], sub)
    assert sorted(items) == values([first, new], sub)
    assert items[first[sub.value_key]] == first
    assert isinstance(items[new[sub.value_key]][sub.id_key], int)
    assert items[new[sub.value_key]][sub.id_key] != first[sub.id_key]


@type_sub_pairs(SUBS)
def test_an_array_left_out_is_unchanged(api: httpx.Client, rt: RecordType, sub: Sub) -> None:
    field = optional_text(rt, 0)
    record = with_items(api, rt, sub, 1, 2)

    updated = put_ok(api, rt, record, **{field: "only this"})

    assert updated[sub.key] == record[sub.key]
    assert updated[field] == "only this"


@type_sub_pairs(SUBS)
def test_an_empty_array_empties_the_sub_collection(
    api: httpx.Client, rt: RecordType, sub: Sub
) -> None:
    record = with_items(api, rt, sub, 1, 2)

    updated = put_ok(api, rt, record, **{sub.key: []})

    assert updated[sub.key] == []
    assert without(updated, sub.key) == without(record, sub.key)


@each_type(Feature.LINKS)
def test_a_link_removed_by_put_is_gone_from_the_other_end_too(
    api: httpx.Client, rt: RecordType
) -> None:
    record = create(api, rt, LINKS=[link_item(api, rt, 1)])
    [link] = record["LINKS"]
    other = f"/{by_singular(link['LINK_OBJECT_NAME']).collection}/{link['LINK_OBJECT_ID']}"
    assert [x["LINK_ID"] for x in api.get(other).json()["LINKS"]] == [link["LINK_ID"]]

    put_ok(api, rt, record, LINKS=[])

    assert api.get(other).json()["LINKS"] == []


# --- a failing PUT changes nothing -----------------------------------------------------------


def arrays_of(rt: RecordType) -> list[str]:
    """The array keys of a PUT body of `rt`: CUSTOMFIELDS and the replaced sub-collections."""
    keys = ["CUSTOMFIELDS"] if rt.has(Feature.CUSTOM_FIELDS) else []
    return keys + [sub.key for sub in SUBS if rt.has(sub.feature)]


def populated(api: httpx.Client, rt: RecordType) -> Record:
    """A record with a value in every array, so that any change to one would show."""
    extra: Record = {sub.key: [sub.make(api, rt, 1)] for sub in SUBS if rt.has(sub.feature)}
    if rt.has(Feature.CUSTOM_FIELDS):
        extra["CUSTOMFIELDS"] = set_custom("A", "original")
    return create(api, rt, **extra)


def full_change(api: httpx.Client, rt: RecordType) -> Record:
    """A valid PUT body that changes a scalar, the custom fields and every sub-collection."""
    body: Record = {optional_text(rt, 0): "changed by a failed PUT"}
    body.update({sub.key: [sub.make(api, rt, 7)] for sub in SUBS if rt.has(sub.feature)})
    if rt.has(Feature.CUSTOM_FIELDS):
        body["CUSTOMFIELDS"] = set_custom("A", "changed by a failed PUT")
    return body


def link_targets(api: httpx.Client, body: Record) -> list[Record]:
    """The records the body's links point to, as they are now (a failed PUT must not touch them)."""
    paths = [
        f"/{by_singular(link['LINK_OBJECT_NAME']).collection}/{link['LINK_OBJECT_ID']}"
        for link in body.get("LINKS", [])
    ]
    return [api.get(path).json() for path in paths]


def lower_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {k.lower(): lower_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [lower_keys(v) for v in value]
    return value


@each_type()
def test_put_keys_match_in_any_case(api: httpx.Client, rt: RecordType) -> None:
    record = populated(api, rt)
    body = full_change(api, rt)
    for sub in SUBS_WITH_IDS:
        if rt.has(sub.feature):  # keep the existing item by its id, written in lower case
            body[sub.key] = [*body[sub.key], record[sub.key][0]]

    updated = put_ok(api, rt, record, **lower_keys(body))

    for key, sent in body.items():
        if key == "CUSTOMFIELDS":
            assert custom_values(updated) == {custom("A"): sent[0]["FIELD_VALUE"]}
        elif isinstance(sent, list):
            sub = next(s for s in SUBS if s.key == key)
            assert values(updated[key], sub) == values(sent, sub)
        else:
            assert updated[key] == sent
    for sub in SUBS_WITH_IDS:
        if rt.has(sub.feature):
            assert record[sub.key][0] in updated[sub.key]


@pytest.mark.parametrize(
    ("rt", "bad"),
    [(rt, key) for rt in WRITABLE for key in arrays_of(rt)],
    ids=[f"{rt.collection}-bad-{key}" for rt in WRITABLE for key in arrays_of(rt)],
)
def test_one_bad_item_fails_the_whole_put_and_changes_nothing(
    api: httpx.Client, rt: RecordType, bad: str
) -> None:
    record = populated(api, rt)
    body = full_change(api, rt)
    body[bad] = [*body[bad], BAD_ITEMS[bad]]

    targets = link_targets(api, body)

    response = put(api, rt, record, **body)

    assert response.status_code == 400, response.text
    assert any(bad in e["FIELD"] for e in response.json()["Errors"]), response.text
    assert get(api, rt, record) == record
    assert link_targets(api, body) == targets


@each_type(Feature.LINKS)
def test_a_link_to_a_record_of_another_instance_fails_and_changes_nothing(
    api: httpx.Client, make_tenant: Callable[[], Any], rt: RecordType
) -> None:
    record = populated(api, rt)
    theirs = link_item(make_tenant().client, rt, 8)
    body = full_change(api, rt)
    body["LINKS"] = [*body["LINKS"], theirs]

    response = put(api, rt, record, **body)

    assert response.status_code == 400, response.text
    assert get(api, rt, record) == record


@each_type()
def test_a_bad_scalar_fails_the_whole_put_and_changes_nothing(
    api: httpx.Client, rt: RecordType
) -> None:
    record = populated(api, rt)
    limited = next(f for f in (text_fields(rt, required=False) or text_fields(rt)) if f.max_length)
    body = {**full_change(api, rt), limited.name: "x" * (limited.max_length + 1)}

    response = put(api, rt, record, **body)

    assert response.status_code == 400, response.text
    assert limited.name in [e["FIELD"] for e in response.json()["Errors"]]
    assert get(api, rt, record) == record


# --- sub-resource endpoints ------------------------------------------------------------------


def sub_path(rt: RecordType, record: Record, sub: Sub) -> str:
    return f"/{rt.collection}/{record_id(rt, record)}/{sub.endpoint}"


@type_sub_pairs(SUBS_WITH_ENDPOINTS)
def test_get_sub_resource_lists_the_items(api: httpx.Client, rt: RecordType, sub: Sub) -> None:
    record = with_items(api, rt, sub, 1, 2)

    response = api.get(sub_path(rt, record, sub))

    assert response.status_code == 200
    assert sorted(response.json(), key=str) == sorted(record[sub.key], key=str)


@type_sub_pairs(SUBS_WITH_ENDPOINTS)
def test_put_sub_resource_replaces_the_items(api: httpx.Client, rt: RecordType, sub: Sub) -> None:
    record = with_items(api, rt, sub, 1, 2)
    first = by_value(record[sub.key], sub)[sub.make(api, rt, 1)[sub.value_key]]
    sent = [first, sub.make(api, rt, 3)]

    response = api.put(sub_path(rt, record, sub), json=sent)

    assert response.status_code == 200, response.text
    assert values(response.json(), sub) == values(sent, sub)
    after = get(api, rt, record)
    assert sorted(after[sub.key], key=str) == sorted(response.json(), key=str)
    assert without(after, sub.key) == without(record, sub.key)
    if sub.id_key:
        assert by_value(after[sub.key], sub)[first[sub.value_key]] == first


@type_sub_pairs(SUBS_WITH_ENDPOINTS)
def test_put_sub_resource_with_a_bad_item_changes_nothing(
    api: httpx.Client, rt: RecordType, sub: Sub
) -> None:
    record = with_items(api, rt, sub, 1, 2)

    response = api.put(sub_path(rt, record, sub), json=[sub.make(api, rt, 3), BAD_ITEMS[sub.key]])

    assert response.status_code == 400, response.text
    assert get(api, rt, record) == record


@type_sub_pairs(SUBS_WITH_ENDPOINTS)
@pytest.mark.parametrize("method", ["GET", "PUT"])
def test_sub_resource_of_a_missing_record_is_404(
    api: httpx.Client, rt: RecordType, sub: Sub, method: str
) -> None:
    record = create(api, rt)
    assert api.delete(f"/{rt.collection}/{record_id(rt, record)}").status_code == 202

    response = api.request(method, sub_path(rt, record, sub), json=[])

    assert response.status_code == 404, response.text


TAGS = next(s for s in SUBS if s.key == "TAGS")


def tag_names(api: httpx.Client, rt: RecordType, record: Record) -> list[str]:
    response = api.get(sub_path(rt, record, TAGS))
    assert response.status_code == 200
    return sorted(t["TAG_NAME"] for t in response.json())


@each_type(Feature.TAGS)
@pytest.mark.parametrize("key", ["TAG_NAME", "tag_name"])
def test_post_tags_adds_one_tag(api: httpx.Client, rt: RecordType, key: str) -> None:
    record = with_items(api, rt, TAGS, 1)

    response = api.post(sub_path(rt, record, TAGS), json={key: "added"})

    assert response.status_code in (200, 201), response.text
    assert tag_names(api, rt, record) == ["added", "tag-1"]


@each_type(Feature.TAGS)
@pytest.mark.parametrize("key", ["TAG_NAME", "tag_name"])
def test_delete_tags_with_a_body_removes_that_tag(
    api: httpx.Client, rt: RecordType, key: str
) -> None:
    record = with_items(api, rt, TAGS, 1, 2)

    response = api.request("DELETE", sub_path(rt, record, TAGS), json={key: "tag-1"})

    assert response.status_code == 202, response.text
    assert response.content == b""
    assert tag_names(api, rt, record) == ["tag-2"]


@each_type(Feature.TAGS)
@pytest.mark.parametrize("method", ["POST", "DELETE"])
def test_tag_endpoints_of_a_missing_record_are_404(
    api: httpx.Client, rt: RecordType, method: str
) -> None:
    record = create(api, rt)
    assert api.delete(f"/{rt.collection}/{record_id(rt, record)}").status_code == 202

    response = api.request(method, sub_path(rt, record, TAGS), json={"TAG_NAME": "x"})

    assert response.status_code == 404, response.text
