"""moto's server app on a WSGI server that keeps connections open between requests.

moto's ``ThreadedMotoServer`` runs werkzeug's development server, which answers every request
with ``Connection: close``: each AWS call the handlers make then opens a TCP connection, and the
server starts a thread for it. An SDK keeps connections open (botocore's pool), as it does to AWS,
so here a connection is served until the client closes it or stays idle for ``IDLE_SECONDS``: one
thread per open connection, as before, so a request that blocks (a Lambda invoke waiting for its
handler, whose own calls come back on other connections) never waits for another's thread.

What keeps a connection reusable is that each request's body is read to its end before the next
request line is read; werkzeug's server cannot do that (it reads whatever follows the response,
the next request included), hence the ``run_wsgi`` of its own here.
"""
from __future__ import annotations

import logging
import threading
from typing import Any, Callable, Iterable, List, Optional, Tuple

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from moto.server import MotoRequestHandler
from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wsgi import LimitedStream

IDLE_SECONDS = 120  # an idle kept connection's thread ends after this long
# How often a local server's loop looks for a stop request: socketserver's default (0.5 s) made
# every runtime's stop wait about a second for its three servers, once per test that starts one.
STOP_POLL_SECONDS = 0.05
_NO_BODY = frozenset({204, 304})
_log = logging.getLogger("werkzeug")


class KeepAliveRequestHandler(MotoRequestHandler):
    """moto's request handler (its environ keeps S3 metadata names with underscores) serving
    HTTP/1.1 keep-alive: every response carries its Content-Length (the app's answer is read
    whole first), and the request's body is consumed to its end, so the connection can carry the
    next request."""

    protocol_version = "HTTP/1.1"
    timeout = IDLE_SECONDS
    disable_nagle_algorithm = True  # a kept connection's small answers must not wait for the client's delayed ACK

    def run_wsgi(self) -> None:
        if self.headers.get("Expect", "").lower().strip(" \t") == "100-continue":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        self.environ = environ = self.make_environ()
        body: Optional[LimitedStream] = None
        if environ.get("wsgi.input_terminated"):  # a chunked request: werkzeug reads its chunks, then we close
            self.close_connection = True
        else:
            body = environ["wsgi.input"] = LimitedStream(self.rfile, int(environ.get("CONTENT_LENGTH") or 0))  # type: ignore[arg-type]
        try:
            status, headers, chunks = self._call(self.server.app, environ)
        except Exception:  # noqa: BLE001 - the app failed before answering: a 500, as werkzeug sends
            _log.exception("Error on request %s %s", self.command, self.path)
            status, headers, chunks = "500 INTERNAL SERVER ERROR", [("Content-Type", "text/plain")], [b"Internal Server Error"]
        self._respond(status, headers, chunks, head=environ["REQUEST_METHOD"] == "HEAD")
        if body is not None:
            body.exhaust()  # what the app left unread of the body, so the next request line is next

    @staticmethod
    def _call(app: Callable[..., Iterable[bytes]], environ: Any) -> Tuple[str, List[Tuple[str, str]], List[bytes]]:
        started: List[Any] = []
        written: List[bytes] = []

        def start_response(status: str, headers: List[Tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
            started[:] = [status, headers]
            return written.append

        result = app(environ, start_response)
        try:
            written.extend(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        return started[0], started[1], written

    def _respond(self, status: str, headers: List[Tuple[str, str]], chunks: List[bytes], *, head: bool) -> None:
        code_text, _, reason = status.partition(" ")
        code = int(code_text)
        self.send_response(code, reason)
        names = set()
        for key, value in headers:
            if key.lower() == "connection":
                continue
            names.add(key.lower())
            self.send_header(key, value)
        payload = b"".join(chunks)
        if "content-length" not in names and not head and code not in _NO_BODY:
            self.send_header("Content-Length", str(len(payload)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self._headers_buffer.append(b"\r\n")  # the status line, headers and body in one write
        if payload and not head and code not in _NO_BODY:
            self._headers_buffer.append(payload)
        self.flush_headers()

    def log_error(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's signature
        if not format.startswith("Request timed out"):  # a kept connection left idle, closed: not an error
            super().log_error(format, *args)

    def log_request(self, code: Any = "-", size: Any = "-") -> None:
        if _log.isEnabledFor(logging.INFO):  # werkzeug formats a date for every line it then drops
            super().log_request(code, size)


class EmbeddedMotoServer:
    """``moto.server.ThreadedMotoServer`` with kept connections: start, host and port, stop."""

    def __init__(self, ip_address: str = "127.0.0.1", port: int = 0) -> None:
        self._address = (ip_address, port)
        self._server: Optional[BaseWSGIServer] = None
        self._thread: Optional[threading.Thread] = None

    def start(self) -> None:
        app = DomainDispatcherApplication(create_backend_app)
        self._server = make_server(*self._address, app, threaded=True, request_handler=KeepAliveRequestHandler)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": STOP_POLL_SECONDS},
                                        name="moto-server", daemon=True)
        self._thread.start()

    def get_host_and_port(self) -> Tuple[str, int]:
        if self._server is None:
            raise RuntimeError("the embedded moto server is not started")
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join()
            self._thread = None
