-- One row per period with data for one area ($level, $code): measured = children counted once each
-- (last measurement in the period, z-score defined and not flagged, within the sex / age-group
-- filter), cases = those below the indicator's cut-off, source as in prevalence_by_area.sql.
-- $regency is the area's regency. Reads the per-partition summary (summary.sql). Aggregated counts
-- fill village x periods without a single child-level row, only without a filter ($filtered false).
WITH measured_villages AS MATERIALIZED (
    SELECT
        period,
        village_code,
        coalesce(sum(measured) FILTER (WHERE in_filter), 0) AS measured,
        coalesce(sum(cases) FILTER (WHERE in_filter), 0) AS cases,
        false AS from_aggregate
    FROM (
        SELECT
            period,
            village_code,
            ($sex IS NULL OR sex = $sex) AND list_contains($age_groups, age_group) AS in_filter,
            CASE $indicator
                WHEN 'wasting' THEN measured_whz
                WHEN 'underweight' THEN measured_waz
                ELSE measured_haz
            END AS measured,
            CASE $indicator
                WHEN 'stunting' THEN stunting
                WHEN 'severe_stunting' THEN severe_stunting
                WHEN 'wasting' THEN wasting
                ELSE underweight
            END AS cases
        FROM summary
        WHERE regency = $regency
          AND CASE $level WHEN 'village' THEN village_code WHEN 'kecamatan' THEN kecamatan_code ELSE regency END = $code
    )
    GROUP BY period, village_code
),
aggregated_villages AS (
    SELECT
        a.period,
        a.village_code,
        a.measured,
        CASE $indicator
            WHEN 'stunting' THEN a.stunting
            WHEN 'severe_stunting' THEN a.severe_stunting
            WHEN 'wasting' THEN a.wasting
            ELSE a.underweight
        END AS cases,
        true AS from_aggregate
    FROM aggregates AS a
    ANTI JOIN measured_villages AS m ON m.period = a.period AND m.village_code = a.village_code
    WHERE NOT $filtered
      AND a.regency = $regency
      AND CASE $level WHEN 'village' THEN a.village_code WHEN 'kecamatan' THEN a.kecamatan_code ELSE a.regency END = $code
)
SELECT
    period,
    CAST(sum(measured) AS BIGINT) AS measured,
    CAST(sum(cases) AS BIGINT) AS cases,
    CASE WHEN bool_or(from_aggregate) THEN 'aggregate' ELSE 'measurements' END AS source
FROM (
    SELECT * FROM measured_villages
    UNION ALL
    SELECT * FROM aggregated_villages WHERE cases IS NOT NULL
)
GROUP BY period
ORDER BY period;
