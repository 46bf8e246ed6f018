"""Hooks the web application into the server: its pages, static files and error pages."""

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles

from rolodex.web import account, admin, boards, events, list_actions, records, search
from rolodex.web.common import SignInRequired, sign_in_redirect


def install(app: FastAPI) -> None:
    """Add the pages to `app` (before the API's catch-all custom-object routes)."""
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    app.router.routes.extend(account.router.routes)
    app.router.routes.extend(admin.router.routes)
    app.router.routes.extend(records.router.routes)
    app.router.routes.extend(list_actions.router.routes)
    app.router.routes.extend(boards.router.routes)
    app.router.routes.extend(search.router.routes)
    app.router.routes.extend(events.router.routes)

    @app.exception_handler(SignInRequired)
    async def sign_in_required(request: Request, exc: SignInRequired) -> Response:
        return sign_in_redirect(request)
