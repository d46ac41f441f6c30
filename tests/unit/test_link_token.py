"""Link tokens: signed, expiring, verified against the current and previous key only."""
from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from saleslens.links import keys
from saleslens.links.token import EXPIRED, INVALID, VALID, Claims, new_claims, sign, verify

KEY = b"k" * 32
OTHER = b"o" * 32
CLAIMS = Claims("reports/daily/2026-11-20/P00006/E000001.html", "E000001", "P00006", 1_700_000_000, 1_702_592_000,
                "tid-1")


def test_a_token_is_v1_claims_and_an_hmac_sha256_of_them():
    token = sign(CLAIMS, KEY)
    version, body, sig = token.split(".")
    assert version == "v1"
    decoded = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    # The claims, exactly: ids, times and the token id; no name, no email.
    assert decoded == (b'{"employee_id":"E000001","expires_at":1702592000,"issued_at":1700000000,'
                       b'"position_id":"P00006","report_key":"reports/daily/2026-11-20/P00006/E000001.html",'
                       b'"token_id":"tid-1"}')
    expected = hmac.new(KEY, f"v1.{body}".encode(), hashlib.sha256).digest()
    assert base64.urlsafe_b64decode(sig + "=") == expected
    assert "=" not in token and "+" not in token and "/" not in token  # URL-safe as it is


def test_a_good_token_verifies_until_it_expires():
    token = sign(CLAIMS, KEY)
    assert verify(token, [KEY], now=1_700_000_001).status == VALID
    assert verify(token, [KEY], now=1_700_000_001).claims == CLAIMS
    assert verify(token, [KEY], now=1_702_591_999).status == VALID
    at_expiry = verify(token, [KEY], now=1_702_592_000)
    assert at_expiry.status == EXPIRED and at_expiry.claims == CLAIMS  # signature good, lifetime over


@pytest.mark.parametrize("part", [1, 2])
def test_a_changed_byte_anywhere_makes_it_invalid(part):
    token = sign(CLAIMS, KEY)
    pieces = token.split(".")
    piece = pieces[part]
    pieces[part] = piece[:10] + ("A" if piece[10] != "A" else "B") + piece[11:]
    assert verify(".".join(pieces), [KEY], now=1_700_000_001).status == INVALID


def test_only_the_canonical_spelling_of_a_signature_verifies():
    # A 32-byte signature is 43 base64 characters; the last one carries 4 bits and 2 padding
    # bits, so 4 characters decode to the same bytes. Only the one the signer wrote may open.
    token = sign(CLAIMS, KEY)
    head, sig = token.rsplit(".", 1)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    same_bytes = [c for c in alphabet
                  if c != sig[-1] and base64.urlsafe_b64decode(sig[:-1] + c + "=") == base64.urlsafe_b64decode(sig + "=")]
    assert len(same_bytes) == 3
    for c in same_bytes:
        assert verify(f"{head}.{sig[:-1]}{c}", [KEY], now=1_700_000_001).status == INVALID
    assert verify(f"{head}.{sig}=", [KEY], now=1_700_000_001).status == INVALID
    assert verify(token, [KEY], now=1_700_000_001).status == VALID


def test_changed_claims_signed_with_another_key_are_invalid():
    forged = sign(Claims(CLAIMS.report_key.replace("E000001", "E000002"), "E000002", "P00006", 1, 2_000_000_000, "x"), OTHER)
    checked = verify(forged, [KEY], now=1_700_000_001)
    assert checked.status == INVALID and checked.claims is None


@pytest.mark.parametrize("junk", ["", "v1", "v1.a.b", "v2." + sign(CLAIMS, KEY)[3:], "x" * 3000, "v1.é.é"])
def test_junk_is_invalid(junk):
    assert verify(junk, [KEY], now=1_700_000_001).status == INVALID


def test_the_previous_key_still_verifies_a_link_signed_before_a_rotation_the_one_before_does_not():
    old = sign(CLAIMS, KEY)
    assert verify(old, [OTHER, KEY], now=1_700_000_001).status == VALID  # rotated once: KEY is AWSPREVIOUS
    assert verify(old, [b"n" * 32, OTHER], now=1_700_000_001).status == INVALID  # rotated twice


def test_new_claims_expire_after_the_lifetime_with_a_random_token_id():
    a = new_claims(report_key="reports/x.html", employee_id="E1", position_id="P1", now=100, lifetime_seconds=30 * 86400)
    b = new_claims(report_key="reports/x.html", employee_id="E1", position_id="P1", now=100, lifetime_seconds=30 * 86400)
    assert (a.issued_at, a.expires_at) == (100, 100 + 2_592_000)
    assert a.token_id != b.token_id and len(a.token_id) == 16
    with pytest.raises(ValueError):
        new_claims(report_key="reports/x.html", employee_id="E1", position_id="P1", now=100, lifetime_seconds=0)


def test_the_key_ring_rereads_on_a_miss_at_most_every_30_seconds_and_always_after_5_minutes():
    reads = []
    clock = [0.0]

    def read():
        reads.append(clock[0])
        return [bytes([len(reads)])]

    ring = keys.KeyRing(read, clock=lambda: clock[0])
    assert ring.keys() == [b"\x01"]
    clock[0] = 10
    assert ring.keys(after_miss=True) == [b"\x01"]  # too soon after the last read
    clock[0] = 31
    assert ring.keys(after_miss=True) == [b"\x02"]
    clock[0] = 300
    assert ring.keys() == [b"\x02"]
    clock[0] = 331
    assert ring.keys() == [b"\x03"]
    assert reads == [0.0, 31, 331]


def test_a_secret_name_or_its_arn_names_the_secret():
    assert keys.names_secret("saleslens-dev-link-signing-key", "saleslens-dev-link-signing-key")
    assert keys.names_secret("arn:aws:secretsmanager:ap-south-1:123456789012:secret:saleslens-dev-link-signing-key-AbC123",
                             "saleslens-dev-link-signing-key")
    assert not keys.names_secret("arn:aws:secretsmanager:ap-south-1:123456789012:secret:other-AbC123",
                                 "saleslens-dev-link-signing-key")


def test_a_key_must_be_base64_of_at_least_16_bytes():
    assert len(keys.decode_key(keys.new_key_text())) == 32
    with pytest.raises(keys.SigningKeyError, match="not base64"):
        keys.decode_key("not base64!")
    with pytest.raises(keys.SigningKeyError, match="8 bytes"):
        keys.decode_key(base64.b64encode(b"12345678").decode())


