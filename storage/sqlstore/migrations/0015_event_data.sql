-- Normalized event payloads and the change feed (issue 15). data holds an
-- event's normalized payload (see eventdata.go), written in the change's
-- transaction; events written before this migration have NULL, and their
-- webhook messages keep the earlier shape.
ALTER TABLE events ADD COLUMN data {{json}};

-- The retention purge's watermark: every event with seq <= purged_through
-- may be gone, so a feed cursor below it is expired (410 cursor_expired)
-- rather than silently missing events. One row, id 1.
CREATE TABLE event_retention (
    id             {{int64}} PRIMARY KEY,
    purged_through {{int64}} NOT NULL
);
INSERT INTO event_retention (id, purged_through) VALUES (1, 0);

-- Snapshots page through an organization's users and groups in creation
-- order (keyset on seq), which these indexes serve without a sort.
CREATE INDEX users_org_seq ON users (org_id, seq);
CREATE INDEX groups_org_seq ON groups (org_id, seq);

-- directory.token_expiring is written once per token and warning (14 and
-- 3 days ahead): expiry_warned is the days of the last warning written,
-- 0 for none. The conditional UPDATE that sets it is what keeps several
-- nodes from warning twice.
ALTER TABLE tokens ADD COLUMN expiry_warned {{int64}} NOT NULL DEFAULT 0;
