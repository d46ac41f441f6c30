"""The signing key, a Secrets Manager secret holding random bytes (base64), and its rotation.

Links are signed with the AWSCURRENT version and verified against AWSCURRENT and AWSPREVIOUS,
so a rotation never breaks a link issued just before it; a link signed two rotations ago no
longer opens. ``rotate`` is the rotation function's four steps as Secrets Manager calls them.
"""
from __future__ import annotations

import base64
import secrets
import time
from typing import Any, Callable, List, Optional, Tuple

CURRENT, PREVIOUS, PENDING = "AWSCURRENT", "AWSPREVIOUS", "AWSPENDING"
KEY_BYTES = 32  # HMAC-SHA256's block-size-safe key length
# A warm function re-reads the keys at most this often; after a rotation, a token signed with the
# new key that the cached keys do not verify triggers one earlier re-read (see KeyRing.keys).
CACHE_SECONDS = 300
REFRESH_AFTER_MISS_SECONDS = 30


class SigningKeyError(LookupError):
    """The secret holds no usable key."""


def new_key_text() -> str:
    return base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode("ascii")


def decode_key(text: str) -> bytes:
    try:
        key = base64.b64decode(text, validate=True)
    except ValueError:
        raise SigningKeyError("the link signing secret is not base64 text") from None
    if len(key) < 16:
        raise SigningKeyError(f"the link signing key is {len(key)} bytes; at least 16 are needed")
    return key


def _version(sm: Any, secret_id: str, stage: str) -> Optional[bytes]:
    try:
        value = sm.get_secret_value(SecretId=secret_id, VersionStage=stage)
    except sm.exceptions.ResourceNotFoundException:
        if stage == CURRENT:
            raise
        return None
    return decode_key(value["SecretString"])


def signing_key(sm: Any, secret_id: str) -> bytes:
    key = _version(sm, secret_id, CURRENT)
    assert key is not None
    return key


def verification_keys(sm: Any, secret_id: str) -> List[bytes]:
    """The current key, then the previous one if the secret was rotated."""
    keys = [signing_key(sm, secret_id)]
    previous = _version(sm, secret_id, PREVIOUS)
    if previous is not None and previous != keys[0]:
        keys.append(previous)
    return keys


class KeyRing:
    """The verification keys of a warm function, re-read every CACHE_SECONDS, or sooner (at most
    every REFRESH_AFTER_MISS_SECONDS) when a token fails against them: a rotation then takes
    effect without a cold start, and a flood of forged tokens costs few secret reads."""

    def __init__(self, read: Callable[[], List[bytes]], clock: Callable[[], float] = time.monotonic) -> None:
        self._read, self._clock = read, clock
        self._cached: Optional[Tuple[float, List[bytes]]] = None

    def keys(self, *, after_miss: bool = False) -> List[bytes]:
        now = self._clock()
        age = None if self._cached is None else now - self._cached[0]
        if self._cached is None or age is None or age >= CACHE_SECONDS or (after_miss and age >= REFRESH_AFTER_MISS_SECONDS):
            self._cached = (now, self._read())
        return self._cached[1]


def names_secret(secret_id: str, name: str) -> bool:
    """Whether ``secret_id`` (a name or an ARN, whose name carries a random 6-character suffix) is ``name``."""
    return secret_id == name or (":secret:" in secret_id and secret_id.rsplit(":secret:", 1)[1].rsplit("-", 1)[0] == name)


def rotate(sm: Any, *, secret_id: str, token: str, step: str) -> None:
    """One step of a Secrets Manager rotation (the rotation function's event): createSecret puts a
    new random key as AWSPENDING, finishSecret makes it AWSCURRENT (the old one becomes
    AWSPREVIOUS). Nothing outside the secret holds the key, so setSecret has nothing to set and
    testSecret checks the pending key decodes."""
    described = sm.describe_secret(SecretId=secret_id)
    versions = described.get("VersionIdsToStages", {})
    if token not in versions:
        raise ValueError(f"version {token} is not a version of the link signing secret")
    if step == "createSecret":
        try:
            sm.get_secret_value(SecretId=secret_id, VersionId=token, VersionStage=PENDING)
        except sm.exceptions.ResourceNotFoundException:
            sm.put_secret_value(SecretId=secret_id, ClientRequestToken=token, SecretString=new_key_text(),
                                VersionStages=[PENDING])
    elif step == "setSecret":
        return
    elif step == "testSecret":
        decode_key(sm.get_secret_value(SecretId=secret_id, VersionId=token, VersionStage=PENDING)["SecretString"])
    elif step == "finishSecret":
        current = next((v for v, stages in versions.items() if CURRENT in stages), None)
        if current == token:
            return
        sm.update_secret_version_stage(SecretId=secret_id, VersionStage=CURRENT, MoveToVersionId=token,
                                       RemoveFromVersionId=current)
    else:
        raise ValueError(f"unknown rotation step {step!r}")
