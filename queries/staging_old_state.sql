-- One row per stored row of the import's months (table `old`) with `removed`, as table `old_state`:
-- the rules of store.write_measurements. A row goes when the import has the same child on the same
-- date with other content; and, unless $add, when it lies in a (village, period) the import holds and
-- the import does not carry it unchanged, except rows of the imports in $keep (earlier files of the
-- same command, which together form one export).
CREATE TABLE old_state AS
SELECT
    o.*,
    coalesce(NOT p.identical, false)
    OR (
        NOT $add
        AND s.village_code IS NOT NULL
        AND NOT coalesce(p.identical, false)
        AND NOT list_contains($keep::VARCHAR[], o.import_id)
    ) AS removed
FROM old AS o
LEFT JOIN paired AS p ON o.child_id = p.child_id AND o.measured_on = p.measured_on
LEFT JOIN (SELECT DISTINCT village_code, period FROM paired) AS s
    ON o.village_code = s.village_code AND o.period = s.period;
