"""What every page shares: templates, the signed-in session, CSRF checks and error pages."""

import hmac
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy import Connection
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from rolodex.errors import BadRequest, RolodexError
from rolodex.services.sessions import WebSession, session_for
from rolodex.storage.engine import unit_of_work

SESSION_COOKIE = "rolodex_session"
# Double-submit token of the sign-in form, which is shown before there is a session.
SIGN_IN_CSRF_COOKIE = "rolodex_signin_csrf"

_Result = TypeVar("_Result")

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))


def form_action(
    request: Request,
    change: Callable[[Connection], _Result],
    done: Callable[[_Result], Response],
    again: Callable[[RolodexError], Response],
    refusals: tuple[type[RolodexError], ...] = (BadRequest,),
) -> Response:
    """A form's POST: `change` in one write transaction, then the page `done` makes of its
    result. A refusal the form can show (a 400, or what `refusals` names) rolls the change back
    and answers with `again`: the form shown again with the message, and what was typed kept.
    Any other error is the error page."""
    try:
        with unit_of_work(request.app.state.engine, write=True) as connection:
            result = change(connection)
    except refusals as error:
        return again(error)
    return done(result)


class SignInRequired(Exception):
    """Raised by a page that needs a session when there is none: answered with a redirect."""


class CsrfFailure(RolodexError):
    """A form came back without this session's CSRF token."""

    status_code = 403


# /v3.1/..., /v3.0/...: every API version, in any case (paths match case-insensitively).
_API_PATH = re.compile(r"/v\d+\.\d+(/|$)", re.IGNORECASE)


def web_path(request: Request) -> bool:
    """Whether a request is for the web application rather than the API."""
    path = request.url.path
    return not (_API_PATH.match(path) or path == "/healthz")


_NOT_LOOKED_UP = object()


def current_session(request: Request) -> WebSession | None:
    """The signed-in session of this request, if any."""
    cached = getattr(request.state, "web_session", _NOT_LOOKED_UP)
    if cached is not _NOT_LOOKED_UP:
        return cached  # type: ignore[return-value]
    token = request.cookies.get(SESSION_COOKIE)
    session = None
    if token:
        with unit_of_work(request.app.state.engine) as connection:
            session = session_for(connection, token)
    # Kept for the request, a stale cookie's None too: the layout asks again when rendering.
    request.state.web_session = session
    return session


def require_session(request: Request) -> WebSession:
    """Dependency of every page but sign-in."""
    session = current_session(request)
    if session is None:
        raise SignInRequired()
    return session


@dataclass(frozen=True)
class FormPost:
    """A submitted form of a signed-in user whose CSRF token has been checked."""

    session: WebSession
    form: FormData

    def text(self, name: str) -> str:
        value = self.form.get(name)
        return value.strip() if isinstance(value, str) else ""


async def writing_session(request: Request) -> WebSession:
    """The session of a POST that changes the instance's data: 403 for a read-only user,
    before the form is read."""
    # The session is read from the database: not on the event loop.
    session = await run_in_threadpool(require_session, request)
    session.caller.check_may_write()
    return session


async def form_post(request: Request) -> FormPost:
    """Dependency of every POST page (a read-only user's are refused), CSRF token checked.
    Only the user's own account (signing out, a new API key) takes `account_post` instead."""
    return await _checked_form(request, await writing_session(request))


async def account_post(request: Request) -> FormPost:
    """Dependency of a POST about the user's own account or that changes no record (an
    export, a saved filter), which a read-only user may send."""
    return await _checked_form(request, await run_in_threadpool(require_session, request))


async def _checked_form(request: Request, session: WebSession) -> FormPost:
    form = await request.form()
    check_csrf(session, form)
    return FormPost(session, form)


def check_csrf(session: WebSession, form: FormData) -> None:
    """CsrfFailure unless the form sent back this session's CSRF token."""
    sent = form.get("csrf_token")
    if not isinstance(sent, str) or not hmac.compare_digest(sent, session.csrf_token):
        raise CsrfFailure("The form expired or did not come from this site; reload and try again.")


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> HTMLResponse:
    """A page from templates/, with the session (if any) available to the layout."""
    values = {"session": current_session(request), **(context or {})}
    response = templates.TemplateResponse(request, name, values, status_code=status_code)
    # Pages show private data: never cache them in shared caches or the back/forward cache.
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    return response


def redirect(url: str) -> RedirectResponse:
    """After a successful POST: see the result with a GET (303)."""
    return RedirectResponse(url, status_code=303)


def sign_in_redirect(request: Request) -> Response:
    """Send a visitor without a session to sign in, then back here."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if target == "/":
        return redirect("/")
    return redirect(f"/?next={quote(target, safe='')}")


def error_page(request: Request, status_code: int, message: str) -> HTMLResponse:
    """An error as a page, for the web application (the API keeps its JSON errors)."""
    context = {"status_code": status_code, "message": message}
    try:
        return render(request, "error.html", context, status_code)
    except Exception:  # the database may be what failed: still answer, without the layout
        return HTMLResponse(f"<h1>{status_code}</h1><p>{escape(message)}</p>", status_code)


def safe_next(target: str | None) -> str:
    """A post-sign-in destination on this site only (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def set_cookie(request: Request, response: Response, name: str, value: str, max_age: int) -> None:
    """A cookie scripts cannot read, sent only to this site, Secure over HTTPS."""
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )
