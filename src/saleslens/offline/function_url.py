"""A local stand-in for a Lambda function URL: moto serves none, so this HTTP server (stdlib, one
thread per request) turns each GET or POST into a function-URL event (payload format 2.0),
invokes the function through the embedded Lambda (the same handler, in process, with its reserved
concurrency: a throttled call answers 429 as a function URL does) and writes its response back.
"""
from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, Optional
from urllib.parse import parse_qsl, urlsplit

from saleslens.offline.moto_server import STOP_POLL_SECONDS

MAX_BODY_BYTES = 1024 * 1024  # function URLs accept request payloads up to 6 MB; ours are forms


def url_event(method: str, target: str, headers: Dict[str, str], body: bytes, *, host: str, source_ip: str,
              account: str) -> Dict[str, Any]:
    parts = urlsplit(target)
    query: Dict[str, str] = {}
    for k, v in parse_qsl(parts.query, keep_blank_values=True):
        query[k] = f"{query[k]},{v}" if k in query else v  # repeated parameters are joined, as AWS does
    now = time.time()
    event: Dict[str, Any] = {
        "version": "2.0", "routeKey": "$default", "rawPath": parts.path or "/", "rawQueryString": parts.query,
        "headers": {k.lower(): v for k, v in headers.items()},
        "requestContext": {
            "accountId": "anonymous", "apiId": "offline", "domainName": host, "domainPrefix": host.split(".")[0],
            "http": {"method": method, "path": parts.path or "/", "protocol": "HTTP/1.1", "sourceIp": source_ip,
                     "userAgent": headers.get("User-Agent", "")},
            "requestId": str(uuid.uuid4()), "routeKey": "$default", "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)), "timeEpoch": int(now * 1000),
        },
        "isBase64Encoded": False,
    }
    if query:
        event["queryStringParameters"] = query
    if body:
        event["body"] = base64.b64encode(body).decode("ascii")
        event["isBase64Encoded"] = True
    return event


class FunctionUrlServer:
    """Serves ``invoke(event) -> (payload, function_error)`` at http://127.0.0.1:<port>/."""

    def __init__(self, invoke: Callable[[Dict[str, Any]], "tuple[Dict[str, Any], Optional[str]]"], *, account: str) -> None:
        self._invoke, self._account = invoke, account
        self._httpd: Optional[ThreadingHTTPServer] = None
        self._thread: Optional[threading.Thread] = None
        self.url = ""

    def start(self) -> None:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's names)
                server._serve(self, "GET")

            def do_POST(self) -> None:  # noqa: N802
                server._serve(self, "POST")

            def log_message(self, *args: Any) -> None:  # the URL carries the token: never logged
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        port = self._httpd.server_address[1]
        self.url = f"http://127.0.0.1:{port}/"
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": STOP_POLL_SECONDS},
                                        name="function-url", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def _serve(self, req: BaseHTTPRequestHandler, method: str) -> None:
        length = int(req.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            return self._write(req, 413, {"Content-Type": "text/plain"}, b"Request Entity Too Large")
        body = req.rfile.read(length) if length else b""
        host = req.headers.get("Host") or urlsplit(self.url).netloc
        event = url_event(method, req.path, dict(req.headers.items()), body, host=host,
                          source_ip=req.client_address[0], account=self._account)
        payload, error = self._invoke(event)
        if error:
            throttled = "TooManyRequests" in str(payload.get("errorType", ""))
            status, text = (429, b"Rate Exceeded.") if throttled else (502, b"Internal Server Error")
            return self._write(req, status, {"Content-Type": "text/plain"}, text)
        raw = payload.get("body") or ""
        data = base64.b64decode(raw) if payload.get("isBase64Encoded") else str(raw).encode("utf-8")
        headers = {str(k): str(v) for k, v in (payload.get("headers") or {}).items()}
        self._write(req, int(payload.get("statusCode") or 200), headers, data)

    @staticmethod
    def _write(req: BaseHTTPRequestHandler, status: int, headers: Dict[str, str], data: bytes) -> None:
        req.send_response(status)
        for k, v in headers.items():
            req.send_header(k, v)
        req.send_header("Content-Length", str(len(data)))
        req.end_headers()
        req.wfile.write(data)


def lambda_invoker(client: Any, function_name: str) -> Callable[[Dict[str, Any]], "tuple[Dict[str, Any], Optional[str]]"]:
    """Invoke the function through the embedded Lambda API, as the function URL service does."""
    def invoke(event: Dict[str, Any]) -> "tuple[Dict[str, Any], Optional[str]]":
        resp = client.invoke(FunctionName=function_name, Payload=json.dumps(event).encode())
        payload = json.loads(resp["Payload"].read() or b"{}")
        return (payload if isinstance(payload, dict) else {}), resp.get("FunctionError")
    return invoke
