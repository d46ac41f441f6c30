"""Config sections ``insights`` and ``scorecard``: a bad value is one line naming the key path and the
rule; a scorecard measure bound to a mart or column that does not exist is refused at load."""
from __future__ import annotations

import copy
import json
from typing import Any, Callable, Dict

import pytest
import yaml

from saleslens.config import DEFAULT_CONFIG, ConfigError, load_config
from saleslens.views import ViewDefinitionError, load_views, output_columns, sql_root

RAW = json.loads(DEFAULT_CONFIG.read_text())
MEASURE = "scorecard.themes.0.objectives.0.measures.0"  # Achievement % (value) of Revenue


def _set(path: str, value: Any) -> Callable[[Dict[str, Any]], None]:
    def apply(raw: Dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = raw
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        node[last] = value
    return apply


def _drop(path: str) -> Callable[[Dict[str, Any]], None]:
    def apply(raw: Dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = raw
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        del node[last]
    return apply


BAD = [
    (_set("insights.anomalies.z_threshold", 0), "insights.anomalies.z_threshold: must be > 0, got 0"),
    (_set("insights.anomalies.min_pct_change", -5), "insights.anomalies.min_pct_change: must be >= 0, got -5"),
    (_set("insights.anomalies.comparable_months", 2.5),
     "insights.anomalies.comparable_months: must be an integer, got a number 2.5"),
    (_set("insights.anomalies.z_treshold", 3.5),
     "insights.anomalies.z_treshold: unknown key (did you mean 'z_threshold'?)"),
    (_set("insights.churn.drop_ratio", 1.5),
     "insights.churn.drop_ratio: must be <= 1 (a share of last year's net primary), got 1.5"),
    (_set("insights.churn.trailing_months", "3"), 'insights.churn.trailing_months: must be an integer, got a string "3"'),
    (_set("insights.profitability.cost_of_capital", 12),
     "insights.profitability.cost_of_capital: must be <= 1 (an annual rate as a share), got 12"),
    (_set("insights.stuffing.secondary_flat_pct", -1), "insights.stuffing.secondary_flat_pct: must be >= 0, got -1"),
    (_drop("insights"), "insights: missing (required)"),
    (_drop("scorecard"), "scorecard: missing (required)"),
    (_set(f"{MEASURE}.direction", "up"), f'{MEASURE}.direction: must be one of higher, lower, got "up"'),
    (_set(f"{MEASURE}.tolerance", -1), f"{MEASURE}.tolerance: must be >= 0, got -1"),
    (_set(f"{MEASURE}.target", "100"), f'{MEASURE}.target: must be a number, got a string "100"'),
    (_drop(f"{MEASURE}.target"), f"{MEASURE}.target: missing (required)"),
    (_set(f"{MEASURE}.mart", "targets"), f'{MEASURE}.mart: must be a mart view name (mart_...), got "targets"'),
    (_set(f"{MEASURE}.units", "%"),
     f"{MEASURE}.units: unknown key; expected name, mart, column, target, direction, tolerance"),
    (_set("scorecard.themes.0.name", ""), 'scorecard.themes.0.name: must be a non-empty name, got ""'),
    # the bindings, checked against the views' SQL
    (_set(f"{MEASURE}.mart", "mart_targets__achievement_by_positon"),
     f"{MEASURE} (Achievement % (value)): mart 'mart_targets__achievement_by_positon' is not a view of "
     "athena_sql/marts (did you mean 'mart_targets__achievement_by_position'?)"),
    (_set(f"{MEASURE}.column", "achievment_value_pct"),
     f"{MEASURE} (Achievement % (value)): mart_targets__achievement_by_position has no column "
     "'achievment_value_pct' (did you mean 'achievement_value_pct'?)"),
    (_set(f"{MEASURE}.mart", "mart_control__primary_totals"),
     f"{MEASURE} (Achievement % (value)): the columns of mart_control__primary_totals cannot be read from its SQL "
     "(it selects *); bind the measure to another mart"),
]


@pytest.mark.parametrize("breaks,line", BAD, ids=[line.split(":")[0].split(" ")[0] + f"-{i}" for i, (_, line) in enumerate(BAD)])
def test_a_bad_insights_or_scorecard_value_is_one_line(tmp_path, monkeypatch, breaks, line):
    raw = copy.deepcopy(RAW)
    breaks(raw)
    (tmp_path / "c.json").write_text(json.dumps(raw))
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "c.json")
    assert str(caught.value) == f"c.json: {line}"


def test_the_deployed_parameters_are_the_catalogue_s():
    a, c = load_config().insights.anomalies, load_config().insights.churn
    assert (a.z_threshold, a.mad_scale) == (3.5, 1.4826)  # catalogue 5
    assert (c.trailing_months, c.drop_ratio, c.gap_multiple) == (3, 0.5, 2.0)  # catalogue 4


def test_a_view_s_columns_include_every_column_its_declaration_names():
    # _marts.yml names the columns never null; the SQL's select list is the full set the bindings check.
    decl = {m["name"]: m for m in yaml.safe_load((sql_root() / "marts" / "_marts.yml").read_text())["models"]}
    checked = 0
    for view in (v for v in load_views() if v.layer == "marts" and v.name != "mart_control__primary_totals"):
        columns = output_columns(view)
        named = {e if isinstance(e, str) else e["column"] for e in decl[view.name]["not_null"]}
        assert named <= set(columns), view.name
        assert len(columns) == len(set(columns)), view.name
        checked += 1
    assert checked == len(decl) - 1 >= 15  # every mart but the control totals (which selects *)
    achievement = next(v for v in load_views() if v.name == "mart_targets__achievement_by_position")
    assert output_columns(achievement)[-4:] == ["working_days_left", "required_run_rate_value", "is_vacant",
                                                "rank_in_parent"]


def test_a_view_selecting_star_has_no_column_list():
    totals = next(v for v in load_views() if v.name == "mart_control__primary_totals")
    with pytest.raises(ViewDefinitionError, match="selects \\*"):
        output_columns(totals)
