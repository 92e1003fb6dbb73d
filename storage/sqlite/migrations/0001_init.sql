-- Roster's first schema. Times are integer microseconds since the Unix epoch
-- (UTC); 0 means "never". Users and groups keep their SCIM document in
-- `attributes` and repeat in columns what is indexed or reasoned about.

CREATE TABLE orgs (
    id      TEXT PRIMARY KEY,
    name    TEXT NOT NULL,
    created INTEGER NOT NULL
);

CREATE TABLE directories (
    id      TEXT PRIMARY KEY,
    org_id  TEXT NOT NULL REFERENCES orgs (id),
    name    TEXT NOT NULL,
    created INTEGER NOT NULL
);
CREATE INDEX directories_org ON directories (org_id);

CREATE TABLE tokens (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL,
    directory_id TEXT NOT NULL REFERENCES directories (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    hash         BLOB NOT NULL,
    created      INTEGER NOT NULL,
    expires      INTEGER NOT NULL DEFAULT 0,
    revoked      INTEGER NOT NULL DEFAULT 0,
    last_used    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX tokens_prefix ON tokens (directory_id, prefix);

-- seq is the rowid: creation order, the default sort and the cursor key.
CREATE TABLE users (
    seq            INTEGER PRIMARY KEY,
    id             TEXT NOT NULL UNIQUE,
    org_id         TEXT NOT NULL,
    -- NULL for a local user: one an admin unlinked from its directory.
    directory_id   TEXT REFERENCES directories (id),
    user_name      TEXT NOT NULL,
    user_name_fold TEXT NOT NULL,
    external_id    TEXT,
    display_name   TEXT,
    -- The address that decides whether the organization manages the
    -- account: the primary email, else the first, else the userName when
    -- it is an address; email_domain is its domain, lower-cased.
    email          TEXT,
    email_domain   TEXT,
    active         INTEGER NOT NULL,
    attributes     TEXT NOT NULL,
    version        INTEGER NOT NULL,
    created        INTEGER NOT NULL,
    modified       INTEGER NOT NULL
);
-- Every SQLite index ends with the rowid, so this one also orders a
-- directory's users by seq: paging reads it alone.
CREATE INDEX users_tenant ON users (org_id, directory_id);
-- No index starts with directory_id alone: a statement that looks users up
-- by a list of IDs within a directory must use the unique index on id, and
-- SQLite's planner, without statistics, would rather scan a directory.
CREATE UNIQUE INDEX users_user_name ON users (org_id, user_name_fold);
CREATE INDEX users_email_domain ON users (org_id, email_domain);
CREATE INDEX users_external_id ON users (org_id, directory_id, external_id);

CREATE TABLE groups (
    seq               INTEGER PRIMARY KEY,
    id                TEXT NOT NULL UNIQUE,
    org_id            TEXT NOT NULL,
    -- NULL for a local group: one an admin made, or unlinked.
    directory_id      TEXT REFERENCES directories (id),
    display_name      TEXT NOT NULL,
    display_name_fold TEXT NOT NULL,
    external_id       TEXT,
    attributes        TEXT NOT NULL,
    version           INTEGER NOT NULL,
    created           INTEGER NOT NULL,
    modified          INTEGER NOT NULL
);
CREATE INDEX groups_tenant ON groups (org_id, directory_id);
CREATE INDEX groups_display_name ON groups (org_id, directory_id, display_name_fold);
CREATE INDEX groups_external_id ON groups (org_id, directory_id, external_id);

-- One row per membership: adding a member writes one row, whatever the
-- size of the group.
CREATE TABLE group_members (
    group_id    TEXT NOT NULL,
    member_id   TEXT NOT NULL,
    member_type TEXT NOT NULL,
    PRIMARY KEY (group_id, member_id)
) WITHOUT ROWID;
CREATE INDEX group_members_member ON group_members (member_id);

CREATE TABLE events (
    seq           INTEGER PRIMARY KEY,
    org_id        TEXT NOT NULL,
    directory_id  TEXT NOT NULL,
    time          INTEGER NOT NULL,
    actor         TEXT NOT NULL,
    action        TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    resource_id   TEXT NOT NULL,
    detail        TEXT NOT NULL
);
CREATE INDEX events_org ON events (org_id, seq);

-- How many users and groups each directory has, kept in the same
-- transaction as every create and delete, so that an unfiltered list's
-- totalResults is a sum of a few rows instead of a count of the directory.
-- Writers add to one of a few shards so that concurrent creates do not all
-- wait for one row.
CREATE TABLE directory_counts (
    directory_id TEXT NOT NULL,
    kind         TEXT NOT NULL,
    shard        INTEGER NOT NULL,
    n            BIGINT NOT NULL,
    PRIMARY KEY (directory_id, kind, shard)
);
