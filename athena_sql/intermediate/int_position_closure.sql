-- Every (ancestor, descendant) pair of the position tree, each position its own ancestor at
-- depth 0, so rolling a territory's numbers up to every level is one join.
CREATE OR REPLACE VIEW int_position_closure AS
WITH RECURSIVE closure (ancestor_position_id, position_id, depth) AS (
    SELECT position_id, position_id, 0
    FROM stg_hr__positions
    UNION ALL
    SELECT c.ancestor_position_id, p.position_id, c.depth + 1
    FROM closure AS c
    JOIN stg_hr__positions AS p ON p.parent_position_id = c.position_id
)
SELECT ancestor_position_id, position_id, depth
FROM closure
