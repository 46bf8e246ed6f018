"""The "framework ceiling": a bare Starlette app answering the benchmark's requests from memory.

For every request the benchmark sends (method, path and query), it returns the records Rolodex
itself returned for a request of the same operation, with its status, so sizes and shapes match
the real ones: decoded once at start, encoded with orjson on every request (a real server encodes
what it sends). The difference between the two servers is everything Rolodex does besides HTTP,
routing and encoding: FastAPI, validation, authentication, SQL, the wire format.

Run by bench.py as `uvicorn ceiling_app:create_app --factory --app-dir bench`, with
BENCH_CEILING_PAYLOADS naming a pickle of {"routes": {"METHOD /path?query": [body index, ...]},
"bodies": [(status, bytes), ...]}: a route with several bodies answers them in turn.
"""

import itertools
import os
import pickle
from collections.abc import Iterator
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

JSON_MEDIA_TYPE = "application/json; charset=utf-8"
NOT_FOUND = b'{"Message":"Not found."}'


def create_app() -> Starlette:
    """The app, with its answers loaded from BENCH_CEILING_PAYLOADS."""
    with open(os.environ["BENCH_CEILING_PAYLOADS"], "rb") as file:
        payloads = pickle.load(file)
    bodies: list[tuple[int, Any]] = [
        (status, orjson.loads(body) if body else None) for status, body in payloads["bodies"]
    ]
    routes: dict[str, Iterator[int]] = {
        key: itertools.cycle(indexes) for key, indexes in payloads["routes"].items()
    }

    async def answer(request: Request) -> Response:
        await request.body()  # read what a client sends, as Rolodex must
        query = request.scope["query_string"].decode("latin-1")
        key = f"{request.method} {request.scope['raw_path'].decode('latin-1')}"
        found = routes.get(f"{key}?{query}" if query else key)
        if found is None:
            return Response(NOT_FOUND, 404, media_type=JSON_MEDIA_TYPE)
        status, records = bodies[next(found)]
        body = b"" if records is None else orjson.dumps(records)
        return Response(body, status, media_type=JSON_MEDIA_TYPE)

    async def healthz(request: Request) -> Response:
        return Response(b'{"STATUS":"ok"}', media_type=JSON_MEDIA_TYPE)

    return Starlette(
        routes=[
            Route("/healthz", healthz),
            Route("/{path:path}", answer, methods=["GET", "POST", "PUT", "DELETE"]),
        ]
    )
