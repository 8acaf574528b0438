-- One row per area (kecamatan, regency or province code, as $level says; never village) with data in
-- $period, as prevalence_by_area.sql gives it, read from the rollup (rollup.sql: the summary's sums
-- per kecamatan, one file per year) instead of one summary file per regency: measured = children
-- counted for $indicator (queries/counted.sql, within the sex / age-group filter), cases = those
-- below its cut-off, source as there. Aggregated counts fill only villages without a single
-- child-level row in the period, and only without a filter ($filtered false): which villages those
-- are only the summary knows. The caller may hand a `summary` view of only the regencies with
-- aggregated counts in the period (queries/aggregate_regencies.sql; usually none, so no summary
-- file is opened): the other regencies' villages are not in `aggregates`, so the answer is the same.
WITH measured_kecamatan AS (
    SELECT
        kecamatan_code,
        regency,
        coalesce(sum(measured) FILTER (WHERE in_filter), 0) AS measured,
        coalesce(sum(cases) FILTER (WHERE in_filter), 0) AS cases,
        false AS from_aggregate
    FROM (
        SELECT
            *,
            indicator = $indicator AND ($sex IS NULL OR sex = $sex) AND list_contains($age_groups, age_group)
                AS in_filter
        FROM rollup
        WHERE year = $year
          AND period = $period
          AND ($province IS NULL OR starts_with(regency, $province || '.'))
          AND ($regency IS NULL OR regency = $regency)
          AND ($kecamatan IS NULL OR kecamatan_code = $kecamatan)
    )
    GROUP BY kecamatan_code, regency
),
measured_villages AS (
    SELECT DISTINCT village_code
    FROM summary
    WHERE year = $year
      AND period = $period
),
aggregated_villages AS (
    SELECT kecamatan_code, regency, measured, cases, true AS from_aggregate
    FROM aggregates
    WHERE period = $period
      AND indicator = $indicator
      AND NOT $filtered
      AND ($province IS NULL OR starts_with(regency, $province || '.'))
      AND ($regency IS NULL OR regency = $regency)
      AND ($kecamatan IS NULL OR kecamatan_code = $kecamatan)
      AND village_code NOT IN (SELECT village_code FROM measured_villages)
),
areas AS (
    SELECT * FROM measured_kecamatan
    UNION ALL
    SELECT * FROM aggregated_villages
)
SELECT
    CASE $level
        WHEN 'kecamatan' THEN kecamatan_code
        WHEN 'province' THEN substr(regency, 1, 2)
        ELSE regency
    END AS code,
    CAST(sum(measured) AS BIGINT) AS measured,
    CAST(sum(cases) AS BIGINT) AS cases,
    CASE WHEN bool_or(from_aggregate) THEN 'aggregate' ELSE 'measurements' END AS source
FROM areas
GROUP BY code
ORDER BY code;
