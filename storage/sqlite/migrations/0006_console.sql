-- What the console shows: identity providers' requests per directory, a
-- member count per group kept with every change, and an index to find a
-- resource's history.
CREATE TABLE request_log (
    seq          INTEGER PRIMARY KEY,
    org_id       TEXT NOT NULL,
    directory_id TEXT NOT NULL,
    time         INTEGER NOT NULL,
    method       TEXT NOT NULL,
    path         TEXT NOT NULL,
    status       INTEGER NOT NULL,
    duration_us  INTEGER NOT NULL,
    user_agent   TEXT NOT NULL,
    error        TEXT NOT NULL
);
CREATE INDEX request_log_directory ON request_log (directory_id, seq);
CREATE INDEX request_log_time ON request_log (time);

ALTER TABLE groups ADD COLUMN member_count INTEGER NOT NULL DEFAULT 0;
UPDATE groups SET member_count = (SELECT COUNT(*) FROM group_members m WHERE m.group_id = groups.id);

CREATE INDEX events_resource ON events (org_id, resource_id, seq);
