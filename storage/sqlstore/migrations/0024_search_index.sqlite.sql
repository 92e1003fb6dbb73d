-- The admins' search (issue 16): the console's and the admin API's user
-- search (userName, displayName or email contains) and member search
-- (userName or displayName contains) read their candidates from a
-- trigram index instead of every user of the organization. On SQLite an
-- FTS5 trigram table of one row per user (rowid = users.seq), holding the
-- very columns the search compares, folded by fold() as the search folds
-- its text, so that a user whose column contains the text is a row that
-- holds it (the search still checks its LIKE on the candidates). Its own
-- table rather than more columns in user_text: an FTS5 table cannot gain
-- columns, and rebuilding user_text would re-read every document; these
-- are three short columns, kept by triggers in every write's transaction
-- (a create, a change of one of the three, a delete of any kind), which a
-- member add does not fire.
CREATE VIRTUAL TABLE user_search USING fts5(user_name, display_name, email,
    tokenize = 'trigram case_sensitive 1', content = '', contentless_delete = 1);
CREATE TRIGGER users_search_insert AFTER INSERT ON users BEGIN
    INSERT INTO user_search (rowid, user_name, display_name, email) VALUES (new.seq, new.user_name_fold, fold(new.display_name), fold(new.email));
END;
CREATE TRIGGER users_search_update AFTER UPDATE OF user_name_fold, display_name, email ON users BEGIN
    DELETE FROM user_search WHERE rowid = old.seq;
    INSERT INTO user_search (rowid, user_name, display_name, email) VALUES (new.seq, new.user_name_fold, fold(new.display_name), fold(new.email));
END;
CREATE TRIGGER users_search_delete AFTER DELETE ON users BEGIN
    DELETE FROM user_search WHERE rowid = old.seq;
END;
INSERT INTO user_search (rowid, user_name, display_name, email) SELECT seq, user_name_fold, fold(display_name), fold(email) FROM users;
