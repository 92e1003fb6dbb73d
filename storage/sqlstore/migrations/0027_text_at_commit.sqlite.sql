-- The trigram tables written once per commit (issue 16): FTS5 writes out
-- a segment at every statement after a write to it, so the triggers of
-- 0021 and 0024, which wrote user_text and user_search in the statement
-- that wrote the user, made each create write two one-row segments and
-- FTS5 merge them. The triggers now note the users that changed here; the
-- write transaction writes their rows from it just before it commits
-- (storage/sqlstore/text.go) and empties it, so a committed database has
-- this table empty and the trigram tables as the triggers kept them.
-- indexed: the tables may hold a row for the user already, to be deleted
-- first (0 for a user created in the same transaction).
CREATE TABLE user_text_pending (
    seq     INTEGER PRIMARY KEY,
    indexed INTEGER NOT NULL
);
DROP TRIGGER users_text_insert;
DROP TRIGGER users_text_update;
DROP TRIGGER users_text_delete;
DROP TRIGGER users_search_insert;
DROP TRIGGER users_search_update;
DROP TRIGGER users_search_delete;
CREATE TRIGGER users_text_insert AFTER INSERT ON users BEGIN
    INSERT INTO user_text_pending (seq, indexed) VALUES (new.seq, 0) ON CONFLICT DO NOTHING;
END;
CREATE TRIGGER users_text_update AFTER UPDATE OF attributes, user_name_fold, display_name, email ON users BEGIN
    INSERT INTO user_text_pending (seq, indexed) VALUES (old.seq, 1) ON CONFLICT DO NOTHING;
END;
CREATE TRIGGER users_text_delete AFTER DELETE ON users BEGIN
    INSERT INTO user_text_pending (seq, indexed) VALUES (old.seq, 1) ON CONFLICT DO NOTHING;
END;
