-- One row per area (village, kecamatan, regency or province code, as $level says) with data in $period:
-- measured = children counted for $indicator (queries/counted.sql, within the sex / age-group
-- filter), cases = those below its cut-off, and source ('aggregate' when any village's counts come
-- from aggregated input, else 'measurements'). Sums the per-partition summary. Aggregated counts
-- fill only villages without a single child-level row in the period, and only without a sex or age
-- filter ($filtered false).
WITH measured_villages AS MATERIALIZED (
    SELECT
        village_code,
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
        FROM summary
        WHERE year = $year
          AND period = $period
          AND ($province IS NULL OR starts_with(regency, $province || '.'))
          AND ($regency IS NULL OR regency = $regency)
          AND ($kecamatan IS NULL OR kecamatan_code = $kecamatan)
    )
    GROUP BY village_code, kecamatan_code, regency
),
aggregated_villages AS (
    SELECT village_code, kecamatan_code, regency, measured, cases, true AS from_aggregate
    FROM aggregates
    WHERE period = $period
      AND indicator = $indicator
      AND NOT $filtered
      AND ($province IS NULL OR starts_with(regency, $province || '.'))
      AND ($regency IS NULL OR regency = $regency)
      AND ($kecamatan IS NULL OR kecamatan_code = $kecamatan)
      AND village_code NOT IN (SELECT village_code FROM measured_villages)
),
villages AS (
    SELECT * FROM measured_villages
    UNION ALL
    SELECT * FROM aggregated_villages
)
SELECT
    CASE $level
        WHEN 'village' THEN village_code
        WHEN 'kecamatan' THEN kecamatan_code
        WHEN 'province' THEN substr(regency, 1, 2)
        ELSE regency
    END AS code,
    CAST(sum(measured) AS BIGINT) AS measured,
    CAST(sum(cases) AS BIGINT) AS cases,
    CASE WHEN bool_or(from_aggregate) THEN 'aggregate' ELSE 'measurements' END AS source
FROM villages
GROUP BY code
ORDER BY code;
