"""The institutional-business sources the generator writes: accounts, opportunities, their events and
the institutional targets follow the process generate/institutions.py documents."""
from __future__ import annotations

import io
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pcsv
import pytest

from saleslens.contracts import dataset_for_key
from saleslens.generate import build_world, generate
from saleslens.generate.scales import get_scale

START = date(2026, 4, 1)
HISTORY_FROM = date(2024, 1, 1)  # 27 months before the start


@pytest.fixture(scope="module")
def tiny():
    return generate("tiny", start=START, days=3, history_from=HISTORY_FROM, dirt=False)


def _read(g, *tables: str) -> pd.DataFrame:
    frames = []
    for key, data in g.files.items():
        if dataset_for_key(key)[0].table in tables:
            frames.append(pcsv.read_csv(io.BytesIO(data), convert_options=pcsv.ConvertOptions(
                strings_can_be_null=True, column_types={"amount": pa.float64(), "target_value": pa.float64()})))
    return pa.concat_tables(frames, promote_options="permissive").to_pandas()


@pytest.fixture(scope="module")
def opportunities(tiny):
    return _read(tiny, "crm_opportunities", "crm_opportunities_backfill")


@pytest.fixture(scope="module")
def events(tiny):
    return _read(tiny, "crm_opportunity_events", "crm_opportunity_events_backfill")


@pytest.fixture(scope="module")
def latest(opportunities):
    return opportunities.sort_values(["opportunity_id", "version"]).groupby("opportunity_id").tail(1)


def test_history_covers_27_months_of_opportunities(latest):
    created = pd.to_datetime(latest["created_date"])
    months = created.dt.to_period("M")
    # every month from the history's first to the month before the start has opportunities
    assert set(pd.period_range("2024-01", "2026-03", freq="M")) <= set(months)
    assert len(latest) > 500  # tiny: 8 SR positions x 3 a month x 27 months, less vacancies


def test_win_rate_is_within_20_to_35_percent(latest):
    closed = latest[latest["outcome"] != "OPEN"]
    rate = (closed["outcome"] == "WON").mean()
    assert 0.20 <= rate <= 0.35, rate


def test_outcome_fields_are_only_filled_once_closed(opportunities):
    open_ = opportunities[opportunities["outcome"] == "OPEN"]
    assert open_["closed_date"].isna().all() and open_["lost_reason"].isna().all()
    assert not open_["stage"].isin(["CLOSED_WON", "CLOSED_LOST"]).any()
    won = opportunities[opportunities["outcome"] == "WON"]
    lost = opportunities[opportunities["outcome"] == "LOST"]
    assert won["closed_date"].notna().all() and won["lost_reason"].isna().all() and (won["stage"] == "CLOSED_WON").all()
    assert lost["closed_date"].notna().all() and lost["lost_reason"].notna().all()
    assert (lost["stage"] == "CLOSED_LOST").all()


def test_cycles_run_30_to_180_days(latest):
    closed = latest[latest["outcome"] != "OPEN"]
    days = (pd.to_datetime(closed["closed_date"]) - pd.to_datetime(closed["created_date"])).dt.days
    assert days.min() >= 30 and days.max() <= 180


def test_versions_are_the_events_so_far(opportunities, events):
    # every opportunity row's version is one of its events', and the events number 1, 2, ... per opportunity
    per_opp = events.groupby("opportunity_id")["version"].agg(["min", "max", "count"])
    complete = per_opp[per_opp["min"] == 1]
    assert (complete["max"] == complete["count"]).all()
    keys = set(zip(events["opportunity_id"], events["version"]))
    assert set(zip(opportunities["opportunity_id"], opportunities["version"])) <= keys
    assert not opportunities.duplicated(["opportunity_id", "version"]).any()
    assert not events["event_id"].duplicated().any()
    # the event that closes a deal is its last, and carries the closing stage
    closed = events[events["event_type"] == "CLOSED"]
    assert closed["to_stage"].isin(["CLOSED_WON", "CLOSED_LOST"]).all()
    last = events.sort_values(["opportunity_id", "version"]).groupby("opportunity_id").tail(1)
    assert set(closed["event_id"]) <= set(last["event_id"])


def test_a_competitor_learnt_later_is_absent_from_earlier_events(events, latest):
    """The leakage trap: the competitor of a closed deal is not always known at its creation."""
    created = events[events["event_type"] == "CREATED"].set_index("opportunity_id")["competitor"]
    final = latest.set_index("opportunity_id")["competitor"]
    both = pd.concat([created.rename("at_creation"), final.rename("final")], axis=1, join="inner")
    learnt_later = both["at_creation"].isna() & both["final"].notna()
    assert learnt_later.sum() > 0.1 * both["final"].notna().sum()
    # once known it stays known
    ordered = events.sort_values(["opportunity_id", "version"])
    known = ordered["competitor"].notna().astype(int)
    assert (ordered.assign(k=known).groupby("opportunity_id")["k"].diff().fillna(0) >= 0).all()


def test_owner_held_a_position_of_the_territory_on_the_creation_day(tiny, latest):
    world = build_world(get_scale("tiny"), 7, START, history_from=HISTORY_FROM, until=START + timedelta(days=2))
    codes = world.geo.territory_codes
    for _, row in latest.sample(60, random_state=1).iterrows():
        day = date.fromisoformat(str(row["created_date"])[:10])
        holders = world.holders(day)
        employee = world.people.employee_ids.index(row["owner_employee_id"])
        positions = np.flatnonzero(holders == employee)
        assert any(world.org.role[p] == "SR" and codes[world.org.territory[p]] == row["territory_code"] for p in positions)


def test_signal_source_and_account_type_move_the_win_rate(latest, tiny):
    accounts = _read(tiny, "crm_accounts").drop_duplicates("account_id")
    closed = latest[latest["outcome"] != "OPEN"].merge(accounts[["account_id", "account_type"]], on="account_id")
    won = closed["outcome"] == "WON"
    by_source = won.groupby(closed["source"]).mean()
    assert by_source["RENEWAL"] > by_source["TENDER"]  # SOURCE_EFFECT: +1.0 vs -0.6
    by_type = won.groupby(closed["account_type"]).mean()
    assert by_type["PRIVATE_HOSPITAL"] > by_type["GOVT_HOSPITAL"]  # TYPE_EFFECT: +0.3 vs -0.5


def test_institutional_targets_land_monthly_for_every_sr_territory(tiny):
    targets = _read(tiny, "erp_institution_targets")
    months = sorted(set(targets["target_month"].astype(str)))
    assert months[0] == "2024-01-01" and months[-1] == "2026-04-01" and len(months) == 28
    per_month = targets.groupby(targets["target_month"].astype(str)).size()
    assert (per_month == 8).all()  # tiny: 8 SR positions, one division
    assert (targets["target_value"] > 0).all()
