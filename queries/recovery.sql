-- One row per period x group x fostered x severe of regency $regency: children stunted (height-for-age
-- z below $cutoff) at their last valid measurement of the period, how many were measured again within
-- 6 and within 12 months (their next valid measurement, in a later period), and how many of those were
-- no longer stunted then. in_group: the child's village is in $villages (a programme's villages);
-- fostered: the child's key is in $children (a child-level programme list such as BAAS's fostered
-- children); severe: z below $severe_cutoff, so fostered and other children compare at similar HAZ.
-- A valid measurement has a defined, unflagged z-score: the counting rule of summary.sql.
WITH valid AS (
    SELECT child_id, village_code, period, measured_on, haz
    FROM measurements
    WHERE regency = $regency
      AND haz IS NOT NULL AND NOT isnan(haz) AND NOT coalesce(haz_flag, false)
),
per_period AS (
    SELECT
        child_id,
        period,
        arg_max(village_code, measured_on) AS village_code,
        arg_max(haz, measured_on) AS haz,
        CAST(substr(period, 1, 4) AS INTEGER) * 12 + CAST(substr(period, 6, 2) AS INTEGER) AS month_number
    FROM valid
    GROUP BY child_id, period
),
followed AS (
    SELECT
        period,
        list_contains($villages, village_code) AS in_group,
        list_contains($children, child_id) AS fostered,
        haz,
        lead(month_number) OVER next_one - month_number AS months_to_next,
        lead(haz) OVER next_one AS next_haz
    FROM per_period
    WINDOW next_one AS (PARTITION BY child_id ORDER BY month_number)
)
SELECT
    period,
    in_group,
    fostered,
    haz < $severe_cutoff AS severe,
    count(*) AS stunted,
    count(*) FILTER (WHERE months_to_next <= 6) AS followed_6,
    count(*) FILTER (WHERE months_to_next <= 6 AND next_haz >= $cutoff) AS recovered_6,
    count(*) FILTER (WHERE months_to_next <= 12) AS followed_12,
    count(*) FILTER (WHERE months_to_next <= 12 AND next_haz >= $cutoff) AS recovered_12
FROM followed
WHERE haz < $cutoff
GROUP BY ALL
ORDER BY ALL;
