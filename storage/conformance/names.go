package conformance

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster"
)

// testProductAndGroupNames: product names and local-group names are unique
// in their organization by roster.NameKey (case, Unicode form, white
// space), on creation and on renaming; synced groups may share a name;
// another organization may use the same names; deleting frees a name.
func testProductAndGroupNames(t *testing.T, s roster.Store) {
	f := newFixture(t, s, "Acme")
	other := newFixture(t, s, "Other")
	jira := roster.Product{OrgID: f.org.ID, Key: "jira", Name: "Jira"}
	must(t, s.CreateProduct(ctx, &jira))
	if e := wantCode(t, s.CreateProduct(ctx, &roster.Product{OrgID: f.org.ID, Key: "jira2", Name: " JIRA"}), roster.EConflict); e.Reason != roster.ReasonNameTaken {
		t.Errorf("a product named like another: reason %q, want %q", e.Reason, roster.ReasonNameTaken)
	}
	must(t, s.CreateProduct(ctx, &roster.Product{OrgID: other.org.ID, Key: "jira", Name: "Jira"}))
	wiki := roster.Product{OrgID: f.org.ID, Key: "wiki", Name: "Wiki"}
	must(t, s.CreateProduct(ctx, &wiki))
	rename := func(key, name string) (*roster.Product, error) {
		return s.UpdateProduct(ctx, roster.ProductScope{OrgID: f.org.ID, Product: key}, func(p *roster.Product) error {
			p.Name = name
			return nil
		})
	}
	if _, err := rename("wiki", "jira"); roster.ReasonOf(err) != roster.ReasonNameTaken {
		t.Errorf("renaming a product to another's name in another case: %v, want %s", err, roster.ReasonNameTaken)
	}
	if p, err := rename("wiki", "Confluence"); err != nil || p.Name != "Confluence" {
		t.Fatalf("renaming wiki = %+v, %v", p, err)
	}
	if p, _ := s.GetProduct(ctx, f.org.ID, "wiki"); p.Name != "Confluence" || p.Key != "wiki" {
		t.Errorf("after renaming, the product reads %+v", p)
	}
	lastEvent(t, s, f.org.ID, "product.renamed")
	if p, err := rename("jira", "JIRA"); err != nil || p.Name != "JIRA" {
		t.Errorf("renaming a product to its own name in another case = %+v, %v", p, err)
	}
	if _, err := s.UpdateProduct(ctx, roster.ProductScope{OrgID: other.org.ID, Product: "wiki"}, func(*roster.Product) error { return nil }); roster.ErrorCodeOf(err) != roster.ENotFound {
		t.Errorf("another organization renames our product: %v", err)
	}
	if _, err := s.UpdateProduct(ctx, roster.ProductScope{OrgID: f.org.ID, Product: "wiki"}, func(p *roster.Product) error { p.Key = "other"; return nil }); roster.ErrorCodeOf(err) != roster.EInvalid {
		t.Errorf("changing a product's key: %v, want EInvalid", err)
	}

	// Local groups.
	eng := group(t, "Engineering")
	must(t, s.CreateLocalGroup(ctx, f.org.ID, eng))
	if err := s.CreateLocalGroup(ctx, f.org.ID, group(t, "engineering ")); roster.ReasonOf(err) != roster.ReasonNameTaken {
		t.Errorf("a second local Engineering: %v, want %s", err, roster.ReasonNameTaken)
	}
	must(t, s.CreateLocalGroup(ctx, other.org.ID, group(t, "Engineering")))
	// Synced groups of two directories may share a name with each other.
	okta := roster.DirectoryScope{OrgID: f.org.ID, DirectoryID: f.addDirectory(t, s, "Okta").ID}
	createGroup(t, s, f.tenant, "Sales")
	createGroup(t, s, okta, "Sales")
	ops := group(t, "Ops")
	must(t, s.CreateLocalGroup(ctx, f.org.ID, ops))
	renameGroup := func(id, name string) (*roster.Group, error) {
		return s.UpdateLocalGroup(ctx, f.org.ID, id, func(g *roster.Group) error {
			g.DisplayName = name
			return nil
		})
	}
	if _, err := renameGroup(ops.ID, "ENGINEERING"); roster.ReasonOf(err) != roster.ReasonNameTaken {
		t.Errorf("renaming a local group to another's name: %v", err)
	}
	g, err := renameGroup(ops.ID, "Operations")
	if err != nil || g.DisplayName != "Operations" || g.Version != ops.Version+1 {
		t.Fatalf("renaming Ops = %+v, %v; want Operations, one version on", g, err)
	}
	if og, _ := s.GetOrgGroup(ctx, f.org.ID, ops.ID); og.DisplayName != "Operations" {
		t.Errorf("after renaming, the group reads %q", og.DisplayName)
	}
	lastEvent(t, s, f.org.ID, roster.EventGroupUpdated)
	sales := createGroup(t, s, f.tenant, "Marketing")
	if _, err := renameGroup(sales.ID, "Sales and marketing"); roster.ErrorCodeOf(err) != roster.EInvalid {
		t.Errorf("renaming a synced group as a local one: %v, want EInvalid", err)
	}
	// Deleting a local group frees its name; a synced group cannot be
	// deleted so.
	must(t, s.DeleteLocalGroup(ctx, f.org.ID, eng.ID))
	lastEvent(t, s, f.org.ID, "group.deleted")
	if _, err := s.GetOrgGroup(ctx, f.org.ID, eng.ID); roster.ErrorCodeOf(err) != roster.ENotFound {
		t.Errorf("a deleted local group is still there: %v", err)
	}
	must(t, s.CreateLocalGroup(ctx, f.org.ID, group(t, "Engineering")))
	wantCode(t, s.DeleteLocalGroup(ctx, f.org.ID, sales.ID), roster.EInvalid)
	wantCode(t, s.DeleteLocalGroup(ctx, other.org.ID, ops.ID), roster.ENotFound)
	// Unlinking a synced group named like a local group is refused: two
	// local groups would share a name.
	clash := createGroup(t, s, f.tenant, "Operations")
	if err := s.UnlinkGroup(ctx, f.org.ID, clash.ID); roster.ReasonOf(err) != roster.ReasonNameTaken {
		t.Errorf("unlinking a synced Operations beside a local one: %v, want %s", err, roster.ReasonNameTaken)
	}
	must(t, s.UnlinkGroup(ctx, f.org.ID, sales.ID))
	if _, err := renameGroup(sales.ID, "Operations"); roster.ReasonOf(err) != roster.ReasonNameTaken {
		t.Errorf("an unlinked group renamed like a local one: %v, want %s", err, roster.ReasonNameTaken)
	}
}

// testDeleteProductAndAccessThrough: what deleting a group or a product
// takes away, by effective access (nested groups, active users only), and
// that deleting does take it away.
func testDeleteProductAndAccessThrough(t *testing.T, s roster.Store) {
	f := newFixture(t, s, "Acme")
	other := newFixture(t, s, "Other")
	for _, p := range []roster.Product{{OrgID: f.org.ID, Key: "jira", Name: "Jira"}, {OrgID: f.org.ID, Key: "wiki", Name: "Wiki"}, {OrgID: f.org.ID, Key: "crm", Name: "CRM"}} {
		must(t, s.CreateProduct(ctx, &p))
	}
	ann := createUser(t, s, f.tenant, "ann@acme.test")
	ben := createUser(t, s, f.tenant, "ben@acme.test")
	cat := createUser(t, s, f.tenant, "cat@acme.test")
	dan := createUser(t, s, f.tenant, "dan@acme.test")
	_, err := s.UpdateUser(ctx, f.tenant, dan.ID, func(u *roster.User) error {
		*u = *user(t, `{"userName":"dan@acme.test","active":false}`)
		return nil
	})
	must(t, err)
	// Synced "Team" (ann, ben, dan) is nested in synced "Everyone" (cat),
	// which has wiki; Team itself has jira; ben also has jira another way.
	team := createGroup(t, s, f.tenant, "Team", ann.ID, ben.ID, dan.ID)
	everyone := createGroup(t, s, f.tenant, "Everyone", cat.ID, team.ID)
	leads := createGroup(t, s, f.tenant, "Leads", ben.ID)
	grant := func(product, groupID string) {
		t.Helper()
		must(t, s.GrantAccess(ctx, &roster.Grant{OrgID: f.org.ID, Product: product, GroupID: groupID, Role: roster.RoleUser}))
	}
	grant("jira", team.ID)
	grant("jira", leads.ID)
	grant("wiki", everyone.ID)
	grant("crm", leads.ID)
	through := func(groupID string) []string {
		t.Helper()
		list, err := s.ListAccessThrough(ctx, f.org.ID, groupID)
		must(t, err)
		var got []string
		for _, a := range list {
			got = append(got, a.Product.Key+":"+map[bool]string{true: "direct", false: "nested"}[a.Direct]+":"+itoa(int64(a.Lose))+map[bool]string{true: ":default"}[a.Default])
		}
		return got
	}
	// jira: ann loses it (ben keeps it through Leads, dan is deactivated);
	// wiki: ann and ben lose it (through Everyone); crm: not through Team.
	if got, want := through(team.ID), []string{"jira:direct:1", "wiki:nested:2"}; !slices.Equal(got, want) {
		t.Errorf("ListAccessThrough(Team) = %v, want %v", got, want)
	}
	if list, err := s.ListAccessThrough(ctx, other.org.ID, team.ID); err != nil || len(list) != 0 {
		t.Errorf("another organization's view of our group = %v, %v", list, err)
	}
	// Local "Devs" (ann, cat) has jira: deleting it takes cat's (ann has
	// it through Team), and its default-group role.
	devs := group(t, "Devs")
	must(t, s.CreateLocalGroup(ctx, f.org.ID, devs))
	must(t, s.AddLocalMembers(ctx, f.org.ID, devs.ID, []string{ann.ID, cat.ID}))
	grant("jira", devs.ID)
	if got, want := through(devs.ID), []string{"jira:direct:1"}; !slices.Equal(got, want) {
		t.Errorf("ListAccessThrough(Devs) = %v, want %v", got, want)
	}
	must(t, s.SetDefaultGroup(ctx, roster.ProductScope{OrgID: f.org.ID, Product: "jira"}, devs.ID, true))
	must(t, s.SetDefaultGroup(ctx, roster.ProductScope{OrgID: f.org.ID, Product: "crm"}, devs.ID, true))
	if got, want := through(devs.ID), []string{"crm:nested:0:default", "jira:direct:1:default"}; !slices.Equal(got, want) {
		t.Errorf("ListAccessThrough(Devs, a default group) = %v, want %v", got, want)
	}
	must(t, s.DeleteLocalGroup(ctx, f.org.ID, devs.ID))
	for _, c := range []struct {
		product, user string
		want          bool
	}{{"jira", ann.ID, true}, {"jira", cat.ID, false}, {"wiki", cat.ID, true}} {
		a, err := s.CheckAccess(ctx, roster.ProductScope{OrgID: f.org.ID, Product: c.product}, c.user)
		must(t, err)
		if a.Allowed != c.want {
			t.Errorf("after deleting Devs, %s's %s access = %v, want %v", c.user, c.product, a.Allowed, c.want)
		}
	}
	if d, _ := s.ListDefaultGroups(ctx, f.org.ID, "jira"); len(d) != 0 {
		t.Errorf("a deleted group is still a default group: %+v", d)
	}
	if g, _ := s.GetOrgGroup(ctx, f.org.ID, everyone.ID); g.Members != 2 {
		t.Errorf("Everyone has %d members, want 2", g.Members)
	}

	// Deleting a product takes its grants and default groups; groups stay.
	wantCode(t, s.DeleteProduct(ctx, roster.ProductScope{OrgID: other.org.ID, Product: "jira"}), roster.ENotFound)
	must(t, s.DeleteProduct(ctx, roster.ProductScope{OrgID: f.org.ID, Product: "jira"}))
	lastEvent(t, s, f.org.ID, "product.deleted")
	if _, err := s.GetProduct(ctx, f.org.ID, "jira"); roster.ErrorCodeOf(err) != roster.ENotFound {
		t.Errorf("a deleted product is still there: %v", err)
	}
	if _, err := s.GetOrgGroup(ctx, f.org.ID, leads.ID); err != nil {
		t.Errorf("deleting a product took a group: %v", err)
	}
	// Its key and name are free again, with no grant left over.
	must(t, s.CreateProduct(ctx, &roster.Product{OrgID: f.org.ID, Key: "jira", Name: "Jira"}))
	if grants, _ := s.ListGrants(ctx, f.org.ID, "jira"); len(grants) != 0 {
		t.Errorf("a new product of a deleted one's key inherits its grants: %+v", grants)
	}
}

// testEffectiveLinkPreview: the link preview compares effective access
// (nested groups, active users only), not direct membership, and names
// the local group's default-group roles that the link ends.
func testEffectiveLinkPreview(t *testing.T, s roster.Store) {
	f := newFixture(t, s, "Acme")
	must(t, s.CreateProduct(ctx, &roster.Product{OrgID: f.org.ID, Key: "wiki", Name: "Wiki"}))
	ann := createUser(t, s, f.tenant, "ann@acme.test") // local only, but also in Staff: keeps wiki
	bob := createUser(t, s, f.tenant, "bob@acme.test") // local only: loses wiki
	cal := createUser(t, s, f.tenant, "cal@acme.test") // in a group nested in the synced one: gains
	dee := createUser(t, s, f.tenant, "dee@acme.test") // synced, but deactivated: gains nothing
	_, err := s.UpdateUser(ctx, f.tenant, dee.ID, func(u *roster.User) error {
		*u = *user(t, `{"userName":"dee@acme.test","active":false}`)
		return nil
	})
	must(t, err)
	local := group(t, "Editors")
	must(t, s.CreateLocalGroup(ctx, f.org.ID, local))
	must(t, s.AddLocalMembers(ctx, f.org.ID, local.ID, []string{ann.ID, bob.ID}))
	must(t, s.GrantAccess(ctx, &roster.Grant{OrgID: f.org.ID, Product: "wiki", GroupID: local.ID, Role: roster.RoleUser}))
	must(t, s.SetDefaultGroup(ctx, roster.ProductScope{OrgID: f.org.ID, Product: "wiki"}, local.ID, true))
	staff := createGroup(t, s, f.tenant, "Staff", ann.ID)
	must(t, s.GrantAccess(ctx, &roster.Grant{OrgID: f.org.ID, Product: "wiki", GroupID: staff.ID, Role: roster.RoleUser}))
	interns := createGroup(t, s, f.tenant, "Interns", cal.ID)
	synced := createGroup(t, s, f.tenant, "editors", interns.ID, dee.ID)
	p, err := s.PreviewLink(ctx, f.org.ID, synced.ID)
	must(t, err)
	names := func(us []roster.User) string {
		var out []string
		for _, u := range us {
			out = append(out, u.UserName)
		}
		return strings.Join(out, ",")
	}
	if names(p.Gain) != "cal@acme.test" || names(p.Lose) != "bob@acme.test" || p.Gained != 1 || p.Lost != 1 {
		t.Errorf("preview: gain %s (%d), lose %s (%d); want cal gaining through Interns, bob losing (ann keeps wiki through Staff, dee is deactivated)",
			names(p.Gain), p.Gained, names(p.Lose), p.Lost)
	}
	if strings.Join(p.Defaults, ",") != "wiki" {
		t.Errorf("preview's default groups = %v, want wiki", p.Defaults)
	}
	must(t, s.LinkGroup(ctx, f.org.ID, synced.ID))
	for who, want := range map[string]bool{ann.ID: true, bob.ID: false, cal.ID: true, dee.ID: false} {
		a, err := s.CheckAccess(ctx, roster.ProductScope{OrgID: f.org.ID, Product: "wiki"}, who)
		must(t, err)
		if a.Allowed != want {
			t.Errorf("after linking, %s's access is %v, want %v as the preview said", who, a.Allowed, want)
		}
	}
}

// testEventFiltersAndNames: the audit trail by date range and by who is
// involved, and the names of what events name by ID.
func testEventFiltersAndNames(t *testing.T, s roster.Store) {
	f := newFixture(t, s, "Acme")
	other := newFixture(t, s, "Other")
	before := time.Now().Add(-time.Second)
	ann := createUser(t, s, f.tenant, "ann@acme.test")
	admin := roster.WithActor(ctx, "admin:root@acme.test")
	eng := group(t, "Engineering")
	must(t, s.CreateLocalGroup(admin, f.org.ID, eng))
	must(t, s.AddLocalMembers(admin, f.org.ID, eng.ID, []string{ann.ID}))
	must(t, s.CreateProduct(ctx, &roster.Product{OrgID: f.org.ID, Key: "jira", Name: "Jira"}))
	theirs := createUser(t, s, other.tenant, "ann@other.test")
	after := time.Now().Add(time.Second)

	count := func(fl roster.EventFilter) int {
		t.Helper()
		events, err := s.SearchEvents(ctx, f.org.ID, fl, 100)
		must(t, err)
		return len(events)
	}
	all := count(roster.EventFilter{})
	if n := count(roster.EventFilter{Since: before, Until: after}); n != all || all < 4 {
		t.Errorf("events within the test's time: %d of %d", n, all)
	}
	if n := count(roster.EventFilter{Since: after}); n != 0 {
		t.Errorf("events after now: %d", n)
	}
	if n := count(roster.EventFilter{Until: before.Add(-time.Hour)}); n != 0 {
		t.Errorf("events before the test began: %d", n)
	}
	byAdmin := count(roster.EventFilter{Involving: &roster.Involvement{Actors: []string{"admin:root@acme.test"}}})
	aboutAnn := count(roster.EventFilter{Involving: &roster.Involvement{ResourceIDs: []string{ann.ID}}})
	either := count(roster.EventFilter{Involving: &roster.Involvement{ResourceIDs: []string{ann.ID}, Actors: []string{"admin:root@acme.test"}}})
	if byAdmin != 2 || aboutAnn != 1 || either != 3 {
		t.Errorf("events by the admin %d (want 2), about ann %d (want 1), either %d (want 3)", byAdmin, aboutAnn, either)
	}
	if n := count(roster.EventFilter{Involving: &roster.Involvement{}}); n != 0 {
		t.Errorf("events involving nobody: %d", n)
	}
	if n := count(roster.EventFilter{Involving: &roster.Involvement{ResourceIDs: []string{theirs.ID}}}); n != 0 {
		t.Errorf("events about another organization's user: %d", n)
	}

	toks, err := s.ListTokens(ctx, f.org.ID, f.dir.ID)
	must(t, err)
	names, err := s.ListNames(ctx, f.org.ID, []string{ann.ID, eng.ID, "jira", f.dir.ID, toks[0].ID, theirs.ID, other.dir.ID, "nothing", ann.ID})
	must(t, err)
	want := map[string]string{ann.ID: "ann@acme.test", eng.ID: "Engineering", "jira": "Jira", f.dir.ID: f.dir.Name, toks[0].ID: toks[0].Name}
	for id, name := range want {
		if names[id] != name {
			t.Errorf("the name of %s is %q, want %q", id, names[id], name)
		}
	}
	if len(names) != len(want) {
		t.Errorf("ListNames = %v: another organization's or unknown IDs were named", names)
	}
	// A deleted user keeps its name while it can be restored.
	gone := createUser(t, s, f.tenant, "gone@acme.test")
	must(t, s.DeleteUser(ctx, f.tenant, gone.ID, 0))
	if names, err := s.ListNames(ctx, f.org.ID, []string{gone.ID}); err != nil || names[gone.ID] != "gone@acme.test" {
		t.Errorf("the name of a deleted user = %v, %v", names, err)
	}
	if names, err := s.ListNames(ctx, f.org.ID, nil); err != nil || len(names) != 0 {
		t.Errorf("ListNames(nothing) = %v, %v", names, err)
	}
}

// testFirstSync: a directory's first successful authenticated request is
// kept, set once: later requests, failed ones and pruning leave it.
func testFirstSync(t *testing.T, s roster.Store) {
	f := newFixture(t, s, "Acme")
	stats := func() *roster.RequestStats {
		t.Helper()
		st, err := s.GetRequestStats(ctx, f.org.ID, f.dir.ID, time.Now().Add(-48*time.Hour))
		must(t, err)
		return st
	}
	if st := stats(); !st.First.IsZero() {
		t.Errorf("before any request the first sync is %v", st.First)
	}
	t0 := time.Now().Add(-2 * time.Hour).Truncate(time.Millisecond)
	req := func(at time.Time, status int) roster.Request {
		return roster.Request{OrgID: f.org.ID, DirectoryID: f.dir.ID, Time: at, Method: "GET", Path: "/Users", Status: status}
	}
	must(t, s.AppendRequests(ctx, []roster.Request{req(t0.Add(-time.Minute), 401), req(t0.Add(time.Minute), 200), req(t0, 200)}))
	if st := stats(); !st.First.Equal(t0) {
		t.Errorf("the first sync is %v, want the earliest successful request %v", st.First, t0)
	}
	must(t, s.AppendRequests(ctx, []roster.Request{req(t0.Add(-time.Hour), 200)})) // late, out of order: the first is set once
	must(t, s.PruneRequests(ctx, time.Now(), 0))
	if st := stats(); !st.First.Equal(t0) || st.Last != nil {
		t.Errorf("after more requests and pruning, first sync %v (want %v) and last %v (want none)", st.First, t0, st.Last)
	}
}

// testRequestStatsOneSnapshot: a directory's request counts and its latest
// request are read together, so that no page shows a latest request beside
// fewer requests than came before it, while the log is flushed beside it.
func testRequestStatsOneSnapshot(t *testing.T, s roster.Store) {
	f := newFixture(t, s, "Acme")
	const flushes = 200
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range flushes {
			// Request i says its number in its path; every other one fails.
			r := roster.Request{OrgID: f.org.ID, DirectoryID: f.dir.ID, Time: time.Now(), Method: "GET",
				Path: "/Users?n=" + strconv.Itoa(i), Status: 200 + 200*(i%2)}
			if err := s.AppendRequests(ctx, []roster.Request{r}); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	for running, reads := true, 0; running; reads++ {
		select {
		case <-done:
			running = false
		default:
		}
		st, err := s.GetRequestStats(ctx, f.org.ID, f.dir.ID, time.Now().Add(-time.Hour))
		if err != nil {
			t.Error(err)
			break
		}
		if st.Last == nil {
			continue
		}
		if n, _ := strconv.Atoi(strings.TrimPrefix(st.Last.Path, "/Users?n=")); st.Total < n+1 || st.Errors < (n+1)/2 || st.First.IsZero() {
			t.Errorf("read %d: the latest request is number %d, beside %d requests, %d errors and first sync %v counted", reads, n, st.Total, st.Errors, st.First)
			break
		}
	}
	<-done
	if st, err := s.GetRequestStats(ctx, f.org.ID, f.dir.ID, time.Now().Add(-time.Hour)); err != nil || st.Total != flushes || st.Errors != flushes/2 {
		t.Errorf("after %d flushes the stats are %+v, %v; want %d requests and %d errors", flushes, st, err, flushes, flushes/2)
	}
}
