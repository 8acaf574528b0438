-- One row per regency x year x period x village x age group x sex x indicator (summary.sql, as stored
-- beside the current snapshot's measurement partitions), as view `summary`. The glob comes in as the
-- variable summary_files; regency is read as text (auto-detection would turn 64.02 into a number).
CREATE TEMP VIEW summary AS
SELECT *
FROM read_parquet(
    getvariable('summary_files'),
    hive_partitioning = true,
    hive_types = {'regency': 'VARCHAR', 'year': 'INTEGER'}
);
