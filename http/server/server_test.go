package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/http/urls"
	"github.com/rosterhq/roster/scim"
)

// syncBuffer is a log destination that handlers on many goroutines share.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// testServer is the real router and middleware plus test-only routes, on a
// real store with one directory.
type testServer struct {
	srv   *httptest.Server
	logs  *syncBuffer
	base  string // the directory's SCIM base URL
	token string
}

func newTestServer(t *testing.T, ready func(*http.Request) error, extra func(mux *http.ServeMux)) *testServer {
	t.Helper()
	st, _, dir, secret := newDirectory(t, "Entra ID")
	logs := &syncBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, nil))
	srv := httptest.NewUnstartedServer(nil)
	url := "http://" + srv.Listener.Addr().String()
	mux := routes(Config{Store: st, PublicURL: url, Logger: log, Ready: ready})
	if extra != nil {
		extra(mux)
	}
	srv.Config.Handler = middleware(log, nil, mux)
	srv.Config.ErrorLog = slog.NewLogLogger(log.Handler(), slog.LevelWarn)
	srv.Start()
	t.Cleanup(srv.Close)
	return &testServer{srv: srv, logs: logs, base: urls.DirectoryBase(url, dir.ID), token: secret}
}

func (s *testServer) get(t *testing.T, url string, headers ...string) (*http.Response, []byte, error) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	return res, body, err
}

// alive checks that the server still answers, a SCIM request included.
func (s *testServer) alive(t *testing.T) {
	t.Helper()
	res, body, err := s.get(t, s.srv.URL+"/healthz")
	if err != nil || res.StatusCode != http.StatusOK || strings.TrimSpace(string(body)) != "ok" {
		t.Fatalf("healthz after a panic: %v %v %q", err, res, body)
	}
	res, body, err = s.get(t, s.base+"/Users", "Authorization", "Bearer "+s.token)
	if err != nil || res.StatusCode != http.StatusOK || !strings.Contains(string(body), scim.ListResponseSchema) {
		t.Fatalf("SCIM request after a panic: %v %v %s", err, res, body)
	}
}

func TestPanicBecomesSCIMError(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil, func(mux *http.ServeMux) {
		mux.HandleFunc("GET /test/panic", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("ETag", `W/"7"`)
			w.Header().Set("Location", "http://example.com/Users/1")
			panic("boom: secret internal state")
		})
	})

	for _, c := range []struct{ name, sentID string }{{"client request ID", "req-0123.abc_X"}, {"generated request ID", ""}} {
		t.Run(c.name, func(t *testing.T) {
			var h []string
			if c.sentID != "" {
				h = []string{"X-Request-Id", c.sentID}
			}
			res, body, err := s.get(t, s.srv.URL+"/test/panic", h...)
			if err != nil {
				t.Fatal(err)
			}
			if res.StatusCode != http.StatusInternalServerError {
				t.Fatalf("status %d, want 500: %s", res.StatusCode, body)
			}
			if ct := res.Header.Get("Content-Type"); ct != scim.MediaType {
				t.Errorf("Content-Type %q", ct)
			}
			id := res.Header.Get("X-Request-Id")
			if c.sentID != "" && id != c.sentID || id == "" {
				t.Errorf("X-Request-Id %q, sent %q", id, c.sentID)
			}
			var e struct {
				Schemas  []string `json:"schemas"`
				Status   string   `json:"status"`
				ScimType string   `json:"scimType"`
				Detail   string   `json:"detail"`
			}
			if err := json.Unmarshal(body, &e); err != nil {
				t.Fatalf("body %q: %v", body, err)
			}
			if len(e.Schemas) != 1 || e.Schemas[0] != scim.ErrorSchema || e.Status != "500" {
				t.Errorf("error body %s", body)
			}
			if !strings.Contains(e.Detail, id) {
				t.Errorf("detail %q does not carry the request ID %q", e.Detail, id)
			}
			if strings.Contains(string(body), "boom") || strings.Contains(string(body), "secret") {
				t.Errorf("the panic value reaches the client: %s", body)
			}
			if res.Header.Get("ETag") != "" || res.Header.Get("Location") != "" {
				t.Errorf("the error carries the handler's headers: ETag %q Location %q", res.Header.Get("ETag"), res.Header.Get("Location"))
			}
			if res.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("security headers missing on the error")
			}
			logs := s.logs.String()
			if !strings.Contains(logs, "boom: secret internal state") || !strings.Contains(logs, `"request_id":"`+id+`"`) {
				t.Errorf("the log lacks the panic or its request ID:\n%s", logs)
			}
			s.alive(t)
		})
	}
}

// TestPanicAfterResponseStarted: once the status and part of the body are
// out, a panic must break the response, not append an error to it.
func TestPanicAfterResponseStarted(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil, func(mux *http.ServeMux) {
		mux.HandleFunc("GET /test/panic-late", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", scim.MediaType)
			w.WriteHeader(http.StatusOK)
			// More than the server's write buffer, so that the start of
			// the response does reach the client.
			w.Write([]byte(`{"Resources":[` + strings.Repeat(`{"id":"x"},`, 2000)))
			panic("boom late")
		})
	})
	res, body, err := s.get(t, s.srv.URL+"/test/panic-late")
	switch {
	case err == nil:
		t.Errorf("the client read a complete response (status %d, %d bytes ending %q); it must see a broken one",
			res.StatusCode, len(body), body[max(0, len(body)-80):])
	case !errors.Is(err, io.ErrUnexpectedEOF) && !strings.Contains(err.Error(), "EOF") && !strings.Contains(err.Error(), "reset"):
		t.Logf("client error: %v", err)
	}
	if logs := s.logs.String(); !strings.Contains(logs, "boom late") || !strings.Contains(logs, `"aborted":true`) {
		t.Errorf("the log does not record the panic and the aborted response:\n%s", logs)
	}
	s.alive(t)
}

func TestMiddleware(t *testing.T) {
	t.Parallel()
	// A roster.Error's detail is shown; a driver's error text is not
	// (TestDatabaseUnreachable).
	notReady := roster.Errorf(roster.EUnavailable, "", "migrations not applied: 0009")
	var mu sync.Mutex
	readyErr := error(nil)
	s := newTestServer(t, func(*http.Request) error {
		mu.Lock()
		defer mu.Unlock()
		return readyErr
	}, nil)

	// Request IDs: a sane client ID is kept, anything else replaced.
	for _, c := range []struct {
		sent string
		kept bool
	}{
		{"abc-123", true},
		{strings.Repeat("a", 64), true},
		{strings.Repeat("a", 65), false},
		{"has space", false},
		{"<script>", false},
	} {
		res, _, err := s.get(t, s.srv.URL+"/healthz", "X-Request-Id", c.sent)
		if err != nil {
			t.Fatal(err)
		}
		got := res.Header.Get("X-Request-Id")
		if (got == c.sent) != c.kept || got == "" {
			t.Errorf("sent X-Request-Id %q, got %q", c.sent, got)
		}
	}
	// Two requests without an ID get different ones.
	r1, _, _ := s.get(t, s.srv.URL+"/healthz")
	r2, _, _ := s.get(t, s.srv.URL+"/healthz")
	if r1.Header.Get("X-Request-Id") == r2.Header.Get("X-Request-Id") {
		t.Errorf("generated request IDs repeat: %q", r1.Header.Get("X-Request-Id"))
	}

	// SCIM responses are never cached; every response has the security
	// headers.
	res, _, err := s.get(t, s.base+"/Users", "Authorization", "Bearer "+s.token)
	if err != nil {
		t.Fatal(err)
	}
	if res.Header.Get("Cache-Control") != "no-store" || res.Header.Get("X-Frame-Options") != "DENY" {
		t.Errorf("SCIM headers: %v", res.Header)
	}

	// Readiness follows the check.
	res, body, _ := s.get(t, s.srv.URL+"/readyz")
	if res.StatusCode != http.StatusOK {
		t.Errorf("readyz %d %s", res.StatusCode, body)
	}
	mu.Lock()
	readyErr = notReady
	mu.Unlock()
	res, body, _ = s.get(t, s.srv.URL+"/readyz")
	if res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), notReady.Detail) {
		t.Errorf("readyz when not ready: %d %s", res.StatusCode, body)
	}

	// The request log has one line per request, never the token.
	if logs := s.logs.String(); strings.Contains(logs, s.token) || !strings.Contains(logs, `"path":"/readyz"`) {
		t.Errorf("request log:\n%s", logs)
	}
}
