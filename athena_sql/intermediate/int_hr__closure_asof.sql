-- Every (ancestor, descendant) pair of the tree as it stood on each as-of date: rolling a figure
-- up to every level is one join. A position is its own ancestor at depth 0.
-- Grain: one row per as-of date, ancestor and descendant.
CREATE OR REPLACE VIEW int_hr__closure_asof AS
SELECT
    d.as_of_date,
    c.ancestor_position_id,
    c.position_id,
    c.depth
FROM int_calendar__as_of_dates AS d
JOIN stg_hr__position_closure AS c ON d.as_of_date BETWEEN c.valid_from AND c.valid_to
