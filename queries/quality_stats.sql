-- One row per regency x year x period x kecamatan x village x puskesmas x posyandu of the view
-- `measurements`: the sufficient statistics of every data-quality check (stunting/quality/checks.py),
-- sums that add up to any larger unit. Children are counted once each, with their last measurement
-- in the period (last_in_period), like every prevalence; `measurements` counts every row, so
-- measurements - children are the repeated measurements of the month. Z-score sums (n, Σz..Σz⁴)
-- leave out flagged and undefined values; terminal digits are of the value written with one decimal
-- (nipnTK digitPreference, digits = 1). $period / $regency (NULL for all) narrow the rows read.
-- Conditional counts and sums are written count(CASE WHEN c THEN 1 END) / sum(CASE WHEN c THEN x ELSE 0
-- END), not with FILTER (WHERE c): the same numbers, and DuckDB runs the ninety of them in about half
-- the time (the import computes this over every row it writes).
WITH rows AS (
    SELECT
        *,
        CAST(round(height_cm * 10) AS BIGINT) % 10 AS height_digit,
        CAST(round(weight_kg * 10) AS BIGINT) % 10 AS weight_digit,
        haz IS NOT NULL AND NOT isnan(haz) AS haz_defined,
        waz IS NOT NULL AND NOT isnan(waz) AS waz_defined,
        whz IS NOT NULL AND NOT isnan(whz) AS whz_defined,
        haz IS NOT NULL AND NOT isnan(haz) AND NOT coalesce(haz_flag, false) AS haz_ok,
        waz IS NOT NULL AND NOT isnan(waz) AND NOT coalesce(waz_flag, false) AS waz_ok,
        whz IS NOT NULL AND NOT isnan(whz) AND NOT coalesce(whz_flag, false) AS whz_ok,
        dayofmonth(CAST(measured_on AS DATE) - CAST(age_days AS INTEGER)) IN (1, 15) AS born_1st_or_15th
    FROM measurements
    WHERE ($period IS NULL OR period = $period)
      AND ($year IS NULL OR year = $year)
      AND ($regency IS NULL OR regency = $regency)
)
SELECT
    regency,
    year,
    period,
    kecamatan_code,
    village_code,
    coalesce(puskesmas, '') AS puskesmas,
    coalesce(posyandu, '') AS posyandu,
    count(*) AS measurements,
    count(CASE WHEN last_in_period THEN 1 END) AS children,
    count(CASE WHEN last_in_period AND weight_kg IS NULL THEN 1 END) AS missing_weight,
    count(CASE WHEN last_in_period AND height_cm IS NULL THEN 1 END) AS missing_height,
    count(CASE WHEN last_in_period AND measured_lying IS NULL THEN 1 END) AS missing_position,
    count(CASE WHEN last_in_period AND height_digit = 0 THEN 1 END) AS height_d0,
    count(CASE WHEN last_in_period AND height_digit = 1 THEN 1 END) AS height_d1,
    count(CASE WHEN last_in_period AND height_digit = 2 THEN 1 END) AS height_d2,
    count(CASE WHEN last_in_period AND height_digit = 3 THEN 1 END) AS height_d3,
    count(CASE WHEN last_in_period AND height_digit = 4 THEN 1 END) AS height_d4,
    count(CASE WHEN last_in_period AND height_digit = 5 THEN 1 END) AS height_d5,
    count(CASE WHEN last_in_period AND height_digit = 6 THEN 1 END) AS height_d6,
    count(CASE WHEN last_in_period AND height_digit = 7 THEN 1 END) AS height_d7,
    count(CASE WHEN last_in_period AND height_digit = 8 THEN 1 END) AS height_d8,
    count(CASE WHEN last_in_period AND height_digit = 9 THEN 1 END) AS height_d9,
    count(CASE WHEN last_in_period AND weight_digit = 0 THEN 1 END) AS weight_d0,
    count(CASE WHEN last_in_period AND weight_digit = 1 THEN 1 END) AS weight_d1,
    count(CASE WHEN last_in_period AND weight_digit = 2 THEN 1 END) AS weight_d2,
    count(CASE WHEN last_in_period AND weight_digit = 3 THEN 1 END) AS weight_d3,
    count(CASE WHEN last_in_period AND weight_digit = 4 THEN 1 END) AS weight_d4,
    count(CASE WHEN last_in_period AND weight_digit = 5 THEN 1 END) AS weight_d5,
    count(CASE WHEN last_in_period AND weight_digit = 6 THEN 1 END) AS weight_d6,
    count(CASE WHEN last_in_period AND weight_digit = 7 THEN 1 END) AS weight_d7,
    count(CASE WHEN last_in_period AND weight_digit = 8 THEN 1 END) AS weight_d8,
    count(CASE WHEN last_in_period AND weight_digit = 9 THEN 1 END) AS weight_d9,
    count(CASE WHEN last_in_period AND haz_defined THEN 1 END) AS haz_defined,
    count(CASE WHEN last_in_period AND haz_defined AND coalesce(haz_flag, false) THEN 1 END) AS haz_flagged,
    count(CASE WHEN last_in_period AND waz_defined THEN 1 END) AS waz_defined,
    count(CASE WHEN last_in_period AND waz_defined AND coalesce(waz_flag, false) THEN 1 END) AS waz_flagged,
    count(CASE WHEN last_in_period AND whz_defined THEN 1 END) AS whz_defined,
    count(CASE WHEN last_in_period AND whz_defined AND coalesce(whz_flag, false) THEN 1 END) AS whz_flagged,
    count(CASE WHEN last_in_period AND haz_ok THEN 1 END) AS haz_n,
    sum(CASE WHEN last_in_period AND haz_ok THEN haz ELSE 0 END) AS haz_s1,
    sum(CASE WHEN last_in_period AND haz_ok THEN haz ^ 2 ELSE 0 END) AS haz_s2,
    sum(CASE WHEN last_in_period AND haz_ok THEN haz ^ 3 ELSE 0 END) AS haz_s3,
    sum(CASE WHEN last_in_period AND haz_ok THEN haz ^ 4 ELSE 0 END) AS haz_s4,
    count(CASE WHEN last_in_period AND waz_ok THEN 1 END) AS waz_n,
    sum(CASE WHEN last_in_period AND waz_ok THEN waz ELSE 0 END) AS waz_s1,
    sum(CASE WHEN last_in_period AND waz_ok THEN waz ^ 2 ELSE 0 END) AS waz_s2,
    sum(CASE WHEN last_in_period AND waz_ok THEN waz ^ 3 ELSE 0 END) AS waz_s3,
    sum(CASE WHEN last_in_period AND waz_ok THEN waz ^ 4 ELSE 0 END) AS waz_s4,
    count(CASE WHEN last_in_period AND whz_ok THEN 1 END) AS whz_n,
    sum(CASE WHEN last_in_period AND whz_ok THEN whz ELSE 0 END) AS whz_s1,
    sum(CASE WHEN last_in_period AND whz_ok THEN whz ^ 2 ELSE 0 END) AS whz_s2,
    sum(CASE WHEN last_in_period AND whz_ok THEN whz ^ 3 ELSE 0 END) AS whz_s3,
    sum(CASE WHEN last_in_period AND whz_ok THEN whz ^ 4 ELSE 0 END) AS whz_s4,
    count(CASE WHEN last_in_period AND measured_lying IS NOT NULL AND age_days < $lying_before_days THEN 1 END)
        AS position_known_under_24m,
    count(CASE WHEN last_in_period AND NOT measured_lying AND age_days < $lying_before_days THEN 1 END)
        AS standing_under_24m,
    count(CASE WHEN last_in_period AND measured_lying IS NOT NULL AND age_days >= $lying_before_days THEN 1 END)
        AS position_known_from_24m,
    count(CASE WHEN last_in_period AND measured_lying AND age_days >= $lying_before_days THEN 1 END)
        AS lying_from_24m,
    count(CASE WHEN last_in_period AND measured_lying IS NOT NULL AND age_days < $standing_before_days THEN 1 END)
        AS position_known_under_9m,
    count(CASE WHEN last_in_period AND NOT measured_lying AND age_days < $standing_before_days THEN 1 END)
        AS standing_under_9m,
    count(CASE WHEN last_in_period AND sex = 'L' THEN 1 END) AS boys,
    count(CASE WHEN last_in_period AND sex = 'P' THEN 1 END) AS girls,
    count(CASE WHEN last_in_period AND born_1st_or_15th THEN 1 END) AS born_1st_or_15th,
    count(CASE WHEN last_in_period AND age_months % 12 = 0 THEN 1 END) AS age_m0,
    count(CASE WHEN last_in_period AND age_months % 12 = 1 THEN 1 END) AS age_m1,
    count(CASE WHEN last_in_period AND age_months % 12 = 2 THEN 1 END) AS age_m2,
    count(CASE WHEN last_in_period AND age_months % 12 = 3 THEN 1 END) AS age_m3,
    count(CASE WHEN last_in_period AND age_months % 12 = 4 THEN 1 END) AS age_m4,
    count(CASE WHEN last_in_period AND age_months % 12 = 5 THEN 1 END) AS age_m5,
    count(CASE WHEN last_in_period AND age_months % 12 = 6 THEN 1 END) AS age_m6,
    count(CASE WHEN last_in_period AND age_months % 12 = 7 THEN 1 END) AS age_m7,
    count(CASE WHEN last_in_period AND age_months % 12 = 8 THEN 1 END) AS age_m8,
    count(CASE WHEN last_in_period AND age_months % 12 = 9 THEN 1 END) AS age_m9,
    count(CASE WHEN last_in_period AND age_months % 12 = 10 THEN 1 END) AS age_m10,
    count(CASE WHEN last_in_period AND age_months % 12 = 11 THEN 1 END) AS age_m11,
    -- e-PPGBM's own z-scores against ours, where both are defined (flagged ones included: the
    -- question is whether the two systems computed the same number).
    count(CASE WHEN last_in_period AND haz_defined AND NOT isnan(reported_haz) THEN 1 END) AS reported_haz_n,
    count(CASE WHEN last_in_period AND haz_defined AND abs(reported_haz - haz) > $reported_tolerance THEN 1 END)
        AS reported_haz_disagree,
    sum(CASE WHEN last_in_period AND haz_defined AND NOT isnan(reported_haz) THEN reported_haz - haz ELSE 0 END)
        AS reported_haz_diff_sum,
    count(CASE WHEN last_in_period AND waz_defined AND NOT isnan(reported_waz) THEN 1 END) AS reported_waz_n,
    count(CASE WHEN last_in_period AND waz_defined AND abs(reported_waz - waz) > $reported_tolerance THEN 1 END)
        AS reported_waz_disagree,
    sum(CASE WHEN last_in_period AND waz_defined AND NOT isnan(reported_waz) THEN reported_waz - waz ELSE 0 END)
        AS reported_waz_diff_sum,
    count(CASE WHEN last_in_period AND whz_defined AND NOT isnan(reported_whz) THEN 1 END) AS reported_whz_n,
    count(CASE WHEN last_in_period AND whz_defined AND abs(reported_whz - whz) > $reported_tolerance THEN 1 END)
        AS reported_whz_disagree,
    sum(CASE WHEN last_in_period AND whz_defined AND NOT isnan(reported_whz) THEN reported_whz - whz ELSE 0 END)
        AS reported_whz_diff_sum
FROM rows
GROUP BY ALL
ORDER BY period, village_code, puskesmas, posyandu;
