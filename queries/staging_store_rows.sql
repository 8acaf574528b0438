-- One row per stored measurement of the months an import holds, every regency of its year, as
-- table `old` (stunting/staging.py). $files are the year's measurement part files (hive: regency, year);
-- $first / $last bound the months so DuckDB skips the row groups of every other month (partitions
-- are sorted by period): a new round reads nothing of the older ones. $periods is the exact list.
CREATE TABLE old AS
SELECT *
FROM read_parquet($files, hive_partitioning = true, hive_types = {'regency': 'VARCHAR', 'year': 'INTEGER'})
WHERE period >= $first AND period <= $last AND list_contains($periods, period);
