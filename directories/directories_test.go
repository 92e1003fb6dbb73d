package directories_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/directories"
	"github.com/rosterhq/roster/storage/sqlite/sqlitetest"
)

var ctx = context.Background()

// TestDirectories: a directory is born with its first token, named after
// it and of the lifetime asked for; deleting one needs its name typed.
func TestDirectories(t *testing.T) {
	s, org := sqlitetest.New(t)
	svc := directories.Service{Store: s}
	for _, bad := range []string{"", "   ", strings.Repeat("x", directories.MaxNameLen+1), "a\x00b"} {
		if _, err := svc.Create(ctx, org.ID, bad, 0); roster.ErrorCodeOf(err) != roster.EInvalid {
			t.Errorf("name %q: %v", bad, err)
		}
	}
	c, err := svc.Create(ctx, org.ID, " Entra ID ", 30*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if c.Directory.Name != "Entra ID" || c.Token.Name != "Entra ID token" || !strings.HasPrefix(c.Secret, roster.TokenSecretPrefix) {
		t.Errorf("Create = %+v", c)
	}
	if left := time.Until(c.Token.Expires); left < 29*24*time.Hour || left > 30*24*time.Hour {
		t.Errorf("the first token expires in %v, want 30 days", left)
	}
	list, _ := s.ListTokens(ctx, org.ID, c.Directory.ID)
	if len(list) != 1 || !list[0].Matches(c.Secret) {
		t.Errorf("stored tokens %+v, want the one whose secret was shown", list)
	}
	if _, err := svc.Delete(ctx, &c.Directory, "entra id"); roster.ErrorCodeOf(err) != roster.EInvalid {
		t.Errorf("a mistyped confirmation: %v", err)
	}
	if _, err := s.GetDirectory(ctx, org.ID, c.Directory.ID); err != nil {
		t.Errorf("a refused deletion deleted: %v", err)
	}
	if _, err := svc.Delete(ctx, &c.Directory, "Entra ID"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetDirectory(ctx, org.ID, c.Directory.ID); roster.ErrorCodeOf(err) != roster.ENotFound {
		t.Errorf("after deletion: %v", err)
	}
}
