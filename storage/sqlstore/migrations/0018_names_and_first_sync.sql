-- Product names and local-group names are unique in their organization,
-- compared by roster.NameKey (trimmed, NFKC, Unicode case folding), as
-- directory names are: "Jira" and "jira " can no longer both be there to
-- be confused. The key is computed in Go, so the migration's Go step fills
-- it for the rows already there. Names that collide are not refused: the
-- oldest keeps its name, each later one is renamed with a suffix ("Jira
-- (2)") and the renaming is in the organization's audit log (action
-- product.renamed or group.renamed, actor "migration 0018"). Synced groups
-- keep a NULL key: their names are their identity provider's, and two
-- directories may both have an "Engineering".
ALTER TABLE products ADD COLUMN name_key TEXT;
ALTER TABLE groups ADD COLUMN local_name_key TEXT;
-- NULL keys never clash, so the indexes can be made before the Go step
-- fills them in, oldest first.
CREATE UNIQUE INDEX products_name_key ON products (org_id, name_key);
CREATE UNIQUE INDEX groups_local_name_key ON groups (org_id, local_name_key);

-- The first successful authenticated request of each directory, set once:
-- the request log is pruned, so its oldest row is not the first sync. For
-- the directories already there it is the oldest successful request still
-- in the log, the best that can be known now.
ALTER TABLE directories ADD COLUMN first_request {{int64}};
UPDATE directories SET first_request =
    (SELECT MIN(l.time) FROM request_log l WHERE l.directory_id = directories.id AND l.status < 400);

-- Activity filters by date range, and by someone: the events about them
-- (events_resource) and those they made.
CREATE INDEX events_time ON events (org_id, time);
CREATE INDEX events_actor ON events (org_id, actor, seq);
