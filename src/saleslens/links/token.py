"""The link token: ``v1.<claims>.<signature>``, both parts base64url without padding.

The claims are the report key, the employee and position ids, when the link was issued and when
it expires (epoch seconds) and a random token id; no name or email. The signature is HMAC-SHA256
with the signing key over ``v1.<claims>``, compared in constant time.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from dataclasses import asdict, dataclass
from typing import Optional, Sequence

VERSION = "v1"
_FIELDS = ("report_key", "employee_id", "position_id", "issued_at", "expires_at", "token_id")
# A token longer than this is refused before any parsing (a real one is about 300 characters).
MAX_TOKEN_LENGTH = 2048

VALID = "valid"
EXPIRED = "expired"  # the signature is good, the lifetime is over
INVALID = "invalid"  # malformed, tampered, or signed with a key that is not current or previous


@dataclass(frozen=True)
class Claims:
    report_key: str
    employee_id: str
    position_id: str
    issued_at: int
    expires_at: int
    token_id: str


@dataclass(frozen=True)
class Checked:
    """What verification found: ``status`` is VALID, EXPIRED or INVALID; ``claims`` is None only
    for INVALID (an unverified token's claims are never used)."""

    status: str
    claims: Optional[Claims] = None


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(key: bytes, signed: str) -> bytes:
    return hmac.new(key, signed.encode("ascii"), hashlib.sha256).digest()


def new_claims(*, report_key: str, employee_id: str, position_id: str, now: int, lifetime_seconds: int,
               token_id: Optional[str] = None) -> Claims:
    if lifetime_seconds <= 0:
        raise ValueError(f"a link's lifetime must be positive, got {lifetime_seconds} s")
    return Claims(report_key, employee_id, position_id, now, now + lifetime_seconds, token_id or secrets.token_urlsafe(12))


def sign(claims: Claims, key: bytes) -> str:
    if not key:
        raise ValueError("the signing key is empty")
    body = _b64(json.dumps(asdict(claims), separators=(",", ":"), sort_keys=True).encode("utf-8"))
    signed = f"{VERSION}.{body}"
    return f"{signed}.{_b64(_mac(key, signed))}"


def _claims_of(body: str) -> Optional[Claims]:
    try:
        raw = json.loads(_unb64(body))
    except (ValueError, binascii.Error):
        return None
    if not isinstance(raw, dict) or set(raw) != set(_FIELDS):
        return None
    texts = all(isinstance(raw[f], str) and raw[f] for f in ("report_key", "employee_id", "position_id", "token_id"))
    times = all(isinstance(raw[f], int) and not isinstance(raw[f], bool) for f in ("issued_at", "expires_at"))
    return Claims(**{f: raw[f] for f in _FIELDS}) if texts and times else None


def verify(token: str, keys: Sequence[bytes], *, now: int) -> Checked:
    """Check ``token`` against each key (current first, then previous): a token whose signature
    none of them made is INVALID, whatever its claims say."""
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH or not token.isascii():
        return Checked(INVALID)
    parts = token.split(".")
    if len(parts) != 3 or parts[0] != VERSION:
        return Checked(INVALID)
    signed = f"{parts[0]}.{parts[1]}"
    given = parts[2].encode("ascii")
    # The encoded signature is compared, not its decoded bytes: base64 ignores the last
    # character's padding bits, so decoding would accept four spellings of one signature.
    # Every key is tried (no early exit), each comparison in constant time.
    matched = False
    for key in keys:
        matched |= hmac.compare_digest(_b64(_mac(key, signed)).encode("ascii"), given)
    if not matched:
        return Checked(INVALID)
    claims = _claims_of(parts[1])
    if claims is None:
        return Checked(INVALID)
    return Checked(EXPIRED if now >= claims.expires_at else VALID, claims)


def read_claims(token: str) -> Optional[Claims]:
    """The claims a token states, unverified: for revoking a link (which only refuses more)."""
    parts = token.split(".") if isinstance(token, str) and len(token) <= MAX_TOKEN_LENGTH else []
    return _claims_of(parts[1]) if len(parts) == 3 and parts[0] == VERSION else None
