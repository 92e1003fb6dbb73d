package conformance

import (
	"sync"
	"testing"
	"time"

	"github.com/rosterhq/roster"
)

// testRotationIsSingleUse: a token can be rotated once. Ten rotations of
// one token at the same moment leave exactly one successor (the others are
// refused with ReasonTokenReplaced), and the retiring token cannot be
// rotated again.
func testRotationIsSingleUse(t *testing.T, s roster.Store) { rotateOnNodes(t, s, s) }

// testRotationOnTwoNodes: the same, with the rotations split between two
// nodes on one database.
func testRotationOnTwoNodes(t *testing.T, a, b roster.Store) { rotateOnNodes(t, a, b) }

// rotateOnNodes rotates one token ten times at once, half through each
// store, and checks that exactly one rotation won.
func rotateOnNodes(t *testing.T, s, other roster.Store) {
	f := newFixture(t, s, "Acme")
	_, old := roster.NewTokenSecret()
	old.OrgID, old.DirectoryID, old.Name = f.org.ID, f.dir.ID, "entra"
	must(t, s.CreateToken(ctx, &old))
	before, err := s.ListTokens(ctx, f.org.ID, f.dir.ID)
	must(t, err)

	const n = 10
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			_, next := roster.NewTokenSecret()
			node := s
			if i%2 == 1 {
				node = other
			}
			errs[i] = node.RotateToken(ctx, roster.DirectoryScope{OrgID: f.org.ID, DirectoryID: f.dir.ID}, old.ID, time.Now().Add(time.Hour), &next)
		})
	}
	close(start)
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case roster.ReasonOf(err) != roster.ReasonTokenReplaced:
			t.Errorf("a losing rotation failed with %v, want reason %s", err, roster.ReasonTokenReplaced)
		}
	}
	if won != 1 {
		t.Fatalf("%d of %d concurrent rotations succeeded, want exactly 1", won, n)
	}
	after, err := s.ListTokens(ctx, f.org.ID, f.dir.ID)
	must(t, err)
	if len(after) != len(before)+1 {
		t.Fatalf("%d tokens after the rotations, want %d: one successor", len(after), len(before)+1)
	}
	var retiring roster.Token
	for _, tok := range after {
		if tok.ID == old.ID {
			retiring = tok
		}
	}
	if retiring.ReplacedBy == "" || !retiring.Retiring(time.Now()) {
		t.Fatalf("the rotated token is %+v, want it retiring with its successor named", retiring)
	}
	_, again := roster.NewTokenSecret()
	if err := s.RotateToken(ctx, roster.DirectoryScope{OrgID: f.org.ID, DirectoryID: f.dir.ID}, old.ID, time.Now().Add(time.Hour), &again); roster.ReasonOf(err) != roster.ReasonTokenReplaced {
		t.Errorf("rotating a retiring token again: %v, want reason %s", err, roster.ReasonTokenReplaced)
	}
}
