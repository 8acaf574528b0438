-- One row per period with data for one area ($level, $code): measured = children counted for
-- $indicator (queries/counted.sql, within the sex / age-group filter), cases = those below its
-- cut-off, source as in prevalence_by_area.sql. $regency is the area's regency (NULL for a province:
-- the level's CASE then picks its regencies). Sums the
-- per-partition summary. Aggregated counts fill village x periods without a single child-level row,
-- only without a filter ($filtered false).
WITH measured_villages AS MATERIALIZED (
    SELECT
        period,
        village_code,
        coalesce(sum(measured) FILTER (WHERE in_filter), 0) AS measured,
        coalesce(sum(cases) FILTER (WHERE in_filter), 0) AS cases,
        false AS from_aggregate
    FROM (
        SELECT
            *,
            indicator = $indicator AND ($sex IS NULL OR sex = $sex) AND list_contains($age_groups, age_group)
                AS in_filter
        FROM summary
        WHERE ($regency IS NULL OR regency = $regency)
          AND CASE $level WHEN 'village' THEN village_code WHEN 'kecamatan' THEN kecamatan_code
              WHEN 'province' THEN substr(regency, 1, 2) ELSE regency END = $code
    )
    GROUP BY period, village_code
),
aggregated_villages AS (
    SELECT a.period, a.village_code, a.measured, a.cases, true AS from_aggregate
    FROM aggregates AS a
    ANTI JOIN measured_villages AS m ON m.period = a.period AND m.village_code = a.village_code
    WHERE NOT $filtered
      AND a.indicator = $indicator
      AND ($regency IS NULL OR a.regency = $regency)
      AND CASE $level WHEN 'village' THEN a.village_code WHEN 'kecamatan' THEN a.kecamatan_code
          WHEN 'province' THEN substr(a.regency, 1, 2) ELSE a.regency END = $code
)
SELECT
    period,
    CAST(sum(measured) AS BIGINT) AS measured,
    CAST(sum(cases) AS BIGINT) AS cases,
    CASE WHEN bool_or(from_aggregate) THEN 'aggregate' ELSE 'measurements' END AS source
FROM (
    SELECT * FROM measured_villages
    UNION ALL
    SELECT * FROM aggregated_villages
)
GROUP BY period
ORDER BY period;
