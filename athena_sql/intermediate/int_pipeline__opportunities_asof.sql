-- Every institutional opportunity as known on each as-of date: its latest version modified on or
-- before the date (a later version, a close among them, is not known yet); the SR position that owns
-- it on the as-of date: the position of the deal's division (product_line) in the deal's territory,
-- held or vacant (int_hr__sr_owners_asof; empty where the tree has no such position, so no
-- manager's figures count it); the days since its last event (every event makes a version, so
-- the version's modified_date is the last activity); and, for a closed deal, the stage it was
-- closed from (the CLOSED event's from_stage: PROPOSAL or NEGOTIATION once a proposal was sent).
-- Grain: one row per as-of date and opportunity.
CREATE OR REPLACE VIEW int_pipeline__opportunities_asof AS
WITH ranked AS (
    SELECT
        d.as_of_date,
        o.opportunity_id,
        o.version,
        o.modified_date,
        o.account_id,
        o.owner_employee_id,
        o.territory_code,
        o.product_line,
        o.amount,
        o.created_date,
        o.expected_close_date,
        o.source,
        o.competitor,
        o.stage,
        o.outcome,
        o.closed_date,
        o.lost_reason,
        row_number() OVER (PARTITION BY d.as_of_date, o.opportunity_id ORDER BY o.version DESC) AS version_rank
    FROM int_calendar__as_of_dates AS d
    JOIN stg_crm__opportunities AS o ON o.modified_date <= d.as_of_date
)
SELECT
    r.as_of_date,
    r.opportunity_id,
    r.version,
    r.modified_date,
    r.account_id,
    r.owner_employee_id,
    r.territory_code,
    r.product_line,
    r.amount,
    r.created_date,
    r.expected_close_date,
    r.source,
    r.competitor,
    r.stage,
    r.outcome,
    r.closed_date,
    r.lost_reason,
    e.from_stage AS closed_from_stage,
    date_diff('day', r.modified_date, r.as_of_date) AS days_since_activity,
    s.position_id AS sr_position_id
FROM ranked AS r
LEFT JOIN stg_crm__opportunity_events AS e
    ON e.opportunity_id = r.opportunity_id AND e.version = r.version AND e.event_type = 'CLOSED'
LEFT JOIN int_hr__sr_owners_asof AS s
    ON s.as_of_date = r.as_of_date AND s.territory_code = r.territory_code AND s.division_code = r.product_line
WHERE r.version_rank = 1
