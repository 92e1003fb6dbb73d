package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rosterhq/roster/webhooks"
)

// TestWebhookCLI: from the command line, a key, a webhook whose secret is
// printed once, and `roster serve` delivering a SCIM change to it, signed.
func TestWebhookCLI(t *testing.T) {
	dirPath := t.TempDir()
	key := filepath.Join(dirPath, "roster.key")
	env := map[string]string{"ROSTER_DB": filepath.Join(dirPath, "roster.db"), "ROSTER_SECRET_KEY_FILE": ""}
	rosterJSON(t, env, &struct{}{}, "keygen", "--out", key)
	if _, errOut, code := runCLI(t, env, "keygen", "--out", key); code == 0 || !strings.Contains(errOut, "exists already") {
		t.Errorf("keygen over an existing key: exit %d %q", code, errOut)
	}

	rec, recv := newRecorder(t, "")

	url := serve(t, env, "--domain-recheck", "0", "--secret-key-file", key, "--allow-private-targets")
	orgID := createOrg(t, env, "Acme")
	var dir struct{ ID, Token, BaseURL string }
	rosterJSON(t, env, &dir, "directory", "create", "--org", orgID, "--name", "Entra ID", "--base-url", url)

	if _, errOut, code := runCLI(t, env, "webhook", "create", "--org", orgID, "--url", recv.URL); code == 0 || !strings.Contains(errOut, "roster keygen") {
		t.Errorf("create without a key: exit %d %q, want advice to run roster keygen", code, errOut)
	}
	if _, errOut, code := runCLI(t, env, "webhook", "create", "--org", orgID, "--url", recv.URL, "--secret-key-file", key); code == 0 || !strings.Contains(errOut, "https://") {
		t.Errorf("create of an http:// loopback URL without --allow-private-targets: exit %d %q", code, errOut)
	}
	var hook struct{ ID, Secret string }
	rosterJSON(t, env, &hook, "webhook", "create", "--org", orgID, "--url", recv.URL, "--events", "user.*", "--secret-key-file", key, "--allow-private-targets")
	if hook.ID == "" || !strings.HasPrefix(hook.Secret, webhooks.SecretPrefix) {
		t.Fatalf("webhook create printed %+v", hook)
	}
	out, _, _ := runCLI(t, env, "webhook", "list", "--org", orgID, "--json")
	if !strings.Contains(out, hook.ID) || strings.Contains(out, hook.Secret) || strings.Contains(out, "whsec_") {
		t.Errorf("webhook list --json: %s (want the webhook, never its secret)", out)
	}

	entra := scimClient{t, dir.BaseURL, dir.Token}
	entra.do("POST", "/Users", `{"userName":"ann@acme.test"}`)
	deadline := time.Now().Add(15 * time.Second)
	for {
		n := rec.count()
		if n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the server delivered nothing")
		}
		time.Sleep(20 * time.Millisecond)
	}
	r, body := rec.request(0)
	if !strings.Contains(string(body), `"type":"user.created"`) ||
		!webhooks.Verify(hook.Secret, r.Header.Get("webhook-id"), r.Header.Get("webhook-timestamp"), body, r.Header.Get("webhook-signature")) {
		t.Errorf("delivered %s with signature %q: want user.created, verifying with the printed secret", body, r.Header.Get("webhook-signature"))
	}

	var rotated struct{ Secret string }
	rosterJSON(t, env, &rotated, "webhook", "rotate-secret", "--org", orgID, "--webhook", hook.ID, "--secret-key-file", key)
	if rotated.Secret == hook.Secret || !strings.HasPrefix(rotated.Secret, webhooks.SecretPrefix) {
		t.Errorf("rotate-secret printed %q", rotated.Secret)
	}
	rosterJSON(t, env, &struct{}{}, "webhook", "send-test", "--org", orgID, "--webhook", hook.ID)
	deadline = time.Now().Add(15 * time.Second)
	for {
		n := rec.count()
		if n > 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the test message was not delivered")
		}
		time.Sleep(20 * time.Millisecond)
	}
	r, body = rec.request(1)
	for _, s := range []string{hook.Secret, rotated.Secret} { // both sign during the grace period
		if !webhooks.Verify(s, r.Header.Get("webhook-id"), r.Header.Get("webhook-timestamp"), body, r.Header.Get("webhook-signature")) {
			t.Errorf("the test message after rotation does not verify with %s…", s[:12])
		}
	}
	var log []struct {
		ID, State, Type string
		Status          int
	}
	rosterJSON(t, env, &log, "webhook", "deliveries", "--org", orgID, "--webhook", hook.ID)
	if len(log) != 2 || log[0].Type != "webhook.test" || log[1].State != "delivered" || log[1].Status != 200 {
		t.Errorf("delivery log %+v", log)
	}
	var one struct {
		ID, State  string
		AttemptLog []struct {
			Attempt, Status int
			Node, Response  string
		}
	}
	rosterJSON(t, env, &one, "webhook", "deliveries", "--org", orgID, "--webhook", hook.ID, "--id", log[1].ID)
	if one.ID != log[1].ID || len(one.AttemptLog) != 1 || one.AttemptLog[0].Attempt != 1 || one.AttemptLog[0].Status != 200 || one.AttemptLog[0].Node == "" {
		t.Errorf("deliveries --id: %+v, want its one attempt with status 200 and the node", one)
	}
	rosterJSON(t, env, &struct{}{}, "webhook", "resend", "--org", orgID, "--webhook", hook.ID, "--delivery", log[1].ID)
	rosterJSON(t, env, &struct{}{}, "webhook", "delete", "--org", orgID, "--webhook", hook.ID)
}

// recorder is a webhook receiver that keeps every request it gets, with
// its body.
type recorder struct {
	mu     sync.Mutex
	reqs   []*http.Request
	bodies [][]byte
}

// newRecorder starts one, which answers reply to each request, until the
// test ends.
func newRecorder(t *testing.T, reply string) (*recorder, *httptest.Server) {
	t.Helper()
	rec := &recorder{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rec.mu.Lock()
		rec.reqs, rec.bodies = append(rec.reqs, r), append(rec.bodies, body)
		rec.mu.Unlock()
		io.WriteString(w, reply)
	}))
	t.Cleanup(srv.Close)
	return rec, srv
}

// count is how many requests have arrived.
func (rec *recorder) count() int {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return len(rec.reqs)
}

// request is the i-th request to arrive, and its body.
func (rec *recorder) request(i int) (*http.Request, []byte) {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return rec.reqs[i], rec.bodies[i]
}
