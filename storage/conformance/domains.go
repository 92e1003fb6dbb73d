package conformance

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster"
)

// testDomains: domains, managed accounts, a domain linked to one directory,
// and the events that make an account's change of status traceable.
func testDomains(t *testing.T, s roster.Store) {
	f := newFixture(t, s, "Acme")
	other := newFixture(t, s, "Other")
	okta := roster.DirectoryScope{OrgID: f.org.ID, DirectoryID: f.addDirectory(t, s, "Okta").ID}

	d := roster.Domain{OrgID: f.org.ID, Name: "acme.test", Token: "tok1"}
	must(t, s.CreateDomain(ctx, &d))
	if d.Status != roster.DomainPending || d.Created.IsZero() {
		t.Errorf("added domain = %+v, want pending", d)
	}
	wantCode(t, s.CreateDomain(ctx, &roster.Domain{OrgID: f.org.ID, Name: "acme.test", Token: "x"}), roster.EConflict)
	wantCode(t, s.CreateDomain(ctx, &roster.Domain{OrgID: "nope", Name: "x.test", Token: "x"}), roster.ENotFound)
	if _, err := s.GetDomain(ctx, other.org.ID, "acme.test"); roster.ErrorCodeOf(err) != roster.ENotFound {
		t.Errorf("another organization reads the domain: %v", err)
	}

	// A user on a pending domain is external; verifying the domain makes
	// it managed, without touching the user.
	alice := createUser(t, s, f.tenant, "alice@acme.test")
	if alice.Managed {
		t.Error("a user on a pending domain is managed")
	}
	verify := func(orgID, name string) (*roster.Domain, error) {
		return s.UpdateDomain(ctx, orgID, name, func(d *roster.Domain) error {
			d.Status, d.Method, d.VerifiedAt, d.CheckedAt = roster.DomainVerified, "dns", time.Now(), time.Now()
			return nil
		})
	}
	if _, err := verify(f.org.ID, "acme.test"); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetUser(ctx, f.tenant, alice.ID)
	must(t, err)
	if !got.Managed || got.Email != "alice@acme.test" {
		t.Errorf("after verification: managed %v email %q", got.Managed, got.Email)
	}
	bob := createUser(t, s, f.tenant, "bob", `,"emails":[{"value":"bob@elsewhere.test","primary":true},{"value":"bob@acme.test"}]`)
	if bob.Managed {
		t.Error("a user whose primary email is elsewhere is managed")
	}
	page, err := s.ListUsers(ctx, f.tenant, roster.Query{StartIndex: 1, Count: 10})
	must(t, err)
	for _, u := range page.Items {
		if u.Managed != (u.ID == alice.ID) {
			t.Errorf("list: %s managed = %v", u.UserName, u.Managed)
		}
	}

	// Another organization cannot verify the same domain.
	must(t, s.CreateDomain(ctx, &roster.Domain{OrgID: other.org.ID, Name: "acme.test", Token: "tok2"}))
	if _, err := verify(other.org.ID, "acme.test"); roster.ErrorCodeOf(err) != roster.EConflict {
		t.Errorf("a second organization verified acme.test: %v", err)
	}

	// An address moving off the domain is an event with an explanation.
	_, err = s.UpdateUser(ctx, f.tenant, alice.ID, func(u *roster.User) error {
		*u = *user(t, `{"userName":"alice@acme.test","emails":[{"value":"alice@gmail.test","primary":true}]}`)
		return nil
	})
	must(t, err)
	left := lastEvent(t, s, f.org.ID, "user.left_managed_domains")
	var why map[string]string
	json.Unmarshal([]byte(left.Detail), &why)
	if left.ResourceID != alice.ID || why["from"] != "alice@acme.test" || why["to"] != "alice@gmail.test" || !strings.Contains(why["explanation"], "external") {
		t.Errorf("left-managed event = %+v", left)
	}
	if got, _ := s.GetUser(ctx, f.tenant, alice.ID); got.Managed {
		t.Error("alice is still managed on gmail.test")
	}

	// Failing re-checks keep accounts managed.
	carol := createUser(t, s, f.tenant, "carol@acme.test")
	failing, err := s.UpdateDomain(ctx, f.org.ID, "acme.test", func(d *roster.Domain) error {
		d.Status, d.LastError, d.CheckedAt = roster.DomainFailing, "TXT record gone", time.Now()
		return nil
	})
	must(t, err)
	if got, _ := s.GetUser(ctx, f.tenant, carol.ID); !got.Managed || failing.LastError != "TXT record gone" {
		t.Errorf("a failing domain: carol managed %v, domain %+v", got.Managed, failing)
	}
	lastEvent(t, s, f.org.ID, "domain.failing")

	// A domain linked to a directory: only it provisions users on it.
	_, err = s.UpdateDomain(ctx, f.org.ID, "acme.test", func(d *roster.Domain) error { d.DirectoryID = f.dir.ID; return nil })
	must(t, err)
	e := wantCode(t, s.CreateUser(ctx, okta, user(t, `{"userName":"dave@acme.test"}`)), roster.EConflict)
	if !strings.Contains(e.Detail, f.dir.Name) || !strings.Contains(e.Detail, f.dir.ID) {
		t.Errorf("link conflict detail %q does not name the owning directory", e.Detail)
	}
	createUser(t, s, f.tenant, "dave@acme.test")
	erin := createUser(t, s, okta, "erin@okta-only.test")
	_, err = s.UpdateUser(ctx, okta, erin.ID, func(u *roster.User) error {
		*u = *user(t, `{"userName":"erin@acme.test"}`)
		return nil
	})
	wantCode(t, err, roster.EConflict)
	_, err = s.UpdateDomain(ctx, f.org.ID, "acme.test", func(d *roster.Domain) error { d.DirectoryID = "no-such-directory"; return nil })
	wantCode(t, err, roster.ENotFound)

	// Re-checks find verified and failing domains, not pending ones.
	due, err := s.ListDomainsDue(ctx, time.Now().Add(time.Hour), 100)
	must(t, err)
	if len(due) != 1 || due[0].Name != "acme.test" || due[0].OrgID != f.org.ID {
		t.Errorf("DomainsDue = %+v, want Acme's acme.test only", due)
	}
	if due, _ := s.ListDomainsDue(ctx, time.Now().Add(-time.Hour), 100); len(due) != 0 {
		t.Errorf("DomainsDue before the last check = %+v", due)
	}

	// FindUser: by ID or userName, in the whole organization only.
	for _, key := range []string{carol.ID, "CAROL@acme.test"} {
		if u, err := s.FindUser(ctx, f.org.ID, key); err != nil || u.ID != carol.ID || u.DirectoryID != f.dir.ID || !u.Managed {
			t.Errorf("FindUser(%q) = %+v, %v", key, u, err)
		}
	}
	if _, err := s.FindUser(ctx, other.org.ID, carol.ID); roster.ErrorCodeOf(err) != roster.ENotFound {
		t.Errorf("another organization finds carol: %v", err)
	}

	// Removing the domain makes its accounts external.
	must(t, s.DeleteDomain(ctx, f.org.ID, "acme.test"))
	if got, _ := s.GetUser(ctx, f.tenant, carol.ID); got.Managed {
		t.Error("carol is still managed after the domain was removed")
	}
	wantCode(t, s.DeleteDomain(ctx, f.org.ID, "acme.test"), roster.ENotFound)
	domains, _ := s.ListDomains(ctx, f.org.ID)
	if len(domains) != 0 {
		t.Errorf("Domains after removal = %+v", domains)
	}
}

// lastEvent returns the organization's latest event of an action.
func lastEvent(t *testing.T, s roster.Store, orgID, action string) roster.Event {
	t.Helper()
	events, err := s.ListEvents(ctx, orgID, 0, 1000)
	must(t, err)
	for i := len(events) - 1; i >= 0; i-- {
		if events[i].Action == action {
			return events[i]
		}
	}
	t.Fatalf("no %s event", action)
	return roster.Event{}
}
