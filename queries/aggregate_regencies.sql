-- One row per regency with aggregated village counts (view `aggregates`) in $period (any period
-- when NULL): the regencies whose summary prevalence_by_area_rollup.sql and
-- prevalence_trend_rollup.sql must read to know which of those villages also have child-level rows.
SELECT DISTINCT regency
FROM aggregates
WHERE $period IS NULL OR period = $period
ORDER BY regency;
