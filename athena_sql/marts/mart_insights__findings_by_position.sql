-- Spikes, troughs and channel-stuffing episodes of a run cut to every position whose subtree owns
-- them on the as-of date: a finding of territory T and division D belongs to the SR position that
-- owns T's sales of D on that date (held or vacant) and to each of its ancestors. Largest impact
-- (rupees moved from the baseline median) first in the report; the text is the build-insights
-- step's sentence.
-- Grain: one row per as-of date, cadence, position, kind, territory, division and stockist.
CREATE OR REPLACE VIEW mart_insights__findings_by_position AS
SELECT
    d.as_of_date,
    f.cadence,
    c.ancestor_position_id AS position_id,
    p.role,
    o.position_id AS owner_position_id,
    f.kind,
    f.territory_code,
    f.division_code,
    f.stockist_code,
    f.period_start,
    f.period_end,
    f.basis,
    f.value,
    f.baseline_median,
    f.change_value,
    f.change_pct,
    f.robust_z,
    f.impact_value,
    f.contributors,
    f.finding_text
FROM int_calendar__as_of_dates AS d
JOIN stg_insights__findings AS f ON f.dt = CAST(d.as_of_date AS VARCHAR)
JOIN int_hr__sr_owners_asof AS o
    ON o.as_of_date = d.as_of_date AND o.territory_code = f.territory_code AND o.division_code = f.division_code
JOIN int_hr__closure_asof AS c ON c.as_of_date = d.as_of_date AND c.position_id = o.position_id
JOIN int_hr__positions_asof AS p ON p.as_of_date = d.as_of_date AND p.position_id = c.ancestor_position_id
