// Package sqlitetest gives tests a real store: a fresh SQLite database in
// the test's temporary directory, with one organization, closed when the
// test ends. It is for the use-case packages' tests, which need a store
// but test no backend; the backends' own behaviour is the conformance
// suite's.
package sqlitetest

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/storage/sqlite"
	"github.com/rosterhq/roster/storage/sqlstore"
)

// New opens a fresh store with an organization named Acme.
func New(t testing.TB) (*sqlstore.Store, roster.Org) {
	t.Helper()
	return At(t, filepath.Join(t.TempDir(), "roster.db"))
}

// At opens a fresh store at path, for tests that watch the database's
// files, with an organization named Acme.
func At(t testing.TB, path string) (*sqlstore.Store, roster.Org) {
	t.Helper()
	ctx := context.Background()
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	org := roster.Org{Name: "Acme"}
	if err := s.CreateOrg(ctx, &org); err != nil {
		t.Fatal(err)
	}
	return s, org
}

// NewDirectory opens a fresh store as New does, with a directory named
// Entra in the organization, and returns the directory's scope.
func NewDirectory(t testing.TB) (*sqlstore.Store, roster.DirectoryScope) {
	t.Helper()
	s, org := New(t)
	dir, _ := Directory(t, s, org, "Entra")
	return s, roster.DirectoryScope{OrgID: org.ID, DirectoryID: dir.ID}
}

// Directory creates a directory named name in org and returns it with
// the secret of its first token.
func Directory(t testing.TB, s *sqlstore.Store, org roster.Org, name string) (roster.Directory, string) {
	t.Helper()
	secret, tok := roster.NewTokenSecret()
	dir := roster.Directory{OrgID: org.ID, Name: name}
	if err := s.CreateDirectory(context.Background(), &dir, &tok); err != nil {
		t.Fatal(err)
	}
	return dir, secret
}
