-- Outbound SCIM connectors: each provisions one application (the target)
-- with the users that have access to one product. A pass is leased to one
-- node at a time (lease_owner, lease_until, as webhook deliveries are), so
-- that two nodes never run one connector at once and a node killed
-- mid-pass only delays it until its lease expires. event_cursor is the
-- organization's newest event a pass saw: a newer one makes a pass due.
CREATE TABLE connectors (
    id             TEXT PRIMARY KEY,
    org_id         TEXT NOT NULL,
    product        TEXT NOT NULL,
    name           TEXT NOT NULL,
    base_url       TEXT NOT NULL,
    token          {{bytes}} NOT NULL,
    push_groups    {{bool}} NOT NULL,
    on_revoke      TEXT NOT NULL,
    paused         {{bool}} NOT NULL,
    dry_run        {{bool}} NOT NULL,
    rate_limit     {{int64}} NOT NULL,
    check_gaps     TEXT NOT NULL,
    created        {{int64}} NOT NULL,
    modified       {{int64}} NOT NULL,
    event_cursor   {{int64}} NOT NULL,
    sync_requested {{bool}} NOT NULL,
    next_full      {{int64}} NOT NULL,
    lease_owner    TEXT NOT NULL,
    lease_until    {{int64}} NOT NULL,
    last_run       {{int64}} NOT NULL,
    last_success   {{int64}} NOT NULL,
    last_error     TEXT NOT NULL,
    in_sync        {{int64}} NOT NULL,
    out_of_sync    {{int64}} NOT NULL,
    failures       {{int64}} NOT NULL
);
CREATE UNIQUE INDEX connectors_name ON connectors (org_id, name);

-- What a connector made (or found) in its target for each Roster user,
-- with the hash of the document it last pushed (change detection).
CREATE TABLE connector_links (
    connector_id TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    org_id       TEXT NOT NULL,
    target_id    TEXT NOT NULL,
    pushed_hash  TEXT NOT NULL,
    active       {{bool}} NOT NULL,
    modified     {{int64}} NOT NULL,
    PRIMARY KEY (connector_id, user_id)
) {{without_rowid}};

-- Each request a connector sent (or would have sent, in dry-run).
CREATE TABLE connector_deliveries (
    seq              {{seq_key}},
    connector_id     TEXT NOT NULL,
    org_id           TEXT NOT NULL,
    user_id          TEXT NOT NULL,
    op               TEXT NOT NULL,
    method           TEXT NOT NULL,
    path             TEXT NOT NULL,
    status           {{int64}} NOT NULL,
    attempts         {{int64}} NOT NULL,
    error            TEXT NOT NULL,
    latency_us       {{int64}} NOT NULL,
    response_excerpt TEXT NOT NULL,
    at               {{int64}} NOT NULL
);
CREATE INDEX connector_deliveries_log ON connector_deliveries (connector_id, seq);
