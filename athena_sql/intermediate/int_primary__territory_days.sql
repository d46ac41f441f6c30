-- Primary lines of the report windows' days summed per day, territory and division (each line
-- mapped "as was" on its document date) and unmapped reason, each day once however many windows
-- hold it: for the views that need the day (who held or left a territory vacant that day). Read
-- from the curated daily sums (stg_erp__primary_daily), not from every line.
-- Grain: one row per as-of date, cadence, period, day, territory, division and unmapped reason.
CREATE OR REPLACE VIEW int_primary__territory_days AS
SELECT
    sd.as_of_date,
    sd.cadence,
    sd.period,
    sd.day,
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
GROUP BY sd.as_of_date, sd.cadence, sd.period, sd.day, l.territory_code, l.division_code, l.unmapped_reason
