-- One row per age group x sex with children in one area ($level, $code) and $period: measured =
-- children counted once each (last measurement in the period, z-score defined and not flagged),
-- cases = those below the indicator's cut-off. Reads the per-partition summary (summary.sql);
-- child-level data only (aggregated counts have no age or sex).
SELECT
    age_group,
    sex,
    CAST(sum(CASE $indicator
        WHEN 'wasting' THEN measured_whz
        WHEN 'underweight' THEN measured_waz
        ELSE measured_haz
    END) AS BIGINT) AS measured,
    CAST(sum(CASE $indicator
        WHEN 'stunting' THEN stunting
        WHEN 'severe_stunting' THEN severe_stunting
        WHEN 'wasting' THEN wasting
        ELSE underweight
    END) AS BIGINT) AS cases
FROM summary
WHERE year = $year
  AND period = $period
  AND regency = $regency
  AND CASE $level WHEN 'village' THEN village_code WHEN 'kecamatan' THEN kecamatan_code ELSE regency END = $code
  AND age_group IS NOT NULL
GROUP BY age_group, sex
ORDER BY age_group, sex;
