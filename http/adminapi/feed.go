package adminapi

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/feed"
)

// listEvents is the change feed: ?after=<seq>&types=user.*,group.member_added&limit=<n>.
// Each event carries its normalized data and, as before, its audit fields.
func (s *Server) listEvents(w http.ResponseWriter, r *http.Request, c *call) error {
	q := r.URL.Query()
	var after int64
	if v := q.Get("after"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return roster.E(roster.ReasonInvalidValue, "after must be a sequence number (a whole number, 0 or more), not %q", v)
		}
		after = n
	}
	limit, err := intParam(r, "limit", feed.DefaultLimit, feed.MaxLimit)
	if err != nil {
		return err
	}
	var types []string
	if v := q.Get("types"); v != "" {
		types = strings.Split(v, ",")
	}
	page, err := s.feed.Events(r.Context(), c.org, after, types, limit)
	if err != nil {
		return err
	}
	out := make([]map[string]any, 0, len(page.Events))
	for i := range page.Events {
		out = append(out, eventJSON(&page.Events[i]))
	}
	return write(w, http.StatusOK, map[string]any{"events": out, "next": page.Next})
}

// eventJSON is an event as the change feed and the event stream show it:
// its normalized data and, as before, its audit fields.
func eventJSON(e *roster.Event) map[string]any {
	it := feed.NewItem(e)
	return map[string]any{"seq": it.Seq, "type": it.Type, "timestamp": it.Timestamp, "data": it.Data,
		"time": jsonTime(e.Time), "actor": e.Actor, "action": e.Action, "resourceType": e.ResourceType, "resourceId": e.ResourceID,
		"directoryId": e.DirectoryID, "detail": json.RawMessage(e.Detail)}
}

// snapshot pages through the organization's users, groups or memberships:
// ?resource=users|groups|memberships&cursor=...&limit=<n>.
func (s *Server) snapshot(w http.ResponseWriter, r *http.Request, c *call) error {
	limit, err := intParam(r, "limit", feed.DefaultLimit, feed.MaxLimit)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	if q.Get("resource") == "" && q.Get("cursor") == "" {
		return roster.E(roster.ReasonInvalidValue, "say which snapshot: resource=users, groups or memberships")
	}
	page, err := s.feed.Snapshot(r.Context(), c.org, roster.SnapshotResource(q.Get("resource")), q.Get("cursor"), limit)
	if err != nil {
		return err
	}
	out := map[string]any{"resource": page.Resource, "seq": page.Seq, "items": page.Items, "next": nil}
	if page.Cursor != "" {
		out["next"] = page.Cursor
	}
	return write(w, http.StatusOK, out)
}
