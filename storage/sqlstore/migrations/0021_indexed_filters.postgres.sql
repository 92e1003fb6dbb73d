-- Indexed filters (issue 16): the attributes identity providers,
-- applications and admins filter on are answered from an index for eq, sw
-- (compiled to a range) and the range operators, instead of a scan of the
-- directory.
--
-- Single-valued attributes kept in the JSON document get a partial
-- expression index on (org_id, directory_id, <the very expression the
-- filter compiler writes>): the planner matches an index expression to the
-- query's text, so the two are written together (storage/sqlstore/query.go,
-- indexedAttrs) and a test checks each plan. Expression indexes rather
-- than generated columns: they need no new columns in the schema both
-- dialects share, nothing to write in Go, and the same cost on every
-- write (each is re-evaluated whenever the row changes). Not partial
-- (WHERE ... IS NOT NULL), though that would be smaller: PostgreSQL keeps
-- statistics of an index expression only for a whole-table index, and
-- without them it guesses a third of the directory for every range, and
-- reads the directory in creation order instead.
--
-- This migration is written per dialect, the rare case the escape hatch
-- is for: the expressions are the dialect's own JSON access and case
-- folding, and PostgreSQL's are collated "C" so that they order by code
-- point, as SQLite's do, which is what makes sw a range.

CREATE INDEX users_ix_display_name ON users (org_id, directory_id, (lower((attributes #>> '{"displayName"}')) COLLATE "C"));
CREATE INDEX users_ix_title ON users (org_id, directory_id, (lower((attributes #>> '{"title"}')) COLLATE "C"));
CREATE INDEX users_ix_given_name ON users (org_id, directory_id, (lower((attributes #>> '{"name","givenName"}')) COLLATE "C"));
CREATE INDEX users_ix_family_name ON users (org_id, directory_id, (lower((attributes #>> '{"name","familyName"}')) COLLATE "C"));
CREATE INDEX users_ix_employee_number ON users (org_id, directory_id, (lower((attributes #>> '{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User","employeeNumber"}')) COLLATE "C"));
CREATE INDEX users_ix_department ON users (org_id, directory_id, (lower((attributes #>> '{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User","department"}')) COLLATE "C"));
CREATE INDEX users_ix_cost_center ON users (org_id, directory_id, (lower((attributes #>> '{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User","costCenter"}')) COLLATE "C"));
CREATE INDEX users_ix_organization ON users (org_id, directory_id, (lower((attributes #>> '{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User","organization"}')) COLLATE "C"));
CREATE INDEX users_ix_division ON users (org_id, directory_id, (lower((attributes #>> '{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User","division"}')) COLLATE "C"));
CREATE INDEX users_ix_manager ON users (org_id, directory_id, ((attributes #>> '{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User","manager","value"}') COLLATE "C"));

-- Columns: active, and the timestamps that incremental syncs ask for
-- (meta.lastModified gt ...).
CREATE INDEX users_ix_active ON users (org_id, directory_id, active);
CREATE INDEX users_ix_created ON users (org_id, directory_id, created);
CREATE INDEX users_ix_modified ON users (org_id, directory_id, modified);

-- externalId (users' and groups'), compared by code point like the
-- attributes above, so that sw is a range on these indexes too: the same
-- indexes, collated "C" (equality is the same in every deterministic
-- collation). SQLite's are code-point ordered already.
DROP INDEX users_external_id;
CREATE INDEX users_external_id ON users (org_id, directory_id, external_id COLLATE "C");
DROP INDEX groups_external_id;
CREATE INDEX groups_external_id ON groups (org_id, directory_id, external_id COLLATE "C");

-- The values of multi-valued attributes (emails.value, phoneNumbers.value),
-- one row per element, folded as the filter compiler folds them, and
-- reversed so that ew is a prefix range too; with the element's type, so
-- that emails[type eq "work" and value ew "@x"] is answered here alone
-- (the indexes cover what such a filter reads). Written in the user's write
-- transaction (sqlstore.indexValues; for the users there are already, by
-- this migration's Go step) from the stored document, by the same SQL
-- expressions a scan evaluates; deleted with the user (ON DELETE
-- CASCADE: user deletion and directory deletion alike). Rows are keyed by
-- organization, not directory: an unlinked user keeps its values, and the
-- query checks the directory on the user's own row. A filter uses it as
-- a candidate set (r.seq IN (...)) and still checks the element itself.
CREATE TABLE user_values (
    user_seq  {{int64}} NOT NULL REFERENCES users (seq) ON DELETE CASCADE,
    org_id    TEXT NOT NULL,
    attr      TEXT NOT NULL,
    value     TEXT COLLATE "C" NOT NULL,
    value_rev TEXT COLLATE "C" NOT NULL,
    type      TEXT
);
CREATE INDEX user_values_value ON user_values (org_id, attr, value, type, user_seq);
CREATE INDEX user_values_value_rev ON user_values (org_id, attr, value_rev, type, user_seq);
CREATE INDEX user_values_user ON user_values (user_seq);


-- co and ew (issue 16): trigram indexes (pg_trgm, a trusted extension:
-- the database's owner may create it) on the same expressions, folded but
-- in the database's collation, as the filter's LIKE compares them.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX users_trgm_display_name ON users USING gin (lower((attributes #>> '{"displayName"}')) gin_trgm_ops);
CREATE INDEX users_trgm_title ON users USING gin (lower((attributes #>> '{"title"}')) gin_trgm_ops);
CREATE INDEX users_trgm_given_name ON users USING gin (lower((attributes #>> '{"name","givenName"}')) gin_trgm_ops);
CREATE INDEX users_trgm_family_name ON users USING gin (lower((attributes #>> '{"name","familyName"}')) gin_trgm_ops);
CREATE INDEX users_trgm_employee_number ON users USING gin (lower((attributes #>> '{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User","employeeNumber"}')) gin_trgm_ops);
CREATE INDEX users_trgm_department ON users USING gin (lower((attributes #>> '{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User","department"}')) gin_trgm_ops);
CREATE INDEX users_trgm_cost_center ON users USING gin (lower((attributes #>> '{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User","costCenter"}')) gin_trgm_ops);
CREATE INDEX users_trgm_organization ON users USING gin (lower((attributes #>> '{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User","organization"}')) gin_trgm_ops);
CREATE INDEX users_trgm_division ON users USING gin (lower((attributes #>> '{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User","division"}')) gin_trgm_ops);
CREATE INDEX users_trgm_manager ON users USING gin ((attributes #>> '{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User","manager","value"}') gin_trgm_ops);

-- Statistics of the new index expressions now, rather than at the next
-- autovacuum's analyze: until then the planner guesses their selectivity.
ANALYZE users;
