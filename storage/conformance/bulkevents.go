package conformance

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/rosterhq/roster"
)

// eventWatch reads the events an organization gains, step by step.
type eventWatch struct {
	s     roster.Store
	orgID string
	seq   int64
}

// next returns the events since the last call, oldest first.
func (w *eventWatch) next(t *testing.T) []roster.Event {
	t.Helper()
	var out []roster.Event
	for {
		events, err := w.s.ListEvents(ctx, w.orgID, w.seq, 1000)
		must(t, err)
		if len(events) == 0 {
			return out
		}
		out = append(out, events...)
		w.seq = events[len(events)-1].Seq
	}
}

// bulkPayload is what the tests read of a user, group or membership payload.
type bulkPayload struct {
	ID          string
	DirectoryID string
	UserName    string
	DisplayName string
	Managed     bool
	Group       struct{ ID, DisplayName string }
	Member      struct{ Type, ID, Display string }
	Previous    map[string]any
}

func payloadOf(t *testing.T, e roster.Event) bulkPayload {
	t.Helper()
	var p bulkPayload
	if err := json.Unmarshal(e.Data, &p); err != nil {
		t.Fatalf("%s %s: payload %q: %v", e.Action, e.ResourceID, e.Data, err)
	}
	return p
}

// testBulkEvents: changes that touch many resources at once write the same
// per-resource events as a change of one resource, so that the feed alone
// tells an application what happened: a directory's deletion (more users
// than one page of the store's bulk writer), a link, an unlink, and a
// domain's verification and removal.
func testBulkEvents(t *testing.T, s roster.Store) {
	t.Run("DirectoryDeletion", func(t *testing.T) { testDirectoryDeletionEvents(t, s) })
	t.Run("LinkAndUnlink", func(t *testing.T) { testLinkUnlinkEvents(t, s) })
	t.Run("DomainVerification", func(t *testing.T) { testDomainManagedEvents(t, s) })
}

func testDirectoryDeletionEvents(t *testing.T, s roster.Store) {
	f := newFixture(t, s, "Acme")
	const n = 1050 // over two pages of 500
	ids := make([]string, n)
	names := map[string]string{}
	for i := range ids {
		u := createUser(t, s, f.tenant, fmt.Sprintf("u%04d@acme.test", i), fmt.Sprintf(`,"displayName":"User %d"`, i))
		ids[i], names[u.ID] = u.ID, u.UserName
	}
	big := createGroup(t, s, f.tenant, "Everyone", ids...)
	small := createGroup(t, s, f.tenant, "Core", ids[0], big.ID)
	// A local group with a member and a group of the directory: one the
	// identity provider made and an admin unlinked.
	local := createGroup(t, s, f.tenant, "Wiki people", ids[0], big.ID)
	must(t, s.UnlinkGroup(ctx, f.org.ID, local.ID))
	must(t, s.CreateProduct(ctx, &roster.Product{OrgID: f.org.ID, Key: "wiki", Name: "Wiki"}))
	must(t, s.GrantAccess(ctx, &roster.Grant{OrgID: f.org.ID, Product: "wiki", GroupID: local.ID, Role: roster.RoleUser}))
	// An unlinked user stays, local, though its memberships of the
	// directory's groups end with them.
	must(t, s.UnlinkUser(ctx, f.org.ID, ids[1]))
	survivor := ids[1]

	w := &eventWatch{s: s, orgID: f.org.ID}
	w.next(t)
	users, groups, err := s.DeleteDirectory(ctx, f.org.ID, f.dir.ID)
	must(t, err)
	if users != n-1 || groups != 2 {
		t.Errorf("DeleteDirectory = %d users, %d groups; want %d, 2", users, groups, n-1)
	}
	events := w.next(t)

	removed := map[string]int{} // "group member" → events
	deletedUsers, deletedGroups := map[string]bool{}, map[string]bool{}
	revoked := map[string]bool{}
	var lastRemoved, firstDeleted int64
	for i, e := range events {
		switch e.Action {
		case roster.EventMemberRemoved:
			p := payloadOf(t, e)
			removed[p.Group.ID+" "+p.Member.ID]++
			if e.ResourceID != p.Group.ID || p.Member.Display == "" || p.Group.DisplayName == "" {
				t.Errorf("member_removed %s: resource %s, names %q %q", e.Data, e.ResourceID, p.Group.DisplayName, p.Member.Display)
			}
			lastRemoved = e.Seq
		case roster.EventUserDeleted:
			p := payloadOf(t, e)
			if p.ID != e.ResourceID || p.UserName != names[p.ID] || p.DirectoryID != f.dir.ID || deletedUsers[p.ID] {
				t.Errorf("user.deleted %s (id %s, userName %q, directory %q, twice %v)", e.ResourceID, p.ID, p.UserName, p.DirectoryID, deletedUsers[p.ID])
			}
			deletedUsers[p.ID] = true
			if firstDeleted == 0 {
				firstDeleted = e.Seq
			}
		case roster.EventGroupDeleted:
			p := payloadOf(t, e)
			if p.ID != e.ResourceID || p.DirectoryID != f.dir.ID || p.DisplayName == "" {
				t.Errorf("group.deleted %s: %+v", e.ResourceID, p)
			}
			deletedGroups[p.ID] = true
		case roster.EventAccessRevoked:
			revoked[e.ResourceID] = true
		case roster.EventDirectoryDeleted:
			if i != len(events)-1 {
				t.Errorf("directory.deleted is event %d of %d, want the last", i+1, len(events))
			}
		}
	}
	wantRemoved := map[string]int{}
	for _, id := range ids {
		wantRemoved[big.ID+" "+id] = 1
	}
	for _, m := range []string{small.ID + " " + ids[0], small.ID + " " + big.ID, local.ID + " " + ids[0], local.ID + " " + big.ID} {
		wantRemoved[m] = 1
	}
	if len(removed) != len(wantRemoved) {
		t.Errorf("%d memberships ended with an event, want %d", len(removed), len(wantRemoved))
	}
	for m, k := range wantRemoved {
		if removed[m] != k {
			t.Errorf("membership %s: %d member_removed events, want %d", m, removed[m], k)
		}
	}
	if len(deletedUsers) != n-1 || deletedUsers[survivor] {
		t.Errorf("%d user.deleted events (the unlinked user among them: %v), want %d", len(deletedUsers), deletedUsers[survivor], n-1)
	}
	if !deletedGroups[big.ID] || !deletedGroups[small.ID] || len(deletedGroups) != 2 {
		t.Errorf("group.deleted for %v, want Everyone and Core", deletedGroups)
	}
	if lastRemoved == 0 || firstDeleted == 0 || lastRemoved > firstDeleted {
		t.Errorf("the last member_removed is at %d, the first user.deleted at %d: memberships must end first", lastRemoved, firstDeleted)
	}
	// Everyone reached the wiki through the local group, Everyone nested
	// in it; the unlinked user too, through Everyone.
	if len(revoked) != n {
		t.Errorf("%d access.revoked users, want %d", len(revoked), n)
	}
	if u, err := s.FindUser(ctx, f.org.ID, survivor); err != nil || u.DirectoryID != "" {
		t.Errorf("the unlinked user after the deletion: %+v, %v", u, err)
	}
}

func testLinkUnlinkEvents(t *testing.T, s roster.Store) {
	f := newFixture(t, s, "Acme")
	ann := createUser(t, s, f.tenant, "ann@acme.test")
	bob := createUser(t, s, f.tenant, "bob@acme.test")
	// Two local groups, one nested in the other: groups the identity
	// provider made and an admin unlinked.
	local := createGroup(t, s, f.tenant, "Designers", ann.ID, bob.ID)
	parent := createGroup(t, s, f.tenant, "Everyone", local.ID)
	must(t, s.UnlinkGroup(ctx, f.org.ID, local.ID))
	must(t, s.UnlinkGroup(ctx, f.org.ID, parent.ID))
	synced := createGroup(t, s, f.tenant, "designers", bob.ID)

	w := &eventWatch{s: s, orgID: f.org.ID}
	w.next(t)
	must(t, s.LinkGroup(ctx, f.org.ID, synced.ID))
	var got []string
	for _, e := range w.next(t) {
		switch e.Action {
		case roster.EventMemberRemoved:
			p := payloadOf(t, e)
			got = append(got, "removed "+p.Group.DisplayName+" "+p.Member.Display)
		case roster.EventGroupDeleted:
			p := payloadOf(t, e)
			if p.ID != local.ID || p.DirectoryID != "" {
				t.Errorf("group.deleted of the link: %+v", p)
			}
			got = append(got, "deleted "+p.DisplayName)
		case "group.linked":
			got = append(got, "linked")
		}
	}
	slices.Sort(got[:3])
	want := []string{"removed Designers ann@acme.test", "removed Designers bob@acme.test", "removed Everyone Designers", "deleted Designers", "linked"}
	if !slices.Equal(got, want) {
		t.Errorf("link events\n got %q\nwant %q", got, want)
	}

	must(t, s.UnlinkUser(ctx, f.org.ID, ann.ID))
	must(t, s.UnlinkGroup(ctx, f.org.ID, synced.ID))
	got = nil
	for _, e := range w.next(t) {
		switch e.Action {
		case roster.EventUserUpdated, roster.EventGroupUpdated:
			p := payloadOf(t, e)
			if p.DirectoryID != "" || p.Previous["directoryId"] != f.dir.ID || p.ID != e.ResourceID {
				t.Errorf("%s of an unlink: directoryId %q, previous %v", e.Action, p.DirectoryID, p.Previous)
			}
			got = append(got, e.Action+" "+e.ResourceID)
		case "user.unlinked", "group.unlinked":
			got = append(got, e.Action+" "+e.ResourceID)
		}
	}
	want = []string{"user.updated " + ann.ID, "user.unlinked " + ann.ID, "group.updated " + synced.ID, "group.unlinked " + synced.ID}
	if !slices.Equal(got, want) {
		t.Errorf("unlink events\n got %q\nwant %q", got, want)
	}
}

func testDomainManagedEvents(t *testing.T, s roster.Store) {
	f := newFixture(t, s, "Acme")
	must(t, s.CreateProduct(ctx, &roster.Product{OrgID: f.org.ID, Key: "wiki", Name: "Wiki"}))
	defaults := group(t, "Wiki users")
	must(t, s.CreateLocalGroup(ctx, f.org.ID, defaults))
	must(t, s.GrantAccess(ctx, &roster.Grant{OrgID: f.org.ID, Product: "wiki", GroupID: defaults.ID, Role: roster.RoleUser}))
	must(t, s.SetDefaultGroup(ctx, roster.ProductScope{OrgID: f.org.ID, Product: "wiki"}, defaults.ID, true))
	ann := createUser(t, s, f.tenant, "ann@acme.test")
	bob := createUser(t, s, f.tenant, "bob", `,"emails":[{"value":"bob@acme.test","primary":true}]`)
	createUser(t, s, f.tenant, "cal@elsewhere.test")
	must(t, s.CreateDomain(ctx, &roster.Domain{OrgID: f.org.ID, Name: "acme.test", Token: "tok"}))

	w := &eventWatch{s: s, orgID: f.org.ID}
	w.next(t)
	_, err := s.UpdateDomain(ctx, f.org.ID, "acme.test", func(d *roster.Domain) error {
		d.Status, d.Method, d.VerifiedAt, d.CheckedAt = roster.DomainVerified, "dns", time.Now(), time.Now()
		return nil
	})
	must(t, err)
	summary := func(events []roster.Event) []string {
		var out []string
		for _, e := range events {
			switch e.Action {
			case roster.EventUserBecameManaged, roster.EventUserLeftManaged:
				p := payloadOf(t, e)
				if p.Managed != (e.Action == roster.EventUserBecameManaged) || p.ID != e.ResourceID || e.DirectoryID != f.dir.ID {
					t.Errorf("%s %s: managed %v in the payload, directory %q", e.Action, e.ResourceID, p.Managed, e.DirectoryID)
				}
				out = append(out, e.Action+" "+e.ResourceID)
			case roster.EventMemberAdded:
				p := payloadOf(t, e)
				out = append(out, "joined "+p.Group.DisplayName+" "+p.Member.ID)
			case roster.EventAccessGranted, roster.EventAccessRevoked:
				out = append(out, e.Action+" "+e.ResourceID)
			}
		}
		slices.Sort(out)
		return out
	}
	want := []string{"access.granted " + ann.ID, "access.granted " + bob.ID, "joined Wiki users " + ann.ID, "joined Wiki users " + bob.ID,
		"user.became_managed " + ann.ID, "user.became_managed " + bob.ID}
	slices.Sort(want)
	if got := summary(w.next(t)); !slices.Equal(got, want) {
		t.Errorf("verification events\n got %q\nwant %q", got, want)
	}
	for _, id := range []string{ann.ID, bob.ID} {
		if a, err := s.CheckAccess(ctx, roster.ProductScope{OrgID: f.org.ID, Product: "wiki"}, id); err != nil || !a.Allowed {
			t.Errorf("after verification, access of %s: %+v %v", id, a, err)
		}
	}
	// A re-check that keeps the domain verified changes nobody.
	_, err = s.UpdateDomain(ctx, f.org.ID, "acme.test", func(d *roster.Domain) error {
		d.Status, d.LastError = roster.DomainFailing, "no TXT record"
		return nil
	})
	must(t, err)
	if got := summary(w.next(t)); len(got) != 0 {
		t.Errorf("a failing re-check wrote %q", got)
	}
	// Removing the domain makes its accounts external; they keep the
	// groups they joined.
	must(t, s.DeleteDomain(ctx, f.org.ID, "acme.test"))
	want = []string{"user.left_managed_domains " + ann.ID, "user.left_managed_domains " + bob.ID}
	slices.Sort(want)
	if got := summary(w.next(t)); !slices.Equal(got, want) {
		t.Errorf("removal events\n got %q\nwant %q", got, want)
	}
	wantCode(t, s.DeleteDomain(ctx, f.org.ID, "acme.test"), roster.ENotFound)
}
