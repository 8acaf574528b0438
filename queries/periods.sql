-- One row per period (YYYY-MM) with any measurement or aggregated count in the store.
SELECT DISTINCT period FROM summary
UNION
SELECT DISTINCT period FROM aggregates
ORDER BY period;
