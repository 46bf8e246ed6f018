"""A list page's actions: on the records chosen on it (tag, delete after a confirmation, export
as CSV) and on the user's saved filters of it. Every one goes through form_action: a refusal
shows the list again with the message, the chosen records still ticked."""

from collections.abc import Callable
from typing import Annotated, Any, TypeVar
from urllib.parse import parse_qsl, urlsplit

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import Connection

from rolodex.errors import BadRequest, RolodexError
from rolodex.services.bulk_actions import BulkService, parse_selection
from rolodex.services.saved_filters import FilterIn, SavedFilterService
from rolodex.storage.engine import unit_of_work
from rolodex.storage.files import FileStore
from rolodex.web.common import (
    FormPost,
    account_post,
    form_action,
    form_post,
    redirect,
    render,
    safe_next,
)
from rolodex.web.fields import search_fields
from rolodex.web.records import RecordKind, list_page, record_kind, saved_filter_url
from rolodex.wire.files import content_disposition

router = APIRouter(include_in_schema=False)

Post = Annotated[FormPost, Depends(form_post)]
# Exports and saved filters change no record: a read-only user may send them too.
ReadingPost = Annotated[FormPost, Depends(account_post)]

_Result = TypeVar("_Result")


class _ListForm:
    """A POST from a list page: the record type, the list to go back to and the records
    chosen on it."""

    def __init__(self, request: Request, object_name: str, post: FormPost) -> None:
        self.request = request
        self.object_name = object_name
        self.post = post
        self.caller = post.session.caller
        with unit_of_work(request.app.state.engine) as connection:
            self.kind: RecordKind = record_kind(connection, self.caller, object_name)
        target = safe_next(post.text("back"))
        self.back = target if target.split("?")[0] == self.kind.url else self.kind.url
        self.raw = [value for value in post.form.getlist("id") if isinstance(value, str)]

    def again(self, error: RolodexError, query: dict[str, str] | None = None) -> Response:
        """The list shown again with why nothing was done, the chosen records still ticked."""
        if query is None:
            query = dict(parse_qsl(urlsplit(self.back).query))
        ticked = {int(v) for v in self.raw if v.strip().isdigit() and len(v.strip()) < 19}
        return list_page(
            self.request,
            self.post.session,
            self.object_name,
            query,
            error.message,
            error.status_code,
            ticked,
        )

    def act(
        self, change: Callable[[Connection], _Result], done: Callable[[_Result], Response]
    ) -> Response:
        return form_action(self.request, change, done, self.again, (RolodexError,))

    def back_with(self, what: str, count: int) -> Response:
        """Back to the list, which says what was done."""
        joiner = "&" if "?" in self.back else "?"
        return redirect(f"{self.back}{joiner}done={what}-{count}")


@router.post("/records/{object_name}/bulk")
def bulk_action(request: Request, object_name: str, post: Post) -> Response:
    """Tag the chosen records, or ask before deleting them."""
    form = _ListForm(request, object_name, post)
    action = post.text("action")
    rt = form.kind.rt

    def tag(connection: Connection) -> int:
        ids = parse_selection(form.raw)
        BulkService(connection, form.caller, rt).tag(ids, post.text("tag_name"))
        return len(ids)

    def names(connection: Connection) -> list[tuple[int, str]]:
        return BulkService(connection, form.caller, rt).names(
            parse_selection(form.raw), form.kind.label
        )

    def confirm(chosen: list[tuple[int, str]]) -> Response:
        context = {"kind": form.kind, "chosen": chosen, "back": form.back}
        return render(request, "records/bulk_delete.html", context)

    if action == "delete":
        if not form.kind.can_delete:
            return form.again(BadRequest(f"{form.kind.plural} cannot be deleted here."))
        return form.act(names, confirm)
    if action != "tag":
        return form.again(BadRequest("Choose Tag or Delete for the chosen records."))
    return form.act(tag, lambda count: form.back_with("tagged", count))


@router.post("/records/{object_name}/bulk/delete")
def bulk_delete(request: Request, object_name: str, post: Post) -> Response:
    """Delete the chosen records (each as DELETE /v3.1/{Coll}/{id} does), then the list."""
    form = _ListForm(request, object_name, post)

    def change(connection: Connection) -> tuple[int, list[str]]:
        ids = parse_selection(form.raw)
        return len(ids), BulkService(connection, form.caller, form.kind.rt).delete(ids)

    def done(result: tuple[int, list[str]]) -> Response:
        count, removed = result
        # The records' files leave the disk only once their deletion has committed.
        FileStore.for_settings(request.app.state.settings).remove(removed)
        return form.back_with("deleted", count)

    return form.act(change, done)


@router.post("/records/{object_name}/export")
def export_chosen(request: Request, object_name: str, post: ReadingPost) -> Response:
    """The chosen records as a CSV file, as `rolodex export` writes one."""
    form = _ListForm(request, object_name, post)

    def download(text: str) -> Response:
        headers = {
            "Content-Disposition": content_disposition("attachment", f"{form.kind.plural}.csv"),
            "Cache-Control": "no-store",
        }
        return Response(text, media_type="text/csv; charset=utf-8", headers=headers)

    return form.act(
        lambda connection: BulkService(connection, form.caller, form.kind.rt).export_csv(
            parse_selection(form.raw)
        ),
        download,
    )


@router.post("/records/{object_name}/filters")
def save_filter(request: Request, object_name: str, post: ReadingPost) -> Response:
    """Save the list's search and order under a name, then show the list with it."""
    form = _ListForm(request, object_name, post)
    allowed = {value for value, _ in search_fields(form.kind.rt)}
    search_field = post.text("field")
    wanted = FilterIn(
        name=post.text("name"),
        search_field=search_field if search_field in allowed else "",
        search_text=post.text("q"),
        sort_field=post.text("sort"),
        descending=post.text("order") == "desc",
    )
    shown: dict[str, Any] = {
        key: post.text(key) for key in ("field", "q", "sort", "order") if post.text(key)
    }

    return form_action(
        request,
        lambda connection: SavedFilterService(connection, form.caller, form.kind.rt).save(wanted),
        lambda saved: redirect(saved_filter_url(form.kind, saved)),
        lambda error: form.again(error, shown),
        (RolodexError,),
    )


@router.post("/records/{object_name}/filters/{filter_id:int}/delete")
def delete_filter(
    request: Request, object_name: str, filter_id: int, post: ReadingPost
) -> Response:
    """Forget one of the user's saved filters of the list."""
    form = _ListForm(request, object_name, post)
    return form.act(
        lambda connection: SavedFilterService(connection, form.caller, form.kind.rt).delete(
            filter_id
        ),
        lambda _: redirect(form.back),
    )
