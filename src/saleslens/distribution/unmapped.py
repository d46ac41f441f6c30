"""Activity rows of a run's windows that reach no territory (mart_control__unmapped_activity):
targets, call plans, calls and event attendance whose territory the territory master does not list
on the as-of date. They count in no territory's KPIs (call averages still count a call, by
employee) until the master lists the territory, so every run's summary and ops message say how
many there are, per window and dataset, with the codes."""
from __future__ import annotations

from decimal import Decimal
from typing import Any, Dict, List, Sequence

Row = Dict[str, str]
MAX_CODES = 10  # territory codes named per window and dataset; the rest are counted


def activity_by_window(rows: Sequence[Row]) -> Dict[str, List[Dict[str, Any]]]:
    """{window_id: [{dataset, rows, territories, codes, [monthly_target_value]}]} from the mart's
    rows (Athena results are text), datasets in name order, codes by most rows first."""
    grouped: Dict[str, Dict[str, List[Row]]] = {}
    for r in rows:
        grouped.setdefault(r["window_id"], {}).setdefault(r["dataset"], []).append(r)
    out: Dict[str, List[Dict[str, Any]]] = {}
    for window, datasets in grouped.items():
        entries = []
        for dataset, items in sorted(datasets.items()):
            items = sorted(items, key=lambda r: (-int(r["row_count"]), r["territory_code"]))
            entry: Dict[str, Any] = {
                "dataset": dataset,
                "rows": sum(int(r["row_count"]) for r in items),
                "territories": len(items),
                "codes": [r["territory_code"] for r in items[:MAX_CODES]],
            }
            values = [Decimal(r["monthly_target_value"]) for r in items if r.get("monthly_target_value")]
            if values:
                entry["monthly_target_value"] = f"{sum(values, Decimal(0)):.2f}"
            entries.append(entry)
        out[window] = entries
    return out


def describe(entry: Dict[str, Any]) -> str:
    """One line, e.g. "targets: 3 rows in 2 unknown territories (T9, T8), monthly target 700.00"."""
    codes = ", ".join(entry["codes"]) + (", ..." if entry["territories"] > len(entry["codes"]) else "")
    rows = f"{entry['rows']} row" + ("" if entry["rows"] == 1 else "s")
    places = f"{entry['territories']} unknown territor" + ("y" if entry["territories"] == 1 else "ies")
    line = f"{entry['dataset']}: {rows} in {places} ({codes})"
    if "monthly_target_value" in entry:
        line += f", monthly target {entry['monthly_target_value']}"
    return line
