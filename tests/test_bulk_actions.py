"""BulkService over every record type (custom objects too): tag, delete and export chosen
records through the API's rules; a read-only caller exports only; a selection with a record
the caller cannot see is refused whole; a form's bad selection is a 400 with a message."""

import csv
import io

import httpx
import pytest
from sqlalchemy import Engine

from rolodex.domain.registry import CONTACTS, Feature, RecordType
from rolodex.errors import BadRequest, Forbidden, NotFound
from rolodex.services.bulk_actions import MAX_SELECTION, BulkService, parse_selection
from rolodex.services.context import Caller
from rolodex.storage.engine import unit_of_work
from tests.conftest import Tenant
from tests.test_contract import CREATABLE, create, each_type, record_id

DELETABLE = [rt for rt in CREATABLE if rt.deletable]


def admin_of(tenant: Tenant) -> Caller:
    return Caller(tenant.instance_id, tenant.user_id, is_admin=True)


@each_type(Feature.TAGS)
def test_chosen_records_of_every_type_are_tagged_and_exported(
    api: httpx.Client, tenant: Tenant, engine: Engine, rt: RecordType
) -> None:
    ids = [record_id(rt, create(api, rt)) for _ in range(2)]
    with unit_of_work(engine, write=True) as connection:
        assert BulkService(connection, admin_of(tenant), rt).tag(ids, "Bulk") == 2
    with unit_of_work(engine) as connection:
        text = BulkService(connection, admin_of(tenant), rt).export_csv(list(reversed(ids)))
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [int(row[rt.id_field]) for row in rows] == list(reversed(ids))
    assert [row["TAGS"] for row in rows] == ["Bulk", "Bulk"]


@pytest.mark.parametrize("rt", DELETABLE, ids=[rt.collection for rt in DELETABLE])
def test_chosen_records_of_every_type_are_deleted(
    api: httpx.Client, tenant: Tenant, engine: Engine, rt: RecordType
) -> None:
    kept, *chosen = [record_id(rt, create(api, rt)) for _ in range(3)]
    with unit_of_work(engine, write=True) as connection:
        assert BulkService(connection, admin_of(tenant), rt).delete(chosen) == []
    for gone in chosen:
        assert api.get(f"/{rt.collection}/{gone}").status_code == 404
    assert api.get(f"/{rt.collection}/{kept}").status_code == 200


def test_a_read_only_caller_exports_but_changes_nothing(
    api: httpx.Client, tenant: Tenant, engine: Engine
) -> None:
    contact = record_id(CONTACTS, create(api, CONTACTS))
    user_id, _ = tenant.add_user(engine, "reader@example.com")
    reader = Caller(tenant.instance_id, user_id, read_only=True)
    with unit_of_work(engine, write=True) as connection:
        service = BulkService(connection, reader, CONTACTS)
        with pytest.raises(Forbidden):
            service.tag([contact], "No")
        with pytest.raises(Forbidden):
            service.delete([contact])
        assert str(contact) in service.export_csv([contact])
    assert api.get(f"/Contacts/{contact}").json()["TAGS"] == []


def test_a_record_the_caller_cannot_see_makes_the_whole_selection_refused(
    api: httpx.Client, tenant: Tenant, engine: Engine
) -> None:
    seen = record_id(CONTACTS, create(api, CONTACTS))
    hidden = record_id(CONTACTS, create(api, CONTACTS, VISIBLE_TO="OWNER"))
    user_id, _ = tenant.add_user(engine, "member@example.com")
    member = Caller(tenant.instance_id, user_id)
    for action in ("tag", "delete", "export", "names"):
        with unit_of_work(engine, write=True) as connection:
            service = BulkService(connection, member, CONTACTS)
            with pytest.raises(NotFound, match="1 of the chosen contacts"):
                if action == "tag":
                    service.tag([seen, hidden], "Mine")
                elif action == "delete":
                    service.delete([seen, hidden])
                elif action == "export":
                    service.export_csv([seen, hidden])
                else:
                    service.names([seen, hidden], "Contact")
    assert api.get(f"/Contacts/{seen}").json()["TAGS"] == []
    assert api.get(f"/Contacts/{hidden}").status_code == 200


def test_a_forms_selection_is_parsed_or_refused_with_a_message() -> None:
    assert parse_selection(["3", " 5", "3"]) == [3, 5]
    for raw, message in (
        ([], "Choose at least one record first."),
        (["x"], "'x' is not a record ID."),
        (["-1"], "'-1' is not a record ID."),
        (["9" * 20], "is not a record ID."),
        ([str(n) for n in range(1, MAX_SELECTION + 2)], f"at most {MAX_SELECTION}"),
    ):
        with pytest.raises(BadRequest, match=message):
            parse_selection(raw)
