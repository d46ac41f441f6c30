"""Render a recipient's report: one self-contained HTML page (Jinja2, autoescaped, inline CSS and
SVG charts, no script, no external file).

``render(report)`` is the entry point; the templates are compiled once per process. Every figure
of the marts is a table cell labelled with its window; each cell carries data-kpi, data-window and
data-value (the mart's raw value) so the figures can be read back and checked.
"""
from __future__ import annotations

import html
from decimal import Decimal
from types import CodeType
from typing import Any, Callable, Dict, List, MutableMapping, Optional, Sequence, Tuple

from jinja2 import Environment, PackageLoader, StrictUndefined, Template, select_autoescape
from markupsafe import Markup, escape

from saleslens.reports import freshness
from saleslens.reports.headline import headline, isolated
from saleslens.reports.model import (
    MAX_LISTED,
    DirectReport,
    Report,
    Row,
    RunData,
    Window,
    build_report,
    has_pipeline,
)
from saleslens.reports.numbers import MART_PLACES, NULL, figure_pct, format_inr, format_int, number, rupees
from saleslens.scoring.snapshot import FACTOR_SEPARATOR

__all__ = ["format_inr", "render", "render_report", "display", "cell"]

_DICT_ATTRIBUTES = frozenset(dir(dict))


def _escape(value: Any) -> Markup:
    """markupsafe.escape, giving markup back as it is: escape copies a Markup into a new one, and a
    page's tables and macros are Markup output again by each enclosing macro (a tenth of a render)."""
    return value if type(value) is Markup else escape(value)


class _Template(Template):
    """A compiled template whose output escapes with ``_escape``."""

    @classmethod
    def from_code(cls, environment: Environment, code: CodeType, globals: MutableMapping[str, Any],
                  uptodate: Optional[Callable[[], bool]] = None) -> Template:
        template = super().from_code(environment, code, globals, uptodate)
        template.root_render_func.__globals__["escape"] = _escape  # the module's name for it, bound at compile
        return template


class _Environment(Environment):
    """Jinja's environment, reading a plain dict's key first. ``row.net_value`` on a dict first
    tries the attribute, and the AttributeError it raises for every mart figure took a tenth of a
    render. The result is the same: a name that is a dict attribute (``items``, ``get``) still
    resolves to the attribute, as Jinja's own order gives it."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                pass
        return super().getattr(obj, attribute)


_Environment.template_class = _Template

_ENV = _Environment(
    loader=PackageLoader("saleslens", "templates"),
    autoescape=select_autoescape(["html", "j2"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    # The templates are package files: a render need not stat them again (each page imports the charts).
    auto_reload=False,
)


def _shown(n: Decimal, kind: str) -> str:
    if kind == "inr":
        return format_inr(n)
    if kind == "pct":  # a mart's percentage, at the mart's places
        return f"{n:.{MART_PLACES}f}%"
    if kind == "int":
        return format_int(n)
    if kind == "dec1":
        return f"{n:.1f}"
    if kind == "dec2":
        return f"{n:.2f}"
    return str(n)


def display(value: Any, kind: str) -> str:
    n = number(value)
    return NULL if n is None else _shown(n, kind)


_CELL_OPEN: Dict[Tuple[str, str], Tuple[str, str]] = {}
# What a cell shows for a mart value, per kind: a row is in its own report and in those of the
# managers above, so a usv run formats 2.7 M cells from 0.34 M distinct (value, kind) pairs; the
# Decimal parse and grouping behind each was a sixth of a render. None: no number (a dash).
_SHOWN_TEXTS: Dict[str, Dict[str, Optional[str]]] = {}
_UNSEEN: Any = object()
# Per kind; past it the kind's texts are dropped and kept again. A usv run keeps 342,039 in all (29 MB).
_SHOWN_TEXTS_MAX = 400_000


def _cell(row: "Dict[str, Any] | None", kpi: str, window: str, kind: str) -> str:
    raw = "" if row is None else (row.get(kpi) or "")
    parts = _CELL_OPEN.get((kpi, window))
    if parts is None:
        parts = (f'<td class="num" data-kpi="{html.escape(kpi)}" data-value="',
                 f'" data-window="{html.escape(window)}">' if window else '">')
        _CELL_OPEN[(kpi, window)] = parts
    texts = _SHOWN_TEXTS.get(kind)
    if texts is None:
        texts = _SHOWN_TEXTS.setdefault(kind, {})
    shown = texts.get(raw, _UNSEEN) if type(raw) is str else _UNSEEN
    if shown is _UNSEEN:
        n = number(raw)
        shown = None if n is None else _shown(n, kind)
        if type(raw) is str:
            if len(texts) >= _SHOWN_TEXTS_MAX:
                texts.clear()
            texts[raw] = shown
    if shown is None:  # a null (or text that is no number: shown as a dash, kept escaped as data)
        return f"{parts[0]}{html.escape(str(raw))}{parts[1]}{NULL}</td>"
    # a value Decimal parses holds only digits, sign, point, exponent and spaces: nothing to escape
    return f"{parts[0]}{raw}{parts[1]}{shown}</td>"


def cell(row: "Dict[str, Any] | None", kpi: str, window: str = "", kind: str = "inr") -> Markup:
    """A numeric table cell: the figure formatted, with its KPI, window and raw value as data."""
    return Markup(_cell(row, kpi, window, kind))


def cells(rows: Dict[str, Row], kpi: str, windows: Sequence[Window], kind: str = "inr") -> Markup:
    """One cell per window (a row of a KPI table)."""
    return Markup("".join(_cell(rows.get(w.window_id), kpi, w.window_id, kind) for w in windows))


def row_cells(row: "Dict[str, Any] | None", window: str, spec: Sequence[Tuple[str, str]]) -> Markup:
    """Cells of one row's KPIs, (kpi, kind) each, in one window."""
    return Markup("".join(_cell(row, kpi, window, kind) for kpi, kind in spec))


def position_label(row: "Row | None") -> str:
    if not row:
        return ""
    return f"{row.get('position_name') or row.get('position_id', '')} ({row.get('role', '')} {row.get('position_id', '')})"


def ranked(report: Report, window_id: str) -> List[DirectReport]:
    """Direct reports by their rank in the window (the mart's rank_in_parent); then those not
    ranked: held without a target, then vacant on the report date (flagged, never ranked)."""
    def key(d: DirectReport) -> tuple:
        t = d.targets.get(window_id) or {}
        rank = number(t.get("rank_in_parent"))
        return (2 if d.vacant(window_id) else 0 if rank is not None else 1, rank or 0, d.position_id)
    return sorted(report.direct_reports, key=key)


def _short(text: str, n: int = 22) -> str:
    return text if len(text) <= n else text[: n - 1] + "\u2026"


# -- charts: geometry for the SVG macros (templates/charts.html.j2) ------------------------------
WIDTH = 600


def pace_chart(report: Report) -> Optional[Dict[str, Any]]:
    """Net primary against the target's pace (mtd: the month's target x working days to date /
    the month's working days) and the whole month's target, from the window's figures: the marts
    carry no daily series, so this is a bar (bullet) chart, not a cumulative line."""
    w = report.focus
    if w is None:
        return None
    t = report.targets.get(w.window_id) or {}
    p = report.primary.get(w.window_id) or {}
    net, target = number(t.get("net_value", p.get("net_value"))), number(t.get("target_value"))
    if net is None and target is None:
        return None
    mtd = w.window_id == "mtd"
    bars: List[Tuple[str, Optional[Decimal], str]] = [
        ("Net primary", net, "low" if target is not None and (net or 0) < target else "ok"),
        ("Target's pace to date" if mtd else "Target", target, "pace")]
    month = number(t.get("month_target_value")) if mtd else None
    if month is not None:
        bars.append(("Month's whole target", month, "full"))
    top: Decimal = max([v for _, v, _ in bars if v is not None and v > 0] or [Decimal(1)])
    x0, span = 175, WIDTH - 175 - 105
    marker = round(x0 + float(max(target, Decimal(0)) / top) * span, 1) if target is not None else None
    out = []
    for i, (label, value, kind) in enumerate(bars):
        width = float(max(value or Decimal(0), Decimal(0)) / top) * span
        end = max(x0 + width, marker or 0)  # the figure right of the bar and of the pace line
        out.append({"label": label, "y": 6 + i * 32, "w": round(width, 1), "kind": kind, "tx": round(end + 6, 1),
                    "display": rupees(value), "exact": display(value, "inr")})
    when = "month to date" if mtd else f"{w.label.lower()} {w.span}"
    title = f"Net primary {when} against the target's pace" if mtd else f"Net primary against target, {when}"
    desc = "; ".join(f"{label}: {rupees(value)}" for label, value, _ in bars) + "."
    caption = ("Drawn from the window's figures (the marts hold no daily series): the target's pace to date is "
               "the month's target x working days so far / the month's working days; the line marks it."
               if mtd else "Drawn from the window's figures; the line marks the target.")
    return {"width": WIDTH, "height": 12 + len(bars) * 32, "x0": x0, "bars": out, "marker": marker,
            "title": title, "desc": desc, "caption": caption}


def achievement_chart(report: Report) -> Optional[Dict[str, Any]]:
    """Achievement % of the focus window per direct report, ranked; vacant ones flagged."""
    w = report.focus
    if w is None or not report.direct_reports:
        return None
    rows = []
    for d in ranked(report, w.window_id):
        t = d.targets.get(w.window_id) or {}
        row = d.primary.get(w.window_id) or t
        rows.append((position_label(row), str(row.get("position_name") or row.get("position_id", "")),
                     number(t.get("achievement_value_pct")), d.vacant(w.window_id), t.get("rank_in_parent") or ""))
    if all(v is None for _, _, v, _, _ in rows):
        return None
    scale = min(max([Decimal(150)] + [v for _, _, v, _, _ in rows if v is not None]), Decimal(200))
    x0, span = 170, WIDTH - 170 - 110
    hundred = round(x0 + float(100 / scale) * span, 1)
    bars = []
    for i, (label, name, value, vacant, rank) in enumerate(rows):
        width = float(min(max(value or 0, 0), scale) / scale) * span if value is not None else 0.0
        shown = figure_pct(value) + (" \u00b7 vacant" if vacant else "")
        end = x0 + width
        # a figure that would cross the 100% line sits inside the end of its (red or green) bar, in white
        inside = not vacant and end < hundred <= end + 6 + 8 * len(shown) and width >= 8 * len(shown) + 12
        bars.append({"label": label, "short": _short(name), "y": 4 + i * 26, "w": round(width, 1),
                     "tx": round(end - 6 if inside else end + 6, 1), "inside": inside, "display": shown, "vacant": vacant,
                     "met": value is not None and value >= 100, "rank": rank})
    met = sum(1 for b in bars if b["met"] and not b["vacant"])
    held = sum(1 for b in bars if not b["vacant"])
    return {"width": WIDTH, "height": 4 + len(rows) * 26 + 18, "x0": x0, "bars": bars,
            "hundred": hundred,
            "title": f"Achievement % of your direct reports, {w.label.lower()} {w.span}",
            "desc": f"{met} of {held} held positions at or above 100% of target; "
                    + "; ".join(f"{b['label']}: {b['display']}" for b in bars) + ".",
            "caption": f"Ranked by achievement %; vacant positions are grey and not ranked. Bars stop at {scale}%."}


BANDS = ((None, 50), (50, 70), (70, 90), (90, 100), (100, 110), (110, 130), (130, None))


def band_label(low: Optional[int], high: Optional[int]) -> str:
    return f"<{high}" if low is None else f"\u2265{low}" if high is None else f"{low}\u2013{high}"


def histogram_chart(report: Report) -> Optional[Dict[str, Any]]:
    """How many SR positions of the subtree fall in each band of achievement % (focus window);
    a band holds its lower bound. Vacant positions and those without a target are counted apart."""
    w = report.focus
    if w is None or not report.team_srs:
        return None
    counts = [0] * len(BANDS)
    vacant = untargeted = 0
    for r in report.team_srs:
        value = number(r.get("achievement_value_pct"))
        if r.get("is_vacant") == "true":
            vacant += 1
        elif value is None:
            untargeted += 1
        else:
            counts[next(i for i, (lo, hi) in enumerate(BANDS) if (lo is None or value >= lo) and (hi is None or value < hi))] += 1
    counted = sum(counts)
    if not counted:
        return None
    base, tallest, slot = 175, 140, WIDTH / len(BANDS)
    bw = round(slot - 12, 1)
    bars = []
    for i, ((lo, hi), n) in enumerate(zip(BANDS, counts)):
        h = round(n / max(counts) * tallest, 1)
        bars.append({"x": round(i * slot + 6, 1), "y": round(base - h, 1), "h": h, "count": n,
                     "label": band_label(lo, hi), "met": lo is not None and lo >= 100})
    apart = []
    if vacant:
        apart.append(f"{vacant} vacant")
    if untargeted:
        apart.append(f"{untargeted} without a target")
    return {"width": WIDTH, "height": base + 24, "base": base, "bw": bw, "bars": bars,
            "title": f"Achievement % of the {counted} held SR territories under you, {w.label.lower()} {w.span}",
            "desc": "SR positions per band of achievement %: "
                    + "; ".join(f"{b['label']}%: {b['count']}" for b in bars) + ".",
            "caption": "Each band includes its lower bound." + (f" Not counted: {', '.join(apart)}." if apart else "")}


BRAND_CELLS = (("net_value", "inr"), ("net_value_ly", "inr"), ("growth_pct", "pct"), ("target_value", "inr"),
               ("achievement_value_pct", "pct"), ("net_units", "int"), ("target_units", "dec2"),
               ("achievement_units_pct", "pct"))
CUSTOMER_CELLS = (("net_value", "inr"), ("return_value", "inr"), ("credit_value", "inr"), ("billed_units", "int"),
                  ("free_units", "int"), ("growth_pct", "pct"))
DETAILING_CELLS = (("detailed_calls", "int"), ("seconds_per_call", "dec1"), ("slides_per_call", "dec2"),
                   ("key_message_share_pct", "pct"))
# The institutional pipeline (mart "pipeline"): (label, kpi, kind) of the position's own table,
# and of the direct reports' table (a few columns, so a CMO's page stays small).
PIPELINE_CELLS = (("Win rate by count %", "win_rate_count_pct", "pct"), ("Win rate by value %", "win_rate_value_pct", "pct"),
                  ("Deals won", "won_count", "int"), ("Deals lost", "lost_count", "int"),
                  ("Value won (₹)", "won_value", "inr"), ("Open deals", "open_count", "int"),
                  ("Open pipeline (₹)", "open_value", "inr"),
                  ("Institutional target of the window's whole months (₹)", "target_value", "inr"),
                  ("Target still to win (₹)", "remaining_target_value", "inr"),
                  ("Coverage (open pipeline / target still to win, times)", "pipeline_coverage", "dec2"),
                  ("Open deals at risk", "at_risk_count", "int"), ("Open value at risk (₹)", "at_risk_value", "inr"),
                  ("Average cycle of deals won (days)", "avg_cycle_days_won", "dec1"))
PIPELINE_DIRECT_CELLS = (("Win rate by count %", "win_rate_count_pct", "pct"),
                         ("Win rate by value %", "win_rate_value_pct", "pct"),
                         ("Open pipeline (₹)", "open_value", "inr"), ("Coverage (times)", "pipeline_coverage", "dec2"),
                         ("Open deals at risk", "at_risk_count", "int"),
                         ("Average cycle of deals won (days)", "avg_cycle_days_won", "dec1"))
PIPELINE_DIRECT_SPEC = tuple((kpi, kind) for _, kpi, kind in PIPELINE_DIRECT_CELLS)


def pipeline_rows(report: Report, window_id: str) -> List[Row]:
    """The direct reports' pipeline rows of a window that hold institutional business, by position
    id; those without any are left out (the caption says how many are listed)."""
    rows = [d.pipeline.get(window_id) for d in report.direct_reports]
    return sorted((r for r in rows if r is not None and has_pipeline(r)), key=lambda r: r["position_id"])


# Opportunity scores (marts "open_deals" and "pipeline"): a deal never scored says so, never 0.
NOT_SCORED = "not scored yet"
EXPECTED_CELLS = (("Target still to win (₹)", "remaining_target_value", "inr"),
                  ("Open pipeline (₹)", "open_value", "inr"),
                  ("Coverage (open pipeline / target still to win, times)", "pipeline_coverage", "dec2"),
                  ("Expected value of the scored open deals (₹)", "expected_value", "inr"),
                  ("Expected value / target still to win %", "expected_value_pct_of_remaining_target", "pct"),
                  ("Target still to win after the expected value (₹)", "expected_gap_value", "inr"),
                  ("Open deals scored", "scored_open_count", "int"),
                  ("Open deals not scored yet", "unscored_open_count", "int"),
                  ("Open value not scored yet (₹)", "unscored_open_value", "inr"))
EXPECTED_DIRECT_CELLS = (("Target still to win (₹)", "remaining_target_value", "inr"),
                         ("Expected value (₹)", "expected_value", "inr"),
                         ("Expected value / target still to win %", "expected_value_pct_of_remaining_target", "pct"),
                         ("Open deals not scored yet", "unscored_open_count", "int"))
# The figures that need a scored open deal: without one the cell says "not scored yet".
_NEED_SCORES = ("expected_value", "expected_value_pct_of_remaining_target", "expected_gap_value")


def expected_cell(row: "Row | None", kpi: str, window: str, kind: str) -> Markup:
    """A pipeline cell; an expected-value figure of a position whose open deals are none of them
    scored says "not scored yet" (the mart's null), not a dash or 0."""
    if row and kpi in _NEED_SCORES and (number(row.get("open_count")) or 0) > 0 \
            and (number(row.get("scored_open_count")) or 0) == 0:
        return Markup('<td class="num" data-kpi="{}" data-value="" data-window="{}">{}</td>').format(
            kpi, window, NOT_SCORED)
    return cell(row, kpi, window, kind)


def score_text(deal: Row) -> str:
    """'4 of 5 (62% to win)', or "not scored yet"."""
    score, probability = number(deal.get("score")), number(deal.get("probability"))
    if score is None or probability is None:
        return NOT_SCORED
    return f"{int(score)} of 5 ({probability * 100:.0f}% to win)"


def trend_text(deal: Row) -> str:
    """The change since the latest score at least 7 days before the latest one: 'down 1 (-15.0
    points)', 'same score (+2.5 points)', 'no score a week before', or '' when never scored."""
    if number(deal.get("score")) is None:
        return ""
    change, points = number(deal.get("score_change")), number(deal.get("probability_change"))
    if change is None or points is None:
        return "no score a week before"
    words = f"up {int(change)}" if change > 0 else f"down {-int(change)}" if change < 0 else "same score"
    return f"{words} ({points:+.1f} points)"


def reasons(deal: Row) -> List[Tuple[str, str]]:
    """The latest score's factors: ('+', phrase) raised the chance, ('-', phrase) lowered it."""
    out: List[Tuple[str, str]] = []
    for sign, column in (("+", "positive_factors"), ("-", "negative_factors")):
        out += [(sign, f) for f in (deal.get(column) or "").split(FACTOR_SEPARATOR) if f]
    return out


def listed(rows: Sequence[Row], total_of: str = "net_value") -> Tuple[List[Row], Optional[Dict[str, Any]]]:
    """A long list cut to its first MAX_LISTED rows (the model sorts each largest first), and what
    the rest come to: how many and the sum of ``total_of``, as the figure ``<total_of>_not_listed``
    (None when nothing is left out). The page says both, so no row is dropped silently; the
    figures hash covers every row."""
    shown, rest = list(rows[:MAX_LISTED]), rows[MAX_LISTED:]
    if not rest:
        return shown, None
    total = sum((number(r.get(total_of)) or Decimal(0) for r in rest), Decimal(0))
    kpi = f"{total_of}_not_listed"
    return shown, {"count": len(rest), "kpi": kpi, kpi: str(total)}


_last_sources: Tuple[Any, List[Tuple[str, str]]] = (None, [])


def source_lines(rows: Sequence[Dict[str, str]]) -> List[Tuple[str, str]]:
    """freshness.source_lines, worked out once per run: every report of a run carries the run's
    one list of freshness rows (RunData.freshness), and dates formatted afresh were 2 % of a render."""
    global _last_sources
    held, lines = _last_sources
    if held is not rows:
        lines = freshness.source_lines(rows)
        _last_sources = (rows, lines)
    return lines


def bdi(text: Any) -> Markup:
    """Source text inside a sentence, isolated: its own direction marks stay inside it."""
    return Markup("<bdi>%s</bdi>") % str(text)


_ENV.filters["inr"] = format_inr
_ENV.filters["bdi"] = bdi
_ENV.filters["isolate"] = isolated
_ENV.filters["rupees"] = rupees
_ENV.filters["pct"] = figure_pct  # every percentage the template shows is a mart's
_ENV.tests["has_pipeline"] = has_pipeline
_ENV.globals.update(cell=cell, cells=cells, row_cells=row_cells, display=display, ranked=ranked,
                    position_label=position_label, headline=headline, listed=listed,
                    pace_chart=pace_chart, achievement_chart=achievement_chart, histogram_chart=histogram_chart,
                    source_lines=source_lines, number=number,
                    pipeline_rows=pipeline_rows, PIPELINE_CELLS=PIPELINE_CELLS,
                    expected_cell=expected_cell, score_text=score_text, trend_text=trend_text, reasons=reasons,
                    EXPECTED_CELLS=EXPECTED_CELLS, EXPECTED_DIRECT_CELLS=EXPECTED_DIRECT_CELLS,
                    PIPELINE_DIRECT_CELLS=PIPELINE_DIRECT_CELLS, PIPELINE_DIRECT_SPEC=PIPELINE_DIRECT_SPEC,
                    BRAND_CELLS=BRAND_CELLS, CUSTOMER_CELLS=CUSTOMER_CELLS, DETAILING_CELLS=DETAILING_CELLS)
_TEMPLATE = _ENV.get_template("report.html.j2")  # compiled once per process


def render(report: Report) -> str:
    return _TEMPLATE.render(r=report)


def render_report(recipient: Dict[str, Any], data: RunData, *, run_date: str, cadence: str) -> str:
    return render(build_report(recipient, data, run_date=run_date, cadence=cadence))
