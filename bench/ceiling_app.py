"""The "framework ceiling": a bare Starlette app serving the benchmark's JSON bytes from memory.

It answers the same two URLs as Rolodex (`/v3.1/Contacts/{id}` and `/v3.1/Contacts?skip=&top=`)
with bodies Rolodex returned for a sample of them (the body for an id or skip is picked from the
sample by that number), so the difference between the two servers is everything Rolodex does
besides HTTP and routing: FastAPI, authentication, SQL, encoding.

Run by bench_api.py as `uvicorn ceiling_app:create_app --factory --app-dir bench`, with
BENCH_CEILING_PAYLOADS naming the pickle of bodies that bench_api.py wrote.
"""

import os
import pickle

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

JSON_MEDIA_TYPE = "application/json; charset=utf-8"
BAD_REQUEST = b'{"Message":"skip must be a whole number."}'


def create_app() -> Starlette:
    with open(os.environ["BENCH_CEILING_PAYLOADS"], "rb") as file:
        payloads = pickle.load(file)
    contacts: list[bytes] = payloads["contacts"]
    pages: list[bytes] = payloads["pages"]

    async def get_contact(request: Request) -> Response:
        record_id: int = request.path_params["record_id"]
        return Response(contacts[record_id % len(contacts)], media_type=JSON_MEDIA_TYPE)

    async def list_contacts(request: Request) -> Response:
        skip = request.query_params.get("skip", "0")
        if not skip.isdigit():
            return Response(BAD_REQUEST, 400, media_type=JSON_MEDIA_TYPE)
        return Response(pages[int(skip) % len(pages)], media_type=JSON_MEDIA_TYPE)

    async def healthz(request: Request) -> Response:
        return Response(b'{"STATUS":"ok"}', media_type=JSON_MEDIA_TYPE)

    return Starlette(
        routes=[
            Route("/v3.1/Contacts/{record_id:int}", get_contact),
            Route("/v3.1/Contacts", list_contacts),
            Route("/healthz", healthz),
        ]
    )
