package adminapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/webhooks"
)

// streamEvents is GET /events/stream: the change feed as Server-Sent
// Events (id: the event's seq, event: its type, data: the event as GET
// /events shows it), from Last-Event-ID or ?after= on, filtered by
// ?types=, with a comment line as heartbeat. It lasts until the client
// goes or the server shuts down.
func (s *Server) streamEvents(w http.ResponseWriter, r *http.Request, c *call) error {
	after, err := streamCursor(r)
	if err != nil {
		return err
	}
	var types []string
	if v := r.URL.Query().Get("types"); v != "" {
		if types, err = webhooks.ParseTypes(strings.Split(v, ",")); err != nil {
			return err
		}
	}
	rc := http.NewResponseController(w)
	rc.SetWriteDeadline(time.Time{}) // the server's write timeout is for responses that end
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // nginx: pass each event on at once
	w.WriteHeader(http.StatusOK)
	// The retry hint, at once, so the client knows it is connected.
	if _, err := fmt.Fprint(w, "retry: 2000\n\n"); err != nil {
		return nil
	}
	if err := rc.Flush(); err != nil {
		return nil
	}
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	if s.closing != nil {
		go func() {
			select {
			case <-s.closing:
				cancel()
			case <-ctx.Done():
			}
		}()
	}
	send := func(e *roster.Event) error {
		data, _ := json.Marshal(eventJSON(e))
		if _, err := fmt.Fprintf(w, "id: %d\nevent: %s\ndata: %s\n\n", e.Seq, e.Action, data); err != nil {
			return err
		}
		return rc.Flush()
	}
	beat := func() error {
		if _, err := fmt.Fprint(w, ": heartbeat\n\n"); err != nil {
			return err
		}
		return rc.Flush()
	}
	err = s.stream.Follow(ctx, c.org, after, types, send, beat)
	if err != nil && ctx.Err() == nil {
		// The response has begun: the error can only be logged.
		s.log.Warn("event stream", "org", c.org, "err", err)
	}
	return nil
}

// streamCursor is where a stream starts: after the Last-Event-ID a
// reconnecting client sends, else ?after=, else from the beginning.
func streamCursor(r *http.Request) (int64, error) {
	v, name := r.Header.Get("Last-Event-ID"), "Last-Event-ID"
	if v == "" {
		v, name = r.URL.Query().Get("after"), "after"
	}
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || n < 0 {
		return 0, roster.Errorf(roster.EInvalid, "", "%s must be an event sequence number, not %q", name, v)
	}
	return n, nil
}
