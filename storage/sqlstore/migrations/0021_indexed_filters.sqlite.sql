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
--
-- SQLite: once fold(), Roster's own function, is in an index expression,
-- a stock sqlite3 shell (which lacks it) can read the users table but no
-- longer write it.

CREATE INDEX users_ix_display_name ON users (org_id, directory_id, fold(json_extract(attributes, '$.displayName')));
CREATE INDEX users_ix_title ON users (org_id, directory_id, fold(json_extract(attributes, '$.title')));
CREATE INDEX users_ix_given_name ON users (org_id, directory_id, fold(json_extract(attributes, '$.name.givenName')));
CREATE INDEX users_ix_family_name ON users (org_id, directory_id, fold(json_extract(attributes, '$.name.familyName')));
CREATE INDEX users_ix_employee_number ON users (org_id, directory_id, fold(json_extract(attributes, '$."urn:ietf:params:scim:schemas:extension:enterprise:2.0:User".employeeNumber')));
CREATE INDEX users_ix_department ON users (org_id, directory_id, fold(json_extract(attributes, '$."urn:ietf:params:scim:schemas:extension:enterprise:2.0:User".department')));
CREATE INDEX users_ix_cost_center ON users (org_id, directory_id, fold(json_extract(attributes, '$."urn:ietf:params:scim:schemas:extension:enterprise:2.0:User".costCenter')));
CREATE INDEX users_ix_organization ON users (org_id, directory_id, fold(json_extract(attributes, '$."urn:ietf:params:scim:schemas:extension:enterprise:2.0:User".organization')));
CREATE INDEX users_ix_division ON users (org_id, directory_id, fold(json_extract(attributes, '$."urn:ietf:params:scim:schemas:extension:enterprise:2.0:User".division')));
CREATE INDEX users_ix_manager ON users (org_id, directory_id, json_extract(attributes, '$."urn:ietf:params:scim:schemas:extension:enterprise:2.0:User".manager.value'));

-- Columns: active, and the timestamps that incremental syncs ask for
-- (meta.lastModified gt ...).
CREATE INDEX users_ix_active ON users (org_id, directory_id, active);
CREATE INDEX users_ix_created ON users (org_id, directory_id, created);
CREATE INDEX users_ix_modified ON users (org_id, directory_id, modified);

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
    value     TEXT NOT NULL,
    value_rev TEXT NOT NULL,
    type      TEXT
);
CREATE INDEX user_values_value ON user_values (org_id, attr, value, type, user_seq);
CREATE INDEX user_values_value_rev ON user_values (org_id, attr, value_rev, type, user_seq);
CREATE INDEX user_values_user ON user_values (user_seq);


-- co and ew (issue 16): a trigram index of the same folded values, in an
-- FTS5 table of one row per user (rowid = users.seq; emails and
-- phoneNumbers one column each, their values joined by newlines). A
-- filter reads its candidates here (MATCH a phrase of the folded text,
-- three characters at least) and still checks its LIKE on them. The
-- tokenizer is case-sensitive because the values are folded already, by
-- fold(), exactly as the filter folds. Contentless (the document is in
-- users), kept by triggers in every write's transaction: a create, a
-- replace of the document (not a member add, which leaves attributes
-- alone), a delete (user, directory or organization).
CREATE VIRTUAL TABLE user_text USING fts5(display_name, title, given_name, family_name, employee_number, department, cost_center, organization, division, manager, emails, phone_numbers,
    tokenize = 'trigram case_sensitive 1', content = '', contentless_delete = 1);
CREATE TRIGGER users_text_insert AFTER INSERT ON users BEGIN
    INSERT INTO user_text (rowid, display_name, title, given_name, family_name, employee_number, department, cost_center, organization, division, manager, emails, phone_numbers) VALUES (new.seq,
        fold(json_extract(new.attributes, '$.displayName')),
        fold(json_extract(new.attributes, '$.title')),
        fold(json_extract(new.attributes, '$.name.givenName')),
        fold(json_extract(new.attributes, '$.name.familyName')),
        fold(json_extract(new.attributes, '$."urn:ietf:params:scim:schemas:extension:enterprise:2.0:User".employeeNumber')),
        fold(json_extract(new.attributes, '$."urn:ietf:params:scim:schemas:extension:enterprise:2.0:User".department')),
        fold(json_extract(new.attributes, '$."urn:ietf:params:scim:schemas:extension:enterprise:2.0:User".costCenter')),
        fold(json_extract(new.attributes, '$."urn:ietf:params:scim:schemas:extension:enterprise:2.0:User".organization')),
        fold(json_extract(new.attributes, '$."urn:ietf:params:scim:schemas:extension:enterprise:2.0:User".division')),
        json_extract(new.attributes, '$."urn:ietf:params:scim:schemas:extension:enterprise:2.0:User".manager.value'),
        (SELECT group_concat(fold(json_extract(e.value, '$.value')), char(10)) FROM json_each(new.attributes, '$.emails') AS e),
        (SELECT group_concat(fold(json_extract(e.value, '$.value')), char(10)) FROM json_each(new.attributes, '$.phoneNumbers') AS e));
END;
CREATE TRIGGER users_text_update AFTER UPDATE OF attributes ON users BEGIN
    DELETE FROM user_text WHERE rowid = old.seq;
    INSERT INTO user_text (rowid, display_name, title, given_name, family_name, employee_number, department, cost_center, organization, division, manager, emails, phone_numbers) VALUES (new.seq,
        fold(json_extract(new.attributes, '$.displayName')),
        fold(json_extract(new.attributes, '$.title')),
        fold(json_extract(new.attributes, '$.name.givenName')),
        fold(json_extract(new.attributes, '$.name.familyName')),
        fold(json_extract(new.attributes, '$."urn:ietf:params:scim:schemas:extension:enterprise:2.0:User".employeeNumber')),
        fold(json_extract(new.attributes, '$."urn:ietf:params:scim:schemas:extension:enterprise:2.0:User".department')),
        fold(json_extract(new.attributes, '$."urn:ietf:params:scim:schemas:extension:enterprise:2.0:User".costCenter')),
        fold(json_extract(new.attributes, '$."urn:ietf:params:scim:schemas:extension:enterprise:2.0:User".organization')),
        fold(json_extract(new.attributes, '$."urn:ietf:params:scim:schemas:extension:enterprise:2.0:User".division')),
        json_extract(new.attributes, '$."urn:ietf:params:scim:schemas:extension:enterprise:2.0:User".manager.value'),
        (SELECT group_concat(fold(json_extract(e.value, '$.value')), char(10)) FROM json_each(new.attributes, '$.emails') AS e),
        (SELECT group_concat(fold(json_extract(e.value, '$.value')), char(10)) FROM json_each(new.attributes, '$.phoneNumbers') AS e));
END;
CREATE TRIGGER users_text_delete AFTER DELETE ON users BEGIN
    DELETE FROM user_text WHERE rowid = old.seq;
END;
INSERT INTO user_text (rowid, display_name, title, given_name, family_name, employee_number, department, cost_center, organization, division, manager, emails, phone_numbers) SELECT r.seq,
        fold(json_extract(r.attributes, '$.displayName')),
        fold(json_extract(r.attributes, '$.title')),
        fold(json_extract(r.attributes, '$.name.givenName')),
        fold(json_extract(r.attributes, '$.name.familyName')),
        fold(json_extract(r.attributes, '$."urn:ietf:params:scim:schemas:extension:enterprise:2.0:User".employeeNumber')),
        fold(json_extract(r.attributes, '$."urn:ietf:params:scim:schemas:extension:enterprise:2.0:User".department')),
        fold(json_extract(r.attributes, '$."urn:ietf:params:scim:schemas:extension:enterprise:2.0:User".costCenter')),
        fold(json_extract(r.attributes, '$."urn:ietf:params:scim:schemas:extension:enterprise:2.0:User".organization')),
        fold(json_extract(r.attributes, '$."urn:ietf:params:scim:schemas:extension:enterprise:2.0:User".division')),
        json_extract(r.attributes, '$."urn:ietf:params:scim:schemas:extension:enterprise:2.0:User".manager.value'),
        (SELECT group_concat(fold(json_extract(e.value, '$.value')), char(10)) FROM json_each(r.attributes, '$.emails') AS e),
        (SELECT group_concat(fold(json_extract(e.value, '$.value')), char(10)) FROM json_each(r.attributes, '$.phoneNumbers') AS e)
    FROM users r;
