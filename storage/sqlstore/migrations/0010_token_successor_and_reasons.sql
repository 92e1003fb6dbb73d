-- A rotated token names its successor, so that it cannot be rotated again
-- (rotation is single-use: exactly one of several concurrent rotations
-- wins); the request log keeps each failure's reason key, which is what the
-- console's advice goes by.
ALTER TABLE tokens ADD COLUMN replaced_by TEXT NOT NULL DEFAULT '';
ALTER TABLE request_log ADD COLUMN reason TEXT NOT NULL DEFAULT '';
