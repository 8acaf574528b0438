-- One row per period x in_group x fostered x severe of regency $regency: children stunted in a period
-- (the view `counted`, queries/counted.sql: the one counting rule), how many were counted again
-- within 6 and within 12 months (their next period with a valid height-for-age), and how many of
-- those were no longer stunted then. in_group: the child's village is in $villages (a programme's
-- villages); fostered: the child's key is in $children (a child-level list such as BAAS's fostered
-- children); severe: severely stunted in the period, so fostered and other children compare at a
-- similar height-for-age.
WITH per_period AS (
    SELECT
        child_id,
        period,
        any_value(village_code) AS village_code,
        CAST(substr(period, 1, 4) AS INTEGER) * 12 + CAST(substr(period, 6, 2) AS INTEGER) AS month_number,
        bool_or(is_case) FILTER (WHERE indicator = 'stunting') AS stunted,
        bool_or(is_case) FILTER (WHERE indicator = 'severe_stunting') AS severe
    FROM counted
    WHERE regency = $regency AND indicator IN ('stunting', 'severe_stunting')
    GROUP BY child_id, period
),
followed AS (
    SELECT
        period,
        list_contains($villages, village_code) AS in_group,
        list_contains($children, child_id) AS fostered,
        stunted,
        severe,
        lead(month_number) OVER next_one - month_number AS months_to_next,
        lead(stunted) OVER next_one AS next_stunted
    FROM per_period
    WINDOW next_one AS (PARTITION BY child_id ORDER BY month_number)
)
SELECT
    period,
    in_group,
    fostered,
    severe,
    count(*) AS stunted,
    count(*) FILTER (WHERE months_to_next <= 6) AS followed_6,
    count(*) FILTER (WHERE months_to_next <= 6 AND NOT next_stunted) AS recovered_6,
    count(*) FILTER (WHERE months_to_next <= 12) AS followed_12,
    count(*) FILTER (WHERE months_to_next <= 12 AND NOT next_stunted) AS recovered_12
FROM followed
WHERE stunted
GROUP BY ALL
ORDER BY ALL;
