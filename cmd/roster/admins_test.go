package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/auth"
	"github.com/rosterhq/roster/password"
	"github.com/rosterhq/roster/storage/postgres/pgtest"
)

// withStdin makes the commands a test runs read r as standard input.
func withStdin(t *testing.T, r string) {
	t.Helper()
	saved := stdin
	stdin = strings.NewReader(r)
	t.Cleanup(func() { stdin = saved })
}

// openTestStore opens the database the commands use, to look behind them.
func openTestStore(t *testing.T, env map[string]string) store {
	t.Helper()
	st, err := (&cli{db: env["ROSTER_DB"]}).openStore(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

type adminResult struct {
	ID, OrgID, Email, Created, LastSignIn string
	Password                              bool
	SignInURL, SignInExpires              string
}

type adminTokenResult struct {
	ID, AdminID, Email, Kind, Name, Prefix, Status, Token, Expires, APIURL string
}

func TestAdminAccounts(t *testing.T) {
	db := filepath.Join(t.TempDir(), "roster.db")
	secrets := testAdminAccounts(t, map[string]string{"ROSTER_DB": db, "ROSTER_BASE_URL": "https://roster.example.test/"})
	// Secrets and passwords are stored only hashed: none is anywhere in
	// the database files (their public prefixes are).
	if len(secrets) != 5 {
		t.Fatalf("the flow saw %d secrets, want 5", len(secrets))
	}
	var files [][]byte
	for _, name := range []string{db, db + "-wal"} {
		raw, err := os.ReadFile(name)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		files = append(files, raw)
	}
	if !bytes.Contains(bytes.Join(files, nil), []byte(roster.AdminTokenPrefix(secrets[0]))) {
		t.Fatal("the database files do not even hold a token's prefix: the search below would find nothing anyway")
	}
	for _, raw := range files {
		for _, secret := range append(secrets, "correct horse battery", "a new and longer passphrase") {
			if bytes.Contains(raw, []byte(secret)) {
				t.Errorf("the database holds %q in the clear", secret)
			}
		}
	}
}

func TestAdminAccountsPostgres(t *testing.T) {
	if secrets := testAdminAccounts(t, map[string]string{"ROSTER_DB": pgtest.DSN(t), "ROSTER_BASE_URL": "https://roster.example.test/"}); len(secrets) != 5 {
		t.Errorf("the flow saw %d secrets, want 5", len(secrets))
	}
}

// testAdminAccounts runs the admin commands against env's database and
// returns the secrets they printed.
func testAdminAccounts(t *testing.T, env map[string]string) (secrets []string) {
	const base = "https://roster.example.test"
	var org, other struct{ ID string }
	rosterJSON(t, env, &org, "org", "create", "--name", "Acme")
	rosterJSON(t, env, &other, "org", "create", "--name", "Other")
	st := openTestStore(t, env)
	ctx := context.Background()

	// Without a password: a one-time sign-in link, valid for 24 hours,
	// stored hashed.
	withStdin(t, "")
	var alice adminResult
	rosterJSON(t, env, &alice, "admin", "create", "--org", org.ID, "--email", "Alice@Acme.test")
	secret, ok := strings.CutPrefix(alice.SignInURL, base+"/orgs/"+org.ID+"/signin/")
	if !ok || alice.ID == "" || alice.OrgID != org.ID || alice.Email != "Alice@Acme.test" || alice.Created == "" || alice.Password {
		t.Fatalf("admin create = %+v", alice)
	}
	secrets = append(secrets, secret)
	prefix, ok := roster.ParseAdminTokenSecret(secret)
	if !ok {
		t.Fatalf("sign-in link %q does not end in an admin secret", alice.SignInURL)
	}
	found, err := st.ListAdminTokensByPrefix(ctx, org.ID, prefix)
	if err != nil || len(found) != 1 {
		t.Fatalf("the link's token: %+v, %v", found, err)
	}
	link := found[0]
	if !link.Matches(secret) || bytes.Equal(link.Hash, []byte(secret)) || link.Kind != roster.AdminSignIn || link.AdminID != alice.ID ||
		link.Status(time.Now()) != roster.TokenActive || link.Expires.Sub(time.Now()) > 24*time.Hour || link.Expires.Sub(time.Now()) < 23*time.Hour {
		t.Errorf("stored link = %+v, want a hashed sign-in token of alice expiring in 24h", link)
	}
	if expires, err := time.Parse(time.RFC3339, alice.SignInExpires); err != nil || !expires.Equal(link.Expires) {
		t.Errorf("signInExpires = %q, want %v", alice.SignInExpires, link.Expires)
	}

	// For people: the link, that it is shown once, and that the console
	// serving it comes later.
	out, errOut, code := runCLI(t, env, "admin", "create", "--org", org.ID, "--email", "carol@acme.test")
	if i := strings.Index(out, "/signin/"); i >= 0 {
		secrets = append(secrets, strings.Fields(out[i+len("/signin/"):])[0])
	}
	for _, want := range []string{"Admin created.", "carol@acme.test", "Acme", base + "/orgs/" + org.ID + "/signin/" + roster.AdminSecretPrefix, "only this once", "24 hours", "Sign in button"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("admin create, text: exit %d, output lacks %q:\n%s%s", code, want, out, errOut)
		}
	}

	// With a password from standard input.
	withStdin(t, "correct horse battery\r\n")
	var bob adminResult
	rosterJSON(t, env, &bob, "admin", "create", "--org", org.ID, "--email", "bob@acme.test", "--password-stdin")
	if !bob.Password || bob.SignInURL != "" {
		t.Errorf("admin create --password-stdin = %+v, want a password and no link", bob)
	}
	stored, err := st.GetAdmin(ctx, org.ID, bob.ID)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := password.Check("correct horse battery", stored.PasswordHash); !ok || err != nil {
		t.Errorf("the stored hash %q does not check against the password read: %v", stored.PasswordHash, err)
	}
	if tokens, _ := st.ListAdminTokens(ctx, org.ID, bob.ID); len(tokens) != 0 {
		t.Errorf("an admin created with a password got tokens: %+v", tokens)
	}

	// Errors.
	for _, tc := range []struct {
		stdin string
		args  []string
		want  string
	}{
		{"", []string{"--org", "no-such-org", "--email", "dave@acme.test"}, "no organization"},
		{"", []string{"--org", org.ID, "--email", "ALICE@acme.test"}, "already"},
		{"", []string{"--org", org.ID, "--email", "Dave <dave@acme.test>"}, "not an email address"},
		{"", []string{"--org", org.ID}, "needs --email"},
		{"short\n", []string{"--org", org.ID, "--email", "dave@acme.test", "--password-stdin"}, "at least 12"},
		{"", []string{"--org", org.ID, "--email", "dave@acme.test", "--password-stdin"}, "no password on standard input"},
	} {
		withStdin(t, tc.stdin)
		_, errOut, code := runCLI(t, env, append([]string{"admin", "create"}, tc.args...)...)
		if code == 0 || !strings.Contains(errOut, tc.want) {
			t.Errorf("admin create %v: exit %d, %q; want an error saying %q", tc.args, code, errOut, tc.want)
		}
	}
	if _, err := st.GetAdminByEmail(ctx, org.ID, "dave@acme.test"); roster.ErrorCodeOf(err) != roster.ENotFound {
		t.Errorf("a refused create left dave behind: %v", err)
	}

	// The same email in another organization is another admin.
	var aliceOther adminResult
	rosterJSON(t, env, &aliceOther, "admin", "create", "--org", other.ID, "--email", "alice@acme.test")
	if aliceOther.ID == alice.ID || aliceOther.OrgID != other.ID {
		t.Errorf("alice in the other organization = %+v", aliceOther)
	}

	var admins []adminResult
	rosterJSON(t, env, &admins, "admin", "list", "--org", org.ID)
	var emails []string
	for _, a := range admins {
		emails = append(emails, a.Email)
	}
	if !slices.Equal(emails, []string{"Alice@Acme.test", "bob@acme.test", "carol@acme.test"}) || admins[1].Password != true || admins[0].Password {
		t.Errorf("admin list = %+v", admins)
	}
	if out, _, _ := runCLI(t, env, "admin", "list", "--org", org.ID); !strings.Contains(out, "LAST SIGN-IN") || !strings.Contains(out, "bob@acme.test") {
		t.Errorf("admin list, text:\n%s", out)
	}

	// A new sign-in link replaces the unspent one.
	var relink struct {
		SignInURL string
		Replaced  int
	}
	rosterJSON(t, env, &relink, "admin", "signin-link", "--org", org.ID, "--email", "alice@acme.test")
	secrets = append(secrets, strings.TrimPrefix(relink.SignInURL, base+"/orgs/"+org.ID+"/signin/"))
	if relink.SignInURL == alice.SignInURL || !strings.HasPrefix(relink.SignInURL, base+"/orgs/"+org.ID+"/signin/"+roster.AdminSecretPrefix) || relink.Replaced != 1 {
		t.Errorf("signin-link = %+v", relink)
	}
	if found, _ := st.ListAdminTokensByPrefix(ctx, org.ID, prefix); len(found) != 1 || found[0].Status(time.Now()) != roster.TokenRevoked {
		t.Errorf("the first link after a new one = %+v, want revoked", found)
	}
	if _, errOut, code := runCLI(t, env, "admin", "signin-link", "--org", other.ID, "--email", "bob@acme.test"); code == 0 || !strings.Contains(errOut, "no admin") {
		t.Errorf("signin-link for another organization's admin: exit %d, %q", code, errOut)
	}

	// Passwords: set, refused when short, removed.
	withStdin(t, "a new and longer passphrase\n")
	if _, errOut, code := runCLI(t, env, "admin", "password", "--org", org.ID, "--email", "alice@acme.test"); code != 0 {
		t.Fatalf("admin password: exit %d: %s", code, errOut)
	}
	if a, _ := st.GetAdmin(ctx, org.ID, alice.ID); a == nil || a.PasswordHash == "" {
		t.Error("admin password did not store a hash")
	} else if ok, _ := password.Check("a new and longer passphrase", a.PasswordHash); !ok {
		t.Error("the stored hash does not check")
	}
	withStdin(t, "too short\n")
	if _, errOut, code := runCLI(t, env, "admin", "password", "--org", org.ID, "--email", "bob@acme.test"); code == 0 || !strings.Contains(errOut, "at least 12") {
		t.Errorf("short password: exit %d, %q", code, errOut)
	}
	if a, _ := st.GetAdmin(ctx, org.ID, bob.ID); a.PasswordHash != stored.PasswordHash {
		t.Error("a refused password changed bob's")
	}
	if out, errOut, code := runCLI(t, env, "admin", "password", "--org", org.ID, "--email", "bob@acme.test", "--remove"); code != 0 || !strings.Contains(out, "one-time links only") {
		t.Errorf("admin password --remove: exit %d, %q %q", code, out, errOut)
	}
	if a, _ := st.GetAdmin(ctx, org.ID, bob.ID); a.PasswordHash != "" {
		t.Error("--remove left a password")
	}

	// API tokens.
	var tok adminTokenResult
	rosterJSON(t, env, &tok, "admin", "token", "create", "--org", org.ID, "--email", "bob@acme.test", "--name", "deploy", "--expires", "30d")
	secrets = append(secrets, tok.Token)
	tokPrefix, ok := roster.ParseAdminTokenSecret(tok.Token)
	if !ok || tok.Prefix != tokPrefix || tok.Kind != "api" || tok.Name != "deploy" || tok.AdminID != bob.ID || tok.APIURL != base+"/api/v1" || tok.Expires == "" {
		t.Fatalf("admin token create = %+v", tok)
	}
	if _, ok := roster.ParseTokenSecret(tok.Token); ok {
		t.Error("an admin token passes for a directory token")
	}
	out, _, code = runCLI(t, env, "admin", "token", "create", "--org", org.ID, "--email", "carol@acme.test", "--name", "reports", "--expires", "never")
	if i := strings.Index(out, "Bearer "); i >= 0 {
		secrets = append(secrets, strings.Fields(out[i+len("Bearer "):])[0])
	}
	if code != 0 || !strings.Contains(out, "Authorization: Bearer "+roster.AdminSecretPrefix) || !strings.Contains(out, base+"/api/v1") || !strings.Contains(out, "only this once") {
		t.Errorf("admin token create, text:\n%s", out)
	}
	if _, errOut, code := runCLI(t, env, "admin", "token", "create", "--org", org.ID, "--email", "nobody@acme.test", "--name", "x"); code == 0 || !strings.Contains(errOut, "no admin") {
		t.Errorf("a token for no admin: exit %d, %q", code, errOut)
	}

	var list []adminTokenResult
	rosterJSON(t, env, &list, "admin", "token", "list", "--org", org.ID)
	kinds := map[string]int{}
	for _, l := range list {
		kinds[l.Kind+"/"+l.Status]++
		if l.Token != "" {
			t.Errorf("token list shows a secret: %+v", l)
		}
	}
	if len(list) != 5 || kinds["signin/revoked"] != 1 || kinds["signin/active"] != 2 || kinds["api/active"] != 2 {
		t.Errorf("admin token list = %+v (%v)", list, kinds)
	}
	rosterJSON(t, env, &list, "admin", "token", "list", "--org", org.ID, "--email", "BOB@acme.test")
	if len(list) != 1 || list[0].ID != tok.ID || list[0].Email != "bob@acme.test" {
		t.Errorf("bob's tokens = %+v", list)
	}
	rosterJSON(t, env, &list, "admin", "token", "list", "--org", other.ID)
	if len(list) != 1 || list[0].Email != "alice@acme.test" || list[0].Kind != "signin" {
		t.Errorf("the other organization's tokens = %+v, want its alice's link alone", list)
	}
	out, _, _ = runCLI(t, env, "admin", "token", "list", "--org", org.ID)
	if !strings.Contains(out, tok.Prefix+"…") || strings.Contains(out, tok.Token) || !strings.Contains(out, "LAST USED") {
		t.Errorf("admin token list, text:\n%s", out)
	}

	// Revoke, by prefix; not from another organization; not twice.
	if _, errOut, code := runCLI(t, env, "admin", "token", "revoke", "--org", other.ID, "--token", tok.Prefix); code == 0 || !strings.Contains(errOut, "no admin token") {
		t.Errorf("revoke from another organization: exit %d, %q", code, errOut)
	}
	var revoked struct{ ID, Status string }
	rosterJSON(t, env, &revoked, "admin", "token", "revoke", "--org", org.ID, "--token", tok.Prefix+"…")
	if revoked.ID != tok.ID || revoked.Status != "revoked" {
		t.Errorf("admin token revoke = %+v", revoked)
	}
	if found, _ := st.ListAdminTokensByPrefix(ctx, org.ID, tok.Prefix); len(found) != 1 || found[0].Status(time.Now()) != roster.TokenRevoked {
		t.Errorf("after revoke: %+v", found)
	}
	if _, errOut, code := runCLI(t, env, "admin", "token", "revoke", "--org", org.ID, "--token", tok.ID); code == 0 || !strings.Contains(errOut, "revoked already") {
		t.Errorf("revoking twice: exit %d, %q", code, errOut)
	}
	if _, errOut, code := runCLI(t, env, "admin", "token", "revoke", "--org", org.ID, "--token", "rosteradm_nothing"); code == 0 || !strings.Contains(errOut, "no admin token") {
		t.Errorf("revoking an unknown token: exit %d, %q", code, errOut)
	}

	// Every change is audited as the command line's.
	events, err := st.ListEvents(ctx, org.ID, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, e := range events {
		if strings.HasPrefix(e.Action, "admin") {
			count[e.Action]++
			if e.Actor != "cli" {
				t.Errorf("event %s by %q, want cli", e.Action, e.Actor)
			}
		}
	}
	want := map[string]int{"admin.created": 3, "admin_token.created": 5, "admin_token.revoked": 2, "admin.password_set": 1, "admin.password_removed": 1}
	for action, n := range want {
		if count[action] != n {
			t.Errorf("%d %s events, want %d (all: %v)", count[action], action, n, count)
		}
	}
	return secrets
}

// TestAdminRoleAndRemove: the operator sets roles and removes admins from
// the command line; the last owner stays; a removed admin's API token
// stops working at once.
func TestAdminRoleAndRemove(t *testing.T) {
	env := map[string]string{"ROSTER_DB": filepath.Join(t.TempDir(), "roster.db"), "ROSTER_BASE_URL": "https://roster.example.test/"}
	orgID := createOrg(t, env, "Acme")
	withStdin(t, "")
	var first, second adminResult
	rosterJSON(t, env, &first, "admin", "create", "--org", orgID, "--email", "first@acme.test")
	rosterJSON(t, env, &second, "admin", "create", "--org", orgID, "--email", "second@acme.test")
	var list []struct{ Email, Role string }
	rosterJSON(t, env, &list, "admin", "list", "--org", orgID)
	if len(list) != 2 || list[0].Role != "owner" || list[1].Role != "admin" {
		t.Fatalf("admin list = %+v, want first the owner, second an admin", list)
	}
	if _, errOut, code := runCLI(t, env, "admin", "remove", "--org", orgID, "--email", "first@acme.test"); code == 0 || !strings.Contains(errOut, "at least one owner") {
		t.Errorf("removing the last owner: exit %d, %q", code, errOut)
	}
	if _, errOut, code := runCLI(t, env, "admin", "role", "--org", orgID, "--email", "second@acme.test", "--role", "boss"); code == 0 || !strings.Contains(errOut, "neither owner nor admin") {
		t.Errorf("an unknown role: exit %d, %q", code, errOut)
	}
	var set struct{ Email, Role string }
	rosterJSON(t, env, &set, "admin", "role", "--org", orgID, "--email", "second@acme.test", "--role", "Owner")
	if set.Role != "owner" {
		t.Errorf("admin role = %+v", set)
	}
	var tok adminTokenResult
	rosterJSON(t, env, &tok, "admin", "token", "create", "--org", orgID, "--email", "first@acme.test", "--name", "script")
	st := openTestStore(t, env)
	if _, _, err := (&auth.Admins{Store: st}).Authenticate(context.Background(), orgID, tok.Token, roster.AdminAPI); err != nil {
		t.Fatalf("the token before removal: %v", err)
	}
	out, errOut, code := runCLI(t, env, "admin", "remove", "--org", orgID, "--email", "first@acme.test")
	if code != 0 || !strings.Contains(out, "no longer an admin") {
		t.Fatalf("admin remove: exit %d, %q %q", code, out, errOut)
	}
	if _, _, err := (&auth.Admins{Store: st}).Authenticate(context.Background(), orgID, tok.Token, roster.AdminAPI); roster.ErrorCodeOf(err) != roster.EUnauthorized {
		t.Errorf("a removed admin's API token: %v, want unauthorized", err)
	}
}

// TestDirectoryRename: the CLI renames through the same rule as the
// console: a name taken in the organization (any case) is refused.
func TestDirectoryRename(t *testing.T) {
	env := map[string]string{"ROSTER_DB": filepath.Join(t.TempDir(), "roster.db")}
	orgID := createOrg(t, env, "Acme")
	var okta, entra struct{ ID, Name string }
	rosterJSON(t, env, &okta, "directory", "create", "--org", orgID, "--name", "Okta")
	rosterJSON(t, env, &entra, "directory", "create", "--org", orgID, "--name", "Entra ID")
	if _, errOut, code := runCLI(t, env, "directory", "create", "--org", orgID, "--name", "okta"); code == 0 || !strings.Contains(errOut, "already") {
		t.Errorf("a second okta: exit %d, %q", code, errOut)
	}
	if _, errOut, code := runCLI(t, env, "directory", "rename", "--directory", entra.ID, "--name", "OKTA"); code == 0 || !strings.Contains(errOut, "already") {
		t.Errorf("renaming onto Okta: exit %d, %q", code, errOut)
	}
	var renamed struct{ ID, Name string }
	rosterJSON(t, env, &renamed, "directory", "rename", "--directory", entra.ID, "--name", "Microsoft Entra ID")
	if renamed.ID != entra.ID || renamed.Name != "Microsoft Entra ID" {
		t.Errorf("directory rename = %+v", renamed)
	}
}
