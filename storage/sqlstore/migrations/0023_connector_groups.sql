-- Groups a connector pushes (--groups): the link between a Roster group
-- granted the product and the group the connector made or found in the
-- target, with the name last pushed (a rename is noticed without reading
-- the target).
CREATE TABLE connector_groups (
    connector_id TEXT NOT NULL,
    group_id     TEXT NOT NULL,
    org_id       TEXT NOT NULL,
    target_id    TEXT NOT NULL,
    display_name TEXT NOT NULL,
    modified     {{int64}} NOT NULL,
    PRIMARY KEY (connector_id, group_id)
) {{without_rowid}};

-- The members a connector last pushed to each of its groups, by the
-- target's id (what the target's member list holds) with the Roster user
-- it stands for: a pass adds and removes the difference with what the
-- group should hold, one member at a time, without reading the target.
CREATE TABLE connector_group_members (
    connector_id TEXT NOT NULL,
    group_id     TEXT NOT NULL,
    target_id    TEXT NOT NULL,
    org_id       TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    PRIMARY KEY (connector_id, group_id, target_id)
) {{without_rowid}};

-- A delivery about a group names the group, not a user.
ALTER TABLE connector_deliveries ADD COLUMN group_id TEXT NOT NULL DEFAULT '';

-- The log's retention deletes by age.
CREATE INDEX connector_deliveries_at ON connector_deliveries (at);
