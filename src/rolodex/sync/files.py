"""Reading and writing CSV and JSONL record files, and writing files atomically."""

import csv
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from rolodex.client.core import Record


def file_format(path: Path, given: str | None = None) -> str:
    """csv or jsonl: as given, else from the file's extension."""
    fmt = (given or path.suffix.lstrip(".")).lower()
    if fmt in ("json", "ndjson"):
        fmt = "jsonl"
    if fmt not in ("csv", "jsonl"):
        raise ValueError(f"cannot tell the format of {path}; give --format csv or jsonl")
    return fmt


def read_rows(path: Path, fmt: str) -> Iterator[tuple[int, Record | None, str]]:
    """(line number, row or None when unreadable, raw text) for each row of the file."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        if fmt == "csv":
            reader = csv.DictReader(handle)
            for row in reader:
                extra = row.pop(None, None)  # type: ignore[call-overload]
                if extra:
                    yield reader.line_num, None, f"more cells than columns: {extra}"
                    continue
                yield reader.line_num, dict(row), ""
            return
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except ValueError as exc:
                yield number, None, f"not JSON: {exc}"
                continue
            if not isinstance(value, dict):
                yield number, None, "not a JSON object"
                continue
            yield number, value, ""


def csv_header(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return next(csv.reader(handle), [])


def tags_from_cell(cell: str) -> list[str]:
    text = cell.strip()
    if text.startswith("["):
        return [str(name) for name in json.loads(text)]
    return [name.strip() for name in text.split(";") if name.strip()]


def write_atomically(path: Path, text: str) -> None:
    """Replace `path` with `text` so that a crash leaves the old or the new file, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
