-- Every (ancestor, descendant) pair of the position tree with its depth, over the dates the pair
-- holds: a position is its own ancestor at depth 0.
-- Grain: one row per ancestor, descendant and validity range.
CREATE OR REPLACE VIEW stg_hr__position_closure AS
SELECT
    ancestor_position_id,
    position_id,
    depth,
    valid_from,
    valid_to
FROM cur_hr__position_closure
