"""One generator per dataset: a Day (world, date, opening?) -> Arrow table of text columns in
contract order, or None when the source sends nothing that day.

Masters are drawn from the world; daily datasets from random streams of their own, seeded by
(seed, dataset, day), so any day can be generated alone, in any order, or in parallel. What a
day's files hold only depends on the world and that day, except the opening load: on the first
day of a run the monthly plans (targets, call plans) and the open training assignments land too.
The position tree is sent whole with the opening load and again on every day it changes.
Column order and names come from the contract: a column the contract has and a generator does
not make fails loudly.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Callable, Dict, List, Optional, Tuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from saleslens.contracts import DATASETS
from saleslens.contracts.clm import REACTIONS
from saleslens.contracts.crm import SPECIALITIES
from saleslens.contracts.erp import AGE_BUCKETS
from saleslens.contracts.model import Dataset
from saleslens.generate import institutions as inst
from saleslens.generate import names, receivables
from saleslens.generate.calendar import (
    OFF_DAY_FACTOR,
    days_in_month,
    holiday_names,
    is_working_day,
    month_end,
    month_start,
    previous_month,
    primary_factor,
)
from saleslens.generate.scales import COUNTRIES
from saleslens.generate.world import (
    BILLED_SIGMA,
    CHEMISTS_PER_TERRITORY,
    GROWTH,
    PLANNED_CALLS,
    Row,
    World,
    billed_median,
    rng_for,
)

BILLED_MAX = 500
DISCOUNTED_SHARE = 0.4  # share of lines with a trade discount, 0.5%..10% of line value
DISCOUNT_RANGE = (0.005, 0.10)
ABSENT_SHARE = 0.08  # SR working days lost to leave, meetings, admin and travel
CHEMIST_CALLS_MEAN = 3.0
STOCKIST_CALL_SHARE = 0.3
JOINT_WORKING_SHARE = 0.55  # ASM field days spent with one of their SRs
# Managers above the ASM join an SR of their subtree (one the ASM is not with) on this share of days.
SENIOR_JOINT_SHARE = {"RSM": 0.30, "ZSM": 0.18}
# Share of a manager's working days in the field (joint working included), and how the other days
# split; SRs' days out of the field split their own way.
FIELD_SHARE = {"ASM": 0.65, "RSM": 0.45, "ZSM": 0.30}
OTHER_ACTIVITIES = ("LEAVE", "MEETING", "ADMIN", "TRAVEL")
SR_OTHER_MIX = (0.35, 0.25, 0.20, 0.20)
MANAGER_OTHER_MIX = (0.10, 0.40, 0.30, 0.20)
OFF_PLAN_SHARE = 0.08  # doctor calls on HCPs not on the MCL
# (share, earliest and latest extra days) of when an SR submits the day's calls; the rest the same
# evening, after the last call.
SUBMISSION_LAGS = ((0.14, 1, 1), (0.06, 2, 5))
UNSUBMITTED_SHARE = 0.02
SECOND_BRAND_SHARE = 0.25
REACTION_SHARE = 0.55
CREDIT_MIX = (("SALES_RETURN", "EXPIRY", 0.45), ("SALES_RETURN", "BREAKAGE", 0.15),
              ("CREDIT_NOTE", "RATE_DIFFERENCE", 0.25), ("CREDIT_NOTE", "SCHEME", 0.15))
EXPIRY_MEDIAN = 3  # units per expiry-return line
RATE_DIFFERENCE_UNITS = 12  # median units a rate-difference credit note is worked out on
NET_SHARE = 0.95  # what target setting expects of gross billing after discounts, returns and credit notes
STATEMENT_LAST_DAY = 25  # stockists upload last month's statement by the 25th
LMS_COMPLETION_SHARE = 0.85
LMS_MAX_LAG_DAYS = 45


@dataclass
class Day:
    """One day of one world; computations several datasets share (the calls) are made once."""

    world: World
    day: date
    opening: bool = False  # the first day of the run: the opening load lands too
    years: Optional[Tuple[int, int]] = None  # first and last year of the holiday calendar (default: the day's, +-1)
    receivables_daily: bool = False  # the ERP sends its receivables ageing every day, not only at month ends
    _cache: Dict[str, Any] = field(default_factory=dict)

    def cached(self, key: str, make: Callable[[], Any]) -> Any:
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]


# -- masters -------------------------------------------------------------------------------------
def hr_territories(day: Day) -> pa.Table:
    return _from_rows(DATASETS["hr_territories"], day.world.geo.versions)


def hr_employees(day: Day) -> pa.Table:
    return _from_rows(DATASETS["hr_employees"], day.world.employees(day.day))


def hr_positions(day: Day) -> Optional[pa.Table]:
    """The whole tree as of the day: with the opening load and on every day it changes."""
    if not (day.opening or day.world.tree_changes_on(day.day)):
        return None
    return _from_rows(DATASETS["hr_positions"], day.world.positions_as_of(day.day))


def hr_holidays(day: Day) -> pa.Table:
    """The company's holiday calendar: the default national holidays of IN, LK and NP."""
    first, last = day.years or (day.day.year - 1, day.day.year + 1)
    rows: List[Row] = [
        {"country": country, "holiday_date": d.isoformat(), "holiday_name": name}
        for country in COUNTRIES for year in range(first, last + 1)
        for d, name in holiday_names(country, year).items()
    ]
    return _from_rows(DATASETS["hr_holidays"], rows)


def hr_assignments(day: Day) -> pa.Table:
    return _from_rows(DATASETS["hr_assignments"], day.world.assignments(day.day))


def hr_position_divisions(day: Day) -> pa.Table:
    w = day.world
    o, scale = w.org, w.scale
    rows = []
    for i, pid in enumerate(o.ids):
        b, d = int(o.business_unit[i]), int(o.division[i])
        rows.append({
            "position_id": pid,
            "business_unit_code": f"BU{b + 1:02d}" if b >= 0 else None,
            "business_unit_name": scale.business_units[b] if b >= 0 else None,
            "division_code": f"DIV{d + 1:02d}" if d >= 0 else None,
        })
    return _from_rows(DATASETS["hr_position_divisions"], rows)


def erp_products(day: Day) -> pa.Table:
    w = day.world
    p, scale = w.products, w.scale
    divisions = p.division
    columns = {
        "sku": pa.array(p.codes),
        "product_name": pa.array(p.names),
        "brand_code": _pick(p.brand_codes, p.brand),
        "brand_name": _pick(p.brand_names, p.brand),
        "division_code": _pick([f"DIV{d + 1:02d}" for d in range(len(scale.divisions))], divisions),
        "division_name": _pick([d.name for d in scale.divisions], divisions),
        "business_unit_code": _pick([f"BU{d.business_unit + 1:02d}" for d in scale.divisions], divisions),
        "pack": pa.array(p.packs),
        "price_to_stockist": _money(p.price_paise),
        "mrp": _money(p.mrp_paise),
        "standard_cost": _money(p.cost_paise),
    }
    return _in_contract_order(DATASETS["erp_products"], columns)


def erp_customers(day: Day) -> pa.Table:
    return _from_rows(DATASETS["erp_customers"], day.world.stockists)


def crm_hcps(day: Day) -> pa.Table:
    w = day.world
    h = w.hcps
    territory = np.arange(len(h.ids)) // h.per_territory
    columns = {
        "hcp_id": pa.array(h.ids),
        "hcp_name": pa.array(h.names),
        "speciality": _pick(SPECIALITIES, h.speciality),
        "hcp_class": _pick(("A", "B", "C"), h.hcp_class),
        "is_key_hcp": _pick(("false", "true"), h.key.astype(np.int64)),
        "territory_code": _pick(w.geo.territory_codes, territory),
        "city": _pick(w.geo.territory_names, territory),
    }
    return _in_contract_order(DATASETS["crm_hcps"], columns)


def lms_courses(day: Day) -> pa.Table:
    rows = [
        {"course_id": c.course_id, "course_title": c.title, "category": c.category,
         "brand_code": c.brand_code, "is_mandatory": "true" if c.mandatory else "false",
         "pass_score": str(c.pass_score), "duration_minutes": str(c.minutes)}
        for c in _courses(day.world)
    ]
    return _from_rows(DATASETS["lms_courses"], rows)


# -- ERP facts -----------------------------------------------------------------------------------
# The device registry: about 70% of the people on the roster have registered a device, one in five
# of them a second (a phone beside the tablet); one device in ten is disabled.
DEVICE_SHARE, SECOND_DEVICE_SHARE, DISABLED_SHARE = 0.70, 0.20, 0.10


def _unit(*parts: object) -> float:
    """A number in [0, 1) fixed by its parts (the same person gets the same devices every run)."""
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2 ** 64


def _device_token(platform: str, *parts: object) -> str:
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()
    if platform == "APNS":
        return digest  # 64 hex characters, as Apple issues them
    return f"{digest[:22]}:APA91b{(digest * 3)[:134]}"  # FCM: <instance id>:<registration token>


def mdm_devices(day: Day) -> pa.Table:
    """The devices of the people on the roster on the day who have not left."""
    w, rows = day.world, []
    for person in w.employees(day.day):
        if person["date_of_leaving"]:
            continue
        emp = person["employee_id"]
        if _unit(w.seed, emp, "device") >= DEVICE_SHARE:
            continue
        count = 2 if _unit(w.seed, emp, "second") < SECOND_DEVICE_SHARE else 1
        joined = date.fromisoformat(str(person["date_of_joining"]))
        for n in range(count):
            platform = "APNS" if (n == 0) == (_unit(w.seed, emp, "platform") < 0.6) else "GCM"
            registered = max(joined, day.day - timedelta(days=int(_unit(w.seed, emp, n, "age") * 400)))
            updated = registered + timedelta(days=int(_unit(w.seed, emp, n, "update") * (day.day - registered).days))
            rows.append({"employee_id": emp, "platform": platform, "device_token": _device_token(platform, w.seed, emp, n),
                         "registered_date": registered.isoformat(), "updated_date": updated.isoformat(),
                         "enabled": "false" if _unit(w.seed, emp, n, "disabled") < DISABLED_SHARE else "true"})
    return _from_rows(DATASETS["mdm_devices"], rows)


def mdm_opening_registry(day: Day) -> Optional[pa.Table]:
    """The registry lands with the opening load, after the roster it refers to (a history's
    load sends it with the roster snapshot before the daily files: ``generate._history``)."""
    return mdm_devices(day) if day.opening else None


def _stockist_country(w: World) -> np.ndarray:
    """Index into COUNTRIES of each stockist's country."""
    key = ("stockist_country",)
    if key not in w._cache:
        w._cache[key] = np.array([COUNTRIES.index(s["country"]) for s in w.stockists], np.int64)
    return w._cache[key]


def _stockist_day_weight(w: World, d: date) -> np.ndarray:
    """Stockist purchase weights on `d`: a stockist whose country is off that day buys little."""
    factor = np.array([1.0 if is_working_day(c, d) else OFF_DAY_FACTOR for c in COUNTRIES])
    return w.stockist_weight * factor[_stockist_country(w)]


def _stocked_cumulative(w: World) -> np.ndarray:
    """Flattened per-stockist cumulative demand shares, offset by the stockist's row number, so one
    searchsorted draws a stocked SKU slot for many stockists at once."""
    key = ("stocked_cum",)
    if key not in w._cache:
        cum = np.cumsum(w.stocked_weight, axis=1)
        cum[:, -1] = 1.0
        w._cache[key] = (cum + np.arange(len(cum))[:, None]).ravel()
    return w._cache[key]


def _draw_stocked(w: World, rng: np.random.Generator, stockist: np.ndarray) -> np.ndarray:
    k = w.stocked.shape[1]
    flat = _stocked_cumulative(w)
    idx = np.searchsorted(flat, stockist + rng.random(len(stockist)), side="right")
    slot = np.clip(idx - stockist * k, 0, k - 1)
    return w.stocked[stockist, slot]


def _distinct_stocked(w: World, rng: np.random.Generator, buyer: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """[orders, max size] SKUs per order: distinct SKUs the buyer stocks, drawn by demand without
    replacement (Gumbel top-k); column j holds the order's (j+1)-th line."""
    width = int(sizes.max())
    out = np.empty((len(buyer), width), np.int64)
    logw = np.log(w.stocked_weight)
    for lo in range(0, len(buyer), 4096):  # bounded memory
        b = buyer[lo : lo + 4096]
        keys = logw[b] + rng.gumbel(size=(len(b), logw.shape[1]))
        top = np.argpartition(-keys, width - 1, axis=1)[:, :width] if width < logw.shape[1] else np.argsort(-keys, axis=1)
        order = np.argsort(-np.take_along_axis(keys, top, axis=1), axis=1)
        out[lo : lo + 4096] = w.stocked[b[:, None], np.take_along_axis(top, order, axis=1)]
    return out


def erp_primary_invoices(day: Day) -> pa.Table:
    """Invoice lines billed on the day: several lines per invoice, one stockist per invoice,
    distinct SKUs within an invoice, bigger stockists buying more often, month-end loading."""
    w, d = day.world, day.day
    scale, products = w.scale, w.products
    rng = rng_for(w.seed, "erp_primary_invoices", d)
    low, high = scale.invoice_lines_per_day
    weight = _stockist_day_weight(w, d)
    n = int(round(int(rng.integers(low, high, endpoint=True)) * primary_factor(d) * weight.sum() / w.stockist_weight.sum()))
    if n == 0:
        return _empty(DATASETS["erp_primary_invoices"])
    most = min(scale.max_lines_per_invoice, w.stocked.shape[1])
    sizes = np.clip(1 + rng.poisson(scale.lines_per_invoice_mean - 1, size=n), 1, most)
    ends = np.cumsum(sizes)
    invoices = int(np.searchsorted(ends, n)) + 1
    sizes = sizes[:invoices]
    sizes[-1] -= int(ends[invoices - 1]) - n  # the last invoice takes what is left
    if invoices >= 10 ** scale.invoice_seq_digits:
        raise ValueError(
            f"scale {scale.name}: {invoices} invoices on {d} do not fit {scale.invoice_seq_digits} sequence digits"
        )
    invoice = np.repeat(np.arange(invoices), sizes)
    line_no = np.arange(n) - np.repeat(np.cumsum(sizes) - sizes, sizes) + 1
    buyer = rng.choice(len(w.stockists), size=invoices, p=weight / weight.sum())
    stockist = buyer[invoice]
    sku = _distinct_stocked(w, rng, buyer, sizes)[invoice, line_no - 1]
    m = n

    # Units: log-normal around the pack's median (cheaper packs in bigger quantities) at the day's
    # level (growth since the anchor), times how well the stockist's territory sells the brand.
    level = billed_median(products.price_paise[sku]) * w.growth(d) * w.perf.of(w.stockist_territory[stockist], products.brand[sku])
    billed = np.clip(np.rint(rng.lognormal(np.log(level), BILLED_SIGMA)), 1, BILLED_MAX).astype(np.int64)
    ratio = products.scheme_ratio[sku]
    free = np.where(ratio > 0, billed // np.maximum(ratio, 1), 0)
    price = products.price_paise[sku]
    share = np.where(rng.random(m) < DISCOUNTED_SHARE, rng.uniform(*DISCOUNT_RANGE, size=m), 0.0)
    discount = np.floor(billed * price * share).astype(np.int64)

    sequence = pc.utf8_lpad(_text(invoice + 1), scale.invoice_seq_digits, "0")
    columns = {
        "invoice_no": pc.binary_join_element_wise("INV" + d.strftime(scale.invoice_date_format), sequence, ""),
        "line_no": _text(line_no),
        "invoice_date": _repeat(d.isoformat(), m),
        "stockist_code": _pick([s["stockist_code"] for s in w.stockists], stockist),
        "sku": _pick(products.codes, sku),
        "billed_qty": _text(billed),
        "free_qty": _text(free),
        "price_to_stockist": _money(price),
        "trade_discount": _money(discount),
    }
    return _in_contract_order(DATASETS["erp_primary_invoices"], columns)


def erp_credit_notes(day: Day) -> pa.Table:
    """Returns (expiry, breakage) and value-only credit notes booked on the day."""
    w, d = day.world, day.day
    rng = rng_for(w.seed, "erp_credit_notes", d)
    weight = _stockist_day_weight(w, d)
    docs = int(rng.poisson(w.scale.credit_documents_per_stockist_day * weight.sum() / w.stockist_weight.sum() * len(w.stockists)))
    if docs == 0:
        return _empty(DATASETS["erp_credit_notes"])
    kind = rng.choice(len(CREDIT_MIX), size=docs, p=[k[2] for k in CREDIT_MIX])
    sizes = np.where(kind < 2, rng.integers(1, 5, size=docs), rng.integers(1, 3, size=docs))
    doc = np.repeat(np.arange(docs), sizes)
    stockist = rng.choice(len(w.stockists), size=docs, p=weight / weight.sum())[doc]
    sku = _draw_stocked(w, rng, stockist)
    _, first = np.unique(doc * len(w.products.codes) + sku, return_index=True)
    keep = np.sort(first)
    doc, stockist, sku = doc[keep], stockist[keep], sku[keep]
    m = len(doc)
    starts = np.flatnonzero(np.r_[True, doc[1:] != doc[:-1]])
    line_no = np.arange(m) - np.repeat(starts, np.diff(np.r_[starts, m])) + 1
    k = kind[doc]
    price = w.products.price_paise[sku]
    qty = np.where(k == 0, np.clip(np.rint(rng.lognormal(np.log(EXPIRY_MEDIAN), 0.8, size=m)), 1, 500),
                   np.where(k == 1, rng.integers(1, 6, size=m), 0)).astype(np.int64)
    units = np.clip(np.rint(rng.lognormal(np.log(RATE_DIFFERENCE_UNITS), 0.7, size=m)), 1, 2000)
    value = np.where(k < 2, qty * price,
                     np.where(k == 2, units * price * rng.uniform(0.02, 0.08, size=m), price * rng.integers(2, 21, size=m)))
    value = np.maximum(np.rint(value), 1).astype(np.int64)
    sequence = pc.utf8_lpad(_text(doc + 1), 5, "0")
    columns = {
        "document_no": pc.binary_join_element_wise("CRN" + d.strftime("%y%m%d"), sequence, ""),
        "line_no": _text(line_no),
        "document_date": _repeat(d.isoformat(), m),
        "document_type": _pick([c[0] for c in CREDIT_MIX], k),
        "credit_reason": _pick([c[1] for c in CREDIT_MIX], k),
        "stockist_code": _pick([s["stockist_code"] for s in w.stockists], stockist),
        "sku": _pick(w.products.codes, sku),
        "return_qty": _text(qty),
        "credit_value": _money(value),
    }
    return _in_contract_order(DATASETS["erp_credit_notes"], columns)


def _month_factor(w: World, month: date) -> np.ndarray:
    """Ordinary-day equivalents of `month` per country (COUNTRIES): month-end loading, weekdays and
    season (primary_factor), weekly offs and holidays at OFF_DAY_FACTOR."""
    key = ("month_factor", month)
    if key not in w._cache:
        days = [month + timedelta(days=i) for i in range(days_in_month(month))]
        w._cache[key] = np.array([
            sum(primary_factor(d) * (1.0 if is_working_day(c, d) else OFF_DAY_FACTOR) for d in days) for c in COUNTRIES
        ])
    return w._cache[key]


def _month_units(w: World, month: date, naive: bool) -> np.ndarray:
    """Expected billed units per (stockist, stocked SKU slot) in `month`: `naive` is what target
    setting expects, last year's level without the performance factors; else what stockists buy."""
    level = w.growth(month + timedelta(days=14)) / (GROWTH if naive else 1.0)
    return w.demand(naive=naive) * (_month_factor(w, month)[_stockist_country(w)] * level)[:, None]


def erp_targets(day: Day) -> Optional[pa.Table]:
    """The month's targets, territory x brand for every brand of every division working the
    territory; land on the 1st (and with the opening load). Target setting expects last year's
    sales of the month (it knows neither the growth since nor how each territory performs), net
    of discounts, returns and credit notes, and asks 5-20% more."""
    if not (day.opening or day.day.day == 1):
        return None
    w = day.world
    month = month_start(day.day)
    rng = rng_for(w.seed, "erp_targets", month)
    p, o = w.products, w.org
    n_brands = len(p.brand_codes)
    expected = _month_units(w, month, naive=True)
    cell = (w.stockist_territory[:, None] * n_brands + p.brand[w.stocked]).ravel()
    units = np.bincount(cell, expected.ravel(), minlength=len(w.geo.territory_codes) * n_brands)
    value = np.bincount(cell, (expected * p.price_paise[w.stocked]).ravel(), minlength=len(units))
    srs = o.of_role("SR")
    first_brand = np.searchsorted(p.brand_division, np.arange(len(w.scale.divisions)))
    brand_count = np.bincount(p.brand_division, minlength=len(w.scale.divisions))
    count = brand_count[o.division[srs]]
    sr = np.repeat(srs, count)
    brand = first_brand[o.division[sr]] + (np.arange(len(sr)) - np.repeat(np.cumsum(count) - count, count))
    territory = o.territory[sr]
    uplift = rng.uniform(1.05, 1.20, size=len(sr))
    at = territory * n_brands + brand
    target_units = np.maximum(np.rint(units[at] * uplift), 5).astype(np.int64)
    target_value = np.maximum(np.rint(value[at] * NET_SHARE * uplift / 100), 1).astype(np.int64) * 100  # whole rupees
    columns = {
        "territory_code": _pick(w.geo.territory_codes, territory),
        "brand_code": _pick(p.brand_codes, brand),
        "target_month": _repeat(month.isoformat(), len(sr)),
        "target_value": _money(target_value),
        "target_units": _text(target_units),
    }
    return _in_contract_order(DATASETS["erp_targets"], columns)


# -- receivables -----------------------------------------------------------------------------------
def _monthly_net_billing(w: World, month: date) -> np.ndarray:
    """Each stockist's expected net billing in `month`, in paise (NET_SHARE of gross)."""
    return (_month_units(w, month, naive=False) * w.products.price_paise[w.stocked]).sum(axis=1) * NET_SHARE


def erp_receivables(day: Day) -> Optional[pa.Table]:
    """The receivables ageing taken at the end of a month, or every day with ``receivables_daily``
    (``generate.receivables``): one row per stockist and age bucket with anything open."""
    d = day.day
    if not (day.receivables_daily or d == month_end(d)):
        return None
    w = day.world
    owed = receivables.ageing(w, d, lambda month: _monthly_net_billing(w, month))
    stockist, bucket = np.nonzero(owed >= 100)  # under a rupee open: not listed
    columns = {
        "snapshot_date": _repeat(d.isoformat(), len(stockist)),
        "stockist_code": _pick([s["stockist_code"] for s in w.stockists], stockist),
        "age_bucket": _pick(AGE_BUCKETS, bucket),
        "outstanding_value": _money(owed[stockist, bucket]),
    }
    return _in_contract_order(DATASETS["erp_receivables"], columns)


# -- stockist statements ---------------------------------------------------------------------------
def _statement_day(w: World, month: date) -> np.ndarray:
    """Day of the following month each stockist uploads its statement for `month`."""
    rng = rng_for(w.seed, "stk_arrival", month)
    n = len(w.stockists)
    band = rng.choice(3, size=n, p=[0.8, 0.15, 0.05])
    early, late, last = rng.integers(2, 11, size=n), rng.integers(11, 19, size=n), rng.integers(19, STATEMENT_LAST_DAY + 1, size=n)
    return np.where(band == 0, early, np.where(band == 1, late, last))


def _month_stock(w: World, month: date) -> Tuple[np.ndarray, np.ndarray]:
    """(secondary sales aimed at, closing stock) per (stockist, stocked SKU) for `month`."""
    key = ("stk_month", month)
    if key not in w._cache:
        rng = rng_for(w.seed, "stk_month", month)
        base = _month_units(w, month, naive=False) * 0.95  # secondary runs a little behind primary
        secondary = np.rint(base * rng.lognormal(0.0, 0.25, size=base.shape))
        closing = np.rint(secondary * rng.uniform(0.5, 1.5, size=base.shape))  # 15 to 45 days of stock
        w._cache[key] = (secondary.astype(np.int64), closing.astype(np.int64))
    return w._cache[key]


def stk_statements(day: Day) -> Optional[pa.Table]:
    """Statements of last month uploaded on the day: the stock identity holds on every row."""
    w, d = day.world, day.day
    if d.day > STATEMENT_LAST_DAY:
        return None
    month = previous_month(month_start(d))
    arriving = np.flatnonzero(_statement_day(w, month) == d.day)
    if len(arriving) == 0:
        return None
    target, closing = _month_stock(w, month)
    _, opening = _month_stock(w, previous_month(month))
    rng = rng_for(w.seed, "stk_returns", month)
    returned = np.rint(opening * rng.uniform(0.0, 0.02, size=opening.shape)).astype(np.int64)
    received = np.maximum(target + closing - opening + returned, 0)
    secondary = opening + received - returned - closing
    s = arriving
    k = w.stocked.shape[1]
    rows = np.repeat(s, k)
    slot = np.tile(np.arange(k), len(s))
    columns = {
        "stockist_code": _pick([x["stockist_code"] for x in w.stockists], rows),
        "sku": _pick(w.products.codes, w.stocked[rows, slot]),
        "statement_month": _repeat(month.isoformat(), len(rows)),
        "opening_qty": _text(opening[rows, slot]),
        "received_qty": _text(received[rows, slot]),
        "returned_qty": _text(returned[rows, slot]),
        "closing_qty": _text(closing[rows, slot]),
        "secondary_qty": _text(secondary[rows, slot]),
        "submitted_on": _repeat(d.isoformat(), len(rows)),
    }
    return _in_contract_order(DATASETS["stk_statements"], columns)


# -- CRM -------------------------------------------------------------------------------------------
def crm_call_plans(day: Day) -> Optional[pa.Table]:
    """The month's master call lists of every SR position (vacant ones too: the plan belongs to the
    territory); land on the 1st and with the opening load."""
    if not (day.opening or day.day.day == 1):
        return None
    w = day.world
    month = month_start(day.day)
    srs, chosen = w.mcl(month)
    m = chosen.shape[1]
    sr = np.repeat(srs, m)
    hcp = chosen.ravel()
    cls = w.hcps.hcp_class[hcp]
    columns = {
        "plan_month": _repeat(month.isoformat(), len(sr)),
        "position_id": _pick(w.org.ids, sr),
        "territory_code": _pick(w.geo.territory_codes, w.org.territory[sr]),
        "hcp_id": _pick(w.hcps.ids, hcp),
        "hcp_class": _pick(("A", "B", "C"), cls),
        "planned_calls": _text(np.array([PLANNED_CALLS[c] for c in "ABC"])[cls]),
    }
    return _in_contract_order(DATASETS["crm_call_plans"], columns)


@dataclass
class Calls:
    rep: np.ndarray  # index into srs
    srs: np.ndarray  # SR positions
    employee: np.ndarray  # employee index per call
    territory: np.ndarray
    kind: np.ndarray  # 0 doctor, 1 chemist, 2 stockist
    hcp: np.ndarray  # -1 unless a doctor call
    minute: np.ndarray  # minutes after midnight the call started
    clm: np.ndarray  # bool
    joint: np.ndarray  # employee index of the joint-working manager, -1 if none
    submitted: np.ndarray  # minutes after the call day's midnight, -1 if not submitted
    field_reps: np.ndarray  # SR indexes (into srs) in the field that day
    joint_of_rep: np.ndarray  # per SR (index into srs): employee index of the manager with them, -1 if none


def _calls(day: Day) -> Calls:
    return day.cached("calls", lambda: _make_calls(day))


def _make_calls(day: Day) -> Calls:
    w, d = day.world, day.day
    o, scale = w.org, w.scale
    rng = rng_for(w.seed, "crm_call_reports", d)
    srs, chosen = w.mcl(d)
    holders = w.holders(d)
    emp = holders[srs]
    t = o.territory[srs]
    working = np.array([is_working_day(c, d) for c in w.geo.territory_country])[t]
    absent = rng.random(len(srs)) < ABSENT_SHARE
    field_rep = (emp >= 0) & working & ~absent
    n_doc = np.clip(rng.poisson(scale.doctor_calls_per_day, len(srs)), 4, 20) * field_rep
    n_chem = rng.poisson(CHEMIST_CALLS_MEAN, len(srs)) * field_rep
    n_stk = (rng.random(len(srs)) < STOCKIST_CALL_SHARE) * field_rep
    total = n_doc + n_chem + n_stk
    rep = np.repeat(np.arange(len(srs)), total)
    n = len(rep)
    slot = np.arange(n) - np.repeat(np.cumsum(total) - total, total)
    kind = np.where(slot < n_doc[rep], 0, np.where(slot < (n_doc + n_chem)[rep], 1, 2))

    # Doctors: from the rep's MCL, as often as the plan says (A 4x, B 2x, C 1x a month); a few off-plan.
    freq = np.array([PLANNED_CALLS[c] for c in "ABC"], float)[w.hcps.hcp_class[chosen]]
    cum = np.cumsum(freq, axis=1)
    cum = cum / cum[:, -1:]
    m = chosen.shape[1]
    flat = (cum + np.arange(len(srs))[:, None]).ravel()
    pick = np.clip(np.searchsorted(flat, rep + rng.random(n), side="right") - rep * m, 0, m - 1)
    hcp = chosen[rep, pick]
    h = w.hcps.per_territory
    off_plan = rng.random(n) < OFF_PLAN_SHARE
    hcp = np.where(off_plan, t[rep] * h + rng.integers(0, h, size=n), hcp)
    hcp = np.where(kind == 0, hcp, -1)

    # Times: from 09:30 (+ up to half an hour), 12-25 minutes apart, a break before evening clinics.
    gaps = rng.integers(12, 26, size=n)
    block = np.repeat(np.cumsum(total) - total, total)  # index of the rep's first call, per call
    gaps[block == np.arange(n)] = 0
    elapsed = np.cumsum(gaps)
    elapsed = elapsed - elapsed[block]
    minute = 570 + rng.integers(0, 31, size=len(srs))[rep] + elapsed + np.where(slot >= 6, 120, 0)

    clm_share = np.array([div.clm_share for div in scale.divisions])[o.division[srs]][rep]
    clm = (kind == 0) & (rng.random(n) < clm_share)

    # Joint working: an ASM in the field spends the day with one of their SRs in the field (the
    # tree as of the day says whose SRs they are).
    tree = w.parent_as_of(d)
    parent = tree[srs]
    key = np.where(field_rep, rng.random(len(srs)), -1.0)
    order = np.lexsort((key, parent))
    last_of_parent = np.r_[parent[order][1:] != parent[order][:-1], True]
    chosen_rep = order[last_of_parent]
    asm_holder = holders[parent[chosen_rep]]
    goes = field_rep[chosen_rep] & (asm_holder >= 0) & (rng.random(len(chosen_rep)) < JOINT_WORKING_SHARE)
    joint_of_rep = np.full(len(srs), -1, np.int64)
    joint_of_rep[chosen_rep[goes]] = asm_holder[goes]
    _senior_joint_working(w, d, srs, field_rep, joint_of_rep, tree)

    # The day's report is submitted once for all its calls: mostly the same evening.
    u = rng.random(len(srs))
    (next_day, _, _), (later, low, high) = SUBMISSION_LAGS
    lag_days = np.where(u < next_day, 1, np.where(u < next_day + later, rng.integers(low, high + 1, size=len(srs)), 0))
    last_call = np.zeros(len(srs), np.int64)
    np.maximum.at(last_call, rep, minute)
    same_day = np.minimum(last_call + rng.integers(15, 181, size=len(srs)), 24 * 60 - 1)
    submitted = np.where(lag_days == 0, same_day, lag_days * 1440 + rng.integers(8 * 60, 23 * 60, size=len(srs)))
    submitted[rng.random(len(srs)) < UNSUBMITTED_SHARE] = -1
    return Calls(rep=rep, srs=srs, employee=emp[rep], territory=t[rep], kind=kind, hcp=hcp, minute=minute,
                 clm=clm, joint=joint_of_rep[rep], submitted=submitted[rep], field_reps=np.flatnonzero(field_rep),
                 joint_of_rep=joint_of_rep)


def _senior_joint_working(w: World, d: date, srs: np.ndarray, field_rep: np.ndarray, joint_of_rep: np.ndarray,
                          tree: np.ndarray) -> None:
    """RSMs, then ZSMs, spend some days with an SR of their subtree whom no manager joins yet
    (sets joint_of_rep in place; a stream of its own, so the ASMs' draws stay as they were)."""
    rng = rng_for(w.seed, "crm_call_reports/senior_joint", d)
    holders = w.holders(d)
    manager = tree[srs]
    for role in ("RSM", "ZSM"):
        manager = tree[manager]
        free = field_rep & (joint_of_rep < 0)
        key = np.where(free, rng.random(len(srs)), -1.0)
        order = np.lexsort((key, manager))
        last_of_manager = np.r_[manager[order][1:] != manager[order][:-1], True]
        chosen = order[last_of_manager]
        holder = holders[manager[chosen]]
        goes = free[chosen] & (holder >= 0) & (rng.random(len(chosen)) < SENIOR_JOINT_SHARE[role])
        joint_of_rep[chosen[goes]] = holder[goes]


def _position_country(w: World) -> np.ndarray:
    key = ("position_country",)
    if key not in w._cache:
        w._cache[key] = np.array([COUNTRIES.index(c) for c in w.org.country], np.int64)
    return w._cache[key]


def crm_day_activities(day: Day) -> Optional[pa.Table]:
    """What each field employee (holder of an SR, ASM, RSM or ZSM position) did on a working day
    of their position's country. An SR is in the FIELD exactly when they call (same draw as the
    calls); a manager is in the FIELD, in that SR's territory, whenever they work jointly with an
    SR, and on some other days alone in a territory of their subtree (as of the day); the other
    days are LEAVE, MEETING, ADMIN or TRAVEL."""
    w, d = day.world, day.day
    o, c = w.org, _calls(day)
    rng = rng_for(w.seed, "crm_day_activities", d)
    role = np.asarray(o.role)
    pos = np.flatnonzero(np.isin(role, ("SR", "ASM", "RSM", "ZSM")))
    emp = w.holders(d)[pos]
    working = np.array([is_working_day(cc, d) for cc in COUNTRIES])[_position_country(w)[pos]]
    row_of = np.full(len(o.ids), -1, np.int64)
    row_of[pos] = np.arange(len(pos))
    field = np.zeros(len(pos), bool)
    territory = np.full(len(pos), -1, np.int64)
    # SRs: the field days of the calls.
    reps = c.field_reps
    field[row_of[c.srs[reps]]] = True
    territory[row_of[c.srs[reps]]] = o.territory[c.srs[reps]]
    # Managers working jointly: in the field, in the SR's territory.
    row_of_employee = {int(e): i for i, e in enumerate(emp) if e >= 0}
    for r in np.flatnonzero(c.joint_of_rep >= 0):
        i = row_of_employee[int(c.joint_of_rep[r])]
        field[i] = True
        territory[i] = o.territory[c.srs[r]]
    # Managers alone in the field: a territory of their subtree.
    tree = w.parent_as_of(d)
    solo_draw, pick_draw = rng.random(len(pos)), rng.random(len(pos))
    ancestor = c.srs
    for r in ("ASM", "RSM", "ZSM"):
        ancestor = tree[ancestor]  # each SR's manager of role r
        joint = JOINT_WORKING_SHARE if r == "ASM" else SENIOR_JOINT_SHARE[r]
        solo_share = max(0.0, (FIELD_SHARE[r] - joint) / (1.0 - joint))
        mine = np.flatnonzero((role[pos] == r) & ~field & (emp >= 0) & working & (solo_draw < solo_share))
        order = np.argsort(ancestor, kind="stable")
        first = np.searchsorted(ancestor[order], pos[mine], side="left")
        count = np.searchsorted(ancestor[order], pos[mine], side="right") - first
        has = count > 0
        sr = c.srs[order[first[has] + (pick_draw[mine[has]] * count[has]).astype(np.int64)]]
        field[mine[has]] = True
        territory[mine[has]] = o.territory[sr]
    # Everyone else at work that day: leave, meetings, admin or travel.
    is_sr = role[pos] == "SR"
    other = np.where(is_sr, rng.choice(4, size=len(pos), p=SR_OTHER_MIX), rng.choice(4, size=len(pos), p=MANAGER_OTHER_MIX))
    activity = np.where(field, 0, 1 + other)  # index into ACTIVITIES
    keep = np.flatnonzero((emp >= 0) & (working | field))
    if len(keep) == 0:
        return None
    keep = keep[np.argsort(emp[keep], kind="stable")]
    columns = {
        "employee_id": _pick(w.people.employee_ids, emp[keep]),
        "activity_date": _repeat(d.isoformat(), len(keep)),
        "activity": _pick(("FIELD",) + OTHER_ACTIVITIES, activity[keep]),
        "territory_code": _nullable(_pick(w.geo.territory_codes, np.maximum(territory[keep], 0)), field[keep]),
    }
    return _in_contract_order(DATASETS["crm_day_activities"], columns)


def _timestamps(d: date, minutes: np.ndarray, sep: str = "T", seconds: Optional[np.ndarray] = None) -> pa.Array:
    """Local timestamps 'YYYY-MM-DD<sep>HH:MM:SS' for minutes (and seconds) after midnight of `d`."""
    minutes = np.asarray(minutes, np.int64)
    secs = minutes * 60 + (0 if seconds is None else np.asarray(seconds, np.int64))
    base = np.datetime64(d.isoformat(), "s")
    stamps = pa.array(base + secs.astype("timedelta64[s]"), pa.timestamp("s"))
    text = pc.strftime(stamps, format=f"%Y-%m-%d{sep}%H:%M:%S")
    return text


def _call_ids(d: date, n: int) -> pa.Array:
    return pc.binary_join_element_wise("C" + d.strftime("%Y%m%d"), pc.utf8_lpad(_text(np.arange(1, n + 1)), 7, "0"), "")


def crm_call_reports(day: Day) -> Optional[pa.Table]:
    w, d = day.world, day.day
    c = _calls(day)
    n = len(c.rep)
    if n == 0:
        return None
    rng = rng_for(w.seed, "crm_call_reports/customers", d)
    t = c.territory
    chemist = t * CHEMISTS_PER_TERRITORY + rng.integers(0, CHEMISTS_PER_TERRITORY, size=n) + 1
    n_t, n_s = len(w.geo.territory_codes), len(w.stockists)
    per_territory = (n_s - t + n_t - 1) // n_t  # stockists t, t + T, t + 2T, ...
    stockist = t + (rng.random(n) * per_territory).astype(np.int64) * n_t
    submitted = _timestamps(d, np.maximum(c.submitted, 0))
    columns = {
        "call_id": _call_ids(d, n),
        "call_date": _repeat(d.isoformat(), n),
        "call_started_at": _timestamps(d, c.minute),
        "employee_id": _pick(w.people.employee_ids, c.employee),
        "territory_code": _pick(w.geo.territory_codes, t),
        "call_type": _pick(("DOCTOR", "CHEMIST", "STOCKIST"), c.kind),
        "hcp_id": _nullable(_pick(w.hcps.ids, np.maximum(c.hcp, 0)), c.kind == 0),
        "chemist_code": _nullable(pc.binary_join_element_wise("CHM", pc.utf8_lpad(_text(chemist), 7, "0"), ""), c.kind == 1),
        "stockist_code": _nullable(_pick([s["stockist_code"] for s in w.stockists], stockist), c.kind == 2),
        "clm_used": _pick(("false", "true"), c.clm.astype(np.int64)),
        "joint_employee_id": _nullable(_pick(w.people.employee_ids, np.maximum(c.joint, 0)), c.joint >= 0),
        "submitted_at": _nullable(submitted, c.submitted >= 0),
    }
    return _in_contract_order(DATASETS["crm_call_reports"], columns)


def clm_slide_views(day: Day) -> Optional[pa.Table]:
    """Slides shown in the day's e-detailing calls: one or two brands of the rep's division, the
    brand's presentation in order, longer on key-message slides, a reaction on about half."""
    w, d = day.world, day.day
    c = _calls(day)
    calls = np.flatnonzero(c.clm)
    if len(calls) == 0:
        return None
    rng = rng_for(w.seed, "clm_slide_views", d)
    p = w.products
    division = w.org.division[c.srs[c.rep[calls]]]
    brands = 1 + (rng.random(len(calls)) < SECOND_BRAND_SHARE)
    detail_call = np.repeat(calls, brands)
    detail_div = np.repeat(division, brands)
    # A brand of the division, by the Pareto brand mix.
    brand_weight = np.bincount(p.brand, p.weight, minlength=len(p.brand_codes))
    first = np.searchsorted(p.brand_division, np.arange(len(w.scale.divisions)))
    cum = np.zeros_like(brand_weight)
    for dv in range(len(w.scale.divisions)):
        own = p.brand_division == dv
        cw = np.cumsum(brand_weight[own])
        cum[own] = cw / cw[-1] + dv
    brand = np.clip(np.searchsorted(cum, detail_div + rng.random(len(detail_div)), side="right"), first[detail_div], None)
    brand = np.minimum(brand, len(p.brand_codes) - 1)
    # Drop a second brand that repeats the first.
    dup = np.r_[False, (detail_call[1:] == detail_call[:-1]) & (brand[1:] == brand[:-1])]
    detail_call, brand = detail_call[~dup], brand[~dup]
    deck = 6 + brand % 7  # slides in the brand's presentation
    shown = rng.integers(3, deck + 1)
    view_detail = np.repeat(np.arange(len(brand)), shown)
    slide = np.arange(len(view_detail)) - np.repeat(np.cumsum(shown) - shown, shown)
    call = detail_call[view_detail]
    v_brand = brand[view_detail]
    starts_call = np.r_[True, call[1:] != call[:-1]]
    idx = np.arange(len(call))
    call_first = np.maximum.accumulate(np.where(starts_call, idx, 0))
    seq = idx - call_first + 1
    key_slide = np.isin(slide, (1, 2, 4))
    seconds = np.clip(np.rint(rng.lognormal(np.log(14), 0.7, size=len(call)) * np.where(key_slide, 1.8, 1.0)), 1, 600).astype(np.int64)
    elapsed = np.cumsum(seconds) - seconds
    elapsed = elapsed - elapsed[call_first]
    start_seconds = c.minute[call] * 60 + 60 + elapsed  # a minute into the call
    message = (v_brand + slide) % len(names.KEY_MESSAGES)
    reacted = rng.random(len(call)) < REACTION_SHARE
    reaction = rng.choice(len(REACTIONS), size=len(call), p=[0.5, 0.4, 0.1])
    columns = {
        "call_id": pc.take(_call_ids(d, len(c.rep)), pa.array(call)),
        "view_seq": _text(seq),
        "employee_id": _pick(w.people.employee_ids, c.employee[call]),
        "presentation_id": pc.binary_join_element_wise("PRS", pc.utf8_lpad(_text(v_brand + 1), 5, "0"), ""),
        "brand_code": _pick(p.brand_codes, v_brand),
        "slide_id": pc.binary_join_element_wise("SLD", pc.utf8_lpad(_text(v_brand * 100 + slide + 1), 6, "0"), ""),
        "key_message": _nullable(_pick(names.KEY_MESSAGES, message), key_slide),
        "started_at": _timestamps(d, np.zeros(len(call), np.int64), seconds=start_seconds),
        "duration_seconds": _text(seconds),
        "reaction": _nullable(_pick(REACTIONS, reaction), reacted),
    }
    return _in_contract_order(DATASETS["clm_slide_views"], columns)


# -- events ----------------------------------------------------------------------------------------
EVENT_MIX = {"CME": (0.45, 8, 30), "ROUND_TABLE": (0.30, 5, 12), "WEBINAR": (0.15, 10, 40), "CONFERENCE": (0.10, 20, 60)}


def evt_attendance(day: Day) -> Optional[pa.Table]:
    """The day's events, organised by SRs in the field, each with HCPs of the organiser's territory;
    key and class-A HCPs are likelier to come."""
    w, d = day.world, day.day
    c = _calls(day)
    reps = c.field_reps
    if len(reps) == 0:
        return None
    rng = rng_for(w.seed, "evt_attendance", d)
    n = int(rng.poisson(w.scale.events_per_day * len(reps) / max(len(c.srs), 1)))
    if n == 0:
        return None
    p, hc = w.products, w.hcps
    organiser = c.srs[reps[rng.integers(0, len(reps), size=n)]]
    holders = w.holders(d)
    types = list(EVENT_MIX)
    kind = rng.choice(len(types), size=n, p=[EVENT_MIX[k][0] for k in types])
    rows: List[Row] = []
    h = hc.per_territory
    for e in range(n):
        pos = int(organiser[e])
        div = int(w.org.division[pos])
        own = np.flatnonzero(p.brand_division == div)
        bw = np.bincount(p.brand, p.weight, minlength=len(p.brand_codes))[own]
        brand = int(own[rng.choice(len(own), p=bw / bw.sum())])
        etype = types[int(kind[e])]
        _, low, high = EVENT_MIX[etype]
        size = min(int(rng.integers(low, high + 1)), h)
        t = int(w.org.territory[pos])
        pool = t * h + np.arange(h)
        weight = np.where(hc.key[pool], 4.0, 1.0) * np.array([2.0, 1.0, 0.7])[hc.hcp_class[pool]]
        attendees = np.sort(pool[np.argpartition(-(np.log(weight) + rng.gumbel(size=h)), size - 1)[:size]])
        topic = names.EVENT_TOPICS[int(rng.integers(len(names.EVENT_TOPICS)))]
        title = f"{names.EVENT_TYPE_LABELS[etype]} \u2013 {p.brand_names[brand]}: {topic}"
        for hcp in attendees:
            rows.append({
                "event_id": f"EVT{d:%y%m%d}{e + 1:04d}",
                "event_name": title,
                "event_type": etype,
                "event_date": d.isoformat(),
                "brand_code": p.brand_codes[brand],
                "territory_code": w.geo.territory_codes[t],
                "organiser_employee_id": w.people.employee_ids[int(holders[pos])],
                "hcp_id": hc.ids[int(hcp)],
            })
    return _from_rows(DATASETS["evt_attendance"], rows)


# -- institutional business (generate/institutions.py) ----------------------------------------------
def crm_accounts(day: Day) -> pa.Table:
    w = day.world
    a = inst.accounts(w)
    columns = {
        "account_id": pa.array(a.ids),
        "account_name": pa.array(a.names),
        "account_type": _pick(inst.ACCOUNT_TYPES, a.kind),
        "bed_count": _text(a.beds),
        "territory_code": _pick(w.geo.territory_codes, a.territory),
        "city": _pick(w.geo.territory_names, a.territory),
        "customer_since": _dates(a.since),
    }
    return _in_contract_order(DATASETS["crm_accounts"], columns)


def erp_institution_targets(day: Day) -> Optional[pa.Table]:
    """The month's institutional targets of every SR position's territory and division; land on
    the 1st (and with the opening load), like the sales targets."""
    if not (day.opening or day.day.day == 1):
        return None
    w = day.world
    month = month_start(day.day)
    srs, value = inst.month_target_paise(w, month)
    columns = {
        "territory_code": _pick(w.geo.territory_codes, w.org.territory[srs]),
        "division_code": _pick([f"DIV{d + 1:02d}" for d in range(len(w.scale.divisions))], w.org.division[srs]),
        "target_month": _repeat(month.isoformat(), len(srs)),
        "target_value": _money(value),
    }
    return _in_contract_order(DATASETS["erp_institution_targets"], columns)


def _event_employees(w: World, r: inst.Rows) -> np.ndarray:
    """Who recorded each event: the holder of the owner's position on the day, else the owner."""
    out = r.employee.copy()
    for d in np.unique(r.day):
        on = r.day == d
        holder = w.holders(date.fromordinal(int(d)))[r.position[on]]
        out[on] = np.where(holder >= 0, holder, out[on])
    return out


def _minute_stamps(days: np.ndarray, minutes: np.ndarray) -> pa.Array:
    secs = (np.asarray(days, np.int64) - date(1970, 1, 1).toordinal()) * 86_400 + np.asarray(minutes, np.int64) * 60
    return pc.strftime(pa.array(secs.astype("datetime64[s]"), pa.timestamp("s")), format="%Y-%m-%dT%H:%M:%S")


def _code(prefix: str, numbers: np.ndarray, digits: int) -> pa.Array:
    return pc.binary_join_element_wise(prefix, pc.utf8_lpad(_text(numbers), digits, "0"), "")


def _opportunity_selection(day: Day) -> List[inst.Selection]:
    return day.cached("crm_opportunities", lambda: inst.day_events(day.world, day.day, day.opening))


def _division_codes(w: World, position: np.ndarray) -> pa.Array:
    return _pick([f"DIV{d + 1:02d}" for d in range(len(w.scale.divisions))], w.org.division[position])


def crm_opportunities(day: Day) -> Optional[pa.Table]:
    """Every opportunity changed on the day, in its last version of the day (with the opening load,
    the open pipeline as of the day before too)."""
    w = day.world
    r = inst.gather([(sel.batch, inst.latest_versions(sel, day.day)) for sel in _opportunity_selection(day)])
    if len(r) == 0:
        return None
    closed = r.type == inst.CLOSED
    return _in_contract_order(DATASETS["crm_opportunities"], {
        "opportunity_id": _code("O", r.number, 8),
        "account_id": _code("A", r.account + 1, 6),
        "owner_employee_id": _pick(w.people.employee_ids, r.employee),
        "territory_code": _pick(w.geo.territory_codes, w.org.territory[r.position]),
        "product_line": _division_codes(w, r.position),
        "amount": _money(r.amount),
        "created_date": _dates(r.created),
        "expected_close_date": _dates(r.expected_close),
        "source": _pick(inst.OPPORTUNITY_SOURCES, r.source),
        "competitor": _nullable(_pick(inst.COMPETITORS, np.maximum(r.competitor, 0)), r.competitor >= 0),
        "stage": _pick(inst.STAGES, r.stage),
        "outcome": _pick(("OPEN", "WON", "LOST"), np.where(closed, np.where(r.won, 1, 2), 0)),
        "closed_date": _nullable(_dates(r.close), closed),
        "lost_reason": _nullable(_pick(inst.LOST_REASONS, np.maximum(r.lost_reason, 0)), closed & ~r.won),
        "version": _text(r.version),
        "last_modified_at": _minute_stamps(r.day, r.minute),
    })


def crm_opportunity_events(day: Day) -> Optional[pa.Table]:
    """The day's opportunity events (with the opening load, the open pipeline's events so far)."""
    w = day.world
    parts = []
    for sel in _opportunity_selection(day):
        b, ev = sel.batch, sel.events
        parts.append((b, ev[np.lexsort((b.e_version[ev], b.e_opp[ev], b.e_day[ev]))]))
    r = inst.gather(parts)
    if len(r) == 0:
        return None
    priced = np.isin(r.type, (inst.CREATED, inst.PROPOSAL, inst.AMOUNT_CHANGE, inst.CLOSED))
    return _in_contract_order(DATASETS["crm_opportunity_events"], {
        "event_id": _code("OE", r.number * 1_000 + r.version, 11),
        "opportunity_id": _code("O", r.number, 8),
        "version": _text(r.version),
        "event_type": _pick(inst.EVENT_TYPE_NAMES, r.type),
        "event_at": _minute_stamps(r.day, r.minute),
        "employee_id": _pick(w.people.employee_ids, _event_employees(w, r)),
        "from_stage": _nullable(_pick(inst.STAGES, np.maximum(r.from_stage, 0)), r.from_stage >= 0),
        "to_stage": _nullable(_pick(inst.STAGES, np.maximum(r.to_stage, 0)), r.to_stage >= 0),
        "amount": _nullable(_money(r.amount), priced),
        "competitor": _nullable(_pick(inst.COMPETITORS, np.maximum(r.competitor, 0)), r.competitor >= 0),
    })


# -- LMS -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Course:
    index: int
    course_id: str
    title: str
    category: str
    brand: int  # -1 unless a product course
    brand_code: Optional[str]
    mandatory: bool
    pass_score: int
    minutes: int


def _courses(w: World) -> List[Course]:
    key = ("courses",)
    if key in w._cache:
        return w._cache[key]
    n = w.scale.courses
    p = w.products
    plan: List[Tuple[str, str, int]] = [("INDUCTION", names.COURSE_TOPICS["INDUCTION"][0], -1)]
    fixed = ["COMPLIANCE", "SELLING_SKILLS", "COMPLIANCE", "SELLING_SKILLS", "COMPLIANCE", "SELLING_SKILLS",
             "COMPLIANCE", "SELLING_SKILLS", "COMPLIANCE", "SELLING_SKILLS"]
    n_fixed = min(len(fixed), max(2, n // 6))
    used = {"COMPLIANCE": 0, "SELLING_SKILLS": 0}
    for cat in fixed[:n_fixed]:
        topics = names.COURSE_TOPICS[cat]
        plan.append((cat, topics[used[cat] % len(topics)], -1))
        used[cat] += 1
    brand_value = np.bincount(p.brand, p.weight, minlength=len(p.brand_codes))
    for b in np.argsort(-brand_value, kind="stable")[: n - len(plan)]:
        plan.append(("PRODUCT", f"{p.brand_names[int(b)]}: product knowledge", int(b)))
    out = []
    for i, (cat, title, brand) in enumerate(plan):
        out.append(Course(
            index=i, course_id=f"CRS{i + 1:04d}", title=title, category=cat, brand=brand,
            brand_code=p.brand_codes[brand] if brand >= 0 else None,
            mandatory=cat in ("INDUCTION", "COMPLIANCE"),
            pass_score={"INDUCTION": 0, "PRODUCT": 60, "COMPLIANCE": 70, "SELLING_SKILLS": 0}[cat],
            minutes={"INDUCTION": 240, "PRODUCT": 45, "COMPLIANCE": 30, "SELLING_SKILLS": 90}[cat],
        ))
    w._cache[key] = out
    return out


@dataclass
class _Assigned:
    employee: np.ndarray
    course: np.ndarray
    assigned: int  # ordinal (one per batch)
    due_days: int
    done_day: np.ndarray  # ordinal of completion, -1 if never
    done_minute: np.ndarray
    spent: np.ndarray
    scores: np.ndarray  # [n, 3] attempt scores
    retry_gap: np.ndarray  # [n, 2] days before attempts 2 and 3
    _completed: Optional[Dict[int, np.ndarray]] = None  # day ordinal -> rows completing that day
    _attempts: Optional[Dict[int, List[Tuple[int, int, int, int, int, int]]]] = None  # day ordinal -> attempts

    def completed_on(self, day: int) -> np.ndarray:
        if self._completed is None:
            done = np.flatnonzero(self.done_day >= 0)
            order = done[np.argsort(self.done_day[done], kind="stable")]
            days, first = np.unique(self.done_day[order], return_index=True)
            self._completed = {int(k): part for k, part in zip(days, np.split(order, first[1:]))}
        return self._completed.get(day, _NONE)

    def attempts_on(self, day: int, pass_score: np.ndarray) -> List[Tuple[int, int, int, int, int, int]]:
        """(employee, course, assigned, attempt, minute, score) of the attempts made on `day`: the
        first when the course is completed, retakes 1-3 days after a fail."""
        if self._attempts is None:
            events: Dict[int, List[Tuple[int, int, int, int, int, int]]] = {}
            assessed = (self.done_day >= 0) & (pass_score[self.course] > 0)
            on = self.done_day.copy()
            for attempt in range(3):
                if attempt:
                    assessed = assessed & (self.scores[:, attempt - 1] < pass_score[self.course])
                    on = on + self.retry_gap[:, attempt - 1]
                for i in np.flatnonzero(assessed):
                    events.setdefault(int(on[i]), []).append((
                        int(self.employee[i]), int(self.course[i]), self.assigned, attempt + 1,
                        int(self.done_minute[i]) + 5 * (attempt == 0), int(self.scores[i, attempt])))
            self._attempts = events
        return self._attempts.get(day, [])


_NONE = np.zeros(0, np.int64)


def _draw_outcomes(w: World, rng: np.random.Generator, employee: np.ndarray, course: np.ndarray,
                   assigned: date, due_days: int) -> _Assigned:
    n = len(employee)
    lag = np.minimum(rng.geometric(0.08, size=n), LMS_MAX_LAG_DAYS)
    completes = rng.random(n) < LMS_COMPLETION_SHARE
    done = assigned.toordinal() + lag
    # Someone who has left by then never completes.
    done = np.where(completes & (w.people.left[employee] >= done), done, -1)
    courses = _courses(w)
    minutes = np.array([c.minutes for c in courses])[course]
    spent = np.rint(minutes * rng.uniform(0.6, 1.6, size=n)).astype(np.int64)
    scores = np.clip(np.rint(rng.normal(74, 12, size=(n, 3)) + np.array([0, 8, 14])), 0, 100).astype(np.int64)
    return _Assigned(employee, course, assigned.toordinal(), due_days, done,
                     rng.integers(9 * 60, 22 * 60, size=n), spent, scores, rng.integers(1, 4, size=(n, 2)))


def _wave(w: World, month: date) -> _Assigned:
    """Courses assigned on the 1st of `month`: a compliance course to everyone each quarter, two
    product courses to the field staff of the brands' divisions, a selling-skills course to a
    quarter of the SRs."""
    key = ("lms_wave", month)
    if key in w._cache:
        return w._cache[key]
    rng = rng_for(w.seed, "lms_assignments", month)
    courses = _courses(w)
    holders = w.holders(month)
    o = w.org
    role = np.asarray(o.role)
    emp, crs = [], []
    compliance = [c for c in courses if c.category == "COMPLIANCE"]
    if month.month % 3 == 1 and compliance:
        c = compliance[(month.year * 4 + month.month // 3) % len(compliance)]
        staff = holders[holders >= 0]
        emp.append(staff)
        crs.append(np.full(len(staff), c.index))
    product = [c for c in courses if c.category == "PRODUCT"]
    for _ in range(min(2, len(product))):
        c = product[int(rng.integers(len(product)))]
        div = w.products.brand_division[c.brand]
        field_staff = np.flatnonzero((o.division == div) & np.isin(role, ("SR", "ASM", "RSM")))
        staff = holders[field_staff]
        staff = staff[staff >= 0]
        emp.append(staff)
        crs.append(np.full(len(staff), c.index))
    skills = [c for c in courses if c.category == "SELLING_SKILLS"]
    if skills:
        c = skills[int(rng.integers(len(skills)))]
        staff = holders[o.of_role("SR")]
        staff = staff[(staff >= 0) & (rng.random(len(staff)) < 0.25)]
        emp.append(staff)
        crs.append(np.full(len(staff), c.index))
    employee = np.concatenate(emp) if emp else np.zeros(0, np.int64)
    course = np.concatenate(crs) if crs else np.zeros(0, np.int64)
    _, first = np.unique(employee * len(courses) + course, return_index=True)  # one per person and course
    first = np.sort(first)
    out = _draw_outcomes(w, rng, employee[first], course[first], month, 30)
    w._cache[key] = out
    return out


def _inductions(w: World, joined: date) -> _Assigned:
    key = ("lms_inductions", joined)  # every day looks back at the inductions of ~80 days
    if key not in w._cache:
        rng = rng_for(w.seed, "lms_inductions", joined)
        employee = np.flatnonzero(w.people.joined == joined.toordinal())
        # Only people hired within the HR history get an induction here (earlier hires took theirs).
        employee = employee[w.people.joined[employee] >= w.anchor.toordinal() - 400]
        w._cache[key] = _draw_outcomes(w, rng, employee, np.zeros(len(employee), np.int64), joined, 14)
    return w._cache[key]


def _batches(w: World, d: date, back_days: int) -> List[_Assigned]:
    """Assignment batches made in the `back_days` before `d` (and on `d`)."""
    out = []
    month = month_start(d)
    while month.toordinal() >= d.toordinal() - back_days:
        out.append(_wave(w, month))
        month = previous_month(month)
    for k in range(back_days + 1):
        out.append(_inductions(w, d - timedelta(days=k)))
    return out


def lms_assignments(day: Day) -> Optional[pa.Table]:
    w, d = day.world, day.day
    if day.opening:  # the open assignments of the last two months
        batches = [b for b in _batches(w, d, 45) if b.assigned >= d.toordinal() - 45]
    else:
        batches = ([_wave(w, d)] if d.day == 1 else []) + [_inductions(w, d)]
    batches = [b for b in batches if len(b.employee)]
    if not batches:
        return None
    emp = np.concatenate([b.employee for b in batches])
    crs = np.concatenate([b.course for b in batches])
    assigned = np.concatenate([np.full(len(b.employee), b.assigned) for b in batches])
    due = np.concatenate([np.full(len(b.employee), b.assigned + b.due_days) for b in batches])
    columns = {
        "employee_id": _pick(w.people.employee_ids, emp),
        "course_id": _pick([c.course_id for c in _courses(w)], crs),
        "assigned_on": _dates(assigned),
        "due_on": _dates(due),
    }
    return _in_contract_order(DATASETS["lms_assignments"], columns)


def lms_completions(day: Day) -> Optional[pa.Table]:
    w, d = day.world, day.day
    parts = []
    for b in _batches(w, d, LMS_MAX_LAG_DAYS + 31):
        hit = b.completed_on(d.toordinal())
        if len(hit):
            parts.append((b, hit))
    if not parts:
        return None
    emp = np.concatenate([b.employee[i] for b, i in parts])
    columns = {
        "employee_id": _pick(w.people.employee_ids, emp),
        "course_id": _pick([c.course_id for c in _courses(w)], np.concatenate([b.course[i] for b, i in parts])),
        "assigned_on": _dates(np.concatenate([np.full(len(i), b.assigned) for b, i in parts])),
        "completed_at": _timestamps(d, np.concatenate([b.done_minute[i] for b, i in parts]), sep=" "),
        "time_spent_minutes": _text(np.concatenate([b.spent[i] for b, i in parts])),
    }
    return _in_contract_order(DATASETS["lms_completions"], columns)


def lms_assessments(day: Day) -> Optional[pa.Table]:
    """Attempts on the day: the first when the course is completed, retakes 1-3 days after a fail."""
    w, d = day.world, day.day
    pass_score = np.array([c.pass_score for c in _courses(w)])
    rows: List[Tuple[int, int, int, int, int, int]] = []  # employee, course, assigned, attempt, minute, score
    for b in _batches(w, d, LMS_MAX_LAG_DAYS + 31 + 6):
        rows.extend(b.attempts_on(d.toordinal(), pass_score))
    if not rows:
        return None
    arr = np.array(rows, np.int64)
    columns = {
        "employee_id": _pick(w.people.employee_ids, arr[:, 0]),
        "course_id": _pick([c.course_id for c in _courses(w)], arr[:, 1]),
        "assigned_on": _dates(arr[:, 2]),
        "attempt_no": _text(arr[:, 3]),
        "attempted_at": _timestamps(d, arr[:, 4], sep=" "),
        "score": _text(arr[:, 5]),
        "passed": _pick(("false", "true"), (arr[:, 5] >= pass_score[arr[:, 1]]).astype(np.int64)),
    }
    return _in_contract_order(DATASETS["lms_assessments"], columns)


# -- registries ------------------------------------------------------------------------------------
Make = Callable[[Day], Optional[pa.Table]]

# Masters that land once, with the opening load (the world does not change them in a run).
MASTERS: Dict[str, Make] = {
    "hr_territories": hr_territories,
    "hr_holidays": hr_holidays,
    "hr_positions": hr_positions,
    "erp_products": erp_products,
    "hr_position_divisions": hr_position_divisions,
    "erp_customers": erp_customers,
    "crm_hcps": crm_hcps,
    "lms_courses": lms_courses,
    "crm_accounts": crm_accounts,
}
# Datasets with a file on (almost) every day: HR's roster snapshots (and the position tree on the
# days it changes), then the facts. A generator returning None sends no file that day.
DAILY: Dict[str, Make] = {
    "hr_employees": hr_employees,
    "hr_positions": hr_positions,
    "hr_assignments": hr_assignments,
    "mdm_devices": mdm_opening_registry,
    "erp_primary_invoices": erp_primary_invoices,
    "erp_credit_notes": erp_credit_notes,
    "erp_targets": erp_targets,
    "stk_statements": stk_statements,
    "crm_call_plans": crm_call_plans,
    "crm_call_reports": crm_call_reports,
    "crm_day_activities": crm_day_activities,
    "clm_slide_views": clm_slide_views,
    "evt_attendance": evt_attendance,
    "lms_assignments": lms_assignments,
    "lms_completions": lms_completions,
    "lms_assessments": lms_assessments,
    "erp_institution_targets": erp_institution_targets,
    "crm_opportunities": crm_opportunities,
    "crm_opportunity_events": crm_opportunity_events,
    "erp_receivables": erp_receivables,
}


# -- text columns ----------------------------------------------------------------------------------
def _from_rows(dataset: Dataset, rows: List[Row]) -> pa.Table:
    return _in_contract_order(
        dataset, {name: pa.array([r[name] or "" for r in rows], pa.string()) for name in dataset.column_names}
    )


def _empty(dataset: Dataset) -> pa.Table:
    return pa.table({n: pa.array([], pa.string()) for n in dataset.column_names})


def _in_contract_order(dataset: Dataset, columns: Dict[str, Any]) -> pa.Table:
    missing = [n for n in dataset.column_names if n not in columns]
    extra = [n for n in columns if n not in dataset.column_names]
    if missing or extra:
        raise ValueError(f"{dataset.table} generator out of step with its contract: missing {missing}, extra {extra}")
    return pa.table({n: columns[n] for n in dataset.column_names})


def _text(values: np.ndarray) -> pa.Array:
    return pc.cast(pa.array(np.asarray(values)), pa.string())


def _pick(values: Any, index: np.ndarray) -> pa.Array:
    """values[index] as a string array (values: a sequence of strings)."""
    return pa.array(list(values), pa.string()).take(pa.array(np.asarray(index, np.int64)))


def _nullable(values: pa.Array, present: np.ndarray) -> pa.Array:
    """Empty text (a null in the contract) where `present` is False."""
    return pc.if_else(pa.array(np.asarray(present, bool)), values, "")


def _dates(ordinals: np.ndarray) -> pa.Array:
    days = np.asarray(ordinals, np.int64) - date(1970, 1, 1).toordinal()
    return pc.cast(pa.array(days.astype(np.int32), pa.date32()), pa.string())


def _repeat(value: str, n: int) -> pa.Array:
    return pa.array([value], pa.string()).take(pa.array(np.zeros(n, np.int64)))


def _money(paise: np.ndarray) -> pa.Array:
    """Paise -> '12.50': through decimal128(18,2) built from the integers, so no float rounding."""
    paise = np.ascontiguousarray(paise, np.int64)
    words = np.empty((len(paise), 2), np.int64)
    words[:, 0] = paise
    words[:, 1] = paise >> 63
    amounts = pa.Array.from_buffers(pa.decimal128(18, 2), len(paise), [None, pa.py_buffer(words)])
    return pc.cast(amounts, pa.string())
