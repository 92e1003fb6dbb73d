package roster_test

import (
	"testing"

	"github.com/rosterhq/roster"
)

// TestOpHolds: each operator against values below, equal to and above
// the filter's, and the text operators on both sides of their match.
func TestOpHolds(t *testing.T) {
	for _, c := range []struct {
		op                 roster.Op
		below, equal, over bool
	}{
		{roster.Eq, false, true, false},
		{roster.Ne, true, false, true},
		{roster.Gt, false, false, true},
		{roster.Ge, false, true, true},
		{roster.Lt, true, false, false},
		{roster.Le, true, true, false},
		{roster.Co, false, false, false},
		{roster.Pr, false, false, false},
	} {
		if got := [3]bool{c.op.Holds(-1), c.op.Holds(0), c.op.Holds(1)}; got != [3]bool{c.below, c.equal, c.over} {
			t.Errorf("%s holds for -1, 0, 1: %v, want %v", c.op, got, [3]bool{c.below, c.equal, c.over})
		}
	}
	for _, c := range []struct {
		op        roster.Op
		got, want string
		holds     bool
	}{
		{roster.Co, "ann archer", "n ar", true},
		{roster.Co, "ann archer", "bob", false},
		{roster.Sw, "ann archer", "ann", true},
		{roster.Sw, "ann archer", "archer", false},
		{roster.Ew, "ann archer", "archer", true},
		{roster.Ew, "ann archer", "ann", false},
		{roster.Eq, "ann", "ann", true},
		{roster.Gt, "bob", "ann", true},
		{roster.Lt, "bob", "ann", false},
		{roster.Ne, "ann", "ann", false},
	} {
		if got := c.op.HoldsText(c.got, c.want); got != c.holds {
			t.Errorf("%q %s %q: %v, want %v", c.got, c.op, c.want, got, c.holds)
		}
	}
}
