-- One row per year x period x regency x kecamatan x age group x sex x indicator of the summary
-- (view `summary`: queries/summary.sql, the counting rule's sums per village): measured and cases
-- are the sums of its village rows. It adds summary rows and never counts children again, so every
-- total read from it equals the same total read from the summary. Written per year beside the
-- summary (store_layout.ROLLUP) for the national, province and kecamatan-level views.
SELECT
    year,
    period,
    regency,
    kecamatan_code,
    age_group,
    sex,
    indicator,
    CAST(sum(measured) AS BIGINT) AS measured,
    CAST(sum(cases) AS BIGINT) AS cases
FROM summary
GROUP BY ALL
ORDER BY year, period, regency, kecamatan_code, age_group, sex, indicator;
