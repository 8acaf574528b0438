-- One row per period of one year's staged rows ($files), in order: the months of the store the merge
-- reads.
SELECT DISTINCT period
FROM read_parquet($files)
ORDER BY period;
