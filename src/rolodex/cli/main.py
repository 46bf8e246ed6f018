"""The `rolodex` command line: database, instances, users and the server.

Each command that writes runs in one unit of work. Output meant for scripts (ids, API keys)
is printed alone on the last line of stdout.
"""

import errno
import json
import secrets
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlalchemy import Engine

from rolodex.config import collect_less, get_settings
from rolodex.errors import NotFound, RolodexError
from rolodex.services import activity_sets as activity_set_service
from rolodex.services import custom_fields as custom_field_service
from rolodex.services import emails as email_service
from rolodex.services import pipelines
from rolodex.services import users as user_service
from rolodex.services.context import Caller, Role
from rolodex.services.custom_objects import CustomObjectService
from rolodex.services.sessions import set_password
from rolodex.services.settings import seed_all_instances
from rolodex.services.tombstones import purge_expired
from rolodex.storage.engine import make_engine, unit_of_work
from rolodex.storage.files import FileStore
from rolodex.storage.migrate import upgrade
from rolodex.storage.phones import reindex_all
from rolodex.storage.repository import Page

app = typer.Typer(help="Rolodex: a self-hosted CRM server that speaks the Insightly Web API v3.1.")
db_app = typer.Typer(help="The database schema.")
instances_app = typer.Typer(help="Instances (tenants).")
users_app = typer.Typer(help="Users and their API keys.")
app.add_typer(db_app, name="db")
app.add_typer(instances_app, name="instances")
app.add_typer(users_app, name="users")
pipelines_app = typer.Typer(help="Pipelines and their stages (read-only over the API).")
app.add_typer(pipelines_app, name="pipelines")
emails_app = typer.Typer(help="Emails (the API cannot create them; they are imported).")
app.add_typer(emails_app, name="emails")
activity_sets_app = typer.Typer(help="Activity sets (read-only over the API).")
app.add_typer(activity_sets_app, name="activity-sets")


def _engine() -> Engine:
    settings = get_settings()
    return make_engine(settings.database_url, settings.pool_size)


def _fail(error: RolodexError) -> None:
    typer.echo(f"error: {error.message}", err=True)
    raise typer.Exit(1)


def _upgrade(engine: Engine) -> None:
    """Migrate the schema, then give every instance the default settings it lacks."""
    upgrade(engine)
    with unit_of_work(engine, write=True) as connection:
        seed_all_instances(connection)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the schema of ROLODEX_DATABASE_URL."""
    _upgrade(_engine())
    typer.echo("Database schema is up to date.")


@db_app.command("reindex-phones")
def db_reindex_phones() -> None:
    """Rebuild the CTI lookup's phone index (after changing ROLODEX_DEFAULT_PHONE_REGION)."""
    with unit_of_work(_engine(), write=True) as connection:
        indexed = reindex_all(connection, get_settings().default_phone_region)
    typer.echo(f"Indexed {indexed} phone number(s).")


@db_app.command("purge-tombstones")
def db_purge_tombstones() -> None:
    """Delete tombstones older than ROLODEX_TOMBSTONE_DAYS (the Deleted feed hides them)."""
    with unit_of_work(_engine(), write=True) as connection:
        purged = purge_expired(connection, get_settings().tombstone_days)
    typer.echo(f"Purged {purged} tombstone(s).")


@instances_app.command("create")
def instances_create(name: Annotated[str, typer.Option(help="The instance's name.")]) -> None:
    """Create an instance; prints its id as the last line."""
    try:
        with unit_of_work(_engine(), write=True) as connection:
            instance_id = user_service.create_instance(connection, name)
    except RolodexError as error:
        _fail(error)
    typer.echo(instance_id)


@instances_app.command("list")
def instances_list() -> None:
    """Every instance: id, name, users, daily limit (a tab between columns)."""
    with unit_of_work(_engine()) as connection:
        found = user_service.list_instances(connection)
    default = get_settings().rate_limit_daily
    typer.echo("ID\tNAME\tUSERS\tDAILY LIMIT")
    for row in found:
        limit = row["rate_limit_daily"]
        shown = f"{default} (server default)" if limit is None else str(limit)
        typer.echo(f"{row['id']}\t{row['name']}\t{row['users']}\t{shown}")


@instances_app.command("set-limit")
def instances_set_limit(
    instance: Annotated[int, typer.Option("--instance", help="Instance id.")],
    daily: Annotated[
        int | None,
        typer.Option(help="Calls per UTC day for this instance (0 = no limit)."),
    ] = None,
    reset: Annotated[
        bool, typer.Option("--reset", help="Use the server's ROLODEX_RATE_LIMIT_DAILY again.")
    ] = False,
) -> None:
    """Set an instance's own daily rate limit, or --reset it to the server's setting."""
    if (daily is None) == (not reset):
        typer.echo("error: give either --daily N or --reset", err=True)
        raise typer.Exit(2)
    try:
        with unit_of_work(_engine(), write=True) as connection:
            user_service.set_daily_limit(connection, instance, None if reset else daily)
    except RolodexError as error:
        _fail(error)
    typer.echo(f"Instance {instance}: daily limit {'reset' if reset else daily}.")


@users_app.command("create")
def users_create(
    email: Annotated[str, typer.Option(help="Sign-in email, unique across the server.")],
    first_name: Annotated[str, typer.Option("--first-name")],
    last_name: Annotated[str, typer.Option("--last-name")],
    admin: Annotated[bool, typer.Option("--admin", help="Make the user an administrator.")] = False,
    instance: Annotated[
        int | None, typer.Option("--instance", help="Instance id (default: the first one).")
    ] = None,
) -> None:
    """Create a user; prints the new API key as the last line (it is not shown again)."""
    try:
        with unit_of_work(_engine(), write=True) as connection:
            instance_id = instance or user_service.default_instance(connection)
            user_id, key = user_service.create_user(
                connection, instance_id, email, first_name, last_name, admin
            )
    except RolodexError as error:
        _fail(error)
    typer.echo(f"Created user {user_id} in instance {instance_id}. API key:")
    typer.echo(key)


@users_app.command("list")
def users_list(
    instance: Annotated[
        int | None, typer.Option("--instance", help="Instance id (default: the first one).")
    ] = None,
) -> None:
    """The instance's users: id, email, name, admin, active (a tab between columns)."""
    with unit_of_work(_engine()) as connection:
        instances = [row["id"] for row in user_service.list_instances(connection)]
        instance_id = instance if instance is not None else (instances or [1])[0]
        if instance_id not in instances:
            _fail(NotFound(f"No instance with ID {instance_id}."))
        found = user_service.list_users(connection, instance_id)
    typer.echo("ID\tEMAIL\tNAME\tADMIN\tACTIVE")
    for user in found:
        name = f"{user['first_name']} {user['last_name']}".strip()
        flags = ["yes" if user[flag] else "no" for flag in ("administrator", "active")]
        typer.echo(f"{user['id']}\t{user['email_address']}\t{name}\t" + "\t".join(flags))


@users_app.command("set-password")
def users_set_password(
    email: Annotated[str, typer.Option(help="The user's email.")],
    password: Annotated[
        str,
        typer.Option(prompt=True, hide_input=True, help="The new web sign-in password."),
    ],
) -> None:
    """Set the password a user signs in to the web application with (ends their sessions)."""
    try:
        with unit_of_work(_engine(), write=True) as connection:
            set_password(connection, email, password)
    except RolodexError as error:
        _fail(error)
    typer.echo(f"Password set for {email}.")


@users_app.command("set-role")
def users_set_role(
    email: Annotated[str, typer.Argument(help="The user's email.")],
    role: Annotated[Role, typer.Argument(help="The new role.", case_sensitive=False)],
) -> None:
    """Give a user a role: administrator, user, or read-only (reads everything, changes nothing).
    The last active administrator of an instance keeps the role."""
    try:
        with unit_of_work(_engine(), write=True) as connection:
            before = user_service.set_role_by_email(connection, email, role)
    except RolodexError as error:
        _fail(error)
    was = before["role"]
    typer.echo(
        f"{email} is {role.value}"
        + (" (unchanged)." if was is role else f" (was {was.value}); it applies within seconds.")
    )


@users_app.command("regenerate-key")
def users_regenerate_key(email: Annotated[str, typer.Option(help="The user's email.")]) -> None:
    """Give a user a new API key (printed as the last line); the old one stops working."""
    try:
        with unit_of_work(_engine(), write=True) as connection:
            key = user_service.regenerate_key(connection, email)
    except RolodexError as error:
        _fail(error)
    typer.echo(key)


@emails_app.command("import")
def emails_import(
    files: Annotated[list[Path], typer.Argument(help="RFC 822 .eml files.", exists=True)],
    instance: Annotated[int, typer.Option("--instance", help="Instance id.")],
    owner_email: Annotated[
        str, typer.Option("--owner-email", help="The user who owns the emails.")
    ],
) -> None:
    """Import .eml files as Emails linked to matching contacts, leads and organisations, and to
    the leads, opportunities and projects whose dropbox address (LinkEmailAddress) they were
    sent to.

    Prints the new ids (space-separated) as the last line; on any error none is imported.
    """
    contents = [(str(path), path.read_bytes()) for path in files]
    settings = get_settings()
    store = FileStore.for_settings(settings)
    written: list[str] = []  # attachments stored so far: discarded if the import fails
    try:
        with unit_of_work(_engine(), write=True) as connection:
            caller = email_service.owner_caller(connection, instance, owner_email)
            ids = email_service.import_emails(
                connection,
                caller,
                contents,
                store,
                settings.max_upload_bytes,
                written,
                settings.dropbox_domain,
            )
    except BaseException as error:
        for key in written:
            store.discard(key)
        if isinstance(error, RolodexError):
            _fail(error)
        raise
    typer.echo(f"Imported {len(ids)} email(s) into instance {instance}:")
    typer.echo(" ".join(str(email_id) for email_id in ids))


@pipelines_app.command("create")
def pipelines_create(
    instance: Annotated[int, typer.Option("--instance", help="Instance id.")],
    name: Annotated[str, typer.Option(help="The pipeline's name.")],
    for_: Annotated[str, typer.Option("--for", help="Opportunities or Projects.")],
    stage: Annotated[list[str], typer.Option("--stage", help="A stage name; repeat, in order.")],
) -> None:
    """Create a pipeline with its stages; prints its id as the last line."""
    try:
        with unit_of_work(_engine(), write=True) as connection:
            pipeline_id = pipelines.create_pipeline(connection, instance, name, for_, stage)
    except RolodexError as error:
        _fail(error)
    typer.echo(pipeline_id)


@pipelines_app.command("list")
def pipelines_list(
    instance: Annotated[int, typer.Option("--instance", help="Instance id.")],
) -> None:
    """Every pipeline of the instance with its stages."""
    with unit_of_work(_engine()) as connection:
        found = pipelines.list_pipelines(connection, instance)
    for pipeline, stages in found:
        target = "Opportunities" if pipeline["for_opportunities"] else "Projects"
        names = " > ".join(stage["stage_name"] for stage in stages)
        typer.echo(f"{pipeline['id']}\t{pipeline['pipeline_name']}\t{target}\t{names}")


@pipelines_app.command("delete")
def pipelines_delete(
    instance: Annotated[int, typer.Option("--instance", help="Instance id.")],
    id_: Annotated[int, typer.Option("--id", help="The pipeline's id.")],
) -> None:
    """Delete a pipeline and its stages (refused while records are in it)."""
    try:
        with unit_of_work(_engine(), write=True) as connection:
            pipelines.delete_pipeline(connection, instance, id_)
    except RolodexError as error:
        _fail(error)
    typer.echo(f"Pipeline {id_} deleted.")


@activity_sets_app.command("create")
def activity_sets_create(
    instance: Annotated[int, typer.Option("--instance", help="Instance id.")],
    file: Annotated[
        Path, typer.Option("--file", exists=True, help="The set as JSON, in the wire shape.")
    ],
) -> None:
    """Create an activity set with its ACTIVITIES; prints its id as the last line."""
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        typer.echo(f"error: {file} is not JSON: {exc}", err=True)
        raise typer.Exit(1) from None
    try:
        with unit_of_work(_engine(), write=True) as connection:
            set_id = activity_set_service.create_set(connection, instance, data)
    except RolodexError as error:
        _fail(error)
    typer.echo(set_id)


@activity_sets_app.command("list")
def activity_sets_list(
    instance: Annotated[int, typer.Option("--instance", help="Instance id.")],
) -> None:
    """Every activity set of the instance: id, name, record types, activities."""
    with unit_of_work(_engine()) as connection:
        found = activity_set_service.list_sets(connection, instance)
    for activity_set, activities in found:
        kinds = ("contacts", "organisations", "opportunities", "projects", "leads")
        targets = ",".join(kind for kind in kinds if activity_set[f"for_{kind}"])
        names = "; ".join(f"{a['activity_type']}: {a['activity_name']}" for a in activities)
        typer.echo(f"{activity_set['id']}\t{activity_set['name']}\t{targets}\t{names}")


@activity_sets_app.command("delete")
def activity_sets_delete(
    instance: Annotated[int, typer.Option("--instance", help="Instance id.")],
    id_: Annotated[int, typer.Option("--id", help="The activity set's id.")],
) -> None:
    """Delete an activity set (tasks and events it created stay)."""
    try:
        with unit_of_work(_engine(), write=True) as connection:
            activity_set_service.delete_set(connection, instance, id_)
    except RolodexError as error:
        _fail(error)
    typer.echo(f"ActivitySet {id_} deleted.")


custom_fields_app = typer.Typer(
    help="Custom field definitions (as POST/PUT/DELETE /v3.1/CustomFields/{objectName}). "
    'Bodies are JSON files in the API\'s shape, e.g. {"FIELD_NAME": "Colour__c", '
    '"FIELD_LABEL": "Colour", "FIELD_TYPE": "DROPDOWN", "CUSTOM_FIELD_OPTIONS": '
    '[{"OPTION_VALUE": "Red"}]}. Deleting a definition deletes its values from every record.'
)
app.add_typer(custom_fields_app, name="custom-fields")
_INSTANCE = typer.Option("--instance", help="Instance id.")
_OBJECT = typer.Option("--object", help="The object, e.g. Contacts (singular or plural).")
_BODY = typer.Option("--file", exists=True, help="The definition as a JSON file (API shape).")


def _custom_fields(
    instance: int, object_name: str, action: Callable[[Any], Any], write: bool = True
) -> Any:
    """Run `action` on the custom field service of the instance's object, as an admin."""
    try:
        with unit_of_work(_engine(), write=write) as connection:
            if not user_service.instance_exists(connection, instance):
                raise NotFound(f"No instance with ID {instance}.")
            return action(custom_field_service.admin_service(connection, instance, object_name))
    except RolodexError as error:
        _fail(error)


def _json_file(file: Path) -> Any:
    try:
        return json.loads(file.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        typer.echo(f"error: {file} is not JSON: {exc}", err=True)
        raise typer.Exit(1) from None


@custom_fields_app.command("create")
def custom_fields_create(
    instance: Annotated[int, _INSTANCE],
    object_name: Annotated[str, _OBJECT],
    file: Annotated[Path, _BODY],
) -> None:
    """Define a custom field; prints the definition as JSON."""
    body = _json_file(file)
    typer.echo(json.dumps(_custom_fields(instance, object_name, lambda s: s.create(body))))


@custom_fields_app.command("update")
def custom_fields_update(
    instance: Annotated[int, _INSTANCE],
    object_name: Annotated[str, _OBJECT],
    file: Annotated[Path, _BODY],
) -> None:
    """Change the custom field the file's FIELD_NAME names; prints the definition as JSON."""
    body = _json_file(file)
    typer.echo(json.dumps(_custom_fields(instance, object_name, lambda s: s.update(body))))


@custom_fields_app.command("delete")
def custom_fields_delete(
    instance: Annotated[int, _INSTANCE],
    object_name: Annotated[str, _OBJECT],
    name: Annotated[str, typer.Option("--name", help="The field's FIELD_NAME.")],
) -> None:
    """Delete a custom field and its value in every record of the object."""
    _custom_fields(instance, object_name, lambda s: s.delete(name))
    typer.echo(f"Custom field {name} deleted.")


@custom_fields_app.command("list")
def custom_fields_list(
    instance: Annotated[int, _INSTANCE],
    object_name: Annotated[str, _OBJECT],
) -> None:
    """The object's custom fields, one JSON definition per line."""
    found = _custom_fields(instance, object_name, lambda s: s.list_all(), write=False)
    for definition in found:
        typer.echo(json.dumps(definition))


custom_objects_app = typer.Typer(
    help="Custom objects (as POST/PUT/DELETE /v3.1/CustomObjects). Bodies are JSON files in the "
    'API\'s shape, e.g. {"OBJECT_NAME": "Call__c", "SINGULAR_LABEL": "Call", '
    '"PLURAL_LABEL": "Calls"}. Their fields are custom fields: `rolodex custom-fields ... '
    "--object Call__c`."
)
app.add_typer(custom_objects_app, name="custom-objects")


def _custom_objects(instance: int, action: Callable[[Any], Any], write: bool = True) -> Any:
    """Run `action` on the instance's custom object service, as an admin."""
    try:
        with unit_of_work(_engine(), write=write) as connection:
            if not user_service.instance_exists(connection, instance):
                raise NotFound(f"No instance with ID {instance}.")
            admin = Caller(instance, 0, is_admin=True)
            return action(CustomObjectService(connection, admin))
    except RolodexError as error:
        _fail(error)


@custom_objects_app.command("create")
def custom_objects_create(
    instance: Annotated[int, _INSTANCE], file: Annotated[Path, _BODY]
) -> None:
    """Define a custom object; prints the definition as JSON."""
    body = _json_file(file)
    typer.echo(json.dumps(_custom_objects(instance, lambda s: s.create(body))))


@custom_objects_app.command("update")
def custom_objects_update(
    instance: Annotated[int, _INSTANCE], file: Annotated[Path, _BODY]
) -> None:
    """Change the labels of the custom object the file's OBJECT_NAME names."""
    body = _json_file(file)
    typer.echo(json.dumps(_custom_objects(instance, lambda s: s.update(body))))


@custom_objects_app.command("delete")
def custom_objects_delete(
    instance: Annotated[int, _INSTANCE],
    name: Annotated[str, typer.Option("--name", help="The object's name, e.g. Call__c.")],
    force: Annotated[
        bool, typer.Option("--force", help="Delete its records too (else refused while any).")
    ] = False,
) -> None:
    """Delete a custom object (with --force, and its records)."""
    removed = _custom_objects(instance, lambda s: s.delete(name, force))
    FileStore.for_settings(get_settings()).remove(removed)
    typer.echo(f"Custom object {name} deleted.")


@custom_objects_app.command("list")
def custom_objects_list(instance: Annotated[int, _INSTANCE]) -> None:
    """The instance's custom objects, one JSON definition per line."""
    found, _ = _custom_objects(instance, lambda s: s.list_page(Page(top=100_000)), write=False)
    for definition in found:
        typer.echo(json.dumps(definition))


@app.command("bootstrap")
def bootstrap() -> None:
    """Migrate the database and, if it has no user yet, create a first admin and print its key."""
    engine = _engine()
    _upgrade(engine)
    with unit_of_work(engine, write=True) as connection:
        if user_service.any_user(connection):
            typer.echo("Database ready; it already has users (keys are shown only once).")
            return
        instance_id = user_service.default_instance(connection)
        email = "admin@localhost.localdomain"
        _, key = user_service.create_user(connection, instance_id, email, "Admin", "User", True)
        password = secrets.token_urlsafe(12)
        set_password(connection, email, password)
    typer.echo(f"Created the first admin user ({email}).")
    typer.echo(f"Web sign-in password (change it with `rolodex users set-password`): {password}")
    typer.echo("Its API key, shown only this once (the user name of HTTP Basic auth):")
    typer.echo(key)


# --- import, export and sync (logic in rolodex.sync) ------------------------------------------

_URL = typer.Option("--url", help="The server, e.g. https://crm.example.com (or its /v3.1).")
_KEY = typer.Option("--key", envvar="ROLODEX_API_KEY", help="API key (or ROLODEX_API_KEY).")
_QUIET = typer.Option("--quiet", "-q", help="No progress display; only the summary line.")
_CONCURRENCY = typer.Option(
    "--concurrency",
    min=0,
    help="Writes in flight at once, at most (default 0: the server's burst limit, up to 16).",
)


@app.command("export")
def export(
    url: Annotated[str, _URL],
    key: Annotated[str, _KEY],
    object_name: Annotated[str, typer.Option("--object", help="e.g. Contacts or Foo__c.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="The file to write.")],
    fmt: Annotated[str | None, typer.Option("--format", help="csv or jsonl.")] = None,
    updated_after: Annotated[
        str | None, typer.Option("--updated-after", help="Only records changed after (UTC).")
    ] = None,
    quiet: Annotated[bool, _QUIET] = False,
) -> None:
    """Export records to CSV or JSONL; prints the cursor for the next --updated-after."""
    from rolodex.sync import cli_tools

    cli_tools.export_command(url, key, object_name, output, fmt, updated_after, quiet)


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV or JSONL.")],
    object_name: Annotated[str, typer.Option("--object", help="e.g. Contacts or Foo__c.")],
    url: Annotated[str | None, typer.Option("--url", help="Server (or --database-url).")] = None,
    key: Annotated[str | None, _KEY] = None,
    database_url: Annotated[
        str | None, typer.Option("--database-url", help="Write into this database directly.")
    ] = None,
    instance: Annotated[
        int | None, typer.Option("--instance", help="With --database-url: the instance id.")
    ] = None,
    fmt: Annotated[str | None, typer.Option("--format", help="csv or jsonl.")] = None,
    mapping: Annotated[
        list[str] | None, typer.Option("--map", help="COLUMN=FIELD (or COLUMN= to ignore).")
    ] = None,
    match_on: Annotated[
        str | None, typer.Option("--match-on", help="Update the record whose FIELD matches.")
    ] = None,
    id_map: Annotated[
        Path | None, typer.Option("--id-map", help="Source-to-target id map (read and updated).")
    ] = None,
    rejects: Annotated[
        Path | None, typer.Option("--rejects", help="Reject file (default FILE.rejects.jsonl).")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check; write nothing.")] = False,
    quiet: Annotated[bool, _QUIET] = False,
    concurrency: Annotated[int, _CONCURRENCY] = 0,
) -> None:
    """Import records from CSV or JSONL; refused rows go to the reject file with the reason."""
    from rolodex.sync import cli_tools

    collect_less()  # an import allocates as a list request does, row after row

    cli_tools.import_command(
        file,
        object_name,
        url,
        key,
        database_url,
        instance,
        fmt,
        mapping or [],
        match_on,
        id_map,
        rejects,
        dry_run,
        quiet,
        concurrency,
    )


@app.command("sync")
def sync(
    from_url: Annotated[str, typer.Option("--from-url")],
    from_key: Annotated[str, typer.Option("--from-key")],
    to_url: Annotated[str, typer.Option("--to-url")],
    to_key: Annotated[str, typer.Option("--to-key")],
    objects: Annotated[str, typer.Option("--objects", help="e.g. Contacts,Organisations.")],
    state: Annotated[Path, typer.Option("--state", help="State file.")] = Path("rolodex-sync.json"),
    quiet: Annotated[bool, _QUIET] = False,
    concurrency: Annotated[int, _CONCURRENCY] = 0,
) -> None:
    """One-way incremental sync: creates, updates, links and deletions; safe to stop anytime."""
    from rolodex.sync import cli_tools

    cli_tools.sync_command(from_url, from_key, to_url, to_key, objects, state, quiet, concurrency)


def _check_port(host: str, port: int) -> None:
    """Exit with a message a person can act on when the address cannot be listened on (rather
    than uvicorn's `[Errno 98]` traceback)."""
    try:
        socket.create_server((host, port)).close()
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            problem = f"{host}:{port} is already in use (is another server running there?)"
        else:
            problem = f"cannot listen on {host}:{port}: {error.strerror or error}"
        typer.echo(
            f"error: {problem}. Stop what holds it, or serve on another port: "
            f"`make serve PORT={port + 1}` or `rolodex serve --port {port + 1}`.",
            err=True,
        )
        raise typer.Exit(1) from None


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="Server processes.")] = 1,
) -> None:
    """Serve the API (under /v3.1) and the web application (at /) until stopped."""
    import uvicorn

    settings = get_settings()
    if workers > 1 and settings.database_url.startswith("sqlite") and not settings.redis_url:
        typer.echo(
            "warning: with SQLite and several workers, a CTI screen pop reaches only the pages "
            "served by the process that got the API call; set ROLODEX_REDIS_URL to reach all.",
            err=True,
        )

    _check_port(host, port)
    uvicorn.run(
        "rolodex.api.app:serve_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        # Open pages hold event streams (CTI screen pops) that never end by themselves: on
        # shutdown they are cut after this many seconds, and the browsers reconnect elsewhere.
        timeout_graceful_shutdown=3,
    )
