package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/http/scimtest"
	"github.com/rosterhq/roster/storage/postgres/pgtest"
)

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		main() // the test binary as the roster command, for crash tests
		return
	}
	os.Exit(pgtest.Main(m))
}

// setenv sets the environment for the commands a test runs; ROSTER_*
// variables are how the tests choose the database, as operators do.
func setenv(t *testing.T, env map[string]string) {
	for k, v := range env {
		t.Setenv(k, v)
	}
}

func decodeJSON(resp *http.Response, v any) error { return json.NewDecoder(resp.Body).Decode(v) }

// runCLI runs the command in-process and returns its output.
func runCLI(t *testing.T, env map[string]string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	setenv(t, env)
	var out, errOut bytes.Buffer
	code = run(context.Background(), args, &out, &errOut)
	return out.String(), errOut.String(), code
}

func rosterJSON(t *testing.T, env map[string]string, v any, args ...string) {
	t.Helper()
	out, errOut, code := runCLI(t, env, append(args, "--json")...)
	if code != 0 {
		t.Fatalf("roster %s: exit %d: %s", strings.Join(args, " "), code, errOut)
	}
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("roster %s: output is not JSON: %v\n%s", strings.Join(args, " "), err, out)
	}
}

var listening = regexp.MustCompile(`Public URL: (https?://\S+)`)

// serve starts `roster serve` on a free port and returns its URL; the
// server stops when the test ends, and must stop cleanly.
func serve(t *testing.T, env map[string]string, args ...string) string {
	t.Helper()
	setenv(t, env)
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...), pw, io.Discard)
		pw.Close()
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case code := <-done:
			if code != 0 {
				t.Errorf("serve exited with %d after SIGTERM-like cancel", code)
			}
		case <-time.After(30 * time.Second):
			t.Error("serve did not stop")
		}
	})
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		if m := listening.FindStringSubmatch(sc.Text()); m != nil {
			go io.Copy(io.Discard, pr)
			return m[1]
		}
	}
	t.Fatal("serve printed no address")
	return ""
}

type scimClient struct {
	t     *testing.T
	base  string
	token string
}

func (c scimClient) do(method, path, body string) (int, map[string]any) {
	c.t.Helper()
	a := scimtest.Client{Base: c.base, Token: c.token}.Do(c.t, method, path, body)
	return a.Status, a.Body
}

// TestAdminFlow walks the reference scenario from the command line: create
// an organization and a directory, provision over SCIM, rotate the token
// with a grace period, revoke.
func TestAdminFlow(t *testing.T) {
	db := filepath.Join(t.TempDir(), "roster.db")
	env := map[string]string{"ROSTER_DB": db}
	testAdminFlow(t, env)
}

// TestAdminFlowPostgres is the same flow on PostgreSQL.
func TestAdminFlowPostgres(t *testing.T) {
	testAdminFlow(t, map[string]string{"ROSTER_DB": pgtest.DSN(t)})
}

func testAdminFlow(t *testing.T, env map[string]string) {
	url := serve(t, env)

	var org struct{ ID, Name string }
	rosterJSON(t, env, &org, "org", "create", "--name", "Acme")
	if org.ID == "" || org.Name != "Acme" {
		t.Fatalf("org create = %+v", org)
	}
	var dir struct {
		ID, Name, BaseURL, Token, TokenID string
	}
	// The CLI writes while the server runs on the same database.
	rosterJSON(t, env, &dir, "directory", "create", "--org", org.ID, "--name", "Entra ID", "--base-url", url)
	if !strings.HasPrefix(dir.Token, "roster_") || dir.BaseURL != url+"/scim/v2/directories/"+dir.ID {
		t.Fatalf("directory create = %+v", dir)
	}
	entra := scimClient{t, dir.BaseURL, dir.Token}

	// Entra's Test connection.
	status, body := entra.do("GET", `/Users?filter=userName+eq+"6b7f0a7e-5d3c-4f55-9b0e-000000000000"`, "")
	if status != 200 || body["totalResults"] != 0.0 {
		t.Fatalf("test connection: %d %v", status, body)
	}
	status, user := entra.do("POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"alice@acme.test","active":true}`)
	if status != 201 {
		t.Fatalf("create user: %d %v", status, user)
	}

	// Rotate with a grace period: both tokens work.
	var rotated struct {
		Token    string
		Replaced struct{ ID, Prefix, Expires string }
	}
	rosterJSON(t, env, &rotated, "token", "rotate", "--directory", dir.ID, "--grace", "2s")
	fresh := scimClient{t, dir.BaseURL, rotated.Token}
	if rotated.Replaced.ID != dir.TokenID {
		t.Errorf("rotate replaced %+v, want token %s", rotated.Replaced, dir.TokenID)
	}
	for name, c := range map[string]scimClient{"old": entra, "new": fresh} {
		if status, _ := c.do("GET", "/Users/"+user["id"].(string), ""); status != 200 {
			t.Errorf("during the grace period the %s token gets %d", name, status)
		}
	}
	// After the grace period only the new one does.
	time.Sleep(2100 * time.Millisecond)
	if status, body := entra.do("GET", "/Users", ""); status != 401 || !strings.Contains(fmt.Sprint(body["detail"]), "expired") {
		t.Errorf("after the grace period the old token gets %d %v, want 401 expired", status, body)
	}
	if status, _ := fresh.do("GET", "/Users", ""); status != 200 {
		t.Errorf("the new token gets %d", status)
	}

	// token list shows both, with their state and last use.
	out, _, code := runCLI(t, env, "token", "list", "--directory", dir.ID)
	if code != 0 || !strings.Contains(out, "expired") || !strings.Contains(out, "active") || !strings.Contains(out, rotated.Token[:15]) {
		t.Errorf("token list:\n%s", out)
	}
	if strings.Contains(out, rotated.Token) {
		t.Error("token list prints a whole secret")
	}
	var tokens []struct{ ID, Status, LastUsed string }
	rosterJSON(t, env, &tokens, "token", "list", "--directory", dir.ID)
	for _, tk := range tokens {
		if tk.LastUsed == "" {
			t.Errorf("token %s has no last-used time after being used", tk.ID)
		}
	}

	// Revoke ends the new token: the CLI is another node (its own store on
	// the database), so the server refuses it within
	// roster.AuthGenerationMaxAge of the revocation (issue 16's token cache).
	if _, errOut, code := runCLI(t, env, "token", "revoke", "--directory", dir.ID, "--token", rotated.Token[:15]); code != 0 {
		t.Fatalf("revoke: %s", errOut)
	}
	time.Sleep(roster.AuthGenerationMaxAge)
	if status, body := fresh.do("GET", "/Users", ""); status != 401 || !strings.Contains(fmt.Sprint(body["detail"]), "revoked") {
		t.Errorf("revoked token gets %d %v", status, body)
	}
}

func TestHumanOutputAndErrors(t *testing.T) {
	db := filepath.Join(t.TempDir(), "roster.db")
	env := map[string]string{}
	// Global flags may come before the command words, or after them.
	out, errOut, code := runCLI(t, env, "--db", db, "org", "create", "--name", "Acme")
	if code != 0 || !strings.Contains(out, "Organization created.") || !strings.Contains(out, "roster directory create --org") {
		t.Fatalf("org create: %d\n%s%s", code, out, errOut)
	}
	var orgs []struct{ ID string }
	rosterJSON(t, env, &orgs, "org", "list", "--db", db)
	if len(orgs) != 1 {
		t.Fatalf("org list = %v", orgs)
	}
	out, _, code = runCLI(t, env, "directory", "create", "--org", orgs[0].ID, "--name", "Okta", "--db", db, "--base-url", "https://roster.example.com/")
	if code != 0 || !strings.Contains(out, "Base URL        https://roster.example.com/scim/v2/directories/") || !strings.Contains(out, "shown only this once") {
		t.Errorf("directory create:\n%s", out)
	}
	out, _, _ = runCLI(t, env, "directory", "list", "--org", orgs[0].ID, "--db", db)
	if !strings.Contains(out, "Okta") || !strings.Contains(out, "BASE URL") {
		t.Errorf("directory list:\n%s", out)
	}
	for _, args := range [][]string{
		{"directory", "create", "--db", db, "--name", "x"},                  // no --org
		{"directory", "create", "--db", db, "--org", "nope", "--name", "x"}, // unknown org
		{"token", "list", "--db", db, "--directory", "nope"},
		{"token", "rotate", "--db", db, "--directory", "nope", "--grace", "soon"},
		{"bogus"},
	} {
		_, errOut, code := runCLI(t, env, args...)
		if code == 0 || errOut == "" {
			t.Errorf("roster %v: exit %d, stderr %q; want a failure with a message", args, code, errOut)
		}
	}
	if _, errOut, _ := runCLI(t, env, "directory", "create", "--db", db, "--org", "nope", "--name", "x"); !strings.Contains(errOut, `no organization "nope"`) {
		t.Errorf("unknown org error = %q", errOut)
	}
}

func TestBackup(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "roster.db")
	env := map[string]string{"ROSTER_DB": db}
	orgID := createOrg(t, env, "Acme")
	copyPath := filepath.Join(dir, "copy.db")
	if _, errOut, code := runCLI(t, env, "backup", "--out", copyPath); code != 0 {
		t.Fatalf("backup: %s", errOut)
	}
	var orgs []struct{ ID string }
	rosterJSON(t, map[string]string{"ROSTER_DB": copyPath}, &orgs, "org", "list")
	if len(orgs) != 1 || orgs[0].ID != orgID {
		t.Errorf("the copy has orgs %v, want [%s]", orgs, orgID)
	}
	if _, _, code := runCLI(t, env, "backup", "--out", copyPath); code == 0 {
		t.Error("backup overwrote an existing file")
	}
}

func TestConfigurationSources(t *testing.T) {
	dir := t.TempDir()
	fromFile, fromEnv, fromFlag := filepath.Join(dir, "file.db"), filepath.Join(dir, "env.db"), filepath.Join(dir, "flag.db")
	conf := filepath.Join(dir, "roster.conf")
	if err := os.WriteFile(conf, []byte("# Roster settings\ndb "+fromFile+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	orgIn := func(db string) int {
		t.Helper()
		var orgs []struct{ ID string }
		out, errOut, code := runCLI(t, nil, "org", "list", "--json", "--db", db)
		if code != 0 {
			t.Fatalf("org list: %s", errOut)
		}
		json.Unmarshal([]byte(out), &orgs)
		return len(orgs)
	}
	// The config file applies when neither flag nor environment says otherwise.
	runCLI(t, nil, "org", "create", "--name", "A", "--config", conf)
	if orgIn(fromFile) != 1 {
		t.Error("--config did not choose the database")
	}
	// The environment beats the file; a flag beats both.
	runCLI(t, map[string]string{"ROSTER_DB": fromEnv}, "org", "create", "--name", "B", "--config", conf)
	runCLI(t, nil, "org", "create", "--name", "C", "--config", conf, "--db", fromFlag)
	if orgIn(fromEnv) != 1 || orgIn(fromFlag) != 1 || orgIn(fromFile) != 1 {
		t.Errorf("precedence: file %d env %d flag %d orgs, want 1 each", orgIn(fromFile), orgIn(fromEnv), orgIn(fromFlag))
	}
}

func TestServeReportsEveryConfigurationProblem(t *testing.T) {
	_, errOut, code := runCLI(t, nil, "serve", "--db", filepath.Join(t.TempDir(), "x.db"),
		"--addr", "nonsense", "--log-format", "xml", "--base-url", "roster.example.com")
	if code == 0 {
		t.Fatal("serve accepted a broken configuration")
	}
	for _, want := range []string{"--addr", "--log-format", "--base-url"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("the error does not mention %s:\n%s", want, errOut)
		}
	}
}

// servedDirectory is where most command-line tests start: `roster serve` on
// a fresh SQLite database, an organization "Acme", one directory of it and
// a SCIM client holding the directory's token.
type servedDirectory struct {
	env  map[string]string
	url  string // the server's public URL
	org  string // the organization's ID
	dir  struct{ ID, Token, TokenID, BaseURL string }
	scim scimClient
}

// serveDirectory starts the server (serveArgs are added to `roster
// serve`'s flags) and creates the organization and a directory named name.
func serveDirectory(t *testing.T, name string, serveArgs ...string) *servedDirectory {
	t.Helper()
	s := &servedDirectory{env: map[string]string{"ROSTER_DB": filepath.Join(t.TempDir(), "roster.db")}}
	s.url = serve(t, s.env, serveArgs...)
	s.org = createOrg(t, s.env, "Acme")
	rosterJSON(t, s.env, &s.dir, "directory", "create", "--org", s.org, "--name", name, "--base-url", s.url)
	s.scim = scimClient{t, s.dir.BaseURL, s.dir.Token}
	return s
}

// createOrg creates an organization with the command line and returns its ID.
func createOrg(t *testing.T, env map[string]string, name string) string {
	t.Helper()
	var org struct{ ID string }
	rosterJSON(t, env, &org, "org", "create", "--name", name)
	return org.ID
}
