-- One row per message of table `messages` (column message), in order: its HMAC-SHA256 (RFC 2104)
-- as lower-case hex (NULL stays NULL), SHA256((K xor opad) || SHA256((K xor ipad) || m)),
-- with $inner = K xor ipad and $outer = K xor opad computed by stunting.pseudonym from the secret.
-- Python's hmac.digest gives the same bytes (tests/test_pseudonym.py checks it on every kind of
-- message); DuckDB hashes a chunk's million messages in its threads instead of one Python call each.
SELECT sha256($outer || unhex(sha256($inner || encode(message)))) AS child_id
FROM messages;
