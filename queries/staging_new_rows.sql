-- One row per fresh measurement of the partitions that only gain rows ($gaining: their
-- regencies), with regency, sorted by regency, period and village: the writer streams them into one new part file each.
SELECT * EXCLUDE (year, origin, stored_last)
FROM merged
WHERE origin = 'new' AND list_contains($gaining, regency)
ORDER BY regency, period, village_code;
