-- Primary lines summed per span (int_calendar__window_days), territory, division and unmapped
-- reason: a month of a monthly report is summed once, not once per window that holds it. Read
-- from the curated daily sums (stg_erp__primary_daily: lines mapped as int_primary__lines_mapped
-- maps them), not from every line.
-- Grain: one row per as-of date, cadence, period, span, territory, division and unmapped reason.
CREATE OR REPLACE VIEW int_primary__span_territories AS
SELECT
    sd.as_of_date,
    sd.cadence,
    sd.period,
    sd.span_start,
    l.territory_code,
    l.division_code,
    l.unmapped_reason,
    CAST(sum(l.lines) AS BIGINT) AS lines,
    CAST(sum(l.invoice_lines) AS BIGINT) AS invoice_lines,
    sum(l.billed_units) AS billed_units,
    sum(l.free_units) AS free_units,
    sum(l.return_units) AS return_units,
    sum(l.gross_value) AS gross_value,
    sum(l.return_value) AS return_value,
    sum(l.credit_value) AS credit_value,
    sum(l.net_value) AS net_value
FROM stg_erp__primary_daily AS l
JOIN int_calendar__span_days AS sd ON sd.dt = l.dt
GROUP BY sd.as_of_date, sd.cadence, sd.period, sd.span_start, l.territory_code, l.division_code, l.unmapped_reason
