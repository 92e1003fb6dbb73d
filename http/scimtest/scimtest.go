// Package scimtest is the tests' SCIM client: the requests an identity
// provider sends to a directory's base URL with its bearer token, and the
// JSON it gets back, for the tests of every package that drives Roster
// (or a second Roster as a connector's target) over HTTP. It is imported
// by tests only and depends on the standard library alone.
package scimtest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

// Client sends requests to one directory.
type Client struct {
	Base  string // the directory's SCIM base URL
	Token string
	// Header is set on every request, e.g. an identity provider's
	// User-Agent.
	Header map[string]string
}

// Answer is a response read whole: its status, headers and JSON body
// (nil when the body is empty).
type Answer struct {
	Status int
	Header http.Header
	Body   map[string]any
}

// Do sends method to path (below Base) with body, a SCIM document or "",
// and header on top of the client's. A failure to send, or an answer that
// is neither empty nor JSON, fails the test.
func (c Client) Do(t testing.TB, method, path, body string, header ...string) Answer {
	t.Helper()
	req, err := http.NewRequest(method, c.Base+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+c.Token)
	if body != "" {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	for k, v := range c.Header {
		req.Header.Set(k, v)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	a := Answer{Status: resp.StatusCode, Header: resp.Header}
	if err := json.NewDecoder(resp.Body).Decode(&a.Body); err != nil && !errors.Is(err, io.EOF) {
		t.Errorf("%s %s: the answer (%d) is not JSON: %v", method, path, resp.StatusCode, err)
	}
	return a
}

// All pages through a resource type ("Users" or "Groups"), 100 at a
// time, and returns its resources by the value of key (e.g. "userName").
// An answer other than 200 fails the test.
func (c Client) All(t testing.TB, resource, key string) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for start := 1; ; start += 100 {
		a := c.Do(t, http.MethodGet, fmt.Sprintf("/%s?startIndex=%d&count=100", resource, start), "")
		if a.Status != http.StatusOK {
			t.Fatalf("listing %s: %d %v", resource, a.Status, a.Body)
		}
		res, _ := a.Body["Resources"].([]any)
		for _, r := range res {
			m, _ := r.(map[string]any)
			k, _ := m[key].(string)
			out[k] = m
		}
		if len(res) < 100 {
			return out
		}
	}
}
