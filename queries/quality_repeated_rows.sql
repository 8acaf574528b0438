-- One row per source row of one import that shares its child x period with another row, with
-- whether it is not that child x period's first row, and not its first comparable row
-- (stunting/quality/imported.py).
-- The duplicate search compares one row per child and period (its first row with both names and a
-- birth date) and the NIK counts count its first row; the import's rows are searched bucket by
-- bucket, and a child's rows of one period may lie in two buckets (two villages, two posyandu), so
-- which row is the first is decided here over the whole import, from the identities' keys files
-- (keyed hashes and row numbers only). Children with one row per period, nearly all, return nothing.
-- The rows are grouped first by ``key``, a 64-bit hash of child_id and period (a small hash table);
-- only the rows whose key repeats, a hash collision now and then among them, are grouped exactly.
-- $files: the import's keys files (key, child_id, period, source_row, usable).
WITH repeated_keys AS (
    SELECT key FROM read_parquet($files) GROUP BY key HAVING count(*) > 1
),
candidates AS (
    SELECT child_id, period, source_row, usable
    FROM read_parquet($files)
    WHERE key IN (SELECT key FROM repeated_keys)
),
repeated AS (
    SELECT child_id, period, min(source_row) AS first_row,
           min(source_row) FILTER (WHERE usable) AS first_usable
    FROM candidates
    GROUP BY child_id, period
    HAVING count(*) > 1
)
SELECT candidates.source_row,
       candidates.source_row <> repeated.first_row AS not_first,
       candidates.source_row IS DISTINCT FROM repeated.first_usable AS not_compared
FROM candidates JOIN repeated USING (child_id, period)
ORDER BY candidates.source_row;
