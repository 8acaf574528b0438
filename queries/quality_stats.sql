-- One row per regency x year x period x kecamatan x village x puskesmas x posyandu of the view
-- `measurements`: the sufficient statistics of every data-quality check (stunting/quality/checks.py),
-- sums that add up to any larger unit. Children are counted once each, with their last measurement
-- in the period (last_in_period), like every prevalence; `measurements` counts every row, so
-- measurements - children are the repeated measurements of the month. Z-score sums (n, Σz..Σz⁴)
-- leave out flagged and undefined values; terminal digits are of the value written with one decimal
-- (nipnTK digitPreference, digits = 1). $period / $regency (NULL for all) narrow the rows read.
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
    count(*) FILTER (WHERE last_in_period) AS children,
    count(*) FILTER (WHERE last_in_period AND weight_kg IS NULL) AS missing_weight,
    count(*) FILTER (WHERE last_in_period AND height_cm IS NULL) AS missing_height,
    count(*) FILTER (WHERE last_in_period AND measured_lying IS NULL) AS missing_position,
    count(*) FILTER (WHERE last_in_period AND height_digit = 0) AS height_d0,
    count(*) FILTER (WHERE last_in_period AND height_digit = 1) AS height_d1,
    count(*) FILTER (WHERE last_in_period AND height_digit = 2) AS height_d2,
    count(*) FILTER (WHERE last_in_period AND height_digit = 3) AS height_d3,
    count(*) FILTER (WHERE last_in_period AND height_digit = 4) AS height_d4,
    count(*) FILTER (WHERE last_in_period AND height_digit = 5) AS height_d5,
    count(*) FILTER (WHERE last_in_period AND height_digit = 6) AS height_d6,
    count(*) FILTER (WHERE last_in_period AND height_digit = 7) AS height_d7,
    count(*) FILTER (WHERE last_in_period AND height_digit = 8) AS height_d8,
    count(*) FILTER (WHERE last_in_period AND height_digit = 9) AS height_d9,
    count(*) FILTER (WHERE last_in_period AND weight_digit = 0) AS weight_d0,
    count(*) FILTER (WHERE last_in_period AND weight_digit = 1) AS weight_d1,
    count(*) FILTER (WHERE last_in_period AND weight_digit = 2) AS weight_d2,
    count(*) FILTER (WHERE last_in_period AND weight_digit = 3) AS weight_d3,
    count(*) FILTER (WHERE last_in_period AND weight_digit = 4) AS weight_d4,
    count(*) FILTER (WHERE last_in_period AND weight_digit = 5) AS weight_d5,
    count(*) FILTER (WHERE last_in_period AND weight_digit = 6) AS weight_d6,
    count(*) FILTER (WHERE last_in_period AND weight_digit = 7) AS weight_d7,
    count(*) FILTER (WHERE last_in_period AND weight_digit = 8) AS weight_d8,
    count(*) FILTER (WHERE last_in_period AND weight_digit = 9) AS weight_d9,
    count(*) FILTER (WHERE last_in_period AND haz_defined) AS haz_defined,
    count(*) FILTER (WHERE last_in_period AND haz_defined AND coalesce(haz_flag, false)) AS haz_flagged,
    count(*) FILTER (WHERE last_in_period AND waz_defined) AS waz_defined,
    count(*) FILTER (WHERE last_in_period AND waz_defined AND coalesce(waz_flag, false)) AS waz_flagged,
    count(*) FILTER (WHERE last_in_period AND whz_defined) AS whz_defined,
    count(*) FILTER (WHERE last_in_period AND whz_defined AND coalesce(whz_flag, false)) AS whz_flagged,
    count(*) FILTER (WHERE last_in_period AND haz_ok) AS haz_n,
    coalesce(sum(haz) FILTER (WHERE last_in_period AND haz_ok), 0) AS haz_s1,
    coalesce(sum(haz ^ 2) FILTER (WHERE last_in_period AND haz_ok), 0) AS haz_s2,
    coalesce(sum(haz ^ 3) FILTER (WHERE last_in_period AND haz_ok), 0) AS haz_s3,
    coalesce(sum(haz ^ 4) FILTER (WHERE last_in_period AND haz_ok), 0) AS haz_s4,
    count(*) FILTER (WHERE last_in_period AND waz_ok) AS waz_n,
    coalesce(sum(waz) FILTER (WHERE last_in_period AND waz_ok), 0) AS waz_s1,
    coalesce(sum(waz ^ 2) FILTER (WHERE last_in_period AND waz_ok), 0) AS waz_s2,
    coalesce(sum(waz ^ 3) FILTER (WHERE last_in_period AND waz_ok), 0) AS waz_s3,
    coalesce(sum(waz ^ 4) FILTER (WHERE last_in_period AND waz_ok), 0) AS waz_s4,
    count(*) FILTER (WHERE last_in_period AND whz_ok) AS whz_n,
    coalesce(sum(whz) FILTER (WHERE last_in_period AND whz_ok), 0) AS whz_s1,
    coalesce(sum(whz ^ 2) FILTER (WHERE last_in_period AND whz_ok), 0) AS whz_s2,
    coalesce(sum(whz ^ 3) FILTER (WHERE last_in_period AND whz_ok), 0) AS whz_s3,
    coalesce(sum(whz ^ 4) FILTER (WHERE last_in_period AND whz_ok), 0) AS whz_s4,
    count(*) FILTER (WHERE last_in_period AND measured_lying IS NOT NULL AND age_days < $lying_before_days)
        AS position_known_under_24m,
    count(*) FILTER (WHERE last_in_period AND NOT measured_lying AND age_days < $lying_before_days)
        AS standing_under_24m,
    count(*) FILTER (WHERE last_in_period AND measured_lying IS NOT NULL AND age_days >= $lying_before_days)
        AS position_known_from_24m,
    count(*) FILTER (WHERE last_in_period AND measured_lying AND age_days >= $lying_before_days)
        AS lying_from_24m,
    count(*) FILTER (WHERE last_in_period AND measured_lying IS NOT NULL AND age_days < $standing_before_days)
        AS position_known_under_9m,
    count(*) FILTER (WHERE last_in_period AND NOT measured_lying AND age_days < $standing_before_days)
        AS standing_under_9m,
    count(*) FILTER (WHERE last_in_period AND sex = 'L') AS boys,
    count(*) FILTER (WHERE last_in_period AND sex = 'P') AS girls,
    count(*) FILTER (WHERE last_in_period AND born_1st_or_15th) AS born_1st_or_15th,
    count(*) FILTER (WHERE last_in_period AND age_months % 12 = 0) AS age_m0,
    count(*) FILTER (WHERE last_in_period AND age_months % 12 = 1) AS age_m1,
    count(*) FILTER (WHERE last_in_period AND age_months % 12 = 2) AS age_m2,
    count(*) FILTER (WHERE last_in_period AND age_months % 12 = 3) AS age_m3,
    count(*) FILTER (WHERE last_in_period AND age_months % 12 = 4) AS age_m4,
    count(*) FILTER (WHERE last_in_period AND age_months % 12 = 5) AS age_m5,
    count(*) FILTER (WHERE last_in_period AND age_months % 12 = 6) AS age_m6,
    count(*) FILTER (WHERE last_in_period AND age_months % 12 = 7) AS age_m7,
    count(*) FILTER (WHERE last_in_period AND age_months % 12 = 8) AS age_m8,
    count(*) FILTER (WHERE last_in_period AND age_months % 12 = 9) AS age_m9,
    count(*) FILTER (WHERE last_in_period AND age_months % 12 = 10) AS age_m10,
    count(*) FILTER (WHERE last_in_period AND age_months % 12 = 11) AS age_m11,
    -- e-PPGBM's own z-scores against ours, where both are defined (flagged ones included: the
    -- question is whether the two systems computed the same number).
    count(*) FILTER (WHERE last_in_period AND haz_defined AND NOT isnan(reported_haz)) AS reported_haz_n,
    count(*) FILTER (WHERE last_in_period AND haz_defined AND abs(reported_haz - haz) > $reported_tolerance)
        AS reported_haz_disagree,
    coalesce(sum(reported_haz - haz) FILTER (WHERE last_in_period AND haz_defined AND NOT isnan(reported_haz)), 0)
        AS reported_haz_diff_sum,
    count(*) FILTER (WHERE last_in_period AND waz_defined AND NOT isnan(reported_waz)) AS reported_waz_n,
    count(*) FILTER (WHERE last_in_period AND waz_defined AND abs(reported_waz - waz) > $reported_tolerance)
        AS reported_waz_disagree,
    coalesce(sum(reported_waz - waz) FILTER (WHERE last_in_period AND waz_defined AND NOT isnan(reported_waz)), 0)
        AS reported_waz_diff_sum,
    count(*) FILTER (WHERE last_in_period AND whz_defined AND NOT isnan(reported_whz)) AS reported_whz_n,
    count(*) FILTER (WHERE last_in_period AND whz_defined AND abs(reported_whz - whz) > $reported_tolerance)
        AS reported_whz_disagree,
    coalesce(sum(reported_whz - whz) FILTER (WHERE last_in_period AND whz_defined AND NOT isnan(reported_whz)), 0)
        AS reported_whz_diff_sum
FROM rows
GROUP BY ALL
ORDER BY period, village_code, puskesmas, posyandu;
