-- One row per year x period x regency x kecamatan x age group x sex x indicator (rollup.sql, as stored
-- in the current snapshot's rollup/year=YYYY files), as view `rollup`. The glob comes in as the
-- variable rollup_files; year comes from the path.
CREATE TEMP VIEW rollup AS
SELECT *
FROM read_parquet(getvariable('rollup_files'), hive_partitioning = true, hive_types = {'year': 'INTEGER'});
