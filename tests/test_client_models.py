"""The SDK's typed records: generated from the registry, dicts with typed attribute access."""

import copy
import json
import pickle
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from rolodex.cli import sdk_source
from rolodex.client import (
    MODELS,
    AsyncClient,
    Client,
    Contact,
    CustomObjectRecord,
    Organisation,
    Tombstone,
    WireRecord,
)
from rolodex.domain.registry import RECORD_TYPES
from tests.conftest import SUITE_OBJECT, Tenant, run_coroutine


@pytest.mark.parametrize("path", sorted(sdk_source.GENERATED), ids=lambda path: path.name)
def test_the_generated_sdk_files_are_what_the_registry_and_the_core_render(path: Path) -> None:
    """Fails when a record type or a core method changed: run `python -m rolodex.cli.sdk_source`."""
    assert path.read_text(encoding="utf-8") == sdk_source.rendered(path)


def test_every_registry_field_is_declared_with_its_type() -> None:
    kinds = {"text": str, "int": int, "bool": bool, "datetime": str, "decimal": float}
    for rt in RECORD_TYPES:
        model = MODELS[rt.collection]
        hints = model.__annotations__
        for spec in rt.fields:
            expected = kinds[spec.kind.value]
            declared = hints[spec.name]
            assert declared == (expected if spec.name == rt.id_field else expected | None)


def test_records_read_by_key_and_by_attribute_and_keep_unknown_fields() -> None:
    wire = {"CONTACT_ID": 7, "FIRST_NAME": "Ada", "TAGS": [], "SOMETHING_NEW": {"x": 1}}
    contact = Contact(wire)
    assert contact == wire
    assert contact.FIRST_NAME == contact["FIRST_NAME"] == "Ada"
    assert contact.SOMETHING_NEW == {"x": 1}  # a field only Insightly has is kept
    with pytest.raises(AttributeError, match="LAST_NAME"):
        _ = contact.LAST_NAME
    with pytest.raises(KeyError):
        _ = contact["LAST_NAME"]
    contact.TITLE = "Countess"
    assert contact["TITLE"] == "Countess"
    del contact.TITLE
    assert "TITLE" not in contact
    assert json.loads(json.dumps(contact)) == wire
    for twin in (copy.copy(contact), copy.deepcopy(contact), pickle.loads(pickle.dumps(contact))):
        assert type(twin) is Contact
        assert twin == contact


def test_the_clients_return_typed_records(base_url: str, tenant: Tenant) -> None:
    with Client(base_url, tenant.api_key) as crm:
        org = crm.organisations.create({"ORGANISATION_NAME": "Acme"})
        contact = crm.contacts.create({"FIRST_NAME": "Ada", "ORGANISATION_ID": org.ORGANISATION_ID})
        assert isinstance(org, Organisation)
        assert isinstance(contact, Contact)
        assert org["ORGANISATION_ID"] == contact.ORGANISATION_ID
        assert all(isinstance(c, Contact) for c in crm.contacts.iterate())
        assert all(isinstance(c, Contact) for c in crm.contacts.search("FIRST_NAME", "Ada"))
        assert type(crm.resource("contact").get(contact.CONTACT_ID)) is Contact
        item = crm.custom(SUITE_OBJECT).create({"RECORD_NAME": "First"})
        assert isinstance(item, CustomObjectRecord)
        assert item.RECORD_NAME == "First"
        crm.contacts.delete(contact.CONTACT_ID)
        (gone,) = crm.contacts.deleted()
        assert isinstance(gone, Tombstone)
        assert gone.ID == contact.CONTACT_ID

    async def scenario() -> list[type[WireRecord]]:
        async with AsyncClient(base_url, tenant.api_key) as crm:
            got = await crm.organisations.get(org.ORGANISATION_ID)
            listed = [type(o) async for o in crm.organisations.iterate()]
            return [type(got), *listed]

    assert run_coroutine(scenario()) == [Organisation, Organisation]


def test_a_client_of_another_server_keeps_its_fields() -> None:
    """Against Insightly (here a stand-in answering Insightly's shape), nothing is rejected."""

    def insightly(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, json={"CONTACT_ID": 5, "FIRST_NAME": None, "VISIBLE_TO": "EVERYONE"}
        )

    transport = httpx.MockTransport(insightly)
    with Client("https://api.na1.insightly.com/v3.1", "k", transport=transport) as crm:
        contact = crm.contacts.get(5)
    assert contact.VISIBLE_TO == "EVERYONE"
    assert contact.FIRST_NAME is None


TYPED_USE = """
from rolodex.client import AsyncClient, Client

def sync_use(crm: Client) -> None:
    contact = crm.contacts.get(1)
    reveal_type(contact)
    reveal_type(contact.FIRST_NAME)
    reveal_type(contact.TAGS[0]["TAG_NAME"])
    reveal_type(crm.opportunities.create({}).BID_AMOUNT)
    reveal_type(next(iter(crm.contacts.deleted())).ID)
    reveal_type(crm.milestones.update(1, {"TITLE": "Beta"}))
    count: int = contact.EMAIL_ADDRESS

async def async_use(crm: AsyncClient) -> None:
    reveal_type((await crm.organisations.get(1)).ORGANISATION_NAME)
    reveal_type(await crm.contacts.exists(1))
    async for lead in crm.leads.search_all("LAST_NAME", "Lovelace"):
        reveal_type(lead)
"""


def test_type_checkers_see_the_field_types(tmp_path: Path) -> None:
    source = tmp_path / "use.py"
    source.write_text(TYPED_USE)
    checked = subprocess.run(
        [
            *(sys.executable, "-m", "mypy", "--no-error-summary", "--config-file", ""),
            *("--cache-dir", str(tmp_path / "cache"), "--follow-imports", "silent", str(source)),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=tmp_path,
    )
    revealed = [
        line.split("Revealed type is ")[1].strip('"').replace("builtins.", "")
        for line in checked.stdout.splitlines()
        if "Revealed type is" in line
    ]
    assert revealed == [
        "rolodex.client.models.Contact",
        "str | None",
        "str",
        "float | None",
        "int",
        "rolodex.client.models.Milestone",
        "str | None",
        "bool",
        "rolodex.client.models.Lead",
    ], checked.stdout + checked.stderr
    assert 'Incompatible types in assignment (expression has type "str | None"' in checked.stdout
