-- One row per stored child measurement (the current snapshot's hive partitions), as view `measurements`.
-- The file glob comes in as the variable measurement_files (set from a bound parameter); regency is
-- read as text, because auto-detection would turn the partition value 64.02 into a number.
CREATE TEMP VIEW measurements AS
SELECT *
FROM read_parquet(
    getvariable('measurement_files'),
    hive_partitioning = true,
    hive_types = {'regency': 'VARCHAR', 'year': 'INTEGER'}
);
