package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	neturl "net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rosterhq/roster/check"
)

// TestCheckAgainstRoster runs `roster check` against a real Roster server
// (SQLite, a directory and its token): every step of every sequence
// passes, the exit code is 0, the directory is empty afterwards, and the
// token is in none of the output, text or JSON.
func TestCheckAgainstRoster(t *testing.T) {
	fx := serveDirectory(t, "Entra ID", "--rate-limit", "0")
	env := fx.env

	out, errOut, code := runCLI(t, env, "check", fx.dir.BaseURL, fx.dir.Token, "--json")
	if code != 0 {
		t.Errorf("check --json: exit %d\n%s\n%s", code, errOut, out)
	}
	var rep struct {
		Steps []struct {
			Sequence, Name, Status, Problem string
		}
		Cleanup   []struct{ Name, Status string }
		Leftovers []any
		Failed    int
		Passed    int
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("check --json is not JSON: %v\n%s", err, out)
	}
	seqs := map[string]int{}
	for _, s := range rep.Steps {
		seqs[s.Sequence]++
		if s.Status != "pass" {
			t.Errorf("%s / %s: %s: %s", s.Sequence, s.Name, s.Status, s.Problem)
		}
	}
	if seqs["entra"] < 10 || seqs["okta"] < 10 || seqs["rfc"] < 5 {
		t.Errorf("steps per sequence = %v; want every sequence run in full", seqs)
	}
	for _, c := range rep.Cleanup {
		if c.Status != "pass" {
			t.Errorf("cleanup %s: %s", c.Name, c.Status)
		}
	}
	if len(rep.Leftovers) != 0 || rep.Failed != 0 {
		t.Errorf("leftovers %v, failed %d", rep.Leftovers, rep.Failed)
	}
	// Everything the checks created is gone.
	c := scimClient{t, fx.dir.BaseURL, fx.dir.Token}
	for _, path := range []string{"/Users", "/Groups"} {
		if status, body := c.do("GET", path, ""); status != 200 || body["totalResults"] != float64(0) {
			t.Errorf("GET %s after check: %d %v; want an empty directory", path, status, body)
		}
	}

	text, errOut, code := runCLI(t, env, "check", "--only", "okta", fx.dir.BaseURL, fx.dir.Token)
	if code != 0 || !strings.Contains(text, "Okta") || strings.Contains(text, "Microsoft Entra ID") || !strings.Contains(text, "Every step the identity providers need passed") {
		t.Errorf("check --only okta: exit %d\n%s\n%s", code, text, errOut)
	}
	for _, s := range []string{out, text, errOut} {
		if strings.Contains(s, fx.dir.Token) {
			t.Errorf("check prints the token:\n%s", s)
		}
	}
}

// TestCheckArguments: URL and TOKEN are positional, flags may stand
// anywhere, and wrong arguments are usage errors (exit 2).
func TestCheckArguments(t *testing.T) {
	for _, args := range [][]string{
		{"check"},
		{"check", "http://127.0.0.1:1/scim"},
		{"check", "http://127.0.0.1:1/scim", "t", "extra"},
		{"check", "--only", "google", "http://127.0.0.1:1/scim", "t"},
		{"check", "ftp://example.com/scim", "t"},
	} {
		if _, errOut, code := runCLI(t, nil, args...); code != 2 || errOut == "" {
			t.Errorf("roster %v: exit %d, stderr %q; want 2 and the reason", args, code, errOut)
		}
	}
	// An unreachable server is a report with failures: exit 1, and
	// --json after the arguments still counts.
	out, _, code := runCLI(t, nil, "check", "http://127.0.0.1:1/scim", "secret-token", "--only", "rfc", "--json")
	if code != 1 || !strings.Contains(out, `"status": "fail"`) || strings.Contains(out, "secret-token") {
		t.Errorf("check of a closed port: exit %d\n%s", code, out)
	}
}

// TestCheckReportsFaults runs `roster check` through a proxy in front of a
// real Roster server that breaks one thing at a time, and asserts that
// each fault is reported on the step it breaks, with what the identity
// provider does about it and how to fix it, that the exit code is 1, and
// that the token is in no output, not even when the server echoes it.
func TestCheckReportsFaults(t *testing.T) {
	env := map[string]string{"ROSTER_DB": filepath.Join(t.TempDir(), "roster.db")}
	url := serve(t, env, "--rate-limit", "0")
	orgID := createOrg(t, env, "Acme")

	scimError := func(w http.ResponseWriter, status int, detail string) {
		w.Header().Set("Content-Type", "application/scim+json")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:Error"}, "status": fmt.Sprint(status), "detail": detail})
	}
	// testConnection is Entra's Test connection request: a filter on a
	// userName no one has (a GUID, not one the checks create).
	testConnection := func(r *http.Request) bool {
		return r.Method == "GET" && strings.HasSuffix(r.URL.Path, "/Users") && strings.Contains(r.URL.Query().Get("filter"), `userName eq "`) &&
			!strings.Contains(r.URL.Query().Get("filter"), "roster-check-")
	}
	type want struct{ seq, step, problem, consequence, fix string }
	for _, tc := range []struct {
		name  string
		only  string
		seed  bool // a user in the directory before the check
		fault func(w http.ResponseWriter, r *http.Request) bool
		want  []want
	}{
		{name: "test connection 404", only: "entra", fault: func(w http.ResponseWriter, r *http.Request) bool {
			if testConnection(r) {
				http.NotFound(w, r)
				return true
			}
			return false
		}, want: []want{{"entra", "Test connection", "answered 404", "Test connection fails", "Tenant URL is wrong"}}},
		{name: "test connection not empty", only: "entra", fault: func(w http.ResponseWriter, r *http.Request) bool {
			if testConnection(r) {
				w.Header().Set("Content-Type", "application/scim+json")
				io.WriteString(w, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":1,"Resources":[{"id":"x","userName":"someone"}]}`)
				return true
			}
			return false
		}, want: []want{{"entra", "Test connection", "ignores the filter", "Test connection fails", "apply the filter"}}},
		{name: "POST without id", only: "entra", fault: func(w http.ResponseWriter, r *http.Request) bool {
			if r.Method == "POST" && strings.HasSuffix(r.URL.Path, "/Users") {
				w.Header().Set("Content-Type", "application/scim+json")
				io.WriteString(w, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"x"}`)
				return true
			}
			return false
		}, want: []want{{"entra", "Create user", `answered 200 without an "id"`, "marks the user as failed", `"id"`}}},
		{name: "capitalised PATCH ops refused", only: "", fault: func(w http.ResponseWriter, r *http.Request) bool {
			if r.Method == "PATCH" {
				b, _ := io.ReadAll(r.Body)
				r.Body = io.NopCloser(bytes.NewReader(b))
				if bytes.Contains(b, []byte(`"op":"Replace"`)) || bytes.Contains(b, []byte(`"op":"Add"`)) || bytes.Contains(b, []byte(`"op":"Remove"`)) {
					// A careless server echoes the credentials it got.
					scimError(w, 400, "unknown op; request had "+r.Header.Get("Authorization"))
					return true
				}
			}
			return false
		}, want: []want{
			{"entra", "Update the user (Entra's PATCH)", "answered 400", "retries it", "case-insensitively"},
			{"entra", `Disable the user (PATCH active "False")`, "answered 400", "keeps access", ""},
			{"entra", "Add a member (PATCH Add members)", "answered 400", "retries it", ""},
		}},
		{name: "filter ignored", only: "entra", seed: true, fault: func(w http.ResponseWriter, r *http.Request) bool {
			if r.Method == "GET" && strings.HasSuffix(r.URL.Path, "/Users") {
				q := r.URL.Query()
				q.Del("filter")
				r.URL.RawQuery = q.Encode()
			}
			return false
		}, want: []want{
			{"entra", "Test connection", "ignores the filter", "Test connection fails", "apply the filter"},
			{"entra", "Look up the user by userName", "2 resources for one name", "wrong user", "apply the filter"},
		}},
		{name: "DELETE 500", only: "entra", fault: func(w http.ResponseWriter, r *http.Request) bool {
			if r.Method == "DELETE" && strings.Contains(r.URL.Path, "/Users/") {
				scimError(w, 500, "internal error")
				return true
			}
			return false
		}, want: []want{{"entra", "Delete the user", "answered 500", "the account stays", "server's log"}}},
		{name: "no ServiceProviderConfig", only: "rfc", fault: func(w http.ResponseWriter, r *http.Request) bool {
			if strings.HasSuffix(r.URL.Path, "/ServiceProviderConfig") {
				http.NotFound(w, r)
				return true
			}
			return false
		}, want: []want{{"rfc", "ServiceProviderConfig", "answered 404", "RFC 7644 §4 requires it", "serve GET /ServiceProviderConfig"}}},
		{name: "not JSON", only: "okta", fault: func(w http.ResponseWriter, r *http.Request) bool {
			if r.Method == "POST" && strings.HasSuffix(r.URL.Path, "/Groups") {
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(201)
				io.WriteString(w, "<html><body>Created</body></html>")
				return true
			}
			return false
		}, want: []want{{"okta", "Push a group (POST)", "not a JSON object (text/html)", "Dashboard → Tasks", "application/scim+json"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var dir struct{ ID, BaseURL, Token string }
			rosterJSON(t, env, &dir, "directory", "create", "--org", orgID, "--name", tc.name, "--base-url", url)
			if tc.seed {
				c := scimClient{t, dir.BaseURL, dir.Token}
				if status, _ := c.do("POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"seed@example.com"}`); status != 201 {
					t.Fatalf("seed: %d", status)
				}
			}
			upstream, _ := neturl.Parse(url)
			proxy := httputil.NewSingleHostReverseProxy(upstream)
			faulty := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if !tc.fault(w, r) {
					proxy.ServeHTTP(w, r)
				}
			}))
			defer faulty.Close()
			base := faulty.URL + strings.TrimPrefix(dir.BaseURL, url)
			args := []string{"check", base, dir.Token}
			if tc.only != "" {
				args = append(args, "--only", tc.only)
			}
			out, errOut, code := runCLI(t, env, append(args, "--json")...)
			if code != 1 {
				t.Errorf("exit %d, want 1\n%s", code, errOut)
			}
			var rep check.Report
			if err := json.Unmarshal([]byte(out), &rep); err != nil {
				t.Fatalf("--json: %v\n%s", err, out)
			}
			// Cleanup ran: the directory holds at most the seed user and
			// what the fault made undeletable (reported as leftovers).
			c := scimClient{t, dir.BaseURL, dir.Token}
			_, users := c.do("GET", "/Users", "")
			_, groups := c.do("GET", "/Groups", "")
			left := int(users["totalResults"].(float64)) + int(groups["totalResults"].(float64))
			seeded := map[bool]int{true: 1}[tc.seed]
			if left != seeded+len(rep.Leftovers) {
				t.Errorf("%d resources left on the server, want %d (seed) + %d leftovers %v", left, seeded, len(rep.Leftovers), rep.Leftovers)
			}
			text, _, textCode := runCLI(t, env, args...)
			if textCode != 1 {
				t.Errorf("text: exit %d, want 1", textCode)
			}
			for _, w := range tc.want {
				s := rep.Step(check.Sequence(w.seq), w.step)
				switch {
				case s == nil:
					t.Errorf("no step %s / %q in the report", w.seq, w.step)
				case s.Status != check.Fail || !strings.Contains(s.Problem, w.problem) || !strings.Contains(s.Consequence, w.consequence) || !strings.Contains(s.Fix, w.fix):
					t.Errorf("%s / %s: status %s\nproblem %q (want %q)\nconsequence %q (want %q)\nfix %q (want %q)",
						w.seq, w.step, s.Status, s.Problem, w.problem, s.Consequence, w.consequence, s.Fix, w.fix)
				default:
					if !strings.Contains(text, "FAIL  "+w.step) || !strings.Contains(text, s.Consequence) {
						t.Errorf("text report lacks the failed step %q and its consequence:\n%s", w.step, text)
					}
				}
			}
			if strings.Contains(out, dir.Token) || strings.Contains(text, dir.Token) || strings.Contains(errOut, dir.Token) {
				t.Errorf("the token is in the output:\n%s\n%s", out, text)
			}
		})
	}
}
