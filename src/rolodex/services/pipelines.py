"""Pipelines: moving opportunities and projects along them, opportunity state changes with their
history, and the admin's management of pipelines (`rolodex pipelines ...`).

PIPELINE_ID and STAGE_ID are read-only in record bodies, as in Insightly; they change only here.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection

from rolodex.domain.dates import format_datetime
from rolodex.domain.registry import (
    OPPORTUNITY_STATE_REASONS,
    PIPELINE_STAGES,
    PIPELINES,
    RECORD_TYPES,
    Feature,
    Kind,
    RecordType,
)
from rolodex.errors import BadRequest, Conflict, FieldError, NotFound, invalid_field, invalid_input
from rolodex.services.activity_sets import ActivitySetService
from rolodex.services.context import Caller, utc_now
from rolodex.services.records import RecordService, Wire
from rolodex.services.settings import insert_row
from rolodex.storage.repository import FieldFilter, Page, Repository, Row
from rolodex.wire.json import upper_keys
from rolodex.wire.pipelines import PipelineChangeIn, StageChangeIn, StageMoveIn, StateChangeIn
from rolodex.wire.records import validate


class PipelineService:
    """Pipeline moves of the records of one type that has Feature.PIPELINE."""

    def __init__(
        self, connection: Connection, caller: Caller, rt: RecordType, if_match: str | None = None
    ) -> None:
        assert rt.has(Feature.PIPELINE)
        self.rt = rt
        self.records = RecordService(connection, caller, rt, if_match)
        self.repo = self.records.repo

    def set_pipeline(self, record_id: int, data: Any) -> tuple[Wire, str]:
        """Put the record in a pipeline, at the stage given or at the pipeline's first stage."""
        change = validate(PipelineChangeIn, upper_keys(data))
        pipeline = self.repo.get_record(PIPELINES, change.PIPELINE_ID)
        if pipeline is None:
            raise invalid_field("PIPELINE_ID", f"no Pipeline with ID {change.PIPELINE_ID}")
        if not pipeline[f"for_{self.rt.collection.lower()}"]:
            raise invalid_field(
                "PIPELINE_ID", f"Pipeline {change.PIPELINE_ID} is not for {self.rt.collection}"
            )
        stages = self._stages(change.PIPELINE_ID)
        wanted = change.PIPELINE_STAGE_CHANGE.STAGE_ID if change.PIPELINE_STAGE_CHANGE else None
        if wanted is None:
            if not stages:
                raise invalid_field("PIPELINE_ID", f"Pipeline {change.PIPELINE_ID} has no stages")
            stage_id = stages[0]
        elif wanted in stages:
            stage_id = wanted
        else:
            raise invalid_field(
                "PIPELINE_STAGE_CHANGE.STAGE_ID",
                f"is not a stage of Pipeline {change.PIPELINE_ID}",
            )
        values = {"pipeline_id": change.PIPELINE_ID, "stage_id": stage_id}
        self._assign_activity_set(record_id, change.PIPELINE_STAGE_CHANGE)
        return self.records.set_system_fields(record_id, values)

    def set_stage(self, record_id: int, data: Any) -> tuple[Wire, str]:
        """Move the record to another stage of its pipeline."""
        move = validate(StageMoveIn, upper_keys(data))
        nested = move.PIPELINE_STAGE_CHANGE
        stage_id = move.STAGE_ID if move.STAGE_ID is not None else nested and nested.STAGE_ID
        if stage_id is None:
            raise invalid_field("STAGE_ID", "is required")
        record = self.records.get(record_id, brief=True)
        pipeline_id = record["PIPELINE_ID"]
        if pipeline_id is None:
            raise BadRequest(
                f"{self.rt.singular} {record_id} is in no pipeline; put it in one with "
                f"PUT /{self.rt.collection}/{record_id}/Pipeline first."
            )
        if stage_id not in self._stages(pipeline_id):
            raise invalid_field("STAGE_ID", f"is not a stage of Pipeline {pipeline_id}")
        self._assign_activity_set(record_id, nested if nested is not None else move)
        return self.records.set_system_fields(record_id, {"stage_id": stage_id})

    def _assign_activity_set(self, record_id: int, change: StageChangeIn | None) -> None:
        """Apply the stage change's ACTIVITYSET_ASSIGNMENT, when one was sent, to the record."""
        if change is None or change.ACTIVITYSET_ASSIGNMENT is None:
            return
        service = ActivitySetService(self.repo.connection, self.records.caller)
        try:
            service.assign(self.rt, record_id, change.ACTIVITYSET_ASSIGNMENT)
        except BadRequest as error:
            if not error.errors:
                raise
            prefix = "PIPELINE_STAGE_CHANGE.ACTIVITYSET_ASSIGNMENT."
            raise invalid_input(
                [FieldError(prefix + e.field, e.message) for e in error.errors]
            ) from None

    def clear_pipeline(self, record_id: int) -> None:
        self.records.set_system_fields(record_id, {"pipeline_id": None, "stage_id": None})

    def _stages(self, pipeline_id: int) -> list[int]:
        """The pipeline's stage ids in stage order."""
        stage_ids = self.repo.ids_where(PIPELINE_STAGES, "pipeline_id", pipeline_id)
        rows = [self.repo.get_record(PIPELINE_STAGES, i) for i in stage_ids]
        ordered = sorted((r for r in rows if r), key=lambda r: (r["stage_order"] or 0, r["id"]))
        return [row["id"] for row in ordered]

    # --- opportunity state -------------------------------------------------------------------

    def change_state(self, record_id: int, data: Any) -> Wire:
        """Set OPPORTUNITY_STATE with an optional reason; returns the new history entry."""
        change = validate(StateChangeIn, upper_keys(data))
        if change.OPPORTUNITY_ID is not None and record_id != change.OPPORTUNITY_ID:
            raise invalid_field(
                "OPPORTUNITY_ID", f"is {change.OPPORTUNITY_ID} but the path names {record_id}"
            )
        state = change.FOR_OPPORTUNITY_STATE
        self.records.history_reason = self.checked_reason(
            state, change.STATE_REASON_ID, change.STATE_REASON
        )
        before = self.records.get(record_id, brief=True)
        self.records.update({self.rt.id_field: record_id, "OPPORTUNITY_STATE": state})
        if before["OPPORTUNITY_STATE"] == state:
            # No change of state, but the request (and its reason) is still worth keeping.
            self.records.keep_history(record_id, {"opportunity_state": state}, utc_now())
        return self.state_history(record_id)[-1]

    def checked_reason(
        self, state: str, reason_id: int | None, reason: str | None = None
    ) -> tuple[int | None, str | None]:
        """(STATE_REASON_ID, STATE_REASON) for a change to `state`, or a 400 when the reason is
        no OpportunityStateReason of that state; the reason's text unless `reason` is given."""
        if reason_id is None:
            return None, reason
        row = self.repo.get_record(OPPORTUNITY_STATE_REASONS, reason_id)
        if row is None:
            raise invalid_field("STATE_REASON_ID", f"no OpportunityStateReason with ID {reason_id}")
        if row["for_opportunity_state"] != state:
            raise invalid_field(
                "STATE_REASON_ID",
                f"is a reason for {row['for_opportunity_state']}, not for {state}",
            )
        return reason_id, reason or row["state_reason"]

    def current_reasons(self, records: Sequence[Wire]) -> dict[int, int | None]:
        """{record id: the STATE_REASON_ID its current state was set with}, in one statement."""
        field_name = self.rt.history_field
        assert field_name is not None
        ids = [record[self.rt.id_field] for record in records]
        latest = self.repo.latest_history(self.rt.singular, ids)
        return {
            record[self.rt.id_field]: (
                entry["state_reason_id"]
                if (entry := latest.get(record[self.rt.id_field])) is not None
                and entry["state"] == record[field_name]
                else None
            )
            for record in records
        }

    def state_history(self, record_id: int) -> list[Wire]:
        self.records.get(record_id, brief=True)  # 404 if absent
        return [
            _history_entry(self.rt, row)
            for row in self.repo.history_of(self.rt.singular, record_id)
        ]


def _history_entry(rt: RecordType, row: Row) -> Wire:
    return {
        rt.id_field: row["record_id"],
        "DATE_CHANGED_UTC": format_datetime(row["date_changed_utc"]),
        "FOR_OPPORTUNITY_STATE": row["state"],
        "STATE_REASON_ID": row["state_reason_id"],
        "STATE_REASON": row["state_reason"],
    }


# --- admin management (CLI) -------------------------------------------------------------------


def create_pipeline(
    connection: Connection,
    instance_id: int,
    name: str,
    for_collection: str,
    stage_names: list[str],
) -> int:
    """A new pipeline with its stages in order; returns its id."""
    target = {rt.collection.lower(): rt for rt in RECORD_TYPES if rt.has(Feature.PIPELINE)}
    rt = target.get(for_collection.strip().lower())
    if rt is None:
        message = f"A pipeline is for one of: {', '.join(sorted(target))}."
        raise BadRequest(message, [FieldError("FOR", message)])
    names = [stage.strip() for stage in stage_names if stage.strip()]
    if not name.strip() or not names:
        problems = [FieldError("PIPELINE_NAME", "is required")] if not name.strip() else []
        problems += [] if names else [FieldError("STAGES", "at least one stage is required")]
        raise BadRequest("A pipeline needs a name and at least one stage.", problems)
    repo = Repository(connection, instance_id)
    pipeline_id = insert_row(
        repo,
        PIPELINES,
        {"PIPELINE_NAME": name.strip(), f"FOR_{rt.collection.upper()}": True},
    )
    for order, stage in enumerate(names, start=1):
        insert_row(
            repo,
            PIPELINE_STAGES,
            {"PIPELINE_ID": pipeline_id, "STAGE_NAME": stage, "STAGE_ORDER": order},
        )
    return pipeline_id


def delete_pipeline(connection: Connection, instance_id: int, pipeline_id: int) -> None:
    """Delete a pipeline and its stages; refused while records are in it."""
    repo = Repository(connection, instance_id)
    if repo.get_record(PIPELINES, pipeline_id) is None:
        raise NotFound(f"No Pipeline with ID {pipeline_id}.")
    for rt in RECORD_TYPES:
        if rt.has(Feature.PIPELINE):
            count = repo.count_where(rt, "pipeline_id", pipeline_id)
            if count:
                raise Conflict(
                    f"Pipeline {pipeline_id} still holds {count} {rt.collection}; "
                    "move them out first. Nothing was deleted."
                )
    for stage_id in repo.ids_where(PIPELINE_STAGES, "pipeline_id", pipeline_id):
        repo.delete_record(PIPELINE_STAGES, stage_id)
    repo.delete_record(PIPELINES, pipeline_id)


def list_pipelines(connection: Connection, instance_id: int) -> list[tuple[Row, list[Row]]]:
    """Every pipeline of the instance with its stages."""
    repo = Repository(connection, instance_id)
    pipelines = []
    for pipeline_id in repo.ids_where(PIPELINES, "instance_id", instance_id):
        pipeline = repo.get_record(PIPELINES, pipeline_id)
        stages = [
            repo.get_record(PIPELINE_STAGES, i)
            for i in repo.ids_where(PIPELINE_STAGES, "pipeline_id", pipeline_id)
        ]
        if pipeline is not None:
            pipelines.append((pipeline, [s for s in stages if s is not None]))
    return pipelines


# --- the web application's board --------------------------------------------------------------


@dataclass
class BoardColumn:
    """A stage of a board: how many records the caller sees at it, the sum of their value
    field (0 without one) and the first of them, by id."""

    stage: Row
    count: int
    total: Decimal
    records: list[Wire]


def pipeline_board(
    connection: Connection,
    caller: Caller,
    rt: RecordType,
    pipeline_id: int,
    per_stage: int,
    value_field: str | None = None,
) -> tuple[Row, list[BoardColumn]]:
    """A pipeline of `rt` with its stages in order, each with the count and total value of the
    records the caller sees at it (counted in SQL) and its first `per_stage` records: a fixed
    handful of statements whatever the number of records."""
    assert rt.has(Feature.PIPELINE)
    repo = Repository(connection, caller.instance_id)
    pipeline = repo.get_record(PIPELINES, pipeline_id)
    if pipeline is None or not pipeline[f"for_{rt.collection.lower()}"]:
        raise NotFound(f"No {rt.singular} pipeline with ID {pipeline_id}.")
    stage_rows, _ = repo.list_records(
        PIPELINE_STAGES,
        Page(top=1000),
        FieldFilter(column="pipeline_id", kind=Kind.INT, value=pipeline_id),
    )
    stages = sorted(stage_rows, key=lambda r: (r["stage_order"] or 0, r["id"]))
    in_pipeline = FieldFilter(column="pipeline_id", kind=Kind.INT, value=pipeline_id)
    service = RecordService(connection, caller, rt)
    totals = service.totals_by("STAGE_ID", value_field, in_pipeline)
    by_stage: dict[int, list[Wire]] = {stage["id"]: [] for stage in stages}
    for record in service.first_of_each("STAGE_ID", per_stage, in_pipeline):
        by_stage.get(record["STAGE_ID"], []).append(record)
    return pipeline, [
        BoardColumn(stage, *totals.get(stage["id"], (0, Decimal(0))), by_stage[stage["id"]])
        for stage in stages
    ]


def pipeline_place(
    connection: Connection, caller: Caller, record: Wire
) -> tuple[str | None, str | None]:
    """The names of the pipeline and the stage a record (of a type with Feature.PIPELINE) is
    at, None where it is at none (or at one that is gone)."""
    repo = Repository(connection, caller.instance_id)
    pipeline_id, stage_id = record.get("PIPELINE_ID"), record.get("STAGE_ID")
    pipeline = repo.get_record(PIPELINES, pipeline_id) if pipeline_id else None
    stage = repo.get_record(PIPELINE_STAGES, stage_id) if stage_id else None
    return (
        pipeline["pipeline_name"] if pipeline else None,
        stage["stage_name"] if stage else None,
    )


def pipelines_for(connection: Connection, caller: Caller, rt: RecordType) -> list[Row]:
    """The instance's pipelines for `rt`, by name, in one statement."""
    repo = Repository(connection, caller.instance_id)
    rows, _ = repo.list_records(PIPELINES, Page(top=1000))
    mine = [row for row in rows if row[f"for_{rt.collection.lower()}"]]
    return sorted(mine, key=lambda r: (r["pipeline_name"].lower(), r["id"]))
