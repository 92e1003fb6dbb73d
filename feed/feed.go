// Package feed is the use case of the change feed: reading an
// organization's normalized events after a cursor, filtered by type with
// the webhooks' pattern rules (one rule: webhooks.ParseEvents and
// Matches); snapshots to start or recover from; and the retention job that
// purges old events on every node of `roster serve`. The admin API calls
// it; docs/api.md documents what it returns and the consumer algorithm.
//
// It depends on the root package and on package webhooks (the event
// filter and the data shape webhooks deliver, so the feed and webhooks
// never differ).
package feed

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/webhooks"
)

// Limits of a page.
const (
	DefaultLimit = 100
	MaxLimit     = 1000
)

// DefaultRetention is how long events are kept unless the operator says
// otherwise (roster serve --event-retention).
const DefaultRetention = 90 * 24 * time.Hour

// Service holds the rules; Store is its one dependency.
type Service struct {
	Store roster.ChangeFeed
}

func clamp(limit int) int {
	if limit <= 0 {
		return DefaultLimit
	}
	return min(limit, MaxLimit)
}

// Events returns up to limit of the organization's events after the
// cursor after whose type matches one of types (patterns as webhooks
// take them: "*", "user.*", "group.member_added"; none: every event but
// the webhooks' own), and the cursor to continue from. A cursor older than
// the retention is ReasonCursorExpired (410): the client takes a snapshot.
func (s *Service) Events(ctx context.Context, orgID string, after int64, types []string, limit int) (*roster.FeedPage, error) {
	if after < 0 {
		return nil, roster.E(roster.ReasonInvalidValue, "after is a sequence number of 0 or more, not %d", after)
	}
	patterns := []string{"*"}
	if len(types) > 0 {
		var err error
		if patterns, err = webhooks.ParseEvents(types); err != nil {
			return nil, err
		}
	}
	return s.Store.ListFeedEvents(ctx, orgID, after, func(action string) bool { return webhooks.Matches(patterns, action) }, clamp(limit))
}

// Item is one event as the feed returns it: its seq, type, timestamp and
// data, the same data object a webhook delivery carries.
type Item struct {
	Seq       int64                      `json:"seq"`
	Type      string                     `json:"type"`
	Timestamp string                     `json:"timestamp"`
	Data      map[string]json.RawMessage `json:"data"`
}

// NewItem is e as the feed returns it.
func NewItem(e *roster.Event) Item {
	return Item{Seq: e.Seq, Type: e.Action, Timestamp: e.Time.UTC().Format(time.RFC3339Nano), Data: webhooks.EventData(e)}
}

// Snapshot is one page of a snapshot.
type Snapshot struct {
	Resource roster.SnapshotResource
	// Seq is the feed position the snapshot follows from: the same on
	// every page of one snapshot.
	Seq   int64
	Items []json.RawMessage
	// Cursor fetches the next page; "" on the last.
	Cursor string
}

// snapshotCursor is what a snapshot cursor holds, base64url-encoded JSON:
// the resource, the snapshot's seq and the keyset position of the last item.
type snapshotCursor struct {
	Resource roster.SnapshotResource `json:"r"`
	Seq      int64                   `json:"s"`
	After    string                  `json:"a"`
}

// Snapshot returns a page of the organization's users, groups,
// memberships or effective access. The first page (cursor "") takes the feed's safe horizon as
// the snapshot's seq before it reads anything; later pages carry it in
// their cursor. Loading every page and then applying the feed from seq
// gives exactly the current state, even while writes go on: every change
// after seq is in the feed, each event carries its resource's whole state
// (or its deletion), and applying one that a page already reflected
// changes nothing.
func (s *Service) Snapshot(ctx context.Context, orgID string, resource roster.SnapshotResource, cursor string, limit int) (*Snapshot, error) {
	c := snapshotCursor{Resource: resource}
	if cursor != "" {
		b, err := base64.RawURLEncoding.DecodeString(cursor)
		if err != nil || json.Unmarshal(b, &c) != nil {
			return nil, roster.E(roster.ReasonInvalidCursor, "the cursor is not one a snapshot page handed out")
		}
		if resource != "" && resource != c.Resource {
			return nil, roster.E(roster.ReasonInvalidCursor, "the cursor is of a %s snapshot, not of %s", c.Resource, resource)
		}
	}
	switch c.Resource {
	case roster.SnapshotUsers, roster.SnapshotGroups, roster.SnapshotMemberships, roster.SnapshotAccess:
	default:
		return nil, roster.E(roster.ReasonInvalidValue, "resource is users, groups, memberships or access, not %q", c.Resource)
	}
	if cursor == "" {
		seq, err := s.Store.GetFeedHorizon(ctx)
		if err != nil {
			return nil, err
		}
		c.Seq = seq
	}
	limit = clamp(limit)
	page, err := s.Store.ListSnapshot(ctx, orgID, c.Resource, c.After, limit)
	if err != nil {
		return nil, err
	}
	out := &Snapshot{Resource: c.Resource, Seq: c.Seq, Items: page.Items}
	if len(page.Items) == limit {
		c.After = page.Last
		b, _ := json.Marshal(c)
		out.Cursor = base64.RawURLEncoding.EncodeToString(b)
	}
	return out, nil
}

// purgeBatch is how many events one purge transaction deletes at most.
const purgeBatch = 5000

// PurgeDue deletes every event older than before, in batches of one
// transaction each, and returns how many. Several nodes may run it at
// once (see roster.ChangeFeed.DeleteEvents).
func PurgeDue(ctx context.Context, st roster.ChangeFeed, before time.Time) (int, error) {
	total := 0
	for ctx.Err() == nil {
		n, err := st.DeleteEvents(ctx, before, purgeBatch)
		total += n
		if err != nil || n < purgeBatch {
			return total, err
		}
	}
	return total, ctx.Err()
}

// Purge runs PurgeDue for retention (0: keep forever, and it returns at
// once) every interval until ctx ends. Every node runs it.
func Purge(ctx context.Context, st roster.ChangeFeed, retention, interval time.Duration, log *slog.Logger) {
	if retention <= 0 || interval <= 0 {
		return
	}
	for {
		n, err := PurgeDue(ctx, st, time.Now().Add(-retention))
		switch {
		case err != nil && ctx.Err() == nil:
			log.WarnContext(ctx, "event retention: purging", "err", err)
		case n > 0:
			log.InfoContext(ctx, "event retention: purged events", "events", n, "retention", retention)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(interval):
		}
	}
}
