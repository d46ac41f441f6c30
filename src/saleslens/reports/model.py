"""What one recipient's report shows, picked from the run's mart results.

The marts hold every position's rows; a report takes the recipient's own rows, its direct
reports' (rows whose parent is the recipient) and one level further down (drill-down), and the
person's own attainment. Every figure keeps the window it belongs to.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple

from saleslens.config import ROLE_LEVELS, ProfitabilityParams, ScorecardConfig

Row = Dict[str, str]
# Roles that see a customer (stockist) cut (seed 000: SR, ASM, RSM, ZSM).
CUSTOMER_CUT_ROLES = ("SR", "ASM", "RSM", "ZSM")
MAX_LISTED = 50  # rows of a long list (customers, brands, unmapped codes) a report lists; the rest are counted
# Roles whose report carries the executive scorecard (seed 004).
SCORECARD_ROLES = ("CMO", "BUH", "NH")


class RunData:
    """The run's mart results, indexed by position (and by parent where a mart has one).

    ``freshness`` is not a mart: one row per source dataset saying which file of it landed last
    (``saleslens.reports.freshness``), computed once per run; empty when the run has none.
    ``scorecard`` (config ``scorecard``) and ``least_profitable`` (config
    ``insights.profitability.least_profitable``) say what sections 10 and 11 show.
    """

    def __init__(self, tables: Dict[str, Sequence[Row]], freshness: Optional[Sequence[Row]] = None,
                 scorecard: Optional[ScorecardConfig] = None,
                 least_profitable: int = ProfitabilityParams().least_profitable) -> None:
        self.tables = {k: list(v) for k, v in tables.items()}
        self.freshness: List[Row] = list(freshness or [])
        self.scorecard = scorecard
        self.least_profitable = least_profitable
        self._by_position: Dict[str, Dict[str, List[Row]]] = {}
        self._by_parent: Dict[str, Dict[str, List[Row]]] = {}
        self._by_employee: Dict[str, Dict[str, List[Row]]] = {}
        for mart, rows in self.tables.items():
            pos: Dict[str, List[Row]] = {}
            par: Dict[str, List[Row]] = {}
            emp: Dict[str, List[Row]] = {}
            for r in rows:
                if r.get("position_id"):
                    pos.setdefault(r["position_id"], []).append(r)
                if r.get("parent_position_id"):
                    par.setdefault(r["parent_position_id"], []).append(r)
                if r.get("employee_id"):
                    emp.setdefault(r["employee_id"], []).append(r)
            self._by_position[mart], self._by_parent[mart], self._by_employee[mart] = pos, par, emp

    def own(self, mart: str, position_id: str) -> List[Row]:
        return self._by_position.get(mart, {}).get(position_id, [])

    def children(self, mart: str, position_id: str) -> List[Row]:
        return self._by_parent.get(mart, {}).get(position_id, [])

    def of_employee(self, mart: str, employee_id: str) -> List[Row]:
        return self._by_employee.get(mart, {}).get(employee_id, [])

    def all(self, mart: str) -> List[Row]:
        return self.tables.get(mart, [])


@dataclass(frozen=True)
class Window:
    window_id: str
    order: int
    start: str
    end: str
    ly_start: str
    ly_end: str

    @property
    def label(self) -> str:
        names = {"day": "Day", "mtd": "Month to date", "fortnight": "Fortnight to date", "month": "Month",
                 "qtd": "Quarter to date", "ytd": "Year to date (April-March)"}
        return names.get(self.window_id, self.window_id)

    @property
    def span(self) -> str:
        return self.start if self.start == self.end else f"{self.start} to {self.end}"


@dataclass
class DirectReport:
    primary: Dict[str, Row]  # window -> row of mart "primary"
    targets: Dict[str, Row]
    drill: List[Dict[str, Row]] = field(default_factory=list)  # its own direct reports' primary rows by window
    drill_targets: List[Dict[str, Row]] = field(default_factory=list)  # and their target rows, same order
    pipeline: Dict[str, Row] = field(default_factory=dict)  # window -> row of mart "pipeline"

    @property
    def position_id(self) -> str:
        return next(iter(self.primary.values()))["position_id"] if self.primary else ""

    def vacant(self, window_id: str) -> bool:
        t = self.targets.get(window_id)
        return t is not None and t.get("is_vacant") == "true"


@dataclass
class Report:
    recipient: Dict[str, str]
    run_date: str
    cadence: str
    windows: List[Window]
    primary: Dict[str, Row]
    targets: Dict[str, Row]
    effort: Dict[str, Row]
    vacancy: Dict[str, Row]
    attainment: Dict[str, Row]
    brands: Dict[str, List[Row]]
    customers: Dict[str, List[Row]]
    customers_unlisted: Dict[str, int]
    detailing: Dict[str, List[Row]]
    direct_reports: List[DirectReport]
    secondary: Optional[Row]
    secondary_stockists: List[Row]
    training: Optional[Row]
    unmapped: Dict[str, List[Row]]
    # The target rows of every SR position of a manager's subtree in the focus window (the
    # achievement distribution); empty for an SR.
    team_srs: List[Row] = field(default_factory=list)
    freshness: List[Row] = field(default_factory=list)  # RunData.freshness, as the run had it
    # window -> the position's row of mart "pipeline" (institutional deals of its subtree)
    pipeline: Dict[str, Row] = field(default_factory=dict)
    # The position's open deals (mart "open_deals": its own, or its subtree's), largest first, at
    # most MAX_LISTED; open_deals_unlisted counts the rest.
    open_deals: List[Row] = field(default_factory=list)
    open_deals_unlisted: int = 0
    # The position's rows of mart "forecast", 30/60/90 days in order (empty: no forecast yet).
    forecast: List[Row] = field(default_factory=list)
    # Insights of the position's subtree (marts "findings", "churn", "profitability"): findings by
    # impact, largest first; stockists at risk; the least profitable stockists, least first.
    findings: List[Row] = field(default_factory=list)
    findings_unlisted: int = 0
    churn: List[Row] = field(default_factory=list)
    churn_unlisted: int = 0
    profitability: List[Row] = field(default_factory=list)
    profitability_stockists: int = 0  # how many stockists the position's ranking holds
    # The scorecard (CMO, BUH, NH): one row per measure with theme, objective, actions, value,
    # target, direction and status (saleslens.insights.scorecard); empty for other roles.
    scorecard: List[Dict[str, Any]] = field(default_factory=list)

    @property
    def focus(self) -> Optional[Window]:
        """The window the headline and charts speak of: month to date where the cadence has it
        (the one with a required run-rate), else the closed month, else the first window."""
        for wanted in ("mtd", "month"):
            for w in self.windows:
                if w.window_id == wanted:
                    return w
        return self.windows[0] if self.windows else None

    @property
    def scored_forecasts(self) -> List[Row]:
        """The forecast rows that carry the last scored forecast of their horizon (mart columns scored_*)."""
        return [r for r in self.forecast if r.get("scored_origin")]

    @property
    def role(self) -> str:
        return self.recipient["role"]

    @property
    def is_manager(self) -> bool:
        return self.role != ROLE_LEVELS[0]


# The pipeline mart's counts and amounts that say a position had institutional business in a
# window: a deal won or lost in it, a deal open on the as-of date, or an institutional target.
PIPELINE_BUSINESS = ("won_count", "lost_count", "open_count", "target_value")


def has_pipeline(row: Optional[Row]) -> bool:
    """Whether a pipeline row holds any institutional business (the mart has a row of zeros for
    every position of the tree, deals or not)."""
    if not row:
        return False
    for k in PIPELINE_BUSINESS:
        try:
            if float(row.get(k) or 0) != 0:
                return True
        except ValueError:
            continue
    return False


def _by_window(rows: Sequence[Row]) -> Dict[str, Row]:
    return {r["window_id"]: r for r in rows}


def _merged_by_window(*marts: Sequence[Row]) -> Dict[str, Row]:
    """One row per window from marts of the same grain (position x window), columns side by side."""
    out: Dict[str, Row] = {}
    for rows in marts:
        for r in rows:
            out.setdefault(r["window_id"], {}).update(r)
    return out


def _grouped(rows: Sequence[Row], key: str = "net_value") -> Dict[str, List[Row]]:
    out: Dict[str, List[Row]] = {}
    for r in rows:
        out.setdefault(r["window_id"], []).append(r)
    for w in out:
        out[w].sort(key=lambda r: -float(r.get(key) or 0))
    return out


def build_report(recipient: Dict[str, Any], data: RunData, *, run_date: str, cadence: str) -> Report:
    pid, eid, role = recipient["position_id"], recipient["employee_id"], recipient["role"]
    primary_rows = data.own("primary", pid)
    windows = sorted(
        {Window(r["window_id"], int(r["window_order"]), r["start_date"], r["end_date"], r["ly_start_date"],
                r["ly_end_date"]) for r in primary_rows},
        key=lambda w: w.order,
    )
    children = sorted(data.children("primary", pid), key=lambda r: r["position_id"])
    child_ids = sorted({r["position_id"] for r in children})
    target_children = data.children("targets", pid)
    pipeline_children = data.children("pipeline", pid)
    direct = []
    for cid in child_ids:
        grand = sorted({r["position_id"] for r in data.children("primary", cid)})
        grand_targets = data.children("targets", cid)
        direct.append(DirectReport(
            primary=_by_window([r for r in children if r["position_id"] == cid]),
            targets=_by_window([r for r in target_children if r["position_id"] == cid]),
            drill=[_by_window([r for r in data.children("primary", cid) if r["position_id"] == g]) for g in grand],
            drill_targets=[_by_window([r for r in grand_targets if r["position_id"] == g]) for g in grand],
            pipeline=_by_window([r for r in pipeline_children if r["position_id"] == cid]),
        ))
    customers: Dict[str, List[Row]] = {}
    unlisted: Dict[str, int] = {}
    if role in CUSTOMER_CUT_ROLES:
        for w, rows in _grouped(data.own("stockists", pid)).items():
            customers[w], unlisted[w] = rows[:MAX_LISTED], max(len(rows) - MAX_LISTED, 0)
    is_top = not recipient.get("parent_position_id")
    secondary = data.own("secondary", pid)
    training = data.own("training", pid)
    deals, deals_unlisted = open_deals(data, pid)
    return Report(
        recipient=dict(recipient),
        run_date=run_date,
        cadence=cadence,
        windows=windows,
        primary=_by_window(primary_rows),
        targets=_by_window(data.own("targets", pid)),
        effort=_merged_by_window(data.own("activity", pid), data.own("coverage", pid)),
        vacancy=_by_window(data.own("vacancy", pid)),
        attainment=_by_window(data.of_employee("attainment", eid)) if role == ROLE_LEVELS[0] else {},
        brands=_grouped(data.own("brands", pid)),
        customers=customers,
        customers_unlisted=unlisted,
        detailing=_grouped(data.own("detailing", pid), key="detailed_calls"),
        direct_reports=direct,
        secondary=secondary[0] if secondary else None,
        secondary_stockists=sorted(data.own("secondary_stockists", pid),
                                   key=lambda r: (r.get("statement_received") != "true", r["stockist_code"]))
        if role in CUSTOMER_CUT_ROLES else [],
        training=training[0] if training else None,
        unmapped=_grouped([r for r in data.all("unmapped") if r.get("period") == "TY"]) if is_top else {},
        team_srs=_team_srs(data, pid, _focus_id(windows)) if role != ROLE_LEVELS[0] else [],
        freshness=data.freshness,  # the run's one list, shared by its reports (render.source_lines)
        pipeline=_by_window(data.own("pipeline", pid)),
        open_deals=deals,
        open_deals_unlisted=deals_unlisted,
        forecast=sorted(data.own("forecast", pid), key=lambda r: int(r["horizon_days"])),
        **_insights(data, pid),
        scorecard=scorecard_rows(data, pid, _focus_id(windows)) if role in SCORECARD_ROLES else [],
    )


def open_deals(data: RunData, position_id: str) -> Tuple[List[Row], int]:
    """The position's open deals by rank (the mart returns ranks 1-MAX_LISTED) and how many more it has."""
    rows = sorted(data.own("open_deals", position_id), key=lambda r: int(r["deal_rank"]))[:MAX_LISTED]
    total = int(rows[0]["open_deal_count"]) if rows else 0
    return rows, max(total - len(rows), 0)


def _num(row: Row, key: str) -> float:
    try:
        return float(row.get(key) or 0)
    except ValueError:
        return 0.0


def _insights(data: RunData, position_id: str) -> Dict[str, Any]:
    findings = sorted(data.own("findings", position_id), key=lambda r: (-_num(r, "impact_value"), r.get("kind", ""),
                                                                       r.get("territory_code", ""), r.get("stockist_code", "")))
    churn = sorted(data.own("churn", position_id),
                   key=lambda r: (-_num(r, "ly_net_value"), r.get("stockist_code", ""), r.get("brand_code", "")))
    profit = sorted(data.own("profitability", position_id), key=lambda r: _num(r, "position_rank"))
    return {"findings": findings[:MAX_LISTED], "findings_unlisted": max(len(findings) - MAX_LISTED, 0),
            "churn": churn[:MAX_LISTED], "churn_unlisted": max(len(churn) - MAX_LISTED, 0),
            "profitability": profit[:min(data.least_profitable, MAX_LISTED)], "profitability_stockists": len(profit)}


def scorecard_rows(data: RunData, position_id: str, window_id: str) -> List[Dict[str, Any]]:
    """The scorecard of a position: each measure's value from its mart's row of the position (the
    focus window's, where the mart has windows), its target and status."""
    if data.scorecard is None:
        return []
    import pandas as pd

    from saleslens.distribution.marts import INSIGHT_MARTS, MARTS
    from saleslens.insights.scorecard import scorecard

    key_of = {m.view: m.key for m in MARTS + INSIGHT_MARTS}
    columns: Dict[str, List[str]] = {}
    for theme in data.scorecard.themes:
        for objective in theme.objectives:
            for m in objective.measures:
                columns.setdefault(m.mart, ["position_id"]).append(m.column)
    frames = {}
    for mart, cols in columns.items():
        rows = [r for r in data.own(key_of.get(mart, ""), position_id) if r.get("window_id") in (None, window_id)]
        frame = pd.DataFrame([{"position_id": position_id, **{c: r.get(c) for c in cols[1:]}} for r in rows[:1]],
                             columns=cols)
        # Every value is text in a mart result; an empty one is null (no data).
        frames[mart] = frame.replace({"": None})
    # The position is a key of the scorecard even where no mart has its row (every measure no-data).
    first = next(iter(columns), None)
    if first is not None and not len(frames[first]):
        frames[first] = pd.DataFrame({"position_id": [position_id], **{c: [None] for c in columns[first][1:]}})
    card = scorecard(data.scorecard, frames)
    return [dict(r) for r in card.to_dict("records")]


def _focus_id(windows: Sequence[Window]) -> str:
    ids = [w.window_id for w in windows]
    return next((w for w in ("mtd", "month") if w in ids), ids[0] if ids else "")


def _team_srs(data: RunData, position_id: str, window_id: str) -> List[Row]:
    """Target rows (of one window) of the SR positions below a position, by position id."""
    out: List[Row] = []
    stack = [position_id]
    while stack:
        for r in data.children("targets", stack.pop()):
            if r.get("window_id") != window_id:
                continue
            if r.get("role") == ROLE_LEVELS[0]:
                out.append(r)
            else:
                stack.append(r["position_id"])
    return sorted(out, key=lambda r: r["position_id"])
