-- The trigram tables written once per commit: SQLite's alone (the
-- .sqlite.sql twin). PostgreSQL's trigram indexes are GIN indexes on the
-- users table, whose pending list already defers their writes.
SELECT 1;
