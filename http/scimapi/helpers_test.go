package scimapi_test

// Shared fixtures for the HTTP-level tests: a real SQLite store in a
// temporary directory, the whole HTTP surface (server.Handler, so that the
// middleware runs too) behind an httptest.Server, and a small client that
// speaks to one directory with its token.

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/http/server"
	"github.com/rosterhq/roster/http/urls"
	"github.com/rosterhq/roster/scim"
	"github.com/rosterhq/roster/storage/postgres"
	"github.com/rosterhq/roster/storage/postgres/pgtest"
	"github.com/rosterhq/roster/storage/sqlite"
	"github.com/rosterhq/roster/storage/sqlstore"
)

var bg = context.Background()

// fixture is one running Roster: a fresh database and the HTTP server.
type fixture struct {
	t     *testing.T
	store *sqlstore.Store
	srv   *httptest.Server
	url   string // the public URL, as clients reach it
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	st, err := sqlite.Open(bg, filepath.Join(t.TempDir(), "roster.db"))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	return newFixtureOn(t, st)
}

// onEveryBackend runs test against a fresh directory on SQLite and on
// PostgreSQL (a throwaway cluster; skipped, saying so, where PostgreSQL is
// not installed, and failed under ROSTER_REQUIRE_POSTGRES), so that what a
// client sends is answered alike by both.
func onEveryBackend(t *testing.T, test func(t *testing.T, d *directory)) {
	t.Run("sqlite", func(t *testing.T) { test(t, newDir(t)) })
	t.Run("postgres", func(t *testing.T) {
		st, err := postgres.Open(bg, pgtest.DSN(t), postgres.Options{})
		if err != nil {
			t.Fatalf("open store: %v", err)
		}
		f := newFixtureOn(t, st)
		test(t, f.newDirectory(f.newOrg("Acme"), "Entra ID"))
	})
}

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

func newFixtureOn(t *testing.T, st *sqlstore.Store) *fixture {
	t.Helper()
	t.Cleanup(func() { st.Close() })
	// The handler needs the public URL before the server starts: take the
	// listener's address first.
	srv := httptest.NewUnstartedServer(nil)
	url := "http://" + srv.Listener.Addr().String()
	// The tests send hundreds of requests with wrong tokens from one
	// address, on purpose; the failed-authentication limit has tests of
	// its own (ratelimit_test.go).
	srv.Config.Handler = server.Handler(server.Config{Store: st, PublicURL: url, FailedAuthRate: 1e6, FailedAuthBurst: 1e6})
	srv.Start()
	t.Cleanup(srv.Close)
	return &fixture{t: t, store: st, srv: srv, url: url}
}

func (f *fixture) newOrg(name string) roster.Org {
	f.t.Helper()
	o := roster.Org{Name: name}
	if err := f.store.CreateOrg(bg, &o); err != nil {
		f.t.Fatalf("create org: %v", err)
	}
	return o
}

// directory is a SCIM client of one directory: its base URL and token.
type directory struct {
	f      *fixture
	org    roster.Org
	dir    roster.Directory
	tenant roster.DirectoryScope
	token  string
	tokID  string
	base   string // the directory's SCIM base URL (the "Tenant URL")
	ua     string // User-Agent to send
}

func (f *fixture) newDirectory(org roster.Org, name string) *directory {
	f.t.Helper()
	secret, tok := roster.NewTokenSecret()
	d := roster.Directory{OrgID: org.ID, Name: name}
	if err := f.store.CreateDirectory(bg, &d, &tok); err != nil {
		f.t.Fatalf("create directory: %v", err)
	}
	return &directory{
		f: f, org: org, dir: d,
		tenant: roster.DirectoryScope{OrgID: org.ID, DirectoryID: d.ID},
		token:  secret, tokID: tok.ID,
		base: urls.DirectoryBase(f.url, d.ID),
	}
}

// newDir is the common case: a fixture with one organization and one
// directory.
func newDir(t *testing.T) *directory {
	f := newFixture(t)
	return f.newDirectory(f.newOrg("Acme"), "Entra ID")
}

// withToken returns a client for the same directory URL that presents
// another token.
func (d *directory) withToken(token string) *directory {
	c := *d
	c.token = token
	return &c
}

// response is a decoded HTTP response.
type response struct {
	Status int
	Header http.Header
	Raw    []byte
	Body   map[string]any // the JSON object, nil when there is none
	req    string         // "METHOD path", for messages
}

func (r *response) String() string {
	return fmt.Sprintf("%s -> %d %s", r.req, r.Status, r.Raw)
}

// do sends a request to the directory; path is relative to its base URL
// ("/Users?filter=..."). body is sent as is when it is a string or []byte
// and encoded as JSON otherwise. headers are name/value pairs; an empty
// Authorization value sends none.
func (d *directory) do(t testing.TB, method, path string, body any, headers ...string) *response {
	t.Helper()
	return send(t, method, d.base+path, d.token, d.ua, body, headers...)
}

func send(t testing.TB, method, url, token, ua string, body any, headers ...string) *response {
	t.Helper()
	var rd io.Reader
	var hasBody bool
	switch b := body.(type) {
	case nil:
	case string:
		rd, hasBody = strings.NewReader(b), true
	case []byte:
		rd, hasBody = bytes.NewReader(b), true
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatalf("encode body: %v", err)
		}
		rd, hasBody = bytes.NewReader(raw), true
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatalf("new request: %v", err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if hasBody {
		req.Header.Set("Content-Type", scim.MediaType)
	}
	if ua != "" {
		req.Header.Set("User-Agent", ua)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
			continue
		}
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, url, err)
	}
	r := &response{Status: res.StatusCode, Header: res.Header, Raw: raw, req: method + " " + strings.TrimPrefix(url, "http://")}
	if res.StatusCode >= 500 {
		t.Errorf("server error: %s", r)
	}
	if len(bytes.TrimSpace(raw)) > 0 {
		if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, scim.MediaType) {
			t.Errorf("%s: Content-Type is %q, want %s", r.req, ct, scim.MediaType)
		}
		if err := json.Unmarshal(raw, &r.Body); err != nil {
			t.Errorf("%s: body is not a JSON object: %v\n%s", r.req, err, raw)
		}
	}
	return r
}

// want fails the test unless the response has the status.
func (r *response) want(t testing.TB, status int) *response {
	t.Helper()
	if r.Status != status {
		t.Fatalf("%s: status %d, want %d\n%s", r.req, r.Status, status, r.Raw)
	}
	return r
}

// wantError checks a SCIM error response (RFC 7644 §3.12): the status,
// the error schema, status repeated as a string, and the scimType ("" for
// none). It returns the detail.
func (r *response) wantError(t testing.TB, status int, scimType string) string {
	t.Helper()
	r.want(t, status)
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, scim.MediaType) {
		t.Errorf("%s: error Content-Type %q, want %s", r.req, ct, scim.MediaType)
	}
	if r.Body == nil {
		t.Fatalf("%s: error without a body", r.req)
	}
	if got := strs(r.Body["schemas"]); !slices.Equal(got, []string{scim.ErrorSchema}) {
		t.Errorf("%s: error schemas %v, want [%s]", r.req, got, scim.ErrorSchema)
	}
	if got, ok := r.Body["status"].(string); !ok || got != strconv.Itoa(status) {
		t.Errorf("%s: error status %#v, want the string %q", r.req, r.Body["status"], strconv.Itoa(status))
	}
	got, _ := r.Body["scimType"].(string)
	if got != scimType {
		t.Errorf("%s: scimType %q, want %q (%s)", r.req, got, scimType, r.Raw)
	}
	detail, _ := r.Body["detail"].(string)
	if detail == "" {
		t.Errorf("%s: error without a detail", r.req)
	}
	if status == http.StatusUnauthorized && !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Bearer") {
		t.Errorf("%s: 401 without WWW-Authenticate: Bearer (got %q)", r.req, r.Header.Get("WWW-Authenticate"))
	}
	return detail
}

// list checks the invariants of a ListResponse and returns its resources.
func (r *response) list(t testing.TB) []map[string]any {
	t.Helper()
	r.want(t, http.StatusOK)
	if got := strs(r.Body["schemas"]); !slices.Equal(got, []string{scim.ListResponseSchema}) {
		t.Errorf("%s: schemas %v, want [%s]", r.req, got, scim.ListResponseSchema)
	}
	raw, ok := r.Body["Resources"].([]any)
	if !ok {
		t.Fatalf("%s: Resources is %#v, want an array (an empty one when nothing matches)", r.req, r.Body["Resources"])
	}
	for _, k := range []string{"totalResults", "itemsPerPage", "startIndex"} {
		if _, ok := r.Body[k].(float64); !ok {
			t.Errorf("%s: %s is %#v, want an integer", r.req, k, r.Body[k])
		}
	}
	if n := num(r.Body["itemsPerPage"]); n != len(raw) {
		t.Errorf("%s: itemsPerPage %d but %d Resources", r.req, n, len(raw))
	}
	if total := num(r.Body["totalResults"]); total < len(raw) {
		t.Errorf("%s: totalResults %d < %d Resources", r.req, total, len(raw))
	}
	out := make([]map[string]any, len(raw))
	for i, e := range raw {
		m, ok := e.(map[string]any)
		if !ok {
			t.Fatalf("%s: Resources[%d] is %#v", r.req, i, e)
		}
		out[i] = m
	}
	return out
}

func (r *response) total() int { return num(r.Body["totalResults"]) }

// id is the id of the resource in the body.
func (r *response) id(t testing.TB) string {
	t.Helper()
	id, _ := r.Body["id"].(string)
	if id == "" {
		t.Fatalf("%s: no id in %s", r.req, r.Raw)
	}
	return id
}

// wantResource checks what every returned resource carries: id, meta with
// resourceType, created, lastModified, location and version, and (when
// the response is for that resource alone) an ETag equal to meta.version.
// It returns meta.version.
func (d *directory) wantResource(t testing.TB, r *response, kind string, body map[string]any) string {
	t.Helper()
	id, _ := body["id"].(string)
	if id == "" {
		t.Fatalf("%s: resource without an id: %v", r.req, body)
	}
	meta, _ := body["meta"].(map[string]any)
	if meta == nil {
		t.Fatalf("%s: resource without meta: %v", r.req, body)
	}
	if meta["resourceType"] != kind {
		t.Errorf("%s: meta.resourceType %v, want %s", r.req, meta["resourceType"], kind)
	}
	wantLoc := d.base + "/" + kind + "s/" + id
	if meta["location"] != wantLoc {
		t.Errorf("%s: meta.location %v, want %s", r.req, meta["location"], wantLoc)
	}
	created, err1 := time.Parse(time.RFC3339Nano, str(meta["created"]))
	modified, err2 := time.Parse(time.RFC3339Nano, str(meta["lastModified"]))
	if err1 != nil || err2 != nil {
		t.Errorf("%s: meta.created %v / lastModified %v are not RFC 3339", r.req, meta["created"], meta["lastModified"])
	} else if modified.Before(created) {
		t.Errorf("%s: lastModified %v before created %v", r.req, modified, created)
	}
	version := str(meta["version"])
	if !strings.HasPrefix(version, `W/"`) {
		t.Errorf("%s: meta.version %q is not a weak ETag", r.req, version)
	}
	return version
}

// wantSingle checks a response that carries one resource: the resource
// invariants plus the ETag header.
func (d *directory) wantSingle(t testing.TB, r *response, kind string) string {
	t.Helper()
	version := d.wantResource(t, r, kind, r.Body)
	if etag := r.Header.Get("ETag"); etag != version {
		t.Errorf("%s: ETag %q, meta.version %q", r.req, etag, version)
	}
	return version
}

// get navigates a decoded JSON value: string keys index objects, ints
// index arrays. A missing step yields nil.
func get(v any, path ...any) any {
	for _, p := range path {
		switch p := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[p]
		case int:
			a, _ := v.([]any)
			if p < 0 || p >= len(a) {
				return nil
			}
			v = a[p]
		}
	}
	return v
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func num(v any) int {
	f, _ := v.(float64)
	return int(f)
}

func strs(v any) []string {
	a, _ := v.([]any)
	out := make([]string, 0, len(a))
	for _, e := range a {
		s, _ := e.(string)
		out = append(out, s)
	}
	return out
}

// ids returns the sorted values of key in a list of objects (members'
// value, Resources' id).
func ids(v any, key string) []string {
	var out []string
	switch v := v.(type) {
	case []any:
		for _, e := range v {
			out = append(out, str(get(e, key)))
		}
	case []map[string]any:
		for _, e := range v {
			out = append(out, str(e[key]))
		}
	}
	sort.Strings(out)
	return out
}

func sorted(s ...string) []string {
	out := slices.Clone(s)
	sort.Strings(out)
	if out == nil {
		out = []string{}
	}
	return out
}

func sameSet(got, want []string) bool {
	if got == nil {
		got = []string{}
	}
	return slices.Equal(sorted(got...), sorted(want...))
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// guid is a random GUID like the ones Entra ID puts into test lookups.
func guid() string {
	h := randomHex(16)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// filterQ builds a query string with a filter, escaped the way clients
// escape it.
func filterQ(filter string, extra ...string) string {
	q := "?filter=" + pathEscape(filter)
	for i := 0; i+1 < len(extra); i += 2 {
		q += "&" + extra[i] + "=" + pathEscape(extra[i+1])
	}
	return q
}

// pathEscape escapes like Okta does: spaces as %20, quotes as %22, @ as %40.
func pathEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-_.~", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

// createUser creates a minimal user through the API and returns its id.
func (d *directory) createUser(t testing.TB, userName string) string {
	t.Helper()
	r := d.do(t, "POST", "/Users", map[string]any{
		"schemas":  []string{scim.UserSchema},
		"userName": userName,
		"active":   true,
	}).want(t, http.StatusCreated)
	return r.id(t)
}

// createGroup creates a group with members and returns its id.
func (d *directory) createGroup(t testing.TB, name string, members ...string) string {
	t.Helper()
	ms := []map[string]any{}
	for _, m := range members {
		ms = append(ms, map[string]any{"value": m})
	}
	r := d.do(t, "POST", "/Groups", map[string]any{
		"schemas":     []string{scim.GroupSchema},
		"displayName": name,
		"members":     ms,
	}).want(t, http.StatusCreated)
	return r.id(t)
}

// members returns the sorted member IDs of a group, read through the API.
func (d *directory) members(t testing.TB, groupID string) []string {
	t.Helper()
	r := d.do(t, "GET", "/Groups/"+groupID, nil).want(t, http.StatusOK)
	return ids(r.Body["members"], "value")
}

// patchOp builds a PatchOp body.
func patchOp(ops ...map[string]any) map[string]any {
	return map[string]any{"schemas": []string{scim.PatchOpSchema}, "Operations": ops}
}

func op(kind, path string, value any) map[string]any {
	m := map[string]any{"op": kind, "value": value}
	if path != "" {
		m["path"] = path
	}
	return m
}

// opRemove is a remove operation without a value.
func opRemove(kind, path string) map[string]any {
	return map[string]any{"op": kind, "path": path}
}

// memberValues is a members value array as identity providers send it.
func memberValues(ids ...string) []map[string]any {
	out := make([]map[string]any, len(ids))
	for i, id := range ids {
		out[i] = map[string]any{"value": id}
	}
	return out
}
