package adminapi_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster"
)

func errorReason(body map[string]any) any {
	e, _ := body["error"].(map[string]any)
	return e["reason"]
}

// TestChangeFeed: the feed returns normalized events filtered by type,
// pages by cursor without repeating or skipping one, and after the
// retention purge a cursor from before it is a 410 telling the client to
// take a snapshot.
func TestChangeFeed(t *testing.T) {
	e := newEnv(t)
	ann := e.user("ann@acme.test", `,"displayName":"Ann"`)
	bob := e.user("bob@acme.test")
	eng := e.group("Engineering", ann, bob)
	_, err := e.st.UpdateUser(ctx, e.tenant, ann, func(u *roster.User) error {
		u.DisplayName = "Ann Lee"
		u.Attributes = []byte(`{"userName":"ann@acme.test","displayName":"Ann Lee"}`)
		return nil
	})
	must(t, err)

	// Pages of one, types user.* and group.member_added.
	var types []string
	var seqs []float64
	after := 0.0
	for range 10 {
		status, body := e.call("GET", fmt.Sprintf("/events?after=%v&limit=1&types=%s", after, url.QueryEscape("user.*,group.member_added")), "")
		if status != http.StatusOK {
			t.Fatalf("feed: %d %v", status, body)
		}
		events := body["events"].([]any)
		if len(events) == 0 {
			break
		}
		ev := events[0].(map[string]any)
		types = append(types, ev["type"].(string))
		seqs = append(seqs, ev["seq"].(float64))
		data := ev["data"].(map[string]any)
		if data["organization"] != e.org.ID || data["seq"] != ev["seq"] || ev["timestamp"] == nil {
			t.Errorf("event without its envelope: %v", ev)
		}
		if ev["type"] == roster.EventUserUpdated {
			prev, _ := data["previous"].(map[string]any)
			if data["displayName"] != "Ann Lee" || prev["displayName"] != "Ann" {
				t.Errorf("user.updated data = %v", data)
			}
		}
		if ev["type"] == roster.EventMemberAdded {
			g, _ := data["group"].(map[string]any)
			if g["id"] != eng || g["displayName"] != "Engineering" {
				t.Errorf("member event data = %v", data)
			}
		}
		after = body["next"].(float64)
	}
	want := []string{roster.EventUserCreated, roster.EventUserCreated, roster.EventMemberAdded, roster.EventMemberAdded, roster.EventUserUpdated}
	if !slices.Equal(types, want) {
		t.Errorf("feed types = %v, want %v", types, want)
	}
	if !slices.IsSorted(seqs) || len(slices.Compact(slices.Clone(seqs))) != len(seqs) {
		t.Errorf("seqs not strictly increasing: %v", seqs)
	}
	// Bad input is a 400 with a reason, never a 500.
	for path, reason := range map[string]roster.Reason{
		"/events?types=nope.*":    roster.ReasonUnknownEvent,
		"/events?after=-1":        roster.ReasonInvalidValue,
		"/events?after=x":         roster.ReasonInvalidValue,
		"/snapshot":               roster.ReasonInvalidValue,
		"/snapshot?resource=foo":  roster.ReasonInvalidValue,
		"/snapshot?cursor=!!!":    roster.ReasonInvalidCursor,
		"/snapshot?cursor=bm9wZQ": roster.ReasonInvalidCursor,
	} {
		if status, body := e.call("GET", path, ""); status != http.StatusBadRequest || errorReason(body) != string(reason) {
			t.Errorf("GET %s: %d %v, want 400 %s", path, status, body, reason)
		}
	}

	// Retention: purging everything but the newest event expires old
	// cursors with a 410 that names the way out.
	for {
		n, err := e.st.DeleteEvents(ctx, time.Now().Add(time.Hour), 1000)
		must(t, err)
		if n == 0 {
			break
		}
	}
	status, body := e.call("GET", "/events?after=0", "")
	if status != http.StatusGone || errorReason(body) != string(roster.ReasonCursorExpired) {
		t.Fatalf("a cursor from before the purge: %d %v", status, body)
	}
	if detail := body["error"].(map[string]any)["detail"].(string); !strings.Contains(detail, "snapshot") {
		t.Errorf("the 410 does not say to take a snapshot: %q", detail)
	}
}

// TestSnapshot: pages of users, groups, memberships and effective access
// in the normalized shapes, one seq for every page of a snapshot, and a cursor that walks
// to the end without repeating an item.
func TestSnapshot(t *testing.T) {
	e := newEnv(t)
	var users []string
	for i := range 5 {
		users = append(users, e.user(fmt.Sprintf("u%d@acme.test", i)))
	}
	eng := e.group("Engineering", users[:3]...)
	must(t, e.st.CreateProduct(ctx, &roster.Product{OrgID: e.org.ID, Key: "jira", Name: "Jira"}))
	must(t, e.st.GrantAccess(ctx, &roster.Grant{OrgID: e.org.ID, Product: "jira", GroupID: eng, Role: roster.RoleAdmin}))
	_, body := e.call("GET", "/events?limit=1000", "")
	newest := body["next"].(float64)

	walk := func(resource string) ([]map[string]any, float64) {
		t.Helper()
		var items []map[string]any
		var seq float64 = -1
		path := "/snapshot?resource=" + resource + "&limit=2"
		for range 10 {
			status, body := e.call("GET", path, "")
			if status != http.StatusOK || body["resource"] != resource {
				t.Fatalf("snapshot %s: %d %v", resource, status, body)
			}
			if seq >= 0 && body["seq"] != seq {
				t.Errorf("the seq moved between pages: %v then %v", seq, body["seq"])
			}
			seq = body["seq"].(float64)
			for _, it := range body["items"].([]any) {
				items = append(items, it.(map[string]any))
			}
			if body["next"] == nil {
				return items, seq
			}
			path = "/snapshot?limit=2&cursor=" + url.QueryEscape(body["next"].(string))
		}
		t.Fatalf("snapshot %s did not end", resource)
		return nil, 0
	}
	us, seq := walk("users")
	if seq != newest {
		t.Errorf("snapshot seq %v, want the newest event %v", seq, newest)
	}
	if len(us) != 5 || us[0]["id"] != users[0] || us[4]["userName"] != "u4@acme.test" || us[0]["scim"] == nil {
		t.Errorf("users = %v", us)
	}
	gs, _ := walk("groups")
	if len(gs) != 1 || gs[0]["id"] != eng || gs[0]["displayName"] != "Engineering" {
		t.Errorf("groups = %v", gs)
	}
	ms, _ := walk("memberships")
	got := map[string]bool{}
	for _, m := range ms {
		g, mem := m["group"].(map[string]any), m["member"].(map[string]any)
		if g["id"] != eng || mem["type"] != "User" {
			t.Errorf("membership %v", m)
		}
		got[mem["id"].(string)] = true
	}
	if len(ms) != 3 || !got[users[0]] || !got[users[2]] {
		t.Errorf("memberships = %v", ms)
	}
	as, _ := walk("access")
	granted := map[string]bool{}
	for _, a := range as {
		u, p := a["user"].(map[string]any), a["product"].(map[string]any)
		if p["key"] != "jira" || p["name"] != "Jira" || a["role"] != roster.RoleAdmin || u["userName"] == nil {
			t.Errorf("access item %v", a)
		}
		granted[u["id"].(string)] = true
	}
	if len(as) != 3 || !granted[users[0]] || !granted[users[2]] || granted[users[3]] {
		t.Errorf("access = %v", as)
	}
}
