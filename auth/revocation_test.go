package auth_test

import (
	"context"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/auth"
	"github.com/rosterhq/roster/storage/conformance"
	"github.com/rosterhq/roster/storage/postgres"
	"github.com/rosterhq/roster/storage/postgres/pgtest"
	"github.com/rosterhq/roster/storage/sqlite"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// TestRevocationOnTwoNodes runs testRevocationOnTwoNodes on two stores of
// one SQLite file and of one PostgreSQL database, as two nodes open them.
func TestRevocationOnTwoNodes(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "roster.db")
		a, err := sqlite.Open(ctx, path)
		must(t, err)
		defer a.Close()
		b, err := sqlite.Open(ctx, path)
		must(t, err)
		defer b.Close()
		testRevocationOnTwoNodes(t, a, b)
		testAdminRevocationOnTwoNodes(t, a, b)
	})
	t.Run("postgres", func(t *testing.T) {
		dsn := pgtest.DSN(t)
		a, err := postgres.Open(ctx, dsn, postgres.Options{})
		must(t, err)
		defer a.Close()
		b, err := postgres.Open(ctx, dsn, postgres.Options{})
		must(t, err)
		defer b.Close()
		testRevocationOnTwoNodes(t, a, b)
		testAdminRevocationOnTwoNodes(t, a, b)
	})
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// tokenReads is a store that counts the token reads authentication makes,
// to tell a cached check from a read.
type tokenReads struct {
	roster.Store
	n atomic.Int64
}

func (c *tokenReads) ListAdminTokensByPrefix(ctx context.Context, orgID, prefix string) ([]roster.AdminToken, error) {
	c.n.Add(1)
	return c.Store.ListAdminTokensByPrefix(ctx, orgID, prefix)
}

func (c *tokenReads) ListTokensByPrefix(ctx context.Context, dirID, prefix string) ([]roster.Token, error) {
	c.n.Add(1)
	return c.Store.ListTokensByPrefix(ctx, dirID, prefix)
}

// testRevocationOnTwoNodes: nodes authenticate tokens from memory
// (package auth's cache, validated by the store's AuthGeneration), and yet
// a token revoked, rotated away or deleted with its directory through one
// node is refused by that node at once, and by the other no later than
// roster.AuthGenerationMaxAge after the change committed.
func testRevocationOnTwoNodes(t *testing.T, a, b roster.Store) {
	org, dir := conformance.NewDirectory(t, a, "Acme")
	onA := &auth.Directories{Store: a}
	readsB := &tokenReads{Store: b}
	onB := &auth.Directories{Store: readsB}
	newToken := func(dirID string) (string, roster.Token) {
		secret, tok := roster.NewTokenSecret()
		tok.OrgID, tok.DirectoryID = org.ID, dirID
		must(t, a.CreateToken(ctx, &tok))
		return secret, tok
	}
	works := func(node *auth.Directories, dirID, secret string) {
		t.Helper()
		if _, err := node.Authenticate(ctx, dirID, secret); err != nil {
			t.Fatalf("a working token was refused: %v", err)
		}
	}
	// refusedWithin checks that the node refuses the secret with reason
	// want once bound has passed since the change, and reports how soon it
	// did (polled every millisecond).
	refusedWithin := func(what string, node *auth.Directories, dirID, secret string, want roster.Reason, changed time.Time, bound time.Duration) {
		t.Helper()
		for {
			_, err := node.Authenticate(ctx, dirID, secret)
			if err != nil {
				if roster.ReasonOf(err) != want {
					t.Fatalf("%s: refused with %v, want reason %s", what, err, want)
				}
				t.Logf("%s: refused %v after the change", what, time.Since(changed).Round(time.Microsecond))
				return
			}
			if time.Since(changed) > bound {
				t.Fatalf("%s: still accepted %v after the change, bound %v", what, time.Since(changed), bound)
			}
			time.Sleep(time.Millisecond)
		}
	}

	// Cached: once verified, a token costs the other node no read.
	secret, tok := newToken(dir.ID)
	works(onA, dir.ID, secret)
	works(onB, dir.ID, secret)
	before := readsB.n.Load()
	for range 50 {
		works(onB, dir.ID, secret)
	}
	if n := readsB.n.Load() - before; n != 0 {
		t.Errorf("50 checks of a verified token read the token %d times, want 0 (no cache?)", n)
	}
	// The cache is by secret: another token of the directory is not let in
	// by it, nor is the cached token in another directory.
	other := conformance.AddDirectory(t, a, org.ID, "Okta")
	if _, err := onB.Authenticate(ctx, other.ID, secret); roster.ReasonOf(err) != roster.ReasonTokenUnknown {
		t.Errorf("a cached token in another directory: %v, want reason %s", err, roster.ReasonTokenUnknown)
	}
	if _, err := onB.Authenticate(ctx, dir.ID, secretOf(roster.NewTokenSecret())); roster.ReasonOf(err) != roster.ReasonTokenUnknown {
		t.Errorf("an unknown token: %v, want reason %s", err, roster.ReasonTokenUnknown)
	}

	// Revoked through a: a refuses it at once, b within the bound.
	must(t, a.RevokeToken(ctx, dir.Scope(), tok.ID))
	revoked := time.Now()
	if _, err := onA.Authenticate(ctx, dir.ID, secret); roster.ReasonOf(err) != roster.ReasonTokenRevoked {
		t.Errorf("the revoking node accepted the token right after the revocation: %v", err)
	}
	refusedWithin("revoked", onB, dir.ID, secret, roster.ReasonTokenRevoked, revoked, roster.AuthGenerationMaxAge+time.Second)
	// Deterministically: once the bound has passed, the first check refuses.
	secret2, tok2 := newToken(dir.ID)
	works(onB, dir.ID, secret2)
	must(t, a.RevokeToken(ctx, dir.Scope(), tok2.ID))
	time.Sleep(roster.AuthGenerationMaxAge)
	if _, err := onB.Authenticate(ctx, dir.ID, secret2); roster.ReasonOf(err) != roster.ReasonTokenRevoked {
		t.Errorf("%v after a revocation on the other node, the token still works: %v", roster.AuthGenerationMaxAge, err)
	}

	// Rotated through b with no grace period: the old token dies on a.
	secret3, tok3 := newToken(dir.ID)
	works(onA, dir.ID, secret3)
	_, next := roster.NewTokenSecret()
	must(t, b.RotateToken(ctx, dir.Scope(), tok3.ID, time.Now(), &next))
	rotated := time.Now()
	if _, err := onB.Authenticate(ctx, dir.ID, secret3); roster.ReasonOf(err) != roster.ReasonTokenExpired {
		t.Errorf("the rotating node accepted the old token right after a rotation without grace: %v", err)
	}
	refusedWithin("rotated", onA, dir.ID, secret3, roster.ReasonTokenExpired, rotated, roster.AuthGenerationMaxAge+time.Second)

	// The directory deleted through a: its token dies on b.
	third := conformance.AddDirectory(t, a, org.ID, "Google")
	secret4, _ := newToken(third.ID)
	works(onB, third.ID, secret4)
	_, _, err := a.DeleteDirectory(ctx, org.ID, third.ID)
	must(t, err)
	deleted := time.Now()
	refusedWithin("directory deleted", onB, third.ID, secret4, roster.ReasonTokenUnknown, deleted, roster.AuthGenerationMaxAge+time.Second)
}

// testAdminRevocationOnTwoNodes: admin API tokens are cached like
// directory tokens, and a revocation through one node is refused by it at
// once and by the other within roster.AuthGenerationMaxAge.
func testAdminRevocationOnTwoNodes(t *testing.T, a, b roster.Store) {
	org, _ := conformance.NewDirectory(t, a, "Globex")
	admin := roster.Admin{OrgID: org.ID, Email: "ann@globex.test"}
	must(t, a.CreateAdmin(ctx, &admin))
	secret, tok := roster.NewAdminTokenSecret()
	tok.OrgID, tok.AdminID, tok.Kind, tok.Name = org.ID, admin.ID, roster.AdminAPI, "script"
	must(t, a.CreateAdminToken(ctx, &tok))
	onA := &auth.Admins{Store: a}
	readsB := &tokenReads{Store: b}
	onB := &auth.Admins{Store: readsB}
	for _, node := range []*auth.Admins{onA, onB} {
		if _, _, err := node.Authenticate(ctx, org.ID, secret, roster.AdminAPI); err != nil {
			t.Fatalf("a working admin token was refused: %v", err)
		}
	}
	before := readsB.n.Load()
	for range 50 {
		if _, _, err := onB.Authenticate(ctx, org.ID, secret, roster.AdminAPI); err != nil {
			t.Fatal(err)
		}
	}
	if n := readsB.n.Load() - before; n != 0 {
		t.Errorf("50 checks of a verified admin token read it %d times, want 0", n)
	}
	// The cache does not let a token in as another kind.
	if _, _, err := onB.Authenticate(ctx, org.ID, secret, roster.AdminSession); roster.ReasonOf(err) != roster.ReasonTokenUnknown {
		t.Errorf("a cached API token as a console session: %v, want reason %s", err, roster.ReasonTokenUnknown)
	}
	must(t, a.RevokeAdminToken(ctx, org.ID, tok.ID))
	revoked := time.Now()
	if _, _, err := onA.Authenticate(ctx, org.ID, secret, roster.AdminAPI); roster.ReasonOf(err) != roster.ReasonTokenRevoked {
		t.Errorf("the revoking node accepted the admin token right after the revocation: %v", err)
	}
	for {
		_, _, err := onB.Authenticate(ctx, org.ID, secret, roster.AdminAPI)
		if err != nil {
			if roster.ReasonOf(err) != roster.ReasonTokenRevoked {
				t.Fatalf("refused with %v, want reason %s", err, roster.ReasonTokenRevoked)
			}
			t.Logf("admin token: refused %v after the revocation", time.Since(revoked).Round(time.Microsecond))
			break
		}
		if time.Since(revoked) > roster.AuthGenerationMaxAge+time.Second {
			t.Fatalf("the other node still accepts the admin token %v after its revocation", time.Since(revoked))
		}
		time.Sleep(time.Millisecond)
	}
}
