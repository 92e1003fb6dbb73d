package roster

import (
	"errors"
	"fmt"
	"testing"
)

// TestReasons: an error made for a reason carries the code and SCIM type
// the reason fixes, and ReasonOf finds the reason through wrapping, from a
// bare SCIM type, or from the code.
func TestReasons(t *testing.T) {
	for reason, want := range reasons {
		e := E(reason, "detail %d", 1)
		if e.Code != want.code || e.ScimType != want.scimType || e.Reason != reason || e.Detail != "detail 1" {
			t.Errorf("E(%s) = %+v", reason, e)
		}
		if got := ReasonOf(fmt.Errorf("wrapped: %w", e)); got != reason {
			t.Errorf("ReasonOf(wrapped %s) = %s", reason, got)
		}
	}
	if got := ReasonOf(Invalidf(ScimInvalidFilter, "x")); got != ReasonInvalidFilter {
		t.Errorf("ReasonOf(an invalidFilter error) = %s", got)
	}
	if got := ReasonOf(NotFoundf("x")); got != Reason(ENotFound) {
		t.Errorf("ReasonOf(a plain not-found) = %s", got)
	}
	if got := ReasonOf(errors.New("boom")); got != Reason(EInternal) {
		t.Errorf("ReasonOf(a foreign error) = %s", got)
	}
	if ReasonOf(nil) != "" {
		t.Error("ReasonOf(nil) is not empty")
	}
	defer func() {
		if recover() == nil {
			t.Error("E accepted a reason without a row in the table")
		}
	}()
	E("no_such_reason", "x")
}
