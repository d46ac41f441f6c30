"""Golden tests of scorecard status (saleslens.insights.scorecard): higher is better -> on-track at
or above the target, at-risk down to target - tolerance, off-track below; lower is better the
mirror image; no value -> no-data."""
from __future__ import annotations

import math

import pandas as pd
import pytest

from saleslens.config import MeasureConfig, ObjectiveConfig, ScorecardConfig, ThemeConfig, load_config
from saleslens.insights.scorecard import AT_RISK, NO_DATA, OFF_TRACK, ON_TRACK, scorecard, status

ACHIEVEMENT = MeasureConfig("Achievement %", "mart_targets__achievement_by_position", "achievement_value_pct",
                            target=100.0, direction="higher", tolerance=5.0)
STOCK_DAYS = MeasureConfig("Closing stock days", "mart_sales__secondary_by_position", "closing_stock_days",
                           target=30.0, direction="lower", tolerance=10.0)


@pytest.mark.parametrize("value,expected", [
    (120.0, ON_TRACK), (100.0, ON_TRACK),  # at the target: on-track
    (99.5, AT_RISK), (95.0, AT_RISK),  # 100 - 5 = 95: the tolerance's end is still at-risk
    (94.5, OFF_TRACK), (0.0, OFF_TRACK),
    (None, NO_DATA), (math.nan, NO_DATA),
])
def test_higher_is_better(value, expected):
    assert status(value, ACHIEVEMENT) == expected


@pytest.mark.parametrize("value,expected", [
    (12.0, ON_TRACK), (30.0, ON_TRACK),
    (30.5, AT_RISK), (40.0, AT_RISK),  # 30 + 10 = 40
    (40.5, OFF_TRACK), (None, NO_DATA),
])
def test_lower_is_better(value, expected):
    assert status(value, STOCK_DAYS) == expected


def test_a_zero_tolerance_leaves_no_at_risk():
    exact = MeasureConfig("x", "mart_training__by_position", "completion_pct", 90.0, "higher", 0.0)
    assert [status(v, exact) for v in (90.0, 89.5)] == [ON_TRACK, OFF_TRACK]


def test_the_scorecard_of_each_position():
    card = ScorecardConfig([ThemeConfig("Revenue", [ObjectiveConfig("Meet target", ["Push"], [ACHIEVEMENT])]),
                            ThemeConfig("Partners", [ObjectiveConfig("Healthy stock", ["Review"], [STOCK_DAYS])])])
    marts = {
        "mart_targets__achievement_by_position": pd.DataFrame(
            {"position_id": ["NH1", "BUH1"], "achievement_value_pct": [97.25, None]}),
        "mart_sales__secondary_by_position": pd.DataFrame({"position_id": ["NH1"], "closing_stock_days": [41.0]}),
    }
    out = scorecard(card, marts)
    out = out.astype(object).where(out.notna(), None)  # a missing value as None
    assert out[["position_id", "theme", "objective", "actions", "measure", "value", "status"]].to_dict("records") == [
        # 97.25: below 100, above 95 -> at-risk; BUH1's achievement null -> no-data
        {"position_id": "NH1", "theme": "Revenue", "objective": "Meet target", "actions": "Push",
         "measure": "Achievement %", "value": 97.25, "status": AT_RISK},
        {"position_id": "BUH1", "theme": "Revenue", "objective": "Meet target", "actions": "Push",
         "measure": "Achievement %", "value": None, "status": NO_DATA},
        # 41 > 30 + 10 -> off-track; BUH1 has no secondary row -> no-data
        {"position_id": "NH1", "theme": "Partners", "objective": "Healthy stock", "actions": "Review",
         "measure": "Closing stock days", "value": 41.0, "status": OFF_TRACK},
        {"position_id": "BUH1", "theme": "Partners", "objective": "Healthy stock", "actions": "Review",
         "measure": "Closing stock days", "value": None, "status": NO_DATA},
    ]


def test_a_mart_with_several_rows_per_position_is_refused():
    card = ScorecardConfig([ThemeConfig("Revenue", [ObjectiveConfig("Meet target", [], [ACHIEVEMENT])])])
    two_windows = pd.DataFrame({"position_id": ["NH1", "NH1"], "achievement_value_pct": [97.0, 101.0]})
    with pytest.raises(ValueError, match="more than one row per position_id: cut it to one window first"):
        scorecard(card, {"mart_targets__achievement_by_position": two_windows})


def test_the_deployed_scorecard_has_the_six_hex_go_themes():
    themes = [t.name for t in load_config().scorecard.themes]
    assert themes == ["Revenue", "People", "Partners", "Marketing", "Customer Experience",
                      "Interlock, Incubation & Integration"]
