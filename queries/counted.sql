-- One row per child x period x indicator the child counts for, as view `counted`: THE counting rule,
-- written here once (docs/architecture.md, "The counting rule"). For each indicator a child counts in
-- a period with its last measurement in that period whose z-score for that indicator is defined and
-- not flagged; is_case = that z-score is below the indicator's cut-off; regency, kecamatan_code,
-- village_code, age_group and sex are those of that counted measurement. So a weight-only re-weigh
-- later in the month keeps the earlier height for stunting and gives the newer weight to
-- underweight. Children from 60 months (age_group NULL) count for nothing. The table `indicators`
-- (name, z-score column, cut-off) comes from stunting.indicators; measured_on is unique per child
-- (the store's key), so "the last" is never a tie. year (= the period's year) is carried so a filter
-- on it reaches the hive partitions.
--
-- How, without grouping every child: the store's last_in_period marks the one row of each child x
-- period with the latest measured_on (recomputed over every regency on every write). Where that row
-- is usable for an indicator it is the counted one: no grouping needed. Only the child x periods with
-- an earlier row (NOT last_in_period somewhere) are grouped, and of those only the ones whose last
-- usable row is not the last row are added. Exact for any set of stored rows (one regency's files
-- too): the row flagged last, when present, is the latest of its child x period. Grouping all 4M
-- child x indicator rows of a 1M-row import by 64-character child ids cost about 9 s of CPU; this
-- costs about 1 s (docs/scale.md).

-- Each measurement x indicator whose z-score is defined and not flagged, for children under 60
-- months. A view, not a CTE: it is read twice below, and DuckDB would materialise a CTE read twice.
CREATE OR REPLACE TEMP VIEW counted_usable AS
SELECT
    m.child_id,
    m.year,
    m.period,
    m.measured_on,
    m.last_in_period,
    i.indicator,
    CASE i.zscore WHEN 'haz' THEN m.haz WHEN 'whz' THEN m.whz WHEN 'waz' THEN m.waz END AS z,
    i.cutoff,
    m.regency,
    m.kecamatan_code,
    m.village_code,
    m.age_group,
    m.sex
FROM measurements AS m
CROSS JOIN indicators AS i
WHERE
    m.age_group IS NOT NULL
    AND z IS NOT NULL
    AND NOT isnan(z)
    AND NOT coalesce(
        CASE i.zscore WHEN 'haz' THEN m.haz_flag WHEN 'whz' THEN m.whz_flag WHEN 'waz' THEN m.waz_flag END,
        false
    );

CREATE OR REPLACE TEMP VIEW counted AS
-- The child's last row of the period, where it is usable for the indicator.
SELECT
    child_id,
    regency,
    kecamatan_code,
    village_code,
    year,
    period,
    age_group,
    sex,
    indicator,
    z < cutoff AS is_case
FROM counted_usable
WHERE last_in_period
UNION ALL
-- Children measured more than once in the period whose last usable row is an earlier one.
SELECT
    child_id,
    m.regency AS regency,
    m.kecamatan_code AS kecamatan_code,
    m.village_code AS village_code,
    year,
    period,
    m.age_group AS age_group,
    m.sex AS sex,
    indicator,
    m.is_case AS is_case
FROM (
    SELECT
        child_id,
        year,
        period,
        indicator,
        arg_max(
            {'regency': regency, 'kecamatan_code': kecamatan_code, 'village_code': village_code,
             'age_group': age_group, 'sex': sex, 'is_case': z < cutoff, 'last': last_in_period},
            measured_on
        ) AS m
    FROM counted_usable
    WHERE (child_id, period) IN (SELECT child_id, period FROM measurements WHERE NOT last_in_period)
    GROUP BY child_id, year, period, indicator
)
WHERE NOT m.last;
