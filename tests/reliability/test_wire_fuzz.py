"""Hypothesis on the wire models: random bodies, near-valid and wild, in JSON and in XML.

The models themselves must accept a body or refuse it with a 400 (BadRequest), never raise
anything else; over HTTP, a POST or PUT of any record type must never answer 5xx, and a 2xx
answer must match the OpenAPI document.
"""

import json
import string
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from rolodex.domain.registry import FieldSpec, Kind, RecordType
from rolodex.errors import BadRequest
from rolodex.wire import xml
from rolodex.wire.records import create_model_for, update_model_for, validate, write_model
from tests.conftest import Tenant
from tests.reliability.harness import scaled
from tests.test_contract import CREATABLE, minimal_body
from tests.test_openapi import OPERATIONS

FUZZ_SETTINGS = settings(
    deadline=None,
    derandomize=True,  # the same bodies every run: CI results are reproducible
    database=None,
    suppress_health_check=list(HealthCheck),
)

XML_NAME = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,12}", fullmatch=True)
# Text as clients send it, plus what XML cannot carry (control characters) now and then.
TEXT = st.text(max_size=40) | st.text(string.printable, max_size=300)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()
    | TEXT
    | st.sampled_from(["true", "False", "1", "", " ", "2024-02-30", "2024-05-01T10:00:00+02:00"])
)


def anything(keys: st.SearchStrategy[str]) -> st.SearchStrategy[Any]:
    """Any JSON value, nested a little."""
    return st.recursive(
        SCALARS,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=3),
        max_leaves=8,
    )


def near_valid(spec: FieldSpec) -> st.SearchStrategy[Any]:
    """Values of the field's type (at and past its limits), and some of any other type."""
    typed: st.SearchStrategy[Any]
    if spec.choices:
        typed = st.sampled_from(spec.choices).map(lambda c: c.lower()) | st.sampled_from(
            spec.choices
        )
    elif spec.kind is Kind.TEXT:
        limit = spec.max_length or 255
        typed = st.text(min_size=limit - 1, max_size=limit + 1) | TEXT
    elif spec.kind is Kind.INT:
        typed = st.integers(min_value=-(2**64), max_value=2**64) | st.integers(0, 10)
    elif spec.kind is Kind.DATETIME:
        typed = st.datetimes().map(lambda d: d.strftime("%Y-%m-%d %H:%M:%S")) | st.dates().map(str)
    elif spec.kind is Kind.DECIMAL:
        typed = st.decimals(allow_nan=False, places=6).map(str) | st.floats()
    else:
        typed = st.booleans()
    return typed | SCALARS


def items(fields: dict[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[list[Any]]:
    return st.lists(st.fixed_dictionaries({}, optional=fields), max_size=3)


def bodies(rt: RecordType, keys: st.SearchStrategy[str]) -> st.SearchStrategy[dict[str, Any]]:
    """A record body of `rt`: its fields in any letter case, its sub-collections, extra keys."""
    fields: dict[str, st.SearchStrategy[Any]] = {
        spec.name: near_valid(spec) for spec in rt.writable_fields
    }
    sub = {
        "TAGS": items({"TAG_NAME": TEXT}),
        "DATES": items({"OCCASION_NAME": TEXT, "OCCASION_DATE": SCALARS, "REPEAT_YEARLY": SCALARS}),
        "LINKS": items({"LINK_OBJECT_NAME": TEXT, "LINK_OBJECT_ID": SCALARS}),
        "EMAILDOMAINS": items({"EMAIL_DOMAIN": TEXT}),
        "CUSTOMFIELDS": items({"FIELD_NAME": TEXT, "FIELD_VALUE": SCALARS}),
    }
    known = st.fixed_dictionaries({}, optional={**fields, **sub})
    cased = st.tuples(known, st.sampled_from([str.upper, str.lower, str.title])).map(
        lambda pair: {pair[1](key): value for key, value in pair[0].items()}
    )
    extra = st.dictionaries(keys, anything(keys), max_size=3)
    return st.tuples(cased, extra).map(lambda pair: {**pair[1], **pair[0]})


TYPE_IDS = [rt.collection for rt in CREATABLE]


@pytest.mark.parametrize("rt", CREATABLE, ids=TYPE_IDS)
def test_the_models_accept_or_refuse_with_a_400(rt: RecordType) -> None:
    @given(body=bodies(rt, st.text(max_size=12)) | anything(st.text(max_size=12)))
    @settings(FUZZ_SETTINGS, max_examples=scaled(150))
    def check(body: Any) -> None:
        for model in (create_model_for(rt), update_model_for(rt), write_model(rt)):
            try:
                validate(model, body)
            except BadRequest as refused:
                assert refused.message

    check()


@given(document=st.binary(max_size=200) | TEXT.map(str.encode))
@settings(FUZZ_SETTINGS, max_examples=scaled(300))
def test_xml_bodies_parse_or_are_refused_with_a_400(document: bytes) -> None:
    try:
        xml.loads(b"<Contact>" + document + b"</Contact>")
        xml.loads(document)
    except BadRequest as refused:
        assert refused.message


@pytest.fixture(scope="module")
def records(make_session_tenant: Callable[[], Tenant]) -> tuple[Tenant, dict[str, int]]:
    """An instance with one record of every type, for the PUTs to change."""
    tenant = make_session_tenant()
    ids = {}
    for rt in CREATABLE:
        created = tenant.client.post(f"/{rt.collection}", json=minimal_body(tenant.client, rt))
        assert created.status_code == 201, created.text
        ids[rt.collection] = created.json()[rt.id_field]
    return tenant, ids


def label_of(rt: RecordType, method: str) -> str:
    collection = "{object_name}" if rt.custom_object else rt.collection
    return f"{method} /v3.1/{collection}" + ("/{record_id}" if method == "PUT" else "")


@pytest.mark.parametrize("form", ["json", "xml"])
@pytest.mark.parametrize("method", ["POST", "PUT"])
@pytest.mark.parametrize("rt", CREATABLE, ids=TYPE_IDS)
def test_random_bodies_never_get_a_5xx(
    rt: RecordType, method: str, form: str, records: tuple[Tenant, dict[str, int]]
) -> None:
    tenant, ids = records
    path = f"/{rt.collection}" + (f"/{ids[rt.collection]}" if method == "PUT" else "")
    operation = OPERATIONS[label_of(rt, method)]
    keys = XML_NAME if form == "xml" else st.text(max_size=12)

    successes = []

    @given(body=bodies(rt, keys))
    @example(body={})  # a PUT that changes nothing: its 200 is checked against the document
    @settings(FUZZ_SETTINGS, max_examples=scaled(8))
    def check(body: dict[str, Any]) -> None:
        if form == "xml":
            content = xml.dumps(body, rt.singular)
            headers = {"Content-Type": "application/xml", "Accept": "application/json"}
        else:
            content = json.dumps(body).encode()  # NaN and Infinity included, as JSON.dumps does
            headers = {"Content-Type": "application/json"}
        response = tenant.client.request(method, path, content=content, headers=headers)
        assert response.status_code < 500, response.text
        if response.is_success:
            operation.validate_response(response)
            successes.append(response.status_code)
        else:
            assert response.json()["Message"]

    check()
    if method == "PUT" and form == "json":
        assert successes


def test_a_nested_json_bomb_is_a_400(records: tuple[Tenant, dict[str, int]]) -> None:
    tenant, _ = records
    deep = "[" * 100_000 + "]" * 100_000
    response = tenant.client.post(
        "/Contacts", content=deep, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400, response.text
