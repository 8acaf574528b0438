-- One row per period x regency x kecamatan x age group x sex x indicator of one year's rollup file
-- after an import (store_layout.ROLLUP_FILE_SCHEMA order, sorted by period): the stored rollup's
-- rows of the other periods (view `stored_rollup`; empty when the year had none) and the rows of
-- the import's periods ($periods) summed afresh from their summary (table `fresh_rollup`, rollup.sql).
SELECT period, regency, kecamatan_code, age_group, sex, indicator, measured, cases
FROM (
    SELECT period, regency, kecamatan_code, age_group, sex, indicator, measured, cases
    FROM stored_rollup
    WHERE NOT list_contains($periods, period)
    UNION ALL
    SELECT period, regency, kecamatan_code, age_group, sex, indicator, measured, cases
    FROM fresh_rollup
)
ORDER BY period, regency, kecamatan_code, age_group, sex, indicator;
