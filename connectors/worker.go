package connectors

import (
	"context"
	"log/slog"
	"time"
)

// Worker runs the connectors' passes: every `roster serve` node runs one,
// and the store's leases keep two nodes from running one connector at
// once. A pass is due when something changed in the connector's
// organization (an event after its cursor), when a sync was asked for
// (creation, an update, resume), or when its periodic full pass is due.
type Worker struct {
	Service *Service
	Log     *slog.Logger
	Poll    time.Duration // pause when nothing is due; 0: 1 s
	// OnPass, when set, is told what each pass did (tests read whether it
	// was partial and what it considered).
	OnPass func(*Result)
}

// Run runs passes until ctx ends.
func (w *Worker) Run(ctx context.Context) error {
	poll := w.Poll
	if poll == 0 {
		poll = time.Second
	}
	for ctx.Err() == nil {
		ran, err := w.Step(ctx)
		if err != nil && ctx.Err() == nil {
			w.Log.Warn("connector pass", "err", err)
		}
		if !ran {
			select {
			case <-ctx.Done():
			case <-time.After(poll):
			}
		}
	}
	return nil
}

// Step runs the pass of one due connector, if there is one, and says
// whether it did.
func (w *Worker) Step(ctx context.Context) (bool, error) {
	if w.Log == nil {
		w.Log = slog.New(slog.DiscardHandler)
	}
	s := w.Service
	now := s.now()
	c, head, err := s.Store.ClaimConnector(ctx, s.owner(), now, now.Add(s.lease()))
	if err != nil || c == nil {
		return false, err
	}
	full := c.SyncRequested || !now.Before(c.NextFull)
	var ch *changes
	if !full {
		// Due for events only: push the users they name, unless they
		// cannot be narrowed so.
		if ch, err = s.readChanges(ctx, c.OrgID, c.Cursor); err != nil {
			ch = &changes{all: true}
		}
	}
	res, err := s.runLeased(ctx, c, head, full, ch)
	if res != nil && w.OnPass != nil {
		w.OnPass(res)
	}
	if err == nil && res != nil && (res.Failed > 0 || len(res.Changes) > 0) {
		w.Log.Info("connector pass", "connector", c.ID, "org", c.OrgID, "full", full, "partial", res.Partial, "considered", res.Considered,
			"changes", len(res.Changes)+res.More, "failed", res.Failed)
	}
	return true, err
}
