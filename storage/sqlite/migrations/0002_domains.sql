-- Domains an organization claims. Accounts whose address is on a verified
-- (or verified and failing) domain are the organization's managed
-- accounts. A domain can be linked to the one directory allowed to
-- provision users on it.
CREATE TABLE domains (
    org_id       TEXT NOT NULL REFERENCES orgs (id),
    name         TEXT NOT NULL,
    token        TEXT NOT NULL,
    directory_id TEXT REFERENCES directories (id),
    status       TEXT NOT NULL,
    method       TEXT NOT NULL DEFAULT '',
    created      INTEGER NOT NULL,
    verified_at  INTEGER NOT NULL DEFAULT 0,
    checked_at   INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (org_id, name)
);
-- One organization at most owns a domain.
CREATE UNIQUE INDEX domains_owner ON domains (name) WHERE status <> 'pending';
CREATE INDEX domains_due ON domains (checked_at) WHERE status <> 'pending';
