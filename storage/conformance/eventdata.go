package conformance

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rosterhq/roster"
)

// eventsSince returns the organization's events after seq, oldest first.
func eventsSince(t *testing.T, s roster.Store, orgID string, seq int64) []roster.Event {
	t.Helper()
	events, err := s.ListEvents(ctx, orgID, seq, 100000)
	must(t, err)
	return events
}

func newestSeq(t *testing.T, s roster.Store, orgID string) int64 {
	t.Helper()
	events, err := s.SearchEvents(ctx, orgID, roster.EventFilter{}, 1)
	must(t, err)
	if len(events) == 0 {
		return 0
	}
	return events[0].Seq
}

// actions lists the events' actions.
func actions(events []roster.Event) []string {
	out := make([]string, len(events))
	for i, e := range events {
		out[i] = e.Action
	}
	return out
}

// decode unmarshals an event's data into a map.
func decode(t *testing.T, e roster.Event) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(e.Data, &m); err != nil {
		t.Fatalf("%s event data %q: %v", e.Action, e.Data, err)
	}
	return m
}

// testEventData: every user, group and membership change writes its
// normalized payload in its own transaction (a change that fails writes
// none), updates carry the previous values, and memberships have one
// event each, also in bulk.
func testEventData(t *testing.T, s roster.Store) {
	f := newFixture(t, s, "Acme")
	start := newestSeq(t, s, f.org.ID)
	ann := createUser(t, s, f.tenant, "ann@acme.test", `,"displayName":"Ann","name":{"givenName":"Ann","familyName":"Lee"},"emails":[{"value":"ann@acme.test","primary":true}],"title":"Engineer","externalId":"e-1"`)
	ev := eventsSince(t, s, f.org.ID, start)
	if len(ev) != 1 || ev[0].Action != roster.EventUserCreated {
		t.Fatalf("creating a user wrote %v", actions(ev))
	}
	d := decode(t, ev[0])
	name, _ := d["name"].(map[string]any)
	scimDoc, _ := d["scim"].(map[string]any)
	if d["id"] != ann.ID || d["directoryId"] != f.dir.ID || d["userName"] != "ann@acme.test" || d["displayName"] != "Ann" || d["email"] != "ann@acme.test" ||
		d["active"] != true || d["managed"] != false || d["externalId"] != "e-1" || name["givenName"] != "Ann" || name["familyName"] != "Lee" ||
		scimDoc["title"] != "Engineer" || d["created"] == nil || d["lastModified"] == nil || d["previous"] != nil {
		t.Errorf("user.created data = %s", ev[0].Data)
	}

	// A change that fails, early or at the database, leaves no event.
	seq := newestSeq(t, s, f.org.ID)
	_, err := s.UpdateUser(ctx, f.tenant, ann.ID, func(u *roster.User) error {
		u.DisplayName = "Changed"
		return errors.New("abandoned")
	})
	if err == nil {
		t.Fatal("an update whose callback failed succeeded")
	}
	if err := s.CreateUser(ctx, f.tenant, user(t, `{"userName":"ANN@acme.test"}`)); err == nil {
		t.Fatal("a clashing userName was stored")
	}
	if ev := eventsSince(t, s, f.org.ID, seq); len(ev) != 0 {
		t.Errorf("failed changes wrote events: %v", actions(ev))
	}

	// An update: the user as it is now, and what it was.
	_, err = s.UpdateUser(ctx, f.tenant, ann.ID, func(u *roster.User) error {
		*u = *user(t, `{"userName":"ann@acme.test","displayName":"Ann Lee","name":{"givenName":"Ann","familyName":"Lee"},"emails":[{"value":"ann@acme.test","primary":true}],"externalId":"e-1"}`)
		return nil
	})
	must(t, err)
	ev = eventsSince(t, s, f.org.ID, seq)
	if len(ev) != 1 || ev[0].Action != roster.EventUserUpdated {
		t.Fatalf("the update wrote %v", actions(ev))
	}
	d = decode(t, ev[0])
	prev, _ := d["previous"].(map[string]any)
	prevSCIM, _ := prev["scim"].(map[string]any)
	if d["displayName"] != "Ann Lee" || prev["displayName"] != "Ann" || prevSCIM["displayName"] != "Ann" || prevSCIM["title"] != "Engineer" ||
		len(prev) != 2 || len(prevSCIM) != 2 {
		t.Errorf("user.updated data = %s", ev[0].Data)
	}
	seq = ev[0].Seq
	_, err = s.UpdateUser(ctx, f.tenant, ann.ID, func(u *roster.User) error {
		u.Active = false
		u.Attributes = []byte(strings.Replace(string(u.Attributes), `{`, `{"active":false,`, 1))
		return nil
	})
	must(t, err)
	ev = eventsSince(t, s, f.org.ID, seq)
	if len(ev) != 1 || ev[0].Action != roster.EventUserDeactivated {
		t.Fatalf("deactivating wrote %v", actions(ev))
	}
	if d := decode(t, ev[0]); d["active"] != false || d["previous"].(map[string]any)["active"] != true {
		t.Errorf("user.deactivated data = %s", ev[0].Data)
	}

	// Groups and their members: one event per membership, in the order
	// the operations made them.
	bob := createUser(t, s, f.tenant, "bob@acme.test", `,"displayName":"Bob"`)
	seq = newestSeq(t, s, f.org.ID)
	eng := createGroup(t, s, f.tenant, "Engineering", ann.ID, bob.ID)
	ev = eventsSince(t, s, f.org.ID, seq)
	if got := actions(ev); !slices.Equal(got, []string{roster.EventGroupCreated, roster.EventMemberAdded, roster.EventMemberAdded}) {
		t.Fatalf("creating a group with two members wrote %v", got)
	}
	if d := decode(t, ev[0]); d["id"] != eng.ID || d["displayName"] != "Engineering" || d["directoryId"] != f.dir.ID {
		t.Errorf("group.created data = %s", ev[0].Data)
	}
	displays := map[string]string{}
	for _, e := range ev[1:] {
		var m roster.MembershipData
		must(t, json.Unmarshal(e.Data, &m))
		if m.Group.ID != eng.ID || m.Group.DisplayName != "Engineering" || m.Member.Type != roster.MemberUser || e.ResourceID != eng.ID {
			t.Errorf("member event %s", e.Data)
		}
		displays[m.Member.ID] = m.Member.Display
	}
	if displays[ann.ID] != "Ann Lee" || displays[bob.ID] != "Bob" {
		t.Errorf("member displays = %v", displays)
	}
	seq = newestSeq(t, s, f.org.ID)
	_, err = s.UpdateGroup(ctx, f.tenant, eng.ID, func(g *roster.Group) ([]roster.MemberOp, error) {
		g.DisplayName = "Engineers"
		g.Attributes = []byte(`{"displayName":"Engineers"}`)
		return []roster.MemberOp{{Kind: roster.RemoveMembers, IDs: []string{bob.ID}}, {Kind: roster.AddMembers, IDs: []string{bob.ID}},
			{Kind: roster.RemoveMembers, IDs: []string{ann.ID}}}, nil
	})
	must(t, err)
	ev = eventsSince(t, s, f.org.ID, seq)
	if got := actions(ev); !slices.Equal(got, []string{roster.EventGroupUpdated, roster.EventMemberRemoved, roster.EventMemberAdded, roster.EventMemberRemoved}) {
		t.Fatalf("a rename with three member operations wrote %v", got)
	}
	if d := decode(t, ev[0]); d["displayName"] != "Engineers" || d["previous"].(map[string]any)["displayName"] != "Engineering" {
		t.Errorf("group.updated data = %s", ev[0].Data)
	}
	for i, want := range []string{bob.ID, bob.ID, ann.ID} {
		var m roster.MembershipData
		must(t, json.Unmarshal(ev[i+1].Data, &m))
		if m.Member.ID != want || m.Group.DisplayName != "Engineers" {
			t.Errorf("member event %d = %s, want member %s", i, ev[i+1].Data, want)
		}
	}

	// In bulk: a thousand members in one operation, a thousand events.
	var ids []string
	for i := range 1000 {
		u := user(t, fmt.Sprintf(`{"userName":"bulk%d@acme.test"}`, i))
		must(t, s.CreateUser(ctx, f.tenant, u))
		ids = append(ids, u.ID)
	}
	seq = newestSeq(t, s, f.org.ID)
	_, err = s.UpdateGroup(ctx, f.tenant, eng.ID, func(g *roster.Group) ([]roster.MemberOp, error) {
		return []roster.MemberOp{{Kind: roster.AddMembers, IDs: ids}}, nil
	})
	must(t, err)
	ev = eventsSince(t, s, f.org.ID, seq)
	added := map[string]bool{}
	for _, e := range ev {
		var m roster.MembershipData
		must(t, json.Unmarshal(e.Data, &m))
		if e.Action != roster.EventMemberAdded || !strings.HasPrefix(m.Member.Display, "bulk") {
			t.Fatalf("bulk add wrote %s %s", e.Action, e.Data)
		}
		added[m.Member.ID] = true
	}
	if len(ev) != 1000 || len(added) != 1000 {
		t.Errorf("adding 1000 members wrote %d events for %d members", len(ev), len(added))
	}

	// Deleting a member ends its memberships first, each with its event,
	// and the deletion carries the user as it was.
	seq = newestSeq(t, s, f.org.ID)
	must(t, s.DeleteUser(ctx, f.tenant, bob.ID, 0))
	ev = eventsSince(t, s, f.org.ID, seq)
	if got := actions(ev); !slices.Equal(got, []string{roster.EventMemberRemoved, roster.EventUserDeleted}) {
		t.Fatalf("deleting a member wrote %v", got)
	}
	if d := decode(t, ev[1]); d["id"] != bob.ID || d["userName"] != "bob@acme.test" {
		t.Errorf("user.deleted data = %s", ev[1].Data)
	}
	seq = ev[1].Seq
	must(t, s.DeleteGroup(ctx, f.tenant, eng.ID, 0))
	ev = eventsSince(t, s, f.org.ID, seq)
	if len(ev) != 1001 || ev[1000].Action != roster.EventGroupDeleted || ev[0].Action != roster.EventMemberRemoved {
		t.Errorf("deleting a group of 1000 wrote %d events, last %s", len(ev), ev[len(ev)-1].Action)
	}
}

// testChangeFeed: the feed filters by type, pages with a cursor that
// skips what did not match, and a cursor from before a purge is expired.
func testChangeFeed(t *testing.T, s roster.Store) {
	f := newFixture(t, s, "Acme")
	other := newFixture(t, s, "Other")
	ann := createUser(t, s, f.tenant, "ann@acme.test")
	createUser(t, s, other.tenant, "ann@other.test")
	createGroup(t, s, f.tenant, "Engineering", ann.ID)
	createUser(t, s, f.tenant, "bob@acme.test")
	members := func(a string) bool { return a == roster.EventMemberAdded || strings.HasPrefix(a, "user.") }
	var got []string
	next := int64(0)
	for range 10 {
		page, err := s.ListFeedEvents(ctx, f.org.ID, next, members, 1)
		must(t, err)
		if len(page.Events) == 0 {
			break
		}
		if page.Next != page.Events[0].Seq {
			t.Errorf("next = %d after event %d", page.Next, page.Events[0].Seq)
		}
		got = append(got, page.Events[0].Action)
		if page.Events[0].OrgID != f.org.ID {
			t.Errorf("the feed returned another organization's event")
		}
		next = page.Next
	}
	if want := []string{roster.EventUserCreated, roster.EventMemberAdded, roster.EventUserCreated}; !slices.Equal(got, want) {
		t.Errorf("feed = %v, want %v", got, want)
	}
	// The last page moves the cursor past what did not match, up to the
	// horizon: nothing is read twice.
	page, err := s.ListFeedEvents(ctx, f.org.ID, next, members, 10)
	must(t, err)
	horizon, err := s.GetFeedHorizon(ctx)
	must(t, err)
	if len(page.Events) != 0 || page.Next != horizon || horizon < next {
		t.Errorf("past the end: %d events, next %d, horizon %d", len(page.Events), page.Next, horizon)
	}

	// Retention: every event but the newest is old enough; the watermark
	// expires cursors below it.
	n, err := s.DeleteEvents(ctx, time.Now().Add(time.Hour), 2)
	must(t, err)
	if n != 2 {
		t.Errorf("a purge batch of 2 deleted %d", n)
	}
	for {
		n, err := s.DeleteEvents(ctx, time.Now().Add(time.Hour), 1000)
		must(t, err)
		if n == 0 {
			break
		}
	}
	_, err = s.ListFeedEvents(ctx, f.org.ID, 0, members, 10)
	if roster.ReasonOf(err) != roster.ReasonCursorExpired || roster.ErrorCodeOf(err) != roster.EGone {
		t.Errorf("a cursor from before the purge: %v", err)
	}
	page, err = s.ListFeedEvents(ctx, f.org.ID, horizon-1, func(string) bool { return true }, 10)
	if err != nil || len(page.Events) != 1 || page.Events[0].Seq != horizon {
		t.Errorf("the newest event stays and the cursor before it works: %+v %v", page, err)
	}
	// New events continue the numbering above the purged ones.
	createUser(t, s, f.tenant, "cat@acme.test")
	page, err = s.ListFeedEvents(ctx, f.org.ID, horizon, func(string) bool { return true }, 10)
	if err != nil || len(page.Events) != 1 || page.Events[0].Seq <= horizon || page.Events[0].Action != roster.EventUserCreated {
		t.Errorf("after the purge: %+v %v", page, err)
	}
	// Old events are kept: a cutoff before them purges nothing.
	if n, err := s.DeleteEvents(ctx, time.Now().Add(-time.Hour), 1000); err != nil || n != 0 {
		t.Errorf("a purge of events older than an hour deleted %d: %v", n, err)
	}
}

// state is an organization's users, groups, memberships and effective
// access as a consumer keeps them: normalized JSON by ID, lastModified
// left out (it also moves when a user's memberships change, which only
// member events tell).
type state struct {
	users, groups map[string]string
	members       map[string]bool   // "group/member"
	access        map[string]string // "product/user" -> role
}

func newState() *state {
	return &state{users: map[string]string{}, groups: map[string]string{}, members: map[string]bool{}, access: map[string]string{}}
}

// accessItem is what a consumer reads from an access snapshot item and
// from an access event's detail.
type accessItem struct {
	User    struct{ ID string }
	Product struct{ Key string }
	Role    string
}

func (st *state) applyAccess(t *testing.T, doc []byte) {
	t.Helper()
	var a accessItem
	must(t, json.Unmarshal(doc, &a))
	if a.User.ID == "" || a.Product.Key == "" {
		t.Fatalf("access item without user or product: %s", doc)
	}
	if a.Role == "" {
		delete(st.access, a.Product.Key+"/"+a.User.ID)
	} else {
		st.access[a.Product.Key+"/"+a.User.ID] = a.Role
	}
}

func canonical(t *testing.T, data []byte) (string, string) {
	t.Helper()
	var m map[string]any
	must(t, json.Unmarshal(data, &m))
	delete(m, "lastModified")
	delete(m, "previous")
	b, _ := json.Marshal(m)
	id, _ := m["id"].(string)
	return id, string(b)
}

func (st *state) apply(t *testing.T, e roster.Event) {
	t.Helper()
	switch {
	case e.Action == roster.EventAccessGranted || e.Action == roster.EventAccessRevoked:
		st.applyAccess(t, []byte(e.Detail))
	case e.Action == roster.EventMemberAdded || e.Action == roster.EventMemberRemoved:
		var m roster.MembershipData
		must(t, json.Unmarshal(e.Data, &m))
		st.members[m.Group.ID+"/"+m.Member.ID] = e.Action == roster.EventMemberAdded
		if e.Action == roster.EventMemberRemoved {
			delete(st.members, m.Group.ID+"/"+m.Member.ID)
		}
	case e.ResourceType == "User" && len(e.Data) > 0:
		id, doc := canonical(t, e.Data)
		if e.Action == roster.EventUserDeleted {
			delete(st.users, id)
		} else {
			st.users[id] = doc
		}
	case e.ResourceType == "Group" && len(e.Data) > 0:
		id, doc := canonical(t, e.Data)
		if e.Action == roster.EventGroupDeleted {
			delete(st.groups, id)
		} else {
			st.groups[id] = doc
		}
	}
}

// testSnapshotWhileWriting: a snapshot paged while a writer keeps
// creating, updating, deactivating and deleting users and changing the
// memberships of granted groups, then the feed from the snapshot's seq,
// gives exactly the state the store ends in, effective access included
// (compared with what CheckAccess answers, the rule itself).
func testSnapshotWhileWriting(t *testing.T, s roster.Store) {
	f := newFixture(t, s, "Acme")
	rng := rand.New(rand.NewPCG(1, 2))
	var users, groups []string
	for i := range 40 {
		users = append(users, createUser(t, s, f.tenant, fmt.Sprintf("u%d@acme.test", i), fmt.Sprintf(`,"displayName":"User %d"`, i)).ID)
	}
	for i := range 4 {
		groups = append(groups, createGroup(t, s, f.tenant, fmt.Sprintf("Group %d", i), users[i*5:i*5+5]...).ID)
	}
	products := []string{"jira", "wiki"}
	for _, p := range products {
		must(t, s.CreateProduct(ctx, &roster.Product{OrgID: f.org.ID, Key: p, Name: p}))
	}
	must(t, s.GrantAccess(ctx, &roster.Grant{OrgID: f.org.ID, Product: "jira", GroupID: groups[0], Role: roster.RoleUser}))
	must(t, s.GrantAccess(ctx, &roster.Grant{OrgID: f.org.ID, Product: "jira", GroupID: groups[1], Role: roster.RoleAdmin}))
	must(t, s.GrantAccess(ctx, &roster.Grant{OrgID: f.org.ID, Product: "wiki", GroupID: groups[2], Role: roster.RoleUser}))

	// The writer runs until the snapshot is read, and a little after.
	done := make(chan struct{})
	var werr error
	var wg sync.WaitGroup
	started := make(chan struct{})
	wg.Go(func() {
		n := 0
		for i := 0; ; i++ {
			if i == 20 {
				close(started)
			}
			select {
			case <-done:
				if n++; n > 20 {
					return
				}
			default:
			}
			var err error
			pick := func(list []string) (int, string) { k := rng.IntN(len(list)); return k, list[k] }
			switch op := rng.IntN(10); {
			case op < 3 || len(users) < 10:
				u := user(t, fmt.Sprintf(`{"userName":"w%d@acme.test","displayName":"W %d"}`, i, i))
				if err = s.CreateUser(ctx, f.tenant, u); err == nil {
					users = append(users, u.ID)
				}
			case op < 6:
				_, id := pick(users)
				_, err = s.UpdateUser(ctx, f.tenant, id, func(u *roster.User) error {
					u.DisplayName = fmt.Sprintf("Renamed %d", i)
					u.Active = rng.IntN(2) == 0
					u.Attributes = []byte(fmt.Sprintf(`{"userName":%q,"displayName":%q,"active":%v}`, u.UserName, u.DisplayName, u.Active))
					return nil
				})
			case op < 7:
				k, id := pick(users)
				if err = s.DeleteUser(ctx, f.tenant, id, 0); err == nil {
					users = slices.Delete(users, k, k+1)
				}
			case op < 9:
				_, g := pick(groups)
				_, u := pick(users)
				kind := roster.AddMembers
				if op == 8 {
					kind = roster.RemoveMembers
				}
				_, err = s.UpdateGroup(ctx, f.tenant, g, func(*roster.Group) ([]roster.MemberOp, error) {
					return []roster.MemberOp{{Kind: kind, IDs: []string{u}}}, nil
				})
			default:
				if rng.IntN(2) == 0 && len(groups) > 4 {
					k, g := pick(groups[3:]) // the granted groups stay
					k += 3
					if err = s.DeleteGroup(ctx, f.tenant, g, 0); err == nil {
						groups = slices.Delete(groups, k, k+1)
					}
				} else {
					_, u := pick(users)
					g := group(t, fmt.Sprintf("G %d", i))
					if err = s.CreateGroup(ctx, f.tenant, g, []string{u}); err == nil {
						groups = append(groups, g.ID)
					}
				}
			}
			if err != nil {
				werr = fmt.Errorf("writer op %d: %w", i, err)
				return
			}
		}
	})
	<-started

	// The snapshot: its seq first, then small pages of each resource.
	snap := newState()
	seq, err := s.GetFeedHorizon(ctx)
	must(t, err)
	for _, res := range []roster.SnapshotResource{roster.SnapshotUsers, roster.SnapshotGroups, roster.SnapshotMemberships, roster.SnapshotAccess} {
		after := ""
		for {
			page, err := s.ListSnapshot(ctx, f.org.ID, res, after, 3)
			must(t, err)
			for _, item := range page.Items {
				if res == roster.SnapshotAccess {
					snap.applyAccess(t, item)
					continue
				}
				if res == roster.SnapshotMemberships {
					var m roster.MembershipData
					must(t, json.Unmarshal(item, &m))
					snap.members[m.Group.ID+"/"+m.Member.ID] = true
					continue
				}
				id, doc := canonical(t, item)
				if res == roster.SnapshotUsers {
					snap.users[id] = doc
				} else {
					snap.groups[id] = doc
				}
			}
			if len(page.Items) < 3 {
				break
			}
			after = page.Last
			time.Sleep(time.Millisecond) // let the writer in between pages
		}
	}
	close(done)
	wg.Wait()
	if werr != nil {
		t.Fatal(werr)
	}

	// Follow the feed from seq to its end.
	changes, accessChanges := 0, 0
	for cursor := seq; ; {
		page, err := s.ListFeedEvents(ctx, f.org.ID, cursor, func(string) bool { return true }, 100)
		must(t, err)
		for _, e := range page.Events {
			snap.apply(t, e)
			changes++
			if e.Action == roster.EventAccessGranted || e.Action == roster.EventAccessRevoked {
				accessChanges++
			}
		}
		if page.Next == cursor {
			break
		}
		cursor = page.Next
	}
	if changes < 20 || accessChanges == 0 {
		t.Errorf("only %d events (%d of access) followed the snapshot: the writer did not overlap it", changes, accessChanges)
	}

	// The state the store ends in, read through the SCIM side of it.
	final := newState()
	all := roster.Query{StartIndex: 1, Count: 100000}
	up, err := s.ListUsers(ctx, f.tenant, all)
	must(t, err)
	for _, u := range up.Items {
		u.DirectoryID = f.dir.ID
		id, doc := canonical(t, roster.MarshalData(roster.NewUserData(&u)))
		final.users[id] = doc
		for _, p := range products {
			d, err := s.CheckAccess(ctx, roster.ProductScope{OrgID: f.org.ID, Product: p}, u.ID)
			must(t, err)
			if d.Allowed {
				final.access[p+"/"+u.ID] = d.Role
			}
		}
	}
	gp, err := s.ListGroups(ctx, f.tenant, all)
	must(t, err)
	for _, g := range gp.Items {
		id, doc := canonical(t, roster.MarshalData(roster.NewGroupData(&g, f.dir.ID)))
		final.groups[id] = doc
		must(t, s.ListMembers(ctx, f.tenant, g.ID, func(m roster.Member) error {
			final.members[g.ID+"/"+m.ID] = true
			return nil
		}))
	}
	compare := func(what string, got, want any) {
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: snapshot plus feed differs from the store:\n%s", what, diffKeys(got, want))
		}
	}
	compare("users", snap.users, final.users)
	compare("groups", snap.groups, final.groups)
	compare("memberships", snap.members, final.members)
	compare("access", snap.access, final.access)
	if len(final.users) < 10 || len(final.members) == 0 || len(final.access) == 0 {
		t.Errorf("the final state is too small to prove anything: %d users, %d memberships", len(final.users), len(final.members))
	}
}

// diffKeys describes how two maps differ.
func diffKeys(got, want any) string {
	g, w := reflect.ValueOf(got), reflect.ValueOf(want)
	var lines []string
	for _, k := range w.MapKeys() {
		gv := g.MapIndex(k)
		if !gv.IsValid() {
			lines = append(lines, fmt.Sprintf("missing %v", k))
		} else if !reflect.DeepEqual(gv.Interface(), w.MapIndex(k).Interface()) {
			lines = append(lines, fmt.Sprintf("%v: got %v want %v", k, gv, w.MapIndex(k)))
		}
	}
	for _, k := range g.MapKeys() {
		if !w.MapIndex(k).IsValid() {
			lines = append(lines, fmt.Sprintf("extra %v", k))
		}
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}
