-- Indexed attributes as generated columns (issue 16). Migration 0021
-- indexed each filtered attribute by an expression over the JSON
-- document. PostgreSQL cannot answer from such an index alone: an
-- index-only scan needs every column the query reads in the index, and
-- the document is not. So the total count of a filter that matches many
-- users (department eq "Sales": 20,000 of 1,000,000) visited every
-- match's row, 29-75 ms of heap pages, and so did the check of active
-- beside it. Stored generated columns hold the compared value, Fold of
-- the attribute (as is for manager.value, which is caseExact), and each
-- index holds the column, then seq (a page of an eq filter is in creation
-- order in the index, so the LIMIT stops early), and includes active:
-- the count is an index-only scan (4.9 ms for those 20,000).
--
-- One ALTER TABLE, so the table is rewritten once (1 min 47 s for
-- 1,000,000 users on this machine). The generated expressions are those
-- of migration 0021's indexes, which a scan evaluates; the filter
-- compiler now names the columns (storage/sqlstore/indexed.go,
-- indexedAttrs). co and ew keep the pg_trgm indexes on the expressions.
--
-- Written per dialect: the expressions are each dialect's own, and SQLite
-- adds VIRTUAL columns (ALTER TABLE cannot add STORED ones there, and its
-- indexes hold the value anyway) and no INCLUDE (it has none).

ALTER TABLE users
    ADD COLUMN display_name_fold    TEXT COLLATE "C" GENERATED ALWAYS AS (lower(attributes #>> '{"displayName"}')) STORED,
    ADD COLUMN title_fold           TEXT COLLATE "C" GENERATED ALWAYS AS (lower(attributes #>> '{"title"}')) STORED,
    ADD COLUMN given_name_fold      TEXT COLLATE "C" GENERATED ALWAYS AS (lower(attributes #>> '{"name","givenName"}')) STORED,
    ADD COLUMN family_name_fold     TEXT COLLATE "C" GENERATED ALWAYS AS (lower(attributes #>> '{"name","familyName"}')) STORED,
    ADD COLUMN employee_number_fold TEXT COLLATE "C" GENERATED ALWAYS AS (lower(attributes #>> '{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User","employeeNumber"}')) STORED,
    ADD COLUMN department_fold      TEXT COLLATE "C" GENERATED ALWAYS AS (lower(attributes #>> '{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User","department"}')) STORED,
    ADD COLUMN cost_center_fold     TEXT COLLATE "C" GENERATED ALWAYS AS (lower(attributes #>> '{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User","costCenter"}')) STORED,
    ADD COLUMN organization_fold    TEXT COLLATE "C" GENERATED ALWAYS AS (lower(attributes #>> '{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User","organization"}')) STORED,
    ADD COLUMN division_fold        TEXT COLLATE "C" GENERATED ALWAYS AS (lower(attributes #>> '{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User","division"}')) STORED,
    ADD COLUMN manager_value        TEXT COLLATE "C" GENERATED ALWAYS AS (attributes #>> '{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User","manager","value"}') STORED;

DROP INDEX users_ix_display_name;
DROP INDEX users_ix_title;
DROP INDEX users_ix_given_name;
DROP INDEX users_ix_family_name;
DROP INDEX users_ix_employee_number;
DROP INDEX users_ix_department;
DROP INDEX users_ix_cost_center;
DROP INDEX users_ix_organization;
DROP INDEX users_ix_division;
DROP INDEX users_ix_manager;

CREATE INDEX users_ix_display_name ON users (org_id, directory_id, display_name_fold, seq) INCLUDE (active);
CREATE INDEX users_ix_title ON users (org_id, directory_id, title_fold, seq) INCLUDE (active);
CREATE INDEX users_ix_given_name ON users (org_id, directory_id, given_name_fold, seq) INCLUDE (active);
CREATE INDEX users_ix_family_name ON users (org_id, directory_id, family_name_fold, seq) INCLUDE (active);
CREATE INDEX users_ix_employee_number ON users (org_id, directory_id, employee_number_fold, seq) INCLUDE (active);
CREATE INDEX users_ix_department ON users (org_id, directory_id, department_fold, seq) INCLUDE (active);
CREATE INDEX users_ix_cost_center ON users (org_id, directory_id, cost_center_fold, seq) INCLUDE (active);
CREATE INDEX users_ix_organization ON users (org_id, directory_id, organization_fold, seq) INCLUDE (active);
CREATE INDEX users_ix_division ON users (org_id, directory_id, division_fold, seq) INCLUDE (active);
CREATE INDEX users_ix_manager ON users (org_id, directory_id, manager_value, seq) INCLUDE (active);
