"""The CRM adapter: the opportunity, its events and its account from the CRM's REST API, and the
score written back, with retries on the CRM's transient failures and an idempotency key.

The REST API (``scoring.crm_endpoint`` is its base URL); JSON in and out:

- ``GET  /opportunities/{id}``: the opportunity snapshot (the opportunity contract's columns).
- ``GET  /opportunities/{id}/events``: ``{"events": [...]}``, its events (event contract's columns).
- ``GET  /accounts/{id}``: the account master.
- ``GET  /opportunities?owner_employee_id=X&status=closed`` (or ``account_id=Y``):
  ``{"opportunities": [{"opportunity_id", "outcome", "closed_date"}]}``, the closed ones, for the
  owner's and the account's prior record.
- ``POST /opportunities/{id}/scores`` with header ``Idempotency-Key``: the score. The CRM stores
  one score per key; a repeated key returns the first write's answer and writes nothing.

A 5xx, a timeout or a refused connection is retried up to ``attempts`` times in all, waiting
``backoff x 2^(n-1)`` seconds before retry n; then ``CrmUnavailableError`` (transient: the
message is retried by the queue). A 4xx is never retried: 404 is ``CrmNotFoundError``, any other
``CrmRejectedError``. Standard library only (urllib): nothing to package.
"""
from __future__ import annotations

import json
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Mapping, Optional

IDEMPOTENCY_HEADER = "Idempotency-Key"


class CrmError(RuntimeError):
    """A CRM call failed."""


class CrmNotFoundError(CrmError):
    """The CRM answered 404: the opportunity (or its account) does not exist there."""


class CrmRejectedError(CrmError):
    """The CRM refused the request with a 4xx other than 404; retrying cannot help."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class CrmUnavailableError(CrmError):
    """5xx or timeouts on every attempt: the CRM is down or slow; the event is retried later."""


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4
    backoff_seconds: float = 0.5
    timeout_seconds: float = 5.0

    def delay(self, retry: int) -> float:
        """Seconds to wait before retry ``retry`` (1-based)."""
        return float(self.backoff_seconds * (2 ** (retry - 1)))


@dataclass(frozen=True)
class WriteBack:
    status: int  # the CRM's answer: 201 written, 200 already written under this key
    body: Dict[str, Any]


def idempotency_key(opportunity_id: str, version: int, model_version: str) -> str:
    """One write per opportunity version and model version: a redelivered event or a retried POST
    carries the same key, so the CRM never records the score twice."""
    return f"{opportunity_id}:v{version}:{model_version}"


class CrmClient:
    def __init__(self, endpoint: str, policy: RetryPolicy = RetryPolicy(),
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.policy = policy
        self._sleep = sleep
        self.calls = 0  # HTTP requests sent, retries included

    # -- reads ---------------------------------------------------------------------------
    def opportunity(self, opportunity_id: str) -> Dict[str, Any]:
        return self._json("GET", f"/opportunities/{_quote(opportunity_id)}")

    def events(self, opportunity_id: str) -> List[Dict[str, Any]]:
        return list(self._json("GET", f"/opportunities/{_quote(opportunity_id)}/events").get("events", []))

    def account(self, account_id: str) -> Dict[str, Any]:
        return self._json("GET", f"/accounts/{_quote(account_id)}")

    def closed_opportunities(self, *, owner_employee_id: Optional[str] = None,
                             account_id: Optional[str] = None) -> List[Dict[str, Any]]:
        query = {k: v for k, v in (("owner_employee_id", owner_employee_id), ("account_id", account_id)) if v}
        if len(query) != 1:
            raise ValueError("give exactly one of owner_employee_id and account_id")
        query["status"] = "closed"
        return list(self._json("GET", f"/opportunities?{urllib.parse.urlencode(query)}").get("opportunities", []))

    # -- write-back ----------------------------------------------------------------------
    def write_score(self, opportunity_id: str, key: str, payload: Mapping[str, Any]) -> WriteBack:
        status, body = self._request("POST", f"/opportunities/{_quote(opportunity_id)}/scores", payload,
                                     {IDEMPOTENCY_HEADER: key})
        return WriteBack(status, body)

    # -- transport -----------------------------------------------------------------------
    def _json(self, method: str, path: str) -> Dict[str, Any]:
        return self._request(method, path, None, {})[1]

    def _request(self, method: str, path: str, payload: Optional[Mapping[str, Any]],
                 headers: Mapping[str, str]) -> "tuple[int, Dict[str, Any]]":
        url = self.endpoint + path
        data = None if payload is None else json.dumps(payload, sort_keys=True).encode("utf-8")
        last = ""
        for attempt in range(1, self.policy.attempts + 1):
            if attempt > 1:
                self._sleep(self.policy.delay(attempt - 1))
            request = urllib.request.Request(url, data=data, method=method,
                                             headers={"Accept": "application/json", "Content-Type": "application/json",
                                                      **headers})
            self.calls += 1
            try:
                with urllib.request.urlopen(request, timeout=self.policy.timeout_seconds) as resp:  # noqa: S310 (configured URL)
                    return resp.status, _decode(resp.read())
            except urllib.error.HTTPError as exc:
                if exc.code == 404:
                    raise CrmNotFoundError(f"{method} {path}: 404 not found") from exc
                if 400 <= exc.code < 500:
                    raise CrmRejectedError(exc.code, f"{method} {path}: {exc.code} {exc.reason}") from exc
                last = f"{exc.code} {exc.reason}"
            except (urllib.error.URLError, socket.timeout, TimeoutError, ConnectionError) as exc:
                last = f"{type(exc).__name__}: {getattr(exc, 'reason', exc)}"
        raise CrmUnavailableError(f"{method} {path}: {last} on each of {self.policy.attempts} attempt(s)")


def _quote(part: str) -> str:
    return urllib.parse.quote(part, safe="")


def _decode(raw: bytes) -> Dict[str, Any]:
    if not raw:
        return {}
    value = json.loads(raw.decode("utf-8"))
    if not isinstance(value, dict):
        raise CrmError(f"the CRM answered {type(value).__name__}, not a JSON object")
    return value
