-- Products an organization runs, the groups granted access to them, and
-- the local groups every new managed account joins.
CREATE TABLE products (
    org_id  TEXT NOT NULL REFERENCES orgs (id),
    key     TEXT NOT NULL,
    name    TEXT NOT NULL,
    created INTEGER NOT NULL,
    PRIMARY KEY (org_id, key)
);

CREATE TABLE grants (
    org_id   TEXT NOT NULL,
    product  TEXT NOT NULL,
    group_id TEXT NOT NULL,
    role     TEXT NOT NULL,
    created  INTEGER NOT NULL,
    PRIMARY KEY (org_id, product, group_id),
    FOREIGN KEY (org_id, product) REFERENCES products (org_id, key)
);
CREATE INDEX grants_group ON grants (group_id);

CREATE TABLE default_groups (
    org_id   TEXT NOT NULL,
    product  TEXT NOT NULL,
    group_id TEXT NOT NULL,
    PRIMARY KEY (org_id, product, group_id),
    FOREIGN KEY (org_id, product) REFERENCES products (org_id, key)
);
CREATE INDEX default_groups_group ON default_groups (group_id);
