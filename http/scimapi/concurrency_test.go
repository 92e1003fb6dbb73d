package scimapi_test

// Identity providers send requests concurrently. Roster must never answer
// a 500, never lose an acknowledged change, and never leave a resource half
// changed.

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"testing"

	"github.com/rosterhq/roster/scim"
)

// parallel runs fn(i) for i in [0, n) at once and waits for all.
func parallel(n int, fn func(i int)) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Go(func() {
			<-start
			fn(i)
		})
	}
	close(start)
	wg.Wait()
}

func TestConcurrentMemberAdds(t *testing.T) {
	t.Parallel()
	d := newDir(t)
	const nUsers, nRequests = 30, 50
	users := make([]string, nUsers)
	for i := range users {
		users[i] = d.createUser(t, fmt.Sprintf("concurrent%02d@example.com", i))
	}
	groupID := d.createGroup(t, "Concurrent")
	statuses := make([]int, nRequests)
	parallel(nRequests, func(i int) {
		// Each request adds its own user; requests past nUsers add users
		// others add too, and every third one adds a neighbour as well.
		add := []string{users[i%nUsers]}
		if i%3 == 0 {
			add = append(add, users[(i+1)%nUsers])
		}
		statuses[i] = d.do(t, "PATCH", "/Groups/"+groupID, patchOp(op("Add", "members", memberValues(add...)))).Status
	})
	for i, s := range statuses {
		if s != http.StatusNoContent {
			t.Errorf("request %d: status %d", i, s)
		}
	}
	r := d.do(t, "GET", "/Groups/"+groupID, nil).want(t, http.StatusOK)
	got := ids(r.Body["members"], "value")
	if !slices.Equal(got, sorted(users...)) {
		t.Errorf("members (%d) are not exactly the %d users added: %v", len(got), nUsers, got)
	}
	// Every member sees the group.
	for _, u := range users {
		if gs := ids(d.do(t, "GET", "/Users/"+u, nil).want(t, http.StatusOK).Body["groups"], "value"); !slices.Equal(gs, []string{groupID}) {
			t.Errorf("user %s groups %v", u, gs)
		}
	}

	// The same with removals racing additions of other members: the
	// removed ones are gone, the added ones there.
	statuses = make([]int, nUsers)
	extra := make([]string, nUsers/2)
	for i := range extra {
		extra[i] = d.createUser(t, fmt.Sprintf("extra%02d@example.com", i))
	}
	parallel(nUsers, func(i int) {
		var body any
		if i%2 == 0 {
			body = patchOp(opRemove("Remove", `members[value eq "`+users[i]+`"]`))
		} else {
			body = patchOp(op("add", "members", memberValues(extra[i/2])))
		}
		statuses[i] = d.do(t, "PATCH", "/Groups/"+groupID, body).Status
	})
	var want []string
	for i, u := range users {
		if statuses[i] != http.StatusNoContent {
			t.Errorf("request %d: status %d", i, statuses[i])
		}
		if i%2 == 1 {
			want = append(want, u)
		}
	}
	want = append(want, extra...)
	if got := d.members(t, groupID); !slices.Equal(got, sorted(want...)) {
		t.Errorf("after concurrent removes and adds: %d members, want %d", len(got), len(want))
	}
}

func TestConcurrentCreateSameUserName(t *testing.T) {
	t.Parallel()
	d := newDir(t)
	const n = 20
	statuses := make([]int, n)
	var created []string
	var mu sync.Mutex
	parallel(n, func(i int) {
		r := d.do(t, "POST", "/Users", map[string]any{
			"schemas": []string{scim.UserSchema}, "userName": "race@example.com", "displayName": fmt.Sprint("racer ", i),
		})
		statuses[i] = r.Status
		switch r.Status {
		case http.StatusCreated:
			mu.Lock()
			created = append(created, str(r.Body["id"]))
			mu.Unlock()
		case http.StatusConflict:
			r.wantError(t, http.StatusConflict, "uniqueness")
		}
	})
	var nCreated, nConflict int
	for i, s := range statuses {
		switch s {
		case http.StatusCreated:
			nCreated++
		case http.StatusConflict:
			nConflict++
		default:
			t.Errorf("request %d: status %d", i, s)
		}
	}
	if nCreated != 1 || nConflict != n-1 {
		t.Errorf("%d created and %d conflicts, want 1 and %d", nCreated, nConflict, n-1)
	}
	r := d.do(t, "GET", "/Users"+filterQ(`userName eq "race@example.com"`), nil)
	if res := r.list(t); len(res) != 1 || len(created) != 1 || res[0]["id"] != created[0] {
		t.Errorf("users named race@example.com: %v (created %v)", ids(res, "id"), created)
	}
}

// TestConcurrentPatchAndDelete races PATCHes of one user against its
// DELETE. Whatever the order, the outcome is whole: the user is gone, or
// (when the DELETE was conditional on the version it had read) it is there
// with every PATCH that succeeded fully applied.
func TestConcurrentPatchAndDelete(t *testing.T) {
	t.Parallel()
	d := newDir(t)
	const rounds, patches = 12, 6
	for round := 0; round < rounds; round++ {
		conditional := round%2 == 1
		userID := d.createUser(t, fmt.Sprintf("victim%02d@example.com", round))
		groupID := d.createGroup(t, fmt.Sprintf("group %02d", round), userID)
		v1 := d.do(t, "GET", "/Users/"+userID, nil).want(t, http.StatusOK).Header.Get("ETag")
		results := make([]*response, patches+1)
		parallel(patches+1, func(i int) {
			if i == patches {
				var h []string
				if conditional {
					h = []string{"If-Match", v1}
				}
				results[i] = d.do(t, "DELETE", "/Users/"+userID, nil, h...)
				return
			}
			results[i] = d.do(t, "PATCH", "/Users/"+userID, patchOp(
				op("Replace", "displayName", "patched"),
				op("Replace", "title", fmt.Sprint("title ", i)),
				op("Add", "phoneNumbers", []any{map[string]any{"type": "work", "value": fmt.Sprint("+1 555 01", i)}}),
			))
		})
		del := results[patches]
		var applied []int
		for i, r := range results[:patches] {
			switch r.Status {
			case http.StatusOK:
				// A successful PATCH shows all three of its changes.
				if r.Body["displayName"] != "patched" || r.Body["title"] == nil ||
					!slices.Contains(ids(r.Body["phoneNumbers"], "value"), fmt.Sprint("+1 555 01", i)) {
					t.Errorf("round %d: half-applied PATCH: %s", round, r.Raw)
				}
				applied = append(applied, i)
			case http.StatusNotFound:
				r.wantError(t, http.StatusNotFound, "")
			default:
				t.Errorf("round %d: PATCH status %d: %s", round, r.Status, r.Raw)
			}
		}
		g := d.do(t, "GET", "/Users/"+userID, nil)
		t.Logf("round %d: conditional=%v, %d patches applied, DELETE %d", round, conditional, len(applied), del.Status)
		switch del.Status {
		case http.StatusNoContent:
			g.wantError(t, http.StatusNotFound, "")
			if m := d.members(t, groupID); len(m) != 0 {
				t.Errorf("round %d: deleted user still a member: %v", round, m)
			}
			if res := d.do(t, "GET", "/Users"+filterQ(fmt.Sprintf(`userName eq "victim%02d@example.com"`, round)), nil).list(t); len(res) != 0 {
				t.Errorf("round %d: deleted user still listed", round)
			}
		case http.StatusPreconditionFailed:
			if !conditional || len(applied) == 0 {
				t.Errorf("round %d: DELETE 412 though conditional=%v and %d patches applied", round, conditional, len(applied))
			}
			del.wantError(t, http.StatusPreconditionFailed, "")
			g.want(t, http.StatusOK)
			if g.Body["displayName"] != "patched" {
				t.Errorf("round %d: user kept but patch missing: %s", round, g.Raw)
			}
			// Every acknowledged PATCH added its phone number.
			phones := ids(g.Body["phoneNumbers"], "value")
			for _, i := range applied {
				if !slices.Contains(phones, fmt.Sprint("+1 555 01", i)) {
					t.Errorf("round %d: PATCH %d was acknowledged but its phone number is missing: %v", round, i, phones)
				}
			}
			if len(phones) != len(applied) {
				t.Errorf("round %d: %d phone numbers for %d applied patches", round, len(phones), len(applied))
			}
			if m := d.members(t, groupID); !slices.Equal(m, []string{userID}) {
				t.Errorf("round %d: membership %v", round, m)
			}
		default:
			t.Errorf("round %d: DELETE status %d: %s", round, del.Status, del.Raw)
		}
	}
}

// TestConcurrentPatchesOfOneUser: concurrent PATCHes of different
// attributes of one user lose none of each other's changes.
func TestConcurrentPatchesOfOneUser(t *testing.T) {
	t.Parallel()
	d := newDir(t)
	userID := d.createUser(t, "busy@example.com")
	const n = 20
	statuses := make([]int, n)
	parallel(n, func(i int) {
		statuses[i] = d.do(t, "PATCH", "/Users/"+userID, patchOp(
			op("add", "emails", []any{map[string]any{"value": fmt.Sprintf("alias%02d@example.com", i), "type": "other"}}),
		)).Status
	})
	for i, s := range statuses {
		if s != http.StatusOK {
			t.Errorf("PATCH %d: status %d", i, s)
		}
	}
	r := d.do(t, "GET", "/Users/"+userID, nil).want(t, http.StatusOK)
	var want []string
	for i := 0; i < n; i++ {
		want = append(want, fmt.Sprintf("alias%02d@example.com", i))
	}
	if got := ids(r.Body["emails"], "value"); !slices.Equal(got, want) {
		t.Errorf("emails %v, want all %d aliases", got, n)
	}
	if r.Header.Get("ETag") != scim.ETag(n+1) {
		t.Errorf("version %s after %d changes, want %s", r.Header.Get("ETag"), n, scim.ETag(n+1))
	}
}

// TestListGroupsWhileDeleting: group lists and reads racing deletions of
// the groups they return still answer whole responses (200 with valid
// JSON, or a 404 for a group read after its deletion), never a broken
// connection.
func TestListGroupsWhileDeleting(t *testing.T) {
	t.Parallel()
	d := newDir(t)
	u := d.createUser(t, "member@example.com")
	const n = 40
	groups := make([]string, n)
	for i := range groups {
		groups[i] = d.createGroup(t, fmt.Sprintf("doomed %02d", i), u)
	}
	var mu sync.Mutex
	var failures []string
	fail := func(format string, args ...any) {
		mu.Lock()
		failures = append(failures, fmt.Sprintf(format, args...))
		mu.Unlock()
	}
	parallel(n+20, func(i int) {
		if i < n {
			req, _ := http.NewRequest("DELETE", d.base+"/Groups/"+groups[i], nil)
			req.Header.Set("Authorization", "Bearer "+d.token)
			if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != http.StatusNoContent {
				fail("DELETE %d: %v %v", i, err, res)
			} else {
				res.Body.Close()
			}
			return
		}
		for j := 0; j < 5; j++ {
			path := "/Groups?count=100"
			if j%2 == 1 {
				path = "/Groups/" + groups[(i+j)%n]
			}
			req, _ := http.NewRequest("GET", d.base+path, nil)
			req.Header.Set("Authorization", "Bearer "+d.token)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				fail("GET %s: %v", path, err)
				continue
			}
			body, err := io.ReadAll(res.Body)
			res.Body.Close()
			var v map[string]any
			switch {
			case err != nil:
				fail("GET %s: status %d, broken body: %v", path, res.StatusCode, err)
			case res.StatusCode != http.StatusOK && res.StatusCode != http.StatusNotFound:
				fail("GET %s: status %d: %s", path, res.StatusCode, body)
			case json.Unmarshal(body, &v) != nil:
				fail("GET %s: status %d, invalid JSON: %s", path, res.StatusCode, body)
			case res.StatusCode == http.StatusNotFound && v["status"] != "404":
				fail("GET %s: 404 that is not a SCIM error: %s", path, body)
			}
		}
	})
	for _, f := range failures {
		t.Error(f)
	}
}
