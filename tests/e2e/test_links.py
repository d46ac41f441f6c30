"""Links that die, end to end through the embedded AWS: a distribution run emails links to the
link service; over HTTP (the local function-URL adapter) a link redirects to a short presigned URL
whose body is the report; tampered, expired, revoked and leavers' links get the neutral 403 page;
an expired link gets a fresh one by email; a key rotation keeps earlier links; every request is in
the access log, which `saleslens links opens` lists."""
from __future__ import annotations

import email
import json
import logging
import re
import time
from collections import Counter
from datetime import date
from email import policy
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from typer.testing import CliRunner

from saleslens import components
from saleslens.cli import app
from saleslens.generate import generate
from saleslens.links import keys
from saleslens.links.token import Claims, read_claims, sign
from saleslens.offline import OfflineAws
from saleslens.offline.main_job import export, ingest_files
from saleslens.reports.stored import read_page
from tests.e2e.distributed import links_in, resend_as_leaver

pytestmark = pytest.mark.e2e

DAY, RUN_DAY = date(2026, 7, 30), date(2026, 7, 31)
EMPLOYEES_KEY = "hr/employees/dt=2026-07-31/HR_EMPLOYEES_20260731.csv"
NEUTRAL = "<h1>This link has expired or is not valid</h1>"


def _get(url: str) -> requests.Response:
    return requests.get(url, allow_redirects=False, timeout=30)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    logging.getLogger("moto").setLevel(logging.CRITICAL)
    data = generate(scale="tiny", start=DAY, days=2, seed=5)
    with OfflineAws() as aws:
        ingest_files(aws, data.files, lambda _m: None, data.arrivals)
        first = aws.distribute(RUN_DAY, "daily")
        assert first.status == "SUCCEEDED", first.error
        out = tmp_path_factory.mktemp("links")
        export(aws, out)
        s3 = aws.client("s3")
        recipients = {r["email"]: r for r in json.loads(
            s3.get_object(Bucket=aws.bucket("reports"), Key=f"runs/{first.name}/recipients.json")["Body"].read())}
        yield SimpleNamespace(aws=aws, data=data, out=out, links=links_in(out), recipients=recipients, s3=s3)


def _cli(world, *args: str):
    return CliRunner().invoke(app, ["links", *args], env={"AWS_ENDPOINT_URL": world.aws.endpoint})


def _key(world) -> bytes:
    sm = world.aws.client("secretsmanager")
    return keys.signing_key(sm, world.aws.cfg.name(components.LINK_SIGNING_SECRET))


def test_every_recipient_got_a_link_to_the_link_service_and_nothing_personal_is_in_it(world):
    assert set(world.links) == set(world.recipients) and len(world.links) >= 5
    for address, link in world.links.items():
        assert link.startswith(world.aws.link_url + "?t=")
        r = world.recipients[address]
        claims = read_claims(link.split("?t=", 1)[1])
        assert (claims.employee_id, claims.position_id) == (r["employee_id"], r["position_id"])
        assert claims.expires_at - claims.issued_at == 30 * 86400  # links.token_lifetime_days
        token = link.split("?t=", 1)[1]
        assert r["employee_name"] not in token and address not in token


def test_a_link_redirects_to_a_five_minute_presigned_url_whose_body_is_the_report(world):
    address, link = sorted(world.links.items())[0]
    r = world.recipients[address]
    resp = _get(link)
    assert resp.status_code == 302
    location = resp.headers["Location"]
    assert parse_qs(urlsplit(location).query)["X-Amz-Expires"] == ["300"]  # links.redirect_lifetime_seconds
    page = requests.get(location, timeout=30)
    key = f"reports/daily/2026-07-31/{r['position_id']}/{r['employee_id']}.html"
    assert page.status_code == 200
    # stored gzip-compressed and served with Content-Encoding: gzip, which the client inflates
    assert page.headers["Content-Encoding"] == "gzip" and page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert page.raw.tell() < len(page.content) / 3  # the bytes that crossed the wire
    assert page.text == read_page(world.s3, bucket=world.aws.bucket("reports"), key=key)
    assert page.text.startswith("<!doctype html>")


def test_a_tampered_link_gets_the_neutral_403(world):
    link = sorted(world.links.values())[1]
    head, sig = link.rsplit(".", 1)
    tampered = f"{head}.{('A' if sig[0] != 'A' else 'B')}{sig[1:]}"
    resp = _get(tampered)
    assert resp.status_code == 403 and NEUTRAL in resp.text and "<form" not in resp.text


def test_an_expired_link_offers_a_fresh_one_sent_to_the_address_on_record(world):
    address, link = sorted(world.links.items())[2]
    r = world.recipients[address]
    claims = read_claims(link.split("?t=", 1)[1])
    now = int(time.time())
    expired = sign(Claims(claims.report_key, r["employee_id"], r["position_id"], now - 31 * 86400, now - 86400, "old-1"),
                   _key(world))
    resp = _get(f"{world.aws.link_url}?t={expired}")
    assert resp.status_code == 403 and NEUTRAL in resp.text and 'name="action" value="fresh"' in resp.text
    before = len(list(world.aws.sent_emails()))
    # An address slipped into the form is not where the fresh link goes.
    sent = requests.post(world.aws.link_url, data={"t": expired, "action": "fresh", "email": "thief@evil.example.com"},
                         allow_redirects=False, timeout=30)
    assert sent.status_code == 200 and "A fresh link is on its way to your email address on record" in sent.text
    mails = list(world.aws.sent_emails())[before:]
    assert len(mails) == 1 and set(mails[0]["destinations"]) == {address}
    raw = mails[0]["raw"] if isinstance(mails[0]["raw"], bytes) else str(mails[0]["raw"]).encode()
    text = email.message_from_bytes(raw, policy=policy.default).get_body(("plain",)).get_content()
    fresh = re.search(r"^(http://127\.0\.0\.1:\d+/\?t=\S+)$", text, re.M).group(1)
    assert _get(fresh).status_code == 302
    # Asking twice with the same expired link sends nothing more.
    again = requests.post(world.aws.link_url, data={"t": expired, "action": "fresh"}, timeout=30)
    assert again.status_code == 403 and len(list(world.aws.sent_emails())) == before + 1


def test_a_revoked_link_is_refused_and_others_still_open(world):
    (a_address, a_link), (b_address, b_link) = sorted(world.links.items())[3:5]
    assert _get(a_link).status_code == 302
    result = _cli(world, "revoke", "--link", a_link)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("revoked link ")
    resp = _get(a_link)
    assert resp.status_code == 403 and NEUTRAL in resp.text and "<form" not in resp.text
    assert _get(b_link).status_code == 302


def test_a_rotation_keeps_links_issued_before_it(world):
    link = sorted(world.links.values())[0]
    world.aws.rotate_link_key()
    assert _get(link).status_code == 302
    # The first signature character carries 6 signature bits (the last carries only 4).
    head, sig = link.rsplit(".", 1)
    forged_with_old_scheme = f"{head}.{'A' if sig[0] != 'A' else 'B'}{sig[1:]}"
    assert _get(forged_with_old_scheme).status_code == 403


def test_a_leaver_s_old_link_is_refused_once_hr_data_lands_and_after_the_next_run(world):
    """The SR leaves on the run date's eve (HR resends the day's employees file with a leaving date):
    as soon as that file is curated the link they were sent stops opening, before any distribution
    runs; the next distribution no longer lists them."""
    aws, data = world.aws, world.data
    untouched = sorted(world.links)[5:]  # links the tests above did not revoke
    sr_address = next(a for a in untouched if world.recipients[a]["role"] == "SR")
    leaver = world.recipients[sr_address]
    assert _get(world.links[sr_address]).status_code == 302
    resend_as_leaver(aws, data.files, leaver["employee_id"], left_on="2026-07-30", run_day=RUN_DAY, key=EMPLOYEES_KEY,
                     distribute=False)
    resp = _get(world.links[sr_address])
    assert resp.status_code == 403 and NEUTRAL in resp.text and "<form" not in resp.text
    rerun = aws.distribute(RUN_DAY, "daily")
    assert rerun.status == "SUCCEEDED", rerun.error
    assert _get(world.links[sr_address]).status_code == 403
    stayer = next(a for a in untouched if a != sr_address and world.recipients[a]["role"] == "SR")
    assert _get(world.links[stayer]).status_code == 302
    opens = _cli(world, "opens", "--employee", leaver["employee_id"], "--json")
    outcomes = [o["outcome"] for o in json.loads(opens.output)]
    assert outcomes[-1] == "not_holder"


def test_every_request_is_in_the_access_log(world):
    # Self-contained: the module's other tests may run on another worker (pytest-xdist), in their
    # own world, so this one logs its own requests and compares the log before and after them.
    def logged() -> Counter:
        result = _cli(world, "opens", "--json")
        assert result.exit_code == 0, result.output
        return Counter((e["employee_id"], e["outcome"]) for e in json.loads(result.output))

    before = logged()
    address = sorted(world.links)[-1]
    opened = _get(world.links[address])
    head, sig = world.links[address].rsplit(".", 1)
    assert _get(f"{head}.{('A' if sig[0] != 'A' else 'B')}{sig[1:]}").status_code == 403
    added = logged() - before
    employee = world.recipients[address]["employee_id"]
    outcome = {302: ("opened",), 403: ("revoked", "not_holder", "expired")}[opened.status_code]
    assert sum(added[(employee, o)] for o in outcome) == 1, added
    assert added[("-", "invalid")] == 1, added  # a tampered link names no one
    table = _cli(world, "opens", "--since", "2000-01-01")
    assert table.exit_code == 0 and table.output.splitlines()[0].split()[:3] == ["at", "(UTC)", "employee"]
    bad = _cli(world, "opens", "--since", "yesterday")
    assert bad.exit_code == 2 and bad.output.startswith("error: --since must be a date")
