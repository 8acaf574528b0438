-- One row per child and date (child_id, measured_on) of the staged rows of one year of an import,
-- as view `inc` (stunting/staging.py), read once, by staging_paired.sql: a table would copy the
-- million rows once more. The staged files come in as the variable staged_files (set from a bound
-- parameter: a view takes none; hive: year=YYYY/chunk-N.parquet, so the year column comes from the
-- path). One file may hold the same child twice on one date (a corrected row further down): the row
-- with the highest source_row wins, as in store.write_measurements.
CREATE VIEW inc AS
SELECT *
FROM read_parquet(getvariable('staged_files'), hive_partitioning = true, hive_types = {'year': 'INTEGER'})
QUALIFY row_number() OVER (PARTITION BY child_id, measured_on ORDER BY source_row DESC) = 1;
