-- The open institutional deals each position sees on the as-of date, with their latest score: an
-- SR its own deals (the deals of its division in its territory), a manager every deal of its
-- subtree (the tree as of the as-of date; int_hr__closure_asof). Deals as known on the as-of
-- date (int_pipeline__opportunities_asof, outcome OPEN); scores as the run's SnapshotScores state
-- copied them (stg_crm__opportunity_scores: the latest score, so a rerun for an earlier date shows
-- the scores of the rerun's day). A deal never scored keeps its row with empty score columns.
--   expected_value     amount x probability of the latest score (empty when never scored);
--   score_change       latest score - the latest score at least 7 days before it (empty when
--                      there is none): the trend since last week;
--   probability_change the same for the probability, in percentage points;
--   is_at_risk         past its expected close date, or 30 days or more since its last event
--                      (as in mart_pipeline__by_position);
--   deal_rank          rank among the position's open deals, largest amount first (then id);
--   open_deal_count    every open deal of the position: a report lists the first 50
--                      (saleslens.reports.model.MAX_LISTED) and counts the rest, so only ranks
--                      1-50 are returned (a CMO's list would otherwise be the whole pipeline).
-- Grain: one row per as-of date, position and listed open deal.
CREATE OR REPLACE VIEW mart_pipeline__open_deals AS
WITH deals AS (
    SELECT
        c.as_of_date,
        c.ancestor_position_id AS position_id,
        o.opportunity_id,
        o.sr_position_id AS owner_position_id,
        p.position_name AS owner_position_name,
        o.account_id,
        a.account_name,
        o.product_line,
        o.stage,
        o.amount,
        o.expected_close_date,
        o.days_since_activity,
        o.expected_close_date < o.as_of_date OR o.days_since_activity >= 30 AS is_at_risk,
        s.scored_at,
        s.model,
        s.basis,
        s.probability,
        s.score,
        s.positive_factors,
        s.negative_factors,
        s.week_before_score,
        s.week_before_probability,
        row_number() OVER (
            PARTITION BY c.as_of_date, c.ancestor_position_id ORDER BY o.amount DESC, o.opportunity_id ASC
        ) AS deal_rank,
        count(*) OVER (PARTITION BY c.as_of_date, c.ancestor_position_id) AS open_deal_count
    FROM int_pipeline__opportunities_asof AS o
    JOIN int_hr__closure_asof AS c ON c.as_of_date = o.as_of_date AND c.position_id = o.sr_position_id
    JOIN int_hr__positions_asof AS p ON p.as_of_date = o.as_of_date AND p.position_id = o.sr_position_id
    LEFT JOIN stg_crm__account_versions AS a
        ON a.account_id = o.account_id AND o.as_of_date BETWEEN a.valid_from AND a.valid_to
    LEFT JOIN stg_crm__opportunity_scores AS s ON s.opportunity_id = o.opportunity_id
    WHERE o.outcome = 'OPEN'
)
SELECT
    as_of_date,
    position_id,
    deal_rank,
    open_deal_count,
    opportunity_id,
    owner_position_id,
    owner_position_name,
    account_id,
    account_name,
    product_line,
    stage,
    amount,
    expected_close_date,
    days_since_activity,
    is_at_risk,
    scored_at,
    model,
    basis,
    probability,
    score,
    CASE WHEN probability IS NOT NULL
        THEN round(round(CAST(amount AS DOUBLE) * probability, 8), 2)
    END AS expected_value,
    score - week_before_score AS score_change,
    round(round((probability - week_before_probability) * 100, 8), 1) AS probability_change,
    positive_factors,
    negative_factors
FROM deals
WHERE deal_rank <= 50
