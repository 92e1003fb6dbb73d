package conformance

import (
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rosterhq/roster"
)

// Fixed argon2id PHC strings: the store keeps hashes, it does not make
// them (package password does, slowly on purpose).
const (
	adminHash1 = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHRzYWx0c2FsdA$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U"
	adminHash2 = "$argon2id$v=19$m=65536,t=3,p=4$b3RoZXJzYWx0b3RoZXJzYQ$b3RoZXJrZXlvdGhlcmtleW90aGVya2V5b3RoZXI"
)

// testAdmins: organization admins and their tokens. Emails are unique per
// organization whatever their case; every read is confined to the
// organization; a one-time token is spent exactly once however many try at
// once; every change is audited, and no event holds a secret or a hash.
func testAdmins(t *testing.T, s roster.Store) {
	f := newFixture(t, s, "Acme")
	other := newFixture(t, s, "Other")
	actx := roster.WithActor(ctx, "cli")

	// Create.
	alice := roster.Admin{OrgID: f.org.ID, Email: "Alice@Acme.test", PasswordHash: adminHash1}
	must(t, s.CreateAdmin(actx, &alice))
	if alice.ID == "" || alice.Created.IsZero() || time.Since(alice.Created) > time.Minute || !alice.LastSignIn.IsZero() {
		t.Fatalf("created admin = %+v, want an ID and a creation time", alice)
	}
	wantCode(t, s.CreateAdmin(actx, &roster.Admin{OrgID: f.org.ID, Email: "alice@ACME.TEST"}), roster.EConflict)
	wantCode(t, s.CreateAdmin(actx, &roster.Admin{OrgID: "no-such-org", Email: "x@acme.test"}), roster.ENotFound)
	wantCode(t, s.CreateAdmin(actx, &roster.Admin{OrgID: f.org.ID, Email: "not an address"}), roster.EInvalid)
	wantCode(t, s.CreateAdmin(actx, &roster.Admin{OrgID: f.org.ID, Email: "plain@acme.test", PasswordHash: "hunter2hunter2"}), roster.EInvalid)
	// The same person may administer another organization.
	aliceElsewhere := roster.Admin{OrgID: other.org.ID, Email: "alice@acme.test"}
	must(t, s.CreateAdmin(actx, &aliceElsewhere))
	bob := roster.Admin{OrgID: f.org.ID, Email: "bob@acme.test"}
	must(t, s.CreateAdmin(actx, &bob))

	// Read, confined to the organization.
	got, err := s.GetAdmin(ctx, f.org.ID, alice.ID)
	must(t, err)
	if got.Email != "Alice@Acme.test" || got.OrgID != f.org.ID || got.PasswordHash != adminHash1 || !got.Created.Equal(alice.Created) || got.Created.Location() != time.UTC {
		t.Errorf("Admin = %+v, want what was created (%+v)", got, alice)
	}
	wantCode(t, errOf(s.GetAdmin(ctx, other.org.ID, alice.ID)), roster.ENotFound)
	wantCode(t, errOf(s.GetAdmin(ctx, f.org.ID, "no-such-admin")), roster.ENotFound)
	byEmail, err := s.GetAdminByEmail(ctx, f.org.ID, "ALICE@acme.TEST")
	must(t, err)
	if byEmail.ID != alice.ID {
		t.Errorf("AdminByEmail in another case = %s, want alice %s", byEmail.ID, alice.ID)
	}
	byEmail, err = s.GetAdminByEmail(ctx, other.org.ID, "alice@acme.test")
	must(t, err)
	if byEmail.ID != aliceElsewhere.ID {
		t.Errorf("AdminByEmail in the other org = %s, want that org's alice %s", byEmail.ID, aliceElsewhere.ID)
	}
	wantCode(t, errOf(s.GetAdminByEmail(ctx, other.org.ID, "bob@acme.test")), roster.ENotFound)
	list, err := s.ListAdmins(ctx, f.org.ID)
	must(t, err)
	if len(list) != 2 || list[0].ID != alice.ID || list[1].ID != bob.ID {
		t.Errorf("Admins = %+v, want alice and bob", list)
	}
	list, _ = s.ListAdmins(ctx, other.org.ID)
	if len(list) != 1 || list[0].ID != aliceElsewhere.ID {
		t.Errorf("the other org's Admins = %+v, want its alice alone", list)
	}

	// Passwords.
	must(t, s.SetAdminPassword(actx, f.org.ID, bob.ID, adminHash2))
	if got, _ := s.GetAdmin(ctx, f.org.ID, bob.ID); got.PasswordHash != adminHash2 {
		t.Errorf("after setting: hash %q, want %q", got.PasswordHash, adminHash2)
	}
	must(t, s.SetAdminPassword(actx, f.org.ID, alice.ID, ""))
	if got, _ := s.GetAdmin(ctx, f.org.ID, alice.ID); got.PasswordHash != "" {
		t.Errorf("after removing: hash %q, want none", got.PasswordHash)
	}
	wantCode(t, s.SetAdminPassword(actx, other.org.ID, bob.ID, adminHash1), roster.ENotFound)
	wantCode(t, s.SetAdminPassword(actx, f.org.ID, bob.ID, "in the clear"), roster.EInvalid)
	if got, _ := s.GetAdmin(ctx, f.org.ID, bob.ID); got.PasswordHash != adminHash2 {
		t.Errorf("a refused change altered the hash: %q", got.PasswordHash)
	}

	// Sign-in.
	signedIn := time.Now().UTC().Truncate(time.Microsecond)
	must(t, s.RecordAdminSignIn(actx, f.org.ID, bob.ID, signedIn))
	if got, _ := s.GetAdmin(ctx, f.org.ID, bob.ID); !got.LastSignIn.Equal(signedIn) {
		t.Errorf("LastSignIn = %v, want %v", got.LastSignIn, signedIn)
	}
	wantCode(t, s.RecordAdminSignIn(actx, other.org.ID, bob.ID, signedIn), roster.ENotFound)

	// Tokens.
	apiSecret, api := roster.NewAdminTokenSecret()
	api.OrgID, api.AdminID, api.Kind, api.Name = f.org.ID, bob.ID, roster.AdminAPI, "deploy script"
	api.Expires = time.Now().Add(time.Hour).UTC().Truncate(time.Microsecond)
	must(t, s.CreateAdminToken(actx, &api))
	if api.ID == "" || api.Created.IsZero() {
		t.Fatalf("created token = %+v", api)
	}
	found, err := s.ListAdminTokensByPrefix(ctx, f.org.ID, roster.AdminTokenPrefix(apiSecret))
	must(t, err)
	if len(found) != 1 || !found[0].Matches(apiSecret) || found[0].ID != api.ID || found[0].AdminID != bob.ID || found[0].Kind != roster.AdminAPI ||
		found[0].Name != "deploy script" || !found[0].Expires.Equal(api.Expires) || found[0].Status(time.Now()) != roster.TokenActive {
		t.Fatalf("AdminTokensByPrefix = %+v, want the deploy script token", found)
	}
	if found, _ := s.ListAdminTokensByPrefix(ctx, other.org.ID, api.Prefix); len(found) != 0 {
		t.Errorf("another organization finds the token: %+v", found)
	}
	cross := roster.AdminToken{OrgID: other.org.ID, AdminID: bob.ID, Kind: roster.AdminAPI, Prefix: api.Prefix, Hash: api.Hash}
	wantCode(t, s.CreateAdminToken(actx, &cross), roster.ENotFound)
	_, bad := roster.NewAdminTokenSecret()
	bad.OrgID, bad.AdminID, bad.Kind = f.org.ID, bob.ID, "root"
	wantCode(t, s.CreateAdminToken(actx, &bad), roster.EInvalid)

	linkSecret, link := roster.NewAdminTokenSecret()
	link.OrgID, link.AdminID, link.Kind = f.org.ID, alice.ID, roster.AdminSignIn
	link.Expires = time.Now().Add(roster.AdminSignInLifetime).UTC()
	must(t, s.CreateAdminToken(actx, &link))
	if link.Name == "" {
		t.Error("a token created without a name has none")
	}
	bobs, err := s.ListAdminTokens(ctx, f.org.ID, bob.ID)
	must(t, err)
	if len(bobs) != 1 || bobs[0].ID != api.ID {
		t.Errorf("bob's tokens = %+v, want the API token alone", bobs)
	}
	if list, _ := s.ListAdminTokens(ctx, other.org.ID, bob.ID); len(list) != 0 {
		t.Errorf("another organization lists bob's tokens: %+v", list)
	}

	used := time.Now().UTC().Truncate(time.Microsecond)
	must(t, s.TouchAdminToken(ctx, f.org.ID, api.ID, used))
	must(t, s.TouchAdminToken(ctx, f.org.ID, api.ID, used.Add(-time.Hour))) // an older time does not move it back
	must(t, s.TouchAdminToken(ctx, other.org.ID, api.ID, used.Add(time.Hour)))
	found, _ = s.ListAdminTokensByPrefix(ctx, f.org.ID, api.Prefix)
	if !found[0].LastUsed.Equal(used) {
		t.Errorf("LastUsed = %v, want %v", found[0].LastUsed, used)
	}

	// Revoke.
	wantCode(t, s.RevokeAdminToken(actx, other.org.ID, api.ID), roster.ENotFound)
	must(t, s.RevokeAdminToken(actx, f.org.ID, api.ID))
	found, _ = s.ListAdminTokensByPrefix(ctx, f.org.ID, api.Prefix)
	if len(found) != 1 || found[0].Status(time.Now()) != roster.TokenRevoked || time.Since(found[0].Revoked) > time.Minute {
		t.Errorf("revoked token = %+v, want status revoked", found)
	}
	wantCode(t, s.RevokeAdminToken(actx, f.org.ID, api.ID), roster.ENotFound)

	// Spend: another organization cannot; then exactly one of 20
	// concurrent calls does.
	wantCode(t, errOf(s.SpendAdminToken(actx, other.org.ID, link.ID)), roster.ENotFound)
	wantCode(t, errOf(s.SpendAdminToken(actx, f.org.ID, "no-such-token")), roster.ENotFound)
	const n = 20
	var wg sync.WaitGroup
	type result struct {
		spent bool
		err   error
	}
	results := make(chan result, n)
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Go(func() {
			<-start
			spent, err := s.SpendAdminToken(actx, f.org.ID, link.ID)
			results <- result{spent, err}
		})
	}
	close(start)
	wg.Wait()
	close(results)
	won := 0
	for r := range results {
		if r.err != nil {
			t.Errorf("SpendAdminToken: %v", r.err)
		}
		if r.spent {
			won++
		}
	}
	if won != 1 {
		t.Errorf("%d of %d concurrent spends succeeded, want exactly 1", won, n)
	}
	if spent, err := s.SpendAdminToken(actx, f.org.ID, link.ID); spent || err != nil {
		t.Errorf("spending a spent link again = %v, %v; want false, nil", spent, err)
	}
	found, _ = s.ListAdminTokensByPrefix(ctx, f.org.ID, roster.AdminTokenPrefix(linkSecret))
	if len(found) != 1 || found[0].Status(time.Now()) != roster.TokenRevoked {
		t.Errorf("spent link = %+v, want revoked", found)
	}

	// Events: each change once, in order, by the actor, with no secret.
	events, err := s.ListEvents(ctx, f.org.ID, 0, 1000)
	must(t, err)
	var actions []string
	for _, e := range events {
		if e.ResourceType != "Admin" && e.ResourceType != "AdminToken" {
			continue
		}
		actions = append(actions, e.Action)
		if e.Actor != "cli" {
			t.Errorf("event %s by %q, want cli", e.Action, e.Actor)
		}
		for _, secret := range []string{apiSecret, linkSecret, adminHash1, adminHash2, "c2FsdHNhbHRzYWx0c2FsdA"} {
			if strings.Contains(e.Detail, secret) {
				t.Errorf("event %s holds a secret or a hash: %s", e.Action, e.Detail)
			}
		}
	}
	want := []string{"admin.created", "admin.created", "admin.password_set", "admin.password_removed", "admin.signed_in",
		"admin_token.created", "admin_token.created", "admin_token.revoked", "admin_token.spent"}
	if !slices.Equal(actions, want) {
		t.Errorf("admin events = %v, want %v", actions, want)
	}
	created := lastEvent(t, s, f.org.ID, "admin_token.created")
	var d map[string]any
	must(t, json.Unmarshal([]byte(created.Detail), &d))
	if d["kind"] != "signin" || d["prefix"] != link.Prefix || d["name"] != link.Name || created.ResourceID != link.ID {
		t.Errorf("admin_token.created event = %+v", created)
	}
	if e := lastEvent(t, s, f.org.ID, "admin.created"); e.ResourceID != bob.ID || !strings.Contains(e.Detail, "bob@acme.test") {
		t.Errorf("admin.created event = %+v", e)
	}
	otherEvents, _ := s.ListEvents(ctx, other.org.ID, 0, 1000)
	for _, e := range otherEvents {
		if e.ResourceType == "AdminToken" || e.ResourceID == bob.ID {
			t.Errorf("a change in Acme was audited in Other: %+v", e)
		}
	}
}

// errOf returns a call's error alone.
func errOf[T any](_ T, err error) error { return err }
