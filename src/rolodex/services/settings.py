"""Settings collections (lead sources and statuses, categories, pipelines, state reasons,
relationship roles): everyone reads them, only admins change them, and every instance starts with
the defaults of rolodex.domain.defaults.

They go through the generic record engine; what is theirs alone is here: one default row per
collection, deactivation instead of deletion for categories, refusing to delete a row that records
still use, and the lead statuses' hidden converted status.
"""

from typing import Any

from sqlalchemy import Connection, select, update

from rolodex.domain.defaults import DEFAULTS_VERSION, PIPELINE_DEFAULTS, SETTINGS_DEFAULTS
from rolodex.domain.registry import (
    LEAD_STATUS_CONVERTED,
    LEAD_STATUSES,
    PIPELINE_STAGES,
    PIPELINES,
    RECORD_TYPES,
    SETTINGS_TYPES,
    RecordType,
)
from rolodex.errors import Conflict, Forbidden
from rolodex.services.activity_sets import seed_default_sets
from rolodex.services.context import Caller, utc_now
from rolodex.services.records import RecordService, Wire
from rolodex.storage import tables
from rolodex.storage.repository import Page, Repository, Row

# Settings lists are short; a page of one is cut from the whole list.
_WHOLE_LIST = 100_000


class SettingsService:
    """Use cases on one settings collection, for one caller."""

    def __init__(
        self, connection: Connection, caller: Caller, rt: RecordType, if_match: str | None = None
    ) -> None:
        self.rt = rt
        self.caller = caller
        self.records = RecordService(connection, caller, rt, if_match)
        self.repo = self.records.repo

    def list_page(
        self, page: Page, include_converted: bool = False
    ) -> tuple[list[Wire], int | None]:
        if self.rt is not LEAD_STATUSES or include_converted:
            return self.records.list_page(page)
        # Insightly hides the converted lead status unless include_converted=true.
        whole = Page(top=_WHOLE_LIST, updated_after=page.updated_after)
        rows, _ = self.repo.list_records(self.rt, whole)
        shown = [row for row in rows if row["status_type"] != LEAD_STATUS_CONVERTED]
        total = len(shown) if page.count_total else None
        return self.records.to_wire(shown[page.skip : page.skip + page.top], False), total

    def read(self, record_id: int) -> tuple[Wire, str]:
        return self.records.read(record_id)

    def create(self, data: Any) -> tuple[Wire, str]:
        self._require_admin()
        return self._keep_one_default(self.records.create(data))

    def update(self, data: Any, path_id: int | None = None) -> tuple[Wire, str]:
        self._require_admin()
        return self._keep_one_default(self.records.update(data, path_id))

    def delete(self, record_id: int) -> None:
        """Delete a row (categories: deactivate it); 409 while records still use it."""
        self._require_admin()
        if self.rt.active_flag is not None:
            self.records.update({self.rt.id_field: record_id, self.rt.active_flag: False})
            return
        self.records.read(record_id)  # 404 before 409
        uses = self._uses(record_id)
        if uses:
            user, field_name, count = uses[0]
            raise Conflict(
                f"{self.rt.singular} {record_id} is the {field_name} of {count} "
                f"{user.collection}; change them first. Nothing was deleted."
            )
        self.records.delete(record_id)

    def _uses(self, record_id: int) -> list[tuple[RecordType, str, int]]:
        uses = []
        for other in (*RECORD_TYPES, *SETTINGS_TYPES):
            for spec in other.fields:
                if spec.references == self.rt.singular:
                    count = self.repo.count_where(other, spec.column, record_id)
                    if count:
                        uses.append((other, spec.name, count))
        return uses

    def _keep_one_default(self, result: tuple[Wire, str]) -> tuple[Wire, str]:
        """When this row became the default, no other row stays one."""
        flag = self.rt.default_flag
        record = result[0]
        if flag is not None and record[flag] is True:
            self.repo.set_where(
                self.rt, flag.lower(), False, utc_now(), except_id=record[self.rt.id_field]
            )
        return result

    def _require_admin(self) -> None:
        if not self.caller.is_admin:
            raise Forbidden(f"Only an administrator can change {self.rt.collection}.")


def seed_defaults(connection: Connection, instance_id: int) -> None:
    """Give the instance every default setting it lacks (matched by name), then mark it done."""
    repo = Repository(connection, instance_id)
    for rt, rows in SETTINGS_DEFAULTS.items():
        _add_missing(repo, rt, rows)
    _add_missing(repo, PIPELINES, [pipeline for pipeline, _ in PIPELINE_DEFAULTS])
    for pipeline, stages in PIPELINE_DEFAULTS:
        pipeline_id = repo.ids_where(PIPELINES, "pipeline_name", pipeline["PIPELINE_NAME"])[0]
        if not repo.ids_where(PIPELINE_STAGES, "pipeline_id", pipeline_id):
            stage_rows = [
                {"PIPELINE_ID": pipeline_id, "STAGE_NAME": name, "STAGE_ORDER": order}
                for order, name in enumerate(stages, start=1)
            ]
            repo.insert_records(PIPELINE_STAGES, [_values(PIPELINE_STAGES, r) for r in stage_rows])
    seed_default_sets(connection, instance_id)
    connection.execute(
        update(tables.instances)
        .where(tables.instances.c.id == instance_id)
        .values(defaults_version=DEFAULTS_VERSION)
    )


def seed_all_instances(connection: Connection) -> int:
    """Seed every instance whose defaults are older than this version; how many were seeded."""
    query = select(tables.instances.c.id).where(
        tables.instances.c.defaults_version < DEFAULTS_VERSION
    )
    instance_ids = list(connection.execute(query).scalars())
    for instance_id in instance_ids:
        seed_defaults(connection, instance_id)
    return len(instance_ids)


def _add_missing(repo: Repository, rt: RecordType, rows: list[dict[str, Any]]) -> None:
    """Insert the rows whose name (first field after the id) is not there yet."""
    name = rt.fields[1]
    existing = {row[name.column] for row in repo.list_records(rt, Page(top=_WHOLE_LIST))[0]}
    missing = [row for row in rows if row[name.name] not in existing]
    repo.insert_records(rt, [_values(rt, row) for row in missing])


def insert_row(repo: Repository, rt: RecordType, row: dict[str, Any]) -> int:
    """Insert one row given in wire names (declared defaults for the fields it leaves out)."""
    return repo.insert_record(rt, _values(rt, row))


def _values(rt: RecordType, row: dict[str, Any]) -> Row:
    """A row given in wire names as storage values, with declared defaults and audit dates."""
    now = utc_now()
    values: Row = {spec.column: spec.default for spec in rt.fields if spec.default is not None}
    values.update({key.lower(): value for key, value in row.items()})
    values.update(date_created_utc=now, date_updated_utc=now)
    return values
