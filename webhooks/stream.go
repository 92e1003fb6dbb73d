package webhooks

import (
	"context"
	"time"

	"github.com/rosterhq/roster"
)

// Stream follows an organization's events for a live consumer (the admin
// API's Server-Sent Events): the same events as the change feed
// (roster.Audit.ListEvents), in order, from a cursor on. It never skips
// one: it reads no further than the store's event horizon, the rule the
// delivery fan-out keeps too. Between polls it holds no transaction
// open, so a thousand idle consumers cost a thousand timers, not a
// thousand connections to the database.
type Stream struct {
	Audit     roster.Audit
	Poll      time.Duration // how often it looks for new events; 0: 250ms
	Heartbeat time.Duration // how often an idle stream says it is alive; 0: 15s
	Batch     int           // events read at once; 0: 500
}

// ParseTypes checks a stream's type filter: empty for every event, else
// the patterns a webhook takes (see ParseEvents).
func ParseTypes(patterns []string) ([]string, error) {
	for _, p := range patterns {
		if p != "" {
			return ParseEvents(patterns)
		}
	}
	return nil, nil
}

// Follow sends the organization's events after afterSeq whose type
// passes types (nil: all) to send, oldest first, until ctx ends or send
// or beat fails; beat is called when the stream has been idle for a
// heartbeat. It returns ctx's error when ctx ends.
func (s *Stream) Follow(ctx context.Context, orgID string, afterSeq int64, types []string, send func(*roster.Event) error, beat func() error) error {
	poll, heartbeat, batch := s.Poll, s.Heartbeat, s.Batch
	if poll <= 0 {
		poll = 250 * time.Millisecond
	}
	if heartbeat <= 0 {
		heartbeat = 15 * time.Second
	}
	if batch <= 0 {
		batch = 500
	}
	cursor := afterSeq
	lastSent := time.Now()
	for {
		horizon, err := s.Audit.GetEventHorizon(ctx, cursor, batch)
		if err != nil {
			return err
		}
		events, err := s.Audit.ListEvents(ctx, orgID, cursor, batch)
		if err != nil {
			return err
		}
		before, stopped := cursor, false
		for i := range events {
			e := &events[i]
			if e.Seq > horizon {
				stopped = true // the rest waits for the horizon
				break
			}
			cursor = e.Seq
			if types != nil && !Matches(types, e.Action) {
				continue
			}
			if err := send(e); err != nil {
				return err
			}
			lastSent = time.Now()
		}
		// Every event of the organization up to the horizon has been
		// read: the cursor may pass the other organizations' events.
		if stopped || len(events) < batch {
			cursor = max(cursor, horizon)
		}
		if cursor > before && (stopped || len(events) == batch) {
			continue // more may be readable at once
		}
		if time.Since(lastSent) >= heartbeat {
			if err := beat(); err != nil {
				return err
			}
			lastSent = time.Now()
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(poll):
		}
	}
}
