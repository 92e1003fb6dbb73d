package server

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/storage/sqlite"
	"github.com/rosterhq/roster/storage/sqlstore"
)

// newDirectory opens a fresh SQLite store (closed when the test ends) with
// an organization named Acme and one directory named name, and returns its
// first token's secret.
func newDirectory(t *testing.T, name string) (*sqlstore.Store, roster.Org, roster.Directory, string) {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "roster.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	org := roster.Org{Name: "Acme"}
	if err := st.CreateOrg(ctx, &org); err != nil {
		t.Fatal(err)
	}
	secret, tok := roster.NewTokenSecret()
	dir := roster.Directory{OrgID: org.ID, Name: name}
	if err := st.CreateDirectory(ctx, &dir, &tok); err != nil {
		t.Fatal(err)
	}
	return st, org, dir, secret
}
