-- One row per measurement the import's months hold after the import, every regency of the year, as
-- table `merged`: the stored rows kept (origin 'old', with the flag they were stored with as
-- stored_last) and the fresh rows (origin 'new'), with last_in_period recomputed over both (the
-- child's last date in the month). Only the child x months with more than one row can have a row
-- that is not the last: their latest date is found from three columns and joined back, which costs
-- less than a window over every row and column (PARTITION BY child_id, period).
CREATE TABLE merged AS
SELECT
    r.*,
    later.latest IS NULL OR r.measured_on = later.latest AS last_in_period
FROM (
    SELECT * EXCLUDE (removed, last_in_period), 'old' AS origin, last_in_period AS stored_last
    FROM old_state
    WHERE NOT removed
    UNION ALL BY NAME
    SELECT *, 'new' AS origin, CAST(NULL AS BOOLEAN) AS stored_last
    FROM fresh
) AS r
LEFT JOIN (
    SELECT child_id, period, max(measured_on) AS latest
    FROM (
        SELECT child_id, period, measured_on FROM old_state WHERE NOT removed
        UNION ALL
        SELECT child_id, period, measured_on FROM fresh
    )
    GROUP BY child_id, period
    HAVING count(*) > 1
) AS later ON r.child_id = later.child_id AND r.period = later.period;
