package conformance

import (
	"slices"
	"testing"
	"time"

	"github.com/rosterhq/roster"
)

// members is a group item's members as "user=target" strings.
func memberList(ms []roster.ConnectorMember) []string {
	out := []string{}
	for _, m := range ms {
		out = append(out, m.UserID+"="+m.TargetID)
	}
	return out
}

// testConnectorGroups: the groups a connector with --groups considers are
// the product's granted groups and its linked ones, keyset-paged; each
// should hold the users with access through it (nested groups' members
// included, deactivated users not) that the connector pushed (an active
// link); the pushed members move by add and remove; deleting forgets the
// link and members; another organization reaches none of it.
func testConnectorGroups(t *testing.T, s roster.Store) {
	f := newFixture(t, s, "Acme")
	other := newFixture(t, s, "Other")
	must(t, s.CreateProduct(ctx, &roster.Product{OrgID: f.org.ID, Key: "jira", Name: "Jira"}))
	c := &roster.Connector{OrgID: f.org.ID, Product: "jira", Name: "Jira", BaseURL: "https://jira.test/scim/v2", Token: []byte("sealed"),
		OnRevoke: roster.RevokeDeactivate, Groups: true}
	must(t, s.CreateConnector(ctx, c))
	if got, _ := s.GetConnector(ctx, f.org.ID, c.ID); !got.Groups {
		t.Errorf("stored connector %+v lost Groups", got)
	}

	ann := createUser(t, s, f.tenant, "ann@acme.test")
	ben := createUser(t, s, f.tenant, "ben@acme.test")
	cat := createUser(t, s, f.tenant, "cat@acme.test")
	dan := createUser(t, s, f.tenant, "dan@acme.test")
	eve := createUser(t, s, f.tenant, "eve@acme.test")
	inner := createGroup(t, s, f.tenant, "Inner", ben.ID, eve.ID)
	outer := createGroup(t, s, f.tenant, "Outer", ann.ID, inner.ID, dan.ID, cat.ID)
	ops := createGroup(t, s, f.tenant, "Ops", cat.ID)
	createGroup(t, s, f.tenant, "Ungranted", ann.ID)
	must(t, s.GrantAccess(ctx, &roster.Grant{OrgID: f.org.ID, Product: "jira", GroupID: outer.ID, Role: roster.RoleUser}))
	must(t, s.GrantAccess(ctx, &roster.Grant{OrgID: f.org.ID, Product: "jira", GroupID: ops.ID, Role: roster.RoleAdmin}))
	_, err := s.UpdateUser(ctx, f.tenant, dan.ID, func(u *roster.User) error { *u = *user(t, `{"userName":"dan@acme.test","active":false}`); return nil })
	must(t, err)
	// Pushed: ann, ben, cat, dan (active links); eve's link is inactive.
	must(t, s.SetConnectorLinks(ctx, f.org.ID, c.ID, []roster.ConnectorLink{{UserID: ann.ID, TargetID: "t-ann", Active: true},
		{UserID: ben.ID, TargetID: "t-ben", Active: true}, {UserID: cat.ID, TargetID: "t-cat", Active: true}, {UserID: dan.ID, TargetID: "t-dan", Active: true},
		{UserID: eve.ID, TargetID: "t-eve", Active: false}}))
	// A linked group whose grant is gone.
	gone := roster.ConnectorGroupLink{GroupID: "no-longer-granted", TargetID: "tg-gone", DisplayName: "Gone"}
	must(t, s.SaveConnectorGroup(ctx, f.org.ID, c.ID, gone, []roster.ConnectorMember{{UserID: ann.ID, TargetID: "t-ann"}}, nil))

	var items []roster.ConnectorGroupItem
	after := ""
	for range 10 {
		page, err := s.ListConnectorGroups(ctx, f.org.ID, c.ID, after, 2)
		must(t, err)
		if len(page) == 0 {
			break
		}
		items = append(items, page...)
		after = page[len(page)-1].GroupID
	}
	if len(items) != 3 {
		t.Fatalf("group items %+v, want Outer, Ops and the one no longer granted", items)
	}
	byID := map[string]roster.ConnectorGroupItem{}
	for i, it := range items {
		if i > 0 && items[i-1].GroupID >= it.GroupID {
			t.Errorf("group items out of ID order: %q then %q", items[i-1].GroupID, it.GroupID)
		}
		byID[it.GroupID] = it
	}
	o := byID[outer.ID]
	wantOuter := []string{ann.ID + "=t-ann", ben.ID + "=t-ben", cat.ID + "=t-cat"} // target ID order; dan inactive, eve unlinked
	if !o.Granted || !o.Exists || o.DisplayName != "Outer" || o.Link != nil || !slices.Equal(memberList(o.Members), wantOuter) || len(o.Pushed) != 0 {
		t.Errorf("Outer's item %+v, members %q, want %q", o, memberList(o.Members), wantOuter)
	}
	if p := byID[ops.ID]; !p.Granted || !slices.Equal(memberList(p.Members), []string{cat.ID + "=t-cat"}) {
		t.Errorf("Ops's item %+v", p)
	}
	g := byID["no-longer-granted"]
	if g.Granted || g.Exists || g.Link == nil || g.Link.TargetID != "tg-gone" || g.Link.DisplayName != "Gone" || len(g.Members) != 0 ||
		!slices.Equal(memberList(g.Pushed), []string{ann.ID + "=t-ann"}) {
		t.Errorf("the ungranted linked group's item %+v", g)
	}

	// Pushed members move by add and remove; the link's name is replaced.
	link := roster.ConnectorGroupLink{GroupID: outer.ID, TargetID: "tg-outer", DisplayName: "Outer"}
	must(t, s.SaveConnectorGroup(ctx, f.org.ID, c.ID, link, []roster.ConnectorMember{{UserID: ann.ID, TargetID: "t-ann"}, {UserID: ben.ID, TargetID: "t-ben"},
		{UserID: eve.ID, TargetID: "t-eve"}}, nil))
	link.DisplayName = "Outer renamed"
	must(t, s.SaveConnectorGroup(ctx, f.org.ID, c.ID, link, []roster.ConnectorMember{{UserID: cat.ID, TargetID: "t-cat"}, {UserID: ann.ID, TargetID: "t-ann"}},
		[]string{"t-eve", "t-nobody"}))
	page, err := s.ListConnectorGroups(ctx, f.org.ID, c.ID, "", 10)
	must(t, err)
	for _, it := range page {
		if it.GroupID != outer.ID {
			continue
		}
		if it.Link == nil || it.Link.TargetID != "tg-outer" || it.Link.DisplayName != "Outer renamed" || !slices.Equal(memberList(it.Pushed), wantOuter) {
			t.Errorf("Outer after saving: link %+v, pushed %q, want %q", it.Link, memberList(it.Pushed), wantOuter)
		}
	}

	// Another organization reaches none of it.
	if _, err := s.ListConnectorGroups(ctx, other.org.ID, c.ID, "", 10); roster.ErrorCodeOf(err) != roster.ENotFound {
		t.Errorf("another organization's ListConnectorGroups: %v", err)
	}
	wantCode(t, s.SaveConnectorGroup(ctx, other.org.ID, c.ID, link, nil, nil), roster.ENotFound)
	must(t, s.DeleteConnectorGroups(ctx, other.org.ID, c.ID, []string{outer.ID}))
	if page, _ := s.ListConnectorGroups(ctx, f.org.ID, c.ID, "", 10); len(page) != 3 {
		t.Errorf("another organization's DeleteConnectorGroups took effect: %d items", len(page))
	}

	// Forgotten: the ungranted group is no item any more; Outer, still
	// granted, is, without link or pushed members.
	must(t, s.DeleteConnectorGroups(ctx, f.org.ID, c.ID, []string{"no-longer-granted", outer.ID}))
	must(t, s.DeleteConnectorGroups(ctx, f.org.ID, c.ID, []string{"no-longer-granted"})) // again: no error
	page, err = s.ListConnectorGroups(ctx, f.org.ID, c.ID, "", 10)
	must(t, err)
	if len(page) != 2 {
		t.Fatalf("after forgetting: %+v", page)
	}
	for _, it := range page {
		if it.GroupID == outer.ID && (it.Link != nil || len(it.Pushed) != 0) {
			t.Errorf("Outer after forgetting: %+v", it)
		}
	}

	// Deleting the connector takes its groups along.
	must(t, s.SaveConnectorGroup(ctx, f.org.ID, c.ID, link, []roster.ConnectorMember{{UserID: ann.ID, TargetID: "t-ann"}}, nil))
	must(t, s.DeleteConnector(ctx, f.org.ID, c.ID))
	c2 := &roster.Connector{OrgID: f.org.ID, Product: "jira", Name: "Jira", Token: []byte("x"), OnRevoke: roster.RevokeDeactivate, Groups: true}
	must(t, s.CreateConnector(ctx, c2))
	page, err = s.ListConnectorGroups(ctx, f.org.ID, c2.ID, "", 10)
	must(t, err)
	for _, it := range page {
		if it.Link != nil || len(it.Pushed) != 0 {
			t.Errorf("a new connector inherits %+v", it)
		}
	}
}

// testConnectorDeliveryRetention: lines older than the cutoff go, in
// batches of the limit, every connector's; newer ones stay; a delivery
// about a group keeps its group.
func testConnectorDeliveryRetention(t *testing.T, s roster.Store) {
	f := newFixture(t, s, "Acme")
	must(t, s.CreateProduct(ctx, &roster.Product{OrgID: f.org.ID, Key: "jira", Name: "Jira"}))
	c := &roster.Connector{OrgID: f.org.ID, Product: "jira", Name: "Jira", Token: []byte("x"), OnRevoke: roster.RevokeDeactivate}
	must(t, s.CreateConnector(ctx, c))
	now := time.Now().UTC()
	var ds []roster.ConnectorDelivery
	for i := range 5 {
		ds = append(ds, roster.ConnectorDelivery{ConnectorID: c.ID, UserID: "old", Op: "create", Method: "POST", Path: "/Users", Status: 201,
			At: now.Add(-40*24*time.Hour + time.Duration(i)*time.Minute)})
	}
	ds = append(ds, roster.ConnectorDelivery{ConnectorID: c.ID, GroupID: "g1", Op: "add-member", Method: "PATCH", Path: "/Groups/x", Status: 200, At: now.Add(-time.Hour)})
	must(t, s.AddConnectorDeliveries(ctx, f.org.ID, ds))
	cutoff := now.Add(-30 * 24 * time.Hour)
	n, err := s.DeleteConnectorDeliveries(ctx, cutoff, 3)
	must(t, err)
	if n != 3 {
		t.Errorf("the first batch deleted %d lines, want 3 (the limit)", n)
	}
	n, err = s.DeleteConnectorDeliveries(ctx, cutoff, 3)
	must(t, err)
	if n != 2 {
		t.Errorf("the second batch deleted %d lines, want the 2 old ones left", n)
	}
	if n, _ := s.DeleteConnectorDeliveries(ctx, cutoff, 3); n != 0 {
		t.Errorf("a third batch deleted %d lines", n)
	}
	log, err := s.ListConnectorDeliveries(ctx, f.org.ID, c.ID, false, 10)
	must(t, err)
	if len(log) != 1 || log[0].GroupID != "g1" || log[0].UserID != "" || log[0].Op != "add-member" {
		t.Errorf("log after the purge %+v, want the recent group delivery", log)
	}
}
