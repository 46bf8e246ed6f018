"""A forwarding HTTP proxy that holds one chosen request, so a test can act at that moment."""

import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType

import httpx

from tests.conftest import free_port

# Hop-by-hop headers, and those the proxy sets itself.
_SKIP_REQUEST = {"host", "content-length", "connection", "accept-encoding"}
_SKIP_RESPONSE = {"content-length", "connection", "content-encoding", "transfer-encoding"}
_SKIP_RESPONSE |= {"date", "server"}


class HoldingProxy:
    """Forwards every request to `target`; the `nth` request for which `matches(method, path)`
    is true is held until `release` is set: `before` forwarding it (it is then dropped, never
    reaching the target), or after (its answer then goes back late). `held` is set when that
    moment is reached."""

    def __init__(
        self, target: str, matches: Callable[[str, str], bool], nth: int, before: bool
    ) -> None:
        self.target = target.rstrip("/")
        self.matches = matches
        self.nth = nth
        self.before = before
        self.held = threading.Event()
        self.release = threading.Event()
        self._count = 0
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def _is_the_one(self, method: str, path: str) -> bool:
        if not self.matches(method, path):
            return False
        with self._lock:
            self._count += 1
            return self._count == self.nth

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                hold = proxy._is_the_one(self.command, self.path)
                if hold and proxy.before:
                    proxy.held.set()
                    proxy.release.wait(60)
                    return  # dropped: the target never sees this request
                headers = {k: v for k, v in self.headers.items() if k.lower() not in _SKIP_REQUEST}
                answer = httpx.request(
                    self.command, proxy.target + self.path, headers=headers, content=body
                )
                if hold and not proxy.before:
                    proxy.held.set()
                    proxy.release.wait(60)
                try:
                    self.send_response(answer.status_code)
                    for name, value in answer.headers.items():
                        if name.lower() not in _SKIP_RESPONSE:
                            self.send_header(name, value)
                    self.send_header("Content-Length", str(len(answer.content)))
                    self.end_headers()
                    self.wfile.write(answer.content)
                except OSError:
                    pass  # the client is gone (the test killed it)

            do_GET = do_POST = do_PUT = do_DELETE = _forward

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                return  # quiet: pytest treats stray output as noise

        return Handler

    def __enter__(self) -> "HoldingProxy":
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
