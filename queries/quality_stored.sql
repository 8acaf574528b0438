-- One row per period x village x puskesmas x posyandu of one period: the data-quality sufficient
-- statistics as stored at import (stunting/quality/stored.py: queries/quality_stats.sql per regency x
-- year partition), in quality_stats.sql's columns and order.
-- $files: the year's partition files; $regency NULL for all.
SELECT regency, year, * EXCLUDE (regency, year)
FROM read_parquet($files, hive_partitioning = true, hive_types = {'regency': 'VARCHAR', 'year': 'INTEGER'})
WHERE period = $period
  AND ($regency IS NULL OR regency = $regency)
ORDER BY period, village_code, puskesmas, posyandu;
