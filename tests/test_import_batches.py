"""`rolodex import --database-url` in batches: the API's rules and rejects, exact dry runs,
--match-on across and within batches, and no half-written record after an interruption."""

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from rolodex.client import Client, custom_fields_dict
from rolodex.domain.registry import by_singular
from rolodex.storage.repository import Repository
from rolodex.sync.checks import RowChecker
from rolodex.sync.sinks import ApiSink, LocalSink
from rolodex.sync.transfer import ImportOptions, ImportSummary, Rejects, import_records
from tests.conftest import Tenant

CONTACT = by_singular("Contact")
FIELDS = [
    {"FIELD_NAME": "Colour__c", "FIELD_LABEL": "Colour", "FIELD_TYPE": "TEXT"},
    {"FIELD_NAME": "Score__c", "FIELD_LABEL": "Score", "FIELD_TYPE": "NUMERIC"},
    {"FIELD_NAME": "Member__c", "FIELD_LABEL": "Member", "FIELD_TYPE": "BIT"},
]


def _define(tenant: Tenant) -> None:
    for definition in FIELDS:
        response = tenant.client.post("/CustomFields/Contacts", json=definition)
        assert response.status_code == 201, response.text


def _row(n: int, **extra: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "FIRST_NAME": f"First{n}",
        "LAST_NAME": f"Last{n}",
        "EMAIL_ADDRESS": f"person{n}@example.com",
        "TAGS": [{"TAG_NAME": f"t{n % 3}"}, {"TAG_NAME": "Common"}],
        "CUSTOMFIELDS": [
            {"FIELD_NAME": "Colour__c", "FIELD_VALUE": f"c{n}"},
            {"FIELD_NAME": "Score__c", "FIELD_VALUE": n},
            {"FIELD_NAME": "Member__c", "FIELD_VALUE": n % 2 == 0},
        ],
    }
    row.update(extra)
    return row


def _file(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _local(
    engine: Engine, tenant: Tenant, data: Path, rejects: Path, **options: Any
) -> ImportSummary:
    sink = LocalSink(engine, tenant.instance_id, CONTACT, options.get("dry_run", False))
    found = Rejects(rejects)
    summary = import_records(
        CONTACT, sink, data, "jsonl", ImportOptions(**options), found, lambda _n: None
    )
    found.write()
    return summary


def _picture(base_url: str, tenant: Tenant) -> dict[str, Any]:
    with Client(base_url, tenant.api_key) as crm:
        return {
            c["EMAIL_ADDRESS"]: (
                c["FIRST_NAME"],
                c["TITLE"],
                sorted(t["TAG_NAME"] for t in c["TAGS"]),
                custom_fields_dict(c),
            )
            for c in crm.contacts.iterate()
        }


def _reasons(path: Path) -> list[tuple[int, str]]:
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [(r["line"], r["reason"]) for r in map(json.loads, lines)]


BAD_ROWS = {
    3: _row(3, CUSTOMFIELDS=[{"FIELD_NAME": "Score__c", "FIELD_VALUE": "lots"}]),
    5: _row(5, FIRST_NAME=""),
    7: _row(7, TAGS=[{"NAME": "shape"}]),
    8: _row(8, TAGS=[{"TAG_NAME": "   "}]),
    9: _row(9, CUSTOMFIELDS=[{"FIELD_NAME": "Nope__c", "FIELD_VALUE": 1}]),
    10: _row(10, TAGS=[["vip"]]),
}


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches of 4 rows, so that a few rows cross batch boundaries."""
    monkeypatch.setattr(LocalSink, "batch_rows", 4)
    monkeypatch.setattr(ApiSink, "batch_rows", 4)


def test_bad_rows_are_rejected_as_by_the_api_and_the_rest_lands_exactly(
    engine: Engine,
    base_url: str,
    make_tenant: Any,
    tmp_path: Path,
    small_batches: None,
) -> None:
    by_api, local = make_tenant(), make_tenant()
    for tenant in (by_api, local):
        _define(tenant)
    rows = [BAD_ROWS.get(n, _row(n)) for n in range(1, 13)]
    data = _file(tmp_path / "contacts.jsonl", rows)
    with Client(base_url, by_api.api_key) as crm:
        api_rejects = Rejects(tmp_path / "api.rejects.jsonl")
        api_summary = import_records(
            CONTACT,
            ApiSink(crm.resource("Contacts")),
            data,
            "jsonl",
            ImportOptions(),
            api_rejects,
            lambda _n: None,
        )
        api_rejects.write()
    local_summary = _local(engine, local, data, tmp_path / "local.rejects.jsonl")
    assert local_summary == api_summary
    assert (local_summary.created, local_summary.rejected) == (6, 6)
    api_reasons = _reasons(tmp_path / "api.rejects.jsonl")
    assert [line for line, _ in api_reasons] == sorted(BAD_ROWS)
    assert _reasons(tmp_path / "local.rejects.jsonl") == api_reasons
    assert "Score__c" in dict(api_reasons)[3]
    assert "FIRST_NAME" in dict(api_reasons)[5]
    picture = _picture(base_url, local)
    assert picture == _picture(base_url, by_api)
    assert picture["person4@example.com"] == (
        "First4",
        None,
        ["Common", "t1"],
        {"Colour__c": "c4", "Score__c": 4, "Member__c": True},
    )


def _by_api(
    base_url: str, tenant: Tenant, data: Path, rejects: Path, **options: Any
) -> ImportSummary:
    with Client(base_url, tenant.api_key) as crm:
        found = Rejects(rejects)
        check = RowChecker(crm, CONTACT).check
        summary = import_records(
            CONTACT,
            ApiSink(crm.resource("Contacts"), workers=lambda: 4),
            data,
            "jsonl",
            ImportOptions(**options, check=check),
            found,
            lambda _n: None,
        )
    found.write()
    return summary


@pytest.mark.parametrize("into", ["database", "api"])
def test_dry_run_reports_what_the_real_run_does_and_writes_nothing(
    engine: Engine,
    base_url: str,
    tenant: Tenant,
    tmp_path: Path,
    small_batches: None,
    into: str,
) -> None:
    """Into a database, the dry run rehearses every write and rolls it back; over the API,
    which cannot, it checks each row as the server would. Either way it rejects every row the
    real run rejects, for each of its reasons, in the same words, and counts as it does."""
    _define(tenant)
    tenant.client.post(
        "/Contacts", json={"FIRST_NAME": "Old", "EMAIL_ADDRESS": "person2@example.com"}
    )
    rows = [BAD_ROWS.get(n, _row(n)) for n in range(1, 11)]
    rows.append(_row(4, TITLE="Twice"))  # updates the record row 4 creates, in another batch
    rows.append(_row(11))
    rows.append(_row(11, TITLE="Again"))  # updates the record the row before creates
    rows.append(_row(2, DATE_OF_BIRTH="not a date"))  # an update the server refuses
    rows.append(_row(12, ORGANISATION_ID=987654321))  # a reference to no record
    rows.append(_row(13, TITLE="x" * 300))  # too long
    rows.append(_row(14, EMAIL_ADDRESS=""))  # nothing to match on
    data = _file(tmp_path / "contacts.jsonl", rows)

    def run(rejects: str, dry_run: bool = False) -> ImportSummary:
        if into == "api":
            return _by_api(
                base_url,
                tenant,
                data,
                tmp_path / rejects,
                match_on="EMAIL_ADDRESS",
                dry_run=dry_run,
            )
        return _local(
            engine, tenant, data, tmp_path / rejects, match_on="EMAIL_ADDRESS", dry_run=dry_run
        )

    before = _picture(base_url, tenant)
    dry = run("dry.jsonl", dry_run=True)
    assert _picture(base_url, tenant) == before
    real = run("real.jsonl")
    assert dry == real
    assert (real.created, real.updated, real.rejected) == (4, 3, 10)
    assert _reasons(tmp_path / "dry.jsonl") == _reasons(tmp_path / "real.jsonl")
    rejected = [line for line, _ in _reasons(tmp_path / "real.jsonl")]
    assert rejected == [3, 5, 7, 8, 9, 10, 14, 15, 16, 17]
    picture = _picture(base_url, tenant)
    assert picture["person2@example.com"][0] == "First2"
    assert picture["person4@example.com"][1] == "Twice"
    assert picture["person11@example.com"][1] == "Again"
    again = run("again.jsonl")
    assert (again.created, again.rejected) == (0, 10)


def test_an_import_stopped_mid_batch_leaves_no_half_written_record(
    engine: Engine,
    base_url: str,
    tenant: Tenant,
    tmp_path: Path,
    small_batches: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _define(tenant)
    data = _file(tmp_path / "contacts.jsonl", [_row(n) for n in range(1, 11)])
    id_map = tmp_path / "ids.json"
    real_insert = Repository.insert_children_of_many
    calls = []

    def failing(self: Repository, *args: Any) -> None:
        calls.append(1)
        real_insert(self, *args)  # the records and their tags are written...
        if len(calls) == 2:
            raise RuntimeError("stopped")  # ...and the batch stops before it commits

    monkeypatch.setattr(Repository, "insert_children_of_many", failing)
    with pytest.raises(RuntimeError):
        _local(engine, tenant, data, tmp_path / "r.jsonl", id_map_file=id_map)
    picture = _picture(base_url, tenant)
    assert sorted(picture) == [f"person{n}@example.com" for n in range(1, 5)]
    assert all(tags and custom for _, _, tags, custom in picture.values())
    assert len(json.loads(id_map.read_text())["Contact"]) == 0  # the rows had no source ids
    monkeypatch.setattr(Repository, "insert_children_of_many", real_insert)
    rest = _local(engine, tenant, data, tmp_path / "r.jsonl", match_on="EMAIL_ADDRESS")
    assert (rest.created, rest.unchanged) == (6, 4)
    assert len(_picture(base_url, tenant)) == 10


def test_a_full_batch_reads_back_exactly(
    engine: Engine, base_url: str, tenant: Tenant, tmp_path: Path
) -> None:
    """Enough rows for the multi-row paths (COPY on PostgreSQL) of every sub-row table."""
    _define(tenant)
    rows = [_row(n, PHONE=f"+44 20 7946 {n:04d}") for n in range(1, 251)]
    data = _file(tmp_path / "contacts.jsonl", rows)
    summary = _local(engine, tenant, data, tmp_path / "r.jsonl")
    assert (summary.created, summary.rejected) == (250, 0)
    picture = _picture(base_url, tenant)
    assert len(picture) == 250
    for n in (1, 137, 250):
        assert picture[f"person{n}@example.com"] == (
            f"First{n}",
            None,
            sorted([f"t{n % 3}", "Common"]),
            {"Colour__c": f"c{n}", "Score__c": n, "Member__c": n % 2 == 0},
        )
    found = tenant.client.get(
        "/Contacts/Search", params={"field_name": "Score__c", "field_value": "137"}
    ).json()
    assert [c["EMAIL_ADDRESS"] for c in found] == ["person137@example.com"]
