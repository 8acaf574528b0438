-- One row per comparison: the children counted for $indicator (queries/counted.sql) on both sides,
-- side a = area ($level_a, $code_a) in $period_a and side b likewise, matched on child_id, as a 2x2:
-- n11 = a case on both sides, n10 = a case on side a only, n01 = on side b only, n00 = on neither.
-- A child counts on a side where its counted measurement for that period lies in the area.
-- Aggregated counts have no children and are in no cell.
WITH side_a AS (
    SELECT child_id, is_case
    FROM counted
    WHERE indicator = $indicator
      AND year = $year_a
      AND period = $period_a
      AND CASE $level_a WHEN 'village' THEN village_code WHEN 'kecamatan' THEN kecamatan_code
          WHEN 'province' THEN substr(regency, 1, 2) ELSE regency END = $code_a
),
side_b AS (
    SELECT child_id, is_case
    FROM counted
    WHERE indicator = $indicator
      AND year = $year_b
      AND period = $period_b
      AND CASE $level_b WHEN 'village' THEN village_code WHEN 'kecamatan' THEN kecamatan_code
          WHEN 'province' THEN substr(regency, 1, 2) ELSE regency END = $code_b
)
SELECT
    CAST(count(*) FILTER (WHERE a.is_case AND b.is_case) AS BIGINT) AS n11,
    CAST(count(*) FILTER (WHERE a.is_case AND NOT b.is_case) AS BIGINT) AS n10,
    CAST(count(*) FILTER (WHERE NOT a.is_case AND b.is_case) AS BIGINT) AS n01,
    CAST(count(*) FILTER (WHERE NOT a.is_case AND NOT b.is_case) AS BIGINT) AS n00
FROM side_a AS a
JOIN side_b AS b USING (child_id);
