"""The headline of a report: the three things that most need the reader's attention.

Plain rules over the report's own figures and insights (docs/report.md), each one sentence with its
numbers. A point with an amount at stake in rupees (behind a target, a change on last year, sales in
vacant territories, a spike, trough or stuffing episode, a stockist at risk, a stockist that costs
more than it leaves) ranks by that amount, largest first; points without one (class A calls,
training) follow in the rules' order; the first three are shown. The sales rules read the focus
window (month to date on daily and fortnightly reports, the closed month on monthly ones).
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Callable, List, Optional, Sequence, Tuple

from saleslens.reports.model import Report, Row, Window
from saleslens.reports.numbers import figure_pct, format_int, number, rupees

MAX_POINTS = 3
ZERO = Decimal("0")


@dataclass(frozen=True)
class Point:
    rule: str  # which rule found it (docs/report.md)
    text: str  # one sentence with its numbers; plain text (the template escapes it)
    impact: Optional[Decimal] = None  # the rupees at stake that rank it; None: ranked after those with one


def isolated(text: str) -> str:
    """Source text set apart inside a sentence (first-strong isolate ... pop directional isolate):
    a right-to-left mark or override in a name cannot reorder the numbers after it."""
    return f"\u2068{text}\u2069"


def _name(row: Row) -> str:
    return isolated(f"{row.get('position_name') or row.get('position_id', '')} ({row.get('role', '')} {row.get('position_id', '')})")


def _when(w: Window) -> str:
    return "month to date" if w.window_id == "mtd" else f"in the {w.label.lower()} {w.span}"


def behind_pace(r: Report, w: Window) -> Optional[Point]:
    """The territory furthest behind its target: the direct report (not vacant, with a target)
    whose net falls furthest short of its target for the window in rupees; for an SR, its own
    territory. On month to date the target is the month's pace to date and the sentence gives the
    required run-rate; nothing when none is behind."""
    if r.is_manager:
        candidates: List[Tuple[Row, Row]] = [
            (d.primary[w.window_id], d.targets[w.window_id]) for d in r.direct_reports
            if w.window_id in d.targets and w.window_id in d.primary and not d.vacant(w.window_id)]
    else:
        own = r.targets.get(w.window_id)
        candidates = [(r.primary.get(w.window_id) or own, own)] if own else []
    worst: Optional[Tuple[Decimal, Row, Row]] = None
    for p, t in candidates:
        target, net = number(t.get("target_value")), number(t.get("net_value")) or ZERO
        if target is None or target <= 0 or net >= target:
            continue
        if worst is None or target - net > worst[0]:
            worst = (target - net, p, t)
    if worst is None:
        return None
    short, p, t = worst
    who = _name(p) if r.is_manager else f"Your territory {_name(p)}"
    if w.window_id == "mtd":
        text = (f"{who} is {rupees(short)} behind its target's pace month to date "
                f"({figure_pct(t.get('achievement_value_pct'))} of {rupees(t.get('target_value'))})")
        rate, days = number(t.get("required_run_rate_value")), number(t.get("working_days_left"))
        if rate is not None and days:
            text += (f"; it needs {rupees(rate)} a working day over the {format_int(days)} working days left "
                     f"to make the month's {rupees(t.get('month_target_value'))}")
        return Point("behind_pace", text + ".", short)
    return Point("behind_pace", f"{who} reached {figure_pct(t.get('achievement_value_pct'))} of its target "
                                f"{_when(w)}: {rupees(short)} short of {rupees(t.get('target_value'))}.", short)


def change_vs_last_year(r: Report, w: Window) -> Optional[Point]:
    """The change of the reader's net primary against the same dates last year, and its top
    contributor: the direct report (for a manager) or brand (for an SR) whose own change has
    the same sign and is the largest. Nothing without last-year sales or without a change."""
    own = r.primary.get(w.window_id)
    if not own:
        return None
    net, ly = number(own.get("net_value")) or ZERO, number(own.get("net_value_ly"))
    if ly is None or ly <= 0 or net == ly:
        return None
    change = net - ly
    word = "up" if change > 0 else "down"
    growth = f" ({figure_pct(own['growth_pct'])})" if number(own.get("growth_pct")) is not None else ""
    text = f"Net primary {_when(w)} is {rupees(net)}, {word} {rupees(abs(change))}{growth} on the same dates last year"
    parts: Sequence[Tuple[str, Row]]
    if r.is_manager:
        parts = [(_name(d.primary[w.window_id]), d.primary[w.window_id]) for d in r.direct_reports if w.window_id in d.primary]
    else:
        parts = [(isolated(str(b.get("brand_name") or b.get("brand_code", ""))), b) for b in r.brands.get(w.window_id, [])]
    top: Optional[Tuple[Decimal, str]] = None
    for label, row in parts:
        delta = (number(row.get("net_value")) or ZERO) - (number(row.get("net_value_ly")) or ZERO)
        if delta * change > 0 and (top is None or abs(delta) > abs(top[0])):
            top = (delta, label)
    if top is not None:
        sign = "+" if top[0] > 0 else "-"
        text += f"; the largest {'rise' if change > 0 else 'fall'} is {top[1]} ({sign}{rupees(abs(top[0]))})"
    return Point("change_vs_last_year", text + ".", abs(change))


def vacant_sales(r: Report, w: Window) -> Optional[Point]:
    """SR territories below the reader vacant on the report date, and what vacant territories
    sold in the window while nobody held them."""
    v = r.vacancy.get(w.window_id)
    if not v:
        return None
    vacant, sold = number(v.get("vacant_sr_positions")) or ZERO, number(v.get("net_value_vacant")) or ZERO
    if vacant <= 0:
        return None
    n = format_int(vacant)
    text = (f"{n} SR {'territory is' if vacant == 1 else 'territories are'} vacant on {r.run_date} "
            f"(of {format_int(v.get('sr_positions'))})")
    if sold > 0:
        text += f"; vacant territories sold {rupees(sold)} {_when(w)} with nobody holding them"
    return Point("vacant_sales", text + ".", sold if sold > 0 else None)


def class_a_missed(r: Report, w: Window) -> Optional[Point]:
    """Class A doctors short of their planned calls (frequency compliance of class A below 100%),
    with the call list's doctors not called at all. Nothing where the window has no plan figures."""
    e = r.effort.get(w.window_id)
    if not e:
        return None
    a = number(e.get("frequency_compliance_a_pct"))
    if a is None or a >= 100:
        return None
    text = f"Only {figure_pct(a)} of class A doctors had all of the month's planned calls {_when(w)}"
    missed = number(e.get("missed_doctors"))
    if missed:
        text += (f"; {format_int(missed)} of the {format_int(e.get('mcl_doctors'))} doctors on the call list "
                 f"had no call at all")
    return Point("class_a_missed", text + ".")


def training_overdue(r: Report, w: Window) -> Optional[Point]:
    """Training assignments past due and not completed (the last 12 months')."""
    t = r.training
    overdue = number(t.get("overdue")) if t else None
    if not t or not overdue:
        return None
    whose = "your team's" if r.is_manager else "your"
    return Point("training_overdue", f"{format_int(overdue)} of {whose} training assignments are overdue; "
                                     f"completion is {figure_pct(t.get('completion_pct'))} "
                                     f"({format_int(t.get('completed'))} of {format_int(t.get('assigned'))}).")


def largest_finding(r: Report, w: Window) -> Optional[Point]:
    """The spike, trough or stuffing episode of the reader's area that moved the most rupees from
    its baseline (section 8): its sentence, without the contributors' list."""
    if not r.findings:
        return None
    f = r.findings[0]
    text = str(f.get("finding_text") or "").split(" Top contributors:")[0]
    return Point("largest_finding", f"{str(f.get('kind', '')).capitalize()}: {text}", number(f.get("impact_value")))


def stockist_at_risk(r: Report, w: Window) -> Optional[Point]:
    """The stockist x brand at risk of churning (section 9) with the most net primary at stake: the
    larger of its trailing window's and the same dates last year's."""
    best: Optional[Tuple[Decimal, Row]] = None
    for c in r.churn:
        stake = max(number(c.get("ly_net_value")) or ZERO, number(c.get("trailing_net_value")) or ZERO)
        if best is None or stake > best[0]:
            best = (stake, c)
    if best is None:
        return None
    stake, c = best
    who = isolated(f"{c.get('stockist_name') or c.get('stockist_code')} ({c.get('stockist_code')})")
    return Point("stockist_at_risk", f"Stockist {who} may stop buying brand {isolated(str(c.get('brand_code')))} "
                                     f"({rupees(stake)} at stake): {c.get('factors')}.", stake)


def loss_making_stockist(r: Report, w: Window) -> Optional[Point]:
    """The least profitable stockist (section 10) when it costs more to serve than it leaves."""
    if not r.profitability:
        return None
    p = r.profitability[0]
    contribution = number(p.get("contribution_value"))
    if contribution is None or contribution >= 0:
        return None
    return Point("loss_making_stockist", f"Serving stockist {isolated(str(p.get('stockist_code')))} cost "
                                         f"{rupees(-contribution)} more than it left from "
                                         f"{p.get('period_start')} to {p.get('period_end')}. {p.get('reasons')}",
                 -contribution)


RULES: Tuple[Callable[[Report, Window], Optional[Point]], ...] = (
    behind_pace, change_vs_last_year, vacant_sales, largest_finding, stockist_at_risk, loss_making_stockist,
    class_a_missed, training_overdue,
)


def headline(report: Report) -> List[Point]:
    """Three points: those with rupees at stake by that amount (largest first; a tie keeps the
    rules' order), then the others in the rules' order."""
    w = report.focus
    if w is None:
        return []
    found = [p for p in (rule(report, w) for rule in RULES) if p is not None]
    ranked = sorted((p for p in found if p.impact is not None), key=lambda p: -(p.impact or ZERO))
    return (ranked + [p for p in found if p.impact is None])[:MAX_POINTS]
