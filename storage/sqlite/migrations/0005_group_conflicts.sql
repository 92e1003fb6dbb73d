-- A group an identity provider pushes under the name of an existing local
-- group is created in conflict with it, for an admin to review and link.
ALTER TABLE groups ADD COLUMN conflict_with TEXT;
CREATE INDEX groups_conflicts ON groups (org_id, conflict_with);
