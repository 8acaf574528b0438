-- One row per incoming row that stores something (new, or different from the store's row of that
-- child on that date), as view `fresh`: an identical row keeps the stored one and its original import id.
CREATE VIEW fresh AS
SELECT * EXCLUDE (identical)
FROM paired
WHERE NOT identical;
