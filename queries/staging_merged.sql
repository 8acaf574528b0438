-- One row per measurement the import's months hold after the import, every regency of the year, as
-- table `merged`: the
-- stored rows kept (origin 'old', with the flag they were stored with as stored_last) and the fresh
-- rows (origin 'new'), with last_in_period recomputed over both (the child's last date in the month).
CREATE TABLE merged AS
SELECT
    *,
    measured_on = max(measured_on) OVER (PARTITION BY child_id, period) AS last_in_period
FROM (
    SELECT * EXCLUDE (removed, last_in_period), 'old' AS origin, last_in_period AS stored_last
    FROM old_state
    WHERE NOT removed
    UNION ALL BY NAME
    SELECT *, 'new' AS origin, CAST(NULL AS BOOLEAN) AS stored_last
    FROM fresh
);
