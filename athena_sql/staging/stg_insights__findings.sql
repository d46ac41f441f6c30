-- Insight findings of a run (spikes, troughs, channel stuffing) as the build-insights step wrote them;
-- partition dt = the run date, one object per cadence.
-- Grain: one row per run date, cadence, kind and key.
CREATE OR REPLACE VIEW stg_insights__findings AS
SELECT
    cadence,
    kind,
    territory_code,
    division_code,
    stockist_code,
    period_start,
    period_end,
    basis,
    value,
    baseline_median,
    change_value,
    change_pct,
    robust_z,
    impact_value,
    contributors,
    finding_text,
    dt
FROM cur_insights__findings
