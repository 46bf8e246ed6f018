"""CTI screen pops: deliver "open this record" to every open web page of a user.

Pages listen on a server-sent event stream (rolodex.web.events). A pop may be asked of any
server process, and the user's pages may be served by others, so each process runs one hub:
  - with ROLODEX_REDIS_URL set, pops go through Redis pub/sub;
  - else on PostgreSQL, through LISTEN/NOTIFY;
  - else (SQLite, one process) straight to this process's streams.
Every process receives every pop of its database (one channel, named after the database and
schema, so test runs sharing a PostgreSQL database in different schemas never cross) and hands
it to the streams of that user that it serves.

A publish cannot count its receivers, so when pops cross processes each open stream keeps a row
in `cti_pages` with a heartbeat; the pages a pop "reached" are the user's streams whose row is
fresh (a stream closed normally deletes its row; a killed process's rows go stale).
"""

import asyncio
import contextlib
import json
import logging
import threading
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Protocol

import psycopg
import redis
from sqlalchemy import Engine, delete, func, insert, select, text, update

from rolodex.config import Settings
from rolodex.services.context import utc_now
from rolodex.storage import tables
from rolodex.storage.engine import database_namespace

log = logging.getLogger("rolodex.cti")

# How often an open stream refreshes its row, and when a row no longer counts.
HEARTBEAT_SECONDS = 10.0
STALE_AFTER = timedelta(seconds=3 * HEARTBEAT_SECONDS)
# How long a listener waits before reconnecting to Redis or PostgreSQL after losing it.
_RECONNECT_SECONDS = 1.0

_PAGES = tables.cti_pages


@dataclass(eq=False)
class PageStream:
    """One open page's event stream, served by this process."""

    instance_id: int
    user_id: int
    loop: asyncio.AbstractEventLoop
    queue: asyncio.Queue[str] = field(default_factory=asyncio.Queue)
    token: str = field(default_factory=lambda: uuid.uuid4().hex)


class Transport(Protocol):
    """How pops travel between the server processes of one database."""

    shared: bool  # whether other processes receive what this one publishes

    def start(self, deliver: Any) -> None: ...

    def publish(self, payload: str) -> None: ...


class PopHub:
    """This process's open page streams, and the transport that feeds them."""

    def __init__(self, engine: Engine, transport: "Transport") -> None:
        self.engine = engine
        self.transport = transport
        self._streams: set[PageStream] = set()
        self._lock = threading.Lock()
        self._started = False

    # --- pages -------------------------------------------------------------------------------

    def open_page(self, stream: PageStream) -> None:
        """Start listening for `stream`'s user (blocking: call it off the event loop)."""
        with self._lock:
            if not self._started:
                self.transport.start(self._deliver)
                self._started = True
            self._streams.add(stream)
        if self.transport.shared:
            with self.engine.begin() as connection:
                connection.execute(
                    insert(_PAGES).values(
                        token=stream.token,
                        instance_id=stream.instance_id,
                        user_id=stream.user_id,
                        heartbeat_utc=utc_now(),
                    )
                )

    def heartbeat(self, stream: PageStream) -> None:
        """Keep `stream` counted; also forget the rows of pages whose process died."""
        if not self.transport.shared:
            return
        now = utc_now()
        with self.engine.begin() as connection:
            connection.execute(
                update(_PAGES).where(_PAGES.c.token == stream.token).values(heartbeat_utc=now)
            )
            connection.execute(delete(_PAGES).where(_PAGES.c.heartbeat_utc < now - STALE_AFTER))

    def close_page(self, stream: PageStream) -> None:
        with self._lock:
            self._streams.discard(stream)
        if self.transport.shared:
            with self.engine.begin() as connection:
                connection.execute(delete(_PAGES).where(_PAGES.c.token == stream.token))

    # --- pops --------------------------------------------------------------------------------

    def open_pages(self, instance_id: int, user_id: int) -> int:
        """How many pages of this user a pop sent now reaches."""
        if not self.transport.shared:
            with self._lock:
                return sum(
                    1
                    for s in self._streams
                    if s.instance_id == instance_id and s.user_id == user_id
                )
        with self.engine.connect() as connection:
            count = connection.execute(
                select(func.count())
                .select_from(_PAGES)
                .where(
                    _PAGES.c.instance_id == instance_id,
                    _PAGES.c.user_id == user_id,
                    _PAGES.c.heartbeat_utc >= utc_now() - STALE_AFTER,
                )
            ).scalar_one()
        return int(count)

    def pop(self, instance_id: int, user_id: int, path: str) -> None:
        """Open the page at `path` (on its own site) in a new tab of every page of the user,
        whichever process serves it."""
        payload = json.dumps({"instance_id": instance_id, "user_id": user_id, "path": path})
        if self.transport.shared:
            self.transport.publish(payload)
        else:
            self._deliver(payload)

    def _deliver(self, payload: str) -> None:
        """A pop arrived (from any thread): queue it on this process's streams of that user."""
        try:
            message = json.loads(payload)
            key = (int(message["instance_id"]), int(message["user_id"]))
            path = str(message["path"])
        except (ValueError, KeyError, TypeError):
            log.warning("Ignored a malformed screen pop: %r", payload[:200])
            return
        with self._lock:
            targets = [s for s in self._streams if (s.instance_id, s.user_id) == key]
        for stream in targets:
            # RuntimeError: its event loop has closed, the server is stopping.
            with contextlib.suppress(RuntimeError):
                stream.loop.call_soon_threadsafe(stream.queue.put_nowait, path)


# --- transports ------------------------------------------------------------------------------


class LocalTransport:
    """One process: nothing travels."""

    shared = False

    def start(self, deliver: Any) -> None:
        pass

    def publish(self, payload: str) -> None:
        raise AssertionError("a local hub delivers directly")


class _Listener:
    """A daemon thread that receives pops, reconnecting when the connection drops. `start`
    returns once it listens, so a page that is told it is ready misses no pop."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.ready = threading.Event()

    def start(self, deliver: Any) -> None:
        thread = threading.Thread(target=self._run, args=(deliver,), name=self.name, daemon=True)
        thread.start()
        if not self.ready.wait(timeout=10):
            log.error("%s is not listening yet; screen pops may be missed", self.name)

    def _run(self, deliver: Any) -> None:
        while True:
            try:
                self.listen(deliver)
            except Exception:
                log.exception("%s lost its connection; reconnecting", self.name)
            threading.Event().wait(_RECONNECT_SECONDS)

    def listen(self, deliver: Any) -> None:
        raise NotImplementedError


class PostgresTransport(_Listener):
    """PostgreSQL LISTEN/NOTIFY on the server's own database."""

    shared = True

    def __init__(self, engine: Engine, channel: str) -> None:
        super().__init__("rolodex-cti-postgres")
        self.engine = engine
        self.channel = channel
        # libpq takes the same URL without SQLAlchemy's "+psycopg".
        self.conninfo = engine.url.set(drivername="postgresql").render_as_string(
            hide_password=False
        )

    def listen(self, deliver: Any) -> None:
        with psycopg.connect(self.conninfo, autocommit=True) as connection:
            connection.execute(f'LISTEN "{self.channel}"')
            self.ready.set()
            while True:
                for notify in connection.notifies(timeout=5.0):
                    deliver(notify.payload)

    def publish(self, payload: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                text("SELECT pg_notify(:channel, :payload)"),
                {"channel": self.channel, "payload": payload},
            )


class RedisTransport(_Listener):
    """Redis pub/sub (ROLODEX_REDIS_URL)."""

    shared = True

    def __init__(self, url: str, channel: str) -> None:
        super().__init__("rolodex-cti-redis")
        self.url = url
        self.channel = channel
        self.client = redis.Redis.from_url(url, socket_timeout=5)

    def listen(self, deliver: Any) -> None:
        client = redis.Redis.from_url(self.url)
        with client, client.pubsub() as pubsub:
            pubsub.subscribe(self.channel)
            while True:
                message = pubsub.get_message(timeout=5.0)
                if message is None:
                    continue
                if message["type"] == "subscribe":
                    self.ready.set()
                elif message["type"] == "message":
                    data = message["data"]
                    deliver(data.decode() if isinstance(data, bytes) else str(data))

    def publish(self, payload: str) -> None:
        self.client.publish(self.channel, payload)


def channel_of(engine: Engine) -> str:
    """The pop channel of `engine`'s database: the same for every process that shares it (and
    its PostgreSQL schema), different for any other."""
    return "rolodex_cti_" + database_namespace(engine)


def make_hub(engine: Engine, settings: Settings) -> PopHub:
    """The hub for a server process, with the transport its settings call for."""
    transport: Transport
    if settings.redis_url:
        transport = RedisTransport(settings.redis_url, channel_of(engine))
    elif engine.dialect.name == "postgresql":
        transport = PostgresTransport(engine, channel_of(engine))
    else:
        transport = LocalTransport()
    return PopHub(engine, transport)


_HUB_LOCK = threading.Lock()


def hub_of(app: Any) -> PopHub:
    """The application's hub, made on first use (the listener starts with the first page)."""
    with _HUB_LOCK:
        hub = getattr(app.state, "cti_hub", None)
        if hub is None:
            hub = make_hub(app.state.engine, app.state.settings)
            app.state.cti_hub = hub
    return hub  # type: ignore[no-any-return]
