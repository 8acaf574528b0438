-- One row per incoming row (view `inc`, every column) as table `paired`, with `identical`: whether
-- the store (table `old`) holds the same child on the same date with the same content. The incoming
-- columns are carried so that view `fresh` is a filter of this table, not a second join of 1M rows
-- on 64-character child ids (read twice, by staging_merged and staging_changes). The content is
-- every stored column but the key, import_id, source_row and last_in_period, plus regency
-- (store.CONTENT_COLUMNS; a test checks that this list is that one). NULL equals NULL here, as a
-- missing z-score equals a missing z-score.
CREATE TABLE paired AS
SELECT
    i.*,
    o.child_id IS NOT NULL
    AND i.village_code IS NOT DISTINCT FROM o.village_code
    AND i.kecamatan_code IS NOT DISTINCT FROM o.kecamatan_code
    AND i.period IS NOT DISTINCT FROM o.period
    AND i.age_days IS NOT DISTINCT FROM o.age_days
    AND i.age_months IS NOT DISTINCT FROM o.age_months
    AND i.age_group IS NOT DISTINCT FROM o.age_group
    AND i.sex IS NOT DISTINCT FROM o.sex
    AND i.weight_kg IS NOT DISTINCT FROM o.weight_kg
    AND i.height_cm IS NOT DISTINCT FROM o.height_cm
    AND i.measured_lying IS NOT DISTINCT FROM o.measured_lying
    AND i.haz IS NOT DISTINCT FROM o.haz
    AND i.waz IS NOT DISTINCT FROM o.waz
    AND i.whz IS NOT DISTINCT FROM o.whz
    AND i.haz_flag IS NOT DISTINCT FROM o.haz_flag
    AND i.waz_flag IS NOT DISTINCT FROM o.waz_flag
    AND i.whz_flag IS NOT DISTINCT FROM o.whz_flag
    AND i.reported_haz IS NOT DISTINCT FROM o.reported_haz
    AND i.reported_waz IS NOT DISTINCT FROM o.reported_waz
    AND i.reported_whz IS NOT DISTINCT FROM o.reported_whz
    AND i.posyandu IS NOT DISTINCT FROM o.posyandu
    AND i.puskesmas IS NOT DISTINCT FROM o.puskesmas
    AND i.regency IS NOT DISTINCT FROM o.regency AS identical
FROM inc AS i
LEFT JOIN old AS o ON i.child_id = o.child_id AND i.measured_on = o.measured_on;
