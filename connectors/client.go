package connectors

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"github.com/rosterhq/roster/outbound"
)

// MaxExcerpt is how much of an answer the delivery log keeps; MaxBody how
// much of one the client reads at all.
const (
	MaxExcerpt = 1024
	MaxBody    = 4 << 20
)

// DefaultRetries are the waits between attempts of one request within a
// pass, for answers worth retrying (429, 502, 503, 504, no answer): a
// Retry-After longer than the wait is honoured, up to MaxRetryWait. A
// request that still fails is left for the next pass, which is scheduled
// with a backoff of its own (see Worker).
var DefaultRetries = []time.Duration{500 * time.Millisecond, 2 * time.Second, 5 * time.Second, 15 * time.Second, 30 * time.Second}

// MaxRetryWait caps a target's Retry-After within a pass.
const MaxRetryWait = time.Minute

// HTTPClient is the client connectors call targets with: no redirects
// (a 3xx is a failure), timeouts, and, unless allowPrivate, only public
// addresses at connect time.
func HTTPClient(allowPrivate bool, timeout time.Duration) *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			Proxy:                  nil,
			DialContext:            outbound.Dialer(allowPrivate).DialContext,
			TLSClientConfig:        &tls.Config{MinVersion: tls.VersionTLS12},
			TLSHandshakeTimeout:    5 * time.Second,
			ResponseHeaderTimeout:  timeout,
			MaxResponseHeaderBytes: 64 << 10,
			MaxIdleConnsPerHost:    32,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       timeout,
	}
}

// client is a SCIM client of one target: bearer token, rate limit,
// retries.
type client struct {
	base    string
	token   string
	hc      *http.Client
	limit   *rate.Limiter // nil: no limit
	retries []time.Duration
	sleep   func(ctx context.Context, d time.Duration) error
}

// answer is the outcome of one request, after its retries.
type answer struct {
	status   int
	body     []byte
	obj      map[string]any
	latency  time.Duration
	attempts int
	err      error // no answer (or an unreadable one)
}

func (a *answer) ok() bool { return a.err == nil && a.status >= 200 && a.status < 300 }

// problem says what went wrong, for the delivery log; "" when nothing.
func (a *answer) problem() string {
	switch {
	case a.err != nil:
		return a.err.Error()
	case !a.ok():
		return "the target answered " + strconv.Itoa(a.status)
	}
	return ""
}

// excerpt is the start of the answer, with the token blanked out.
func (c *client) excerpt(a *answer) string {
	b := a.body
	if len(b) > MaxExcerpt {
		b = b[:MaxExcerpt]
	}
	s := string(bytes.ToValidUTF8(b, []byte("?")))
	if c.token != "" {
		s = strings.ReplaceAll(s, c.token, "[token]")
	}
	return s
}

func retryable(a *answer) bool {
	return a.err != nil || a.status == http.StatusTooManyRequests || a.status == http.StatusBadGateway ||
		a.status == http.StatusServiceUnavailable || a.status == http.StatusGatewayTimeout
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// do sends one request (body nil, or marshalled to JSON), retrying what is
// worth retrying.
func (c *client) do(ctx context.Context, method, path string, body any) *answer {
	var payload []byte
	if body != nil {
		payload, _ = json.Marshal(body)
	}
	a := &answer{}
	for attempt := 0; ; attempt++ {
		var retryAfter time.Duration
		a, retryAfter = c.once(ctx, method, path, payload)
		a.attempts = attempt + 1
		if !retryable(a) || attempt >= len(c.retries) || ctx.Err() != nil {
			return a
		}
		wait := c.retries[attempt]
		if retryAfter > wait {
			wait = min(retryAfter, MaxRetryWait)
		}
		if err := c.sleep(ctx, wait); err != nil {
			return a
		}
	}
}

// try sends one request once, without retries; it returns the answer
// and the target's Retry-After (0 without one). For requests that a
// retry could duplicate (a group's create: no attribute of a group is
// unique at every target), whose caller looks before trying again.
func (c *client) try(ctx context.Context, method, path string, body any) (*answer, time.Duration) {
	var payload []byte
	if body != nil {
		payload, _ = json.Marshal(body)
	}
	a, wait := c.once(ctx, method, path, payload)
	a.attempts = 1
	return a, wait
}

func (c *client) once(ctx context.Context, method, path string, payload []byte) (*answer, time.Duration) {
	if c.limit != nil {
		if err := c.limit.Wait(ctx); err != nil {
			return &answer{err: err}, 0
		}
	}
	var rd io.Reader
	if payload != nil {
		rd = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return &answer{err: err}, 0
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", "application/scim+json")
	req.Header.Set("User-Agent", "Roster-Connector/1")
	if payload != nil {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	start := time.Now()
	resp, err := c.hc.Do(req)
	if err != nil {
		return &answer{err: errors.New(redactURL(method, err)), latency: time.Since(start)}, 0
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, MaxBody))
	a := &answer{status: resp.StatusCode, body: b, latency: time.Since(start)}
	if err != nil {
		a.err = fmt.Errorf("reading the answer: %v", err)
	}
	if len(b) > 0 {
		json.Unmarshal(b, &a.obj)
	}
	return a, retryAfter(resp.Header.Get("Retry-After"), start)
}

// redactURL keeps a transport error's cause but not the URL it names.
func redactURL(method string, err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return method + " failed: " + ue.Err.Error()
	}
	return method + " failed"
}

// retryAfter reads a Retry-After header: seconds or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n > 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// filterString escapes a value for a string in a SCIM filter.
func filterString(s string) string { return strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) }

// findUser looks a user up by an attribute (userName or externalId) with
// an eq filter; nil, nil when there is none.
func (c *client) findUser(ctx context.Context, attr, value string) (map[string]any, *answer) {
	filter := attr + ` eq "` + filterString(value) + `"`
	a := c.do(ctx, http.MethodGet, "/Users?filter="+url.QueryEscape(filter), nil)
	if !a.ok() {
		return nil, a
	}
	res, _ := a.obj["Resources"].([]any)
	for _, r := range res {
		m, _ := r.(map[string]any)
		if v, _ := m[attr].(string); strings.EqualFold(v, value) {
			return m, a
		}
	}
	return nil, a
}

// findGroup looks a group up by displayName with an eq filter (members
// left out: a large group's would make the answer huge) and returns its
// id; "" when there is none. Of several of that name, the one whose
// externalId is externalID (the one this connector made) wins; those
// taken reports (another group's) are passed over.
func (c *client) findGroup(ctx context.Context, name, externalID string, taken func(id, externalID string) bool) (string, *answer) {
	filter := `displayName eq "` + filterString(name) + `"`
	a := c.do(ctx, http.MethodGet, "/Groups?excludedAttributes=members&filter="+url.QueryEscape(filter), nil)
	if !a.ok() {
		return "", a
	}
	res, _ := a.obj["Resources"].([]any)
	found := ""
	for _, r := range res {
		m, _ := r.(map[string]any)
		id, _ := m["id"].(string)
		if v, _ := m["displayName"].(string); id == "" || !strings.EqualFold(v, name) { // SCIM compares displayName without case
			continue
		}
		ext, _ := m["externalId"].(string)
		if ext == externalID {
			return id, a
		}
		if taken != nil && taken(id, ext) {
			continue
		}
		if found == "" {
			found = id
		}
	}
	return found, a
}
