"""Lookup data in full (not brief) GET responses, both ways.

- `LOOKUPS`, on a record whose type has LOOKUP custom fields: for each LOOKUP value, the record
  it points to, `{FIELD_NAME, OBJECT_NAME, RECORD_ID, RECORD}` where RECORD holds that record's
  top-level fields (as `brief=true` shows them).
- `LOOKED_UP_BY`, on a record that custom object records look up: `{OBJECT_NAME, FIELD_NAME,
  RECORD_ID, RECORD_NAME}` for each custom object record whose LOOKUP field points to it
  (Insightly: related custom object data appears in the standard GET only through a lookup).

Each key is present only when the instance has such LOOKUP definitions for the record's type, so
records of other types keep exactly Insightly's shape. A looked-up record that is deleted is
cleared from the LOOKUP values pointing to it (rolodex.services.custom_fields.record_deleted), so
neither list ever names a missing record.
"""

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from rolodex.domain.custom_fields import FieldType
from rolodex.domain.registry import Feature, RecordType, by_singular
from rolodex.storage.custom_fields import CustomFieldStore
from rolodex.storage.repository import Repository, Row
from rolodex.wire import output

Wire = dict[str, Any]


def add_lookup_data(
    repo: Repository, rt: RecordType, records: list[Wire], rows: Sequence[Row]
) -> None:
    """Add LOOKUPS and LOOKED_UP_BY to `records` (the wire forms of `rows`) where they apply:
    of the records `repo` sees (a record the caller may not see is not shown)."""
    store = CustomFieldStore(repo.connection, repo.instance_id)
    _add_lookups(store, repo, rt, records, rows)
    _add_looked_up_by(store, repo, rt, records, rows)


def _add_lookups(
    store: CustomFieldStore,
    repo: Repository,
    rt: RecordType,
    records: list[Wire],
    rows: Sequence[Row],
) -> None:
    if not rt.has(Feature.CUSTOM_FIELDS):
        return
    lookups = [d for d in store.definitions(rt.singular) if d.type is FieldType.LOOKUP]
    if not lookups:
        return
    wanted: dict[str, set[int]] = defaultdict(set)  # target type -> ids
    for row in rows:
        for defn in lookups:
            value = row["custom_fields"].get(defn.name)
            if isinstance(value, int) and defn.join_object:
                wanted[defn.join_object].add(value)
    found = {name: repo.records_by_id(by_singular(name), ids) for name, ids in wanted.items()}
    for record, row in zip(records, rows, strict=True):
        entries = []
        for defn in lookups:
            value = row["custom_fields"].get(defn.name)
            target_row = found.get(defn.join_object or "", {}).get(value)  # type: ignore[arg-type]
            if target_row is None or defn.join_object is None:
                continue
            target = by_singular(defn.join_object)
            entries.append(
                {
                    "FIELD_NAME": defn.name,
                    "OBJECT_NAME": target.singular,
                    "RECORD_ID": value,
                    "RECORD": output.record_scalars(target, target_row),
                }
            )
        record["LOOKUPS"] = entries


def _add_looked_up_by(
    store: CustomFieldStore,
    repo: Repository,
    rt: RecordType,
    records: list[Wire],
    rows: Sequence[Row],
) -> None:
    holders = [d for d in store.lookups_to(rt.singular) if by_singular(d.object_name).custom_object]
    if not holders:
        return
    keys = [str(row["id"]) for row in rows]
    by_record: dict[int, list[Wire]] = defaultdict(list)
    for defn in holders:
        holder = by_singular(defn.object_name)
        pointing = store.holders_of(holder.singular, defn.key, keys)
        names = repo.records_by_id(holder, [record_id for record_id, _ in pointing])
        for record_id, value_key in pointing:
            if record_id in names:
                by_record[int(value_key)].append(
                    {
                        "OBJECT_NAME": holder.singular,
                        "FIELD_NAME": defn.name,
                        "RECORD_ID": record_id,
                        "RECORD_NAME": names[record_id]["record_name"],
                    }
                )
    for record, row in zip(records, rows, strict=True):
        record["LOOKED_UP_BY"] = by_record[row["id"]]
