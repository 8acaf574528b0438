-- One row per year of an import (it is merged a year at a time): rows it stores (new or changed),
-- stored rows it removes, and the village-months those were in (the counts store.write_measurements reports).
SELECT
    (SELECT count(*) FROM fresh) AS rows_stored,
    count(*) FILTER (WHERE removed) AS rows_replaced,
    count(DISTINCT village_code || '|' || period) FILTER (WHERE removed) AS village_months_replaced
FROM old_state;
