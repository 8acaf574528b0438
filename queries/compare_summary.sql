-- One row per village x period x age group x sex with children in the store (age group and sex NULL
-- for aggregated counts): for each indicator, INDICATOR_measured = children counted for it
-- (queries/counted.sql), INDICATOR_cases = those below its cut-off, INDICATOR_aggregate = the row is
-- aggregated input that reports this indicator. Everything the comparison page shows is a sum over
-- these rows, so one read of the store's per-partition summary serves the whole page. The columns
-- only reshape the long summary (one column pair per indicator); the rules are those of
-- prevalence_by_area.sql: aggregated counts fill only village x periods without a single
-- child-level row, and an indicator an aggregated row leaves empty counts neither children nor cases.
WITH measured AS MATERIALIZED (
    SELECT
        period,
        village_code,
        age_group,
        sex,
        CAST(coalesce(sum(measured) FILTER (WHERE indicator = 'stunting'), 0) AS BIGINT) AS stunting_measured,
        CAST(coalesce(sum(cases) FILTER (WHERE indicator = 'stunting'), 0) AS BIGINT) AS stunting_cases,
        CAST(coalesce(sum(measured) FILTER (WHERE indicator = 'severe_stunting'), 0) AS BIGINT)
            AS severe_stunting_measured,
        CAST(coalesce(sum(cases) FILTER (WHERE indicator = 'severe_stunting'), 0) AS BIGINT)
            AS severe_stunting_cases,
        CAST(coalesce(sum(measured) FILTER (WHERE indicator = 'wasting'), 0) AS BIGINT) AS wasting_measured,
        CAST(coalesce(sum(cases) FILTER (WHERE indicator = 'wasting'), 0) AS BIGINT) AS wasting_cases,
        CAST(coalesce(sum(measured) FILTER (WHERE indicator = 'underweight'), 0) AS BIGINT) AS underweight_measured,
        CAST(coalesce(sum(cases) FILTER (WHERE indicator = 'underweight'), 0) AS BIGINT) AS underweight_cases,
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
        CAST(coalesce(sum(a.measured) FILTER (WHERE a.indicator = 'stunting'), 0) AS BIGINT) AS stunting_measured,
        CAST(coalesce(sum(a.cases) FILTER (WHERE a.indicator = 'stunting'), 0) AS BIGINT) AS stunting_cases,
        CAST(coalesce(sum(a.measured) FILTER (WHERE a.indicator = 'severe_stunting'), 0) AS BIGINT)
            AS severe_stunting_measured,
        CAST(coalesce(sum(a.cases) FILTER (WHERE a.indicator = 'severe_stunting'), 0) AS BIGINT)
            AS severe_stunting_cases,
        CAST(coalesce(sum(a.measured) FILTER (WHERE a.indicator = 'wasting'), 0) AS BIGINT) AS wasting_measured,
        CAST(coalesce(sum(a.cases) FILTER (WHERE a.indicator = 'wasting'), 0) AS BIGINT) AS wasting_cases,
        CAST(coalesce(sum(a.measured) FILTER (WHERE a.indicator = 'underweight'), 0) AS BIGINT)
            AS underweight_measured,
        CAST(coalesce(sum(a.cases) FILTER (WHERE a.indicator = 'underweight'), 0) AS BIGINT) AS underweight_cases,
        bool_or(a.indicator = 'stunting') AS stunting_aggregate,
        bool_or(a.indicator = 'severe_stunting') AS severe_stunting_aggregate,
        bool_or(a.indicator = 'wasting') AS wasting_aggregate,
        bool_or(a.indicator = 'underweight') AS underweight_aggregate
    FROM aggregates AS a
    ANTI JOIN (SELECT DISTINCT period, village_code FROM measured) AS m
        ON m.period = a.period AND m.village_code = a.village_code
    GROUP BY a.period, a.village_code
)
SELECT * FROM measured
UNION ALL
SELECT * FROM aggregated
ORDER BY period, village_code, age_group, sex;
