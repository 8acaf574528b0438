-- One row per age group x sex with children counted for $indicator (queries/counted.sql) in one
-- area ($level, $code) and $period: measured = those children, cases = those below its cut-off.
-- Sums the per-partition summary; child-level data only (aggregated counts have no age or sex).
SELECT
    age_group,
    sex,
    CAST(sum(measured) AS BIGINT) AS measured,
    CAST(sum(cases) AS BIGINT) AS cases
FROM summary
WHERE year = $year
  AND period = $period
  AND ($regency IS NULL OR regency = $regency)  -- NULL for a province
  AND indicator = $indicator
  AND CASE $level WHEN 'village' THEN village_code WHEN 'kecamatan' THEN kecamatan_code
      WHEN 'province' THEN substr(regency, 1, 2) ELSE regency END = $code
GROUP BY age_group, sex
ORDER BY age_group, sex;
