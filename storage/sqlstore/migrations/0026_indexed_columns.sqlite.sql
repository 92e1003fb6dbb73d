-- Indexed attributes as generated columns (issue 16): the filter compiler
-- now names a column for each indexed attribute instead of writing its
-- expression (see the .postgres.sql twin for why: PostgreSQL counts from
-- the index alone only then). SQLite's columns are VIRTUAL: ALTER TABLE
-- cannot add STORED ones, and nothing is gained by them, as an index on
-- an expression already holds the value and counts from it alone. The
-- indexes are those of migration 0021 on the columns instead of the same
-- expressions, and end with the rowid (seq), as every SQLite index does.

ALTER TABLE users ADD COLUMN display_name_fold TEXT GENERATED ALWAYS AS (fold(json_extract(attributes, '$.displayName'))) VIRTUAL;
ALTER TABLE users ADD COLUMN title_fold TEXT GENERATED ALWAYS AS (fold(json_extract(attributes, '$.title'))) VIRTUAL;
ALTER TABLE users ADD COLUMN given_name_fold TEXT GENERATED ALWAYS AS (fold(json_extract(attributes, '$.name.givenName'))) VIRTUAL;
ALTER TABLE users ADD COLUMN family_name_fold TEXT GENERATED ALWAYS AS (fold(json_extract(attributes, '$.name.familyName'))) VIRTUAL;
ALTER TABLE users ADD COLUMN employee_number_fold TEXT GENERATED ALWAYS AS (fold(json_extract(attributes, '$."urn:ietf:params:scim:schemas:extension:enterprise:2.0:User".employeeNumber'))) VIRTUAL;
ALTER TABLE users ADD COLUMN department_fold TEXT GENERATED ALWAYS AS (fold(json_extract(attributes, '$."urn:ietf:params:scim:schemas:extension:enterprise:2.0:User".department'))) VIRTUAL;
ALTER TABLE users ADD COLUMN cost_center_fold TEXT GENERATED ALWAYS AS (fold(json_extract(attributes, '$."urn:ietf:params:scim:schemas:extension:enterprise:2.0:User".costCenter'))) VIRTUAL;
ALTER TABLE users ADD COLUMN organization_fold TEXT GENERATED ALWAYS AS (fold(json_extract(attributes, '$."urn:ietf:params:scim:schemas:extension:enterprise:2.0:User".organization'))) VIRTUAL;
ALTER TABLE users ADD COLUMN division_fold TEXT GENERATED ALWAYS AS (fold(json_extract(attributes, '$."urn:ietf:params:scim:schemas:extension:enterprise:2.0:User".division'))) VIRTUAL;
ALTER TABLE users ADD COLUMN manager_value TEXT GENERATED ALWAYS AS (json_extract(attributes, '$."urn:ietf:params:scim:schemas:extension:enterprise:2.0:User".manager.value')) VIRTUAL;

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

CREATE INDEX users_ix_display_name ON users (org_id, directory_id, display_name_fold);
CREATE INDEX users_ix_title ON users (org_id, directory_id, title_fold);
CREATE INDEX users_ix_given_name ON users (org_id, directory_id, given_name_fold);
CREATE INDEX users_ix_family_name ON users (org_id, directory_id, family_name_fold);
CREATE INDEX users_ix_employee_number ON users (org_id, directory_id, employee_number_fold);
CREATE INDEX users_ix_department ON users (org_id, directory_id, department_fold);
CREATE INDEX users_ix_cost_center ON users (org_id, directory_id, cost_center_fold);
CREATE INDEX users_ix_organization ON users (org_id, directory_id, organization_fold);
CREATE INDEX users_ix_division ON users (org_id, directory_id, division_fold);
CREATE INDEX users_ix_manager ON users (org_id, directory_id, manager_value);
