"""The bodies of `rolodex export`, `import` and `sync`: options in, summary out."""

from pathlib import Path

import typer

from rolodex.client import ApiError, Client, TransportError
from rolodex.errors import RolodexError
from rolodex.sync.checks import RowChecker
from rolodex.sync.files import file_format
from rolodex.sync.pace import PacedTransport
from rolodex.sync.progress import progress
from rolodex.sync.records import record_type
from rolodex.sync.sinks import ApiSink, LocalSink, Sink
from rolodex.sync.syncer import SyncState, run_sync
from rolodex.sync.transfer import (
    ColumnError,
    ImportOptions,
    Rejects,
    export_records,
    import_records,
)


def _fail(message: str, code: int = 1) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def export_command(
    url: str,
    key: str,
    object_name: str,
    output: Path,
    fmt: str | None,
    updated_after: str | None,
    quiet: bool,
) -> None:
    try:
        fmt = file_format(output, fmt)
        record_type(object_name)
        with Client(url, key) as client, progress(f"Exporting {object_name}", quiet) as bar:
            resource = client.resource(object_name)
            if not quiet:
                counted = resource.list_page(
                    top=1, brief=True, count_total=True, updated_after=updated_after
                )
                bar.start(total=counted.total)
            count, cursor = export_records(resource, fmt, output, updated_after, bar.tick)
    except (ValueError, ApiError, TransportError) as error:
        _fail(str(error))
    typer.echo(f"Exported {count} {object_name} to {output}. Next --updated-after:")
    typer.echo(cursor)


def import_command(
    file: Path,
    object_name: str,
    url: str | None,
    key: str | None,
    database_url: str | None,
    instance: int | None,
    fmt: str | None,
    mapping: list[str],
    match_on: str | None,
    id_map: Path | None,
    rejects_path: Path | None,
    dry_run: bool,
    quiet: bool,
    concurrency: int = 0,
) -> None:
    if (url is None) == (database_url is None):
        _fail("give either --url and --key, or --database-url and --instance", 2)
    columns: dict[str, str] = {}
    for item in mapping:
        if "=" not in item:
            _fail(f"--map '{item}' is not COLUMN=FIELD", 2)
        column, target = item.split("=", 1)
        columns[column] = target
    rejects = Rejects(rejects_path or file.with_name(file.name + ".rejects.jsonl"))
    options = ImportOptions(columns, match_on, dry_run, id_map)
    client = None
    pace = None
    try:
        fmt = file_format(file, fmt)
        rt = record_type(object_name)
        sink: Sink
        if database_url is not None:
            if instance is None:
                _fail("--database-url needs --instance", 2)
            from rolodex.storage.engine import make_engine

            sink = LocalSink(make_engine(database_url), int(instance or 0), rt, dry_run)
        else:
            if not key:
                _fail("--url needs --key (or ROLODEX_API_KEY)", 2)
            pace = PacedTransport(concurrency=concurrency)
            client = Client(str(url), str(key), transport=pace)
            sink = ApiSink(client.resource(object_name), lambda: pace.workers)
            if dry_run:
                options.check = RowChecker(client, rt).check
        with progress(f"Importing {object_name}", quiet) as bar:
            summary = import_records(
                rt, sink, file, fmt, options, rejects, bar.tick, lambda rows: bar.start(total=rows)
            )
    except ColumnError as error:
        _fail(str(error), 2)
    except (ValueError, ApiError, TransportError, RolodexError) as error:
        _fail(str(error))
    finally:
        if client is not None:
            client.close()
    rejects.write()
    what = "Would import" if dry_run else "Imported"
    typer.echo(
        f"{what} {summary.read} row(s): {summary.created} created, {summary.updated} updated, "
        f"{summary.unchanged} unchanged, {summary.links_set} with links set, "
        f"{summary.rejected} rejected"
        + (f" (see {rejects.path})" if summary.rejected else "")
        + "."
    )
    if pace is not None:
        _note_pace(
            pace,
            "For more speed, raise it on the server (ROLODEX_RATE_LIMIT_PER_SECOND; 0 "
            "turns it off), or import into a local database with --database-url.",
        )
    if summary.links_waiting:
        typer.echo(
            f"note: {summary.links_waiting} link(s) point to records not imported yet; they are "
            "set when those records are imported (with the same --id-map).",
            err=True,
        )
    if summary.rejected:
        raise typer.Exit(3)


def _note_pace(pace: PacedTransport, remedy: str) -> None:
    """Say so when the server's rate limit, not the work, set the speed."""
    note = pace.report().note(remedy)
    if note:
        typer.echo(note, err=True)


def sync_command(
    from_url: str,
    from_key: str,
    to_url: str,
    to_key: str,
    objects: str,
    state_path: Path,
    quiet: bool,
    concurrency: int = 0,
) -> None:
    names = [name.strip() for name in objects.split(",") if name.strip()]
    try:
        for name in names:
            record_type(name)
        state = SyncState(state_path, from_url, to_url)
        pace, source_pace = PacedTransport(concurrency=concurrency), PacedTransport()
        with (
            Client(from_url, from_key, transport=source_pace) as source,
            Client(to_url, to_key, transport=pace) as target,
            progress("Syncing", quiet) as bar,
        ):
            summary = run_sync(
                source,
                target,
                names,
                state,
                lambda name, n: bar.tick(n, name),
                lambda name, total: bar.start(name, total),
                lambda: pace.workers,
            )
    except (ValueError, ApiError, TransportError) as error:
        _fail(str(error))
    _note_pace(
        pace,
        "For more speed, raise it on the target server "
        "(ROLODEX_RATE_LIMIT_PER_SECOND; 0 turns it off).",
    )
    typer.echo(
        f"Synced {', '.join(names)}: {summary.created} created, {summary.updated} updated, "
        f"{summary.unchanged} unchanged, {summary.deleted} deleted, {summary.links_set} with "
        f"links set, {summary.failed} failed, {summary.pending_links} waiting for links."
    )
    if summary.adopted:
        typer.echo(
            f"{summary.adopted} record(s) created by an interrupted run were found and kept."
        )
    if summary.no_deleted_feed:
        typer.echo(
            f"note: the source has no Deleted feed for {', '.join(summary.no_deleted_feed)}; "
            "deletions there were not synced.",
            err=True,
        )
    if summary.failed:
        raise typer.Exit(3)
