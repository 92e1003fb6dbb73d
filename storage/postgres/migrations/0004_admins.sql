-- Organization admins, the PostgreSQL twin of the SQLite migration: the
-- people who administer an organization, in the console or with admin API
-- tokens. An email is unique in its organization, compared
-- case-insensitively through email_fold. password_hash is an argon2id PHC
-- string, '' for an admin who signs in with one-time links only. Times are
-- integer microseconds since the Unix epoch (UTC); 0 means "never".
CREATE TABLE admins (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES orgs (id),
    email         TEXT NOT NULL,
    email_fold    TEXT NOT NULL,
    password_hash TEXT NOT NULL DEFAULT '',
    created       BIGINT NOT NULL,
    last_sign_in  BIGINT NOT NULL DEFAULT 0,
    UNIQUE (org_id, email_fold)
);

-- An admin's credentials: one-time sign-in links, console sessions and API
-- tokens (kind). Like directory tokens, only the SHA-256 of the secret and
-- its public prefix are kept. A spent sign-in link is revoked.
CREATE TABLE admin_tokens (
    id        TEXT PRIMARY KEY,
    org_id    TEXT NOT NULL,
    admin_id  TEXT NOT NULL REFERENCES admins (id) ON DELETE CASCADE,
    kind      TEXT NOT NULL,
    name      TEXT NOT NULL,
    prefix    TEXT NOT NULL,
    hash      BYTEA NOT NULL,
    created   BIGINT NOT NULL,
    expires   BIGINT NOT NULL DEFAULT 0,
    revoked   BIGINT NOT NULL DEFAULT 0,
    last_used BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX admin_tokens_prefix ON admin_tokens (org_id, prefix);
-- For an admin's list, and for the cascade when an admin is deleted.
CREATE INDEX admin_tokens_admin ON admin_tokens (admin_id);
