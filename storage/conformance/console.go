package conformance

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster"
)

// testOrgLists: the organization-wide lists an admin reads. Every filter
// narrows, totals count what matches (not the page), paging neither skips
// nor repeats, and nothing of another organization shows.
func testOrgLists(t *testing.T, s roster.Store) {
	f := newFixture(t, s, "Acme")
	other := newFixture(t, s, "Other")
	okta := roster.DirectoryScope{OrgID: f.org.ID, DirectoryID: f.addDirectory(t, s, "Okta").ID}

	ann := createUser(t, s, f.tenant, "ann@acme.test", `,"displayName":"Ann Lee"`)
	bob := createUser(t, s, f.tenant, "bob@acme.test", `,"active":false,"displayName":"BJÖRN ÅSTRÖM"`)
	cat := createUser(t, s, okta, "cat@partner.test", `,"emails":[{"value":"Cat.Smith@Partner.test","primary":true}]`)
	createUser(t, s, other.tenant, "ann@other.test", `,"displayName":"Ann Lee"`)
	must(t, s.CreateDomain(ctx, &roster.Domain{OrgID: f.org.ID, Name: "acme.test", Token: "t"}))
	_, err := s.UpdateDomain(ctx, f.org.ID, "acme.test", func(d *roster.Domain) error {
		d.Status, d.VerifiedAt = roster.DomainVerified, time.Now()
		return nil
	})
	must(t, err)

	yes, no := true, false
	users := func(fl roster.UserFilter, offset, limit int) ([]string, int) {
		t.Helper()
		page, err := s.ListOrgUsers(ctx, f.org.ID, fl, offset, limit)
		must(t, err)
		var names []string
		for _, u := range page.Items {
			names = append(names, u.UserName)
		}
		return names, page.Total
	}
	for _, tc := range []struct {
		name   string
		filter roster.UserFilter
		want   []string
	}{
		{"everyone, by userName", roster.UserFilter{}, []string{"ann@acme.test", "bob@acme.test", "cat@partner.test"}},
		{"one directory", roster.UserFilter{DirectoryID: okta.DirectoryID}, []string{"cat@partner.test"}},
		{"active", roster.UserFilter{Active: &yes}, []string{"ann@acme.test", "cat@partner.test"}},
		{"inactive", roster.UserFilter{Active: &no}, []string{"bob@acme.test"}},
		{"managed", roster.UserFilter{Managed: &yes}, []string{"ann@acme.test", "bob@acme.test"}},
		{"external", roster.UserFilter{Managed: &no}, []string{"cat@partner.test"}},
		{"search displayName, any case", roster.UserFilter{Search: "  aNN l "}, []string{"ann@acme.test"}},
		{"search email", roster.UserFilter{Search: "cat.smith"}, []string{"cat@partner.test"}},
		{"search beyond ASCII, any case", roster.UserFilter{Search: "Åström"}, []string{"bob@acme.test"}},
		{"search is literal, not a pattern", roster.UserFilter{Search: "%"}, nil},
		{"search and directory", roster.UserFilter{Search: "acme", DirectoryID: okta.DirectoryID}, nil},
		{"local", roster.UserFilter{Local: true}, nil},
	} {
		got, total := users(tc.filter, 0, 10)
		if !slices.Equal(got, tc.want) || total != len(tc.want) {
			t.Errorf("%s: OrgUsers = %v (total %d), want %v", tc.name, got, total, tc.want)
		}
	}
	if got, total := users(roster.UserFilter{}, 1, 1); !slices.Equal(got, []string{"bob@acme.test"}) || total != 3 {
		t.Errorf("second page of one = %v (total %d), want bob of 3", got, total)
	}
	if got, total := users(roster.UserFilter{}, 5, 10); len(got) != 0 || total != 3 {
		t.Errorf("a page past the end = %v (total %d), want none of 3", got, total)
	}
	if c, err := s.GetUserCounts(ctx, f.org.ID); err != nil || *c != (roster.UserCounts{Total: 3, Active: 2, Managed: 2}) {
		t.Errorf("UserCounts = %+v, %v; want 3 users, 2 active, 2 managed", c, err)
	}
	must(t, s.UnlinkUser(ctx, f.org.ID, cat.ID))
	// A user unlinked from its directory still counts, as a local one.
	for _, tc := range []struct {
		filter roster.UserFilter
		total  int
	}{{roster.UserFilter{}, 3}, {roster.UserFilter{Local: true}, 1}, {roster.UserFilter{DirectoryID: okta.DirectoryID}, 0}, {roster.UserFilter{DirectoryID: f.dir.ID}, 2}} {
		if _, total := users(tc.filter, 0, 0); total != tc.total {
			t.Errorf("after unlinking cat, %+v counts %d, want %d", tc.filter, total, tc.total)
		}
	}
	if got, _ := users(roster.UserFilter{Local: true}, 0, 10); !slices.Equal(got, []string{"cat@partner.test"}) {
		t.Errorf("local users after unlinking cat = %v", got)
	}
	page, err := s.ListOrgUsers(ctx, f.org.ID, roster.UserFilter{Search: "ann"}, 0, 10)
	must(t, err)
	if len(page.Items) != 1 || page.Items[0].ID != ann.ID || !page.Items[0].Managed || page.Items[0].DisplayName != "Ann Lee" {
		t.Errorf("ann as listed = %+v, want her, managed", page.Items)
	}

	// Groups, with member counts kept through every kind of change.
	eng := createGroup(t, s, f.tenant, "Engineering", ann.ID, bob.ID)
	ops := createGroup(t, s, f.tenant, "Ops")
	local := group(t, "Admins")
	must(t, s.CreateLocalGroup(ctx, f.org.ID, local))
	must(t, s.AddLocalMembers(ctx, f.org.ID, local.ID, []string{ann.ID, cat.ID}))
	must(t, s.AddLocalMembers(ctx, f.org.ID, local.ID, []string{ann.ID})) // already a member
	createGroup(t, s, okta, "admins")                                     // in conflict with the local group
	createGroup(t, s, other.tenant, "Engineering")
	_, err = s.UpdateGroup(ctx, f.tenant, ops.ID, func(*roster.Group) ([]roster.MemberOp, error) {
		return []roster.MemberOp{{Kind: roster.AddMembers, IDs: []string{ann.ID, eng.ID}}}, nil
	})
	must(t, err)
	_, err = s.UpdateGroup(ctx, f.tenant, ops.ID, func(*roster.Group) ([]roster.MemberOp, error) {
		return []roster.MemberOp{{Kind: roster.RemoveMembers, IDs: []string{ann.ID, "nobody"}}}, nil
	})
	must(t, err)
	must(t, s.DeleteUser(ctx, f.tenant, bob.ID, 0))

	groups := func(fl roster.GroupFilter) map[string]int {
		t.Helper()
		page, err := s.ListOrgGroups(ctx, f.org.ID, fl, 0, 10)
		must(t, err)
		if page.Total != len(page.Items) {
			t.Errorf("OrgGroups(%+v) total %d for %d groups", fl, page.Total, len(page.Items))
		}
		out := map[string]int{}
		for _, g := range page.Items {
			out[fmt.Sprintf("%s dir=%t conflict=%t", g.DisplayName, g.DirectoryID != "", g.ConflictWith != "")] = g.Members
		}
		return out
	}
	want := map[string]int{
		"Admins dir=false conflict=false":     2, // ann, cat
		"admins dir=true conflict=true":       0,
		"Engineering dir=true conflict=false": 1, // bob was deleted
		"Ops dir=true conflict=false":         1, // the Engineering group
	}
	if got := groups(roster.GroupFilter{}); !maps.Equal(got, want) {
		t.Errorf("OrgGroups = %v, want %v", got, want)
	}
	if got := groups(roster.GroupFilter{Local: true}); len(got) != 1 || got["Admins dir=false conflict=false"] != 2 {
		t.Errorf("local groups = %v", got)
	}
	if got := groups(roster.GroupFilter{Conflicts: true}); len(got) != 1 || got["admins dir=true conflict=true"] != 0 {
		t.Errorf("groups in conflict = %v", got)
	}
	if got := groups(roster.GroupFilter{DirectoryID: okta.DirectoryID}); len(got) != 1 {
		t.Errorf("the Okta directory's groups = %v", got)
	}
	if got := groups(roster.GroupFilter{Search: "ENGIN"}); len(got) != 1 {
		t.Errorf("groups matching ENGIN = %v", got)
	}

	// A group's members, a page at a time, searchable.
	many := createGroup(t, s, f.tenant, "Many")
	ids := createUsers(t, s, f.tenant, 7, "m%d@acme.test")
	_, err = s.UpdateGroup(ctx, f.tenant, many.ID, func(*roster.Group) ([]roster.MemberOp, error) {
		return []roster.MemberOp{{Kind: roster.AddMembers, IDs: append(slices.Clone(ids), ops.ID)}}, nil
	})
	must(t, err)
	var walked []string
	for after := ""; ; {
		page, err := s.ListMembersPage(ctx, f.org.ID, many.ID, roster.MemberQuery{After: after, Search: "", Limit: 3})
		must(t, err)
		if len(page) == 0 {
			break
		}
		for _, m := range page {
			walked = append(walked, m.ID)
		}
		after = page[len(page)-1].ID
	}
	if want := sorted(append(slices.Clone(ids), ops.ID)...); !slices.Equal(walked, want) {
		t.Errorf("walking members 3 at a time = %v, want %v", walked, want)
	}
	found, err := s.ListMembersPage(ctx, f.org.ID, many.ID, roster.MemberQuery{After: "", Search: "M3@", Limit: 10})
	must(t, err)
	if len(found) != 1 || found[0].ID != ids[3] || found[0].Display != "m3@acme.test" || found[0].Type != roster.MemberUser {
		t.Errorf("members matching M3@ = %+v", found)
	}
	found, err = s.ListMembersPage(ctx, f.org.ID, many.ID, roster.MemberQuery{After: "", Search: "ops", Limit: 10})
	must(t, err)
	if len(found) != 1 || found[0].ID != ops.ID || found[0].Type != roster.MemberGroup || found[0].Display != "Ops" {
		t.Errorf("members matching ops = %+v", found)
	}
	wantCode(t, errOf(s.ListMembersPage(ctx, other.org.ID, many.ID, roster.MemberQuery{After: "", Search: "", Limit: 10})), roster.ENotFound)
}

// testDeleteDirectory: a directory goes with its tokens, users and
// groups; local groups lose those members and say so; nothing else moves.
func testDeleteDirectory(t *testing.T, s roster.Store) {
	f := newFixture(t, s, "Acme")
	other := newFixture(t, s, "Other")
	okta := roster.DirectoryScope{OrgID: f.org.ID, DirectoryID: f.addDirectory(t, s, "Okta").ID}
	ann := createUser(t, s, f.tenant, "ann@acme.test")
	cat := createUser(t, s, okta, "cat@acme.test")
	dan := createUser(t, s, okta, "dan@acme.test")
	oktaGroup := createGroup(t, s, okta, "Okta people", cat.ID, dan.ID)
	createGroup(t, s, okta, "Empty")
	mixed := createGroup(t, s, f.tenant, "Mixed", ann.ID)
	local := group(t, "Everyone")
	must(t, s.CreateLocalGroup(ctx, f.org.ID, local))
	must(t, s.AddLocalMembers(ctx, f.org.ID, local.ID, []string{ann.ID, cat.ID, dan.ID}))
	must(t, s.CreateProduct(ctx, &roster.Product{OrgID: f.org.ID, Key: "wiki", Name: "Wiki"}))
	must(t, s.GrantAccess(ctx, &roster.Grant{OrgID: f.org.ID, Product: "wiki", GroupID: oktaGroup.ID, Role: roster.RoleUser}))
	must(t, s.CreateDomain(ctx, &roster.Domain{OrgID: f.org.ID, Name: "acme.test", Token: "t", DirectoryID: okta.DirectoryID}))
	before, err := s.GetOrgGroup(ctx, f.org.ID, local.ID)
	must(t, err)
	must(t, s.AppendRequests(ctx, []roster.Request{{OrgID: f.org.ID, DirectoryID: okta.DirectoryID, Time: time.Now(), Method: "GET", Path: "/Users", Status: 200}}))

	_, _, err = s.DeleteDirectory(ctx, other.org.ID, okta.DirectoryID)
	wantCode(t, err, roster.ENotFound)
	users, groups, err := s.DeleteDirectory(roster.WithActor(ctx, "admin:root@acme.test"), f.org.ID, okta.DirectoryID)
	must(t, err)
	if users != 2 || groups != 2 {
		t.Errorf("DeleteDirectory = %d users, %d groups; want 2 and 2", users, groups)
	}
	wantCode(t, errOf(s.GetDirectory(ctx, f.org.ID, okta.DirectoryID)), roster.ENotFound)
	if toks, err := s.ListTokens(ctx, f.org.ID, okta.DirectoryID); err == nil && len(toks) != 0 {
		t.Errorf("the deleted directory still has tokens: %+v", toks)
	}
	wantCode(t, errOf(s.FindUser(ctx, f.org.ID, cat.ID)), roster.ENotFound)
	if st, _ := s.GetRequestStats(ctx, f.org.ID, okta.DirectoryID, time.Time{}); st.Total != 0 || st.Last != nil {
		t.Errorf("the deleted directory's requests remain: %+v", st)
	}
	if got, err := s.ListMembersPage(ctx, f.org.ID, local.ID, roster.MemberQuery{After: "", Search: "", Limit: 10}); err != nil || len(got) != 1 || got[0].ID != ann.ID {
		t.Errorf("local group's members = %+v, %v; want only ann", got, err)
	}
	after, err := s.GetOrgGroup(ctx, f.org.ID, local.ID)
	must(t, err)
	if after.Version <= before.Version {
		t.Errorf("the local group kept version %d after losing members", after.Version)
	}
	lists, err := s.ListOrgGroups(ctx, f.org.ID, roster.GroupFilter{}, 0, 10)
	must(t, err)
	counts := map[string]int{}
	for _, g := range lists.Items {
		counts[g.DisplayName] = g.Members
	}
	if !maps.Equal(counts, map[string]int{"Everyone": 1, "Mixed": 1}) {
		t.Errorf("groups and member counts after the delete = %v", counts)
	}
	if got := members(t, s, f.tenant, mixed.ID); !slices.Equal(got, []string{ann.ID}) {
		t.Errorf("the other directory's group changed: %v", got)
	}
	if grants, _ := s.ListGrants(ctx, f.org.ID, "wiki"); len(grants) != 0 {
		t.Errorf("grants to the deleted directory's group remain: %+v", grants)
	}
	if d, err := s.GetDomain(ctx, f.org.ID, "acme.test"); err != nil || d.DirectoryID != "" {
		t.Errorf("domain after its directory went = %+v, %v; want kept, unlinked", d, err)
	}
	e := lastEvent(t, s, f.org.ID, "directory.deleted")
	if e.Actor != "admin:root@acme.test" || e.ResourceID != okta.DirectoryID {
		t.Errorf("event = %+v", e)
	}
	// The organization's other directory takes users as before.
	createUser(t, s, f.tenant, "cat@acme.test")
}

// testFindEvents: the audit trail filtered by resource, action or actor
// prefix, newest first, paged by seq, never another organization's.
func testFindEvents(t *testing.T, s roster.Store) {
	f := newFixture(t, s, "Acme")
	other := newFixture(t, s, "Other")
	idp := roster.WithActor(ctx, "directory:"+f.dir.ID)
	ann := user(t, `{"userName":"ann@acme.test"}`)
	must(t, s.CreateUser(idp, f.tenant, ann))
	_, err := s.UpdateUser(idp, f.tenant, ann.ID, func(u *roster.User) error {
		*u = *user(t, `{"userName":"ann@acme.test","displayName":"Ann"}`)
		return nil
	})
	must(t, err)
	bob := createUser(t, s, f.tenant, "bob@acme.test")
	createGroup(t, s, f.tenant, "Engineering", ann.ID)
	createUser(t, s, other.tenant, "ann@other.test")

	find := func(fl roster.EventFilter, limit int) []string {
		t.Helper()
		events, err := s.SearchEvents(ctx, f.org.ID, fl, limit)
		must(t, err)
		var out []string
		for i, e := range events {
			if e.OrgID != f.org.ID {
				t.Errorf("event of another organization: %+v", e)
			}
			if i > 0 && e.Seq >= events[i-1].Seq {
				t.Errorf("events not newest first: %d after %d", e.Seq, events[i-1].Seq)
			}
			out = append(out, e.Action+" "+e.ResourceID)
		}
		return out
	}
	if got, want := find(roster.EventFilter{ResourceID: ann.ID}, 10), []string{"user.updated " + ann.ID, "user.created " + ann.ID}; !slices.Equal(got, want) {
		t.Errorf("ann's history = %v, want %v", got, want)
	}
	if got := find(roster.EventFilter{Action: "user.created"}, 10); !slices.Equal(got, []string{"user.created " + bob.ID, "user.created " + ann.ID}) {
		t.Errorf("user.created events = %v", got)
	}
	// The group's creation and its one member's.
	if got := find(roster.EventFilter{Action: "group."}, 10); len(got) != 2 || !strings.HasPrefix(got[0], "group.member_added ") {
		t.Errorf("group events = %v", got)
	}
	if got := find(roster.EventFilter{Actor: "directory:"}, 10); len(got) != 2 {
		t.Errorf("events by a directory = %v, want ann's two", got)
	}
	if got := find(roster.EventFilter{Action: "user_"}, 10); len(got) != 0 {
		t.Errorf("an underscore matched as a wildcard: %v", got)
	}
	if got := find(roster.EventFilter{DirectoryID: other.dir.ID}, 10); len(got) != 0 {
		t.Errorf("another organization's directory's events: %v", got)
	}
	all, err := s.SearchEvents(ctx, f.org.ID, roster.EventFilter{}, 100)
	must(t, err)
	var paged []int64
	for before := int64(0); ; {
		page, err := s.SearchEvents(ctx, f.org.ID, roster.EventFilter{Before: before}, 2)
		must(t, err)
		if len(page) == 0 {
			break
		}
		for _, e := range page {
			paged = append(paged, e.Seq)
		}
		before = page[len(page)-1].Seq
	}
	if len(paged) != len(all) || len(all) < 5 {
		t.Errorf("paging 2 at a time read %d events of %d", len(paged), len(all))
	}
	for i := range min(len(paged), len(all)) {
		if paged[i] != all[i].Seq {
			t.Fatalf("page walk differs at %d: %d, want %d", i, paged[i], all[i].Seq)
		}
	}
}

// testRequestLog: what identity providers asked, per directory, summed and
// pruned by age.
func testRequestLog(t *testing.T, s roster.Store) {
	f := newFixture(t, s, "Acme")
	other := newFixture(t, s, "Other")
	now := time.Now().UTC().Truncate(time.Microsecond)
	req := func(ago time.Duration, status int, path string) roster.Request {
		r := roster.Request{OrgID: f.org.ID, DirectoryID: f.dir.ID, Time: now.Add(-ago), Method: "POST", Path: path,
			Status: status, Duration: 1500 * time.Microsecond, UserAgent: "Okta SCIM Client 1.0.0"}
		if status >= 400 {
			r.Error = "userName is required"
		}
		return r
	}
	must(t, s.AppendRequests(ctx, nil))
	must(t, s.AppendRequests(ctx, []roster.Request{
		req(48*time.Hour, 201, "/Users"),
		req(2*time.Hour, 400, "/Users"),
		req(time.Hour, 201, "/Users"),
		{OrgID: other.org.ID, DirectoryID: other.dir.ID, Time: now, Method: "GET", Path: "/Users", Status: 200},
	}))
	must(t, s.AppendRequests(ctx, []roster.Request{req(time.Minute, 204, "/Groups/g1")}))

	got, err := s.ListRequests(ctx, f.org.ID, f.dir.ID, false, 3)
	must(t, err)
	if len(got) != 3 || got[0].Path != "/Groups/g1" || got[2].Status != 400 || got[2].Error != "userName is required" {
		t.Fatalf("Requests = %+v, want the newest three", got)
	}
	if r := got[0]; !r.Time.Equal(now.Add(-time.Minute)) || r.Duration != 1500*time.Microsecond || r.UserAgent != "Okta SCIM Client 1.0.0" ||
		r.Method != "POST" || r.OrgID != f.org.ID || r.DirectoryID != f.dir.ID {
		t.Errorf("request read back = %+v", r)
	}
	if failed, _ := s.ListRequests(ctx, f.org.ID, f.dir.ID, true, 10); len(failed) != 1 || failed[0].Status != 400 {
		t.Errorf("failed requests = %+v, want the one 400", failed)
	}
	if r, _ := s.ListRequests(ctx, other.org.ID, f.dir.ID, false, 10); len(r) != 0 {
		t.Errorf("another organization reads our directory's requests: %+v", r)
	}
	st, err := s.GetRequestStats(ctx, f.org.ID, f.dir.ID, now.Add(-24*time.Hour))
	must(t, err)
	if st.Total != 3 || st.Errors != 1 || st.Last == nil || st.Last.Path != "/Groups/g1" {
		t.Errorf("stats for a day = %+v", st)
	}
	if st, _ := s.GetRequestStats(ctx, other.org.ID, f.dir.ID, time.Time{}); st.Total != 0 || st.Last != nil {
		t.Errorf("another organization reads our directory's stats: %+v", st)
	}
	// Counted by the hour: three hours with requests in the last day.
	counts, err := s.ListRequestCounts(ctx, f.org.ID, f.dir.ID, now.Add(-24*time.Hour))
	must(t, err)
	var hours []string
	sum := 0
	for _, c := range counts {
		hours = append(hours, c.Hour.Format("15:04"))
		sum += c.Requests
		if c.Hour.Minute() != 0 || c.Hour.Location() != time.UTC {
			t.Errorf("an hour that is not one: %v", c.Hour)
		}
	}
	if sum != 3 || len(counts) < 2 || counts[0].Errors != 1 {
		t.Errorf("RequestCounts = %+v (%v), want the day's 3 requests by hour, the first hour's one failed", counts, hours)
	}

	// Pruning: by age, then down to the latest of each kind.
	must(t, s.PruneRequests(ctx, now.Add(-24*time.Hour), 100))
	if st, _ := s.GetRequestStats(ctx, f.org.ID, f.dir.ID, time.Time{}); st.Total != 3 {
		t.Errorf("after pruning, all-time total = %d, want 3", st.Total)
	}
	if all, _ := s.ListRequests(ctx, f.org.ID, f.dir.ID, false, 10); len(all) != 3 {
		t.Errorf("after pruning by age, %d requests remain, want 3", len(all))
	}
	var burst []roster.Request
	for i := range 5 {
		burst = append(burst, req(time.Duration(i)*time.Second, 200, "/Users"), req(time.Duration(i)*time.Second, 409, "/Users"))
	}
	must(t, s.AppendRequests(ctx, burst))
	must(t, s.PruneRequests(ctx, now.Add(-24*time.Hour), 2))
	kept, _ := s.ListRequests(ctx, f.org.ID, f.dir.ID, false, 100)
	failed, _ := s.ListRequests(ctx, f.org.ID, f.dir.ID, true, 100)
	if len(kept) != 4 || len(failed) != 2 || kept[0].Status != 409 || kept[1].Status != 200 {
		t.Errorf("after keeping 2 of each kind: %d requests, %d failed; want 4 and 2", len(kept), len(failed))
	}
	if st, _ := s.GetRequestStats(ctx, f.org.ID, f.dir.ID, now.Add(-24*time.Hour)); st.Total != 13 || st.Errors != 6 {
		t.Errorf("the counts lost pruned requests: %+v, want 13 requests, 6 errors", st)
	}
	if r, _ := s.ListRequests(ctx, other.org.ID, other.dir.ID, false, 10); len(r) != 1 {
		t.Errorf("pruning our directory touched another's: %d requests", len(r))
	}
	empty := f.addDirectory(t, s, "Quiet")
	if st, err := s.GetRequestStats(ctx, f.org.ID, empty.ID, time.Time{}); err != nil || st.Total != 0 || st.Last != nil {
		t.Errorf("a quiet directory's stats = %+v, %v", st, err)
	}
}
