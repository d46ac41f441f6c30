"""A local HTTP server that plays the CRM for the scoring function (the API of
``saleslens.scoring.crm``), serving accounts, opportunities and events from frames.

It keeps every score written back (``writes``: one per idempotency key, the first one) and every
POST received (``received``, repeats included), honours ``Idempotency-Key`` as the CRM does (a
repeated key answers 200 with the first write's body and writes nothing), and can be told to
fail the next N requests with a status (``fail_next``) to exercise the adapter's retries.
Standard library only; one thread per request.
"""
from __future__ import annotations

import json
import math
import threading
from dataclasses import dataclass, field
from datetime import date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import parse_qs, unquote, urlsplit

from saleslens.offline.moto_server import STOP_POLL_SECONDS
from saleslens.scoring.crm import IDEMPOTENCY_HEADER


@dataclass
class Write:
    opportunity_id: str
    key: str
    payload: Dict[str, Any]


@dataclass
class CrmState:
    accounts: Dict[str, Dict[str, Any]] = field(default_factory=dict)
    opportunities: Dict[str, Dict[str, Any]] = field(default_factory=dict)
    events: Dict[str, List[Dict[str, Any]]] = field(default_factory=dict)
    writes: Dict[str, Write] = field(default_factory=dict)  # idempotency key -> the first write
    received: List[Write] = field(default_factory=list)  # every POST, repeats included
    failures: List[int] = field(default_factory=list)  # statuses of the next requests to fail
    requests: int = 0


def _plain(value: Any) -> Any:
    """A frame cell as JSON: NaN/NaT/None -> None, timestamps -> ISO-8601 UTC, numpy scalars -> Python."""
    if value is None:
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        try:
            value = value.item()
        except (ValueError, AttributeError):
            pass
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "isoformat") and hasattr(value, "to_pydatetime"):  # pandas Timestamp / NaT
        if str(value) == "NaT":
            return None
        value = value.floor("us").to_pydatetime()  # the CRM's API carries microseconds
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S.%f") + ("Z" if value.tzinfo is None else value.strftime("%z"))
    if isinstance(value, date):
        return value.isoformat()
    return value


def _records(frame: Any) -> List[Dict[str, Any]]:
    cols = list(frame.columns)
    return [{c: _plain(v) for c, v in zip(cols, row)} for row in frame.itertuples(index=False, name=None)]


class FakeCrm:
    """``with FakeCrm(accounts, opportunities, events) as crm: crm.url ...``"""

    def __init__(self, accounts: Any = None, opportunities: Any = None, events: Any = None) -> None:
        self.state = CrmState()
        self.lock = threading.Lock()
        self._server: Optional[ThreadingHTTPServer] = None
        self._thread: Optional[threading.Thread] = None
        self.url = ""
        if accounts is not None:
            self.load(accounts, opportunities, events)

    def load(self, accounts: Any, opportunities: Any, events: Any) -> None:
        """Replace the CRM's data with these frames (the contracts' columns)."""
        with self.lock:
            self.state.accounts = {r["account_id"]: r for r in _records(accounts)}
            self.state.opportunities = {r["opportunity_id"]: r for r in _records(opportunities)}
            grouped: Dict[str, List[Dict[str, Any]]] = {}
            for r in _records(events):
                grouped.setdefault(r["opportunity_id"], []).append(r)
            self.state.events = grouped

    def fail_next(self, times: int, status: int = 500) -> None:
        with self.lock:
            self.state.failures.extend([status] * times)

    def writes(self) -> List[Write]:
        with self.lock:
            return list(self.state.writes.values())

    def received(self) -> List[Write]:
        with self.lock:
            return list(self.state.received)

    # -- lifecycle -----------------------------------------------------------------------
    def start(self) -> "FakeCrm":
        crm = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                status, body = crm.handle("GET", self.path, b"", dict(self.headers))
                self._send(status, body)

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                status, body = crm.handle("POST", self.path, self.rfile.read(length), dict(self.headers))
                self._send(status, body)

            def _send(self, status: int, body: Dict[str, Any]) -> None:
                data = json.dumps(body).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": STOP_POLL_SECONDS},
                                        name="fake-crm", daemon=True)
        self._thread.start()
        port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> "FakeCrm":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # -- the API -------------------------------------------------------------------------
    def handle(self, method: str, target: str, body: bytes, headers: Dict[str, str]) -> Tuple[int, Dict[str, Any]]:
        parts = urlsplit(target)
        path = [unquote(p) for p in parts.path.strip("/").split("/") if p]
        with self.lock:
            self.state.requests += 1
            if self.state.failures:
                status = self.state.failures.pop(0)
                return status, {"error": f"injected failure {status}"}
            s = self.state
            if method == "GET" and path == ["opportunities"]:
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                return 200, {"opportunities": self._closed(query)}
            if method == "GET" and len(path) == 2 and path[0] == "opportunities":
                found = s.opportunities.get(path[1])
                return (200, found) if found else (404, {"error": "no such opportunity"})
            if method == "GET" and len(path) == 3 and path[0] == "opportunities" and path[2] == "events":
                if path[1] not in s.opportunities:
                    return 404, {"error": "no such opportunity"}
                return 200, {"events": s.events.get(path[1], [])}
            if method == "GET" and len(path) == 2 and path[0] == "accounts":
                found = s.accounts.get(path[1])
                return (200, found) if found else (404, {"error": "no such account"})
            if method == "POST" and len(path) == 3 and path[0] == "opportunities" and path[2] == "scores":
                return self._write(path[1], body, headers)
        return 404, {"error": f"no route {method} {parts.path}"}

    def _closed(self, query: Dict[str, str]) -> List[Dict[str, Any]]:
        if query.get("status") != "closed":
            return []
        by = [(k, v) for k, v in query.items() if k in ("owner_employee_id", "account_id")]
        return [{"opportunity_id": o["opportunity_id"], "outcome": o.get("outcome"), "closed_date": o.get("closed_date")}
                for o in self.state.opportunities.values()
                if o.get("outcome") in ("WON", "LOST") and o.get("closed_date") and all(o.get(k) == v for k, v in by)]

    def _write(self, opportunity_id: str, body: bytes, headers: Dict[str, str]) -> Tuple[int, Dict[str, Any]]:
        key = next((v for k, v in headers.items() if k.lower() == IDEMPOTENCY_HEADER.lower()), None)
        if not key:
            return 400, {"error": f"{IDEMPOTENCY_HEADER} header required"}
        if opportunity_id not in self.state.opportunities:
            return 404, {"error": "no such opportunity"}
        payload = json.loads(body.decode("utf-8") or "{}")
        write = Write(opportunity_id, key, payload)
        self.state.received.append(write)
        first = self.state.writes.get(key)
        if first is not None:
            return 200, {"key": key, "stored": first.payload}
        self.state.writes[key] = write
        return 201, {"key": key, "stored": payload}
