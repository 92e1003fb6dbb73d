-- Roster's first schema, the PostgreSQL twin of the SQLite one. Times are
-- integer microseconds since the Unix epoch (UTC); 0 means "never". Users
-- and groups keep their SCIM document in `attributes` and repeat in
-- columns what is indexed or reasoned about.

CREATE TABLE orgs (
    id      TEXT PRIMARY KEY,
    name    TEXT NOT NULL,
    created BIGINT NOT NULL
);

CREATE TABLE directories (
    id      TEXT PRIMARY KEY,
    org_id  TEXT NOT NULL REFERENCES orgs (id),
    name    TEXT NOT NULL,
    created BIGINT NOT NULL
);
CREATE INDEX directories_org ON directories (org_id);

CREATE TABLE tokens (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL,
    directory_id TEXT NOT NULL REFERENCES directories (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    hash         BYTEA NOT NULL,
    created      BIGINT NOT NULL,
    expires      BIGINT NOT NULL DEFAULT 0,
    revoked      BIGINT NOT NULL DEFAULT 0,
    last_used    BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX tokens_prefix ON tokens (directory_id, prefix);

-- seq is creation order: the default sort and the cursor key.
CREATE TABLE users (
    seq            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
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
    active         BOOLEAN NOT NULL,
    attributes     JSONB NOT NULL,
    version        BIGINT NOT NULL,
    created        BIGINT NOT NULL,
    modified       BIGINT NOT NULL
);
CREATE INDEX users_tenant ON users (org_id, directory_id, seq);
CREATE UNIQUE INDEX users_user_name ON users (org_id, user_name_fold);
CREATE INDEX users_email_domain ON users (org_id, email_domain);
CREATE INDEX users_external_id ON users (org_id, directory_id, external_id);

CREATE TABLE groups (
    seq               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id                TEXT NOT NULL UNIQUE,
    org_id            TEXT NOT NULL,
    -- NULL for a local group: one an admin made, or unlinked.
    directory_id      TEXT REFERENCES directories (id),
    display_name      TEXT NOT NULL,
    display_name_fold TEXT NOT NULL,
    external_id       TEXT,
    attributes        JSONB NOT NULL,
    version           BIGINT NOT NULL,
    created           BIGINT NOT NULL,
    modified          BIGINT NOT NULL
);
CREATE INDEX groups_tenant ON groups (org_id, directory_id, seq);
CREATE INDEX groups_display_name ON groups (org_id, directory_id, display_name_fold);
CREATE INDEX groups_external_id ON groups (org_id, directory_id, external_id);

-- One row per membership: adding a member writes one row, whatever the
-- size of the group.
CREATE TABLE group_members (
    group_id    TEXT NOT NULL,
    member_id   TEXT NOT NULL,
    member_type TEXT NOT NULL,
    PRIMARY KEY (group_id, member_id)
);
CREATE INDEX group_members_member ON group_members (member_id);

CREATE TABLE events (
    seq           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id        TEXT NOT NULL,
    directory_id  TEXT NOT NULL,
    time          BIGINT NOT NULL,
    actor         TEXT NOT NULL,
    action        TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    resource_id   TEXT NOT NULL,
    detail        JSONB NOT NULL
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
