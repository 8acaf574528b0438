-- One row per completed month of age x sex for one period (and regency, NULL for all): children
-- counted once each (last measurement in the period), with how many of them had their position
-- recorded as lying, standing or not at all. For the data-quality report's age-sex pyramid, age
-- heaping and measurement position by age.
SELECT
    age_months,
    sex,
    count(*) AS children,
    count(*) FILTER (WHERE measured_lying) AS lying,
    count(*) FILTER (WHERE NOT measured_lying) AS standing,
    count(*) FILTER (WHERE measured_lying IS NULL) AS position_missing
FROM measurements
WHERE last_in_period
  AND year = $year
  AND period = $period
  AND ($regency IS NULL OR regency = $regency)
GROUP BY ALL
ORDER BY age_months, sex;
