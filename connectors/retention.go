package connectors

import (
	"context"
	"log/slog"
	"time"

	"github.com/rosterhq/roster"
)

// purgeBatch is how many lines of the delivery logs one purge
// transaction deletes at most.
const purgeBatch = 5000

// PurgeDeliveries deletes every line of every connector's delivery log
// older than before, in batches of one transaction each, and returns how
// many. Several nodes may run it at once: the deletes are idempotent.
func PurgeDeliveries(ctx context.Context, st roster.ConnectorQueue, before time.Time) (int, error) {
	total := 0
	for ctx.Err() == nil {
		n, err := st.DeleteConnectorDeliveries(ctx, before, purgeBatch)
		total += n
		if err != nil || n < purgeBatch {
			return total, err
		}
	}
	return total, ctx.Err()
}

// Purge keeps the connectors' delivery logs to retention (0: forever, and
// it returns at once): PurgeDeliveries every interval until ctx ends, on
// the schedule of the events' purge (roster serve --purge-interval), on
// every node. Without it a log grows by a line per request for as long as
// the connector lives: a pass after each change, a full pass every hour.
func Purge(ctx context.Context, st roster.ConnectorQueue, retention, interval time.Duration, log *slog.Logger) {
	if retention <= 0 || interval <= 0 {
		return
	}
	for {
		n, err := PurgeDeliveries(ctx, st, time.Now().Add(-retention))
		switch {
		case err != nil && ctx.Err() == nil:
			log.WarnContext(ctx, "connector delivery log retention: purging", "err", err)
		case n > 0:
			log.InfoContext(ctx, "connector delivery log retention: purged", "lines", n, "retention", retention)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(interval):
		}
	}
}
