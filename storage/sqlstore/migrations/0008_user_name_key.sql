-- userNames are unique by roster.NameKey (trimmed, NFKC, Unicode case
-- folding), no longer by lower(): the NFC and NFD spellings of "josé",
-- "ＪＯＳÉ" and "josé " are one name. The key is computed in Go, so the
-- migration's Go step fills it for the rows already there; a row whose key
-- another, older row of its organization already has keeps a NULL key (NULLs
-- never clash in a unique index) and is reported. user_name_fold stays, no
-- longer unique, for the sort and the substring searches.
ALTER TABLE users ADD COLUMN user_name_key TEXT;
DROP INDEX users_user_name;
CREATE INDEX users_user_name ON users (org_id, user_name_fold);
CREATE UNIQUE INDEX users_user_name_key ON users (org_id, user_name_key);
