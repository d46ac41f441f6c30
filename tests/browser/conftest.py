"""The browser tests' fixtures: Debian's chromium (installed by the README's setup, never at run
time) and the reports of a generated `small` world, rendered as the distribution renders them."""
from __future__ import annotations

import html as html_lib
import json
import shutil
import subprocess
from datetime import date
from pathlib import Path
from typing import Any, Dict, List

import pytest
from moto import mock_aws

from saleslens.config import load_config
from saleslens.curate.run import CurateSettings
from saleslens.distribution.marts import MARTS, RunRequest, query
from saleslens.distribution.results import recipients_from
from saleslens.generate import generate
from saleslens.offline.lake import LocalLake, run_query
from saleslens.reports.model import RunData
from tests.golden.lake import athena_text

RUN_DATE = date(2026, 11, 18)  # a Wednesday: month to date has working days behind and ahead
HISTORY_FROM = date(2025, 4, 1)  # last year's same dates are in the history
CADENCES = ("daily", "monthly")
MEASURE = Path(__file__).with_name("measure.js").read_text()
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run", "--hide-scrollbars", "--mute-audio"]


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's chromium: `apt-get install -y chromium` (README, Before you start). A missing
    browser fails the browser tests, it never skips them."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        pytest.fail("chromium is not installed: the browser tests need Debian's chromium "
                    "(sudo apt-get install -y chromium; see README, Before you start)", pytrace=False)
    return path


def run_chromium(chromium: str, tmp: Path, *args: str) -> subprocess.CompletedProcess:
    profile = tmp / f"profile-{len(list(tmp.glob('profile-*')))}"
    return subprocess.run([chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=120, check=True)


@pytest.fixture(scope="session")
def small_world() -> Dict[str, Dict[str, List[Dict[str, str]]]]:
    """Each cadence's mart results for RUN_DATE of a generated small org (curated in process)."""
    data = generate("small", start=RUN_DATE, days=1, dirt=False, history_from=HISTORY_FROM)
    with mock_aws():
        lake = LocalLake(CurateSettings.from_config(load_config()))
        lake.load(data.files)
        con = lake.connect()
    return {cadence: {m.key: [{k: athena_text(v) for k, v in row.items()}
                              for row in run_query(con, query(m, RunRequest(RUN_DATE, cadence)))]
                      for m in MARTS} for cadence in CADENCES}


def run_data(results: Dict[str, List[Dict[str, str]]]) -> RunData:
    return RunData({k: v for k, v in results.items() if k != "recipients"})


def recipients(results: Dict[str, List[Dict[str, str]]]) -> List[Dict[str, str]]:
    return recipients_from(results["recipients"], email_domains=load_config().distribution.email_domains)


def measured(chromium: str, tmp: Path, html: str, width: int, height: int) -> Dict[str, Any]:
    """The page laid out by chromium at width x height, measured by measure.js (a copy of the
    report with the script appended; the report itself carries none)."""
    page = tmp / f"measure-{width}x{height}.html"
    page.write_text(html.replace("</body>", f"<script>\n{MEASURE}\n</script>\n</body>"), encoding="utf-8")
    dom = run_chromium(chromium, tmp, f"--window-size={width},{height}", "--dump-dom", page.as_uri()).stdout
    start = dom.index('<pre id="measure">') + len('<pre id="measure">')
    return json.loads(html_lib.unescape(dom[start:dom.index("</pre>", start)]))
