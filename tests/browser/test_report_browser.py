"""The reports of an SR, an ASM and the CMO of a generated small org, opened in a real browser
(Debian's chromium, headless) at tablet portrait (800x1280) and landscape (1280x800): no
horizontal scroll, headline and charts apart, chart labels apart and inside their chart, charts
laid out and drawn; each page under 500 KB.

SALESLENS_DOCS_SCREENSHOTS=1 also writes the portrait screenshots to docs/report-<role>.png.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Dict, List

import pytest
from PIL import Image

from saleslens.reports.model import build_report
from saleslens.reports.render import render
from tests.browser.conftest import RUN_DATE, measured, recipients, run_chromium, run_data

VIEWPORTS = ((800, 1280), (1280, 800))
DOCS = Path(__file__).resolve().parents[2] / "docs"
BAR_COLOURS = {(0x1B, 0x6E, 0x3A), (0xB3, 0x26, 0x1E)}  # met / short of target (the stylesheet's)


def pick(results: Dict[str, List[Dict[str, str]]], role: str) -> Dict[str, str]:
    """The first holder of the role; for an ASM, one with at least two direct reports."""
    parents: Dict[str, int] = {}
    for row in results["primary"]:
        parents[row["parent_position_id"]] = parents.get(row["parent_position_id"], 0) + 1
    return next(r for r in recipients(results)
                if r["role"] == role and (role != "ASM" or parents.get(r["position_id"], 0) >= 2 * 2))  # 2 windows


@pytest.fixture(scope="module")
def pages(small_world) -> Dict[str, str]:
    results = small_world["daily"]
    data = run_data(results)
    return {role: render(build_report(pick(results, role), data, run_date=RUN_DATE.isoformat(), cadence="daily"))
            for role in ("SR", "ASM", "CMO")}


@pytest.mark.parametrize("cadence", ["daily", "monthly"])
def test_the_cmos_report_is_under_500_kb(small_world, cadence):
    results = small_world[cadence]
    html = render(build_report(pick(results, "CMO"), run_data(results), run_date=RUN_DATE.isoformat(), cadence=cadence))
    assert len(html.encode("utf-8")) < 500 * 1024


@pytest.mark.parametrize("width,height", VIEWPORTS)
@pytest.mark.parametrize("role", ["SR", "ASM", "CMO"])
def test_the_report_fits_the_tablet_with_nothing_overlapping(chromium, pages, tmp_path, role, width, height):
    m = measured(chromium, tmp_path, pages[role], width, height)
    assert m["innerWidth"] == width
    assert m["scrollWidth"] <= m["innerWidth"], m["wide"]
    assert m["wide"] == []  # wide tables scroll inside their own container
    assert m["overlaps"] == []  # headline, key figures and charts apart
    expected = {"SR": {"chart-pace"}, "ASM": {"chart-pace", "chart-direct", "chart-spread"},
                "CMO": {"chart-pace", "chart-direct", "chart-spread"}}[role]
    assert {c["id"] for c in m["charts"]} == expected
    for chart in m["charts"]:
        assert chart["visible"], chart["id"]
        assert chart["box"]["width"] >= 300 and chart["box"]["height"] >= 60, chart
        assert chart["box"]["right"] <= width, chart
        assert chart["texts"] >= 4 and chart["clashes"] == [], chart
        assert chart["textsInside"], chart["id"]


@pytest.mark.parametrize("width,height", VIEWPORTS)
@pytest.mark.parametrize("role", ["SR", "ASM", "CMO"])
def test_a_screenshot_shows_the_charts(chromium, pages, tmp_path, role, width, height):
    page = tmp_path / "report.html"
    page.write_text(pages[role], encoding="utf-8")
    shot = tmp_path / "shot.png"
    run_chromium(chromium, tmp_path, f"--window-size={width},{height}", f"--screenshot={shot}", page.as_uri())
    with Image.open(shot) as image:
        assert image.size == (width, height)
        rgb = image.convert("RGB")
        colours = {c for _, c in rgb.getcolors(maxcolors=1 << 20) or []}
        # the first screen holds chart bars (drawn, in the stylesheet's colours)
        assert colours & BAR_COLOURS, role
        if os.environ.get("SALESLENS_DOCS_SCREENSHOTS") == "1" and (width, height) == VIEWPORTS[0]:
            rgb.quantize(colors=64).save(DOCS / f"report-{role.lower()}.png", optimize=True)
