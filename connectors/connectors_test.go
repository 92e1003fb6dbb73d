package connectors_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/connectors"
	"github.com/rosterhq/roster/http/scimtest"
	"github.com/rosterhq/roster/http/server/servertest"
	"github.com/rosterhq/roster/scim"
	"github.com/rosterhq/roster/storage/sqlite/sqlitetest"
	"github.com/rosterhq/roster/storage/sqlstore"
	"github.com/rosterhq/roster/webhooks"
)

var ctx = context.Background()

// target is a second Roster (servertest.Application): its own database
// with one directory, served over HTTP by the real handler; the connector
// provisions that directory as it would any application.
type target struct {
	store *sqlstore.Store
	url   string // the server's URL
	scope roster.DirectoryScope
	token string
	base  string // the directory's SCIM base URL
}

func newTarget(t testing.TB) *target {
	t.Helper()
	app := servertest.NewApplication(t, nil)
	return &target{store: app.Store, url: app.URL, scope: app.Scope, token: app.Token, base: app.Base}
}

// call sends one SCIM request straight to the target (not through the
// connector), as the application's own admin would.
func (tg *target) call(t testing.TB, method, path string, body any) (int, map[string]any) {
	t.Helper()
	var doc string
	if body != nil {
		b, _ := json.Marshal(body)
		doc = string(b)
	}
	a := scimtest.Client{Base: tg.base, Token: tg.token}.Do(t, method, path, doc)
	return a.Status, a.Body
}

// users returns the target's users by userName.
func (tg *target) users(t testing.TB) map[string]map[string]any {
	t.Helper()
	return scimtest.Client{Base: tg.base, Token: tg.token}.All(t, "Users", "userName")
}

// idOf is the target's id of a user, by userName.
func (tg *target) idOf(t testing.TB, userName string) string {
	t.Helper()
	u := tg.users(t)[userName]
	if u == nil {
		t.Fatalf("the target has no user %s", userName)
	}
	return u["id"].(string)
}

// proxy is a real reverse proxy in front of the target that can fail
// requests: the next n with 503 or 429 (alternating, Retry-After: 1), or
// forward a POST and answer 503 as if the answer were lost, or refuse
// PATCH altogether.
type proxy struct {
	*httptest.Server
	mu         sync.Mutex
	fail       int
	loseCreate int
	noPatch    bool
	noGroups   bool           // answer 404 to everything under /Groups
	paths      map[string]int // when not nil, requests counted by the path's last element
	hidden     []string       // paths' last elements answered 404 ("/Schemas")
	onPost     func()         // called before each POST is forwarded
	rejectPost bool           // answer 400 to every POST (a create the target refuses)
	failed     int
	requests   int
}

func newProxy(t testing.TB, tg *target) *proxy {
	u, _ := url.Parse(tg.url)
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.ErrorLog = log.New(io.Discard, "", 0) // a cancelled request is what some tests do
	p := &proxy{}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.requests++
		if p.paths != nil {
			p.paths[r.URL.Path[strings.LastIndex(r.URL.Path, "/"):]]++
		}
		fail, lose, noPatch := p.fail > 0, p.loseCreate > 0 && r.Method == http.MethodPost, p.noPatch && r.Method == http.MethodPatch
		noGroups := p.noGroups && strings.Contains(r.URL.Path, "/Groups") || slices.Contains(p.hidden, r.URL.Path[strings.LastIndex(r.URL.Path, "/"):])
		reject := p.rejectPost && r.Method == http.MethodPost
		if fail {
			p.fail--
			p.failed++
		}
		if lose {
			p.loseCreate--
		}
		n := p.failed
		if r.Method == http.MethodPost && p.onPost != nil {
			p.onPost()
		}
		p.mu.Unlock()
		switch {
		case reject:
			http.Error(w, `{"status":"400","scimType":"invalidValue","detail":"refused"}`, http.StatusBadRequest)
		case noGroups:
			http.Error(w, `{"status":"404","detail":"no groups here"}`, http.StatusNotFound)
		case noPatch:
			http.Error(w, `{"status":"501","detail":"no PATCH here"}`, http.StatusNotImplemented)
		case fail:
			w.Header().Set("Retry-After", "1")
			status := http.StatusServiceUnavailable
			if n%2 == 0 {
				status = http.StatusTooManyRequests
			}
			http.Error(w, "busy", status)
		case lose:
			rec := httptest.NewRecorder()
			rp.ServeHTTP(rec, r) // the target creates the user...
			http.Error(w, "gateway lost the answer", http.StatusServiceUnavailable)
		default:
			rp.ServeHTTP(w, r)
		}
	}))
	t.Cleanup(p.Close)
	return p
}

func (p *proxy) set(fn func(p *proxy)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fn(p)
}

// hub is the Roster that owns the users: an organization with a directory
// and a product, and the connectors use case over it.
type hub struct {
	store *sqlstore.Store
	org   roster.Org
	scope roster.DirectoryScope
	svc   *connectors.Service
}

func newHub(t testing.TB) *hub {
	t.Helper()
	st, org := sqlitetest.New(t)
	_, tok := roster.NewTokenSecret()
	dir := roster.Directory{OrgID: org.ID, Name: "Entra ID"}
	must(t, st.CreateDirectory(ctx, &dir, &tok))
	must(t, st.CreateProduct(ctx, &roster.Product{OrgID: org.ID, Key: "jira", Name: "Jira"}))
	keys, err := webhooks.ParseKey(webhooks.NewKey())
	must(t, err)
	svc := &connectors.Service{Store: st, Keys: keys, AllowPrivate: true, Retries: []time.Duration{10 * time.Millisecond, 50 * time.Millisecond, 100 * time.Millisecond, 200 * time.Millisecond, 500 * time.Millisecond}}
	return &hub{store: st, org: org, scope: roster.DirectoryScope{OrgID: org.ID, DirectoryID: dir.ID}, svc: svc}
}

// sync runs one sync of the connector, which must succeed.
func (h *hub) sync(t testing.TB, connectorID string) *connectors.Result {
	t.Helper()
	res, err := h.svc.Sync(ctx, h.org.ID, connectorID)
	must(t, err)
	return res
}

func (h *hub) user(t testing.TB, userName, extra string) *roster.User {
	t.Helper()
	obj, err := scim.Decode([]byte(`{"userName":"` + userName + `"` + extra + `}`))
	must(t, err)
	res, err := scim.UserType.Normalize(obj)
	must(t, err)
	u := &roster.User{}
	scim.UserFromDoc(res.Doc, u)
	must(t, h.store.CreateUser(ctx, h.scope, u))
	return u
}

// setUser replaces a user's attributes, as the identity provider's PUT.
func (h *hub) setUser(t testing.TB, u *roster.User, body string) {
	t.Helper()
	obj, err := scim.Decode([]byte(body))
	must(t, err)
	res, err := scim.UserType.Normalize(obj)
	must(t, err)
	_, err = h.store.UpdateUser(ctx, h.scope, u.ID, func(v *roster.User) error { scim.UserFromDoc(res.Doc, v); return nil })
	must(t, err)
}

func (h *hub) group(t testing.TB, name string, members ...string) *roster.Group {
	t.Helper()
	g := &roster.Group{DisplayName: name, Attributes: []byte(`{"displayName":"` + name + `"}`)}
	must(t, h.store.CreateGroup(ctx, h.scope, g, members))
	return g
}

func (h *hub) members(t testing.TB, g *roster.Group, kind roster.MemberOpKind, ids ...string) {
	t.Helper()
	_, err := h.store.UpdateGroup(ctx, h.scope, g.ID, func(*roster.Group) ([]roster.MemberOp, error) {
		return []roster.MemberOp{{Kind: kind, IDs: ids}}, nil
	})
	must(t, err)
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// ops is a result's changes as "op userName" lines, sorted.
func ops(r *connectors.Result) []string {
	return changeLines(r.Changes, func(c connectors.Change) (string, string) { return c.Op + " " + c.UserName, c.Error })
}

func wantOps(t *testing.T, what string, r *connectors.Result, want ...string) {
	t.Helper()
	wantLines(t, what, "changes", ops(r), want)
}

// changeLines is changes as one line each, what line says followed by
// " FAILED " and the error where one failed, sorted.
func changeLines[C any](changes []C, line func(C) (text, failure string)) []string {
	var out []string
	for _, c := range changes {
		s, failure := line(c)
		if failure != "" {
			s += " FAILED " + failure
		}
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

// wantLines fails the test unless got (sorted) holds the lines of want,
// in any order.
func wantLines(t *testing.T, what, kind string, got, want []string) {
	t.Helper()
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("%s: %s %q, want %q", what, kind, got, want)
	}
}

// step runs the worker once and fails unless it ran a pass.
func step(t *testing.T, w *connectors.Worker) {
	t.Helper()
	ran, err := w.Step(ctx)
	must(t, err)
	if !ran {
		t.Fatal("the worker found no connector due, though the organization changed")
	}
}

// TestProvisionRosterTarget walks the scenario against a second
// Roster over HTTP: grant a group (a nested one too) and its users appear;
// preview says what the sync then does; deactivation, rename and removal
// from the group reach the target through the worker; a change made in the
// target is reconciled; on-revoke delete deletes.
func TestProvisionRosterTarget(t *testing.T) {
	tg := newTarget(t)
	h := newHub(t)
	ann := h.user(t, "ann@acme.test", `,"displayName":"Ann Archer","title":"Engineer","name":{"givenName":"Ann","familyName":"Archer"},"emails":[{"value":"ann@acme.test","type":"work","primary":true}]`)
	ben := h.user(t, "ben@acme.test", `,"displayName":"Ben Baker"`)
	cat := h.user(t, "cat@acme.test", `,"displayName":"Cat Cole"`)
	h.user(t, "dan@acme.test", `,"displayName":"Dan Dunn"`) // in no granted group
	platform := h.group(t, "Platform", cat.ID)
	eng := h.group(t, "Engineering", ann.ID, ben.ID, platform.ID)
	must(t, h.store.GrantAccess(ctx, &roster.Grant{OrgID: h.org.ID, Product: "jira", GroupID: eng.ID, Role: roster.RoleUser}))

	c, rep, err := h.svc.Create(ctx, connectors.CreateRequest{OrgID: h.org.ID, Product: "jira", Name: "Jira", URL: tg.base, Token: tg.token})
	must(t, err)
	if !rep.OK() || len(c.CheckGaps) != 0 || c.RateLimit != connectors.DefaultRateLimit || c.OnRevoke != roster.RevokeDeactivate {
		t.Fatalf("created %+v with check report failing %d steps", c, rep.Failed)
	}
	if leftovers := tg.users(t); len(leftovers) != 0 {
		t.Fatalf("roster check left users in the target: %v", leftovers)
	}

	preview, err := h.svc.Preview(ctx, h.org.ID, c.ID)
	must(t, err)
	wantOps(t, "preview", preview, "create ann@acme.test", "create ben@acme.test", "create cat@acme.test")
	if n := len(tg.users(t)); n != 0 {
		t.Fatalf("the preview wrote %d users to the target", n)
	}
	res := h.sync(t, c.ID)
	if !slices.Equal(ops(res), ops(preview)) {
		t.Fatalf("sync did %q, preview said %q", ops(res), ops(preview))
	}
	got := tg.users(t)
	if len(got) != 3 || got["dan@acme.test"] != nil {
		t.Fatalf("target users %v, want ann, ben and cat (cat through the nested group)", got)
	}
	a := got["ann@acme.test"]
	benID := got["ben@acme.test"]["id"].(string)
	if a["externalId"] != ann.ID || a["displayName"] != "Ann Archer" || a["title"] != "Engineer" || a["active"] != true ||
		a["name"].(map[string]any)["familyName"] != "Archer" {
		t.Errorf("ann in the target: %v", a)
	}
	again := h.sync(t, c.ID)
	wantOps(t, "a second sync", again)
	if again.InSync != 3 {
		t.Errorf("a second sync found %d users in sync, want 3", again.InSync)
	}

	// The worker: nothing due until something changes in the organization.
	w := &connectors.Worker{Service: h.svc}
	if ran, _ := w.Step(ctx); ran {
		t.Fatal("the worker ran a pass with nothing changed")
	}
	// Deactivated at the identity provider: inactive in the target.
	h.setUser(t, ben, `{"userName":"ben@acme.test","displayName":"Ben Baker","active":false}`)
	step(t, w)
	if u := tg.users(t)["ben@acme.test"]; u["active"] != false {
		t.Errorf("deactivated ben in the target: %v", u)
	}
	// Renamed: updated.
	h.setUser(t, ann, `{"userName":"ann@acme.test","displayName":"Ann Archer-Smith","title":"Engineer","name":{"givenName":"Ann","familyName":"Archer-Smith"},"emails":[{"value":"ann@acme.test","type":"work","primary":true}]}`)
	step(t, w)
	if u := tg.users(t)["ann@acme.test"]; u["displayName"] != "Ann Archer-Smith" || u["name"].(map[string]any)["familyName"] != "Archer-Smith" {
		t.Errorf("renamed ann in the target: %v", u)
	}
	// Removed from the granting group (the nested one leaves): deactivated
	// per the default policy; back in: reactivated.
	h.members(t, eng, roster.RemoveMembers, platform.ID)
	step(t, w)
	if u := tg.users(t)["cat@acme.test"]; u["active"] != false {
		t.Errorf("cat, out of the granted group, in the target: %v", u)
	}
	h.members(t, eng, roster.AddMembers, platform.ID)
	step(t, w)
	if u := tg.users(t)["cat@acme.test"]; u["active"] != true {
		t.Errorf("cat, back in the granted group, in the target: %v", u)
	}
	log, err := h.svc.Deliveries(ctx, h.org.ID, c.ID, false, 100)
	must(t, err)
	var logged []string
	for _, d := range log {
		if d.Error != "" {
			t.Errorf("failed delivery %+v", d)
		}
		logged = append(logged, d.Op+" "+d.Method)
	}
	for _, want := range []string{"create POST", "deactivate PATCH", "update PATCH", "reactivate PATCH"} {
		if !slices.Contains(logged, want) {
			t.Errorf("the delivery log %q has no %q", logged, want)
		}
	}

	// Drift: the application's admin changes ann's title and deletes cat
	// in the target; the next full pass (a sync) puts both back.
	annID := tg.idOf(t, "ann@acme.test")
	if status, _ := tg.call(t, http.MethodPatch, "/Users/"+annID, map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
		"Operations": []any{map[string]any{"op": "replace", "path": "title", "value": "Intruder"}}}); status != http.StatusOK {
		t.Fatalf("patching the target directly: %d", status)
	}
	catID := tg.users(t)["cat@acme.test"]["id"].(string)
	if status, _ := tg.call(t, http.MethodDelete, "/Users/"+catID, nil); status != http.StatusNoContent {
		t.Fatalf("deleting in the target directly: %d", status)
	}
	preview, err = h.svc.Preview(ctx, h.org.ID, c.ID)
	must(t, err)
	wantOps(t, "preview of the drift", preview, "update ann@acme.test", "create cat@acme.test")
	res = h.sync(t, c.ID)
	if !slices.Equal(ops(res), ops(preview)) {
		t.Fatalf("sync did %q, preview said %q", ops(res), ops(preview))
	}
	got = tg.users(t)
	if got["ann@acme.test"]["title"] != "Engineer" || got["cat@acme.test"] == nil || got["cat@acme.test"]["externalId"] != cat.ID {
		t.Errorf("after reconciling: ann %v, cat %v", got["ann@acme.test"], got["cat@acme.test"])
	}

	// On revoke delete: ann leaves the granted group and is deleted.
	del := "delete"
	_, err = h.svc.Update(ctx, h.org.ID, c.ID, connectors.UpdateRequest{OnRevoke: &del})
	must(t, err)
	step(t, w) // the update asked for a sync: ben, deactivated, is now deleted
	if status, _ := tg.call(t, http.MethodGet, "/Users/"+benID, nil); status != http.StatusNotFound {
		t.Errorf("deactivated ben under on-revoke delete answers %d in the target", status)
	}
	h.members(t, eng, roster.RemoveMembers, ann.ID)
	step(t, w)
	if status, _ := tg.call(t, http.MethodGet, "/Users/"+annID, nil); status != http.StatusNotFound {
		t.Errorf("ann, out of the group with on-revoke delete, answers %d in the target", status)
	}
	shown, _ := h.svc.Get(ctx, h.org.ID, c.ID)
	if shown.LastError != "" || shown.LastSuccess.IsZero() || shown.InSync != 2 || shown.OutOfSync != 0 {
		t.Errorf("health %+v", shown)
	}
}

// TestTargetThatThrottles: a target that answers 503 and 429 with
// Retry-After for a while still gets everything, and a create whose answer
// was lost is not made twice.
func TestTargetThatThrottles(t *testing.T) {
	tg := newTarget(t)
	px := newProxy(t, tg)
	h := newHub(t)
	eng := h.group(t, "Engineering")
	var ids []string
	for i := range 12 {
		ids = append(ids, h.user(t, fmt.Sprintf("u%02d@acme.test", i), "").ID)
	}
	h.members(t, eng, roster.AddMembers, ids...)
	must(t, h.store.GrantAccess(ctx, &roster.Grant{OrgID: h.org.ID, Product: "jira", GroupID: eng.ID, Role: roster.RoleUser}))
	base := px.URL + strings.TrimPrefix(tg.base, tg.url)
	c, _, err := h.svc.Create(ctx, connectors.CreateRequest{OrgID: h.org.ID, Product: "jira", URL: base, Token: tg.token})
	must(t, err)

	px.set(func(p *proxy) { p.fail, p.loseCreate = 6, 2 })
	res := h.sync(t, c.ID)
	if res.Failed != 0 || res.Counts[connectors.OpCreate] != 12 {
		t.Fatalf("sync through a throttling target: %+v", ops(res))
	}
	if got := tg.users(t); len(got) != 12 {
		t.Fatalf("the target holds %d users, want 12 (none lost, none twice)", len(got))
	}
	px.mu.Lock()
	failed := px.failed
	px.mu.Unlock()
	if failed != 6 {
		t.Errorf("the proxy failed %d requests, want 6", failed)
	}
	log, _ := h.svc.Deliveries(ctx, h.org.ID, c.ID, false, 100)
	retried := 0
	for _, d := range log {
		if d.Attempts > 1 {
			retried++
		}
		if d.Error != "" {
			t.Errorf("failed delivery %+v", d)
		}
	}
	if retried == 0 {
		t.Error("no delivery in the log took more than one attempt")
	}
	again := h.sync(t, c.ID)
	wantOps(t, "a sync after the throttled one", again)
}

// TestCreateRefusals: no key, a private target without the operator's
// leave, a target failing a needed step (accepted with force, the gap
// recorded), and a target without groups for a connector with --groups.
func TestCreateRefusals(t *testing.T) {
	tg := newTarget(t)
	h := newHub(t)
	req := connectors.CreateRequest{OrgID: h.org.ID, Product: "jira", URL: tg.base, Token: tg.token}
	reason := func(err error) roster.Reason {
		var e *roster.Error
		if errors.As(err, &e) {
			return e.Reason
		}
		return ""
	}
	noKey := &connectors.Service{Store: h.store, AllowPrivate: true}
	if _, _, err := noKey.Create(ctx, req); reason(err) != roster.ReasonNoSecretKey || !strings.Contains(err.Error(), "roster keygen") {
		t.Errorf("without a key: %v", err)
	}
	strict := &connectors.Service{Store: h.store, Keys: h.svc.Keys}
	if _, _, err := strict.Create(ctx, req); roster.ErrorCodeOf(err) != roster.EInvalid {
		t.Errorf("http:// loopback target without --allow-private-targets: %v", err)
	}
	https := req
	https.URL = "https://127.0.0.1:1/scim"
	if _, _, err := strict.Create(ctx, https); reason(err) != roster.ReasonPrivateTarget {
		t.Errorf("https:// loopback target without --allow-private-targets: %v", err)
	}
	bad := req
	bad.OnRevoke = "archive"
	if _, _, err := h.svc.Create(ctx, bad); reason(err) != roster.ReasonInvalidValue {
		t.Errorf("on-revoke archive: %v", err)
	}

	px := newProxy(t, tg)
	px.set(func(p *proxy) { p.noPatch = true })
	noPatch := req
	noPatch.URL = px.URL + strings.TrimPrefix(tg.base, tg.url)
	_, _, err := h.svc.Create(ctx, noPatch)
	if reason(err) != roster.ReasonTargetFailsCheck || !strings.Contains(err.Error(), "Deactivate the user (PATCH active false)") {
		t.Fatalf("a target without PATCH: %v", err)
	}
	if list, _ := h.svc.List(ctx, h.org.ID); len(list) != 0 {
		t.Errorf("a refused connector was stored: %+v", list)
	}
	noPatch.Force = true
	c, _, err := h.svc.Create(ctx, noPatch)
	must(t, err)
	if len(c.CheckGaps) == 0 || !strings.Contains(strings.Join(c.CheckGaps, "\n"), "PATCH active false") {
		t.Errorf("forced connector's gaps: %q", c.CheckGaps)
	}
	if got, _ := h.svc.Get(ctx, h.org.ID, c.ID); len(got.CheckGaps) != len(c.CheckGaps) {
		t.Errorf("stored gaps %q", got.CheckGaps)
	}

	// A target without /Groups: fine for users, refused for --groups.
	noGroups := newProxy(t, tg)
	noGroups.set(func(p *proxy) { p.noGroups = true })
	users := req
	users.Name, users.URL = "users only", noGroups.URL+strings.TrimPrefix(tg.base, tg.url)
	if _, _, err := h.svc.Create(ctx, users); err != nil {
		t.Errorf("a target without groups, for users: %v", err)
	}
	groups := users
	groups.Name, groups.Groups = "with groups", true
	if _, _, err := h.svc.Create(ctx, groups); reason(err) != roster.ReasonTargetFailsCheck || !strings.Contains(err.Error(), "Push a group (POST)") {
		t.Errorf("a target without groups, for --groups: %v", err)
	}
}

// TestPushFollowsEvents: once a connector is in sync, a change of one
// user (an update, a deactivation, access granted by a new grant) is
// pushed by a pass of that user alone; a change of someone without access
// to the product is a pass of no one; an event that may touch users it
// does not name (a directory deleted) makes the pass go through every
// item; and the counts of the health stay those of a complete pass.
func TestPushFollowsEvents(t *testing.T) {
	tg := newTarget(t)
	h := newHub(t)
	ann := h.user(t, "ann@acme.test", `,"displayName":"Ann Archer"`)
	ben := h.user(t, "ben@acme.test", `,"displayName":"Ben Baker"`)
	cat := h.user(t, "cat@acme.test", `,"displayName":"Cat Cole"`)
	dan := h.user(t, "dan@acme.test", `,"displayName":"Dan Dunn"`)
	eve := h.user(t, "eve@acme.test", `,"displayName":"Eve East"`) // never has access
	eng := h.group(t, "Engineering", ann.ID, ben.ID, cat.ID)
	must(t, h.store.GrantAccess(ctx, &roster.Grant{OrgID: h.org.ID, Product: "jira", GroupID: eng.ID, Role: roster.RoleUser}))
	c, _, err := h.svc.Create(ctx, connectors.CreateRequest{OrgID: h.org.ID, Product: "jira", URL: tg.base, Token: tg.token})
	must(t, err)
	_ = h.sync(t, c.ID)

	var last *connectors.Result
	w := &connectors.Worker{Service: h.svc, OnPass: func(r *connectors.Result) { last = r }}
	pass := func(what string, partial bool, considered int, want ...string) {
		t.Helper()
		last = nil
		step(t, w)
		if last == nil || last.Partial != partial || last.Considered != considered {
			t.Fatalf("%s: pass %+v, want partial %v considering %d", what, last, partial, considered)
		}
		wantOps(t, what, last, want...)
	}
	h.setUser(t, ann, `{"userName":"ann@acme.test","displayName":"Ann Archer-Smith"}`)
	pass("a rename", true, 1, "update ann@acme.test")
	if u := tg.users(t)["ann@acme.test"]; u["displayName"] != "Ann Archer-Smith" {
		t.Errorf("renamed ann in the target: %v", u)
	}
	h.setUser(t, ben, `{"userName":"ben@acme.test","displayName":"Ben Baker","active":false}`)
	pass("a deactivation", true, 1, "deactivate ben@acme.test")
	if u := tg.users(t)["ben@acme.test"]; u["active"] != false {
		t.Errorf("deactivated ben in the target: %v", u)
	}
	ops := h.group(t, "Operations", dan.ID)
	must(t, h.store.GrantAccess(ctx, &roster.Grant{OrgID: h.org.ID, Product: "jira", GroupID: ops.ID, Role: roster.RoleUser}))
	pass("a new grant", true, 1, "create dan@acme.test")
	if u := tg.users(t)["dan@acme.test"]; u == nil || u["externalId"] != dan.ID {
		t.Errorf("dan, granted, in the target: %v", u)
	}
	h.setUser(t, eve, `{"userName":"eve@acme.test","displayName":"Eve West"}`)
	pass("a change of a user without access", true, 0)
	if tg.users(t)["eve@acme.test"] != nil {
		t.Error("eve, without access, is in the target")
	}
	got, _ := h.svc.Get(ctx, h.org.ID, c.ID)
	if got.InSync != 4 || got.OutOfSync != 0 || got.LastError != "" {
		t.Errorf("health after the partial passes: in sync %d, out of sync %d, error %q; want 4, 0", got.InSync, got.OutOfSync, got.LastError)
	}

	// A directory deleted may take users it names no event for: every
	// item is considered.
	other := roster.Directory{OrgID: h.org.ID, Name: "Okta"}
	_, tok := roster.NewTokenSecret()
	must(t, h.store.CreateDirectory(ctx, &other, &tok))
	step(t, w) // directory.created changes nothing: a pass of no one
	if last == nil || !last.Partial || last.Considered != 0 {
		t.Fatalf("after a directory was created: %+v", last)
	}
	_, _, err = h.store.DeleteDirectory(ctx, h.org.ID, other.ID)
	must(t, err)
	pass("a directory deleted", false, 4)
	got, _ = h.svc.Get(ctx, h.org.ID, c.ID)
	if got.InSync != 4 || got.OutOfSync != 0 {
		t.Errorf("health after the complete pass: in sync %d, out of sync %d, want 4, 0", got.InSync, got.OutOfSync)
	}
}

// TestResendFailedUser: a user whose create the target refused stays out
// of sync, failed in the delivery log; Resend pushes it at once when the
// target takes it again, without moving the connector's cursor, and
// refuses what is none of the connector's.
func TestResendFailedUser(t *testing.T) {
	tg := newTarget(t)
	px := newProxy(t, tg)
	h := newHub(t)
	eng := h.group(t, "Engineering")
	ann := h.user(t, "ann@acme.test", "")
	outsider := h.user(t, "olaf@acme.test", "")
	h.members(t, eng, roster.AddMembers, ann.ID)
	must(t, h.store.GrantAccess(ctx, &roster.Grant{OrgID: h.org.ID, Product: "jira", GroupID: eng.ID, Role: roster.RoleUser}))
	base := px.URL + strings.TrimPrefix(tg.base, tg.url)
	c, _, err := h.svc.Create(ctx, connectors.CreateRequest{OrgID: h.org.ID, Product: "jira", URL: base, Token: tg.token})
	must(t, err)

	px.set(func(p *proxy) { p.rejectPost = true })
	res := h.sync(t, c.ID)
	if res.Failed != 1 || len(tg.users(t)) != 0 {
		t.Fatalf("sync against a target refusing creates: failed %d, target holds %d", res.Failed, len(tg.users(t)))
	}
	failed, _ := h.svc.Deliveries(ctx, h.org.ID, c.ID, true, 10)
	if len(failed) == 0 || failed[0].UserID != ann.ID || failed[0].Status != 400 {
		t.Fatalf("failed deliveries %+v, want ann's refused create", failed)
	}
	before, _ := h.svc.Get(ctx, h.org.ID, c.ID)

	px.set(func(p *proxy) { p.rejectPost = false })
	res, err = h.svc.Resend(ctx, h.org.ID, c.ID, []string{ann.ID}, false)
	must(t, err)
	if res.Failed != 0 || res.Counts[connectors.OpCreate] != 1 {
		t.Errorf("resend: %+v", ops(res))
	}
	if tg.idOf(t, "ann@acme.test") == "" {
		t.Error("ann is not in the target after the resend")
	}
	after, _ := h.svc.Get(ctx, h.org.ID, c.ID)
	if after.Cursor != before.Cursor {
		t.Errorf("the resend moved the cursor from %d to %d", before.Cursor, after.Cursor)
	}

	for _, c2 := range []struct {
		what   string
		users  []string
		groups bool
		want   roster.Reason
	}{
		{"a user without access", []string{outsider.ID}, false, roster.Reason(roster.ENotFound)},
		{"nothing named", nil, false, roster.ReasonInvalidValue},
		{"groups of a connector without them", nil, true, roster.ReasonInvalidValue},
	} {
		if _, err := h.svc.Resend(ctx, h.org.ID, c.ID, c2.users, c2.groups); roster.ReasonOf(err) != c2.want {
			t.Errorf("resend %s: %v (reason %q), want %q", c2.what, err, roster.ReasonOf(err), c2.want)
		}
	}
}

// TestRekeyToken: after a new key is put on top of the key file, Rekey
// seals the connector's token again with it; the new key alone then runs
// the connector, and the retired key alone no longer can.
func TestRekeyToken(t *testing.T) {
	tg := newTarget(t)
	h := newHub(t)
	oldKey, newKey := webhooks.NewKey(), webhooks.NewKey()
	ring := func(text ...[]byte) *webhooks.Keyring {
		k, err := webhooks.ParseKey(bytes.Join(text, nil))
		must(t, err)
		return k
	}
	svc := func(k *webhooks.Keyring) *connectors.Service {
		return &connectors.Service{Store: h.store, Keys: k, AllowPrivate: true}
	}
	c, _, err := svc(ring(oldKey)).Create(ctx, connectors.CreateRequest{OrgID: h.org.ID, Product: "jira", URL: tg.base, Token: tg.token})
	must(t, err)
	n, err := svc(ring(newKey, oldKey)).Rekey(ctx, h.org.ID)
	if err != nil || n != 1 {
		t.Fatalf("Rekey = %d, %v; want the one connector", n, err)
	}
	if n, err := svc(ring(newKey, oldKey)).Rekey(ctx, h.org.ID); err != nil || n != 0 {
		t.Errorf("a second Rekey = %d, %v; want 0", n, err)
	}
	if _, err := svc(ring(newKey)).Sync(ctx, h.org.ID, c.ID); err != nil {
		t.Errorf("a sync with the new key alone: %v", err)
	}
	if _, err := svc(ring(oldKey)).Sync(ctx, h.org.ID, c.ID); roster.ReasonOf(err) != roster.ReasonNoSecretKey {
		t.Errorf("a sync with the retired key alone: %v, want %s", err, roster.ReasonNoSecretKey)
	}
}
