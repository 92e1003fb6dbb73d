-- Webhooks an admin can run: every attempt of a delivery is kept (when,
-- the status, the latency, the error, the start of the response and the
-- node that sent it), numbered within its delivery, so that a delivery has
-- at most as many rows as it has attempts (a resend numbers from 1 again
-- and overwrites); attempts go with their delivery when the delivery log
-- is pruned (webhook_deliveries_age) or the webhook is deleted.
--
-- A webhook remembers since when all of its attempts have failed
-- (failing_since, 0 while the last one succeeded) and how many of its
-- deliveries have been dead-lettered in a row (dead_streak), for the
-- delivery worker to disable one that keeps failing (disabled_reason says
-- why; enabling it again clears all three).
CREATE TABLE delivery_attempts (
    delivery_seq     {{int64}} NOT NULL,
    attempt          {{int64}} NOT NULL,
    webhook_id       TEXT NOT NULL,
    org_id           TEXT NOT NULL,
    at               {{int64}} NOT NULL,
    status           {{int64}} NOT NULL,
    latency_us       {{int64}} NOT NULL,
    error            TEXT NOT NULL,
    response_excerpt TEXT NOT NULL,
    node             TEXT NOT NULL,
    PRIMARY KEY (delivery_seq, attempt)
){{without_rowid}};
CREATE INDEX delivery_attempts_webhook ON delivery_attempts (webhook_id);
CREATE INDEX webhook_deliveries_age ON webhook_deliveries (created);

-- The claim takes due deliveries in (next_attempt, seq) order; with seq
-- in the index a claim reads only as far as it takes, instead of every
-- due delivery of a backlog (a fan-out gives thousands one next_attempt)
-- to sort them.
DROP INDEX webhook_deliveries_due;
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_attempt, seq);

ALTER TABLE webhooks ADD COLUMN failing_since {{int64}} NOT NULL DEFAULT 0;
ALTER TABLE webhooks ADD COLUMN dead_streak {{int64}} NOT NULL DEFAULT 0;
ALTER TABLE webhooks ADD COLUMN disabled_reason TEXT NOT NULL DEFAULT '';
