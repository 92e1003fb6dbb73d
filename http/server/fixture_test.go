package server

import (
	"testing"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/storage/sqlite/sqlitetest"
	"github.com/rosterhq/roster/storage/sqlstore"
)

// newDirectory opens a fresh SQLite store (closed when the test ends) with
// an organization named Acme and one directory named name, and returns its
// first token's secret.
func newDirectory(t *testing.T, name string) (*sqlstore.Store, roster.Org, roster.Directory, string) {
	t.Helper()
	st, org := sqlitetest.New(t)
	dir, secret := sqlitetest.Directory(t, st, org, name)
	return st, org, dir, secret
}
