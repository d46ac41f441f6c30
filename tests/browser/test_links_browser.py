"""Links that die, opened in a real browser (Debian's chromium, headless): a distribution run of a
generated tiny org emails links to the link service (the embedded AWS's local function-URL
adapter); chromium follows a valid link's redirect to the presigned S3 URL and shows the report,
while a tampered, an expired, a revoked and a leaver's link show the neutral "expired or not valid"
page and nothing of the report.

The leaver is made as in production: HR resends the run day's employees file with the SR's leaving
date, and the next distribution run writes the holders file (`links/holders.json`, what the link
service checks) without them; the link they were sent earlier is the one opened.
"""
from __future__ import annotations

import html as html_lib
import json
import logging
import re
import time
from datetime import date
from pathlib import Path
from types import SimpleNamespace

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
from tests.browser.conftest import run_chromium
from tests.e2e.distributed import links_in, resend_as_leaver

DAY, RUN_DAY = date(2026, 7, 30), date(2026, 7, 31)
EMPLOYEES_KEY = "hr/employees/dt=2026-07-31/HR_EMPLOYEES_20260731.csv"
REFUSED = "This link has expired or is not valid"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    logging.getLogger("moto").setLevel(logging.CRITICAL)
    data = generate(scale="tiny", start=DAY, days=2, seed=5)
    with OfflineAws() as aws:
        ingest_files(aws, data.files, lambda _m: None, data.arrivals)
        run = aws.distribute(RUN_DAY, "daily")
        assert run.status == "SUCCEEDED", run.error
        out = tmp_path_factory.mktemp("links")
        export(aws, out)
        s3 = aws.client("s3")
        recipients = {r["email"]: r for r in json.loads(
            s3.get_object(Bucket=aws.bucket("reports"), Key=f"runs/{run.name}/recipients.json")["Body"].read())}
        yield SimpleNamespace(aws=aws, data=data, links=links_in(out), recipients=recipients, s3=s3)


def _report_of(world, address: str) -> str:
    r = world.recipients[address]
    key = f"reports/daily/2026-07-31/{r['position_id']}/{r['employee_id']}.html"
    return read_page(world.s3, bucket=world.aws.bucket("reports"), key=key)


def _title(page: str) -> str:
    return html_lib.unescape(re.search(r"<title>(.*?)</title>", page, re.S).group(1)).strip()


def _dom(chromium: str, tmp: Path, url: str) -> str:
    return run_chromium(chromium, tmp, "--dump-dom", url).stdout


def _assert_refused(url: str, dom: str, report: str) -> None:
    assert requests.get(url, allow_redirects=False, timeout=30).status_code == 403
    assert f"<h1>{REFUSED}</h1>" in dom
    assert _title(report) not in dom and 'id="chart-pace"' not in dom


def _sr(world, exclude: str = "") -> str:
    return next(a for a in sorted(world.links) if world.recipients[a]["role"] == "SR" and a != exclude)


def test_a_valid_link_shows_the_recipient_s_report(world, chromium, tmp_path):
    address = _sr(world)
    report = _report_of(world, address)
    link = world.links[address]
    # What chromium is redirected to: the presigned S3 URL, serving the report as a page.
    location = requests.get(link, allow_redirects=False, timeout=30).headers["Location"]
    served = requests.get(location, timeout=30)
    assert served.status_code == 200 and served.headers["Content-Type"] == "text/html; charset=utf-8"
    dom = _dom(chromium, tmp_path, link)
    # The report as stored, laid out as a page (not offered as a download or shown as source):
    # its title, its heading, the recipient's name and position under it, its pace chart.
    assert f"<title>{html_lib.escape(_title(report), quote=False)}</title>" in dom
    assert "<h1>Daily report · as of 2026-07-31</h1>" in dom
    r = world.recipients[address]
    assert html_lib.escape(r["employee_name"], quote=False) in dom and f"({r['position_id']})" in dom
    assert 'id="chart-pace"' in dom and "&lt;html" not in dom
    assert REFUSED not in dom


def test_a_tampered_link_shows_the_neutral_page(world, chromium, tmp_path):
    address = _sr(world)
    head, sig = world.links[address].rsplit(".", 1)
    tampered = f"{head}.{('A' if sig[0] != 'A' else 'B')}{sig[1:]}"
    _assert_refused(tampered, _dom(chromium, tmp_path, tampered), _report_of(world, address))


def test_an_expired_link_shows_the_neutral_page(world, chromium, tmp_path):
    address = _sr(world)
    r = world.recipients[address]
    claims = read_claims(world.links[address].split("?t=", 1)[1])
    now = int(time.time())
    key = keys.signing_key(world.aws.client("secretsmanager"), world.aws.cfg.name(components.LINK_SIGNING_SECRET))
    expired = sign(Claims(claims.report_key, r["employee_id"], r["position_id"], now - 31 * 86400, now - 86400, "old-1"), key)
    url = f"{world.aws.link_url}?t={expired}"
    dom = _dom(chromium, tmp_path, url)
    _assert_refused(url, dom, _report_of(world, address))
    assert "Email me a fresh link" in dom  # a current holder's expired link offers a fresh one


def test_a_revoked_link_shows_the_neutral_page(world, chromium, tmp_path):
    address = sorted(a for a in world.links if world.recipients[a]["role"] != "SR")[0]
    result = CliRunner().invoke(app, ["links", "revoke", "--link", world.links[address]],
                                env={"AWS_ENDPOINT_URL": world.aws.endpoint})
    assert result.exit_code == 0, result.output
    dom = _dom(chromium, tmp_path, world.links[address])
    _assert_refused(world.links[address], dom, _report_of(world, address))
    assert "<form" not in dom


def test_a_leaver_s_link_shows_the_neutral_page_after_the_next_run(world, chromium, tmp_path):
    aws, data = world.aws, world.data
    address = _sr(world)
    leaver = world.recipients[address]
    resend_as_leaver(aws, data.files, leaver["employee_id"], left_on="2026-07-30", run_day=RUN_DAY, key=EMPLOYEES_KEY)
    dom = _dom(chromium, tmp_path, world.links[address])
    _assert_refused(world.links[address], dom, _report_of(world, address))
    assert "<form" not in dom
    # Someone who stayed still opens theirs.
    stayer = _sr(world, exclude=address)
    assert f"<h1>{REFUSED}</h1>" not in _dom(chromium, tmp_path, world.links[stayer])
