"""Issuing links: the URL the email carries, the link service's base URL plus a signed token."""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable
from urllib.parse import urlsplit

from saleslens.links.token import new_claims, sign

TOKEN_PARAMETER = "t"


@dataclass(frozen=True)
class IssuedLink:
    url: str
    expires_at: datetime
    lifetime_days: int


def link_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/?{TOKEN_PARAMETER}={token}"  # the token is URL-safe as it is


@dataclass(frozen=True)
class LinkIssuer:
    """Signs links to reports for ``lifetime_days`` with ``key`` (the signing secret's current version)."""

    base_url: str
    key: bytes
    lifetime_days: int
    clock: Callable[[], float] = time.time

    def __post_init__(self) -> None:
        parts = urlsplit(self.base_url)
        if parts.scheme not in ("https", "http") or not parts.netloc or parts.query or parts.fragment:
            raise ValueError("the link service base URL must be an http(s) URL without query or fragment")

    def __call__(self, *, report_key: str, employee_id: str, position_id: str) -> IssuedLink:
        claims = new_claims(report_key=report_key, employee_id=employee_id, position_id=position_id,
                            now=int(self.clock()), lifetime_seconds=self.lifetime_days * 24 * 3600)
        return IssuedLink(link_url(self.base_url, sign(claims, self.key)),
                          datetime.fromtimestamp(claims.expires_at, tz=timezone.utc), self.lifetime_days)
