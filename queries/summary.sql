-- One row per regency x year x period x village x age group x sex of the view `measurements`
-- (one partition being written): children counted once each (their last measurement in the period)
-- for each indicator, with z defined and not flagged (measured_*), and how many are cases (z below
-- the indicator's cut-off, bound from stunting.indicators). Written beside each measurement
-- partition, so every prevalence, trend and breakdown sums a few thousand rows instead of scanning
-- millions. age_group is NULL from 60 months: no z-score is defined there, so those rows count 0.
SELECT
    regency,
    year,
    period,
    kecamatan_code,
    village_code,
    age_group,
    sex,
    count(*) FILTER (WHERE haz_ok) AS measured_haz,
    count(*) FILTER (WHERE haz_ok AND haz < $stunting_cutoff) AS stunting,
    count(*) FILTER (WHERE haz_ok AND haz < $severe_stunting_cutoff) AS severe_stunting,
    count(*) FILTER (WHERE whz_ok) AS measured_whz,
    count(*) FILTER (WHERE whz_ok AND whz < $wasting_cutoff) AS wasting,
    count(*) FILTER (WHERE waz_ok) AS measured_waz,
    count(*) FILTER (WHERE waz_ok AND waz < $underweight_cutoff) AS underweight
FROM (
    SELECT
        *,
        haz IS NOT NULL AND NOT isnan(haz) AND NOT coalesce(haz_flag, false) AS haz_ok,
        whz IS NOT NULL AND NOT isnan(whz) AND NOT coalesce(whz_flag, false) AS whz_ok,
        waz IS NOT NULL AND NOT isnan(waz) AND NOT coalesce(waz_flag, false) AS waz_ok
    FROM measurements
    WHERE last_in_period
)
GROUP BY ALL
ORDER BY period, village_code, age_group, sex;
