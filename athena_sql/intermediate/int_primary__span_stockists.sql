-- Mapped primary lines summed per span (int_calendar__window_days), territory, division and
-- stockist, for the customer cut.
-- Grain: one row per as-of date, cadence, period, span, territory, division and stockist.
CREATE OR REPLACE VIEW int_primary__span_stockists AS
SELECT
    sd.as_of_date,
    sd.cadence,
    sd.period,
    sd.span_start,
    l.territory_code,
    l.division_code,
    l.stockist_code,
    sum(l.billed_units) AS billed_units,
    sum(l.free_units) AS free_units,
    sum(l.gross_value) AS gross_value,
    sum(l.return_value) AS return_value,
    sum(l.credit_value) AS credit_value,
    sum(l.net_value) AS net_value
FROM int_primary__lines_mapped AS l
JOIN int_calendar__span_days AS sd ON sd.dt = l.dt
WHERE l.unmapped_reason IS NULL
GROUP BY sd.as_of_date, sd.cadence, sd.period, sd.span_start, l.territory_code, l.division_code, l.stockist_code
