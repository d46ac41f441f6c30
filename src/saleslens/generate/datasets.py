"""One generator per dataset: (world[, day]) -> Arrow table of text columns in contract order.

Masters are drawn once from the world; daily datasets from a random stream of their own per day,
so any day can be generated alone, in any order, or in parallel. Column order and names come
from the contract: a column the contract has and a generator does not make fails loudly.
"""
from __future__ import annotations

from datetime import date
from typing import Callable, Dict, List

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from saleslens.contracts import DATASETS
from saleslens.contracts.model import Dataset
from saleslens.generate.world import Row, World, rng_for

MAX_LINES_PER_INVOICE = 6
BILLED_MEDIAN = 20  # billed units: log-normal around this, 1..500, long right tail
BILLED_SIGMA = 1.0
BILLED_MAX = 500
DISCOUNTED_SHARE = 0.4  # share of lines with a trade discount, 0.5%..10% of line value
DISCOUNT_RANGE = (0.005, 0.10)


def hr_positions(world: World) -> pa.Table:
    return _from_rows(DATASETS["hr_positions"], world.positions)


def hr_assignments(world: World) -> pa.Table:
    return _from_rows(DATASETS["hr_assignments"], world.assignments)


def erp_customers(world: World) -> pa.Table:
    return _from_rows(DATASETS["erp_customers"], world.stockists)


def erp_primary_invoices(world: World, day: date) -> pa.Table:
    """Invoice lines billed on `day`: several lines per invoice, one stockist per invoice,
    distinct SKUs within an invoice, bigger stockists buying more often."""
    scale, products = world.scale, world.products
    rng = rng_for(world.seed, "erp_primary_invoices", day)
    low, high = scale.invoice_lines_per_day
    n = int(rng.integers(low, high, endpoint=True))

    per_invoice = min(MAX_LINES_PER_INVOICE, len(products.codes))
    sizes = np.clip(1 + rng.poisson(scale.lines_per_invoice_mean - 1, size=n), 1, per_invoice)
    ends = np.cumsum(sizes)
    invoices = int(np.searchsorted(ends, n)) + 1
    sizes = sizes[:invoices]
    sizes[-1] -= int(ends[invoices - 1]) - n  # the last invoice takes what is left
    if invoices >= 10 ** scale.invoice_seq_digits:
        raise ValueError(
            f"scale {scale.name}: {invoices} invoices on {day} do not fit {scale.invoice_seq_digits} sequence digits"
        )
    invoice = np.repeat(np.arange(invoices), sizes)
    line_no = np.arange(n) - np.repeat(np.cumsum(sizes) - sizes, sizes) + 1

    # Stockist of each invoice: weight 1/(rank + 5), a gentle long tail.
    weights = 1.0 / (np.arange(len(world.stockists)) + 5.0)
    stockist = rng.choice(len(world.stockists), size=invoices, p=weights / weights.sum())[invoice]
    # Distinct SKUs within an invoice: consecutive entries of a shuffled catalogue.
    shuffled = rng.permutation(len(products.codes))
    first_sku = rng.integers(0, len(products.codes), size=invoices)
    sku = shuffled[(first_sku[invoice] + line_no - 1) % len(products.codes)]

    billed = np.clip(np.rint(rng.lognormal(np.log(BILLED_MEDIAN), BILLED_SIGMA, size=n)), 1, BILLED_MAX).astype(np.int64)
    ratio = products.scheme_ratio[sku]
    free = np.where(ratio > 0, billed // np.maximum(ratio, 1), 0)
    price = products.price_paise[sku]
    share = np.where(rng.random(n) < DISCOUNTED_SHARE, rng.uniform(*DISCOUNT_RANGE, size=n), 0.0)
    discount = np.floor(billed * price * share).astype(np.int64)

    sequence = pc.utf8_lpad(_text(invoice + 1), scale.invoice_seq_digits, "0")
    columns = {
        "invoice_no": pc.binary_join_element_wise("INV" + day.strftime(scale.invoice_date_format), sequence, ""),
        "line_no": _text(line_no),
        "invoice_date": _repeat(day.isoformat(), n),
        "stockist_code": pa.array([s["stockist_code"] for s in world.stockists]).take(pa.array(stockist)),
        "sku": pa.array(products.codes).take(pa.array(sku)),
        "billed_qty": _text(billed),
        "free_qty": _text(free),
        "price_to_stockist": _money(price),
        "trade_discount": _money(discount),
    }
    return _in_contract_order(DATASETS["erp_primary_invoices"], columns)


# Which generator makes which dataset, and how often (the widening issue adds entries here).
MASTERS: Dict[str, Callable[[World], pa.Table]] = {
    "hr_positions": hr_positions,
    "hr_assignments": hr_assignments,
    "erp_customers": erp_customers,
}
DAILY: Dict[str, Callable[[World, date], pa.Table]] = {
    "erp_primary_invoices": erp_primary_invoices,
}


# -- text columns ------------------------------------------------------------------------------
def _from_rows(dataset: Dataset, rows: List[Row]) -> pa.Table:
    return _in_contract_order(
        dataset, {name: pa.array([r[name] or "" for r in rows], pa.string()) for name in dataset.column_names}
    )


def _in_contract_order(dataset: Dataset, columns: Dict[str, pa.Array]) -> pa.Table:
    missing = [n for n in dataset.column_names if n not in columns]
    extra = [n for n in columns if n not in dataset.column_names]
    if missing or extra:
        raise ValueError(f"{dataset.table} generator out of step with its contract: missing {missing}, extra {extra}")
    return pa.table({n: columns[n] for n in dataset.column_names})


def _text(values: np.ndarray) -> pa.Array:
    return pc.cast(pa.array(values), pa.string())


def _repeat(value: str, n: int) -> pa.Array:
    return pa.array([value], pa.string()).take(pa.array(np.zeros(n, np.int64)))


def _money(paise: np.ndarray) -> pa.Array:
    """Paise -> '12.50': through decimal128(18,2) built from the integers, so no float rounding."""
    words = np.empty((len(paise), 2), np.int64)
    words[:, 0] = paise
    words[:, 1] = paise >> 63
    amounts = pa.Array.from_buffers(pa.decimal128(18, 2), len(paise), [None, pa.py_buffer(words)])
    return pc.cast(amounts, pa.string())
