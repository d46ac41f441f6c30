"""Insight rules over the curated numbers (KPI catalogue sections 4 and 5), as plain functions over
pandas DataFrames; their parameters are config ``insights`` (``saleslens.config.InsightsConfig``),
the scorecard is config ``scorecard``.

- ``robust``: median, MAD, robust z and the minimum-change rule every finding passes;
- ``anomalies``: spikes and troughs on comparable periods, with top contributors and a sentence;
- ``stuffing``: the channel-stuffing rule;
- ``churn``: stockist churn risk per stockist x brand;
- ``profitability``: contribution after cost to serve per stockist, least profitable first;
- ``scorecard`` and ``scorecard_bindings``: measure status, and the check that each measure's mart
  column exists.

Library and golden tests only so far: no view, job or report calls them yet (docs/kpis.md,
"Insights (rules as built)").
"""
