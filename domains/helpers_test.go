package domains

import (
	"errors"
	"strings"
	"testing"

	"github.com/rosterhq/roster"
)

func errorsAs(err error, target any) bool { return err != nil && errors.As(err, target) }

// wantInvalid fails unless err is a *roster.Error of code EInvalid without
// SCIM type whose detail holds every one of want.
func wantInvalid(t *testing.T, err error, want ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want one containing %q", want)
	}
	var e *roster.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not a *roster.Error", err, err)
	}
	if e.Code != roster.EInvalid || e.ScimType != "" {
		t.Errorf("error code %q scimType %q, want %q and none", e.Code, e.ScimType, roster.EInvalid)
	}
	for _, w := range want {
		if !strings.Contains(e.Detail, w) {
			t.Errorf("detail %q does not contain %q", e.Detail, w)
		}
	}
}
