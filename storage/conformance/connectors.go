package conformance

import (
	"sync"
	"testing"
	"time"

	"github.com/rosterhq/roster"
)

// testConnectors: connectors are the organization's own; the items of a
// pass are the users with access and the linked users, keyset-paged; a
// connector is leased to one owner at a time and due again after events
// of its organization; the delivery log is scoped and newest first.
func testConnectors(t *testing.T, s roster.Store) {
	f := newFixture(t, s, "Acme")
	other := newFixture(t, s, "Other")
	must(t, s.CreateProduct(ctx, &roster.Product{OrgID: f.org.ID, Key: "jira", Name: "Jira"}))

	wantCode(t, s.CreateConnector(ctx, &roster.Connector{OrgID: f.org.ID, Product: "wiki", Name: "x"}), roster.ENotFound)
	c := &roster.Connector{OrgID: f.org.ID, Product: "jira", Name: "Jira Cloud", BaseURL: "https://jira.test/scim/v2", Token: []byte("sealed"),
		OnRevoke: roster.RevokeDeactivate, CheckGaps: []string{"okta: Get the user by id"}}
	must(t, s.CreateConnector(ctx, c))
	wantCode(t, s.CreateConnector(ctx, &roster.Connector{OrgID: f.org.ID, Product: "jira", Name: "Jira Cloud", OnRevoke: roster.RevokeDelete}), roster.EConflict)
	got, err := s.GetConnector(ctx, f.org.ID, c.ID)
	must(t, err)
	if got.Name != "Jira Cloud" || string(got.Token) != "sealed" || !got.SyncRequested || len(got.CheckGaps) != 1 || got.OnRevoke != roster.RevokeDeactivate {
		t.Errorf("stored connector %+v", got)
	}
	if _, err := s.GetConnector(ctx, other.org.ID, c.ID); roster.ErrorCodeOf(err) != roster.ENotFound {
		t.Errorf("another organization's GetConnector: %v", err)
	}
	if list, _ := s.ListConnectors(ctx, other.org.ID); len(list) != 0 {
		t.Errorf("another organization lists %d connectors", len(list))
	}
	wantCode(t, s.DeleteConnector(ctx, other.org.ID, c.ID), roster.ENotFound)
	if _, err := s.UpdateConnector(ctx, other.org.ID, c.ID, func(*roster.Connector) error { return nil }); roster.ErrorCodeOf(err) != roster.ENotFound {
		t.Errorf("another organization's UpdateConnector: %v", err)
	}
	wantCode(t, s.SetConnectorLinks(ctx, other.org.ID, c.ID, []roster.ConnectorLink{{UserID: "u", TargetID: "t"}}), roster.ENotFound)

	// Items: ann and ben have access (ben through a nested group), cat has
	// none, dan is deactivated; a link for cat makes cat an item too.
	ann := createUser(t, s, f.tenant, "ann@acme.test")
	ben := createUser(t, s, f.tenant, "ben@acme.test")
	cat := createUser(t, s, f.tenant, "cat@acme.test")
	dan := createUser(t, s, f.tenant, "dan@acme.test")
	inner := createGroup(t, s, f.tenant, "Inner", ben.ID)
	outer := createGroup(t, s, f.tenant, "Outer", ann.ID, inner.ID, dan.ID)
	must(t, s.GrantAccess(ctx, &roster.Grant{OrgID: f.org.ID, Product: "jira", GroupID: outer.ID, Role: roster.RoleUser}))
	_, err = s.UpdateUser(ctx, f.tenant, dan.ID, func(u *roster.User) error { *u = *user(t, `{"userName":"dan@acme.test","active":false}`); return nil })
	must(t, err)
	must(t, s.SetConnectorLinks(ctx, f.org.ID, c.ID, []roster.ConnectorLink{{UserID: cat.ID, TargetID: "t-cat", Hash: "h1", Active: true},
		{UserID: ann.ID, TargetID: "t-ann", Hash: "h2", Active: true}}))
	must(t, s.SetConnectorLinks(ctx, f.org.ID, c.ID, []roster.ConnectorLink{{UserID: ann.ID, TargetID: "t-ann", Hash: "h3", Active: false}}))

	var items []roster.ConnectorItem
	after := ""
	for range 10 {
		page, err := s.ListConnectorItems(ctx, f.org.ID, c.ID, after, 2)
		must(t, err)
		if len(page) == 0 {
			break
		}
		if len(page) > 2 {
			t.Fatalf("a page of 2 has %d items", len(page))
		}
		items = append(items, page...)
		after = page[len(page)-1].UserID
	}
	want := map[string]struct {
		access bool
		link   string
	}{ann.ID: {true, "t-ann"}, ben.ID: {true, ""}, cat.ID: {false, "t-cat"}}
	if len(items) != len(want) {
		t.Fatalf("items %+v, want ann, ben and cat (dan is deactivated and unlinked)", items)
	}
	for i, it := range items {
		w := want[it.UserID]
		link := ""
		if it.Link != nil {
			link = it.Link.TargetID
		}
		if it.Access != w.access || link != w.link || it.User == nil || it.User.ID != it.UserID {
			t.Errorf("item %s = access %v link %q user %v, want %+v", it.UserID, it.Access, link, it.User, w)
		}
		if i > 0 && items[i-1].UserID >= it.UserID {
			t.Errorf("items out of order: %s then %s", items[i-1].UserID, it.UserID)
		}
		if it.UserID == ann.ID && (it.Link.Hash != "h3" || it.Link.Active) {
			t.Errorf("ann's link %+v: the second SetConnectorLinks did not replace the first", it.Link)
		}
	}
	// The items of named users: those with access or a link, in ID order;
	// a user with neither (dan, deactivated) and an unknown ID are none.
	of, err := s.ListConnectorItemsOf(ctx, f.org.ID, c.ID, []string{dan.ID, cat.ID, "no-such-user", ann.ID})
	must(t, err)
	if len(of) != 2 || of[0].UserID != min(ann.ID, cat.ID) || of[1].UserID != max(ann.ID, cat.ID) || of[0].User == nil || of[1].User == nil {
		t.Errorf("ListConnectorItemsOf(dan, cat, unknown, ann) = %+v, want ann and cat", of)
	}
	for _, it := range of {
		if w := want[it.UserID]; it.Access != w.access || it.Link == nil || it.Link.TargetID != w.link {
			t.Errorf("item of %s: access %v link %+v, want %+v", it.UserID, it.Access, it.Link, w)
		}
	}
	if of, err := s.ListConnectorItemsOf(ctx, f.org.ID, c.ID, nil); err != nil || len(of) != 0 {
		t.Errorf("ListConnectorItemsOf(none) = %+v, %v", of, err)
	}
	if _, err := s.ListConnectorItemsOf(ctx, other.org.ID, c.ID, []string{ann.ID}); roster.ErrorCodeOf(err) != roster.ENotFound {
		t.Errorf("another organization's ListConnectorItemsOf: %v", err)
	}
	// A deleted linked user is an item without a user.
	must(t, s.DeleteUser(ctx, f.tenant, cat.ID, 0))
	page, err := s.ListConnectorItems(ctx, f.org.ID, c.ID, "", 10)
	must(t, err)
	found := false
	for _, it := range page {
		if it.UserID == cat.ID {
			found = it.User == nil && !it.Access && it.Link != nil
		}
	}
	if !found {
		t.Errorf("deleted, linked cat is not an item without user in %+v", page)
	}
	must(t, s.DeleteConnectorLinks(ctx, f.org.ID, c.ID, []string{cat.ID}))
	must(t, s.DeleteConnectorLinks(ctx, f.org.ID, c.ID, []string{cat.ID})) // again: no error
	if page, _ := s.ListConnectorItems(ctx, f.org.ID, c.ID, "", 10); len(page) != 2 {
		t.Errorf("after unlinking cat: %d items, want 2", len(page))
	}
	if _, err := s.ListConnectorItems(ctx, other.org.ID, c.ID, "", 10); roster.ErrorCodeOf(err) != roster.ENotFound {
		t.Errorf("another organization's ListConnectorItems: %v", err)
	}

	// Leases: one owner at a time; a finished run with the org's head as
	// cursor is not due until the next event.
	now := time.Now()
	claimed, head, err := s.ClaimConnector(ctx, "a", now, now.Add(time.Minute))
	must(t, err)
	if claimed == nil || claimed.ID != c.ID || head == 0 {
		t.Fatalf("ClaimConnector = %v, %d: want the connector (a sync is requested) and the head", claimed, head)
	}
	if again, _, _ := s.ClaimConnector(ctx, "b", now, now.Add(time.Minute)); again != nil {
		t.Error("another owner claimed a leased connector")
	}
	if _, _, ok, _ := s.ClaimConnectorByID(ctx, "b", f.org.ID, c.ID, now, now.Add(time.Minute)); ok {
		t.Error("another owner claimed a leased connector by ID")
	}
	if ok, _ := s.ExtendConnectorLease(ctx, "b", c.ID, now.Add(2*time.Minute)); ok {
		t.Error("another owner extended the lease")
	}
	if ok, _ := s.FinishConnectorRun(ctx, "b", c.ID, roster.ConnectorRun{Cursor: head, Full: true, At: now}); ok {
		t.Error("another owner finished the run")
	}
	ok, err := s.ExtendConnectorLease(ctx, "a", c.ID, now.Add(2*time.Minute))
	must(t, err)
	if !ok {
		t.Error("the owner could not extend its lease")
	}
	next := now.Add(time.Hour).UTC().Truncate(time.Microsecond)
	ok, err = s.FinishConnectorRun(ctx, "a", c.ID, roster.ConnectorRun{Cursor: head, Full: true, NextFull: next, InSync: 2, OutOfSync: 1, Error: "boom", At: now})
	must(t, err)
	if !ok {
		t.Fatal("the owner could not finish its run")
	}
	got, _ = s.GetConnector(ctx, f.org.ID, c.ID)
	if got.SyncRequested || got.Cursor != head || got.InSync != 2 || got.OutOfSync != 1 || got.LastError != "boom" || got.Failures != 1 ||
		!got.NextFull.Equal(next) || !got.LastSuccess.IsZero() {
		t.Errorf("after the run: %+v", got)
	}
	if due, _, _ := s.ClaimConnector(ctx, "b", now, now.Add(time.Minute)); due != nil {
		t.Error("a connector without news is due")
	}
	// An event of another organization changes nothing; one of its own
	// makes it due.
	createUser(t, s, other.tenant, "x@other.test")
	if due, _, _ := s.ClaimConnector(ctx, "b", now, now.Add(time.Minute)); due != nil {
		t.Error("another organization's event made the connector due")
	}
	createUser(t, s, f.tenant, "eve@acme.test")
	due, head2, err := s.ClaimConnector(ctx, "b", now, now.Add(time.Minute))
	must(t, err)
	if due == nil || head2 <= head {
		t.Fatalf("after an event: claimed %v head %d, want the connector and a head after %d", due, head2, head)
	}
	if ok, err := s.FinishConnectorRun(ctx, "b", c.ID, roster.ConnectorRun{Cursor: head2, At: now}); err != nil || !ok {
		t.Fatalf("FinishConnectorRun = %v, %v", ok, err)
	}
	// A partial run's counts are added to those there (the run before
	// left 0 and 0).
	for _, r := range []struct{ in, out, wantIn, wantOut int }{{3, 2, 3, 2}, {-1, 1, 2, 3}} {
		if c2, _, ok, err := s.ClaimConnectorByID(ctx, "b", f.org.ID, c.ID, now, now.Add(time.Minute)); err != nil || !ok || c2 == nil {
			t.Fatalf("ClaimConnectorByID = %v, %v, %v", c2, ok, err)
		}
		if ok, err := s.FinishConnectorRun(ctx, "b", c.ID, roster.ConnectorRun{Cursor: head2, Partial: true, InSync: r.in, OutOfSync: r.out, At: now}); err != nil || !ok {
			t.Fatalf("FinishConnectorRun(partial) = %v, %v", ok, err)
		}
		got, _ = s.GetConnector(ctx, f.org.ID, c.ID)
		if got.InSync != r.wantIn || got.OutOfSync != r.wantOut {
			t.Errorf("after a partial run of %+d in sync and %+d out: in sync %d, out of sync %d; want %d and %d", r.in, r.out, got.InSync, got.OutOfSync, r.wantIn, r.wantOut)
		}
	}
	// Paused: never due, even with a sync requested.
	_, err = s.UpdateConnector(ctx, f.org.ID, c.ID, func(c *roster.Connector) error { c.Paused, c.SyncRequested = true, true; return nil })
	must(t, err)
	if due, _, _ := s.ClaimConnector(ctx, "a", now, now.Add(time.Minute)); due != nil {
		t.Error("a paused connector was claimed")
	}
	// An expired lease is another node's to take.
	_, err = s.UpdateConnector(ctx, f.org.ID, c.ID, func(c *roster.Connector) error { c.Paused = false; return nil })
	must(t, err)
	if due, _, _ := s.ClaimConnector(ctx, "a", now, now.Add(time.Second)); due == nil {
		t.Fatal("a requested sync was not claimed")
	}
	later := now.Add(2 * time.Second)
	if due, _, _ := s.ClaimConnector(ctx, "b", later, later.Add(time.Minute)); due == nil {
		t.Error("an expired lease was not taken over")
	}
	if ok, _ := s.FinishConnectorRun(ctx, "a", c.ID, roster.ConnectorRun{At: now}); ok {
		t.Error("the owner of an expired, taken-over lease finished the run")
	}

	// Delivery log: scoped, newest first, failures only on request.
	must(t, s.AddConnectorDeliveries(ctx, f.org.ID, []roster.ConnectorDelivery{
		{ConnectorID: c.ID, UserID: ann.ID, Op: "create", Method: "POST", Path: "/Users", Status: 201, Latency: 3 * time.Millisecond},
		{ConnectorID: c.ID, UserID: ben.ID, Op: "create", Method: "POST", Path: "/Users", Status: 503, Error: "the target answered 503"},
	}))
	log, err := s.ListConnectorDeliveries(ctx, f.org.ID, c.ID, false, 10)
	must(t, err)
	if len(log) != 2 || log[0].UserID != ben.ID || log[1].Latency != 3*time.Millisecond || log[1].Status != 201 {
		t.Errorf("delivery log %+v", log)
	}
	if failed, _ := s.ListConnectorDeliveries(ctx, f.org.ID, c.ID, true, 10); len(failed) != 1 || failed[0].Status != 503 {
		t.Errorf("failed deliveries %+v", failed)
	}
	if _, err := s.ListConnectorDeliveries(ctx, other.org.ID, c.ID, false, 10); roster.ErrorCodeOf(err) != roster.ENotFound {
		t.Errorf("another organization's delivery log: %v", err)
	}

	must(t, s.DeleteConnector(ctx, f.org.ID, c.ID))
	if _, err := s.GetConnector(ctx, f.org.ID, c.ID); roster.ErrorCodeOf(err) != roster.ENotFound {
		t.Errorf("deleted connector: %v", err)
	}
	lastEvent(t, s, f.org.ID, "connector.deleted")
}

// testConnectorLeaseOnTwoNodes: two nodes claiming at once never both get
// one connector.
func testConnectorLeaseOnTwoNodes(t *testing.T, a, b roster.Store) {
	f := newFixture(t, a, "Acme")
	must(t, a.CreateProduct(ctx, &roster.Product{OrgID: f.org.ID, Key: "jira", Name: "Jira"}))
	c := &roster.Connector{OrgID: f.org.ID, Product: "jira", Name: "Jira", OnRevoke: roster.RevokeDeactivate}
	must(t, a.CreateConnector(ctx, c))
	for round := range 20 {
		now := time.Now().Add(time.Duration(round) * time.Hour) // every round past the last one's lease
		var wg sync.WaitGroup
		got := make([]*roster.Connector, 2)
		for i, s := range []roster.Store{a, b} {
			wg.Go(func() {
				c, _, err := s.ClaimConnector(ctx, "node"+itoa(int64(i)), now, now.Add(30*time.Minute))
				cleanError(t, "ClaimConnector", err)
				got[i] = c
			})
		}
		wg.Wait()
		if got[0] != nil && got[1] != nil {
			t.Fatalf("round %d: both nodes claimed the connector", round)
		}
		if got[0] == nil && got[1] == nil {
			t.Fatalf("round %d: neither node claimed the due connector", round)
		}
	}
}
