"""Every record type of the registry reaches the SDK, the web app and the contract suite.

A standard type is one registry declaration (with its migration); everything else follows from
it. This fails when something did not follow: the SDK not regenerated (python -m
rolodex.cli.sdk_source), a page the web app does not serve, a type no contract test exercises.
"""

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine

from rolodex.client import (
    MODELS,
    OBJECT_TYPES,
    AsyncClient,
    AsyncResource,
    Client,
    Resource,
    object_type,
)
from rolodex.domain.registry import RECORD_TYPES, Feature, RecordType
from rolodex.services.sessions import set_password
from rolodex.storage.engine import unit_of_work
from rolodex.wire.records import SUB_COLLECTIONS
from tests import test_contract
from tests.conftest import Tenant
from tests.web.conftest import sign_in

TESTS = Path(__file__).resolve().parent
EACH_TYPE = pytest.mark.parametrize("rt", RECORD_TYPES, ids=[rt.collection for rt in RECORD_TYPES])
# Where the web app shows a type it does not browse among the records.
NOT_BROWSED = {"Users": "/admin/users"}
# The contract suite exercises every type it can create; a type created another way (under its
# owner, by import, by an admin) has a suite of its own, which must address its collection.
OWN_SUITES = {
    "Notes": "test_notes.py",  # created under their parent record
    "Users": "test_auth.py",  # read-only in the API; created by an admin
    "Emails": "test_emails.py",  # created by importing a message
    "Milestones": "test_milestones.py",  # created under their project
    # created under their product or price book, their opportunity, their quotation
    "PricebookEntry": "test_sales.py",
    "OpportunityLineItem": "test_sales.py",
    "QuotationLineItem": "test_sales.py",
}


@EACH_TYPE
def test_the_sdk_has_the_type_its_record_class_and_a_resource(rt: RecordType) -> None:
    kind = object_type(rt.collection)
    assert (kind.collection, kind.singular, kind.id_field) == (
        rt.collection,
        rt.singular,
        rt.id_field,
    )
    assert kind.features == {feature.value for feature in rt.features}
    model = MODELS[rt.collection]
    assert model.__name__ == rt.singular
    arrays = {sub.array for sub in SUB_COLLECTIONS}
    assert [name for name in model.__annotations__ if name not in arrays] == [
        spec.name for spec in rt.fields
    ]
    for client, resource in ((Client, Resource), (AsyncClient, AsyncResource)):
        attribute = getattr(client, rt.collection.lower())
        assert attribute.func.__annotations__["return"] == resource[model]
    assert len(OBJECT_TYPES) == len(RECORD_TYPES)


@cache
def contract_types() -> frozenset[str]:
    """The collections the contract suite's tests are parametrised with."""
    found = set()
    for value in vars(test_contract).values():
        for mark in getattr(value, "pytestmark", []):
            if mark.name == "parametrize" and mark.args[0] == "rt":
                found |= {rt.collection for rt in mark.args[1]}
    return frozenset(found)


def addressed_paths(path: Path) -> set[str]:
    """The first path segments of the string literals of a test module ("/Emails/1" -> Emails)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and str(node.value).startswith("/"):
            found.add(node.value[1:].split("/")[0].split("?")[0])
    return found


@EACH_TYPE
def test_the_contract_suite_or_the_types_own_suite_covers_it(rt: RecordType) -> None:
    if rt.has(Feature.CREATE):
        assert rt.collection in contract_types()
        return
    suite = OWN_SUITES.get(rt.collection)
    assert suite is not None, f"{rt.collection} cannot be created: name the suite that tests it"
    assert rt.collection in addressed_paths(TESTS / suite)


@pytest.fixture
def web(base_url: str, tenant: Tenant, engine: Engine) -> Iterator[httpx.Client]:
    password = "pw-type-coverage"
    with unit_of_work(engine, write=True) as connection:
        set_password(connection, tenant.email, password)
    with httpx.Client(base_url=base_url, timeout=30) as client:
        assert sign_in(client, tenant.email, password).status_code == 303
        yield client


def test_the_web_app_shows_every_type(web: httpx.Client) -> None:
    home = web.get("/").text  # a signed-in user's home lists the types to browse
    for rt in RECORD_TYPES:
        url = NOT_BROWSED.get(rt.collection, f"/records/{rt.singular}")
        page = web.get(url)
        assert page.status_code == 200, (rt.collection, page.status_code)
        if rt.collection not in NOT_BROWSED:
            assert f'href="{url}"' in home, f"the home page has no link to {rt.collection}"
