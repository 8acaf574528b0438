-- One row per regency with aggregated village counts (view `aggregates`) in $period: the regencies
-- whose summary prevalence_by_area_rollup.sql must read to know which of those villages also have
-- child-level rows.
SELECT DISTINCT regency
FROM aggregates
WHERE period = $period
ORDER BY regency;
