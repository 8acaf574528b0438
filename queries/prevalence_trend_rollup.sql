-- One row per period with data for one area ($level: kecamatan, regency or province; $code), as
-- prevalence_trend.sql gives it, read from the rollup (rollup.sql: the summary's sums per
-- kecamatan, one file per year) instead of one summary file per regency and year. $regency is the
-- area's regency (NULL for a province). Aggregated counts fill village x periods without a single
-- child-level row, only without a filter ($filtered false): which those are only the summary knows;
-- the caller may hand a `summary` view of only the regencies with aggregated counts (usually none).
WITH measured AS (
    SELECT
        period,
        coalesce(sum(measured) FILTER (WHERE in_filter), 0) AS measured,
        coalesce(sum(cases) FILTER (WHERE in_filter), 0) AS cases,
        false AS from_aggregate
    FROM (
        SELECT
            *,
            indicator = $indicator AND ($sex IS NULL OR sex = $sex) AND list_contains($age_groups, age_group)
                AS in_filter
        FROM rollup
        WHERE ($regency IS NULL OR regency = $regency)
          AND CASE $level WHEN 'kecamatan' THEN kecamatan_code WHEN 'province' THEN substr(regency, 1, 2)
              ELSE regency END = $code
    )
    GROUP BY period
),
measured_villages AS (
    SELECT DISTINCT period, village_code FROM summary
),
aggregated_villages AS (
    SELECT a.period, a.measured, a.cases, true AS from_aggregate
    FROM aggregates AS a
    ANTI JOIN measured_villages AS m ON m.period = a.period AND m.village_code = a.village_code
    WHERE NOT $filtered
      AND a.indicator = $indicator
      AND ($regency IS NULL OR a.regency = $regency)
      AND CASE $level WHEN 'kecamatan' THEN a.kecamatan_code WHEN 'province' THEN substr(a.regency, 1, 2)
          ELSE a.regency END = $code
)
SELECT
    period,
    CAST(sum(measured) AS BIGINT) AS measured,
    CAST(sum(cases) AS BIGINT) AS cases,
    CASE WHEN bool_or(from_aggregate) THEN 'aggregate' ELSE 'measurements' END AS source
FROM (
    SELECT * FROM measured
    UNION ALL
    SELECT * FROM aggregated_villages
)
GROUP BY period
ORDER BY period;
