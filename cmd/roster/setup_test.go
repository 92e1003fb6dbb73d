package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer is serve's output, read while serve writes it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// serveUntil runs `roster serve` until its output contains marker, calls
// during (the server still runs), stops it, and returns all it printed.
func serveUntil(t *testing.T, env map[string]string, marker string, during func(out string)) string {
	t.Helper()
	setenv(t, env)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &lockedBuffer{}
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0"}, out, io.Discard) }()
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(out.String(), marker); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("serve never printed %q; it printed:\n%s", marker, out)
		}
	}
	during(out.String())
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("serve exited with %d", code)
	}
	return out.String()
}

// TestServePrintsSetupLink: a fresh Roster prints a one-time setup link
// that opens the console's setup page; with an organization it prints
// none.
func TestServePrintsSetupLink(t *testing.T) {
	env := map[string]string{"ROSTER_DB": filepath.Join(t.TempDir(), "roster.db")}
	link := regexp.MustCompile(`https?://\S+/setup/\S+`)
	serveUntil(t, env, "Or, in another terminal", func(out string) {
		url := link.FindString(out)
		if url == "" {
			t.Fatalf("a fresh Roster printed no setup link:\n%s", out)
		}
		res, err := http.Get(url)
		if err != nil || res.StatusCode != http.StatusOK {
			t.Fatalf("the setup link %s: %v %v", url, res, err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if !strings.Contains(string(body), "Set up Roster") {
			t.Errorf("the setup link opened:\n%s", body)
		}
	})
	rosterJSON(t, env, &struct{ ID string }{}, "org", "create", "--name", "Acme")
	if out := serveUntil(t, env, "Console:", func(string) {}); link.MatchString(out) || strings.Contains(out, "No organization yet") {
		t.Errorf("with an organization, serve still offers a setup:\n%s", out)
	}
}

// TestServePrintsListenAddressAndPublicURL: behind a proxy, where serve
// listens and where it is reached differ, and it says both.
func TestServePrintsListenAddressAndPublicURL(t *testing.T) {
	env := map[string]string{"ROSTER_DB": filepath.Join(t.TempDir(), "roster.db"), "ROSTER_BASE_URL": "https://roster.example.com/"}
	out := serveUntil(t, env, "Console:", func(string) {})
	listen := regexp.MustCompile(`listening on http://127\.0\.0\.1:[1-9][0-9]* `)
	if !listen.MatchString(out) || !strings.Contains(out, "Public URL: https://roster.example.com\n") || !strings.Contains(out, "Console: https://roster.example.com/\n") {
		t.Errorf("serve --base-url printed:\n%s", out)
	}
}
