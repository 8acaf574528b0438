-- One row per indicator x bin of width $bin_width z for one period (and regency, NULL for all):
-- children counted once each (last measurement in the period), flagged and undefined z left out.
-- bin is the lower edge of its interval [bin, bin + $bin_width). For the data-quality report's
-- z-score distributions against the standard normal.
WITH children AS (
    SELECT haz, waz, whz, haz_flag, waz_flag, whz_flag
    FROM measurements
    WHERE last_in_period
      AND year = $year
      AND period = $period
      AND ($regency IS NULL OR regency = $regency)
),
z AS (
    SELECT 'haz' AS indicator, haz AS value FROM children WHERE NOT isnan(haz) AND NOT haz_flag
    UNION ALL
    SELECT 'waz', waz FROM children WHERE NOT isnan(waz) AND NOT waz_flag
    UNION ALL
    SELECT 'whz', whz FROM children WHERE NOT isnan(whz) AND NOT whz_flag
)
SELECT indicator, floor(value / $bin_width) * $bin_width AS bin, count(*) AS children
FROM z
GROUP BY ALL
ORDER BY indicator, bin;
