package adminapi_test

import (
	"bufio"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// sseEvent is one event read from a Server-Sent Events stream.
type sseEvent struct {
	id, event string
	data      map[string]any
}

// sseClient reads a stream with a real HTTP client, as a consumer would.
type sseClient struct {
	t      *testing.T
	resp   *http.Response
	events chan sseEvent
	beats  chan struct{}
}

func (e *env) stream(query, lastEventID string) *sseClient {
	e.t.Helper()
	req, _ := http.NewRequest("GET", e.srv.URL+"/api/v1/orgs/"+e.org.ID+"/events/stream"+query, nil)
	req.Header.Set("Authorization", "Bearer "+e.token)
	if lastEventID != "" {
		req.Header.Set("Last-Event-ID", lastEventID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		e.t.Fatalf("stream%s: %d %s", query, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	c := &sseClient{t: e.t, resp: resp, events: make(chan sseEvent, 100), beats: make(chan struct{}, 100)}
	go func() {
		defer close(c.events)
		sc := bufio.NewScanner(resp.Body)
		var cur sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if cur.id != "" {
					c.events <- cur
				}
				cur = sseEvent{}
			case strings.HasPrefix(line, ":"):
				c.beats <- struct{}{}
			case strings.HasPrefix(line, "id: "):
				cur.id = line[4:]
			case strings.HasPrefix(line, "event: "):
				cur.event = line[7:]
			case strings.HasPrefix(line, "data: "):
				json.Unmarshal([]byte(line[6:]), &cur.data)
			}
		}
	}()
	e.t.Cleanup(func() { resp.Body.Close() })
	return c
}

// next waits for the stream's next event.
func (c *sseClient) next() sseEvent {
	c.t.Helper()
	select {
	case ev, ok := <-c.events:
		if !ok {
			c.t.Fatal("the stream ended")
		}
		return ev
	case <-time.After(20 * time.Second):
		c.t.Fatal("no event within 20s")
	}
	return sseEvent{}
}

// none checks that no event comes for a while.
func (c *sseClient) none(d time.Duration) {
	c.t.Helper()
	select {
	case ev := <-c.events:
		c.t.Errorf("unexpected event %+v", ev)
	case <-time.After(d):
	}
}

// TestEventStream: the change feed as Server-Sent Events, read by a real
// HTTP client: past events first, then live ones as they commit, filtered
// by ?types=; after a disconnect, Last-Event-ID resumes with the next
// event, none missed and none twice; bad cursors and filters are 400s.
func TestEventStream(t *testing.T) {
	e := newEnv(t)
	ann := e.user("ann@acme.test")
	e.group("Engineering") // a group event, which ?types=user.* leaves out

	s := e.stream("?types=user.*", "")
	first := s.next()
	if first.event != "user.created" || first.data["resourceId"] != ann || first.id != strconv.FormatFloat(first.data["seq"].(float64), 'f', 0, 64) {
		t.Fatalf("first event %+v, want ann's user.created with id = seq", first)
	}
	bob := e.user("bob@acme.test") // live
	live := s.next()
	if live.event != "user.created" || live.data["resourceId"] != bob {
		t.Fatalf("live event %+v, want bob's user.created", live)
	}
	s.resp.Body.Close() // the client goes away

	cid := e.user("cid@acme.test")
	dee := e.user("dee@acme.test")
	again := e.stream("?types=user.*", live.id)
	for _, want := range []string{cid, dee} {
		if ev := again.next(); ev.data["resourceId"] != want {
			t.Errorf("after resuming from %s got %+v, want %s's event next", live.id, ev, want)
		}
	}
	again.none(600 * time.Millisecond)

	// ?after= does what Last-Event-ID does; no filter streams every type.
	all := e.stream("?after="+first.id, "")
	if ev := all.next(); ev.event != "group.created" {
		t.Errorf("unfiltered after %s: %+v, want the group's event", first.id, ev)
	}

	for _, q := range []string{"?after=x", "?after=-1", "?types=nope.*"} {
		if status, body := e.call("GET", "/events/stream"+q, ""); status != http.StatusBadRequest {
			t.Errorf("stream%s: %d %v, want 400", q, status, body)
		}
	}
	if status, _ := e.call("GET", "/events/stream", "", "roster_bogus"); status != http.StatusUnauthorized {
		t.Errorf("stream without a valid token: %d, want 401", status)
	}
}
