"""Forecasts of net primary per territory x brand, 30/60/90 days ahead, summed up the position tree
(issue 11, KPI catalogue section 4 "forecast accuracy"), as plain functions over pandas frames.

- ``series``: the monthly panel of net primary per territory x brand from ``cur_erp__primary_daily``
  (a horizon of 30/60/90 days is the next 1/2/3 calendar months after a month-end origin);
- ``models``: the seasonal-naive baseline, AutoETS per series (statsforecast: the model kept) and
  a global LightGBM model (measured, not kept), each forecasting from the panel cut at the origin
  only;
- ``hierarchy``: each territory x division's ancestor position per role level, and the bottom-up sums;
- ``backtest``: rolling monthly origins, forecasts against actuals per level and horizon;
- ``intervals``: prediction intervals per level and horizon from that level's backtest residuals;
- ``accuracy``: MAPE, WAPE, bias and forecast accuracy of stored forecasts against the actuals that
  arrived;
- ``job``: the monthly forecast job (glue_jobs/forecast.py, state machine ``forecast``): the panel
  up to an origin, the backtest's per-level intervals, the forecast of every node, and the scoring
  of earlier forecasts, written to ``cur_forecast__by_position`` and ``cur_forecast__accuracy``
  (docs/kpis.md, "Forecasts (as built)").
"""
