"""Sign-in, sign-out, the home page and the user's own settings (API key, rate limits)."""

import hmac
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import Response

from rolodex.config import Settings
from rolodex.errors import RolodexError, TooManyRequests
from rolodex.services.dashboard import dashboard
from rolodex.services.ratelimit import daily_limit
from rolodex.services.sessions import SESSION_DAYS, WebSession, sign_in, sign_out
from rolodex.services.users import regenerate_key
from rolodex.storage.engine import unit_of_work
from rolodex.web.common import (
    SESSION_COOKIE,
    SIGN_IN_CSRF_COOKIE,
    FormPost,
    account_post,
    current_session,
    form_action,
    new_csrf_token,
    redirect,
    render,
    require_session,
    safe_next,
    set_cookie,
)
from rolodex.web.navigation import record_types_of

router = APIRouter(include_in_schema=False)


def _sign_in_page(request: Request, next_url: str, error: str = "", email: str = "") -> Response:
    token = new_csrf_token()
    context = {"csrf_token": token, "next": next_url, "error": error, "email": email}
    response = render(request, "sign_in.html", context, 401 if error else 200)
    set_cookie(request, response, SIGN_IN_CSRF_COOKIE, token, 3600)
    return response


@router.get("/")
def home(request: Request, next_url: Annotated[str | None, Query(alias="next")] = None) -> Response:
    """The sign-in form for a visitor; the list of record types for a signed-in user."""
    session = current_session(request)
    if session is None:
        return _sign_in_page(request, safe_next(next_url))
    if next_url:
        return redirect(safe_next(next_url))
    with unit_of_work(request.app.state.engine) as connection:
        types = record_types_of(connection, session.caller)
        figures = dashboard(connection, session.caller, datetime.now(UTC).date())
    most = max((figure.value for figure in figures.stages), default=0) or 1
    return render(request, "home.html", {"types": types, "board": figures, "most": most})


@router.post("/sign-in")
def sign_in_post(
    request: Request,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
    next_url: Annotated[str, Form(alias="next")] = "/",
) -> Response:
    """Check the password; on success set the session cookie and go where the user was going."""
    target = safe_next(next_url)
    expected = request.cookies.get(SIGN_IN_CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(expected, csrf_token):
        return _sign_in_page(request, target, "The form expired; please sign in again.")
    if not email.strip() or not password:
        return _sign_in_page(request, target, "Enter your email and password.", email)

    def signed_in(token: str | None) -> Response:
        if token is None:
            return _sign_in_page(request, target, "Wrong email or password.", email)
        response = redirect(target)
        set_cookie(request, response, SESSION_COOKIE, token, SESSION_DAYS * 86400)
        response.delete_cookie(SIGN_IN_CSRF_COOKIE, path="/")
        return response

    def refused(error: RolodexError) -> Response:
        page = _sign_in_page(request, target, error.message, email)
        page.status_code = error.status_code
        page.headers.update(error.headers)
        return page

    return form_action(
        request,
        lambda connection: sign_in(connection, email, password),
        signed_in,
        refused,
        (TooManyRequests,),
    )


@router.post("/sign-out")
def sign_out_post(request: Request, post: Annotated[FormPost, Depends(account_post)]) -> Response:
    """End the session."""
    with unit_of_work(request.app.state.engine, write=True) as connection:
        sign_out(connection, request.cookies.get(SESSION_COOKIE, ""))
    response = redirect("/")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def _settings_context(request: Request, session: WebSession) -> dict[str, object]:
    settings: Settings = request.app.state.settings
    instance_id = session.caller.instance_id
    with unit_of_work(request.app.state.engine) as connection:
        limit = daily_limit(connection, instance_id, settings.rate_limit_daily)
        used = request.app.state.rate_limiter.calls_today(connection, instance_id)
    return {
        "api_url": str(request.base_url).rstrip("/") + "/v3.1",
        "daily_limit": limit,
        "calls_today": used,
        "remaining": max(limit - used, 0) if limit else None,
        "per_second": settings.rate_limit_per_second,
    }


@router.get("/settings")
def user_settings(
    request: Request, session: Annotated[WebSession, Depends(require_session)]
) -> Response:
    """The user's settings: API base URL, rate-limit status, and a way to get a new API key."""
    return render(request, "settings.html", _settings_context(request, session))


@router.post("/settings/api-key")
def regenerate_api_key(
    request: Request, post: Annotated[FormPost, Depends(account_post)]
) -> Response:
    """A new API key, shown on this page only this once; the old key stops working."""
    with unit_of_work(request.app.state.engine, write=True) as connection:
        key = regenerate_key(connection, post.session.email)
    context = {**_settings_context(request, post.session), "new_key": key}
    return render(request, "settings.html", context)
