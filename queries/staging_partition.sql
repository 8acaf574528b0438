-- One row per measurement of one rewritten regency-year partition, in the stored column order,
-- sorted by period and village (row-group statistics then let a one-month query skip most of the file): its stored rows of
-- other months as they are ($files, $periods: the import's months) and the import's months as they
-- are after the import (table `merged`).
SELECT * EXCLUDE (regency, year)
FROM read_parquet($files, hive_partitioning = true, hive_types = {'regency': 'VARCHAR', 'year': 'INTEGER'})
WHERE NOT list_contains($periods, period)
UNION ALL BY NAME
SELECT * EXCLUDE (regency, year, origin, stored_last)
FROM merged
WHERE regency = $regency
ORDER BY period, village_code;
