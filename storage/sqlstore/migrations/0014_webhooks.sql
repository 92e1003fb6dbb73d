-- Webhooks and their deliveries: the delivery worker turns events of the
-- audit trail (the outbox every change appends to in its own transaction)
-- into deliveries, advancing each webhook's cursor in the same transaction,
-- and leases due deliveries to one node at a time (lease_owner,
-- lease_until), so that several nodes share the work and a node that dies
-- mid-delivery only delays it until its lease expires.
CREATE TABLE webhooks (
    id               TEXT PRIMARY KEY,
    org_id           TEXT NOT NULL,
    directory_id     TEXT NOT NULL,
    url              TEXT NOT NULL,
    events           TEXT NOT NULL,
    secret           {{bytes}} NOT NULL,
    old_secret       {{bytes}} NOT NULL,
    old_secret_until {{int64}} NOT NULL,
    disabled         {{bool}} NOT NULL,
    created          {{int64}} NOT NULL,
    modified         {{int64}} NOT NULL,
    event_cursor     {{int64}} NOT NULL
);
CREATE INDEX webhooks_org ON webhooks (org_id, created);

CREATE TABLE webhook_deliveries (
    seq              {{seq_key}},
    id               TEXT NOT NULL,
    webhook_id       TEXT NOT NULL,
    org_id           TEXT NOT NULL,
    dedupe_key       TEXT NOT NULL,
    event_seq        {{int64}} NOT NULL,
    type             TEXT NOT NULL,
    resource_key     TEXT NOT NULL,
    payload          TEXT NOT NULL,
    state            TEXT NOT NULL,
    attempts         {{int64}} NOT NULL,
    next_attempt     {{int64}} NOT NULL,
    lease_owner      TEXT NOT NULL,
    lease_until      {{int64}} NOT NULL,
    created          {{int64}} NOT NULL,
    last_attempt     {{int64}} NOT NULL,
    last_status      {{int64}} NOT NULL,
    last_error       TEXT NOT NULL,
    last_latency_us  {{int64}} NOT NULL,
    response_excerpt TEXT NOT NULL
);
CREATE UNIQUE INDEX webhook_deliveries_id ON webhook_deliveries (id);
CREATE UNIQUE INDEX webhook_deliveries_dedupe ON webhook_deliveries (webhook_id, dedupe_key);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_attempt);
CREATE INDEX webhook_deliveries_order ON webhook_deliveries (webhook_id, resource_key, state, seq);
CREATE INDEX webhook_deliveries_log ON webhook_deliveries (webhook_id, seq);
