package console_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/http/server"
	"github.com/rosterhq/roster/storage/sqlite"
)

// benchOrg is an organization with one directory of n users, all members
// of one group, and a signed-in admin: the pages an admin of a large
// organization opens.
type benchOrg struct {
	handler http.Handler
	cookie  *http.Cookie
	org     string
	group   string
	middle  string // the ID of the group's middle member
}

// benchUsers is the organization's size; ROSTER_BENCH_USERS overrides it.
func benchUsers() int {
	if n, err := strconv.Atoi(os.Getenv("ROSTER_BENCH_USERS")); err == nil && n > 0 {
		return n
	}
	return 100_000
}

func newBenchOrg(b *testing.B) *benchOrg {
	b.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "roster.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	org := roster.Org{Name: "Acme"}
	check := func(err error) {
		if err != nil {
			b.Fatal(err)
		}
	}
	check(st.CreateOrg(ctx, &org))
	check(st.CreateDomain(ctx, &roster.Domain{OrgID: org.ID, Name: "acme.test", Token: "t"}))
	_, err = st.UpdateDomain(ctx, org.ID, "acme.test", func(d *roster.Domain) error {
		d.Status, d.VerifiedAt = roster.DomainVerified, time.Now()
		return nil
	})
	check(err)
	_, tok := roster.NewTokenSecret()
	dir := roster.Directory{OrgID: org.ID, Name: "Entra ID"}
	check(st.CreateDirectory(ctx, &dir, &tok))
	tenant := roster.DirectoryScope{OrgID: org.ID, DirectoryID: dir.ID}
	n := benchUsers()
	ids := make([]string, 0, n)
	for i := range n {
		domain := "acme.test"
		if i%10 == 0 {
			domain = "partner.test"
		}
		name := fmt.Sprintf("user%07d@%s", i, domain)
		u := roster.User{UserName: name, Email: name, DisplayName: fmt.Sprintf("User %d", i), Active: i%20 != 0,
			Attributes: []byte(`{"userName":"` + name + `"}`)}
		check(st.CreateUser(ctx, tenant, &u))
		ids = append(ids, u.ID)
	}
	g := roster.Group{DisplayName: "Everyone", Attributes: []byte(`{}`)}
	check(st.CreateGroup(ctx, tenant, &g, ids))

	admin := roster.Admin{OrgID: org.ID, Email: "root@acme.test"}
	check(st.CreateAdmin(ctx, &admin))
	secret, session := roster.NewAdminTokenSecret()
	session.OrgID, session.AdminID, session.Kind, session.Expires = org.ID, admin.ID, roster.AdminSession, time.Now().Add(time.Hour)
	check(st.CreateAdminToken(ctx, &session))
	return &benchOrg{
		handler: server.Handler(server.Config{Store: st, PublicURL: "http://roster.test", Logger: slog.New(slog.DiscardHandler)}),
		cookie:  &http.Cookie{Name: "roster_session", Value: org.ID + "." + secret},
		org:     org.ID, group: g.ID, middle: ids[n/2],
	}
}

func (o *benchOrg) get(b *testing.B, path string) {
	req := httptest.NewRequest("GET", "http://roster.test/orgs/"+o.org+path, nil)
	req.AddCookie(o.cookie)
	w := httptest.NewRecorder()
	o.handler.ServeHTTP(w, req)
	if w.Code != http.StatusOK {
		b.Fatalf("GET %s: %d\n%s", path, w.Code, w.Body)
	}
}

// BenchmarkConsolePages times the console's pages for an organization of
// benchUsers users (100,000 unless ROSTER_BENCH_USERS says otherwise), one
// group holding them all. docs/benchmarks.md has the figures.
func BenchmarkConsolePages(b *testing.B) {
	o := newBenchOrg(b)
	today := time.Now().UTC().Format("2006-01-02")
	for _, p := range []struct{ name, path string }{
		{"GroupFirstPage", "/groups/" + o.group},
		{"GroupDeepPage", "/groups/" + o.group + "?after=" + o.middle},
		{"GroupMemberSearch", "/groups/" + o.group + "?q=user0099999"},
		{"Overview", "/"},
		{"UsersFirstPage", "/users"},
		{"UsersLastPage", "/users?page=" + strconv.Itoa(benchUsers()/50)},
		{"UsersSearch", "/users?q=user0054321"},
		{"UsersManagedActive", "/users?managed=managed&active=active"},
		{"Groups", "/groups"},
		{"Activity", "/activity"},
		{"ActivityByUser", "/activity?user=user0054321@acme.test"},
		{"ActivityToday", "/activity?from=" + today + "&to=" + today},
		{"ActivityDayWithout", "/activity?from=2020-01-01&to=2020-01-01"},
		{"ActivityExportCSV", "/activity/export?format=csv&user=user0054321@acme.test"},
	} {
		b.Run(p.name, func(b *testing.B) {
			for b.Loop() {
				o.get(b, p.path)
			}
		})
	}
}
