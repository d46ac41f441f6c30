-- Institutional pipeline figures of each SR position per report window, before the roll-up
-- (mart_pipeline__by_position): deals closed in the window (won, lost, their value, the won deals'
-- cycle days, the closes that came after a proposal), the value won in the window's whole months
-- (what the remaining target counts from), and the open pipeline on the as-of date (the same in
-- every window) with its at-risk deals: open and past the expected close date, or 30 days or more
-- since the last event, and its expected value: amount x the latest score's probability
-- (stg_crm__opportunity_scores) of the open deals scored, the deals never scored counted apart.
-- Grain: one row per as-of date, cadence, window and SR position with opportunities.
CREATE OR REPLACE VIEW int_pipeline__sr_windows AS
WITH deals AS (
    SELECT
        w.as_of_date,
        w.cadence,
        w.window_id,
        o.sr_position_id,
        o.outcome,
        o.amount,
        o.outcome IN ('WON', 'LOST') AND o.closed_date BETWEEN w.start_date AND w.end_date AS closed_in_window,
        o.outcome = 'WON'
        AND o.closed_date BETWEEN CAST(date_trunc('month', w.start_date) AS DATE)
        AND CAST(date_add('day', -1, date_add('month', 1, date_trunc('month', w.end_date))) AS DATE) AS won_in_months,
        o.closed_from_stage IN ('PROPOSAL', 'NEGOTIATION') AS after_proposal,
        date_diff('day', o.created_date, o.closed_date) AS cycle_days,
        o.outcome = 'OPEN' AND (o.expected_close_date < o.as_of_date OR o.days_since_activity >= 30) AS at_risk,
        s.probability
    FROM int_calendar__report_windows AS w
    JOIN int_pipeline__opportunities_asof AS o ON o.as_of_date = w.as_of_date
    LEFT JOIN stg_crm__opportunity_scores AS s ON s.opportunity_id = o.opportunity_id
    WHERE o.sr_position_id IS NOT NULL
)
SELECT
    as_of_date,
    cadence,
    window_id,
    sr_position_id,
    count_if(closed_in_window AND outcome = 'WON') AS won_count,
    count_if(closed_in_window AND outcome = 'LOST') AS lost_count,
    sum(CASE WHEN closed_in_window AND outcome = 'WON' THEN amount END) AS won_value,
    sum(CASE WHEN closed_in_window AND outcome = 'LOST' THEN amount END) AS lost_value,
    sum(CASE WHEN closed_in_window AND outcome = 'WON' THEN cycle_days END) AS won_cycle_days,
    count_if(closed_in_window AND after_proposal) AS closed_after_proposal_count,
    count_if(closed_in_window AND after_proposal AND outcome = 'WON') AS won_after_proposal_count,
    sum(CASE WHEN won_in_months THEN amount END) AS won_value_target_months,
    count_if(outcome = 'OPEN') AS open_count,
    sum(CASE WHEN outcome = 'OPEN' THEN amount END) AS open_value,
    count_if(at_risk) AS at_risk_count,
    sum(CASE WHEN at_risk THEN amount END) AS at_risk_value,
    count_if(outcome = 'OPEN' AND probability IS NOT NULL) AS scored_open_count,
    sum(CASE WHEN outcome = 'OPEN' THEN CAST(amount AS DOUBLE) * probability END) AS expected_value,
    sum(CASE WHEN outcome = 'OPEN' AND probability IS NULL THEN amount END) AS unscored_open_value
FROM deals
GROUP BY as_of_date, cadence, window_id, sr_position_id
