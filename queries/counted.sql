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
CREATE OR REPLACE TEMP VIEW counted AS
WITH valid AS (
    SELECT
        m.child_id,
        m.year,
        m.period,
        m.measured_on,
        i.indicator,
        CASE i.zscore WHEN 'haz' THEN m.haz WHEN 'whz' THEN m.whz WHEN 'waz' THEN m.waz END AS z,
        CASE i.zscore WHEN 'haz' THEN m.haz_flag WHEN 'whz' THEN m.whz_flag WHEN 'waz' THEN m.waz_flag END
            AS flagged,
        i.cutoff,
        m.regency,
        m.kecamatan_code,
        m.village_code,
        m.age_group,
        m.sex
    FROM measurements AS m
    CROSS JOIN indicators AS i
    WHERE m.age_group IS NOT NULL
),
last_valid AS (
    SELECT
        child_id,
        year,
        period,
        indicator,
        arg_max(
            {'regency': regency, 'kecamatan_code': kecamatan_code, 'village_code': village_code,
             'age_group': age_group, 'sex': sex, 'is_case': z < cutoff},
            measured_on
        ) AS m
    FROM valid
    WHERE z IS NOT NULL AND NOT isnan(z) AND NOT coalesce(flagged, false)
    GROUP BY child_id, year, period, indicator
)
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
FROM last_valid;
