-- Requests counted per directory and hour, so that the console's figures
-- stay exact while the request log itself keeps only the latest requests
-- of each directory; and an index for the failed ones, which the console
-- lists on their own.
CREATE TABLE request_counts (
    directory_id TEXT NOT NULL,
    org_id       TEXT NOT NULL,
    hour         BIGINT NOT NULL, -- hours since the Unix epoch, UTC
    requests     BIGINT NOT NULL,
    errors       BIGINT NOT NULL,
    PRIMARY KEY (directory_id, hour)
);
INSERT INTO request_counts (directory_id, org_id, hour, requests, errors)
    SELECT directory_id, MIN(org_id), time / 3600000000, COUNT(*), SUM(CASE WHEN status >= 400 THEN 1 ELSE 0 END)
    FROM request_log GROUP BY directory_id, time / 3600000000;

CREATE INDEX request_log_failures ON request_log (directory_id, seq) WHERE status >= 400;

-- The overview counts deactivated users on this index instead of reading
-- every user's row.
CREATE INDEX users_inactive ON users (org_id) WHERE NOT active;
