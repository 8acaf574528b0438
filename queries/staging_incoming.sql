-- One row per child and date (child_id, measured_on) of the staged rows of one year of an import,
-- as table `inc` (stunting/staging.py). The staged files come in as $files (hive:
-- year=YYYY/chunk-N.parquet, so the year column comes from the path). One file may hold the same child twice on one date (a corrected
-- row further down): the row with the highest source_row wins, as in store.write_measurements.
CREATE TABLE inc AS
SELECT *
FROM read_parquet($files, hive_partitioning = true, hive_types = {'year': 'INTEGER'})
QUALIFY row_number() OVER (PARTITION BY child_id, measured_on ORDER BY source_row DESC) = 1;
