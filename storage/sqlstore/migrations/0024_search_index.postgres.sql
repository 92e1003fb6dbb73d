-- The admins' search (issue 16): the console's and the admin API's user
-- search (userName, displayName or email contains) and member search
-- (userName or displayName contains) answered from pg_trgm indexes on the
-- very expressions the search compares (storage/sqlstore/reports.go), so
-- that the planner can read its candidates from them instead of every
-- user of the organization. SQLite has an FTS5 table instead (the
-- .sqlite.sql twin of this file).
CREATE INDEX users_trgm_search_user_name ON users USING gin (user_name_fold gin_trgm_ops);
CREATE INDEX users_trgm_search_display_name ON users USING gin (lower(display_name) gin_trgm_ops);
CREATE INDEX users_trgm_search_email ON users USING gin (lower(email) gin_trgm_ops);
