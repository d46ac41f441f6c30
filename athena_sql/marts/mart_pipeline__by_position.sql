-- Institutional pipeline of every position on the as-of date, per report window (KPI catalogue 4):
-- an SR's own deals (the deals of its division in its territory), a manager's whole subtree (the
-- tree as of the as-of date), held or vacant. Deals as known on the as-of date
-- (int_pipeline__opportunities_asof); "closed in the window": closed_date within the window.
--   win_rate_count_pct / win_rate_value_pct  won / (won + lost) x 100 of the deals closed in the
--                                 window, by count / by value; open deals excluded;
--   avg_won_deal_value            value won / deals won in the window;
--   avg_cycle_days_won            mean days from created to closed of the deals won in the window;
--   open_count / open_value       deals open on the as-of date (the same in every window);
--   target_value                  institutional targets of the window's whole months;
--   remaining_target_value        target_value - value won in those months (won_value_target_months);
--   pipeline_coverage             open_value / remaining_target_value (null when no target
--                                 remains: none set, or met);
--   sales_velocity_value_per_day  open_count x avg_won_deal_value x win rate (count, as a
--                                 fraction) / avg_cycle_days_won: value the open pipeline is
--                                 expected to close a day (null without a win in the window);
--   proposal_rate_pct             deals closed in the window after a proposal / deals closed x 100;
--   proposal_win_rate_pct         of those closed after a proposal, the share won x 100;
--   at_risk_count / at_risk_value open deals past their expected close date, or 30 days or more
--                                 since their last event [choice: the catalogue names no rule];
--   scored_open_count / unscored_open_count / unscored_open_value
--                                 open deals with a score (stg_crm__opportunity_scores: the latest
--                                 score the run's SnapshotScores state copied) and without one;
--   expected_value                sum of amount x probability of the scored open deals (null when
--                                 none is scored: never a 0 that means "not scored yet");
--   expected_value_pct_of_remaining_target  expected_value / remaining_target_value x 100 (null
--                                 when no target remains or nothing is scored);
--   expected_gap_value            remaining_target_value - expected_value: what the scored open
--                                 pipeline is not expected to bring in (negative: expected to
--                                 exceed the remaining target; null when nothing is scored).
-- Every position of the tree has a row per window, with zeros where it has no deals.
-- Grain: one row per as-of date, cadence, window and position.
CREATE OR REPLACE VIEW mart_pipeline__by_position AS
WITH rolled AS (
    SELECT
        s.as_of_date,
        s.cadence,
        s.window_id,
        c.ancestor_position_id AS position_id,
        sum(s.won_count) AS won_count,
        sum(s.lost_count) AS lost_count,
        sum(s.won_value) AS won_value,
        sum(s.lost_value) AS lost_value,
        sum(s.won_cycle_days) AS won_cycle_days,
        sum(s.closed_after_proposal_count) AS closed_after_proposal_count,
        sum(s.won_after_proposal_count) AS won_after_proposal_count,
        sum(s.won_value_target_months) AS won_value_target_months,
        sum(s.open_count) AS open_count,
        sum(s.open_value) AS open_value,
        sum(s.at_risk_count) AS at_risk_count,
        sum(s.at_risk_value) AS at_risk_value,
        sum(s.scored_open_count) AS scored_open_count,
        sum(s.expected_value) AS expected_value,
        sum(s.unscored_open_value) AS unscored_open_value
    FROM int_pipeline__sr_windows AS s
    JOIN int_hr__closure_asof AS c ON c.as_of_date = s.as_of_date AND c.position_id = s.sr_position_id
    GROUP BY s.as_of_date, s.cadence, s.window_id, c.ancestor_position_id
),
targets AS (
    SELECT
        t.as_of_date,
        t.cadence,
        t.window_id,
        c.ancestor_position_id AS position_id,
        sum(t.target_value) AS target_value
    FROM int_pipeline__targets_window AS t
    JOIN int_hr__closure_asof AS c ON c.as_of_date = t.as_of_date AND c.position_id = t.sr_position_id
    GROUP BY t.as_of_date, t.cadence, t.window_id, c.ancestor_position_id
),
figures AS (
    SELECT
        w.as_of_date,
        w.cadence,
        w.window_id,
        w.window_order,
        w.start_date,
        w.end_date,
        p.position_id,
        p.role,
        p.position_name,
        p.parent_position_id,
        COALESCE(r.won_count, 0) AS won_count,
        COALESCE(r.lost_count, 0) AS lost_count,
        COALESCE(r.won_value, CAST(0 AS DECIMAL(18, 2))) AS won_value,
        COALESCE(r.lost_value, CAST(0 AS DECIMAL(18, 2))) AS lost_value,
        COALESCE(r.won_cycle_days, 0) AS won_cycle_days,
        COALESCE(r.closed_after_proposal_count, 0) AS closed_after_proposal_count,
        COALESCE(r.won_after_proposal_count, 0) AS won_after_proposal_count,
        COALESCE(r.won_value_target_months, CAST(0 AS DECIMAL(18, 2))) AS won_value_target_months,
        COALESCE(r.open_count, 0) AS open_count,
        COALESCE(r.open_value, CAST(0 AS DECIMAL(18, 2))) AS open_value,
        COALESCE(r.at_risk_count, 0) AS at_risk_count,
        COALESCE(r.at_risk_value, CAST(0 AS DECIMAL(18, 2))) AS at_risk_value,
        COALESCE(r.scored_open_count, 0) AS scored_open_count,
        r.expected_value,
        COALESCE(r.unscored_open_value, CAST(0 AS DECIMAL(18, 2))) AS unscored_open_value,
        t.target_value
    FROM int_calendar__report_windows AS w
    JOIN int_hr__positions_asof AS p ON p.as_of_date = w.as_of_date
    LEFT JOIN rolled AS r
        ON r.as_of_date = w.as_of_date AND r.cadence = w.cadence AND r.window_id = w.window_id
        AND r.position_id = p.position_id
    LEFT JOIN targets AS t
        ON t.as_of_date = w.as_of_date AND t.cadence = w.cadence AND t.window_id = w.window_id
        AND t.position_id = p.position_id
)
SELECT
    as_of_date,
    cadence,
    window_id,
    window_order,
    start_date,
    end_date,
    position_id,
    role,
    position_name,
    parent_position_id,
    won_count,
    lost_count,
    won_value,
    lost_value,
    CASE WHEN won_count + lost_count > 0
        THEN round(round(CAST(won_count AS DOUBLE) / (won_count + lost_count) * 100, 8), 2)
    END AS win_rate_count_pct,
    CASE WHEN won_value + lost_value > 0
        THEN round(round(CAST(won_value AS DOUBLE) / CAST(won_value + lost_value AS DOUBLE) * 100, 8), 2)
    END AS win_rate_value_pct,
    CASE WHEN won_count > 0 THEN round(round(CAST(won_value AS DOUBLE) / won_count, 8), 2) END AS avg_won_deal_value,
    CASE WHEN won_count > 0 THEN round(round(CAST(won_cycle_days AS DOUBLE) / won_count, 8), 1) END AS avg_cycle_days_won,
    open_count,
    open_value,
    target_value,
    won_value_target_months,
    target_value - won_value_target_months AS remaining_target_value,
    CASE WHEN target_value - won_value_target_months > 0
        THEN round(round(CAST(open_value AS DOUBLE) / CAST(target_value - won_value_target_months AS DOUBLE), 8), 2)
    END AS pipeline_coverage,
    CASE WHEN won_count > 0 AND won_cycle_days > 0
        THEN round(round(
            open_count * (CAST(won_value AS DOUBLE) / won_count) * (CAST(won_count AS DOUBLE) / (won_count + lost_count))
            / (CAST(won_cycle_days AS DOUBLE) / won_count), 8), 2)
    END AS sales_velocity_value_per_day,
    closed_after_proposal_count,
    CASE WHEN won_count + lost_count > 0
        THEN round(round(CAST(closed_after_proposal_count AS DOUBLE) / (won_count + lost_count) * 100, 8), 2)
    END AS proposal_rate_pct,
    CASE WHEN closed_after_proposal_count > 0
        THEN round(round(CAST(won_after_proposal_count AS DOUBLE) / closed_after_proposal_count * 100, 8), 2)
    END AS proposal_win_rate_pct,
    at_risk_count,
    at_risk_value,
    scored_open_count,
    open_count - scored_open_count AS unscored_open_count,
    unscored_open_value,
    CASE WHEN scored_open_count > 0 THEN round(round(expected_value, 8), 2) END AS expected_value,
    CASE WHEN scored_open_count > 0 AND target_value - won_value_target_months > 0
        THEN round(round(expected_value / CAST(target_value - won_value_target_months AS DOUBLE) * 100, 8), 2)
    END AS expected_value_pct_of_remaining_target,
    CASE WHEN scored_open_count > 0
        THEN round(round(CAST(target_value - won_value_target_months AS DOUBLE) - expected_value, 8), 2)
    END AS expected_gap_value
FROM figures
