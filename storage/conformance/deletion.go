package conformance

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/rosterhq/roster"
)

// testDeletion: a deleted user or group is gone for SCIM at once (404,
// its name free, its memberships and access gone), stays restorable with
// everything it had, and a restore whose name was taken since is refused
// without changing anything.
func testDeletion(t *testing.T, s roster.Store) {
	f := newFixture(t, s, "Acme")
	must(t, s.CreateProduct(ctx, &roster.Product{OrgID: f.org.ID, Key: "jira", Name: "Jira"}))
	alice := createUser(t, s, f.tenant, "alice@acme.test", `,"displayName":"Alice","title":"Engineer"`)
	bob := createUser(t, s, f.tenant, "bob@acme.test")
	eng := createGroup(t, s, f.tenant, "Engineering", alice.ID, bob.ID)
	ops := createGroup(t, s, f.tenant, "Ops", alice.ID)
	must(t, s.GrantAccess(ctx, &roster.Grant{OrgID: f.org.ID, Product: "jira", GroupID: eng.ID, Role: roster.RoleAdmin}))

	// Delete alice: 404, no memberships, no access, but listed as deleted.
	must(t, s.DeleteUser(ctx, f.tenant, alice.ID, 0))
	wantCode(t, errOf(s.GetUser(ctx, f.tenant, alice.ID)), roster.ENotFound)
	if got := members(t, s, f.tenant, eng.ID); !slices.Equal(got, []string{bob.ID}) {
		t.Errorf("Engineering after alice's deletion = %v, want only bob", got)
	}
	if d, err := s.CheckAccess(ctx, roster.ProductScope{OrgID: f.org.ID, Product: "jira"}, "alice@acme.test"); err != nil || d.Allowed {
		t.Errorf("deleted alice's access = %+v, %v; want none", d, err)
	}
	deleted, err := s.ListDeletedResources(ctx, f.tenant, roster.DeletedFilter{}, 100)
	must(t, err)
	if len(deleted) != 1 || deleted[0].ID != alice.ID || deleted[0].Name != "alice@acme.test" || deleted[0].Type != roster.MemberUser {
		t.Fatalf("deleted = %+v, want alice", deleted)
	}
	if got, want := sorted(deleted[0].MemberOf...), sorted(eng.ID, ops.ID); !slices.Equal(got, want) {
		t.Errorf("alice's groups kept = %v, want %v", got, want)
	}
	if !deleted[0].PurgeAfter.After(time.Now().Add(roster.DefaultRetention - time.Hour)) {
		t.Errorf("PurgeAfter = %v, want about %v from now", deleted[0].PurgeAfter, roster.DefaultRetention)
	}
	if n, err := s.CountDeletedResources(ctx, f.tenant, roster.DeletedFilter{Type: roster.MemberUser}); err != nil || n != 1 {
		t.Errorf("CountDeletedResources = %d, %v; want 1", n, err)
	}
	if n, err := s.CountDeletedResources(ctx, f.tenant, roster.DeletedFilter{Type: roster.MemberGroup}); err != nil || n != 0 {
		t.Errorf("CountDeletedResources(groups) = %d, %v; want 0", n, err)
	}
	if e := lastEvent(t, s, f.org.ID, "user.deleted"); e.ResourceID != alice.ID {
		t.Errorf("user.deleted event for %s, want %s", e.ResourceID, alice.ID)
	}

	// The identity provider provisions alice again: the name is free.
	alice2 := createUser(t, s, f.tenant, "alice@acme.test")
	// Restoring the old alice now clashes and changes nothing.
	_, err = s.RestoreDeletedResource(ctx, f.tenant, alice.ID)
	if roster.ReasonOf(err) != roster.ReasonRestoreClash {
		t.Fatalf("restore over a re-provisioned userName: %v, want %s", err, roster.ReasonRestoreClash)
	}
	wantCode(t, errOf(s.GetUser(ctx, f.tenant, alice.ID)), roster.ENotFound)
	if got, err := s.GetUser(ctx, f.tenant, alice2.ID); err != nil || got.UserName != "alice@acme.test" {
		t.Errorf("the new alice after the refused restore: %+v, %v", got, err)
	}
	if n, _ := s.CountDeletedResources(ctx, f.tenant, roster.DeletedFilter{}); n != 1 {
		t.Errorf("after a refused restore %d deleted resources, want 1 (kept)", n)
	}

	// Delete the group: its grant and memberships go; restore brings back
	// the grant and the members that still exist (bob; not the old alice).
	must(t, s.DeleteGroup(ctx, f.tenant, eng.ID, 0))
	wantCode(t, errOf(s.GetGroup(ctx, f.tenant, eng.ID)), roster.ENotFound)
	if grants, err := s.ListGrants(ctx, f.org.ID, "jira"); err != nil || len(grants) != 0 {
		t.Errorf("grants after the group's deletion = %+v, %v; want none", grants, err)
	}
	if d, _ := s.CheckAccess(ctx, roster.ProductScope{OrgID: f.org.ID, Product: "jira"}, bob.ID); d == nil || d.Allowed {
		t.Errorf("bob's access with Engineering deleted = %+v, want none", d)
	}
	restored, err := s.RestoreDeletedResource(ctx, f.tenant, eng.ID)
	must(t, err)
	if restored.Type != roster.MemberGroup || restored.Name != "Engineering" {
		t.Errorf("restored = %+v", restored)
	}
	g, err := s.GetGroup(ctx, f.tenant, eng.ID)
	must(t, err)
	if g.DisplayName != "Engineering" || g.Version <= eng.Version {
		t.Errorf("restored group = %+v, want Engineering at a version above %d", g, eng.Version)
	}
	if got := members(t, s, f.tenant, eng.ID); !slices.Equal(got, []string{bob.ID}) {
		t.Errorf("restored Engineering's members = %v, want only bob", got)
	}
	if d, err := s.CheckAccess(ctx, roster.ProductScope{OrgID: f.org.ID, Product: "jira"}, bob.ID); err != nil || !d.Allowed || d.Role != roster.RoleAdmin {
		t.Errorf("bob's access after the group's restore = %+v, %v; want admin", d, err)
	}

	// Delete and restore bob: attributes and memberships as they were.
	bobBefore, err := s.GetUser(ctx, f.tenant, bob.ID)
	must(t, err)
	must(t, s.DeleteUser(ctx, f.tenant, bob.ID, 0))
	if got := members(t, s, f.tenant, eng.ID); len(got) != 0 {
		t.Errorf("Engineering after bob's deletion = %v, want empty", got)
	}
	if _, err := s.RestoreDeletedResource(ctx, f.tenant, bob.ID); err != nil {
		t.Fatal(err)
	}
	bobAfter, err := s.GetUser(ctx, f.tenant, bob.ID)
	must(t, err)
	if bobAfter.UserName != bobBefore.UserName || !sameJSON(bobAfter.Attributes, bobBefore.Attributes) || !bobAfter.Created.Equal(bobBefore.Created) {
		t.Errorf("restored bob = %+v, want %+v", bobAfter, bobBefore)
	}
	if bobAfter.Version <= bobBefore.Version {
		t.Errorf("restored bob's version %d, want above %d (its ETag must change)", bobAfter.Version, bobBefore.Version)
	}
	if got := members(t, s, f.tenant, eng.ID); !slices.Equal(got, []string{bob.ID}) {
		t.Errorf("Engineering after bob's restore = %v, want bob", got)
	}
	if d, _ := s.CheckAccess(ctx, roster.ProductScope{OrgID: f.org.ID, Product: "jira"}, "bob@acme.test"); d == nil || !d.Allowed {
		t.Errorf("restored bob's access = %+v, want allowed", d)
	}
	if page, err := s.ListUsers(ctx, f.tenant, roster.Query{StartIndex: 1, Count: 10}); err != nil || page.Total != 2 {
		t.Errorf("users after restore: %+v, %v; want 2 (bob, the new alice)", page, err)
	}
	lastEvent(t, s, f.org.ID, "user.restored")
	lastEvent(t, s, f.org.ID, "group.restored")

	// A restored resource is no longer listed; restoring it again, an
	// unknown ID, or from another tenant, is not found.
	if n, _ := s.CountDeletedResources(ctx, f.tenant, roster.DeletedFilter{}); n != 1 {
		t.Errorf("deleted resources left = %d, want 1 (the old alice)", n)
	}
	wantCode(t, errOf(s.RestoreDeletedResource(ctx, f.tenant, bob.ID)), roster.ENotFound)
	wantCode(t, errOf(s.RestoreDeletedResource(ctx, f.tenant, "no-such-id")), roster.ENotFound)
	other := newFixture(t, s, "Globex")
	wantCode(t, errOf(s.RestoreDeletedResource(ctx, other.tenant, alice.ID)), roster.ENotFound)
	if list, _ := s.ListDeletedResources(ctx, other.tenant, roster.DeletedFilter{}, 10); len(list) != 0 {
		t.Errorf("another organization sees %d deleted resources", len(list))
	}
	f2 := roster.DirectoryScope{OrgID: f.org.ID, DirectoryID: f.addDirectory(t, s, "second").ID}
	wantCode(t, errOf(s.RestoreDeletedResource(ctx, f2, alice.ID)), roster.ENotFound)

	// Deleting the directory takes its deleted resources with it.
	_, _, err = s.DeleteDirectory(ctx, f.org.ID, f.dir.ID)
	must(t, err)
	if n, err := s.PurgeDeletedResources(ctx, time.Now().Add(100*365*24*time.Hour), 100); err != nil || n != 0 {
		t.Errorf("purge after the directory's deletion = %d, %v; want 0", n, err)
	}
}

// testDeletionPolicy: the default policy, purge after the window, and a
// retention of 0 that purges at once; every step is an event.
func testDeletionPolicy(t *testing.T, s roster.Store) {
	f := newFixture(t, s, "Acme")
	p, err := s.GetDeletionPolicy(ctx, f.tenant)
	must(t, err)
	if *p != roster.DefaultDeletionPolicy(f.tenant) {
		t.Errorf("policy = %+v, want the default", *p)
	}
	wantCode(t, errOf(s.GetDeletionPolicy(ctx, roster.DirectoryScope{OrgID: f.org.ID, DirectoryID: "nope"})), roster.ENotFound)

	u := createUser(t, s, f.tenant, "u1@acme.test")
	g := createGroup(t, s, f.tenant, "G1", u.ID)
	must(t, s.DeleteGroup(ctx, f.tenant, g.ID, 0))
	must(t, s.DeleteUser(ctx, f.tenant, u.ID, 0))
	now := time.Now()
	if n, err := s.PurgeDeletedResources(ctx, now, 100); err != nil || n != 0 {
		t.Fatalf("purge within the window = %d, %v; want 0", n, err)
	}
	if n, err := s.PurgeDeletedResources(ctx, now.Add(roster.DefaultRetention+time.Minute), 1); err != nil || n != 1 {
		t.Fatalf("purge after the window, limit 1 = %d, %v; want 1", n, err)
	}
	if n, err := s.PurgeDeletedResources(ctx, now.Add(roster.DefaultRetention+time.Minute), 100); err != nil || n != 1 {
		t.Fatalf("second purge after the window = %d, %v; want 1", n, err)
	}
	if n, _ := s.CountDeletedResources(ctx, f.tenant, roster.DeletedFilter{}); n != 0 {
		t.Errorf("%d deleted resources after the purge, want 0", n)
	}
	wantCode(t, errOf(s.RestoreDeletedResource(ctx, f.tenant, u.ID)), roster.ENotFound)
	if e := lastEvent(t, s, f.org.ID, "user.purged"); e.ResourceID != u.ID || e.DirectoryID != f.dir.ID {
		t.Errorf("user.purged = %+v", e)
	}
	lastEvent(t, s, f.org.ID, "group.purged")

	// Retention 0: purged at once, nothing to restore.
	p.Retention, p.MassPercent, p.MassMinimum = 0, 25, 3
	must(t, s.UpdateDeletionPolicy(ctx, p))
	got, err := s.GetDeletionPolicy(ctx, f.tenant)
	must(t, err)
	if *got != *p {
		t.Errorf("policy = %+v, want %+v", *got, *p)
	}
	lastEvent(t, s, f.org.ID, "directory.deletion_policy_changed")
	u2 := createUser(t, s, f.tenant, "u2@acme.test")
	must(t, s.DeleteUser(ctx, f.tenant, u2.ID, 0))
	if n, _ := s.CountDeletedResources(ctx, f.tenant, roster.DeletedFilter{}); n != 0 {
		t.Errorf("retention 0 kept %d deleted resources, want 0", n)
	}
	if e := lastEvent(t, s, f.org.ID, "user.purged"); e.ResourceID != u2.ID {
		t.Errorf("retention 0: last user.purged is for %s, want %s", e.ResourceID, u2.ID)
	}
	wantCode(t, errOf(s.RestoreDeletedResource(ctx, f.tenant, u2.ID)), roster.ENotFound)
	createUser(t, s, f.tenant, "u2@acme.test") // the name is free

	// A policy for a directory of another organization is not found.
	other := newFixture(t, s, "Globex")
	wantCode(t, s.UpdateDeletionPolicy(ctx, &roster.DeletionPolicy{OrgID: other.org.ID, DirectoryID: f.dir.ID, Retention: time.Hour}), roster.ENotFound)
}

// testConcurrentPurge: two nodes purging at once purge each resource once:
// one purged event per deleted resource, none twice.
func testConcurrentPurge(t *testing.T, a, b roster.Store) {
	f := newFixture(t, a, "Acme")
	const n = 120
	for i := range n {
		u := createUser(t, a, f.tenant, fmt.Sprintf("user%d@acme.test", i))
		must(t, a.DeleteUser(ctx, f.tenant, u.ID, 0))
	}
	later := time.Now().Add(roster.DefaultRetention + time.Hour)
	var wg sync.WaitGroup
	var mu sync.Mutex
	total := 0
	for _, s := range []roster.Store{a, b, a, b} {
		wg.Go(func() {
			for {
				k, err := s.PurgeDeletedResources(ctx, later, 7)
				if err != nil {
					t.Error(err)
					return
				}
				if k == 0 {
					return
				}
				mu.Lock()
				total += k
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if total != n {
		t.Errorf("purged %d in all, want %d", total, n)
	}
	seen := map[string]int{}
	var after int64
	for {
		events, err := b.ListEvents(ctx, f.org.ID, after, 500)
		must(t, err)
		if len(events) == 0 {
			break
		}
		for _, e := range events {
			if e.Action == "user.purged" {
				seen[e.ResourceID]++
			}
			after = e.Seq
		}
	}
	if len(seen) != n {
		t.Errorf("%d users have a purged event, want %d", len(seen), n)
	}
	for id, k := range seen {
		if k != 1 {
			t.Errorf("user %s purged %d times", id, k)
		}
	}
}
