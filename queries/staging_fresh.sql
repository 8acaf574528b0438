-- One row per incoming row that stores something (new, or different from the store's row of that
-- child on that date), as view `fresh`: an identical row keeps the stored one and its original import id.
CREATE VIEW fresh AS
SELECT i.*
FROM inc AS i
JOIN paired AS p ON i.child_id = p.child_id AND i.measured_on = p.measured_on
WHERE NOT p.identical;
