package connectors_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/connectors"
	"github.com/rosterhq/roster/http/scimtest"
)

// groups returns the target's groups by displayName.
func (tg *target) groups(t testing.TB) map[string]map[string]any {
	t.Helper()
	return scimtest.Client{Base: tg.base, Token: tg.token}.All(t, "Groups", "displayName")
}

// memberNames are the userNames of a target group's members, sorted: the
// target's ids mapped back through its users.
func (tg *target) memberNames(t testing.TB, g map[string]any) []string {
	t.Helper()
	status, obj := tg.call(t, http.MethodGet, "/Groups/"+g["id"].(string), nil)
	if status != http.StatusOK {
		t.Fatalf("reading the target's group: %d %v", status, obj)
	}
	byID := map[string]string{}
	for name, u := range tg.users(t) {
		byID[u["id"].(string)] = name
	}
	out := []string{}
	ms, _ := obj["members"].([]any)
	for _, m := range ms {
		id := m.(map[string]any)["value"].(string)
		if byID[id] == "" {
			t.Fatalf("the target's group holds %s, no user of the target", id)
		}
		out = append(out, byID[id])
	}
	slices.Sort(out)
	return out
}

// groupOps is a result's group changes as "op displayName +added -removed"
// lines, sorted.
func groupOps(r *connectors.Result) []string {
	return changeLines(r.GroupChanges, func(c connectors.GroupChange) (string, string) {
		return fmt.Sprintf("%s %s +%d -%d", c.Op, c.DisplayName, c.Added, c.Removed), c.Error
	})
}

func wantGroupOps(t *testing.T, what string, r *connectors.Result, want ...string) {
	t.Helper()
	wantLines(t, what, "group changes", groupOps(r), want)
}

func (tg *target) wantMembers(t *testing.T, what, group string, want ...string) map[string]any {
	t.Helper()
	g := tg.groups(t)[group]
	if g == nil {
		t.Fatalf("%s: the target has no group %q (it has %v)", what, group, tg.groups(t))
	}
	slices.Sort(want)
	if got := tg.memberNames(t, g); !slices.Equal(got, want) {
		t.Fatalf("%s: the target's %s holds %q, want %q", what, group, got, want)
	}
	return g
}

// TestPushGroups walks --groups against a second Roster over HTTP: the
// granted group appears with its members (those of a nested group too);
// preview says what the sync then does; members added and removed at the
// identity provider, a rename and a nested member reach the target through
// the worker, one PATCH per member, the group-only changes by passes of no
// user; a group the application has already is linked, not made twice; a
// member removed directly in the target is put back by a sync; a revoked
// grant deletes the group.
func TestPushGroups(t *testing.T) {
	tg := newTarget(t)
	h := newHub(t)
	ann := h.user(t, "ann@acme.test", `,"displayName":"Ann Archer"`)
	ben := h.user(t, "ben@acme.test", `,"displayName":"Ben Baker"`)
	cat := h.user(t, "cat@acme.test", `,"displayName":"Cat Cole"`)
	dan := h.user(t, "dan@acme.test", `,"displayName":"Dan Dunn"`)
	eve := h.user(t, "eve@acme.test", `,"displayName":"Eve East"`)
	platform := h.group(t, "Platform", cat.ID)
	eng := h.group(t, "Engineering", ann.ID, ben.ID, platform.ID)
	h.group(t, "Not granted", ann.ID, eve.ID)
	must(t, h.store.GrantAccess(ctx, &roster.Grant{OrgID: h.org.ID, Product: "jira", GroupID: eng.ID, Role: roster.RoleUser}))

	c, rep, err := h.svc.Create(ctx, connectors.CreateRequest{OrgID: h.org.ID, Product: "jira", Name: "Jira", URL: tg.base, Token: tg.token, Groups: true})
	must(t, err)
	if !c.Groups || len(c.CheckGaps) != 0 {
		t.Fatalf("created %+v (check failed %d steps)", c, rep.Failed)
	}
	if left := tg.groups(t); len(left) != 0 {
		t.Fatalf("roster check left groups in the target: %v", left)
	}
	preview, err := h.svc.Preview(ctx, h.org.ID, c.ID)
	must(t, err)
	// The preview creates no user, so it knows no target IDs to add yet.
	wantGroupOps(t, "preview", preview, "create Engineering +0 -0")
	res := h.sync(t, c.ID)
	wantOps(t, "the first sync's users", res, "create ann@acme.test", "create ben@acme.test", "create cat@acme.test")
	wantGroupOps(t, "the first sync", res, "create Engineering +3 -0")
	g := tg.wantMembers(t, "after the first sync", "Engineering", "ann@acme.test", "ben@acme.test", "cat@acme.test")
	engTarget := g["id"].(string)
	if g["externalId"] != eng.ID {
		t.Errorf("the target's group has externalId %v, want Roster's group ID %s", g["externalId"], eng.ID)
	}
	if len(tg.groups(t)) != 1 {
		t.Errorf("the target has groups %v, want Engineering alone (Platform is nested, Not granted is not granted)", tg.groups(t))
	}
	again := h.sync(t, c.ID)
	wantGroupOps(t, "a second sync", again)
	if again.Groups != 1 || again.GroupsInSync != 1 {
		t.Errorf("a second sync: %d groups, %d in sync; want 1, 1", again.Groups, again.GroupsInSync)
	}

	var last *connectors.Result
	w := &connectors.Worker{Service: h.svc, OnPass: func(r *connectors.Result) { last = r }}
	pass := func(what string) *connectors.Result {
		t.Helper()
		last = nil
		step(t, w)
		if last == nil || !last.Partial {
			t.Fatalf("%s: pass %+v, want one after the events", what, last)
		}
		return last
	}
	// A member added at the identity provider: the user is created, then
	// added to the group.
	h.members(t, eng, roster.AddMembers, dan.ID)
	r := pass("a member added")
	wantOps(t, "a member added", r, "create dan@acme.test")
	wantGroupOps(t, "a member added", r, "update Engineering +1 -0")
	tg.wantMembers(t, "a member added", "Engineering", "ann@acme.test", "ben@acme.test", "cat@acme.test", "dan@acme.test")
	// Into the nested group: a member of the granted group too.
	h.members(t, platform, roster.AddMembers, eve.ID)
	r = pass("a member of the nested group added")
	wantGroupOps(t, "a member of the nested group added", r, "update Engineering +1 -0")
	tg.wantMembers(t, "a member of the nested group added", "Engineering", "ann@acme.test", "ben@acme.test", "cat@acme.test", "dan@acme.test", "eve@acme.test")
	// Removed at the identity provider: deactivated (the default policy)
	// and out of the group.
	h.members(t, eng, roster.RemoveMembers, ben.ID)
	r = pass("a member removed")
	wantOps(t, "a member removed", r, "deactivate ben@acme.test")
	wantGroupOps(t, "a member removed", r, "update Engineering +0 -1")
	tg.wantMembers(t, "a member removed", "Engineering", "ann@acme.test", "cat@acme.test", "dan@acme.test", "eve@acme.test")
	// Renamed: a pass of no user renames it.
	_, err = h.store.UpdateGroup(ctx, h.scope, eng.ID, func(g *roster.Group) ([]roster.MemberOp, error) {
		g.DisplayName, g.Attributes = "Engineering & Co", []byte(`{"displayName":"Engineering & Co"}`)
		return nil, nil
	})
	must(t, err)
	r = pass("a rename")
	if r.Considered != 0 {
		t.Errorf("the pass after a rename considered %d users, want none", r.Considered)
	}
	wantGroupOps(t, "a rename", r, "update Engineering & Co +0 -0")
	g = tg.wantMembers(t, "a rename", "Engineering & Co", "ann@acme.test", "cat@acme.test", "dan@acme.test", "eve@acme.test")
	if g["id"] != engTarget {
		t.Errorf("the renamed group is %v in the target, want the same group %s", g["id"], engTarget)
	}

	// A group the application has already, with a member of its own and
	// none of Roster's: linked, not made twice; it then holds what Roster
	// says (the connector owns the membership of the groups it pushes).
	frank := h.user(t, "frank@acme.test", `,"displayName":"Frank Fox"`)
	status, obj := tg.call(t, http.MethodPost, "/Users", map[string]any{"userName": "app-admin@app.test"})
	if status != http.StatusCreated {
		t.Fatalf("making the application's own user: %d %v", status, obj)
	}
	status, obj = tg.call(t, http.MethodPost, "/Groups", map[string]any{"displayName": "Operations", "members": []any{map[string]any{"value": obj["id"]}}})
	if status != http.StatusCreated {
		t.Fatalf("making the application's own group: %d %v", status, obj)
	}
	opsTarget := obj["id"].(string)
	ops := h.group(t, "Operations", frank.ID)
	must(t, h.store.GrantAccess(ctx, &roster.Grant{OrgID: h.org.ID, Product: "jira", GroupID: ops.ID, Role: roster.RoleUser}))
	r = pass("a new grant of a group the application has")
	wantOps(t, "a new grant", r, "create frank@acme.test")
	wantGroupOps(t, "a new grant", r, "link Operations +1 -1")
	g = tg.wantMembers(t, "a new grant", "Operations", "frank@acme.test")
	if g["id"] != opsTarget {
		t.Errorf("Operations is %v in the target, want the application's own %s linked", g["id"], opsTarget)
	}

	// Drift: the application's admin removes ann from the group and adds
	// ben (deactivated) to it; a sync puts it back as it should be.
	annTarget, benTarget := tg.idOf(t, "ann@acme.test"), tg.idOf(t, "ben@acme.test")
	status, _ = tg.call(t, http.MethodPatch, "/Groups/"+engTarget, map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
		"Operations": []any{
			map[string]any{"op": "remove", "path": `members[value eq "` + annTarget + `"]`},
			map[string]any{"op": "add", "path": "members", "value": []any{map[string]any{"value": benTarget}}}}})
	if status != http.StatusOK && status != http.StatusNoContent {
		t.Fatalf("patching the target's group directly: %d", status)
	}
	preview, err = h.svc.Preview(ctx, h.org.ID, c.ID)
	must(t, err)
	wantGroupOps(t, "the preview of the drift", preview, "update Engineering & Co +1 -1")
	res = h.sync(t, c.ID)
	if !slices.Equal(groupOps(res), groupOps(preview)) {
		t.Fatalf("sync did %q, preview said %q", groupOps(res), groupOps(preview))
	}
	tg.wantMembers(t, "after reconciling", "Engineering & Co", "ann@acme.test", "cat@acme.test", "dan@acme.test", "eve@acme.test")

	// The delivery log: one PATCH per member, naming the group.
	log, err := h.svc.Deliveries(ctx, h.org.ID, c.ID, false, 1000)
	must(t, err)
	seen := map[string]bool{}
	for _, d := range log {
		if d.Error != "" {
			t.Errorf("failed delivery %+v", d)
		}
		if d.GroupID != "" {
			seen[d.Op+" "+d.Method] = true
			if d.UserID != "" {
				t.Errorf("a delivery about group %s names user %s", d.GroupID, d.UserID)
			}
		}
	}
	for _, want := range []string{"create POST", "add-member PATCH", "remove-member PATCH", "update PATCH"} {
		if !seen[want] {
			t.Errorf("the delivery log's group lines %v have no %q", seen, want)
		}
	}

	// A grant of a group without members moves no user's access: the
	// group's grant alone makes the pass that creates it, and its revoke
	// the one that deletes it.
	auditors := h.group(t, "Auditors")
	must(t, h.store.GrantAccess(ctx, &roster.Grant{OrgID: h.org.ID, Product: "jira", GroupID: auditors.ID, Role: roster.RoleUser}))
	wantGroupOps(t, "an empty group granted", pass("an empty group granted"), "create Auditors +0 -0")
	if tg.groups(t)["Auditors"] == nil {
		t.Error("the empty group granted is not in the target")
	}
	must(t, h.store.RevokeAccess(ctx, roster.ProductScope{OrgID: h.org.ID, Product: "jira"}, auditors.ID))
	wantGroupOps(t, "an empty group's grant revoked", pass("an empty group's grant revoked"), "delete Auditors +0 -0")

	// The grant revoked: the group is deleted from the target, its users
	// deactivated; the other group stays.
	must(t, h.store.RevokeAccess(ctx, roster.ProductScope{OrgID: h.org.ID, Product: "jira"}, eng.ID))
	r = pass("a grant revoked")
	wantGroupOps(t, "a grant revoked", r, "delete Engineering & Co +0 -0")
	if status, _ := tg.call(t, http.MethodGet, "/Groups/"+engTarget, nil); status != http.StatusNotFound {
		t.Errorf("the revoked group answers %d in the target, want 404", status)
	}
	if got := tg.groups(t); len(got) != 1 || got["Operations"] == nil {
		t.Errorf("the target's groups after the revoke: %v", got)
	}
	if u := tg.users(t)["ann@acme.test"]; u["active"] != false {
		t.Errorf("ann, out of every granted group: %v", u)
	}
	final := h.sync(t, c.ID)
	wantGroupOps(t, "a sync after it all", final)
	if shown, _ := h.svc.Get(ctx, h.org.ID, c.ID); shown.LastError != "" {
		t.Errorf("health %+v", shown)
	}
}

// TestEnterpriseAttributes: a target that advertises the enterprise
// extension (Roster does, in /Schemas) gets its attributes, the manager as
// the target's id of the manager (pushed later in the pass than its
// report, so the report is pushed again); a change of one reaches it; the
// target's capabilities are read once, not on every pass.
func TestEnterpriseAttributes(t *testing.T) {
	tg := newTarget(t)
	px := newProxy(t, tg)
	h := newHub(t)
	const ent = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	// The manager's ID sorts after the report's: the pass meets the report
	// first, before the manager has a target ID.
	report := h.user(t, "ann@acme.test", `,"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","`+ent+`"]`)
	boss := h.user(t, "zed@acme.test", `,"displayName":"Zed Boss"`)
	if boss.ID < report.ID {
		report, boss = boss, report
	}
	body := func(userName, dept string, manager string) string {
		m := ""
		if manager != "" {
			m = `,"manager":{"value":"` + manager + `"}`
		}
		return `{"userName":"` + userName + `","schemas":["urn:ietf:params:scim:schemas:core:2.0:User","` + ent + `"],"` + ent + `":{"employeeNumber":"42","costCenter":"CC-7","organization":"Acme","division":"R&D","department":"` + dept + `"` + m + `}}`
	}
	h.setUser(t, report, body(report.UserName, "Platform", boss.ID))
	eng := h.group(t, "Engineering", report.ID, boss.ID)
	must(t, h.store.GrantAccess(ctx, &roster.Grant{OrgID: h.org.ID, Product: "jira", GroupID: eng.ID, Role: roster.RoleUser}))
	base := px.URL + strings.TrimPrefix(tg.base, tg.url)
	c, _, err := h.svc.Create(ctx, connectors.CreateRequest{OrgID: h.org.ID, Product: "jira", URL: base, Token: tg.token})
	must(t, err)
	px.set(func(p *proxy) { p.paths = map[string]int{} })
	res := h.sync(t, c.ID)
	if res.Failed != 0 {
		t.Fatalf("sync: %q", ops(res))
	}
	got := tg.users(t)
	bossTarget := got[boss.UserName]["id"].(string)
	e, _ := got[report.UserName][ent].(map[string]any)
	m, _ := e["manager"].(map[string]any)
	if e["employeeNumber"] != "42" || e["costCenter"] != "CC-7" || e["organization"] != "Acme" || e["division"] != "R&D" || e["department"] != "Platform" ||
		m["value"] != bossTarget {
		t.Fatalf("the report's enterprise extension in the target: %v, want the attributes and manager %s", got[report.UserName][ent], bossTarget)
	}
	again := h.sync(t, c.ID)
	wantOps(t, "a second sync", again)

	// A change of one enterprise attribute, and the manager removed.
	h.setUser(t, report, body(report.UserName, "Security", ""))
	w := &connectors.Worker{Service: h.svc}
	step(t, w)
	e, _ = tg.users(t)[report.UserName][ent].(map[string]any)
	if e["department"] != "Security" || e["manager"] != nil || e["costCenter"] != "CC-7" {
		t.Errorf("after the change, the target has %v", e)
	}
	px.mu.Lock()
	schemas, spc := px.paths["/Schemas"], px.paths["/ServiceProviderConfig"]
	px.mu.Unlock()
	if schemas != 1 || spc != 1 {
		t.Errorf("three passes read /Schemas %d and /ServiceProviderConfig %d times, want once each (cached)", schemas, spc)
	}
}

// TestGroupDeletedInTarget: a pushed group deleted directly in the
// target is made again: the pass after a change finds it gone (404),
// forgets it and fails, which schedules a pass soon; that one makes the
// group again with its members.
func TestGroupDeletedInTarget(t *testing.T) {
	tg := newTarget(t)
	h := newHub(t)
	ann := h.user(t, "ann@acme.test", "")
	ben := h.user(t, "ben@acme.test", "")
	eng := h.group(t, "Engineering", ann.ID)
	must(t, h.store.GrantAccess(ctx, &roster.Grant{OrgID: h.org.ID, Product: "jira", GroupID: eng.ID, Role: roster.RoleUser}))
	c, _, err := h.svc.Create(ctx, connectors.CreateRequest{OrgID: h.org.ID, Product: "jira", URL: tg.base, Token: tg.token, Groups: true})
	must(t, err)
	_ = h.sync(t, c.ID)
	g := tg.wantMembers(t, "after the sync", "Engineering", "ann@acme.test")
	if status, _ := tg.call(t, http.MethodDelete, "/Groups/"+g["id"].(string), nil); status != http.StatusNoContent {
		t.Fatalf("deleting the group in the target: %d", status)
	}
	h.members(t, eng, roster.AddMembers, ben.ID)
	var last *connectors.Result
	w := &connectors.Worker{Service: h.svc, OnPass: func(r *connectors.Result) { last = r }}
	step(t, w)
	if last == nil || last.GroupsFailed != 1 {
		t.Fatalf("the pass after the change: %+v, want the group failed", last)
	}
	shown, _ := h.svc.Get(ctx, h.org.ID, c.ID)
	if !strings.Contains(shown.LastError, "gone from the target") || shown.NextFull.After(time.Now().Add(time.Minute)) {
		t.Fatalf("health after the failure: error %q, next full pass %v", shown.LastError, shown.NextFull)
	}
	res, err := h.svc.Sync(ctx, h.org.ID, c.ID) // the pass the failure scheduled, now
	must(t, err)
	wantGroupOps(t, "the pass after the failure", res, "create Engineering +2 -0")
	tg.wantMembers(t, "made again", "Engineering", "ann@acme.test", "ben@acme.test")
}

// TestGroupCreateAnswerLost: a group create whose answer is lost (the
// target made it; the gateway answered 503) is not made twice.
func TestGroupCreateAnswerLost(t *testing.T) {
	tg := newTarget(t)
	px := newProxy(t, tg)
	h := newHub(t)
	ann := h.user(t, "ann@acme.test", "")
	eng := h.group(t, "Engineering", ann.ID)
	must(t, h.store.GrantAccess(ctx, &roster.Grant{OrgID: h.org.ID, Product: "jira", GroupID: eng.ID, Role: roster.RoleUser}))
	base := px.URL + strings.TrimPrefix(tg.base, tg.url)
	c, _, err := h.svc.Create(ctx, connectors.CreateRequest{OrgID: h.org.ID, Product: "jira", URL: base, Token: tg.token, Groups: true})
	must(t, err)
	_ = h.sync(t, c.ID)
	ops := h.group(t, "Operations", ann.ID)
	must(t, h.store.GrantAccess(ctx, &roster.Grant{OrgID: h.org.ID, Product: "jira", GroupID: ops.ID, Role: roster.RoleUser}))
	px.set(func(p *proxy) { p.loseCreate = 1 })
	res := h.sync(t, c.ID)
	if res.GroupsFailed != 0 {
		t.Fatalf("the sync: %q", groupOps(res))
	}
	status, obj := tg.call(t, http.MethodGet, "/Groups?filter="+url.QueryEscape(`displayName eq "Operations"`), nil)
	if status != http.StatusOK || obj["totalResults"] != 1.0 {
		t.Fatalf("the target holds %v groups named Operations, want 1", obj["totalResults"])
	}
	tg.wantMembers(t, "after the lost answer", "Operations", "ann@acme.test")
	again := h.sync(t, c.ID)
	wantGroupOps(t, "a sync after it", again)
}

// TestEnterpriseNotAdvertised: a target that advertises the enterprise
// extension neither in /Schemas nor in /ResourceTypes is not sent it.
func TestEnterpriseNotAdvertised(t *testing.T) {
	tg := newTarget(t)
	px := newProxy(t, tg)
	px.set(func(p *proxy) { p.hidden = []string{"/Schemas", "/ResourceTypes"} })
	h := newHub(t)
	const ent = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	ann := h.user(t, "ann@acme.test", `,"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","`+ent+`"],"`+ent+`":{"department":"Platform"}`)
	eng := h.group(t, "Engineering", ann.ID)
	must(t, h.store.GrantAccess(ctx, &roster.Grant{OrgID: h.org.ID, Product: "jira", GroupID: eng.ID, Role: roster.RoleUser}))
	base := px.URL + strings.TrimPrefix(tg.base, tg.url)
	c, _, err := h.svc.Create(ctx, connectors.CreateRequest{OrgID: h.org.ID, Product: "jira", URL: base, Token: tg.token, Force: true})
	must(t, err)
	res := h.sync(t, c.ID)
	wantOps(t, "the sync", res, "create ann@acme.test")
	if e := tg.users(t)["ann@acme.test"][ent]; e != nil {
		t.Errorf("a target that does not advertise the extension got %v", e)
	}
	again := h.sync(t, c.ID)
	wantOps(t, "a second sync", again)
}

// TestGroupsOfOneName: two granted groups of one name (one synced, one
// local) get a group each in the target, each with its own members, and
// stay so: neither links the other's.
func TestGroupsOfOneName(t *testing.T) {
	tg := newTarget(t)
	h := newHub(t)
	ann := h.user(t, "ann@acme.test", "")
	ben := h.user(t, "ben@acme.test", "")
	synced := h.group(t, "Engineering", ann.ID)
	local := &roster.Group{DisplayName: "Engineering", Attributes: []byte(`{"displayName":"Engineering"}`)}
	must(t, h.store.CreateLocalGroup(ctx, h.org.ID, local))
	must(t, h.store.AddLocalMembers(ctx, h.org.ID, local.ID, []string{ben.ID}))
	for _, g := range []string{synced.ID, local.ID} {
		must(t, h.store.GrantAccess(ctx, &roster.Grant{OrgID: h.org.ID, Product: "jira", GroupID: g, Role: roster.RoleUser}))
	}
	c, _, err := h.svc.Create(ctx, connectors.CreateRequest{OrgID: h.org.ID, Product: "jira", URL: tg.base, Token: tg.token, Groups: true})
	must(t, err)
	h.svc.Concurrency = 1 // one group after the other: the second finds the first's by name, and must pass it over
	for i := range 3 {
		res := h.sync(t, c.ID)
		if i == 0 {
			wantGroupOps(t, "the first sync", res, "create Engineering +1 -0", "create Engineering +1 -0")
		} else {
			wantGroupOps(t, fmt.Sprintf("sync %d", i+1), res)
		}
	}
	status, obj := tg.call(t, http.MethodGet, "/Groups?filter="+url.QueryEscape(`displayName eq "Engineering"`), nil)
	res, _ := obj["Resources"].([]any)
	if status != http.StatusOK || len(res) != 2 {
		t.Fatalf("the target's groups named Engineering: %d %v, want 2", status, obj)
	}
	byExt := map[string][]string{}
	for _, r := range res {
		g := r.(map[string]any)
		byExt[g["externalId"].(string)] = tg.memberNames(t, g)
	}
	if fmt.Sprint(byExt[synced.ID]) != "[ann@acme.test]" || fmt.Sprint(byExt[local.ID]) != "[ben@acme.test]" {
		t.Errorf("the two groups' members by externalId: %v", byExt)
	}
}
