package conformance

import (
	"bytes"
	"fmt"
	"sync"
	"testing"

	"github.com/rosterhq/roster"
)

// testAdminRoles: the first admin of an organization is its owner; roles
// change, audited; the last owner can be neither demoted nor removed;
// removing an admin ends every token of theirs; an address is found in
// every organization it administers, and nowhere else.
func testAdminRoles(t *testing.T, s roster.Store) {
	acme := newFixture(t, s, "Acme")
	beta := newFixture(t, s, "Beta")
	actx := roster.WithActor(ctx, "cli")

	// The first admin is the owner, whatever it asked for; later ones are admins.
	first := roster.Admin{OrgID: acme.org.ID, Email: "first@acme.test", Role: roster.AdminRoleAdmin}
	must(t, s.CreateAdmin(actx, &first))
	second := roster.Admin{OrgID: acme.org.ID, Email: "Second@acme.test"}
	must(t, s.CreateAdmin(actx, &second))
	elsewhere := roster.Admin{OrgID: beta.org.ID, Email: "second@ACME.test"}
	must(t, s.CreateAdmin(actx, &elsewhere))
	wantCode(t, s.CreateAdmin(actx, &roster.Admin{OrgID: acme.org.ID, Email: "x@acme.test", Role: "god"}), roster.EInvalid)
	for _, c := range []struct {
		id   string
		org  string
		want roster.AdminRole
	}{{first.ID, acme.org.ID, roster.AdminRoleOwner}, {second.ID, acme.org.ID, roster.AdminRoleAdmin}, {elsewhere.ID, beta.org.ID, roster.AdminRoleOwner}} {
		got, err := s.GetAdmin(ctx, c.org, c.id)
		must(t, err)
		if got.Role != c.want {
			t.Errorf("admin %s role = %q, want %q", got.Email, got.Role, c.want)
		}
	}

	// By address, across organizations, ordered by organization name.
	list, err := s.ListAdminsByEmail(ctx, " SECOND@acme.test ")
	must(t, err)
	if len(list) != 2 || list[0].ID != second.ID || list[1].ID != elsewhere.ID || list[0].Role != roster.AdminRoleAdmin {
		t.Errorf("ListAdminsByEmail = %+v, want second in Acme then Beta", list)
	}
	if list, err := s.ListAdminsByEmail(ctx, "nobody@acme.test"); err != nil || len(list) != 0 {
		t.Errorf("ListAdminsByEmail(unknown) = %v, %v; want none", list, err)
	}

	// The last owner stays.
	if e := wantCode(t, s.UpdateAdminRole(actx, acme.org.ID, first.ID, roster.AdminRoleAdmin), roster.EConflict); e.Reason != roster.ReasonLastOwner {
		t.Errorf("demoting the last owner: reason %q, want %q", e.Reason, roster.ReasonLastOwner)
	}
	if e := wantCode(t, s.DeleteAdmin(actx, acme.org.ID, first.ID), roster.EConflict); e.Reason != roster.ReasonLastOwner {
		t.Errorf("removing the last owner: reason %q, want %q", e.Reason, roster.ReasonLastOwner)
	}
	if got, _ := s.GetAdmin(ctx, acme.org.ID, first.ID); got == nil || got.Role != roster.AdminRoleOwner {
		t.Fatalf("after refused changes the owner is %+v, want unchanged", got)
	}
	wantCode(t, s.UpdateAdminRole(actx, acme.org.ID, second.ID, "god"), roster.EInvalid)
	wantCode(t, s.UpdateAdminRole(actx, beta.org.ID, second.ID, roster.AdminRoleOwner), roster.ENotFound)
	wantCode(t, s.DeleteAdmin(actx, beta.org.ID, second.ID), roster.ENotFound)

	// Promote the second, then the first may step down.
	must(t, s.UpdateAdminRole(actx, acme.org.ID, second.ID, roster.AdminRoleOwner))
	must(t, s.UpdateAdminRole(actx, acme.org.ID, first.ID, roster.AdminRoleAdmin))
	if got, _ := s.GetAdmin(ctx, acme.org.ID, first.ID); got.Role != roster.AdminRoleAdmin {
		t.Errorf("first's role = %q, want admin", got.Role)
	}

	// Removal ends the admin's tokens at once.
	_, sess := roster.NewAdminTokenSecret()
	sess.OrgID, sess.AdminID, sess.Kind = acme.org.ID, first.ID, roster.AdminSession
	must(t, s.CreateAdminToken(actx, &sess))
	_, api := roster.NewAdminTokenSecret()
	api.OrgID, api.AdminID, api.Kind = acme.org.ID, first.ID, roster.AdminAPI
	must(t, s.CreateAdminToken(actx, &api))
	must(t, s.DeleteAdmin(actx, acme.org.ID, first.ID))
	wantCode(t, errOf(s.GetAdmin(ctx, acme.org.ID, first.ID)), roster.ENotFound)
	for _, tok := range []roster.AdminToken{sess, api} {
		if found, err := s.ListAdminTokensByPrefix(ctx, acme.org.ID, tok.Prefix); err != nil || len(found) != 0 {
			t.Errorf("token %s of a removed admin: %v, %v; want gone", tok.Kind, found, err)
		}
	}
	// The address may be added again, as an admin.
	again := roster.Admin{OrgID: acme.org.ID, Email: "first@acme.test"}
	must(t, s.CreateAdmin(actx, &again))
	if again.Role != roster.AdminRoleAdmin {
		t.Errorf("re-added admin role = %q, want admin", again.Role)
	}

	// Audited.
	events, err := s.ListEvents(ctx, acme.org.ID, 0, 1000)
	must(t, err)
	seen := map[string]bool{}
	for _, e := range events {
		if e.ResourceID == first.ID || e.ResourceID == second.ID {
			seen[e.Action] = true
		}
	}
	for _, a := range []string{"admin.role_changed", "admin.removed"} {
		if !seen[a] {
			t.Errorf("no %s event among %d", a, len(events))
		}
	}
}

// testKeys: a key is created once and the same for every caller after.
func testKeys(t *testing.T, s roster.Store) {
	k1, err := s.GetOrCreateKey(ctx, "test", []byte("first-key-32-bytes-long-xxxxxxxx"))
	must(t, err)
	k2, err := s.GetOrCreateKey(ctx, "test", []byte("second-key-is-never-stored-xxxxx"))
	must(t, err)
	if string(k1) != "first-key-32-bytes-long-xxxxxxxx" || !bytes.Equal(k1, k2) {
		t.Errorf("keys = %q, %q; want the first one both times", k1, k2)
	}
	other, err := s.GetOrCreateKey(ctx, "other", []byte("other"))
	must(t, err)
	if string(other) != "other" {
		t.Errorf("another name's key = %q", other)
	}
}

// testLastOwnerRace: two owners, on two nodes, each demoting the other at
// once: one wins, one is refused, and an owner remains.
func testLastOwnerRace(t *testing.T, a, b roster.Store) {
	f := newFixture(t, a, "Race")
	actx := roster.WithActor(ctx, "cli")
	for round := 0; round < 10; round++ {
		x := roster.Admin{OrgID: f.org.ID, Email: fmt.Sprintf("x%d@race.test", round), Role: roster.AdminRoleOwner}
		must(t, a.CreateAdmin(actx, &x))
		y := roster.Admin{OrgID: f.org.ID, Email: fmt.Sprintf("y%d@race.test", round), Role: roster.AdminRoleOwner}
		must(t, a.CreateAdmin(actx, &y))
		// Only x and y are owners now: demote any earlier ones.
		all, err := a.ListAdmins(ctx, f.org.ID)
		must(t, err)
		for _, o := range all {
			if o.ID != x.ID && o.ID != y.ID && o.Role == roster.AdminRoleOwner {
				must(t, a.UpdateAdminRole(actx, f.org.ID, o.ID, roster.AdminRoleAdmin))
			}
		}
		must(t, a.UpdateAdminRole(actx, f.org.ID, y.ID, roster.AdminRoleOwner))
		var wg sync.WaitGroup
		errs := make([]error, 2)
		wg.Add(2)
		go func() { defer wg.Done(); errs[0] = a.UpdateAdminRole(actx, f.org.ID, x.ID, roster.AdminRoleAdmin) }()
		go func() { defer wg.Done(); errs[1] = b.DeleteAdmin(actx, f.org.ID, y.ID) }()
		wg.Wait()
		for _, err := range errs {
			cleanError(t, "owner race", err, roster.EConflict)
		}
		all, err = a.ListAdmins(ctx, f.org.ID)
		must(t, err)
		owners := 0
		for _, o := range all {
			if o.Role == roster.AdminRoleOwner {
				owners++
			}
		}
		if owners == 0 {
			t.Fatalf("round %d: no owner left (errors %v)", round, errs)
		}
		if errs[0] == nil && errs[1] == nil {
			t.Fatalf("round %d: both owners gone and no error", round)
		}
	}
}

// testDirectoryNames: directory names are unique in an organization by
// roster.NameKey (any case, spaces trimmed), not across organizations;
// renames are checked the same way and audited.
func testDirectoryNames(t *testing.T, s roster.Store) {
	f := newFixture(t, s, "Names") // has "Names directory"
	other := newFixture(t, s, "Other")
	actx := roster.WithActor(ctx, "cli")
	create := func(orgID, name string) (roster.Directory, error) {
		d := roster.Directory{OrgID: orgID, Name: name}
		_, tok := roster.NewTokenSecret()
		return d, s.CreateDirectory(actx, &d, &tok)
	}
	okta, err := create(f.org.ID, "Okta")
	must(t, err)
	for _, clash := range []string{"okta", "OKTA", "Okta"} {
		_, err := create(f.org.ID, clash)
		if e := wantCode(t, err, roster.EConflict); e.Reason != roster.ReasonNameTaken {
			t.Errorf("creating %q beside Okta: reason %q, want %q", clash, e.Reason, roster.ReasonNameTaken)
		}
	}
	if _, err := create(other.org.ID, "okta"); err != nil {
		t.Errorf("another organization's okta: %v", err)
	}
	entra, err := create(f.org.ID, "Entra ID")
	must(t, err)
	if e := wantCode(t, s.RenameDirectory(actx, f.org.ID, entra.ID, "OKTA"), roster.EConflict); e.Reason != roster.ReasonNameTaken {
		t.Errorf("renaming onto Okta: reason %q", e.Reason)
	}
	must(t, s.RenameDirectory(actx, f.org.ID, okta.ID, "okta")) // its own name in another case
	must(t, s.RenameDirectory(actx, f.org.ID, entra.ID, "Microsoft Entra ID"))
	wantCode(t, s.RenameDirectory(actx, other.org.ID, entra.ID, "x"), roster.ENotFound)
	got, err := s.GetDirectory(ctx, f.org.ID, entra.ID)
	must(t, err)
	if got.Name != "Microsoft Entra ID" {
		t.Errorf("renamed directory = %q", got.Name)
	}
	if _, err := create(f.org.ID, "Entra ID"); err != nil {
		t.Errorf("the old name after a rename: %v", err)
	}
	events, err := s.SearchEvents(ctx, f.org.ID, roster.EventFilter{Action: "directory.renamed"}, 10)
	must(t, err)
	if len(events) != 2 {
		t.Errorf("%d directory.renamed events, want 2", len(events))
	}
}
