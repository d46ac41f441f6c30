"""How much each stockist owes, by age bucket, on a snapshot date: the ERP's receivables ageing.

The process behind the numbers (deterministic per seed; one stream for the terms, one per
snapshot for the noise):
- every stockist has credit terms of ``CREDIT_DAYS`` days (drawn once, ``CREDIT_MIX``) and pays
  each invoice between ``PAY_WINDOW`` times its terms after the invoice date, evenly spread;
- a few chronic late payers (``LATE_SHARE`` of stockists, at least one) pay ``LATE_PAID`` of each
  invoice between ``LATE_WINDOW`` times their terms and leave the rest open until it is
  ``LINGER_DAYS`` old (then it is written off and leaves the ageing);
- what is open at age ``a`` days is the stockist's expected net billing on the day ``a`` days
  before the snapshot (its month's expected billing spread evenly over the month's days) times
  the share of an invoice still unpaid at that age; a bucket sums its ages, times a log-normal
  ``NOISE_SIGMA`` (collections are lumpy).
So outstanding tracks recent net invoicing times the stockist's credit days, and late payers fill
the 91-180 and >180 buckets. Buckets with nothing open (under a rupee) are left out, as an ERP
ageing report leaves them out.
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import Callable, Dict, Tuple

import numpy as np

from saleslens.generate.calendar import month_end
from saleslens.generate.world import World, rng_for

CREDIT_DAYS = (21, 30, 45, 60)
CREDIT_MIX = (0.2, 0.4, 0.3, 0.1)
PAY_WINDOW = (0.5, 1.25)  # an on-time payer settles an invoice between these multiples of its terms
LATE_SHARE = 0.06
LATE_WINDOW = (1.5, 4.0)
LATE_PAID = 0.8  # share of an invoice a late payer settles within LATE_WINDOW; the rest lingers
LINGER_DAYS = 300
NOISE_SIGMA = 0.12
HORIZON_DAYS = 365  # oldest age modelled (ages 0 .. HORIZON_DAYS - 1)
# (first, last) age in days of each bucket of contracts.erp.AGE_BUCKETS, in that order.
BUCKET_AGES: Tuple[Tuple[int, int], ...] = ((0, 30), (31, 60), (61, 90), (91, 180), (181, HORIZON_DAYS - 1))


def terms(w: World) -> Tuple[np.ndarray, np.ndarray]:
    """(credit days, is a chronic late payer) per stockist, drawn once per world."""
    key = ("receivable_terms",)
    if key not in w._cache:
        rng = rng_for(w.seed, "erp_receivables/terms")
        n = len(w.stockists)
        days = np.asarray(CREDIT_DAYS)[rng.choice(len(CREDIT_DAYS), size=n, p=CREDIT_MIX)]
        draw = rng.random(n)
        late = draw < LATE_SHARE
        late[int(np.argmin(draw))] = True  # every org has at least one
        w._cache[key] = (days, late)
    return w._cache[key]


def unpaid_share(ages: np.ndarray, credit_days: np.ndarray, late: np.ndarray) -> np.ndarray:
    """Share of an invoice still open at each age (stockists x ages), by the rules above."""
    a = ages[None, :].astype(float)
    c = credit_days[:, None].astype(float)
    lo, hi = PAY_WINDOW
    on_time = np.clip((hi * c - a) / ((hi - lo) * c), 0.0, 1.0)
    lo, hi = LATE_WINDOW
    slow = LATE_PAID * np.clip((hi * c - a) / ((hi - lo) * c), 0.0, 1.0) + (1 - LATE_PAID) * (a < LINGER_DAYS)
    return np.where(late[:, None], slow, on_time)


def ageing(w: World, snapshot: date, monthly_billing: Callable[[date], np.ndarray]) -> np.ndarray:
    """Outstanding paise per stockist and bucket (stockists x len(BUCKET_AGES)) on `snapshot`;
    `monthly_billing(first of month)` gives each stockist's expected net billing in paise."""
    ages = np.arange(HORIZON_DAYS)
    days = [snapshot - timedelta(days=int(a)) for a in ages]
    months: Dict[date, np.ndarray] = {}
    daily = np.empty((len(w.stockists), HORIZON_DAYS))
    for i, d in enumerate(days):
        first = d.replace(day=1)
        if first not in months:
            months[first] = monthly_billing(first) / month_end(first).day
        daily[:, i] = months[first]
    credit_days, late = terms(w)
    open_ = daily * unpaid_share(ages, credit_days, late)
    sums = np.stack([open_[:, lo : hi + 1].sum(axis=1) for lo, hi in BUCKET_AGES], axis=1)
    noise = rng_for(w.seed, "erp_receivables", snapshot).lognormal(0.0, NOISE_SIGMA, size=sums.shape)
    return np.rint(sums * noise).astype(np.int64)
