-- Deletion you can undo (issue 13). A SCIM DELETE removes the user or group
-- from users/groups as before, so that no query or index of those has to
-- skip deleted rows, and in the same transaction keeps here what a restore
-- needs: the resource's columns and document, the groups it was in, the
-- members it had and the grants it gave (JSON lists), until purge_after,
-- when the purge job removes the row. id is the resource's own ID, kept on
-- restore.
CREATE TABLE deleted_resources (
    seq           {{seq_key}},
    id            TEXT NOT NULL,
    org_id        TEXT NOT NULL,
    directory_id  TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    name          TEXT NOT NULL,
    external_id   TEXT,
    display_name  TEXT,
    email         TEXT,
    active        {{bool}} NOT NULL,
    attributes    {{json}} NOT NULL,
    member_of     {{json}} NOT NULL,
    members       {{json}} NOT NULL,
    grants        {{json}} NOT NULL,
    version       {{int64}} NOT NULL,
    created       {{int64}} NOT NULL,
    deleted       {{int64}} NOT NULL,
    purge_after   {{int64}} NOT NULL,
    deleted_by    TEXT NOT NULL
);
CREATE UNIQUE INDEX deleted_resources_id ON deleted_resources (id);
CREATE INDEX deleted_resources_directory ON deleted_resources (org_id, directory_id, deleted);
CREATE INDEX deleted_resources_purge ON deleted_resources (purge_after);

-- A directory's deletion policy; a directory without a row has the
-- defaults (roster.DefaultDeletionPolicy).
CREATE TABLE deletion_policies (
    directory_id      TEXT PRIMARY KEY,
    org_id            TEXT NOT NULL,
    retention_seconds {{int64}} NOT NULL,
    mass_percent      {{int64}} NOT NULL,
    mass_minimum      {{int64}} NOT NULL
);
