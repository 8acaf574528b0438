-- One row per village x period x age group x sex with children in the store (age group and sex NULL
-- for aggregated counts): for each indicator, INDICATOR_measured = children counted once each (last
-- measurement in the period, z-score defined and not flagged), INDICATOR_cases = those below its
-- cut-off, INDICATOR_aggregate = the row is aggregated input that reports this indicator.
-- Everything the comparison page shows is a sum over these rows, so one read of the store's
-- per-partition summary (summary.sql) serves the whole page. The rules are those of
-- prevalence_by_area.sql, prevalence_trend.sql and prevalence_by_age_sex.sql (tests/test_compare.py
-- holds the numbers equal): children past 59 months (age group NULL) count in no rate, aggregated
-- counts fill only village x periods without a single child-level row, and an indicator an
-- aggregated row leaves empty counts neither children nor cases.
WITH measured AS MATERIALIZED (
    SELECT
        period,
        village_code,
        age_group,
        sex,
        CAST(coalesce(sum(measured_haz) FILTER (WHERE age_group IS NOT NULL), 0) AS BIGINT) AS stunting_measured,
        CAST(coalesce(sum(stunting) FILTER (WHERE age_group IS NOT NULL), 0) AS BIGINT) AS stunting_cases,
        CAST(coalesce(sum(measured_haz) FILTER (WHERE age_group IS NOT NULL), 0) AS BIGINT) AS severe_stunting_measured,
        CAST(coalesce(sum(severe_stunting) FILTER (WHERE age_group IS NOT NULL), 0) AS BIGINT) AS severe_stunting_cases,
        CAST(coalesce(sum(measured_whz) FILTER (WHERE age_group IS NOT NULL), 0) AS BIGINT) AS wasting_measured,
        CAST(coalesce(sum(wasting) FILTER (WHERE age_group IS NOT NULL), 0) AS BIGINT) AS wasting_cases,
        CAST(coalesce(sum(measured_waz) FILTER (WHERE age_group IS NOT NULL), 0) AS BIGINT) AS underweight_measured,
        CAST(coalesce(sum(underweight) FILTER (WHERE age_group IS NOT NULL), 0) AS BIGINT) AS underweight_cases,
        false AS stunting_aggregate,
        false AS severe_stunting_aggregate,
        false AS wasting_aggregate,
        false AS underweight_aggregate
    FROM summary
    GROUP BY period, village_code, age_group, sex
),
aggregated AS (
    SELECT
        a.period,
        a.village_code,
        CAST(NULL AS VARCHAR) AS age_group,
        CAST(NULL AS VARCHAR) AS sex,
        CAST(CASE WHEN a.stunting IS NOT NULL THEN a.measured ELSE 0 END AS BIGINT) AS stunting_measured,
        CAST(coalesce(a.stunting, 0) AS BIGINT) AS stunting_cases,
        CAST(CASE WHEN a.severe_stunting IS NOT NULL THEN a.measured ELSE 0 END AS BIGINT)
            AS severe_stunting_measured,
        CAST(coalesce(a.severe_stunting, 0) AS BIGINT) AS severe_stunting_cases,
        CAST(CASE WHEN a.wasting IS NOT NULL THEN a.measured ELSE 0 END AS BIGINT) AS wasting_measured,
        CAST(coalesce(a.wasting, 0) AS BIGINT) AS wasting_cases,
        CAST(CASE WHEN a.underweight IS NOT NULL THEN a.measured ELSE 0 END AS BIGINT) AS underweight_measured,
        CAST(coalesce(a.underweight, 0) AS BIGINT) AS underweight_cases,
        a.stunting IS NOT NULL AS stunting_aggregate,
        a.severe_stunting IS NOT NULL AS severe_stunting_aggregate,
        a.wasting IS NOT NULL AS wasting_aggregate,
        a.underweight IS NOT NULL AS underweight_aggregate
    FROM aggregates AS a
    ANTI JOIN (SELECT DISTINCT period, village_code FROM measured) AS m
        ON m.period = a.period AND m.village_code = a.village_code
)
SELECT * FROM measured
UNION ALL
SELECT * FROM aggregated
ORDER BY period, village_code, age_group, sex;
