-- One row per village x period x indicator of aggregated counts (offices without child-level rows),
-- as view `aggregates`: measured = children weighed, cases = the office's count for that indicator.
-- The file holds one column per indicator; an indicator the office left empty has no row (UNPIVOT
-- drops NULLs), so it counts neither children nor cases.
CREATE TEMP VIEW aggregates AS
SELECT regency, kecamatan_code, village_code, period, indicator, measured, cases
FROM (
    UNPIVOT (SELECT * FROM read_parquet(getvariable('aggregates_file')))
    ON stunting, severe_stunting, wasting, underweight
    INTO NAME indicator VALUE cases
);
