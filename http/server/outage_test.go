package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/http/urls"
	"github.com/rosterhq/roster/storage/postgres"
	"github.com/rosterhq/roster/storage/postgres/pgtest"
)

// tcpProxy forwards connections to a database, and can be cut (every
// connection closed, new ones refused) and restored on the same address:
// the database becomes unreachable for real, as in a network failure.
type tcpProxy struct {
	t      *testing.T
	addr   string // where clients connect
	target string

	mu    sync.Mutex
	ln    net.Listener
	conns []net.Conn
}

func newTCPProxy(t *testing.T, target string) *tcpProxy {
	p := &tcpProxy{t: t, target: target}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.addr = ln.Addr().String()
	p.serve(ln)
	t.Cleanup(p.cut)
	return p
}

func (p *tcpProxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, up)
			p.mu.Unlock()
			go func() { io.Copy(up, c); up.Close() }()
			go func() { io.Copy(c, up); c.Close() }()
		}
	}()
}

// cut closes the listener and every connection.
func (p *tcpProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// restore listens again on the same address.
func (p *tcpProxy) restore() {
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		p.t.Fatal(err)
	}
	p.serve(ln)
}

// TestDatabaseUnreachable: while PostgreSQL cannot be reached, SCIM
// requests get 503 with Retry-After and a SCIM error, /readyz says the
// database is unreachable without naming its user, database or address,
// and both recover by themselves when it is back (issue 12, finding 6).
func TestDatabaseUnreachable(t *testing.T) {
	ctx := context.Background()
	dsn, err := url.Parse(pgtest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	proxy := newTCPProxy(t, dsn.Host)
	dbName, dbUser := strings.TrimPrefix(dsn.Path, "/"), dsn.User.Username()
	dsn.Host = proxy.addr
	st, err := postgres.Open(ctx, dsn.String(), postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	org := roster.Org{Name: "Acme"}
	if err := st.CreateOrg(ctx, &org); err != nil {
		t.Fatal(err)
	}
	secret, tok := roster.NewTokenSecret()
	dir := roster.Directory{OrgID: org.ID, Name: "Okta"}
	if err := st.CreateDirectory(ctx, &dir, &tok); err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	srv := httptest.NewServer(Handler(Config{Store: st, PublicURL: "http://roster.test", Logger: slog.New(slog.NewJSONHandler(logs, nil)),
		Ready: func(r *http.Request) error { return st.Ping(r.Context()) }}))
	defer srv.Close()
	base := urls.DirectoryBase(srv.URL, dir.ID)
	scimGet := func(path string) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", base+path, nil)
		req.Header.Set("Authorization", "Bearer "+secret)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res, string(body)
	}
	post := func() *http.Response {
		t.Helper()
		req, _ := http.NewRequest("POST", base+"/Users", strings.NewReader(fmt.Sprintf(`{"userName":"u%d@acme.test"}`, time.Now().UnixNano())))
		req.Header.Set("Authorization", "Bearer "+secret)
		req.Header.Set("Content-Type", "application/scim+json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	readyz := func() (int, string) {
		res, err := http.Get(srv.URL + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(body)
	}
	if res, _ := scimGet("/Users"); res.StatusCode != 200 {
		t.Fatalf("before the outage: %d", res.StatusCode)
	}

	proxy.cut()
	for _, path := range []string{"/Users", "/Groups", "/Users?filter=userName+eq+%22a%22"} {
		res, body := scimGet(path)
		var e struct {
			Schemas []string
			Status  string
			Detail  string
		}
		json.Unmarshal([]byte(body), &e)
		if res.StatusCode != 503 || res.Header.Get("Retry-After") == "" || e.Status != "503" || len(e.Schemas) != 1 ||
			res.Header.Get("Content-Type") != "application/scim+json" {
			t.Errorf("GET %s while the database is unreachable: %d Retry-After %q %s; want a SCIM 503 with Retry-After",
				path, res.StatusCode, res.Header.Get("Retry-After"), body)
		}
	}
	if res := post(); res.StatusCode != 503 {
		t.Errorf("POST while the database is unreachable: %d, want 503", res.StatusCode)
	}
	status, body := readyz()
	if status != 503 || !strings.Contains(body, "unreachable") {
		t.Errorf("/readyz while the database is unreachable: %d %q", status, body)
	}
	for _, secret := range []string{dbUser, dbName, proxy.addr, "127.0.0.1", dsn.Port()} {
		if strings.Contains(body, secret) {
			t.Errorf("/readyz reveals %q: %q", secret, body)
		}
	}

	proxy.restore()
	deadline := time.Now().Add(10 * time.Second)
	for {
		res, _ := scimGet("/Users")
		if res.StatusCode == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no recovery after the database came back: %d", res.StatusCode)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if res := post(); res.StatusCode != 201 {
		t.Errorf("POST after recovery: %d", res.StatusCode)
	}
	if status, body := readyz(); status != 200 {
		t.Errorf("/readyz after recovery: %d %q", status, body)
	}
	if strings.Contains(logs.String(), `"status":500`) {
		t.Errorf("a request got 500:\n%s", logs.String())
	}
}

// TestDiskFull: SQLite out of space (PRAGMA max_page_count, so SQLite
// really answers SQLITE_FULL) answers 507 with a detail that says so,
// never 500 (issue 12, finding 11).
func TestDiskFull(t *testing.T) {
	ctx := context.Background()
	st, _, dir, secret := newDirectory(t, "Okta")
	// The writer pool is one long-lived connection: the pragma holds for
	// every write. No page beyond those the database has may be added.
	var pages int
	if err := st.DB().QueryRowContext(ctx, "PRAGMA page_count").Scan(&pages); err != nil {
		t.Fatal(err)
	}
	if _, err := st.DB().ExecContext(ctx, fmt.Sprintf("PRAGMA max_page_count = %d", pages)); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(Handler(Config{Store: st, PublicURL: "http://roster.test"}))
	defer srv.Close()
	big := strings.Repeat("x", 3000)
	var res *http.Response
	var err error
	var body []byte
	for i := 0; i < 200; i++ {
		req, _ := http.NewRequest("POST", urls.DirectoryBase(srv.URL, dir.ID)+"/Users",
			strings.NewReader(fmt.Sprintf(`{"userName":"u%d@acme.test","displayName":%q}`, i, big)))
		req.Header.Set("Authorization", "Bearer "+secret)
		req.Header.Set("Content-Type", "application/scim+json")
		if res, err = http.DefaultClient.Do(req); err != nil {
			t.Fatal(err)
		}
		body, _ = io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 201 {
			break
		}
	}
	if res.StatusCode != http.StatusInsufficientStorage || !strings.Contains(string(body), "out of storage space") {
		t.Fatalf("a write to a full database: %d %s; want 507 saying the database is out of space", res.StatusCode, body)
	}
}
