// Package check is the identity-provider side of SCIM, as a library: it
// sends the request sequences Microsoft Entra ID and Okta document (and a
// few RFC 7644 checks) to any SCIM 2.0 base URL and reports, step by step,
// what was sent, what came back, what the identity provider would do with
// that answer and how to fix it. `roster check` prints its report; outbound
// connectors reuse it to test the applications they provision.
//
// It owns the sequences, the verdicts and the report. It depends on the
// standard library and github.com/google/uuid only: never on the store,
// the scim package or the HTTP surfaces (it must judge other servers with
// no knowledge of Roster's).
//
// Everything it creates has a userName or displayName starting with
// "roster-check-" and is deleted at the end of its sequence, even when a
// step fails (unless Options.Keep). The token is sent in the Authorization
// header and nowhere else: the report holds no header and every body
// excerpt has the token blanked out, so a report may be shown and shared.
package check

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Sequence names one identity provider's request sequence.
type Sequence string

const (
	Entra Sequence = "entra" // Microsoft Entra ID
	Okta  Sequence = "okta"
	RFC   Sequence = "rfc" // RFC 7644 discovery, errors and versions
)

// Sequences are all sequences, in the order Run runs them.
var Sequences = []Sequence{Entra, Okta, RFC}

// Title is the sequence's name for people.
func (s Sequence) Title() string {
	switch s {
	case Entra:
		return "Microsoft Entra ID"
	case Okta:
		return "Okta"
	case RFC:
		return "RFC 7644"
	}
	return string(s)
}

// ParseSequence reads a sequence name ("" is every sequence).
func ParseSequence(s string) (Sequence, error) {
	if s == "" {
		return "", nil
	}
	for _, q := range Sequences {
		if strings.EqualFold(s, string(q)) {
			return q, nil
		}
	}
	return "", fmt.Errorf("unknown sequence %q: use entra, okta or rfc", s)
}

// Target is the server to check.
type Target struct {
	// BaseURL is the SCIM base URL (the Tenant URL in Entra, the SCIM
	// connector base URL in Okta), e.g. https://host/scim/v2.
	BaseURL string
	// Token is sent as "Authorization: Bearer <Token>".
	Token string
	// HTTPClient sends the requests; nil is DefaultClient(). A caller
	// that checks addresses (connectors refusing private ones) passes
	// its own.
	HTTPClient *http.Client
}

// Options choose what Run does.
type Options struct {
	// Only runs one sequence; empty runs all of them.
	Only Sequence
	// Keep leaves what the checks created in place (for a look at it
	// afterwards); the report lists it.
	Keep bool
}

// RequestTimeout is how long DefaultClient waits for one answer; MaxBody
// is how much of an answer Run reads.
const (
	RequestTimeout = 30 * time.Second
	MaxBody        = 1 << 20
)

// DefaultClient is the client Run uses when the target names none: it
// times out and follows no redirects (neither identity provider does, so
// a redirect is reported rather than hidden).
func DefaultClient() *http.Client {
	return &http.Client{
		Timeout:       RequestTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// Run runs the sequences against the target and returns the report. Its
// error is for a target it cannot check at all (no URL, no token); a
// server that fails steps is a report with failures.
func Run(ctx context.Context, t Target, o Options) (*Report, error) {
	u, err := url.Parse(t.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("base URL %q: want an http:// or https:// URL", t.BaseURL)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, errors.New("base URL: remove the query string; the checks add their own")
	}
	if t.Token == "" {
		return nil, errors.New("no token")
	}
	hc := t.HTTPClient
	if hc == nil {
		hc = DefaultClient()
	}
	rep := &Report{BaseURL: strings.TrimRight(t.BaseURL, "/"), Steps: []Step{}, Cleanup: []Step{}, Leftovers: []Resource{}}
	for _, seq := range Sequences {
		if o.Only != "" && o.Only != seq {
			continue
		}
		r := &runner{base: rep.BaseURL, token: t.Token, hc: hc, rep: rep, seq: seq, keep: o.Keep, suffix: randomHex(4)}
		func() {
			defer r.cleanup(ctx)
			switch seq {
			case Entra:
				r.entra(ctx)
			case Okta:
				r.okta(ctx)
			case RFC:
				r.rfc(ctx)
			}
		}()
	}
	rep.count()
	return rep, nil
}

// runner runs one sequence: what it created is deleted at its end.
type runner struct {
	base, token string
	hc          *http.Client
	rep         *Report
	seq         Sequence
	keep        bool
	suffix      string
	created     []Resource
}

// name is a unique name for something a sequence creates.
func (r *runner) name(what string) string {
	return "roster-check-" + string(r.seq) + "-" + r.suffix + "-" + what
}

func (r *runner) track(typ, id, name string) {
	if id != "" {
		r.created = append(r.created, Resource{Type: typ, ID: id, Name: name})
	}
}

func (r *runner) untrack(typ, id string) {
	for i, c := range r.created {
		if c.Type == typ && c.ID == id {
			r.created = append(r.created[:i], r.created[i+1:]...)
			return
		}
	}
}

// cleanup deletes what the sequence created and is still there, groups
// first: it runs when the sequence ends however it ends, on a context of
// its own so that a cancelled run still cleans up.
func (r *runner) cleanup(ctx context.Context) {
	if len(r.created) == 0 {
		return
	}
	if r.keep {
		r.rep.Leftovers = append(r.rep.Leftovers, r.created...)
		return
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*RequestTimeout)
	defer cancel()
	var users, groups []Resource
	for _, c := range r.created {
		if c.Type == "Groups" {
			groups = append(groups, c)
		} else {
			users = append(users, c)
		}
	}
	for _, c := range append(groups, users...) {
		s := Step{Sequence: r.seq, Name: "delete " + c.Name, Exchanges: []Exchange{}}
		x := r.send(cctx, &s, http.MethodDelete, "/"+c.Type+"/"+url.PathEscape(c.ID), nil)
		if x.err == nil && (x.status == http.StatusNoContent || x.status == http.StatusOK || x.status == http.StatusNotFound) {
			s.Status = Pass
		} else {
			s.Status = Warn
			s.Problem = "could not delete it (" + x.summary() + "): delete it by hand"
			r.rep.Leftovers = append(r.rep.Leftovers, c)
		}
		r.rep.Cleanup = append(r.rep.Cleanup, s)
	}
	r.created = nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
