-- Nothing on SQLite: it compares text by code point (BINARY), so
-- users_user_name already serves userName's ranges and its sw. The
-- .postgres.sql twin adds the code-point index PostgreSQL lacked.
SELECT 1;
