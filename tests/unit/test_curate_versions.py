"""Versions of a master from its snapshots: hand-written snapshots, hand-written versions."""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from saleslens.curate.tables import BEGINNING, OPEN_END
from saleslens.curate.versions import apply_snapshot, versions_from_snapshots

D1, D2, D3 = date(2026, 4, 1), date(2026, 5, 10), date(2026, 6, 1)


def snap(*rows):
    return pd.DataFrame(rows, columns=["stockist_code", "territory_code"])


def rows(df):
    """The versions as a set of (code, attribute, valid_from, valid_to); order does not matter."""
    out = [tuple(r) for r in df[["stockist_code", "territory_code", "valid_from", "valid_to"]].itertuples(index=False)]
    assert len(set(out)) == len(out)
    return set(out)


def test_a_change_takes_effect_on_its_snapshots_date():
    # S1 moves from T1 to T2 in the snapshot of 10 May: T1 until 9 May, T2 from 10 May.
    v = versions_from_snapshots([(D1, snap(("S1", "T1"))), (D2, snap(("S1", "T2")))],
                                ["stockist_code"], ["territory_code"], reach_back="all")
    assert rows(v) == {("S1", "T1", BEGINNING, date(2026, 5, 9)), ("S1", "T2", D2, OPEN_END)}


def test_an_unchanged_key_keeps_one_version_across_snapshots():
    v = versions_from_snapshots([(D1, snap(("S1", "T1"))), (D2, snap(("S1", "T1"))), (D3, snap(("S1", "T1")))],
                                ["stockist_code"], ["territory_code"], reach_back="all")
    assert rows(v) == {("S1", "T1", BEGINNING, OPEN_END)}


def test_a_key_that_appears_later_reaches_back_only_when_asked():
    snaps = [(D1, snap(("S1", "T1"))), (D2, snap(("S1", "T1"), ("S2", "T3")))]
    # Stockists: an invoice sent before the master listed S2 maps once it does.
    assert rows(versions_from_snapshots(snaps, ["stockist_code"], ["territory_code"], reach_back="all")) == {
        ("S1", "T1", BEGINNING, OPEN_END), ("S2", "T3", BEGINNING, OPEN_END)}
    # Positions: a position created on 10 May does not exist before it.
    assert rows(versions_from_snapshots(snaps, ["stockist_code"], ["territory_code"], reach_back="first_snapshot")) == {
        ("S1", "T1", BEGINNING, OPEN_END), ("S2", "T3", D2, OPEN_END)}


def test_a_key_that_disappears_ends_the_day_before_and_restarts_when_it_returns():
    snaps = [(D1, snap(("S1", "T1"))), (D2, snap()), (D3, snap(("S1", "T1")))]
    v = versions_from_snapshots(snaps, ["stockist_code"], ["territory_code"], reach_back="all")
    assert rows(v) == {("S1", "T1", BEGINNING, date(2026, 5, 9)), ("S1", "T1", D3, OPEN_END)}


def test_snapshots_may_arrive_in_any_order():
    ordered = [(D1, snap(("S1", "T1"))), (D2, snap(("S1", "T2")))]
    assert rows(versions_from_snapshots(list(reversed(ordered)), ["stockist_code"], ["territory_code"], reach_back="all")) \
        == rows(versions_from_snapshots(ordered, ["stockist_code"], ["territory_code"], reach_back="all"))


def test_two_snapshots_of_one_date_are_refused():
    with pytest.raises(ValueError, match="same date"):
        versions_from_snapshots([(D1, snap()), (D1, snap())], ["stockist_code"], ["territory_code"], reach_back="all")


def test_a_null_attribute_is_a_value_like_any_other():
    v = versions_from_snapshots([(D1, snap(("S1", None))), (D2, snap(("S1", None))), (D3, snap(("S1", "T1")))],
                                ["stockist_code"], ["territory_code"], reach_back="all")
    assert rows(v) == {("S1", None, BEGINNING, date(2026, 5, 31)), ("S1", "T1", D3, OPEN_END)}


# Adding snapshots one by one gives what a rebuild from all of them gives.
_codes = st.sampled_from(["S1", "S2", "S3"])
_snapshot = st.dictionaries(_codes, st.sampled_from(["T1", "T2", None]), max_size=3)


@settings(max_examples=150, deadline=None)
@given(st.lists(_snapshot, min_size=1, max_size=6), st.sampled_from(["all", "first_snapshot"]))
def test_adding_snapshots_one_at_a_time_equals_a_rebuild(series, reach_back):
    days = [date(2026, 1, 1 + 3 * i) for i in range(len(series))]
    frames = [snap(*sorted(s.items())) for s in series]
    rebuilt = versions_from_snapshots(list(zip(days, frames)), ["stockist_code"], ["territory_code"], reach_back=reach_back)
    versions = apply_snapshot(pd.DataFrame(), days[0], frames[0], ["stockist_code"], ["territory_code"],
                              reach_back=reach_back, first=True)
    for day, frame in zip(days[1:], frames[1:]):
        versions = apply_snapshot(versions, day, frame, ["stockist_code"], ["territory_code"], reach_back=reach_back)
    assert rows(versions) == rows(rebuilt)
