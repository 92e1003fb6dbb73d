package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	neturl "net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestConnectorCLI: from the command line, a connector from one
// organization's product to a directory of another organization of the
// same `roster serve` (the application, over HTTP); the server's worker
// provisions the users with access; preview, sync, show, deliveries,
// pause, resume, update and delete as the README shows them; the token is
// never printed.
func TestConnectorCLI(t *testing.T) {
	dirPath := t.TempDir()
	key := filepath.Join(dirPath, "roster.key")
	env := map[string]string{"ROSTER_DB": filepath.Join(dirPath, "roster.db"), "ROSTER_SECRET_KEY_FILE": ""}
	rosterJSON(t, env, &struct{}{}, "keygen", "--out", key)
	url := serve(t, env, "--domain-recheck", "0", "--secret-key-file", key, "--allow-private-targets")

	acme, idp, target := hubAndApplication(t, env, url)
	entra := scimClient{t, idp.BaseURL, idp.Token}
	ids := map[string]string{}
	for _, name := range []string{"ann", "ben"} {
		status, u := entra.do("POST", "/Users", `{"userName":"`+name+`@acme.test","displayName":"`+name+`"}`)
		if status != http.StatusCreated {
			t.Fatalf("creating %s: %d %v", name, status, u)
		}
		ids[name] = u["id"].(string)
	}
	status, g := entra.do("POST", "/Groups", `{"displayName":"Jira users","members":[{"value":"`+ids["ann"]+`"},{"value":"`+ids["ben"]+`"}]}`)
	if status != http.StatusCreated {
		t.Fatalf("creating the group: %d %v", status, g)
	}
	rosterJSON(t, env, &struct{}{}, "product", "create", "--org", acme.ID, "--key", "jira", "--name", "Jira")
	rosterJSON(t, env, &struct{}{}, "access", "grant", "--org", acme.ID, "--product", "jira", "--group", g["id"].(string))

	if _, errOut, code := runCLI(t, env, "connector", "create", "--org", acme.ID, "--product", "jira", "--url", target.BaseURL, "--token", target.Token,
		"--allow-private-targets"); code == 0 || !strings.Contains(errOut, "roster keygen") {
		t.Errorf("create without a key: exit %d %q", code, errOut)
	}
	if _, errOut, code := runCLI(t, env, "connector", "create", "--org", acme.ID, "--product", "jira", "--url", target.BaseURL, "--token", target.Token,
		"--secret-key-file", key); code == 0 || !strings.Contains(errOut, "https://") {
		t.Errorf("create of an http:// loopback URL without --allow-private-targets: exit %d %q", code, errOut)
	}
	var conn struct {
		ID        string
		CheckGaps []string
	}
	rosterJSON(t, env, &conn, "connector", "create", "--org", acme.ID, "--product", "jira", "--url", target.BaseURL, "--token", target.Token,
		"--name", "Jira", "--groups", "--secret-key-file", key, "--allow-private-targets")
	if conn.ID == "" || len(conn.CheckGaps) != 0 {
		t.Fatalf("connector create printed %+v", conn)
	}
	app1 := scimClient{t, target.BaseURL, target.Token}
	count := func() int {
		_, all := app1.do("GET", "/Users?count=0", "")
		n, _ := all["totalResults"].(float64)
		return int(n)
	}
	deadline := time.Now().Add(60 * time.Second)
	for count() != 2 && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
	}
	if n := count(); n != 2 {
		t.Fatalf("the server's worker provisioned %d users into the application, want 2", n)
	}
	// --groups: the granted group arrives with its two members.
	members := func() int {
		_, gs := app1.do("GET", "/Groups?filter="+neturl.QueryEscape(`displayName eq "Jira users"`), "")
		res, _ := gs["Resources"].([]any)
		if len(res) != 1 {
			return -1
		}
		ms, _ := res[0].(map[string]any)["members"].([]any)
		return len(ms)
	}
	for members() != 2 && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
	}
	if n := members(); n != 2 {
		t.Fatalf("the application's group Jira users has %d members (-1: no such group), want 2", n)
	}

	// A new user with access arrives through the worker too.
	status, u := entra.do("POST", "/Users", `{"userName":"cat@acme.test"}`)
	if status != http.StatusCreated {
		t.Fatalf("creating cat: %d", status)
	}
	rosterJSON(t, env, &struct{}{}, "connector", "pause", "--org", acme.ID, "--connector", conn.ID)
	entra.do("PATCH", "/Groups/"+g["id"].(string), `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"members","value":[{"value":"`+u["id"].(string)+`"}]}]}`)
	var preview struct {
		Preview bool
		Changes []struct{ Op, UserName string }
	}
	rosterJSON(t, env, &preview, "connector", "preview", "--org", acme.ID, "--connector", conn.ID, "--secret-key-file", key, "--allow-private-targets")
	if !preview.Preview || len(preview.Changes) != 1 || preview.Changes[0].Op != "create" || preview.Changes[0].UserName != "cat@acme.test" {
		t.Errorf("preview: %+v", preview)
	}
	var synced struct {
		Changes []struct{ Op, UserName string }
	}
	// The server's worker may still be finishing a pass it began before
	// the pause: sync is refused (busy) until it ends.
	syncWhenFree(t, env, &synced, 50, "--org", acme.ID, "--connector", conn.ID, "--secret-key-file", key, "--allow-private-targets")
	if fmt.Sprint(synced.Changes) != fmt.Sprint(preview.Changes) {
		t.Errorf("sync did %+v, preview said %+v", synced.Changes, preview.Changes)
	}
	if n := count(); n != 3 {
		t.Errorf("after the sync the application has %d users, want 3", n)
	}
	rosterJSON(t, env, &struct{}{}, "connector", "resume", "--org", acme.ID, "--connector", conn.ID)

	out, _, code := runCLI(t, env, "connector", "show", "--org", acme.ID, "--connector", conn.ID, "--json")
	if code != 0 || strings.Contains(out, target.Token) || !strings.Contains(out, `"paused": false`) && !strings.Contains(out, `"paused":false`) {
		t.Errorf("connector show --json: exit %d %s (want it resumed, never the token)", code, out)
	}
	for _, args := range [][]string{{"connector", "list", "--org", acme.ID}, {"connector", "deliveries", "--org", acme.ID, "--connector", conn.ID},
		{"connector", "show", "--org", acme.ID, "--connector", conn.ID}} {
		out, errOut, code := runCLI(t, env, args...)
		if code != 0 || strings.Contains(out, target.Token) {
			t.Errorf("roster %s: exit %d %s %s", strings.Join(args, " "), code, out, errOut)
		}
		if args[1] == "deliveries" && !strings.Contains(out, "POST /Users") {
			t.Errorf("deliveries: %s", out)
		}
	}
	var updated struct{ OnRevoke string }
	rosterJSON(t, env, &updated, "connector", "update", "--org", acme.ID, "--connector", conn.ID, "--on-revoke", "delete", "--token", target.Token,
		"--secret-key-file", key)
	if updated.OnRevoke != "delete" {
		t.Errorf("update --on-revoke delete: %+v", updated)
	}
	if _, errOut, code := runCLI(t, env, "connector", "update", "--org", acme.ID, "--connector", conn.ID, "--on-revoke", "archive"); code != 1 || !strings.Contains(errOut, "deactivate or delete") {
		t.Errorf("update --on-revoke archive: exit %d %q", code, errOut)
	}
	rosterJSON(t, env, &struct{}{}, "connector", "delete", "--org", acme.ID, "--connector", conn.ID)
	if _, _, code := runCLI(t, env, "connector", "show", "--org", acme.ID, "--connector", conn.ID); code != 1 {
		t.Errorf("show after delete: exit %d", code)
	}
}

// TestConnectorSurvivesKill kills `roster serve` with SIGKILL in the middle
// of a connector's first pass and starts it again: once the dead process's
// lease expires (a minute) the new one finishes the pass. Every user with
// access is in the application exactly once, and a sync afterwards has
// nothing to change.
func TestConnectorSurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills server processes, and waits out a lease")
	}
	dirPath := t.TempDir()
	db, key := filepath.Join(dirPath, "roster.db"), filepath.Join(dirPath, "roster.key")
	env := map[string]string{"ROSTER_DB": db, "ROSTER_SECRET_KEY_FILE": ""}
	rosterJSON(t, env, &struct{}{}, "keygen", "--out", key)
	addr := freeAddr(t)
	url := "http://" + addr
	args := []string{"--secret-key-file", key, "--allow-private-targets", "--domain-recheck", "0"}
	server := startProcess(t, db, addr, args...)
	defer func() { server.Process.Kill(); server.Wait() }()

	acme, idp, target := hubAndApplication(t, env, url)
	entra := scimClient{t, idp.BaseURL, idp.Token}
	const n = 300
	var members []string
	for i := range n {
		status, u := entra.do("POST", "/Users", fmt.Sprintf(`{"userName":"u%03d@acme.test"}`, i))
		if status != http.StatusCreated {
			t.Fatalf("creating user %d: %d", i, status)
		}
		members = append(members, `{"value":"`+u["id"].(string)+`"}`)
	}
	status, g := entra.do("POST", "/Groups", `{"displayName":"Jira users","members":[`+strings.Join(members, ",")+`]}`)
	if status != http.StatusCreated {
		t.Fatalf("creating the group: %d", status)
	}
	rosterJSON(t, env, &struct{}{}, "product", "create", "--org", acme.ID, "--key", "jira", "--name", "Jira")
	rosterJSON(t, env, &struct{}{}, "access", "grant", "--org", acme.ID, "--product", "jira", "--group", g["id"].(string))
	// 50 requests a second: the first pass takes about 12 s, time to kill it.
	var conn struct{ ID string }
	rosterJSON(t, env, &conn, "connector", "create", "--org", acme.ID, "--product", "jira", "--url", target.BaseURL, "--token", target.Token,
		"--rate-limit", "50", "--secret-key-file", key, "--allow-private-targets")

	app1 := scimClient{t, target.BaseURL, target.Token}
	count := func() int {
		status, all := app1.do("GET", "/Users?count=0", "")
		if status != http.StatusOK {
			return -1
		}
		n, _ := all["totalResults"].(float64)
		return int(n)
	}
	deadline := time.Now().Add(60 * time.Second)
	for count() < 30 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	server.Process.Kill() // SIGKILL
	server.Wait()
	server = startProcess(t, db, addr, args...)
	if got := count(); got < 30 || got >= n {
		t.Fatalf("at the kill the application had %d users: the test did not kill the pass midway", got)
	}
	deadline = time.Now().Add(150 * time.Second) // the dead process's lease (1 minute), then the rest of the pass
	for count() != n && time.Now().Before(deadline) {
		time.Sleep(250 * time.Millisecond)
	}
	if got := count(); got != n {
		t.Fatalf("after the restart the application has %d users, want %d", got, n)
	}
	var res struct {
		Considered, InSync int
		Changes            []struct{ Op, UserName string }
	}
	syncWhenFree(t, env, &res, 100, "--org", acme.ID, "--connector", conn.ID, "--secret-key-file", key, "--allow-private-targets")
	if len(res.Changes) != 0 || res.InSync != n {
		t.Errorf("a sync after the restart: %+v, want nothing to change and %d in sync", res.Changes, n)
	}
}

// syncWhenFree runs `roster connector sync --json` with args and decodes
// its output into out, trying again (up to tries times, 200 ms apart)
// while another node's pass holds the connector.
func syncWhenFree(t *testing.T, env map[string]string, out any, tries int, args ...string) {
	t.Helper()
	for try := 0; ; try++ {
		stdout, errOut, code := runCLI(t, env, append(append([]string{"connector", "sync"}, args...), "--json")...)
		if code == 0 {
			if err := json.Unmarshal([]byte(stdout), out); err != nil {
				t.Fatal(err)
			}
			return
		}
		if !strings.Contains(errOut, "another node") || try == tries {
			t.Fatalf("connector sync: exit %d %s", code, errOut)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// hubAndApplication creates two organizations on one server: Acme, the
// hub, with a directory an identity provider fills, and App, whose
// directory stands for the application Acme's connector provisions.
func hubAndApplication(t *testing.T, env map[string]string, url string) (acme struct{ ID string }, idp, target struct{ ID, Token, BaseURL string }) {
	t.Helper()
	var app struct{ ID string }
	rosterJSON(t, env, &acme, "org", "create", "--name", "Acme")
	rosterJSON(t, env, &app, "org", "create", "--name", "App")
	rosterJSON(t, env, &idp, "directory", "create", "--org", acme.ID, "--name", "Entra ID", "--base-url", url)
	rosterJSON(t, env, &target, "directory", "create", "--org", app.ID, "--name", "From Acme", "--base-url", url)
	return acme, idp, target
}
