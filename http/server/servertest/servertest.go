// Package servertest runs a second Roster for tests: the application an
// outbound connector provisions. It is a fresh SQLite store with one
// directory, served over HTTP by the real handler, so that a connector's
// requests meet everything a real application running Roster would do to
// them. It is imported by tests only.
//
// It may depend on http/server, http/urls, the root package and
// storage/sqlite/sqlitetest.
package servertest

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/http/server"
	"github.com/rosterhq/roster/http/urls"
	"github.com/rosterhq/roster/storage/sqlite/sqlitetest"
	"github.com/rosterhq/roster/storage/sqlstore"
)

// Application is the second Roster, closed when the test ends.
type Application struct {
	Store *sqlstore.Store
	Scope roster.DirectoryScope // its one directory, "From the hub"
	Token string                // the directory's bearer token
	URL   string                // the server's URL
	Base  string                // the directory's SCIM base URL
}

// NewApplication starts one. wrap, where it is not nil, stands in front of
// the handler: a test that makes the application fail writes, say.
func NewApplication(t testing.TB, wrap func(http.Handler) http.Handler) *Application {
	t.Helper()
	st, org := sqlitetest.New(t)
	dir, secret := sqlitetest.Directory(t, st, org, "From the hub")
	h := server.Handler(server.Config{Store: st})
	if wrap != nil {
		h = wrap(h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &Application{Store: st, Scope: roster.DirectoryScope{OrgID: org.ID, DirectoryID: dir.ID}, Token: secret,
		URL: srv.URL, Base: urls.DirectoryBase(srv.URL, dir.ID)}
}
