"""Activity sets: read over the API, managed by admins with `rolodex activity-sets ...`, and
applied to a record with POST /{Coll}/{id}/ActivitySetAssignment (types with
Feature.ACTIVITY_SETS) or with a pipeline stage change.

Applying a set creates each of its activities as a Task or an Event through the generic record
engine (so their validation applies), linked to the record, in the caller's unit of work.
Dates count from the assignment's START_DATE (decisions):
- a task is due DUE_DAYS_AFTER_START days after it (its START_DATE is that day);
- an event starts EVENT_DAYS_AFTER_START days after it at EVENT_TIME (UTC, default 09:00) and
  lasts DURATION minutes (default 60); an ALL_DAY event runs from midnight to midnight;
- with SKIP_SAT / SKIP_SUN, those days are not counted and no date falls on one (a date that
  would is moved to the next day that is not skipped);
- REMINDER sets REMINDER_DATE_UTC: REMINDER_DAYS_BEFORE_DUE days before the task's due day or
  the event's day, at REMINDER_TIME (default: 09:00 for a task, the event's start time);
- RESPONSIBLE_USER_ID (the activity's, or the assignment's override; default the caller) is a
  task's RESPONSIBLE_USER_ID and an event's OWNER_USER_ID; PUBLICLY_VISIBLE applies to both;
  CATEGORY_ID, ASSIGNED_TEAM_ID and OWNER_VISIBLE to tasks only (events have no such fields);
- END_DATE is accepted and must not be before START_DATE; no activity counts from it.
"""

from datetime import date, datetime, time, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Connection

from rolodex.domain.defaults import ACTIVITY_SET_DEFAULTS
from rolodex.domain.registry import (
    ACTIVITY_SETS,
    EVENTS,
    PIPELINE_STAGES,
    TASK_CATEGORIES,
    TASKS,
    TEAMS,
    USERS,
    Feature,
    RecordType,
)
from rolodex.errors import (
    BadRequest,
    Conflict,
    FieldError,
    NotFound,
    invalid_field,
    invalid_input,
)
from rolodex.services.context import Caller, utc_now
from rolodex.services.records import RecordService, Wire
from rolodex.storage.activity_sets import ActivityStore
from rolodex.storage.repository import Page, Repository, Row
from rolodex.wire.activity_sets import (
    ACTIVITY_FIELDS,
    ActivitySetAssignmentIn,
    ActivitySetIn,
)
from rolodex.wire.json import upper_keys
from rolodex.wire.records import LinkIn, validate, validation_error

_SATURDAY, _SUNDAY = 5, 6
_NINE = time(9, 0)


def activity_wire(row: Row) -> Wire:
    activity: Wire = {"ACTIVITY_ID": row["id"], "ACTIVITYSET_ID": row["activityset_id"]}
    activity.update({name: row[name.lower()] for name in ACTIVITY_FIELDS if name != "ACTIVITY_ID"})
    return activity


class ActivitySetService:
    """Reading and applying activity sets, for one caller."""

    def __init__(self, connection: Connection, caller: Caller) -> None:
        self.caller = caller
        self.records = RecordService(connection, caller, ACTIVITY_SETS)
        self.repo = self.records.repo
        self.store = ActivityStore(connection, caller.instance_id)

    def list_page(self, page: Page, brief: bool = False) -> tuple[list[Wire], int | None]:
        sets, total = self.records.list_page(page)
        return self._with_activities(sets, brief), total

    def read(self, set_id: int, brief: bool = False) -> tuple[Wire, str]:
        activity_set, etag = self.records.read(set_id)
        return self._with_activities([activity_set], brief)[0], etag

    def assign(self, rt: RecordType, record_id: int, data: Any) -> Wire:
        """Apply a set to a record: {"TASKS": [...], "EVENTS": [...]} as created."""
        assert rt.has(Feature.ACTIVITY_SETS)
        body = validate(ActivitySetAssignmentIn, upper_keys(data))
        RecordService(self.repo.connection, self.caller, rt).get(record_id, brief=True)
        if body.START_DATE is None:
            raise invalid_field("START_DATE", "is required")
        if body.END_DATE is not None and body.END_DATE < body.START_DATE:
            raise invalid_field("END_DATE", "must not be before START_DATE")
        set_id = body.ACTIVITYSET_ID
        set_row = self.repo.get_record(ACTIVITY_SETS, set_id)
        if set_row is None:
            raise invalid_field("ACTIVITYSET_ID", f"no ActivitySet with ID {set_id}")
        if not set_row[f"for_{rt.collection.lower()}"]:
            raise invalid_field(
                "ACTIVITYSET_ID", f"ActivitySet {set_id} is not for {rt.collection}"
            )
        activities = self.store.of_sets([set_id])[set_id]
        overrides = self._overrides(body, {row["id"] for row in activities}, set_id)
        link = LinkIn(LINK_OBJECT_NAME=rt.singular, LINK_OBJECT_ID=record_id)
        created: Wire = {"TASKS": [], "EVENTS": []}
        for row in activities:
            row = {**row, **overrides.get(row["id"], {})}
            target = TASKS if row["activity_type"] == "Task" else EVENTS
            try:
                start = body.START_DATE
                values = _task(row, start) if target is TASKS else _event(row, start)
            except OverflowError:
                raise invalid_field(
                    "START_DATE", f"puts activity {row['id']} outside the years 1 to 9999"
                ) from None
            if target is EVENTS:
                values["OWNER_USER_ID"] = values["OWNER_USER_ID"] or self.caller.user_id
            else:
                values["RESPONSIBLE_USER_ID"] = values["RESPONSIBLE_USER_ID"] or self.caller.user_id
            service = RecordService(self.repo.connection, self.caller, target)
            try:
                record, _ = service.create(values, extra_links=[link])
            except BadRequest as error:
                problems = [
                    FieldError(e.field, f"{e.message} (activity {row['id']} of the set)")
                    for e in error.errors
                ]
                raise (invalid_input(problems) if problems else error) from None
            created[target.collection.upper()].append(record)
        return created

    def _overrides(
        self, body: ActivitySetAssignmentIn, activity_ids: set[int], set_id: int
    ) -> dict[int, Row]:
        """The ACTIVITY_ASSIGNMENTS by activity id, checked (a 400 naming what is wrong)."""
        problems: list[FieldError] = []
        overrides: dict[int, Row] = {}
        for index, item in enumerate(body.ACTIVITY_ASSIGNMENTS or []):
            where = f"ACTIVITY_ASSIGNMENTS[{index}]"
            if item.ACTIVITY_ID not in activity_ids:
                problems.append(
                    FieldError(
                        f"{where}.ACTIVITY_ID",
                        f"{item.ACTIVITY_ID} is not an activity of ActivitySet {set_id}",
                    )
                )
                continue
            chosen: Row = {}
            for name, target in (("RESPONSIBLE_USER_ID", USERS), ("ASSIGNED_TEAM_ID", TEAMS)):
                value = getattr(item, name)
                if value is None:
                    continue
                if not self.repo.existing_ids(target, [value]):
                    problems.append(
                        FieldError(f"{where}.{name}", f"no {target.singular} with ID {value}")
                    )
                chosen[name.lower()] = value
            overrides[item.ACTIVITY_ID] = chosen
        if problems:
            raise invalid_input(problems)
        return overrides

    def _with_activities(self, sets: list[Wire], brief: bool) -> list[Wire]:
        if brief:
            return sets
        by_set = self.store.of_sets([s[ACTIVITY_SETS.id_field] for s in sets])
        for activity_set in sets:
            rows = by_set[activity_set[ACTIVITY_SETS.id_field]]
            activity_set["ACTIVITIES"] = [activity_wire(row) for row in rows]
        return sets


# --- dates -----------------------------------------------------------------------------------


def add_days(start: date, days: int, skip_sat: bool, skip_sun: bool) -> date:
    """The day `days` days after `start`, not counting skipped days and never on one."""
    skipped = {d for d, skip in ((_SATURDAY, skip_sat), (_SUNDAY, skip_sun)) if skip}
    current, counted = start, 0
    while counted < days or current.weekday() in skipped:
        current += timedelta(days=1)
        if current.weekday() not in skipped:
            counted += 1
    return current


def _clock(value: str | None, default: time) -> time:
    if value is None:
        return default
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def _day(row: Row, start: datetime, days_column: str) -> date:
    return add_days(start.date(), row[days_column] or 0, row["skip_sat"], row["skip_sun"])


def _reminder(row: Row, day: date, default: time) -> datetime | None:
    if not row["reminder"]:
        return None
    when = day - timedelta(days=row["reminder_days_before_due"] or 0)
    return datetime.combine(when, _clock(row["reminder_time"], default))


def _task(row: Row, start: datetime) -> Wire:
    due = _day(row, start, "due_days_after_start")
    return {
        "TITLE": row["activity_name"],
        "DETAILS": row["activity_details"],
        "CATEGORY_ID": row["category_id"],
        "START_DATE": datetime.combine(start.date(), time()),
        "DUE_DATE": datetime.combine(due, time()),
        "RESPONSIBLE_USER_ID": row["responsible_user_id"],
        "ASSIGNED_TEAM_ID": row["assigned_team_id"],
        "OWNER_VISIBLE": row["owner_visible"],
        "PUBLICLY_VISIBLE": row["publicly_visible"],
        "REMINDER_DATE_UTC": _reminder(row, due, _NINE),
    }


def _event(row: Row, start: datetime) -> Wire:
    day = _day(row, start, "event_days_after_start")
    if row["all_day"]:
        begins = datetime.combine(day, time())
        ends = begins + timedelta(days=1)
    else:
        begins = datetime.combine(day, _clock(row["event_time"], _NINE))
        ends = begins + timedelta(minutes=row["duration"] or 60)
    return {
        "TITLE": row["activity_name"],
        "DETAILS": row["activity_details"],
        "START_DATE_UTC": begins,
        "END_DATE_UTC": ends,
        "ALL_DAY": row["all_day"],
        "OWNER_USER_ID": row["responsible_user_id"],
        "REMINDER_DATE_UTC": _reminder(row, day, begins.time()),
        "PUBLICLY_VISIBLE": row["publicly_visible"],
    }


# --- admin management (CLI) and defaults -----------------------------------------------------


def create_set(connection: Connection, instance_id: int, data: Any) -> int:
    """A new activity set from a set file (the wire shape of GET /ActivitySets/{id})."""
    try:
        activity_set = ActivitySetIn.model_validate(upper_keys(data))
    except ValidationError as exc:
        raise validation_error(exc) from None
    repo = Repository(connection, instance_id)
    _check_references(repo, activity_set)
    now = utc_now()
    values: Row = {
        name.lower(): getattr(activity_set, name)
        for name in ("NAME", "OWNER_USER_ID", *(f.name for f in ACTIVITY_SETS.fields[2:7]))
    }
    set_id = repo.insert_record(
        ACTIVITY_SETS, {**values, "date_created_utc": now, "date_updated_utc": now}
    )
    store = ActivityStore(connection, instance_id)
    for activity in activity_set.ACTIVITIES:
        store.insert(
            set_id, {name.lower(): getattr(activity, name) for name in ACTIVITY_FIELDS[1:]}
        )
    return set_id


def _check_references(repo: Repository, activity_set: ActivitySetIn) -> None:
    problems = []
    wanted: list[tuple[str, RecordType, int | None]] = [
        ("OWNER_USER_ID", USERS, activity_set.OWNER_USER_ID)
    ]
    for index, activity in enumerate(activity_set.ACTIVITIES):
        wanted += [
            (f"ACTIVITIES[{index}].RESPONSIBLE_USER_ID", USERS, activity.RESPONSIBLE_USER_ID),
            (f"ACTIVITIES[{index}].CATEGORY_ID", TASK_CATEGORIES, activity.CATEGORY_ID),
            (f"ACTIVITIES[{index}].ASSIGNED_TEAM_ID", TEAMS, activity.ASSIGNED_TEAM_ID),
        ]
    for field, target, value in wanted:
        if value is not None and not repo.existing_ids(target, [value]):
            problems.append(FieldError(field, f"no {target.singular} with ID {value}"))
    if problems:
        raise invalid_input(problems)


def list_sets(connection: Connection, instance_id: int) -> list[tuple[Row, list[Row]]]:
    """Every activity set of the instance with its activities."""
    repo = Repository(connection, instance_id)
    rows, _ = repo.list_records(ACTIVITY_SETS, Page(top=100_000))
    by_set = ActivityStore(connection, instance_id).of_sets([row["id"] for row in rows])
    return [(row, by_set[row["id"]]) for row in rows]


def delete_set(connection: Connection, instance_id: int, set_id: int) -> None:
    """Delete a set and its activities (tasks and events it created stay); 409 while a pipeline
    stage names it."""
    repo = Repository(connection, instance_id)
    if repo.get_record(ACTIVITY_SETS, set_id) is None:
        raise NotFound(f"No ActivitySet with ID {set_id}.")
    stages = repo.count_where(PIPELINE_STAGES, "activityset_id", set_id)
    if stages:
        raise Conflict(
            f"ActivitySet {set_id} is the ACTIVITYSET_ID of {stages} PipelineStages. "
            "Nothing was deleted."
        )
    ActivityStore(connection, instance_id).delete_of_set(set_id)
    repo.delete_record(ACTIVITY_SETS, set_id)


def seed_default_sets(connection: Connection, instance_id: int) -> None:
    """Give the instance each default activity set it lacks (matched by NAME)."""
    repo = Repository(connection, instance_id)
    for activity_set in ACTIVITY_SET_DEFAULTS:
        if not repo.ids_where(ACTIVITY_SETS, "name", activity_set["NAME"]):
            create_set(connection, instance_id, activity_set)
