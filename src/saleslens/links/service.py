"""The link service: what the link function does with one request (a GET opens a link, a POST
asks for a fresh one), without AWS in its logic: the clients and the key ring are passed in.

An open is refused (403, one neutral page: "This link has expired or is not valid") when the
token is malformed, tampered or signed with neither the current nor the previous key, revoked,
held by someone who no longer holds the position, or expired. Only for an expired link with a
good signature, not revoked, of a current holder, does the page offer a fresh link, which goes
to the address on record and revokes the expired token (one fresh link per expired link), unless
that address is in the email suppression table (a hard bounce or a complaint, as the delivery
run holds it back): then nothing is sent, the token stays as it was, and the page says no link
can be emailed to the address on record. Every
request is recorded in the access log; tokens themselves are never logged or stored.
"""
from __future__ import annotations

import base64
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Dict, Optional
from urllib.parse import parse_qs
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from saleslens.delivery import suppression
from saleslens.delivery.email import build_fresh_link_email
from saleslens.links import access_log, revocation, token
from saleslens.links.holders import read_holders
from saleslens.links.issue import TOKEN_PARAMETER, LinkIssuer
from saleslens.links.keys import KeyRing

REPORTS_PREFIX = "reports/"  # deliver.report_key: the only objects a link may open
REFUSED = "This link has expired or is not valid"
FRESH_SENT = "A fresh link is on its way to your email address on record"
FRESH_NOT_SENT = ("A fresh link cannot be emailed to your address on record. "
                  "Please ask your SalesLens administrator")
MAX_BODY_BYTES = 4096

_ENV = Environment(loader=PackageLoader("saleslens", "templates"), autoescape=select_autoescape(["html", "j2"]),
                   undefined=StrictUndefined)
_PAGE_HEADERS = {
    "Content-Type": "text/html; charset=utf-8",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
}


@dataclass(frozen=True)
class LinkSettings:
    reports_bucket: str
    revocation_table: str
    access_log_table: str
    redirect_seconds: int
    token_lifetime_days: int
    access_log_days: int
    base_url: str
    sender: str
    configuration_set: str
    suppression_table: str  # the addresses that bounced or complained (delivery.suppression)
    suppression_salt: str
    timezone: str  # the company's (schedules.timezone): a holder's last day ends at its midnight


@dataclass(frozen=True)
class Request:
    method: str
    token: str
    action: str
    request_id: str


@dataclass(frozen=True)
class Response:
    status: int
    headers: Dict[str, str]
    body: str = ""

    def as_function_url(self) -> Dict[str, Any]:
        """The response of a function URL (payload format 2.0)."""
        return {"statusCode": self.status, "headers": dict(self.headers), "body": self.body, "isBase64Encoded": False}


def page(heading: str, *, status: int, offer_token: Optional[str] = None) -> Response:
    html = _ENV.get_template("link_page.html.j2").render(heading=heading, offer_fresh_link=offer_token is not None,
                                                         token=offer_token or "")
    return Response(status, dict(_PAGE_HEADERS), html)


def parse_request(event: Dict[str, Any]) -> Request:
    """A function-URL event (payload format 2.0): the token from the query (GET) or the form (POST)."""
    context = event.get("requestContext") or {}
    method = str((context.get("http") or {}).get("method") or "").upper()
    request_id = str(context.get("requestId") or uuid.uuid4())
    fields: Dict[str, Any] = {}
    if method == "GET":
        fields = {k: [v] for k, v in (event.get("queryStringParameters") or {}).items()}
    elif method == "POST":
        body = event.get("body") or ""
        raw = base64.b64decode(body) if event.get("isBase64Encoded") else body.encode("utf-8")
        if len(raw) <= MAX_BODY_BYTES:
            fields = parse_qs(raw.decode("utf-8", "replace"), max_num_fields=4)
    first = lambda name: str((fields.get(name) or [""])[0])  # noqa: E731
    return Request(method, first(TOKEN_PARAMETER), first("action"), request_id)


@dataclass
class LinkService:
    s3: Any
    ddb: Any
    ses: Any
    keys: KeyRing
    signing_key: Callable[[], bytes]
    settings: LinkSettings
    clock: Callable[[], float] = field(default=time.time)

    def handle(self, request: Request) -> Response:
        if request.method == "GET" and request.token:
            return self.open(request)
        if request.method == "POST" and request.token and request.action == "fresh":
            return self.send_fresh_link(request)
        return page(REFUSED, status=403)

    # -- the checks ---------------------------------------------------------------------------
    def _check(self, request: Request) -> "tuple[token.Checked, str]":
        """The verified token and the outcome to record; "" for a link that may open."""
        now = int(self.clock())
        keys = self.keys.keys()
        checked = token.verify(request.token, keys, now=now)
        if checked.status == token.INVALID:  # maybe signed after a rotation this container has not seen
            fresher = self.keys.keys(after_miss=True)
            if fresher is not keys:
                checked = token.verify(request.token, fresher, now=now)
        claims = checked.claims
        if claims is None or not claims.report_key.startswith(REPORTS_PREFIX) or ".." in claims.report_key:
            return token.Checked(token.INVALID), access_log.INVALID
        if revocation.is_revoked(self.ddb, self.settings.revocation_table, claims):
            return checked, access_log.REVOKED
        today = datetime.fromtimestamp(now, tz=ZoneInfo(self.settings.timezone)).date().isoformat()
        if not read_holders(self.s3, self.settings.reports_bucket).holds(claims.employee_id, claims.position_id, on=today):
            return checked, access_log.NOT_HOLDER
        if checked.status == token.EXPIRED:
            return checked, access_log.EXPIRED
        return checked, ""

    def _record(self, request: Request, checked: token.Checked, outcome: str) -> None:
        c = checked.claims
        entry = access_log.Open(
            employee_id=c.employee_id if c else access_log.UNKNOWN, position_id=c.position_id if c else access_log.UNKNOWN,
            report_key=c.report_key if c else access_log.UNKNOWN, token_id=c.token_id if c else access_log.UNKNOWN,
            outcome=outcome, at=datetime.fromtimestamp(self.clock(), tz=timezone.utc))
        access_log.record(self.ddb, self.settings.access_log_table, entry, request_id=request.request_id,
                          ttl_days=self.settings.access_log_days)

    # -- GET: open ----------------------------------------------------------------------------
    def open(self, request: Request) -> Response:
        checked, refusal = self._check(request)
        if refusal:
            self._record(request, checked, refusal)
            return page(REFUSED, status=403, offer_token=request.token if refusal == access_log.EXPIRED else None)
        assert checked.claims is not None
        url = self.s3.generate_presigned_url(
            "get_object", Params={"Bucket": self.settings.reports_bucket, "Key": checked.claims.report_key},
            ExpiresIn=self.settings.redirect_seconds)
        self._record(request, checked, access_log.OPENED)
        return Response(302, {"Location": url, "Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})

    # -- POST: a fresh link for an expired one ------------------------------------------------
    def send_fresh_link(self, request: Request) -> Response:
        checked, refusal = self._check(request)
        claims = checked.claims
        if refusal != access_log.EXPIRED or claims is None:
            self._record(request, checked, access_log.FRESH_LINK_REFUSED if claims else access_log.INVALID)
            return page(REFUSED, status=403)
        email = read_holders(self.s3, self.settings.reports_bucket).email_of(claims.employee_id, claims.position_id)
        assert email is not None  # _check found the holder
        s = self.settings
        # The same lookup as the delivery run's (ResolveRecipients): a bounced or complaining address gets nothing.
        if suppression.reason_for(self.ddb, s.suppression_table, email, salt=s.suppression_salt,
                                  now=datetime.fromtimestamp(self.clock(), tz=timezone.utc)):
            self._record(request, checked, access_log.FRESH_LINK_SUPPRESSED)
            return page(FRESH_NOT_SENT, status=403)
        issue = LinkIssuer(base_url=s.base_url, key=self.signing_key(), lifetime_days=s.token_lifetime_days, clock=self.clock)
        link = issue(report_key=claims.report_key, employee_id=claims.employee_id, position_id=claims.position_id)
        raw = build_fresh_link_email(sender=s.sender, email=email, link=link)
        self.ses.send_raw_email(Source=s.sender, Destinations=[email], RawMessage={"Data": raw},
                                ConfigurationSetName=s.configuration_set)
        # One fresh link per expired link: asking again with it is refused as revoked.
        revocation.revoke_token(self.ddb, s.revocation_table, token_id=claims.token_id, expires_at=claims.expires_at,
                                revoked_at=int(self.clock()))
        self._record(request, checked, access_log.FRESH_LINK_SENT)
        return page(FRESH_SENT, status=200)
