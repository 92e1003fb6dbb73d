package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheckAgainstRoster runs `roster check` against a real Roster server
// (SQLite, a directory and its token): every step of every sequence
// passes, the exit code is 0, the directory is empty afterwards, and the
// token is in none of the output, text or JSON.
func TestCheckAgainstRoster(t *testing.T) {
	env := map[string]string{"ROSTER_DB": filepath.Join(t.TempDir(), "roster.db")}
	url := serve(t, env, "--rate-limit", "0")
	var org struct{ ID string }
	rosterJSON(t, env, &org, "org", "create", "--name", "Acme")
	var dir struct{ BaseURL, Token string }
	rosterJSON(t, env, &dir, "directory", "create", "--org", org.ID, "--name", "Entra ID", "--base-url", url)

	out, errOut, code := runCLI(t, env, "check", dir.BaseURL, dir.Token, "--json")
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
	c := scimClient{t, dir.BaseURL, dir.Token}
	for _, path := range []string{"/Users", "/Groups"} {
		if status, body := c.do("GET", path, ""); status != 200 || body["totalResults"] != float64(0) {
			t.Errorf("GET %s after check: %d %v; want an empty directory", path, status, body)
		}
	}

	text, errOut, code := runCLI(t, env, "check", "--only", "okta", dir.BaseURL, dir.Token)
	if code != 0 || !strings.Contains(text, "Okta") || strings.Contains(text, "Microsoft Entra ID") || !strings.Contains(text, "Every step the identity providers need passed") {
		t.Errorf("check --only okta: exit %d\n%s\n%s", code, text, errOut)
	}
	for _, s := range []string{out, text, errOut} {
		if strings.Contains(s, dir.Token) {
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
