package conformance

import (
	"testing"
	"time"

	"github.com/rosterhq/roster"
)

// testAuthGenerationOnTwoNodes: the store's AuthGeneration, which lets
// package auth trust the tokens it verified, grows with every change that
// can make a working token stop working (a revocation, a rotation, a
// directory deleted) and with a directory's settings, on the node that made it at once and on the other
// within roster.AuthGenerationMaxAge; using, creating and refusing tokens
// leave it alone, so that caches stay warm. (Package auth's own test runs
// the cache itself on two nodes.)
func testAuthGenerationOnTwoNodes(t *testing.T, a, b roster.Store) {
	f := newFixture(t, a, "Acme")
	gen := func(s roster.Store) int64 {
		t.Helper()
		n, err := s.AuthGeneration(ctx)
		must(t, err)
		return n
	}
	// changed checks that change, made through a, moves a's generation at
	// once and b's once the bound has passed.
	changed := func(what string, change func() error) {
		t.Helper()
		beforeA, beforeB := gen(a), gen(b)
		must(t, change())
		if gen(a) <= beforeA {
			t.Errorf("%s: the generation of the node that made the change did not grow at once", what)
		}
		time.Sleep(roster.AuthGenerationMaxAge)
		if gen(b) <= beforeB {
			t.Errorf("%s: the other node's generation did not grow within %v", what, roster.AuthGenerationMaxAge)
		}
	}
	unchanged := func(what string, change func() error) {
		t.Helper()
		before := gen(a)
		must(t, change())
		if gen(a) != before {
			t.Errorf("%s moved the generation: every cached token would be read again", what)
		}
	}
	_, tok := roster.NewTokenSecret()
	tok.OrgID, tok.DirectoryID = f.org.ID, f.dir.ID
	unchanged("creating a token", func() error { return a.CreateToken(ctx, &tok) })
	unchanged("recording a token's use", func() error { return a.TouchToken(ctx, f.dir.ID, tok.ID, time.Now()) })
	_, next := roster.NewTokenSecret()
	changed("a rotation", func() error { return a.RotateToken(ctx, f.tenant, tok.ID, time.Now().Add(time.Hour), &next) })
	changed("a revocation", func() error { return a.RevokeToken(ctx, f.tenant, next.ID) })
	changed("strict mode turned on", func() error {
		_, err := a.UpdateDirectory(ctx, f.org.ID, f.dir.ID, func(d *roster.Directory) error { d.Strict = true; return nil })
		return err
	})
	other := f.addDirectory(t, a, "Okta")
	changed("a directory deleted", func() error { _, _, err := a.DeleteDirectory(ctx, f.org.ID, other.ID); return err })
}
