package conformance

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/rosterhq/roster"
)

// accessEvent is an access.granted or access.revoked event, read back.
type accessEvent struct {
	Action string
	Detail struct {
		User struct {
			ID, UserName, DisplayName, Email, ExternalID, DirectoryID string
			Managed                                                   bool
		}
		Product            struct{ Key, Name string }
		Role, PreviousRole *string
		Via                []struct{ ID, DisplayName string }
		Cause              string
	}
}

// String is the event in one line: "granted ann jira admin<-user grant via Eng".
func (e accessEvent) String() string {
	role, prev := "-", "-"
	if e.Detail.Role != nil {
		role = *e.Detail.Role
	}
	if e.Detail.PreviousRole != nil {
		prev = *e.Detail.PreviousRole
	}
	var via []string
	for _, v := range e.Detail.Via {
		via = append(via, v.DisplayName)
	}
	name, _, _ := strings.Cut(e.Detail.User.UserName, "@")
	return fmt.Sprintf("%s %s %s %s<-%s %s via[%s]", strings.TrimPrefix(e.Action, "access."), name, e.Detail.Product.Key,
		role, prev, e.Detail.Cause, strings.Join(via, ","))
}

// accessWatch reads the access events an organization gains, step by step.
type accessWatch struct {
	s     roster.Store
	orgID string
	seq   int64
}

// next returns the access events since the last call, as strings, in
// order; every one is checked for the payload's fixed parts.
func (w *accessWatch) next(t *testing.T) []string {
	t.Helper()
	events, err := w.s.ListEvents(ctx, w.orgID, w.seq, 100000)
	must(t, err)
	out := []string{}
	for _, e := range events {
		w.seq = e.Seq
		if e.Action != roster.EventAccessGranted && e.Action != roster.EventAccessRevoked {
			continue
		}
		a := accessEvent{Action: e.Action}
		if err := json.Unmarshal([]byte(e.Detail), &a.Detail); err != nil {
			t.Fatalf("access event detail %s: %v", e.Detail, err)
		}
		if e.ResourceType != "User" || e.ResourceID != a.Detail.User.ID || a.Detail.User.ID == "" || a.Detail.Product.Name == "" {
			t.Errorf("access event %+v: want resource User %s and a product name", e, a.Detail.User.ID)
		}
		if (e.Action == roster.EventAccessRevoked) != (a.Detail.Role == nil) || e.Action == roster.EventAccessRevoked && len(a.Detail.Via) != 0 {
			t.Errorf("access event %s: role %v, via %v", e.Detail, a.Detail.Role, a.Detail.Via)
		}
		out = append(out, a.String())
	}
	slices.Sort(out)
	return out
}

// expect fails unless the events since the last call are want (in any order).
func (w *accessWatch) expect(t *testing.T, what string, want ...string) {
	t.Helper()
	got := w.next(t)
	slices.Sort(want)
	if want == nil {
		want = []string{}
	}
	if !slices.Equal(got, want) {
		t.Errorf("%s: access events\n got %q\nwant %q", what, got, want)
	}
}

// checkAccessState fails unless ListAccessState, read in small pages,
// says for every one of users and products what CheckAccess says.
func checkAccessState(t *testing.T, s roster.Store, orgID string, products []string, users ...*roster.User) {
	t.Helper()
	state := map[roster.AccessKey]string{}
	var after roster.AccessKey
	for {
		page, err := s.ListAccessState(ctx, orgID, after, 3)
		must(t, err)
		for _, a := range page {
			if _, dup := state[a.Key()]; dup || a.OrgID != orgID {
				t.Fatalf("ListAccessState repeated or misattributed %+v", a)
			}
			state[a.Key()] = a.Role
		}
		if len(page) < 3 {
			break
		}
		after = page[len(page)-1].Key()
	}
	n := 0
	for _, p := range products {
		for _, u := range users {
			d, err := s.CheckAccess(ctx, roster.ProductScope{OrgID: orgID, Product: p}, u.ID)
			must(t, err)
			role, ok := state[roster.AccessKey{Product: p, UserID: u.ID}]
			if ok {
				n++
			}
			if d.Allowed != ok || d.Role != role {
				t.Errorf("%s on %s: CheckAccess says allowed=%v role %q, access_state %v %q", u.UserName, p, d.Allowed, d.Role, ok, role)
			}
		}
	}
	if n != len(state) {
		t.Errorf("access_state has %d rows, %d of them for the users checked", len(state), n)
	}
}

// testAccessEvents: every cause of a change of effective access produces
// exactly one event per user and product that changed, and access_state
// stays what CheckAccess says.
func testAccessEvents(t *testing.T, s roster.Store) {
	f := newFixture(t, s, "Acme")
	other := newFixture(t, s, "Other")
	okta := roster.DirectoryScope{OrgID: f.org.ID, DirectoryID: f.addDirectory(t, s, "Okta").ID}
	for _, p := range []roster.Product{{OrgID: f.org.ID, Key: "jira", Name: "Jira"}, {OrgID: f.org.ID, Key: "wiki", Name: "Wiki"}, {OrgID: other.org.ID, Key: "jira", Name: "Theirs"}} {
		must(t, s.CreateProduct(ctx, &p))
	}
	products := []string{"jira", "wiki"}
	w := &accessWatch{s: s, orgID: f.org.ID}
	ann := createUser(t, s, f.tenant, "ann@acme.test", `,"displayName":"Ann","externalId":"e-ann","emails":[{"value":"ann@acme.test","primary":true}]`)
	ben := createUser(t, s, f.tenant, "ben@acme.test")
	dan := createUser(t, s, f.tenant, "dan@acme.test")
	cat := createUser(t, s, okta, "cat@partner.test")
	eng := createGroup(t, s, f.tenant, "Eng", ann.ID, ben.ID)
	platform := createGroup(t, s, f.tenant, "Platform", dan.ID)
	all := []*roster.User{ann, ben, dan, cat}
	w.expect(t, "users and groups without grants")
	patch := func(g *roster.Group, kind roster.MemberOpKind, ids ...string) error {
		_, err := s.UpdateGroup(ctx, f.tenant, g.ID, func(*roster.Group) ([]roster.MemberOp, error) {
			return []roster.MemberOp{{Kind: kind, IDs: ids}}, nil
		})
		return err
	}

	must(t, s.GrantAccess(ctx, &roster.Grant{OrgID: f.org.ID, Product: "jira", GroupID: eng.ID, Role: roster.RoleUser}))
	w.expect(t, "grant", "granted ann jira user<-- grant via[Eng]", "granted ben jira user<-- grant via[Eng]")
	lastEvent(t, s, f.org.ID, "product.granted")
	events, _ := s.ListEvents(ctx, f.org.ID, 0, 1000)
	for _, e := range events {
		if e.Action == roster.EventAccessGranted && e.ResourceID == ann.ID {
			var a accessEvent
			must(t, json.Unmarshal([]byte(e.Detail), &a.Detail))
			u := a.Detail.User
			if u.UserName != ann.UserName || u.DisplayName != "Ann" || u.Email != "ann@acme.test" || u.ExternalID != "e-ann" || u.DirectoryID != f.dir.ID || u.Managed ||
				e.DirectoryID != f.dir.ID || len(a.Detail.Via) != 1 || a.Detail.Via[0].ID != eng.ID {
				t.Errorf("granted event of ann: %s (directory %q)", e.Detail, e.DirectoryID)
			}
		}
	}
	checkAccessState(t, s, f.org.ID, products, all...)

	must(t, s.GrantAccess(ctx, &roster.Grant{OrgID: f.org.ID, Product: "jira", GroupID: eng.ID, Role: roster.RoleAdmin}))
	w.expect(t, "role change", "granted ann jira admin<-user grant via[Eng]", "granted ben jira admin<-user grant via[Eng]")

	must(t, patch(eng, roster.AddMembers, platform.ID))
	w.expect(t, "nested group added", "granted dan jira admin<-- nesting via[Eng]")
	checkAccessState(t, s, f.org.ID, products, all...)

	local := group(t, "Jira users")
	must(t, s.CreateLocalGroup(ctx, f.org.ID, local))
	must(t, s.AddLocalMembers(ctx, f.org.ID, local.ID, []string{ann.ID, ben.ID}))
	w.expect(t, "members added to a local group without grants")
	must(t, s.GrantAccess(ctx, &roster.Grant{OrgID: f.org.ID, Product: "jira", GroupID: local.ID, Role: roster.RoleUser}))
	must(t, s.GrantAccess(ctx, &roster.Grant{OrgID: f.org.ID, Product: "wiki", GroupID: local.ID, Role: roster.RoleUser}))
	w.expect(t, "grants to a local group", "granted ann wiki user<-- grant via[Jira users]", "granted ben wiki user<-- grant via[Jira users]")
	must(t, s.AddLocalMembers(ctx, f.org.ID, local.ID, []string{cat.ID}))
	w.expect(t, "local membership", "granted cat jira user<-- membership via[Jira users]", "granted cat wiki user<-- membership via[Jira users]")
	checkAccessState(t, s, f.org.ID, products, all...)

	must(t, patch(eng, roster.RemoveMembers, ann.ID))
	w.expect(t, "removed from the admin group, still in the user group", "granted ann jira user<-admin membership via[Jira users]")
	must(t, s.RemoveLocalMembers(ctx, f.org.ID, local.ID, []string{ann.ID}))
	w.expect(t, "removed from the last granting group", "revoked ann jira -<-user membership via[]", "revoked ann wiki -<-user membership via[]")
	must(t, patch(eng, roster.AddMembers, ann.ID))
	w.expect(t, "synced membership", "granted ann jira admin<-- membership via[Eng]")
	must(t, s.RemoveLocalMembers(ctx, f.org.ID, local.ID, []string{ben.ID}))
	w.expect(t, "ben leaves one of two groups granting jira", "revoked ben wiki -<-user membership via[]")
	checkAccessState(t, s, f.org.ID, products, all...)

	// A failed change leaves nothing behind.
	_, err := s.UpdateGroup(ctx, f.tenant, eng.ID, func(*roster.Group) ([]roster.MemberOp, error) {
		return []roster.MemberOp{{Kind: roster.RemoveMembers, IDs: []string{ann.ID}}, {Kind: roster.AddMembers, IDs: []string{"nobody"}}}, nil
	})
	if err == nil {
		t.Fatal("adding an unknown member succeeded")
	}
	w.expect(t, "rolled back")
	checkAccessState(t, s, f.org.ID, products, all...)

	setActive := func(u *roster.User, active bool) {
		_, err := s.UpdateUser(ctx, f.tenant, u.ID, func(u *roster.User) error {
			var doc map[string]any
			must(t, json.Unmarshal(u.Attributes, &doc))
			doc["active"] = active
			u.Attributes, _ = json.Marshal(doc)
			u.Active = active
			return nil
		})
		must(t, err)
	}
	setActive(dan, false)
	w.expect(t, "deactivation", "revoked dan jira -<-admin deactivation via[]")
	checkAccessState(t, s, f.org.ID, products, all...)
	setActive(dan, true)
	w.expect(t, "reactivation", "granted dan jira admin<-- reactivation via[Eng]")

	must(t, s.DeleteUser(ctx, f.tenant, ben.ID, 0))
	w.expect(t, "deletion", "revoked ben jira -<-admin deletion via[]")
	checkAccessState(t, s, f.org.ID, products, all...)
	_, err = s.RestoreDeletedResource(ctx, f.tenant, ben.ID)
	must(t, err)
	w.expect(t, "restore", "granted ben jira admin<-- restore via[Eng]")

	must(t, s.DeleteGroup(ctx, f.tenant, platform.ID, 0))
	w.expect(t, "group deletion", "revoked dan jira -<-admin group_deletion via[]")
	checkAccessState(t, s, f.org.ID, products, all...)
	_, err = s.RestoreDeletedResource(ctx, f.tenant, platform.ID)
	must(t, err)
	w.expect(t, "group restore", "granted dan jira admin<-- group_restore via[Eng]")
	must(t, patch(eng, roster.RemoveMembers, platform.ID))
	w.expect(t, "nested group removed", "revoked dan jira -<-admin nesting via[]")

	must(t, s.RevokeAccess(ctx, roster.ProductScope{OrgID: f.org.ID, Product: "jira"}, eng.ID))
	w.expect(t, "grant revoked", "revoked ann jira -<-admin grant via[]", "revoked ben jira -<-admin grant via[]")
	lastEvent(t, s, f.org.ID, "product.revoked")
	checkAccessState(t, s, f.org.ID, products, all...)

	// The identity provider pushes a group named like the local one; the
	// link hands it the local group's grants: its members gain, the local
	// group's members who are not in it lose.
	eve := createUser(t, s, okta, "eve@partner.test")
	all = append(all, eve)
	synced := createGroup(t, s, okta, "Jira users", eve.ID)
	w.expect(t, "a conflicting group without grants")
	must(t, s.LinkGroup(ctx, f.org.ID, synced.ID))
	w.expect(t, "link", "granted eve jira user<-- link via[Jira users]", "granted eve wiki user<-- link via[Jira users]",
		"revoked cat jira -<-user link via[]", "revoked cat wiki -<-user link via[]")
	checkAccessState(t, s, f.org.ID, products, all...)

	// Unlinking makes a user local; its access stays as it is.
	must(t, s.UnlinkUser(ctx, f.org.ID, eve.ID))
	w.expect(t, "unlink")
	checkAccessState(t, s, f.org.ID, products, all...)
	fred := createUser(t, s, okta, "fred@partner.test")
	all = append(all, fred)
	must(t, s.GrantAccess(ctx, &roster.Grant{OrgID: f.org.ID, Product: "wiki", GroupID: createGroup(t, s, okta, "Partners", fred.ID).ID, Role: roster.RoleAdmin}))
	w.expect(t, "grant in the second directory", "granted fred wiki admin<-- grant via[Partners]")

	// Deleting the directory: its users lose everything; the local user
	// eve loses what its synced group gave.
	if _, _, err := s.DeleteDirectory(ctx, f.org.ID, okta.DirectoryID); err != nil {
		t.Fatal(err)
	}
	w.expect(t, "directory deletion", "revoked fred wiki -<-admin directory_deletion via[]",
		"revoked eve jira -<-user directory_deletion via[]", "revoked eve wiki -<-user directory_deletion via[]")
	checkAccessState(t, s, f.org.ID, products, all...)

	if st, err := s.ListAccessState(ctx, other.org.ID, roster.AccessKey{}, 100); err != nil || len(st) != 0 {
		t.Errorf("another organization's access state: %+v %v", st, err)
	}
}

// testAccessOnTwoNodes: one node changes memberships (users in and out of
// a granted group and a group nested in it, deactivations) while the
// other grants, changes and revokes access and nests and un-nests the
// group. Whatever the interleaving, access_state ends equal to what
// CheckAccess computes, and no write fails with an internal error.
func testAccessOnTwoNodes(t *testing.T, a, b roster.Store) {
	f := newFixture(t, a, "Acme")
	must(t, a.CreateProduct(ctx, &roster.Product{OrgID: f.org.ID, Key: "jira", Name: "Jira"}))
	var users []*roster.User
	var ids []string
	const workers, rounds = 4, 60 // every user's membership changes once: a later change cannot mend a wrong row
	for i := range 8 + workers*rounds {
		u := createUser(t, a, f.tenant, fmt.Sprintf("u%d@acme.test", i))
		users, ids = append(users, u), append(ids, u.ID)
	}
	top := createGroup(t, a, f.tenant, "Top", ids[:4]...)
	inner := createGroup(t, a, f.tenant, "Inner", ids[4:8]...)
	must(t, a.GrantAccess(ctx, &roster.Grant{OrgID: f.org.ID, Product: "jira", GroupID: top.ID, Role: roster.RoleUser}))
	patch := func(s roster.Store, g *roster.Group, kind roster.MemberOpKind, ids ...string) error {
		_, err := s.UpdateGroup(ctx, f.tenant, g.ID, func(*roster.Group) ([]roster.MemberOp, error) {
			return []roster.MemberOp{{Kind: kind, IDs: ids}}, nil
		})
		return err
	}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() { // memberships, on node a
			for i := range rounds {
				u := users[8+w*rounds+i]
				g := inner
				if i%4 == 1 {
					g = top
				}
				cleanError(t, "add member", patch(a, g, roster.AddMembers, u.ID))
				if i%3 == 0 {
					_, err := a.UpdateUser(ctx, f.tenant, u.ID, func(u *roster.User) error {
						u.Active = !u.Active
						u.Attributes = []byte(fmt.Sprintf(`{"userName":%q,"active":%t}`, u.UserName, u.Active))
						return nil
					})
					cleanError(t, "toggle active", err)
				}
				if i%4 == 3 {
					cleanError(t, "remove member", patch(a, g, roster.RemoveMembers, u.ID))
				}
			}
		})
	}
	wg.Go(func() { // structure, on node b
		for i := range 2 * rounds {
			switch i % 4 {
			case 0, 2:
				role := roster.RoleUser
				if i%4 == 2 {
					role = roster.RoleAdmin
				}
				cleanError(t, "grant", b.GrantAccess(ctx, &roster.Grant{OrgID: f.org.ID, Product: "jira", GroupID: inner.ID, Role: role}))
			case 1:
				cleanError(t, "revoke", b.RevokeAccess(ctx, roster.ProductScope{OrgID: f.org.ID, Product: "jira"}, inner.ID), roster.ENotFound)
			case 3:
				kind := roster.AddMembers
				if i%8 == 7 {
					kind = roster.RemoveMembers
				}
				cleanError(t, "nest", patch(b, top, kind, inner.ID))
			}
		}
	})
	wg.Wait()
	checkAccessState(t, a, f.org.ID, []string{"jira"}, users...)
}
