-- Requests that fail authentication are counted per directory and hour,
-- never logged one row each (issue 12, finding 1): a client without the
-- token must not be able to fill the database, nor change the directory's
-- health, which only authenticated requests feed.
ALTER TABLE request_counts ADD COLUMN rejected {{int64}} NOT NULL DEFAULT 0;
