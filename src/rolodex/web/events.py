"""GET /events: the server-sent event stream on which a signed-in page receives screen pops.

Events: `ready` once the page is listening (pops sent from then on reach it), then `pop` with
{"path": "/records/Contact/1"} for each screen pop (static/cti.js opens it in a new tab). A
comment line every HEARTBEAT_SECONDS keeps proxies from closing an idle stream; a closed page's
stream is cancelled by the server, which then stops counting it."""

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from rolodex.services.pops import HEARTBEAT_SECONDS, PageStream, PopHub, hub_of
from rolodex.services.sessions import WebSession
from rolodex.web.common import require_session

router = APIRouter(include_in_schema=False)


@router.get("/events")
async def events(
    request: Request, session: Annotated[WebSession, Depends(require_session)]
) -> StreamingResponse:
    hub = await run_in_threadpool(hub_of, request.app)
    caller = session.caller
    stream = PageStream(caller.instance_id, caller.user_id, asyncio.get_running_loop())
    return StreamingResponse(
        _stream(hub, stream),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


async def _stream(hub: PopHub, stream: PageStream) -> AsyncIterator[str]:
    await run_in_threadpool(hub.open_page, stream)
    try:
        # retry: how soon the browser reconnects after the server went away (ms).
        yield "retry: 2000\nevent: ready\ndata: {}\n\n"
        while True:
            try:
                path = await asyncio.wait_for(stream.queue.get(), timeout=HEARTBEAT_SECONDS)
            except TimeoutError:
                await run_in_threadpool(hub.heartbeat, stream)
                yield ": still here\n\n"
                continue
            yield f"event: pop\ndata: {json.dumps({'path': path})}\n\n"
    finally:
        # Also when cancelled (the page went away, or the server stops).
        await asyncio.shield(run_in_threadpool(hub.close_page, stream))
