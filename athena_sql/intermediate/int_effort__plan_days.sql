-- The days of each month that the month-aligned windows (month to date, month, quarter, year)
-- count against the month's call plan. Every plan window that touches a month holds the same days
-- of it (the closed windows of a monthly report hold whole months; month to date is the only plan
-- window of its cadence), so a plan month is measured once per as-of date and cadence and added
-- up per window (golden test test_plan_windows_hold_the_same_days_of_a_month). Day and fortnight
-- windows have no plan figures: a plan is monthly.
-- Grain: one row per as-of date, cadence, window and day.
CREATE OR REPLACE VIEW int_effort__plan_days AS
SELECT as_of_date, cadence, window_id, month_start, day, dt
FROM int_calendar__window_days
WHERE period = 'TY' AND window_id IN ('mtd', 'month', 'qtd', 'ytd')
