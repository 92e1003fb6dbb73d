package check

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

const (
	scimJSON       = "application/scim+json"
	listResponse   = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	patchOp        = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	errorSchema    = "urn:ietf:params:scim:api:messages:2.0:Error"
	userSchema     = "urn:ietf:params:scim:schemas:core:2.0:User"
	groupSchema    = "urn:ietf:params:scim:schemas:core:2.0:Group"
	enterpriseUser = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	spcSchema      = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
	excerptLen     = 300
)

// response is one answer, read (at most MaxBody) and decoded.
type response struct {
	status    int
	header    http.Header
	body      []byte
	obj       map[string]any // the body as a JSON object; nil if it is not one
	truncated bool
	err       error
}

// summary is the answer in a few words, for problems.
func (x response) summary() string {
	if x.err != nil {
		return "no answer: " + x.err.Error()
	}
	return fmt.Sprintf("status %d", x.status)
}

// send sends one request as the identity providers do and records it in
// the step. path is relative to the base URL, with an unescaped query
// (send escapes it); body is marshalled as JSON; header are extra
// name, value pairs.
func (r *runner) send(ctx context.Context, s *Step, method, path string, body any, header ...string) response {
	target := r.base + escapeQuery(path)
	ex := Exchange{Method: method, Path: path}
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		ex.RequestBody = r.excerpt(b)
		rd = bytes.NewReader(b)
	}
	record := func(x response) response {
		if x.err != nil {
			ex.Error = r.redact(x.err.Error())
		} else {
			ex.Status = x.status
			ex.ResponseBody = r.excerpt(x.body)
			if x.truncated {
				ex.ResponseBody += fmt.Sprintf(" (more than %d bytes: not read further)", MaxBody)
			}
		}
		s.Exchanges = append(s.Exchanges, ex)
		return x
	}
	req, err := http.NewRequestWithContext(ctx, method, target, rd)
	if err != nil {
		return record(response{err: err})
	}
	req.Header.Set("Authorization", "Bearer "+r.token)
	req.Header.Set("Accept", scimJSON)
	req.Header.Set("User-Agent", "roster-check ("+string(r.seq)+" sequence)")
	if body != nil {
		req.Header.Set("Content-Type", scimJSON+"; charset=utf-8")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := r.hc.Do(req)
	if err != nil {
		return record(response{err: err})
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, MaxBody+1))
	x := response{status: resp.StatusCode, header: resp.Header}
	if err != nil {
		x.err = fmt.Errorf("reading the answer: %w", err)
		return record(x)
	}
	if len(b) > MaxBody {
		b, x.truncated = b[:MaxBody], true
	}
	x.body = b
	if len(bytes.TrimSpace(b)) > 0 {
		var m map[string]any
		if json.Unmarshal(b, &m) == nil {
			x.obj = m
		}
	}
	return record(x)
}

// escapeQuery escapes the query of a path written for reading
// (`/Users?filter=userName eq "x"`).
func escapeQuery(path string) string {
	p, q, ok := strings.Cut(path, "?")
	if !ok {
		return path
	}
	v := url.Values{}
	var keys []string
	for _, kv := range strings.Split(q, "&") {
		k, val, _ := strings.Cut(kv, "=")
		keys = append(keys, k)
		v.Set(k, val)
	}
	// url.Values.Encode sorts; keep the order written, as clients do.
	var parts []string
	for _, k := range keys {
		parts = append(parts, url.QueryEscape(k)+"="+strings.ReplaceAll(url.QueryEscape(v.Get(k)), "+", "%20"))
	}
	return p + "?" + strings.Join(parts, "&")
}

// excerpt is the start of a body on one line, without the token.
func (r *runner) excerpt(b []byte) string {
	var buf bytes.Buffer
	if json.Compact(&buf, b) == nil {
		b = buf.Bytes()
	}
	s := strings.Join(strings.Fields(string(b)), " ")
	s = r.redact(s)
	if len(s) > excerptLen {
		cut := excerptLen
		for cut > 0 && !isRuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

// redact blanks the token out of anything the report keeps: a server may
// echo what it got.
func (r *runner) redact(s string) string {
	if r.token == "" {
		return s
	}
	return strings.ReplaceAll(s, r.token, "[token]")
}

// finding is what a step found wrong.
type finding struct {
	problem, fix string
	// consequence replaces the step's default one.
	consequence string
	// warn: the identity provider copes; the step passes with a warning.
	warn bool
}

func problem(format string, args ...any) *finding {
	return &finding{problem: fmt.Sprintf(format, args...)}
}

func (f *finding) withFix(fix string) *finding       { f.fix = fix; return f }
func (f *finding) withConsequence(c string) *finding { f.consequence = c; return f }
func (f *finding) asWarning() *finding               { f.warn = true; return f }

// step runs one step: do sends its requests and returns nil when all is
// well. consequence is what the identity provider does when the step
// fails.
func (r *runner) step(name string, needed bool, consequence string, do func(s *Step) *finding) bool {
	s := Step{Sequence: r.seq, Name: name, Needed: needed, Exchanges: []Exchange{}}
	f := do(&s)
	switch {
	case f == nil:
		s.Status = Pass
	default:
		// A problem quotes the server (a detail), which may echo the token.
		s.Problem, s.Fix = r.redact(f.problem), r.redact(f.fix)
		s.Consequence = consequence
		if f.consequence != "" {
			s.Consequence = f.consequence
		}
		s.Status = Fail
		if f.warn || !needed {
			s.Status = Warn
		}
	}
	r.rep.Steps = append(r.rep.Steps, s)
	return f == nil || s.Status == Warn
}

// made is a resource an earlier step of the sequence made: what it is,
// its ID ("" when the step failed) and the step that makes it.
type made struct{ what, id, by string }

// needs reports whether step name can run, that is whether every resource
// it needs was made; when one was not, it records the step as skipped,
// saying which.
func (r *runner) needs(name string, deps ...made) bool {
	for _, d := range deps {
		if d.id == "" {
			r.skip(name, true, "needs the "+d.what+" that "+d.by+" did not make")
			return false
		}
	}
	return true
}

// skip records a step not run, and why.
func (r *runner) skip(name string, needed bool, why string) {
	r.rep.Steps = append(r.rep.Steps, Step{Sequence: r.seq, Name: name, Needed: needed, Status: Skip, Exchanges: []Exchange{}, Problem: why})
}

// expect judges the status and body every step checks first: an answer,
// one of the statuses wanted, and a JSON object when the status carries a
// body. nil means all is well.
func expect(x response, want ...int) *finding {
	if x.err != nil {
		return problem("no answer: %v", x.err).withFix("check that the base URL is reachable from here, that its TLS certificate is valid, and that the server answers within " + RequestTimeout.String())
	}
	if slices.Contains(want, x.status) {
		if x.status == http.StatusNoContent {
			return nil
		}
		if x.obj == nil {
			ct := x.header.Get("Content-Type")
			if ct == "" {
				ct = "no Content-Type"
			}
			return problem("answered %d, but the body is not a JSON object (%s)", x.status, ct).
				withFix("answer with a SCIM JSON body and Content-Type: application/scim+json (RFC 7644 §3.1)")
		}
		return nil
	}
	detail := scimDetail(x)
	f := problem("answered %d, expected %s%s", x.status, statuses(want), detail)
	switch {
	case x.status == http.StatusUnauthorized || x.status == http.StatusForbidden:
		f.withFix("the server refused the token: use the directory's current API token, sent as \"Authorization: Bearer <token>\"")
	case x.status >= 300 && x.status < 400:
		f.withFix("the server redirects to " + x.header.Get("Location") + "; identity providers do not follow redirects: use the final URL as the base URL")
	case x.status == http.StatusTooManyRequests:
		f.withFix("the server rate-limits: identity providers retry after Retry-After, but a check run should not be limited; raise the limit or rerun later")
	case x.status >= 500:
		f.withFix("a server error: look in the server's log for this request; nothing a client sends should cause a 5xx")
	case x.status == http.StatusBadRequest:
		f.withFix("the server rejected a request the identity provider sends as documented: accept it (the excerpt above shows the body)")
	}
	return f
}

func statuses(want []int) string {
	s := make([]string, len(want))
	for i, w := range want {
		s[i] = fmt.Sprint(w)
	}
	return strings.Join(s, " or ")
}

// scimDetail is ": <detail>" from a SCIM error body, if there is one.
func scimDetail(x response) string {
	if d := str(x.obj, "detail"); d != "" {
		if len(d) > 160 {
			d = d[:160] + "…"
		}
		return ` ("` + d + `")`
	}
	return ""
}

// Reading JSON answers.

func str(m map[string]any, path ...string) string {
	v := get(m, path...)
	s, _ := v.(string)
	return s
}

func get(m map[string]any, path ...string) any {
	var v any = m
	for _, p := range path {
		o, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = o[p]
	}
	return v
}

func list(m map[string]any, key string) []map[string]any {
	arr, _ := get(m, key).([]any)
	var out []map[string]any
	for _, a := range arr {
		if o, ok := a.(map[string]any); ok {
			out = append(out, o)
		}
	}
	return out
}

func hasSchema(m map[string]any, urn string) bool {
	arr, _ := get(m, "schemas").([]any)
	for _, a := range arr {
		if s, ok := a.(string); ok && strings.EqualFold(s, urn) {
			return true
		}
	}
	return false
}

// total is a ListResponse's totalResults (-1 when absent).
func total(m map[string]any) int {
	if n, ok := get(m, "totalResults").(float64); ok {
		return int(n)
	}
	return -1
}

func hasMember(group map[string]any, id string) bool {
	for _, m := range list(group, "members") {
		if str(m, "value") == id {
			return true
		}
	}
	return false
}

func workEmail(user map[string]any) string {
	for _, e := range list(user, "emails") {
		if strings.EqualFold(str(e, "type"), "work") {
			return str(e, "value")
		}
	}
	return ""
}
