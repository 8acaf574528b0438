-- One row per village x period of aggregated counts (offices without child-level rows), as view `aggregates`.
CREATE TEMP VIEW aggregates AS
SELECT *
FROM read_parquet(getvariable('aggregates_file'));
