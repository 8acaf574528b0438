-- The rows of one import that are not the first of their child x period (stunting/quality/imported.py).
-- The duplicate search compares one row per child and period (its first row with both names and a
-- birth date) and the NIK counts count its first row; the import's rows are searched bucket by
-- bucket, and a child's rows of one period may lie in two buckets (two villages, two posyandu), so
-- which row is the first is decided here over the whole import, from the identities' keys (keyed
-- hashes and row numbers only). Children with one row per period, nearly all, return nothing.
-- $files: the import's keys files (child_id, period, source_row, usable).
WITH keyed AS (
    SELECT child_id, period, source_row, usable FROM read_parquet($files)
),
repeated AS (
    SELECT child_id, period, min(source_row) AS first_row,
           min(source_row) FILTER (WHERE usable) AS first_usable
    FROM keyed
    GROUP BY child_id, period
    HAVING count(*) > 1
)
SELECT keyed.source_row,
       keyed.source_row <> repeated.first_row AS not_first,
       keyed.source_row IS DISTINCT FROM repeated.first_usable AS not_compared
FROM keyed JOIN repeated USING (child_id, period)
ORDER BY keyed.source_row;
