"""Render a recipient's primary-sales report (Jinja2, autoescaped, no external assets)."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Dict, List, Sequence

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

_ENV = Environment(
    loader=PackageLoader("saleslens", "templates"),
    autoescape=select_autoescape(["html", "j2"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def format_inr(value: Any) -> str:
    """12345678.5 -> '1,23,45,678.50' (Indian digit grouping, two decimals)."""
    q = Decimal(str(value or 0)).quantize(Decimal("0.01"))
    sign = "-" if q < 0 else ""
    whole, frac = f"{abs(q):.2f}".split(".")
    if len(whole) > 3:
        head, tail = whole[:-3], whole[-3:]
        groups = []
        while len(head) > 2:
            groups.insert(0, head[-2:])
            head = head[:-2]
        if head:
            groups.insert(0, head)
        whole = ",".join(groups + [tail])
    return f"{sign}{whole}.{frac}"


_ENV.filters["inr"] = format_inr


@dataclass(frozen=True)
class TerritoryLine:
    territory_code: str
    territory_name: str
    net_value: Decimal
    gross_value: Decimal
    billed_units: int
    free_units: int
    invoice_lines: int


def territory_lines(rows: Sequence[Dict[str, Any]]) -> List[TerritoryLine]:
    lines = [
        TerritoryLine(
            territory_code=str(r["territory_code"]),
            territory_name=str(r["territory_name"]),
            net_value=Decimal(str(r["net_value"])),
            gross_value=Decimal(str(r["gross_value"])),
            billed_units=int(r["billed_units"]),
            free_units=int(r["free_units"]),
            invoice_lines=int(r["invoice_lines"]),
        )
        for r in rows
    ]
    return sorted(lines, key=lambda t: (-t.net_value, t.territory_code))


def render_primary_sales(recipient: Dict[str, Any], rows: Sequence[Dict[str, Any]], *, run_date: str, cadence: str) -> str:
    lines = territory_lines(rows)
    total = sum((t.net_value for t in lines), Decimal("0"))
    top = max((t.net_value for t in lines), default=Decimal("0"))
    return _ENV.get_template("primary_sales.html.j2").render(
        recipient=recipient,
        run_date=run_date,
        cadence=cadence,
        lines=lines,
        total_net=total,
        total_billed=sum(t.billed_units for t in lines),
        total_free=sum(t.free_units for t in lines),
        total_lines=sum(t.invoice_lines for t in lines),
        bar=lambda v: 0 if top <= 0 else int(Decimal(100) * v / top),
    )
