-- One row per regency the import touches in its year: gains (it has fresh rows) and changed (it
-- loses rows, or a kept row's last_in_period flips): a changed partition is rewritten, one that only
-- gains gets one more part file.
SELECT regency, bool_or(gains) AS gains, bool_or(changed) AS changed
FROM (
    SELECT
        regency,
        origin = 'new' AS gains,
        origin = 'old' AND last_in_period IS DISTINCT FROM stored_last AS changed
    FROM merged
    UNION ALL
    SELECT regency, false, true FROM old_state WHERE removed
)
GROUP BY regency
ORDER BY regency;
