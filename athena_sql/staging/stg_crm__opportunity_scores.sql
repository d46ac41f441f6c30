-- Opportunity scores as the distribute run's SnapshotScores state copied them from the scores
-- table: each scored opportunity's latest score, its top factors, and the latest score at least
-- 7 days before it (the trend); an opportunity never scored has no row.
-- Grain: one row per scored opportunity.
CREATE OR REPLACE VIEW stg_crm__opportunity_scores AS
SELECT
    opportunity_id,
    scored_at,
    opportunity_version,
    model,
    basis,
    probability,
    score,
    positive_factors,
    negative_factors,
    week_before_scored_at,
    week_before_probability,
    week_before_score,
    snapshot_at
FROM cur_crm__opportunity_scores
