-- Mapped primary lines summed per span (int_calendar__window_days), territory, division and
-- brand, for the brand cut (a line with an unmapped reason has no brand or owner to show under),
-- from the curated daily sums (stg_erp__primary_daily) rather than every line.
-- Grain: one row per as-of date, cadence, period, span, territory, division and brand.
CREATE OR REPLACE VIEW int_primary__span_brands AS
SELECT
    sd.as_of_date,
    sd.cadence,
    sd.period,
    sd.span_start,
    l.territory_code,
    l.division_code,
    l.brand_code,
    sum(l.billed_units) AS billed_units,
    sum(l.free_units) AS free_units,
    sum(l.return_units) AS return_units,
    sum(l.net_value) AS net_value
FROM stg_erp__primary_daily AS l
JOIN int_calendar__span_days AS sd ON sd.dt = l.dt
WHERE l.unmapped_reason IS NULL
GROUP BY sd.as_of_date, sd.cadence, sd.period, sd.span_start, l.territory_code, l.division_code, l.brand_code
