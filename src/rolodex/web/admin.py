"""The administrator's pages: users, custom field definitions, custom objects and pipelines.

Every change goes through the same services as the API and the command line, so the rules and
the messages are theirs; a refused form comes back with the input kept and each error next to
its field (the service's field names are mapped to the form's inputs).
"""

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import Connection

from rolodex.domain.custom_fields import OPTION_TYPES, FieldType
from rolodex.domain.registry import PIPELINES, RECORD_TYPES, Feature
from rolodex.errors import BadRequest, Conflict, Forbidden, NotFound, RolodexError
from rolodex.services import pipelines as pipeline_service
from rolodex.services import users as user_service
from rolodex.services.context import Role
from rolodex.services.custom_fields import CustomFieldService
from rolodex.services.custom_objects import CustomObjectService
from rolodex.services.sessions import WebSession, set_password
from rolodex.services.settings import SettingsService
from rolodex.storage.engine import unit_of_work
from rolodex.storage.files import FileStore
from rolodex.storage.repository import Page
from rolodex.web.common import FormPost, form_action, form_post, redirect, render, require_session

router = APIRouter(prefix="/admin", include_in_schema=False)

# How the pages name the field types (all 14 of rolodex.domain.custom_fields.FieldType).
FIELD_TYPE_LABELS = {
    FieldType.TEXT: "Text",
    FieldType.MULTILINETEXT: "Multi-line text",
    FieldType.NUMERIC: "Number",
    FieldType.PERCENT: "Percent",
    FieldType.CURRENCY: "Currency",
    FieldType.DATE: "Date",
    FieldType.DATETIME: "Date and time",
    FieldType.BIT: "Checkbox (yes/no)",
    FieldType.DROPDOWN: "Dropdown",
    FieldType.MULTISELECT: "Multi-select",
    FieldType.URL: "Web address (URL)",
    FieldType.AUTONUMBER: "Auto number",
    FieldType.LOOKUP: "Lookup (a link to a record)",
    FieldType.IMAGE: "Image",
}
_WHOLE_LIST = Page(top=100_000)
ROLE_LABELS = {
    Role.ADMINISTRATOR: "Administrator",
    Role.USER: "User",
    Role.READ_ONLY: "Read-only",
}

Errors = dict[str, str]


def admin_session(session: Annotated[WebSession, Depends(require_session)]) -> WebSession:
    """Dependency of every admin page: a signed-in administrator."""
    if not session.caller.is_admin:
        raise Forbidden("Only administrators can open the admin pages.")
    return session


async def admin_post(post: Annotated[FormPost, Depends(form_post)]) -> FormPost:
    """Dependency of every admin form: CSRF checked, and the user an administrator."""
    admin_session(post.session)
    return post


Admin = Annotated[WebSession, Depends(admin_session)]
AdminPost = Annotated[FormPost, Depends(admin_post)]


def form_errors(
    error: RolodexError, inputs: Mapping[str, str], fallback: str | None = None
) -> tuple[Errors, list[str]]:
    """The service's errors by form input (a field, or an item of it such as
    CUSTOM_FIELD_OPTIONS[2].OPTION_VALUE), and the ones no input shows. An error naming no
    field goes next to `fallback` when given."""
    by_input: Errors = {}
    general: list[str] = []
    if not error.errors:
        if fallback is None:
            general.append(error.message)
        else:
            by_input[fallback] = error.message
    for item in error.errors:
        name = next(
            (
                target
                for field, target in inputs.items()
                if item.field == field or item.field.startswith((f"{field}[", f"{field}."))
            ),
            None,
        )
        if name is None:
            general.append(f"{item.field}: {item.message}")
        else:
            by_input[name] = (
                f"{by_input[name]} {item.message}" if name in by_input else item.message
            )
    return by_input, general


# What a form of these pages shows again with its message: bad input, and a name already taken.
_REFUSALS = (BadRequest, Conflict)


def _engine(request: Request) -> Any:
    return request.app.state.engine


def _checked(post: FormPost, name: str) -> bool:
    return post.form.get(name) is not None


# --- index ------------------------------------------------------------------------------------


@router.get("")
def admin_index(request: Request, session: Admin) -> Response:
    """Links to the admin pages."""
    return render(request, "admin/index.html")


# --- users ------------------------------------------------------------------------------------


def _users_page(request: Request, session: WebSession) -> Response:
    with unit_of_work(_engine(request)) as connection:
        users = user_service.list_users(connection, session.caller.instance_id)
    return render(request, "admin/users.html", {"users": users, "roles": ROLE_LABELS})


@router.get("/users")
def users_list(request: Request, session: Admin) -> Response:
    """The instance's users, with their state and what an administrator can change."""
    return _users_page(request, session)


_USER_INPUTS = {"EMAIL_ADDRESS": "email", "PASSWORD": "password"}


@router.get("/users/new")
def user_new(request: Request, session: Admin) -> Response:
    """The form that adds a user."""
    return render(request, "admin/user_form.html", {"values": {}, "errors": {}, "general": []})


@router.post("/users/new")
def user_create(request: Request, post: AdminPost) -> Response:
    """Add a user (and its first password, in the same transaction); shows its API key once."""
    values = {name: post.text(name) for name in ("email", "first_name", "last_name")}
    administrator = _checked(post, "administrator")
    password = post.form.get("password")
    password = password if isinstance(password, str) else ""

    def change(connection: Connection) -> tuple[int, str]:
        created = user_service.create_user(
            connection,
            post.session.caller.instance_id,
            values["email"],
            values["first_name"],
            values["last_name"],
            administrator,
        )
        if password:
            set_password(connection, values["email"], password)
        return created

    def done(created: tuple[int, str]) -> Response:
        user_id, key = created
        context = {"email": values["email"], "key": key, "user_id": user_id, "password": password}
        return render(request, "admin/user_created.html", context)

    def again(error: RolodexError) -> Response:
        errors, general = form_errors(error, _USER_INPUTS)
        context = {
            "values": {**values, "administrator": administrator},
            "errors": errors,
            "general": general,
        }
        return render(request, "admin/user_form.html", context, error.status_code)

    return form_action(request, change, done, again, _REFUSALS)


def _password_page(
    request: Request, user: dict[str, Any], errors: Errors, status_code: int = 200
) -> Response:
    context = {"user": user, "errors": errors, "done": False}
    return render(request, "admin/user_password.html", context, status_code)


@router.get("/users/{user_id}/password")
def user_password(request: Request, user_id: int, session: Admin) -> Response:
    """The form that sets another user's (or one's own) sign-in password."""
    with unit_of_work(_engine(request)) as connection:
        user = user_service.user_of(connection, session.caller, user_id)
    return _password_page(request, user, {})


@router.post("/users/{user_id}/password")
def user_password_set(request: Request, user_id: int, post: AdminPost) -> Response:
    """Set the password; the user's sessions end."""
    password = post.form.get("password")
    password = password if isinstance(password, str) else ""

    def change(connection: Connection) -> None:
        user = user_service.user_of(connection, post.session.caller, user_id)
        set_password(connection, user["email_address"], password)

    def done(_: None) -> Response:
        if user_id == post.session.caller.user_id:
            return redirect("/")  # one's own sessions ended with it: sign in again
        return redirect("/admin/users")

    def again(error: RolodexError) -> Response:
        with unit_of_work(_engine(request)) as connection:
            user = user_service.user_of(connection, post.session.caller, user_id)
        return _password_page(request, user, form_errors(error, _USER_INPUTS, "password")[0], 400)

    return form_action(request, change, done, again)


@router.post("/users/{user_id}/role")
def user_role(request: Request, user_id: int, post: AdminPost) -> Response:
    """Give another user a role: administrator, user or read-only."""
    try:
        role = Role(post.text("role"))
    except ValueError:
        choices = ", ".join(r.value for r in Role)
        raise BadRequest(f"Choose a role: {choices}.") from None
    with unit_of_work(_engine(request), write=True) as connection:
        user_service.set_role(connection, post.session.caller, user_id, role)
    return redirect("/admin/users")


_USER_ACTIONS = {"deactivate": False, "reactivate": True}


@router.post("/users/{user_id}/{action}")
def user_action(request: Request, user_id: int, action: str, post: AdminPost) -> Response:
    """Deactivate or reactivate another user (never oneself)."""
    if action not in _USER_ACTIONS:
        raise NotFound("There is no such page.")
    with unit_of_work(_engine(request), write=True) as connection:
        user_service.set_active(connection, post.session.caller, user_id, _USER_ACTIONS[action])
    return redirect("/admin/users")


# --- custom fields ----------------------------------------------------------------------------


def _objects_with_fields(connection: Connection, session: WebSession) -> list[dict[str, Any]]:
    """Standard types with custom fields, then the instance's custom objects."""
    objects = [
        {"name": rt.singular, "label": rt.collection}
        for rt in RECORD_TYPES
        if rt.has(Feature.CUSTOM_FIELDS)
    ]
    custom, _ = CustomObjectService(connection, session.caller).list_page(_WHOLE_LIST)
    objects += [{"name": o["OBJECT_NAME"], "label": o["PLURAL_LABEL"]} for o in custom]
    return objects


def _join_choices(connection: Connection, session: WebSession) -> list[tuple[str, str]]:
    """What a LOOKUP field can point to: any standard record type or custom object."""
    choices = [(rt.singular, rt.collection) for rt in RECORD_TYPES]
    custom, _ = CustomObjectService(connection, session.caller).list_page(_WHOLE_LIST)
    return choices + [(o["OBJECT_NAME"], o["PLURAL_LABEL"]) for o in custom]


@router.get("/custom-fields")
def custom_fields_index(request: Request, session: Admin) -> Response:
    """The objects that have custom fields, with how many each has."""
    with unit_of_work(_engine(request)) as connection:
        objects = _objects_with_fields(connection, session)
        for item in objects:
            fields = CustomFieldService(connection, session.caller, item["name"]).list_all()
            item["count"] = len(fields)
    return render(request, "admin/custom_fields_index.html", {"objects": objects})


@router.get("/custom-fields/{object_name}")
def custom_fields_of(request: Request, object_name: str, session: Admin) -> Response:
    """One object's custom field definitions."""
    with unit_of_work(_engine(request)) as connection:
        service = CustomFieldService(connection, session.caller, object_name)
        fields = service.list_all()
    context = {
        "object_name": service.object_name,
        "object_label": service.rt.collection,
        "fields": fields,
        "type_labels": FIELD_TYPE_LABELS,
    }
    return render(request, "admin/custom_fields.html", context)


_FIELD_INPUTS = {
    "FIELD_NAME": "field_name",
    "FIELD_LABEL": "label",
    "FIELD_TYPE": "field_type",
    "FIELD_ORDER": "order",
    "DEFAULT_VALUE": "default_value",
    "CUSTOM_FIELD_OPTIONS": "options",
    "JOIN_OBJECT": "join_object",
    "FIELD_HELP_TEXT": "help_text",
}


def _field_values(definition: dict[str, Any]) -> dict[str, Any]:
    """A definition (API shape) as the form's values."""
    default = definition["DEFAULT_VALUE"]
    if isinstance(default, bool):
        default = "true" if default else "false"
    return {
        "field_name": definition["FIELD_NAME"],
        "label": definition["FIELD_LABEL"],
        "field_type": definition["FIELD_TYPE"],
        "order": str(definition["FIELD_ORDER"]),
        "default_value": "" if default is None else str(default),
        "join_object": definition["JOIN_OBJECT"] or "",
        "help_text": definition["FIELD_HELP_TEXT"] or "",
        "editable": definition["EDITABLE"],
        "visible": definition["VISIBLE"],
        "options": [
            (o["OPTION_ID"], o["OPTION_VALUE"]) for o in definition["CUSTOM_FIELD_OPTIONS"]
        ],
        "new_options": "",
    }


def _posted_field(post: FormPost, field_name: str) -> dict[str, Any]:
    """The form's values as sent (to show again on an error)."""
    ids = post.form.getlist("option_id")
    texts = post.form.getlist("option_value")
    return {
        "field_name": field_name,
        "label": post.text("label"),
        "field_type": post.text("field_type"),
        "order": post.text("order"),
        "default_value": post.text("default_value"),
        "join_object": post.text("join_object"),
        "help_text": post.text("help_text"),
        "editable": _checked(post, "editable"),
        "visible": _checked(post, "visible"),
        "options": [(str(i), str(t)) for i, t in zip(ids, texts, strict=False)],
        "new_options": post.text("new_options"),
    }


def _field_body(values: dict[str, Any], creating: bool) -> dict[str, Any]:
    """The API body the form's values make (validated by the service, as a POST/PUT body)."""
    field_type = values["field_type"]
    body: dict[str, Any] = {
        "FIELD_NAME": values["field_name"],
        "FIELD_LABEL": values["label"],
        "FIELD_TYPE": field_type,
        "DEFAULT_VALUE": values["default_value"] or None,
        "FIELD_HELP_TEXT": values["help_text"] or None,
        "EDITABLE": values["editable"],
        "VISIBLE": values["visible"],
    }
    if not creating and values["order"]:
        body["FIELD_ORDER"] = values["order"]
    if field_type.upper() in OPTION_TYPES:
        options: list[dict[str, Any]] = [
            {"OPTION_ID": option_id, "OPTION_VALUE": text.strip()}
            for option_id, text in values["options"]
            if text.strip()  # an emptied option is one to remove
        ]
        new = [line.strip() for line in values["new_options"].splitlines() if line.strip()]
        body["CUSTOM_FIELD_OPTIONS"] = options + [{"OPTION_VALUE": text} for text in new]
    if field_type.upper() == FieldType.LOOKUP:
        body["JOIN_OBJECT"] = values["join_object"]
    return body


def _field_form(
    request: Request,
    connection: Connection,
    session: WebSession,
    service: CustomFieldService,
    values: dict[str, Any],
    creating: bool,
    failure: tuple[Errors, list[str], int] | None = None,
) -> Response:
    errors, general, status_code = failure or ({}, [], 200)
    context = {
        "object_name": service.object_name,
        "object_label": service.rt.collection,
        "values": values,
        "creating": creating,
        "errors": errors,
        "general": general,
        "type_labels": FIELD_TYPE_LABELS,
        "option_types": sorted(OPTION_TYPES),
        "join_choices": _join_choices(connection, session),
    }
    return render(request, "admin/custom_field_form.html", context, status_code)


@router.get("/custom-fields/{object_name}/new")
def custom_field_new(request: Request, object_name: str, session: Admin) -> Response:
    """The form that defines a custom field."""
    values = {
        **{name: "" for name in ("field_name", "label", "order", "default_value", "join_object")},
        "field_type": FieldType.TEXT.value,
        "help_text": "",
        "editable": True,
        "visible": True,
        "options": [],
        "new_options": "",
    }
    with unit_of_work(_engine(request)) as connection:
        service = CustomFieldService(connection, session.caller, object_name)
        return _field_form(request, connection, session, service, values, creating=True)


@router.post("/custom-fields/{object_name}/new")
def custom_field_create(request: Request, object_name: str, post: AdminPost) -> Response:
    """Define the field, or show the form again with the service's errors."""
    values = _posted_field(post, post.text("field_name"))

    def change(connection: Connection) -> str:
        service = CustomFieldService(connection, post.session.caller, object_name)
        service.create(_field_body(values, creating=True))
        return service.object_name

    return form_action(
        request,
        change,
        lambda name: redirect(f"/admin/custom-fields/{name}"),
        lambda error: _field_form_again(request, post, object_name, values, True, error),
        _REFUSALS,
    )


@router.get("/custom-fields/{object_name}/{field_name}/edit")
def custom_field_edit(
    request: Request, object_name: str, field_name: str, session: Admin
) -> Response:
    """The form that changes a custom field (its name stays)."""
    with unit_of_work(_engine(request)) as connection:
        service = CustomFieldService(connection, session.caller, object_name)
        found = service.search(field_name)
        if not found:
            raise _no_field(service, field_name)
        values = _field_values(found[0])
        return _field_form(request, connection, session, service, values, creating=False)


@router.post("/custom-fields/{object_name}/{field_name}/edit")
def custom_field_update(
    request: Request, object_name: str, field_name: str, post: AdminPost
) -> Response:
    """Change the field, or show the form again with the service's errors."""
    values = _posted_field(post, field_name)

    def change(connection: Connection) -> str:
        service = CustomFieldService(connection, post.session.caller, object_name)
        service.update(_field_body(values, creating=False))
        return service.object_name

    # A 409 here is an option still in use that the form tried to remove.
    return form_action(
        request,
        change,
        lambda name: redirect(f"/admin/custom-fields/{name}"),
        lambda error: _field_form_again(request, post, object_name, values, False, error),
        _REFUSALS,
    )


def _field_form_again(
    request: Request,
    post: FormPost,
    object_name: str,
    values: dict[str, Any],
    creating: bool,
    error: RolodexError,
) -> Response:
    """The field form again with the service's errors (a general one under the name or the
    options input, where the form has no input of its own for it)."""
    errors, general = form_errors(error, _FIELD_INPUTS, "field_name" if creating else "options")
    with unit_of_work(_engine(request)) as connection:
        service = CustomFieldService(connection, post.session.caller, object_name)
        failure = (errors, general, error.status_code)
        return _field_form(request, connection, post.session, service, values, creating, failure)


def _no_field(service: CustomFieldService, field_name: str) -> RolodexError:
    return NotFound(f"{service.rt.collection} has no custom field named {field_name}.")


@router.get("/custom-fields/{object_name}/{field_name}/delete")
def custom_field_confirm_delete(
    request: Request, object_name: str, field_name: str, session: Admin
) -> Response:
    """Ask before deleting a custom field (its values go with it)."""
    with unit_of_work(_engine(request)) as connection:
        service = CustomFieldService(connection, session.caller, object_name)
        found = service.search(field_name)
        if not found:
            raise _no_field(service, field_name)
        used = len(service.store.record_ids(service.object_name, found[0]["FIELD_NAME"].lower()))
    definition = found[0]
    context = {
        "title": f"Delete the custom field {definition['FIELD_LABEL']}?",
        "message": (
            f"{definition['FIELD_NAME']} of {service.rt.collection} and its value in every "
            f"record go; {used} {service.rt.collection} have a value in it now. "
            "This cannot be undone."
        ),
        "action": f"/admin/custom-fields/{service.object_name}/{definition['FIELD_NAME']}/delete",
        "button": f"Delete {definition['FIELD_NAME']}",
        "back": f"/admin/custom-fields/{service.object_name}",
        "hidden": {},
    }
    return render(request, "admin/confirm.html", context)


@router.post("/custom-fields/{object_name}/{field_name}/delete")
def custom_field_delete(
    request: Request, object_name: str, field_name: str, post: AdminPost
) -> Response:
    """Delete the custom field and its values."""
    with unit_of_work(_engine(request), write=True) as connection:
        service = CustomFieldService(connection, post.session.caller, object_name)
        service.delete(field_name)
    return redirect(f"/admin/custom-fields/{service.object_name}")


# --- custom objects ---------------------------------------------------------------------------

_OBJECT_INPUTS = {
    "OBJECT_NAME": "object_name",
    "SINGULAR_LABEL": "singular_label",
    "PLURAL_LABEL": "plural_label",
    "DESCRIPTION": "description",
    "RECORD_NAME_LABEL": "record_name_label",
}


@router.get("/custom-objects")
def custom_objects_list(request: Request, session: Admin) -> Response:
    """The instance's custom objects, with how many records each has."""
    with unit_of_work(_engine(request)) as connection:
        service = CustomObjectService(connection, session.caller)
        objects, _ = service.list_page(_WHOLE_LIST)
        counts = {o["OBJECT_NAME"]: service.record_count(o["OBJECT_NAME"]) for o in objects}
    return render(request, "admin/custom_objects.html", {"objects": objects, "counts": counts})


def _object_form(
    request: Request,
    values: dict[str, str],
    creating: bool,
    failure: tuple[Errors, list[str], int] | None = None,
) -> Response:
    errors, general, status_code = failure or ({}, [], 200)
    context = {"values": values, "creating": creating, "errors": errors, "general": general}
    return render(request, "admin/custom_object_form.html", context, status_code)


def _posted_object(post: FormPost, object_name: str) -> dict[str, str]:
    values = {name: post.text(name) for name in _OBJECT_INPUTS.values()}
    return {**values, "object_name": object_name}


def _object_body(values: dict[str, str]) -> dict[str, Any]:
    return {field: values[name] or None for field, name in _OBJECT_INPUTS.items()}


@router.get("/custom-objects/new")
def custom_object_new(request: Request, session: Admin) -> Response:
    """The form that defines a custom object."""
    return _object_form(request, dict.fromkeys(_OBJECT_INPUTS.values(), ""), creating=True)


@router.post("/custom-objects/new")
def custom_object_create(request: Request, post: AdminPost) -> Response:
    """Define the object, or show the form again with the service's errors."""
    values = _posted_object(post, post.text("object_name"))
    return form_action(
        request,
        lambda connection: CustomObjectService(connection, post.session.caller).create(
            _object_body(values)
        ),
        lambda _: redirect("/admin/custom-objects"),
        lambda error: _object_form(
            request,
            values,
            True,
            (*form_errors(error, _OBJECT_INPUTS, "object_name"), error.status_code),
        ),
        _REFUSALS,
    )


@router.get("/custom-objects/{object_name}/edit")
def custom_object_edit(request: Request, object_name: str, session: Admin) -> Response:
    """The form that changes a custom object's labels (its name stays)."""
    with unit_of_work(_engine(request)) as connection:
        found = CustomObjectService(connection, session.caller).get(object_name)
    values = {name: found[field] or "" for field, name in _OBJECT_INPUTS.items()}
    return _object_form(request, values, creating=False)


@router.post("/custom-objects/{object_name}/edit")
def custom_object_update(request: Request, object_name: str, post: AdminPost) -> Response:
    """Change the labels, or show the form again with the service's errors."""
    values = _posted_object(post, object_name)
    return form_action(
        request,
        lambda connection: CustomObjectService(connection, post.session.caller).update(
            _object_body(values)
        ),
        lambda _: redirect("/admin/custom-objects"),
        lambda error: _object_form(
            request, values, False, (*form_errors(error, _OBJECT_INPUTS), error.status_code)
        ),
    )


def _object_delete_page(
    request: Request, connection: Connection, session: WebSession, object_name: str, note: str = ""
) -> Response:
    service = CustomObjectService(connection, session.caller)
    definition = service.get(object_name)
    name = definition["OBJECT_NAME"]
    count = service.record_count(name)
    fields = CustomFieldService(connection, session.caller, name).list_all()
    if count:
        what = (
            f"Its {count} record{'s' if count != 1 else ''} will be deleted with it "
            "(with their notes, tags, links and files)"
        )
    else:
        what = "It has no records"
    context = {
        "title": f"Delete the custom object {definition['SINGULAR_LABEL']} ({name})?",
        "message": (
            f"{what}; so will its {len(fields)} custom field definition"
            f"{'s' if len(fields) != 1 else ''} and every lookup field of another object "
            "that points to it. This cannot be undone."
        ),
        "note": note,
        "action": f"/admin/custom-objects/{name}/delete",
        "button": f"Delete {name} and {count} record{'s' if count != 1 else ''}",
        "back": "/admin/custom-objects",
        "hidden": {"records": str(count)},
    }
    return render(request, "admin/confirm.html", context, 409 if note else 200)


@router.get("/custom-objects/{object_name}/delete")
def custom_object_confirm_delete(request: Request, object_name: str, session: Admin) -> Response:
    """Ask before deleting a custom object, naming how many records go with it."""
    with unit_of_work(_engine(request)) as connection:
        return _object_delete_page(request, connection, session, object_name)


@router.post("/custom-objects/{object_name}/delete")
def custom_object_delete(request: Request, object_name: str, post: AdminPost) -> Response:
    """Delete the object and the records the confirmation named (asks again if that changed)."""
    confirmed = post.text("records")
    with unit_of_work(_engine(request), write=True) as connection:
        service = CustomObjectService(connection, post.session.caller)
        count = service.record_count(object_name)
        if str(count) != confirmed:
            note = f"The number of records changed since you were asked: it is {count} now."
            return _object_delete_page(request, connection, post.session, object_name, note)
        removed = service.delete(object_name, force=count > 0)
    store = FileStore.for_settings(request.app.state.settings)
    store.remove(removed)
    return redirect("/admin/custom-objects")


# --- pipelines --------------------------------------------------------------------------------

_PIPELINE_FOR = ("Opportunities", "Projects")
_PIPELINE_INPUTS = {"PIPELINE_NAME": "name", "FOR": "for", "STAGES": "stages"}


def _pipelines(connection: Connection, session: WebSession) -> list[dict[str, Any]]:
    found = pipeline_service.list_pipelines(connection, session.caller.instance_id)
    return [
        {
            "id": pipeline["id"],
            "name": pipeline["pipeline_name"],
            "for": "Opportunities" if pipeline["for_opportunities"] else "Projects",
            "stages": [
                stage["stage_name"]
                for stage in sorted(stages, key=lambda s: (s["stage_order"] or 0, s["id"]))
            ],
        }
        for pipeline, stages in found
    ]


def _pipeline(connection: Connection, session: WebSession, pipeline_id: int) -> dict[str, Any]:
    for pipeline in _pipelines(connection, session):
        if pipeline["id"] == pipeline_id:
            return pipeline
    raise NotFound(f"No Pipeline with ID {pipeline_id}.")


@router.get("/pipelines")
def pipelines_list(request: Request, session: Admin) -> Response:
    """The instance's pipelines with their stages in order."""
    with unit_of_work(_engine(request)) as connection:
        pipelines = _pipelines(connection, session)
    return render(request, "admin/pipelines.html", {"pipelines": pipelines})


def _pipeline_form(
    request: Request, values: dict[str, str], failure: tuple[Errors, list[str], int] | None = None
) -> Response:
    errors, general, status_code = failure or ({}, [], 200)
    context = {"values": values, "errors": errors, "general": general, "targets": _PIPELINE_FOR}
    return render(request, "admin/pipeline_form.html", context, status_code)


@router.get("/pipelines/new")
def pipeline_new(request: Request, session: Admin) -> Response:
    """The form that creates a pipeline with its stages."""
    return _pipeline_form(request, {"name": "", "for": "Opportunities", "stages": ""})


@router.post("/pipelines/new")
def pipeline_create(request: Request, post: AdminPost) -> Response:
    """Create the pipeline and its stages, or show the form again with the service's errors."""
    values = {name: post.text(name) for name in ("name", "for", "stages")}
    return form_action(
        request,
        lambda connection: pipeline_service.create_pipeline(
            connection,
            post.session.caller.instance_id,
            values["name"],
            values["for"],
            values["stages"].splitlines(),
        ),
        lambda _: redirect("/admin/pipelines"),
        lambda error: _pipeline_form(
            request, values, (*form_errors(error, _PIPELINE_INPUTS), error.status_code)
        ),
    )


def _rename_form(
    request: Request, pipeline: dict[str, Any], name: str, errors: Errors, status_code: int = 200
) -> Response:
    context = {"pipeline": pipeline, "name": name, "errors": errors}
    return render(request, "admin/pipeline_rename.html", context, status_code)


@router.get("/pipelines/{pipeline_id}/rename")
def pipeline_rename(request: Request, pipeline_id: int, session: Admin) -> Response:
    """The form that renames a pipeline."""
    with unit_of_work(_engine(request)) as connection:
        pipeline = _pipeline(connection, session, pipeline_id)
    return _rename_form(request, pipeline, pipeline["name"], {})


@router.post("/pipelines/{pipeline_id}/rename")
def pipeline_rename_post(request: Request, pipeline_id: int, post: AdminPost) -> Response:
    """Rename the pipeline (as the settings service changes any settings row)."""
    name = post.text("name")

    def again(error: RolodexError) -> Response:
        with unit_of_work(_engine(request)) as connection:
            pipeline = _pipeline(connection, post.session, pipeline_id)
        errors = form_errors(error, _PIPELINE_INPUTS, "name")[0]
        return _rename_form(request, pipeline, name, errors, 400)

    return form_action(
        request,
        lambda connection: SettingsService(connection, post.session.caller, PIPELINES).update(
            {"PIPELINE_ID": pipeline_id, "PIPELINE_NAME": name}
        ),
        lambda _: redirect("/admin/pipelines"),
        again,
    )


def _pipeline_delete_page(
    request: Request, pipeline: dict[str, Any], note: str = "", status_code: int = 200
) -> Response:
    context = {
        "title": f"Delete the pipeline {pipeline['name']}?",
        "message": (
            f"The pipeline and its {len(pipeline['stages'])} stages go. A pipeline that still "
            f"holds {pipeline['for']} is not deleted."
        ),
        "note": note,
        "action": f"/admin/pipelines/{pipeline['id']}/delete",
        "button": f"Delete {pipeline['name']}",
        "back": "/admin/pipelines",
        "hidden": {},
    }
    return render(request, "admin/confirm.html", context, status_code)


@router.get("/pipelines/{pipeline_id}/delete")
def pipeline_confirm_delete(request: Request, pipeline_id: int, session: Admin) -> Response:
    """Ask before deleting a pipeline."""
    with unit_of_work(_engine(request)) as connection:
        pipeline = _pipeline(connection, session, pipeline_id)
    return _pipeline_delete_page(request, pipeline)


@router.post("/pipelines/{pipeline_id}/delete")
def pipeline_delete(request: Request, pipeline_id: int, post: AdminPost) -> Response:
    """Delete the pipeline; refused (and said why) while records are in it."""

    def again(error: RolodexError) -> Response:
        with unit_of_work(_engine(request)) as connection:
            pipeline = _pipeline(connection, post.session, pipeline_id)
        return _pipeline_delete_page(request, pipeline, error.message, 409)

    return form_action(
        request,
        lambda connection: pipeline_service.delete_pipeline(
            connection, post.session.caller.instance_id, pipeline_id
        ),
        lambda _: redirect("/admin/pipelines"),
        again,
        (Conflict,),
    )
