"""Render a recipient's report (Jinja2, autoescaped, no external assets).

Until the distribution issue gives reports their layout and charts, every figure of the marts is
a plain table cell labelled with its window; each cell carries data-kpi, data-window and
data-value (the mart's raw value) so the figures can be read back and checked.
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any, Dict, List

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from saleslens.reports.model import Report, RunData, build_report

_ENV = Environment(
    loader=PackageLoader("saleslens", "templates"),
    autoescape=select_autoescape(["html", "j2"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
NULL = "\u2013"  # an en dash where a figure does not exist (e.g. growth with no last year)


def format_inr(value: Any) -> str:
    """12345678.5 -> '1,23,45,678.50' (Indian digit grouping, two decimals)."""
    q = Decimal(str(value or 0)).quantize(Decimal("0.01"))
    sign = "-" if q < 0 else ""
    whole, frac = f"{abs(q):.2f}".split(".")
    if len(whole) > 3:
        head, tail = whole[:-3], whole[-3:]
        groups: List[str] = []
        while len(head) > 2:
            groups.insert(0, head[-2:])
            head = head[:-2]
        if head:
            groups.insert(0, head)
        whole = ",".join(groups + [tail])
    return f"{sign}{whole}.{frac}"


def _number(value: Any) -> "Decimal | None":
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def display(value: Any, kind: str) -> str:
    n = _number(value)
    if n is None:
        return NULL
    if kind == "inr":
        return format_inr(n)
    if kind == "pct":
        return f"{n:.1f}%"
    if kind == "int":
        return f"{int(n):,}"
    if kind == "dec1":
        return f"{n:.1f}"
    if kind == "dec2":
        return f"{n:.2f}"
    return str(value)


def cell(row: "Dict[str, Any] | None", kpi: str, window: str = "", kind: str = "inr") -> Markup:
    """A numeric table cell: the figure formatted, with its KPI, window and raw value as data."""
    raw = "" if row is None else (row.get(kpi) or "")
    attrs = f' data-kpi="{escape(kpi)}" data-value="{escape(raw)}"'
    if window:
        attrs += f' data-window="{escape(window)}"'
    return Markup(f'<td class="num"{attrs}>{escape(display(raw, kind))}</td>')


_ENV.filters["inr"] = format_inr
_ENV.globals["cell"] = cell
_ENV.globals["display"] = display


def render(report: Report) -> str:
    return _ENV.get_template("report.html.j2").render(r=report)


def render_report(recipient: Dict[str, Any], data: RunData, *, run_date: str, cadence: str) -> str:
    return render(build_report(recipient, data, run_date=run_date, cadence=cadence))
