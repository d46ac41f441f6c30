"""Institutional business: accounts, opportunities and their events, from a known generating process.

Accounts (``crm_accounts``): ``scale.accounts_per_territory`` institutions per territory, of a type
drawn from ``ACCOUNT_MIX`` (share, median beds), beds log-normal around the type's median, a
relationship that began 1 month to 15 years before the anchor. An account's *expected deal size*
is ``DEAL_BASE[type] x sqrt(beds / median beds)``.

Opportunities (``crm_opportunities``, ``crm_opportunity_events``), per calendar month, from the
stream (seed, "crm_opportunities", month):

- creation: every SR position creates Poisson(``scale.opportunities_per_sr_month``) opportunities on
  uniform days of the month; one whose position is vacant that day is not created. The owner is the
  employee holding the position on the creation day, the territory the position's, the product
  line its division; the account one of the territory's, uniformly. Owners keep their deals; an
  event is recorded by whoever holds the owner's position that day (the owner when vacant).
- attributes: source from ``SOURCE_MIX`` (TENDER likelier for government hospitals and
  institutions); amount = expected deal size x exp(N(0, 0.6)) (its log is the *relative amount*),
  rounded to INR 1,000; a planned cycle of 30-180 days (log-normal, median 80); the expected close
  date the owner enters is created + the planned cycle x exp(N(-0.1, 0.25)) (owners are optimistic);
  a competitor bids with probability ``COMPETITOR_SHARE[source]``.
- timeline: qualified 3-15 days after creation; meetings before the proposal Poisson(1.3) (0-5);
  the proposal sent ``proposal_days`` after creation (log-normal, median 25, at least 7, at most
  the cycle - 10); the close at created + cycle.
- outcome: won with probability sigmoid(z),
      z = B0 + TYPE_EFFECT[type] + 0.35 ln(1 + relationship years at creation) + SOURCE_EFFECT[source]
          + owner skill (N(0, 0.5) per employee, fixed) - 0.012 (proposal_days - 25)
          + 0.3 min(meetings before proposal, 4) - 0.6 relative amount - 0.6 [competitor bids]
          + N(0, 0.6) noise,
  B0 chosen so that about 28% are won (20-35% at every scale and seed: tests hold it).
- what a lost deal looks like: 35% of losers are lost before any proposal (closed at 40-80% of the
  cycle, at least 30 days after creation, from QUALIFIED); the rest reach the proposal,
  half of them negotiation. Winners always negotiate. After the proposal a winner has Poisson(1.5)
  meetings, a loser Poisson(0.5): quiet deals are at risk. 30% of deals in negotiation get one
  AMOUNT_CHANGE (a 3-15% discount).
- leakage traps (fields only known later): closed_date, lost_reason and outcome are only filled by
  the CLOSED event; the competitor is known from creation for 40% of the deals it bids on, learnt
  at the proposal (or the close, if none) for 35%, and only at the close for 25%; a competitor
  that bids lowers the chance of a win and takes most losses (lost_reason COMPETITOR), so the
  competitor of a closed opportunity says more about the outcome than the one known at creation.
  The amount changes before the close. Features must be rebuilt from the events as of a point in
  the deal's life, never from the latest version.

Every event makes a version (1, 2, ...); a day's opportunity file carries each opportunity changed
that day in its last version of the day. The opening load (the first day of a run or of a
history) also sends every opportunity created before that day and still open then, in its version
of the day before, with its events so far: the CRM's extract of the open pipeline.

Institutional targets (``erp_institution_targets``): per SR position's territory and division and
month, the expected won value of the month (opportunities a month x the territory's mean expected
deal size x 0.28) x U(1.0, 1.3), in whole INR 1,000.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Dict, List, Optional, Tuple

import numpy as np

from saleslens.contracts.crm import ACCOUNT_TYPES, LOST_REASONS, OPPORTUNITY_SOURCES, STAGES
from saleslens.generate import names
from saleslens.generate.calendar import add_months, days_in_month, month_start
from saleslens.generate.world import World, rng_for

# type -> (share of accounts, median beds)
ACCOUNT_MIX: Dict[str, Tuple[float, int]] = {
    "GOVT_HOSPITAL": (0.20, 300), "PRIVATE_HOSPITAL": (0.30, 150), "NURSING_HOME": (0.30, 25),
    "INSTITUTION": (0.10, 80), "CORPORATE_CHAIN": (0.10, 400),
}
ACCOUNT_SUFFIXES = {
    "GOVT_HOSPITAL": ("Civil Hospital", "District Hospital", "Government Medical College Hospital"),
    "PRIVATE_HOSPITAL": ("Hospital", "Multispeciality Hospital", "Heart Institute"),
    "NURSING_HOME": ("Nursing Home", "Maternity Home", "Clinic and Nursing Home"),
    "INSTITUTION": ("Medical College", "Railway Hospital", "ESI Dispensary"),
    "CORPORATE_CHAIN": ("Healthcare", "Hospitals", "Medicity"),
}
DEAL_BASE_INR = {"GOVT_HOSPITAL": 1_500_000, "PRIVATE_HOSPITAL": 800_000, "NURSING_HOME": 150_000,
                 "INSTITUTION": 400_000, "CORPORATE_CHAIN": 2_000_000}
TYPE_EFFECT = {"GOVT_HOSPITAL": -0.5, "PRIVATE_HOSPITAL": 0.3, "NURSING_HOME": 0.2, "INSTITUTION": -0.1,
               "CORPORATE_CHAIN": 0.0}
SOURCE_EFFECT = {"TENDER": -0.6, "REFERRAL": 0.7, "FIELD": 0.0, "RENEWAL": 1.0, "INBOUND": 0.3}
SOURCE_MIX = {"TENDER": 0.20, "REFERRAL": 0.15, "FIELD": 0.40, "RENEWAL": 0.15, "INBOUND": 0.10}
TENDER_TYPES = ("GOVT_HOSPITAL", "INSTITUTION")  # tenders are three times likelier there
COMPETITOR_SHARE = {"TENDER": 0.6, "REFERRAL": 0.25, "FIELD": 0.35, "RENEWAL": 0.2, "INBOUND": 0.3}
COMPETITORS = ("Medivance", "Curatis", "Zenolife", "Pharmanova", "Healix", "Sunvita", "Biorise", "Nexacare")
B0 = -2.2
EXPECTED_WIN_RATE = 0.28
EARLY_LOSS_SHARE = 0.35
SKILL_SIGMA = 0.5
NOISE_SIGMA = 0.6
MAX_CYCLE_DAYS = 180
MAX_PER_MONTH = 9_999  # opportunity ids: O + yymm + 4-digit sequence

# event types in the order they happen on one day (ties broken by it)
CREATED, QUALIFIED, MEETING, PROPOSAL, NEGOTIATION, AMOUNT_CHANGE, CLOSED = range(7)
EVENT_TYPE_NAMES = ("CREATED", "STAGE_CHANGE", "MEETING", "PROPOSAL_SENT", "STAGE_CHANGE", "AMOUNT_CHANGE", "CLOSED")
STAGE_SET = {CREATED: 0, QUALIFIED: 1, PROPOSAL: 2, NEGOTIATION: 3}  # CLOSED: 4 won, 5 lost (STAGES order)


@dataclass(frozen=True)
class Accounts:
    ids: List[str]
    names: List[str]
    kind: np.ndarray  # index into ACCOUNT_TYPES
    beds: np.ndarray
    territory: np.ndarray
    since: np.ndarray  # ordinal of customer_since
    expected_paise: np.ndarray  # expected deal size


@dataclass(frozen=True)
class Batch:
    """Opportunities created in one month and their events (events sorted by day, then opportunity)."""

    number: np.ndarray  # opportunity id digits: yymm x 10,000 + sequence
    account: np.ndarray
    position: np.ndarray
    employee: np.ndarray
    created: np.ndarray  # ordinals
    expected_close: np.ndarray
    source: np.ndarray  # index into OPPORTUNITY_SOURCES
    lost_reason: np.ndarray  # index into LOST_REASONS, -1 when won
    won: np.ndarray
    close: np.ndarray  # ordinal of the close
    # events
    e_opp: np.ndarray
    e_day: np.ndarray
    e_minute: np.ndarray
    e_type: np.ndarray  # CREATED ... CLOSED
    e_version: np.ndarray
    e_from: np.ndarray  # stage index before (stage changes), -1 otherwise
    e_to: np.ndarray
    e_stage: np.ndarray  # stage after the event
    e_amount: np.ndarray  # paise, as known after the event
    e_competitor: np.ndarray  # index into COMPETITORS as known after the event, -1 none


def accounts(w: World) -> Accounts:
    key = ("crm_accounts",)
    if key not in w._cache:
        w._cache[key] = _accounts(w)
    return w._cache[key]


def _accounts(w: World) -> Accounts:
    rng = rng_for(w.seed, "crm_accounts")
    per = w.scale.accounts_per_territory
    n_t = len(w.geo.territory_codes)
    n = per * n_t
    territory = np.arange(n) // per
    shares = np.array([ACCOUNT_MIX[t][0] for t in ACCOUNT_TYPES])
    kind = rng.choice(len(ACCOUNT_TYPES), size=n, p=shares / shares.sum())
    median = np.array([ACCOUNT_MIX[t][1] for t in ACCOUNT_TYPES], float)[kind]
    beds = np.clip(np.rint(median * rng.lognormal(0.0, 0.5, size=n)), 5, 5_000).astype(np.int64)
    years = np.where(rng.random(n) < 0.15, rng.uniform(30, 365, size=n), rng.uniform(365, 15 * 365, size=n))
    since = w.anchor.toordinal() - np.rint(years).astype(np.int64)
    base = np.array([DEAL_BASE_INR[t] for t in ACCOUNT_TYPES], float)[kind]
    expected = np.rint(base * np.sqrt(beds / median) * 100).astype(np.int64)
    surname = rng.integers(len(names.LAST_NAMES), size=n)
    suffix = rng.integers(3, size=n)
    out_names = []
    for i in range(n):
        t = ACCOUNT_TYPES[int(kind[i])]
        town = w.geo.territory_names[int(territory[i])]
        label = ACCOUNT_SUFFIXES[t][int(suffix[i])]
        lead = names.LAST_NAMES[int(surname[i])] if t in ("PRIVATE_HOSPITAL", "NURSING_HOME") else town
        out_names.append(f"{lead} {label}" if lead != town else f"{town} {label}")
    return Accounts(
        ids=[f"A{i + 1:06d}" for i in range(n)], names=out_names, kind=kind, beds=beds, territory=territory,
        since=since, expected_paise=expected,
    )


def _skill(w: World) -> np.ndarray:
    key = ("crm_opportunities/skill",)
    if key not in w._cache:
        rng = rng_for(w.seed, "crm_opportunities/skill")
        w._cache[key] = rng.normal(0.0, SKILL_SIGMA, size=len(w.people.employee_ids))
    return w._cache[key]


def batch(w: World, month: date) -> Batch:
    key = ("crm_opportunities", month)
    if key not in w._cache:
        w._cache[key] = _batch(w, month)
    return w._cache[key]


def _batch(w: World, month: date) -> Batch:
    rng = rng_for(w.seed, "crm_opportunities", month)
    acc = accounts(w)
    o = w.org
    srs = o.of_role("SR")
    count = rng.poisson(w.scale.opportunities_per_sr_month, size=len(srs))
    position = np.repeat(srs, count)
    n_days = days_in_month(month)
    offset = rng.integers(0, n_days, size=len(position))
    holders = np.stack([w.holders(month + timedelta(days=d)) for d in range(n_days)])  # [day, position]
    employee = holders[offset, position] if len(position) else np.zeros(0, np.int64)
    keep = employee >= 0
    position, offset, employee = position[keep], offset[keep], employee[keep]
    order = np.lexsort((position, offset))
    position, offset, employee = position[order], offset[order], employee[order]
    n = len(position)
    if n > MAX_PER_MONTH:
        raise ValueError(f"{n} opportunities in {month:%Y-%m}: ids allow {MAX_PER_MONTH} a month")
    created = month.toordinal() + offset
    per = w.scale.accounts_per_territory
    account = o.territory[position] * per + rng.integers(0, per, size=n)
    kind = acc.kind[account]
    kind_names = np.array(ACCOUNT_TYPES)[kind]
    # source: tenders three times likelier at government hospitals and institutions
    mix = np.array([SOURCE_MIX[s] for s in OPPORTUNITY_SOURCES])
    weights = np.tile(mix, (n, 1))
    weights[np.isin(kind_names, TENDER_TYPES), 0] *= 3.0
    weights /= weights.sum(axis=1, keepdims=True)
    source = (rng.random(n)[:, None] > np.cumsum(weights, axis=1)).sum(axis=1)
    source = np.minimum(source, len(OPPORTUNITY_SOURCES) - 1)
    relative = rng.normal(0.0, 0.6, size=n)
    amount = np.maximum(np.rint(acc.expected_paise[account] * np.exp(relative) / 100_000), 1).astype(np.int64) * 100_000
    cycle = np.clip(np.rint(rng.lognormal(np.log(80), 0.45, size=n)), 30, MAX_CYCLE_DAYS).astype(np.int64)
    expected_close = created + np.clip(np.rint(cycle * rng.lognormal(-0.1, 0.25, size=n)), 20, 240).astype(np.int64)
    source_names = np.array(OPPORTUNITY_SOURCES)[source]
    bids = rng.random(n) < np.array([COMPETITOR_SHARE[s] for s in OPPORTUNITY_SOURCES])[source]
    competitor = np.where(bids, rng.integers(0, len(COMPETITORS), size=n), -1)
    learn = rng.choice(3, size=n, p=[0.40, 0.35, 0.25])  # 0 at creation, 1 at the proposal, 2 at the close
    proposal_days = np.clip(np.rint(rng.lognormal(np.log(25), 0.5, size=n)), 7, None).astype(np.int64)
    proposal_days = np.minimum(proposal_days, cycle - 10)
    qualify_days = np.minimum(rng.integers(3, 16, size=n), proposal_days - 2)
    meetings_before = np.minimum(rng.poisson(1.3, size=n), 5)
    tenure_years = np.maximum(created - acc.since[account], 0) / 365.25
    z = (B0 + np.array([TYPE_EFFECT[t] for t in ACCOUNT_TYPES])[kind] + 0.35 * np.log1p(tenure_years)
         + np.array([SOURCE_EFFECT[s] for s in OPPORTUNITY_SOURCES])[source] + _skill(w)[employee]
         - 0.012 * (proposal_days - 25) + 0.3 * np.minimum(meetings_before, 4) - 0.6 * relative
         - 0.6 * bids + rng.normal(0.0, NOISE_SIGMA, size=n))
    won = rng.random(n) < 1.0 / (1.0 + np.exp(-z))
    early = ~won & (rng.random(n) < EARLY_LOSS_SHARE)
    close_days = np.where(early, np.maximum(np.rint(cycle * rng.uniform(0.4, 0.8, size=n)), 30).astype(np.int64), cycle)
    close = created + close_days
    proposal = np.where(early, -1, created + proposal_days)
    negotiates = ~early & (won | (rng.random(n) < 0.5))
    into = np.maximum(np.rint((close - proposal) * rng.uniform(0.3, 0.7, size=n)), 1).astype(np.int64)
    negotiation = np.where(negotiates, proposal + into, -1)
    discounted = negotiates & (rng.random(n) < 0.3)
    change_day = np.where(discounted, np.minimum(negotiation + rng.integers(1, 8, size=n), close - 1), -1)
    discount = rng.uniform(0.85, 0.97, size=n)
    new_amount = np.maximum(np.rint(amount * discount / 100_000), 1).astype(np.int64) * 100_000
    # lost reason: a competitor that bid takes most losses; tenders can be disqualified
    reason_weights = np.tile(np.array([0.35, 0.0, 0.25, 0.25, 0.15, 0.0]), (n, 1))
    reason_weights[:, LOST_REASONS.index("COMPETITOR")] = np.where(bids, 1.2, 0.0)
    reason_weights[:, LOST_REASONS.index("TENDER_DISQUALIFIED")] = np.where(source_names == "TENDER", 0.3, 0.0)
    reason_weights /= reason_weights.sum(axis=1, keepdims=True)
    reason = np.minimum((rng.random(n)[:, None] > np.cumsum(reason_weights, axis=1)).sum(axis=1), len(LOST_REASONS) - 1)
    lost_reason = np.where(won, -1, reason)

    # -- events: (opportunity, day, type) -----------------------------------------------------------
    idx = np.arange(n)
    pieces_opp = [idx, idx]
    pieces_day = [created, created + qualify_days]
    pieces_type = [np.full(n, CREATED), np.full(n, QUALIFIED)]
    # meetings before the proposal (or the close, for a deal lost early)
    until = np.where(early, close, proposal)
    m_opp = np.repeat(idx, meetings_before)
    lo, hi = created[m_opp] + 1, until[m_opp] - 1
    pieces_opp.append(m_opp)
    pieces_day.append(lo + (rng.random(len(m_opp)) * (hi - lo + 1)).astype(np.int64))
    pieces_type.append(np.full(len(m_opp), MEETING))
    has_prop = proposal >= 0
    pieces_opp.append(idx[has_prop])
    pieces_day.append(proposal[has_prop])
    pieces_type.append(np.full(int(has_prop.sum()), PROPOSAL))
    after = np.where(has_prop, rng.poisson(np.where(won, 1.5, 0.5)), 0)
    a_opp = np.repeat(idx, after)
    lo, hi = proposal[a_opp] + 1, close[a_opp] - 1
    pieces_opp.append(a_opp)
    pieces_day.append(lo + (rng.random(len(a_opp)) * (hi - lo + 1)).astype(np.int64))
    pieces_type.append(np.full(len(a_opp), MEETING))
    pieces_opp += [idx[negotiates], idx[discounted], idx]
    pieces_day += [negotiation[negotiates], change_day[discounted], close]
    pieces_type += [np.full(int(negotiates.sum()), NEGOTIATION), np.full(int(discounted.sum()), AMOUNT_CHANGE),
                    np.full(n, CLOSED)]
    e_opp = np.concatenate(pieces_opp).astype(np.int64)
    e_day = np.concatenate(pieces_day).astype(np.int64)
    e_type = np.concatenate(pieces_type).astype(np.int64)
    order = np.lexsort((e_type, e_day, e_opp))
    e_opp, e_day, e_type = e_opp[order], e_day[order], e_type[order]
    m = len(e_opp)
    first = np.r_[True, e_opp[1:] != e_opp[:-1]] if m else np.zeros(0, bool)
    start = np.maximum.accumulate(np.where(first, np.arange(m), 0)) if m else np.zeros(0, np.int64)
    e_version = np.arange(m) - start + 1
    new_day = np.r_[True, (e_opp[1:] != e_opp[:-1]) | (e_day[1:] != e_day[:-1])] if m else np.zeros(0, bool)
    day_start = np.maximum.accumulate(np.where(new_day, np.arange(m), 0)) if m else np.zeros(0, np.int64)
    e_minute = 9 * 60 + 40 * (np.arange(m) - day_start) + rng.integers(0, 36, size=m)
    # stage after each event: a running maximum within the opportunity (stages only move forward)
    closed_stage = np.where(won[e_opp], STAGES.index("CLOSED_WON"), STAGES.index("CLOSED_LOST"))
    set_stage = np.full(m, -1, np.int64)
    for t, s in STAGE_SET.items():
        set_stage[e_type == t] = s
    set_stage = np.where(e_type == CLOSED, closed_stage, set_stage)
    e_stage = _running_max(set_stage, e_opp)
    prev_stage = np.r_[-1, e_stage[:-1]] if m else e_stage
    changes = np.isin(e_type, (QUALIFIED, PROPOSAL, NEGOTIATION, CLOSED))
    e_from = np.where(changes & ~first, prev_stage, -1)
    e_to = np.where(changes, e_stage, -1)
    changed = _running_max((e_type == AMOUNT_CHANGE).astype(np.int64), e_opp) > 0
    e_amount = np.where(changed, new_amount[e_opp], amount[e_opp])
    learnt_at = np.where(learn[e_opp] == 0, e_type == CREATED,
                         np.where(learn[e_opp] == 1,
                                  np.where(has_prop[e_opp], e_type == PROPOSAL, e_type == CLOSED), e_type == CLOSED))
    known = _running_max(learnt_at.astype(np.int64), e_opp) > 0
    e_competitor = np.where(known, competitor[e_opp], -1)
    by_day = np.lexsort((e_version, e_opp, e_day))
    yymm = (month.year % 100) * 100 + month.month
    return Batch(
        number=yymm * 10_000 + np.arange(1, n + 1, dtype=np.int64), account=account, position=position, employee=employee,
        created=created, expected_close=expected_close, source=source, lost_reason=lost_reason, won=won, close=close,
        e_opp=e_opp[by_day], e_day=e_day[by_day], e_minute=e_minute[by_day], e_type=e_type[by_day],
        e_version=e_version[by_day], e_from=e_from[by_day], e_to=e_to[by_day], e_stage=e_stage[by_day],
        e_amount=e_amount[by_day], e_competitor=e_competitor[by_day],
    )


def _running_max(values: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Running maximum of `values` within each run of equal `group` (sorted by group); values >= -1."""
    if len(values) == 0:
        return values
    offset = (np.r_[0, np.cumsum(group[1:] != group[:-1])]).astype(np.int64) * 1_000
    return np.maximum.accumulate(values + 1 + offset) - offset - 1


@dataclass(frozen=True)
class Selection:
    """Events of one batch picked for a file: (batch, event indexes)."""

    batch: Batch
    events: np.ndarray


def day_events(w: World, day: date, opening: bool) -> List[Selection]:
    """The events a day's files carry: the day's own, and with the opening load the events so far
    of every opportunity created before the day and still open on it."""
    d = day.toordinal()
    out: List[Selection] = []
    month = month_start(day - timedelta(days=MAX_CYCLE_DAYS + 31))
    while month <= day:
        b = batch(w, month)
        lo, hi = np.searchsorted(b.e_day, [d, d + 1])
        picked: Optional[np.ndarray] = np.arange(lo, hi)
        if opening:
            open_then = (b.created < d) & (b.close >= d)
            before = np.flatnonzero(open_then[b.e_opp[:lo]])
            picked = np.r_[before, np.arange(lo, hi)]
        if picked is not None and len(picked):
            out.append(Selection(b, picked))
        month = add_months(month, 1)
    return out


def latest_versions(selection: Selection, day: date) -> np.ndarray:
    """Event indexes of each opportunity's last event on each day among the selection's (one row
    per opportunity and day: the opening load's rows are their version of the day before)."""
    b, ev = selection.batch, selection.events
    if len(ev) == 0:
        return ev
    order = np.lexsort((b.e_version[ev], b.e_day[ev], b.e_opp[ev]))
    ev = ev[order]
    opp, dd = b.e_opp[ev], b.e_day[ev]
    before = dd < day.toordinal()
    group_day = np.where(before, -1, dd)  # the opening load: one row per opportunity, as of the day before
    last = np.r_[(opp[1:] != opp[:-1]) | (group_day[1:] != group_day[:-1]), True]
    return ev[last]


@dataclass(frozen=True)
class Rows:
    """Per selected event: its opportunity's attributes and the state after the event (numpy)."""

    number: np.ndarray
    account: np.ndarray
    position: np.ndarray
    employee: np.ndarray  # the owner
    created: np.ndarray
    expected_close: np.ndarray
    source: np.ndarray
    won: np.ndarray
    lost_reason: np.ndarray
    close: np.ndarray
    day: np.ndarray
    minute: np.ndarray
    type: np.ndarray
    version: np.ndarray
    from_stage: np.ndarray
    to_stage: np.ndarray
    stage: np.ndarray
    amount: np.ndarray
    competitor: np.ndarray

    def __len__(self) -> int:
        return len(self.number)


def gather(parts: List[Tuple[Batch, np.ndarray]]) -> Rows:
    """The events picked from each batch (in the order given), as one set of arrays."""
    def cat(get) -> np.ndarray:  # type: ignore[no-untyped-def]
        arrays = [get(b, ev) for b, ev in parts]
        return np.concatenate(arrays) if arrays else np.zeros(0, np.int64)

    return Rows(
        number=cat(lambda b, ev: b.number[b.e_opp[ev]]), account=cat(lambda b, ev: b.account[b.e_opp[ev]]),
        position=cat(lambda b, ev: b.position[b.e_opp[ev]]), employee=cat(lambda b, ev: b.employee[b.e_opp[ev]]),
        created=cat(lambda b, ev: b.created[b.e_opp[ev]]),
        expected_close=cat(lambda b, ev: b.expected_close[b.e_opp[ev]]),
        source=cat(lambda b, ev: b.source[b.e_opp[ev]]), won=cat(lambda b, ev: b.won[b.e_opp[ev]]).astype(bool),
        lost_reason=cat(lambda b, ev: b.lost_reason[b.e_opp[ev]]), close=cat(lambda b, ev: b.close[b.e_opp[ev]]),
        day=cat(lambda b, ev: b.e_day[ev]), minute=cat(lambda b, ev: b.e_minute[ev]),
        type=cat(lambda b, ev: b.e_type[ev]), version=cat(lambda b, ev: b.e_version[ev]),
        from_stage=cat(lambda b, ev: b.e_from[ev]), to_stage=cat(lambda b, ev: b.e_to[ev]),
        stage=cat(lambda b, ev: b.e_stage[ev]), amount=cat(lambda b, ev: b.e_amount[ev]),
        competitor=cat(lambda b, ev: b.e_competitor[ev]),
    )


def month_target_paise(w: World, month: date) -> Tuple[np.ndarray, np.ndarray]:
    """(SR positions, institutional target of the month in paise) per SR position."""
    rng = rng_for(w.seed, "erp_institution_targets", month)
    acc = accounts(w)
    srs = w.org.of_role("SR")
    n_t = len(w.geo.territory_codes)
    mean = np.bincount(acc.territory, acc.expected_paise, minlength=n_t) / np.maximum(np.bincount(acc.territory, minlength=n_t), 1)
    value = w.scale.opportunities_per_sr_month * mean[w.org.territory[srs]] * EXPECTED_WIN_RATE * rng.uniform(1.0, 1.3, size=len(srs))
    return srs, np.maximum(np.rint(value / 100_000), 1).astype(np.int64) * 100_000
