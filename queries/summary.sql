-- One row per regency x year x period x village x age group x sex x indicator with children counted
-- (view `counted`, the counting rule): measured = children counted, cases = those below the cut-off.
-- Computed over the measurements being written and stored beside each partition, so every
-- prevalence, trend, breakdown and comparison sums a few thousand rows instead of scanning millions.
-- Unordered: each writer sorts the rows of a partition file as it writes them (sorting a national
-- round's two million rows here too cost a second and a half).
SELECT
    regency,
    year,
    period,
    kecamatan_code,
    village_code,
    age_group,
    sex,
    indicator,
    count(*) AS measured,
    count(*) FILTER (WHERE is_case) AS cases
FROM counted
GROUP BY ALL;
