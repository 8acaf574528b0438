-- just a comment
SELECT 1;
