-- Admin roles: an owner manages the organization's admins. The first admin
-- of each organization (the earliest created) becomes its owner, as a new
-- organization's first admin does from now on; the others stay admins.
ALTER TABLE admins ADD COLUMN role TEXT NOT NULL DEFAULT 'admin';
UPDATE admins SET role = 'owner'
 WHERE created = (SELECT MIN(b.created) FROM admins b WHERE b.org_id = admins.org_id);

-- Keys every node shares and no organization owns (roster.Keys): the first
-- node to need one stores it, the others read it.
CREATE TABLE server_keys (
    name    TEXT PRIMARY KEY,
    secret  {{bytes}} NOT NULL,
    created {{int64}} NOT NULL
);
