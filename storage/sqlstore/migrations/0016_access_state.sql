-- Effective access, materialized (issue 15): one row per user and product
-- the user may use, with the role, as the access.granted and access.revoked
-- events have announced it. Every transaction that can change a user's
-- effective access recomputes it for the users it touched with the rule
-- CheckAccess uses (access.go), diffs against these rows, writes the
-- difference back and appends one event per change. The Go step of this
-- migration fills it for the data already there, without events.
CREATE TABLE access_state (
    org_id  TEXT NOT NULL,
    product TEXT NOT NULL,
    user_id TEXT NOT NULL,
    role    TEXT NOT NULL,
    PRIMARY KEY (org_id, product, user_id)
) {{without_rowid}};
CREATE INDEX access_state_user ON access_state (user_id);

-- The groups nested in a group, without reading its user members: the
-- rule walks granted groups down through these, and a granted group of
-- 100,000 users has few or none.
CREATE INDEX group_members_nested ON group_members (group_id, member_id) WHERE member_type = 'Group';

-- Scratch rows of one transaction's access diff (change_id is the
-- transaction's own key; the rows are deleted before it commits): the
-- users whose access it recomputes, then the changes, so that the
-- recursion runs once and the events and access_state are written from
-- its result set-based, whatever the number of users.
CREATE TABLE access_scope (
    change_id TEXT NOT NULL,
    user_id   TEXT NOT NULL,
    PRIMARY KEY (change_id, user_id)
) {{without_rowid}};

CREATE TABLE access_changes (
    change_id     TEXT NOT NULL,
    org_id        TEXT NOT NULL,
    product       TEXT NOT NULL,
    user_id       TEXT NOT NULL,
    role          TEXT NOT NULL,
    previous_role TEXT NOT NULL,
    via           {{json}} NOT NULL,
    PRIMARY KEY (change_id, product, user_id)
) {{without_rowid}};

-- access.granted and access.revoked were the names of a group grant's
-- events on the product; they now name the per-user events, and a grant's
-- own events are product.granted and product.revoked.
UPDATE events SET action = 'product.granted' WHERE action = 'access.granted' AND resource_type = 'Product';
UPDATE events SET action = 'product.revoked' WHERE action = 'access.revoked' AND resource_type = 'Product';
