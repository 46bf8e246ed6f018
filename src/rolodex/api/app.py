"""The FastAPI application: routers from the registry, and one error shape for everything."""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError, OperationalError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import GZipMiddleware

from rolodex import __version__
from rolodex.api import (
    activity_sets,
    comments,
    cti,
    custom_fields,
    custom_objects,
    files,
    lists,
    openapi,
    owned,
    pipelines,
    records,
    reference,
    sales,
    teams,
    tickets,
    translations,
    users,
    v22,
)
from rolodex.api import settings as settings_routes
from rolodex.api.auth import RateLimitHeaders
from rolodex.api.common import WriteLane
from rolodex.api.responses import WireResponse
from rolodex.api.routing import allowed_methods
from rolodex.api.versions import VERSIONS, version_routes
from rolodex.config import Settings, collect_less, get_settings
from rolodex.domain.registry import CUSTOM_OBJECT_RECORDS, RECORD_TYPES
from rolodex.errors import RolodexError, ServiceUnavailable, Unauthorized
from rolodex.services.ratelimit import RateLimiter
from rolodex.storage.engine import make_engine
from rolodex.storage.replicas import ReadRouter, replica_urls
from rolodex.web import routes as web_routes
from rolodex.web.common import error_page, web_path

log = logging.getLogger("rolodex")


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield
    # Leased calls this process has not made go back to the daily counter while the database
    # is surely still there (an exit hook does it too, for processes stopped without this).
    await run_in_threadpool(app.state.rate_limiter.return_all)
    if app.state.read_router is not None:
        app.state.read_router.dispose()


def serve_app() -> FastAPI:
    """The app as `rolodex serve` runs it, in each worker process: `create_app()`, then what
    was built so far (modules, routes, the record types' statements) frozen out of the
    collector's reach and collections made rarer (rolodex.config.collect_less)."""
    app = create_app()
    collect_less()
    return app


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    """A Rolodex server for `settings` (default: from the environment)."""
    settings = settings or get_settings()
    app = FastAPI(
        lifespan=_lifespan,
        title="Rolodex",
        version=__version__,
        description="A self-hosted CRM server that speaks the Insightly Web API v3.1.",
        openapi_url="/v3.1/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = engine or make_engine(settings.database_url, settings.pool_size)
    app.state.write_lane = WriteLane(settings, app.state.engine.dialect.name)
    urls = replica_urls(settings.database_replica_urls)
    app.state.read_router = (
        ReadRouter(app.state.engine, urls, settings.redis_url, settings.pool_size) if urls else None
    )
    app.state.rate_limiter = RateLimiter(
        app.state.engine,
        settings.rate_limit_daily,
        settings.rate_limit_per_second,
        settings.redis_url,
    )

    # /Users/Me must come before the generic /Users/{id}.
    app.router.routes.extend(users.router.routes)
    app.router.routes.extend(lists.router.routes)
    for rt in RECORD_TYPES:
        app.router.routes.extend(records.build_router(rt).routes)
    for router in (*pipelines.routers(), *settings_routes.routers()):
        app.router.routes.extend(router.routes)
    app.router.routes.extend(owned.build_router().routes)
    app.router.routes.extend(tickets.router.routes)
    app.router.routes.extend(translations.build_router().routes)
    app.router.routes.extend(sales.router.routes)
    app.router.routes.extend(comments.build_router().routes)
    app.router.routes.extend(files.build_router().routes)
    app.router.routes.extend(teams.router.routes)
    app.router.routes.extend(activity_sets.build_router().routes)
    app.router.routes.extend(custom_fields.router.routes)
    app.router.routes.extend(custom_objects.router.routes)
    app.router.routes.extend(cti.router.routes)
    web_routes.install(app)
    # Last: /v3.1/{object_name} for every custom object (names ending in __c).
    app.router.routes.extend(records.build_router(CUSTOM_OBJECT_RECORDS).routes)
    # /v2.2's record types (the v2 object graph) and its operations that v3.1 does not have,
    # then the older versions' route tables onto the /v3.1 routes above.
    for router in (
        *v22.routers(),
        teams.v22_router,
        custom_fields.v22_router,
        comments.build_v22_router(),
    ):
        app.router.routes.extend(router.routes)
    for version in VERSIONS:
        app.router.routes.extend(version_routes(list(app.router.routes), version))

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> Response:
        """200 while the database answers; 503 otherwise (a load balancer's check: during a
        failover PgBouncer may answer with what the driver calls an internal error)."""
        try:
            with app.state.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except DBAPIError as error:
            raise ServiceUnavailable("The database is unavailable right now.") from error
        return WireResponse({"STATUS": "ok"}, "Health")

    _install_error_handlers(app)
    openapi.install(app)
    reference.install(app)
    app.add_middleware(RateLimitHeaders)
    # Most clients (requests, httpx, browsers) ask for gzip. Starlette's default level, 9,
    # took 11.7 ms to compress a sweep page of 500 contacts (673 kB) - more than reading and
    # building it; level 4 takes 3.9 ms, for 79 kB instead of 65 kB.
    app.add_middleware(GZipMiddleware, minimum_size=1000, compresslevel=4)
    return app


def error_response(
    status_code: int,
    message: str,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """The contract's error body: {"Message": ..., "Errors": [...]}."""
    body: dict[str, Any] = {"Message": message}
    if errors:
        body["Errors"] = errors
    return WireResponse(body, "Error", status_code, headers)


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RolodexError)
    async def rolodex_error(request: Request, exc: RolodexError) -> Response:
        if web_path(request):
            return error_page(request, exc.status_code, exc.message)
        errors = [{"FIELD": e.field, "Message": e.message} for e in exc.errors]
        headers = dict(exc.headers)
        if isinstance(exc, Unauthorized):
            headers["WWW-Authenticate"] = 'Basic realm="Rolodex"'
        return error_response(exc.status_code, exc.message, errors, headers)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if web_path(request):
            message = "There is no such page." if exc.status_code == 404 else str(exc.detail)
            return error_page(request, exc.status_code, message)
        if exc.status_code == 404:
            return error_response(404, f"No such resource: {request.url.path}")
        if exc.status_code == 405:
            allow = ", ".join(allowed_methods(app.router.routes, request.url.path))
            return error_response(
                405,
                f"{request.method} is not allowed on {request.url.path}.",
                None,
                {"Allow": allow},
            )
        return error_response(exc.status_code, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        errors = [
            {"FIELD": ".".join(str(p) for p in e["loc"][1:]) or "request", "Message": e["msg"]}
            for e in exc.errors()
        ]
        summary = "; ".join(f"{e['FIELD']}: {e['Message']}" for e in errors[:5])
        if web_path(request):
            return error_page(request, 400, f"This address is not valid: {summary}.")
        return error_response(400, f"Invalid input: {summary}.", errors)

    # A lost database outside a unit of work's own handling (e.g. /healthz): 503, not 500.
    @app.exception_handler(OperationalError)
    async def database_unavailable(request: Request, exc: OperationalError) -> Response:
        log.warning("Database unavailable on %s %s: %s", request.method, request.url.path, exc)
        message = "The database is unavailable right now; try again shortly."
        if web_path(request):
            return error_page(request, 503, message)
        return error_response(503, message)

    @app.exception_handler(Exception)
    async def unexpected_error(request: Request, exc: Exception) -> Response:
        log.exception("Unhandled error on %s %s", request.method, request.url.path)
        if web_path(request):
            return error_page(request, 500, "An unexpected error occurred; it has been logged.")
        return error_response(500, "An unexpected error occurred; it has been logged.")
