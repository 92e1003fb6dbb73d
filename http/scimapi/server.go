// Package scimapi serves the SCIM 2.0 API of every directory under
// /scim/v2/directories/{directory}: Users, Groups, the discovery endpoints,
// search and bulk. A directory's bearer token opens that directory only;
// every store call is made with the tenant the token belongs to.
//
// It owns the SCIM surface: routing, token authentication (package auth),
// rate limits, the request log's records. The protocol itself (parsing,
// PATCH, filters, encoding) is package scim's. It takes a Store of its own
// size, not roster.Store, and may depend on the root package, scim, auth,
// http/httperr, http/redact, http/capture and http/urls; never on storage
// or the other surfaces.
package scimapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/auth"
	"github.com/rosterhq/roster/http/capture"
	"github.com/rosterhq/roster/http/httperr"
	"github.com/rosterhq/roster/http/redact"
	"github.com/rosterhq/roster/http/urls"
	"github.com/rosterhq/roster/scim"
)

// Prefix is the path under which directories' SCIM APIs live.
const Prefix = urls.DirectoriesPrefix

// DefaultMaxBodyBytes bounds a request body. Entra ID and Okta send bodies
// of a few kilobytes; a PATCH adding the largest member batch we accept is
// well under this.
const DefaultMaxBodyBytes = 1 << 20

// Config configures a Server.
type Config struct {
	Store Store
	// PublicURL is the URL clients reach Roster at; locations and $refs
	// are built on it.
	PublicURL    string
	Logger       *slog.Logger
	MaxBodyBytes int64
	Now          func() time.Time
	// RateLimit is the requests per second each token may send (0: no
	// limit), with bursts of RateBurst.
	RateLimit float64
	RateBurst int
	// FailedAuthRate and FailedAuthBurst limit failed authentication per
	// client address (and five times that per directory); 0 means
	// DefaultFailedAuthRate and DefaultFailedAuthBurst.
	FailedAuthRate  float64
	FailedAuthBurst int
	// Record, when set, is given every authenticated request after it is
	// answered: the console's request log. It must not block.
	Record func(roster.Request)
	// RecordRejected, when set, is told of every request that failed
	// authentication, with the directory its path names (which may not
	// exist) and nothing else about it. It must not block.
	RecordRejected func(dirID string, at time.Time)
}

// Store is what the SCIM endpoints need of a store: the users and groups
// of the directory a token opens, the checking of that token, and finding
// a directory by the ID in the path.
type Store interface {
	roster.Provisioning
	roster.DirectoryAuth
	FindDirectory(ctx context.Context, dirID string) (*roster.Directory, error)
}

// Server is the SCIM API.
type Server struct {
	store   Store
	auth    *auth.Directories
	public  string
	log     *slog.Logger
	maxBody int64
	now     func() time.Time
	limits  *buckets
	failed  *failedAuth
	record  func(roster.Request)
	reject  func(dirID string, at time.Time)
	mux     *http.ServeMux

	dirsMu sync.Mutex
	dirs   map[string]dirSettings // see strict
}

// New returns a Server for c.
func New(c Config) *Server {
	s := &Server{store: c.Store, public: c.PublicURL, log: c.Logger, maxBody: c.MaxBodyBytes, now: c.Now, mux: http.NewServeMux(),
		limits: newBuckets(c.RateLimit, c.RateBurst), failed: newFailedAuth(c.FailedAuthRate, c.FailedAuthBurst),
		record: c.Record, reject: c.RecordRejected}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.maxBody <= 0 {
		s.maxBody = DefaultMaxBodyBytes
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.auth = &auth.Directories{Store: s.store, Now: s.now, Log: s.log}
	s.routes()
	return s
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if p, changed := canonicalPath(r.URL.Path); changed {
		u := *r.URL
		u.Path = p
		if u.RawPath != "" {
			u.RawPath, _ = canonicalPath(u.RawPath)
		}
		r2 := *r
		r2.URL = &u
		r = &r2
	}
	s.mux.ServeHTTP(w, r)
}

// endpoints are the names of the directory's SCIM endpoints as routes
// spell them, by their lower-case form. RFC 7644 §3.2 spells them in
// capitals; clients (Microsoft's reference tests among them) send
// "/users" or "/serviceproviderconfig", and nothing else could be meant.
var endpoints = map[string]string{}

func init() {
	for _, e := range []string{"Users", "Groups", ".search", "Bulk", "ServiceProviderConfig", "ResourceTypes", "Schemas"} {
		endpoints[strings.ToLower(e)] = e
	}
	// Microsoft's SCIM reference server serves its configuration at
	// /ServiceConfiguration, and its tests ask for it there.
	endpoints["serviceconfiguration"] = "ServiceProviderConfig"
}

// canonicalPath spells the endpoint of a path under a directory as the
// routes do, whatever its case, and drops one trailing slash
// ("/Users/?filter=...", "/Users/{id}/"): a path that names no endpoint is
// left as it is, to meet the router's 404.
func canonicalPath(p string) (string, bool) {
	rest, ok := strings.CutPrefix(p, Prefix)
	if !ok {
		return p, false
	}
	seg := strings.Split(rest, "/") // dir, endpoint, id or .search, ...
	if len(seg) > 2 && seg[len(seg)-1] == "" {
		seg = seg[:len(seg)-1]
	}
	if len(seg) > 1 {
		if e, ok := endpoints[strings.ToLower(seg[1])]; ok {
			seg[1] = e
		}
	}
	if len(seg) == 3 && (seg[1] == "Users" || seg[1] == "Groups") && strings.EqualFold(seg[2], ".search") {
		seg[2] = ".search"
	}
	q := Prefix + strings.Join(seg, "/")
	return q, q != p
}

// handler is a SCIM endpoint: it gets the authenticated call and returns
// an error instead of writing one.
type handler func(w http.ResponseWriter, r *http.Request, c *call) error

func (s *Server) routes() {
	p := "/scim/v2/directories/{dir}"
	route := func(path string, methods map[string]handler) {
		// Allow lists the methods in a fixed order; GET brings HEAD.
		var allowed []string
		for _, m := range []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"} {
			if h, ok := methods[m]; ok {
				s.mux.Handle(m+" "+p+path, s.authenticated(h))
				allowed = append(allowed, m)
			} else if m == "HEAD" && methods["GET"] != nil {
				allowed = append(allowed, m)
			}
		}
		s.mux.Handle(p+path, s.authenticated(methodNotAllowed(allowed)))
	}
	route("/Users", map[string]handler{"GET": s.listUsers, "POST": s.createUser})
	route("/Users/{id}", map[string]handler{"GET": s.getUser, "PUT": s.replaceUser, "PATCH": s.patchUser, "DELETE": s.deleteUser})
	route("/Groups", map[string]handler{"GET": s.listGroups, "POST": s.createGroup})
	route("/Groups/{id}", map[string]handler{"GET": s.getGroup, "PUT": s.replaceGroup, "PATCH": s.patchGroup, "DELETE": s.deleteGroup})
	// POST .../Users/.search is more specific than .../Users/{id}; other
	// methods on it reach {id} and find no user called ".search".
	s.mux.Handle("POST "+p+"/Users/.search", s.authenticated(s.searchUsers))
	s.mux.Handle("POST "+p+"/Groups/.search", s.authenticated(s.searchGroups))
	route("/.search", map[string]handler{"POST": s.searchRoot})
	route("/Bulk", map[string]handler{"POST": s.bulk})
	route("/ServiceProviderConfig", map[string]handler{"GET": s.serviceProviderConfig})
	route("/ResourceTypes", map[string]handler{"GET": s.resourceTypes})
	route("/ResourceTypes/{name}", map[string]handler{"GET": s.resourceType})
	route("/Schemas", map[string]handler{"GET": s.schemas})
	route("/Schemas/{urn}", map[string]handler{"GET": s.schema})
	s.mux.Handle(p+"/", s.authenticated(func(w http.ResponseWriter, r *http.Request, c *call) error {
		return roster.E(roster.ReasonNoEndpoint, "no SCIM endpoint %s; this directory serves /Users, /Groups, /ServiceProviderConfig, /ResourceTypes and /Schemas",
			strings.TrimPrefix(r.URL.Path, Prefix+r.PathValue("dir")))
	}))
	// A path under the prefix that names no directory: a SCIM error too,
	// so that an identity provider's "Test connection" shows what is
	// wrong with the URL instead of the router's plain-text page. It
	// needs no token, since it reveals nothing.
	s.mux.Handle(Prefix, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		httperr.WriteSCIM(w, r, s.log, roster.E(roster.ReasonNoEndpoint, "%s names no directory; a directory's SCIM base URL is %s<directory id>", r.URL.Path, Prefix))
	}))
}

func methodNotAllowed(allowed []string) handler {
	return func(w http.ResponseWriter, r *http.Request, c *call) error {
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		return roster.Errorf(roster.EMethodNotAllowed, "", "%s is not allowed here; use %s", r.Method, strings.Join(allowed, " or "))
	}
}

// call is an authenticated request: who is calling, in which directory.
type call struct {
	tenant roster.DirectoryScope
	token  roster.Token
	enc    scim.Encoder
	// warning says what was ignored of an accepted request; the request
	// log shows it.
	warning string
}

// maxWarnedAttributes bounds the attributes a warning names.
const maxWarnedAttributes = 10

// normalize reads a POST or PUT body of resource type rt. A strict
// directory refuses attributes Roster does not know (400 invalidSyntax);
// any other drops them and the request log names them, so that one
// misspelt or newly mapped attribute does not stop the identity
// provider's provisioning (the admin sees the warning on the directory
// page). The setting is the directory's as of at most
// roster.AuthGenerationMaxAge ago (see strict).
func (s *Server) normalize(r *http.Request, c *call, rt *scim.ResourceType, body map[string]any) (*scim.Resource, error) {
	strict, err := s.strict(r.Context(), c.tenant.DirectoryID)
	if err != nil {
		return nil, err
	}
	if strict {
		return rt.Normalize(body)
	}
	res, err := rt.NormalizeLenient(body)
	if err != nil || len(res.Ignored) == 0 {
		return res, err
	}
	names := res.Ignored
	more := ""
	if len(names) > maxWarnedAttributes {
		names, more = names[:maxWarnedAttributes], fmt.Sprintf(" and %d more", len(res.Ignored)-maxWarnedAttributes)
	}
	quoted := make([]string, len(names))
	for i, n := range names {
		if len(n) > 128 { // a name is the client's to choose; the log row stays short
			n = strings.ToValidUTF8(n[:128], "") + "…"
		}
		quoted[i] = strconv.Quote(n)
	}
	c.warning = fmt.Sprintf("ignored %s attributes Roster does not know: %s%s (strict mode would refuse them with 400; check the attribute mappings in the identity provider)",
		rt.Name, strings.Join(quoted, ", "), more)
	return res, nil
}

// strict says whether the directory is in strict mode. The setting is
// remembered with the store's AuthGeneration, which UpdateDirectory bumps:
// a change applies at once on this node and within
// roster.AuthGenerationMaxAge on the others, and a POST costs no directory
// read meanwhile.
func (s *Server) strict(ctx context.Context, dirID string) (bool, error) {
	gen, err := s.store.AuthGeneration(ctx) // before the read, as package auth does
	if err != nil {
		return false, err
	}
	s.dirsMu.Lock()
	e, ok := s.dirs[dirID]
	s.dirsMu.Unlock()
	if ok && e.gen == gen {
		return e.strict, nil
	}
	d, err := s.store.FindDirectory(ctx, dirID)
	if err != nil {
		return false, err
	}
	s.dirsMu.Lock()
	defer s.dirsMu.Unlock()
	if s.dirs == nil || len(s.dirs) >= maxRememberedDirectories {
		s.dirs = map[string]dirSettings{}
	}
	s.dirs[dirID] = dirSettings{strict: d.Strict, gen: gen}
	return d.Strict, nil
}

// dirSettings is a directory's setting as read at generation gen.
type dirSettings struct {
	strict bool
	gen    int64
}

// maxRememberedDirectories bounds Server.dirs; past it, it starts again
// empty. Only authenticated requests reach it.
const maxRememberedDirectories = 10_000

// authenticated checks the bearer token before h runs and writes h's error.
// An address or directory that failed authentication too often is refused
// before the token is looked up; a failure is charged to both and counted,
// never logged one row each (see recordRequest).
func (s *Server) authenticated(h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := s.now()
		w, sw := capture.Wrap(w)
		addr, dirID := clientAddr(r), r.PathValue("dir")
		var c *call
		var err error
		if refused, wait := s.failed.refused(addr, dirID, start); refused {
			httperr.WriteSCIM(w, r, s.log, tooManyFailures(w, wait))
			return
		}
		c, err = s.authenticate(r)
		if roster.ErrorCodeOf(err) == roster.EUnauthorized {
			s.failed.failed(addr, dirID, start)
		}
		answered := false
		defer func() {
			if !answered { // h panicked; recoverPanics answers 500
				sw.Status, err = http.StatusInternalServerError, roster.Errorf(roster.EInternal, "", "panic")
			}
			s.recordRequest(r, c, start, sw.Status, err)
		}()
		if err == nil {
			if ok, wait := s.limits.take(c.token.ID, s.now()); !ok {
				err = tooMany(w, wait)
			}
		}
		if err == nil {
			if slot, ok := r.Context().Value(directoryKey{}).(*string); ok {
				*slot = c.tenant.DirectoryID
			}
			r = r.WithContext(roster.WithActor(r.Context(), "directory:"+c.tenant.DirectoryID))
			err = h(w, r, c)
		}
		if err != nil {
			httperr.WriteSCIM(w, r, s.log, err)
		}
		answered = true
	})
}

type directoryKey struct{}

// WithDirectorySlot returns r with a place where the SCIM API puts the
// directory a request authenticated for, and that place: metrics label
// requests with it. A directory ID taken from the path instead would let
// any client make up series (and invalid UTF-8 makes Prometheus panic).
func WithDirectorySlot(r *http.Request) (*http.Request, *string) {
	slot := new(string)
	return r.WithContext(context.WithValue(r.Context(), directoryKey{}, slot)), slot
}

// maxLoggedPath bounds the path and query kept in the request log.
const maxLoggedPath = 512

// recordRequest hands a finished request to the request log. c is nil when
// authentication failed: the request is then only counted as rejected for
// the directory its path names (when that directory exists), so that a
// client without the token can neither fill the database nor change what
// the directory's health shows; its credential is never kept. Of an
// authenticated request only the path (relative to the directory's base
// URL), the query with its credential-like values redacted (see package
// redact) and the error's detail are kept: never a header or a body.
func (s *Server) recordRequest(r *http.Request, c *call, start time.Time, status int, err error) {
	dirID := r.PathValue("dir")
	if c == nil {
		if s.reject != nil && roster.ErrorCodeOf(err) == roster.EUnauthorized {
			s.reject(dirID, start)
		}
		return
	}
	if s.record == nil {
		return
	}
	orgID := c.tenant.OrgID
	path := strings.TrimPrefix(redact.Path(r.URL.Path), Prefix+dirID)
	if q := redact.Query(r.URL.RawQuery); q != "" {
		// Decoded, as people read filters: userName eq "ann@acme.test".
		if unescaped, err := url.QueryUnescape(q); err == nil {
			q = unescaped
		}
		path += "?" + q
	}
	if len(path) > maxLoggedPath {
		path = strings.ToValidUTF8(path[:maxLoggedPath], "") + "…"
	}
	req := roster.Request{OrgID: orgID, DirectoryID: dirID, Time: start, Method: r.Method, Path: path, Status: status,
		Duration: s.now().Sub(start), UserAgent: r.UserAgent(), Warning: c.warning}
	if req.Status == 0 {
		req.Status = http.StatusOK
	}
	if err != nil {
		e := roster.AsError(err)
		req.Error, req.Reason = e.Detail, roster.ReasonOf(err)
		if e.Code == roster.EInternal {
			req.Error = "internal error; the server log has the details under request ID " + httperr.RequestID(r)
		}
		if e.ScimType != "" {
			req.Error = e.ScimType + ": " + req.Error
		}
	}
	s.record(req)
}

func (s *Server) authenticate(r *http.Request) (*call, error) {
	dirID := r.PathValue("dir")
	tok, err := s.auth.Authenticate(r.Context(), dirID, auth.BearerSecret(r.Header.Get("Authorization")))
	if err != nil {
		return nil, err
	}
	return &call{
		tenant: roster.DirectoryScope{OrgID: tok.OrgID, DirectoryID: tok.DirectoryID},
		token:  tok,
		enc:    scim.Encoder{Base: urls.DirectoryBase(s.public, dirID)},
	}, nil
}

// readBody reads and decodes a JSON request body, enforcing the size limit
// and the media type.
// readResource reads a POST or PUT body and normalizes it as rt, per the
// directory's strict setting.
func (s *Server) readResource(w http.ResponseWriter, r *http.Request, c *call, rt *scim.ResourceType) (*scim.Resource, error) {
	body, err := s.readBody(w, r)
	if err != nil {
		return nil, err
	}
	return s.normalize(r, c, rt, body)
}

func (s *Server) readBody(w http.ResponseWriter, r *http.Request) (map[string]any, error) {
	return readBodyLimit(w, r, s.maxBody)
}

func readBodyLimit(w http.ResponseWriter, r *http.Request, limit int64) (map[string]any, error) {
	body, err := readRaw(w, r, limit)
	if err != nil {
		return nil, err
	}
	return scim.Decode(body)
}

// readRaw reads a request body as readBodyLimit does, without decoding it.
func readRaw(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != scim.MediaType && mt != "application/json" {
			return nil, roster.Errorf(roster.EUnsupportedMedia, "", "send the body as %s or application/json, not %q", scim.MediaType, ct)
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, roster.Errorf(roster.ETooLarge, "", "the request body is larger than %d bytes", limit)
		}
		return nil, roster.Invalidf(roster.ScimInvalidSyntax, "could not read the request body: %v", err)
	}
	return body, nil
}

// writeJSON writes a SCIM response body. A failed write means the client
// went away; there is no one left to tell.
func writeJSON(w http.ResponseWriter, status int, body []byte) error {
	w.Header().Set("Content-Type", scim.MediaType)
	w.WriteHeader(status)
	w.Write(body)
	return nil
}

// ifMatch checks an If-Match header against a current version.
func ifMatch(r *http.Request, kind, id string, version int64) error {
	h := r.Header.Get("If-Match")
	if h == "" || strings.TrimSpace(h) == "*" {
		return nil
	}
	for _, tag := range strings.Split(h, ",") {
		if v, ok := scim.ParseETag(tag); ok && v == version {
			return nil
		}
	}
	return roster.E(roster.ReasonVersionMismatch, "%s %s is at version %s, not %s; read it again and retry", kind, id, scim.ETag(version), h)
}

// deleteResource answers a DELETE of the resource of kind named in the
// path: at the version If-Match asks for (current reads the version it
// is at), then del.
func deleteResource(w http.ResponseWriter, r *http.Request, kind string, current func(id string) (int64, error), del func(id string, version int64) error) error {
	id := r.PathValue("id")
	version, err := deleteVersion(r, kind, id, func() (int64, error) { return current(id) })
	if err != nil {
		return err
	}
	if err := del(id, version); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// deleteVersion is the version a DELETE must find (0: any). Without
// If-Match (or with *) any version goes. Otherwise the header, which may
// list several entity tags, is checked against the current version, read
// with current; the store then deletes only if the resource is still at
// that version, so a change in between is a 412, not a lost update.
func deleteVersion(r *http.Request, kind, id string, current func() (int64, error)) (int64, error) {
	h := strings.TrimSpace(r.Header.Get("If-Match"))
	if h == "" || h == "*" {
		return 0, nil
	}
	v, err := current()
	if err != nil {
		return 0, err
	}
	if err := ifMatch(r, kind, id, v); err != nil {
		return 0, err
	}
	return v, nil
}

// notModified answers a GET whose If-None-Match matches the current version.
func notModified(w http.ResponseWriter, r *http.Request, version int64) bool {
	h := r.Header.Get("If-None-Match")
	if h == "" {
		return false
	}
	for _, tag := range strings.Split(h, ",") {
		if v, ok := scim.ParseETag(tag); ok && v == version || strings.TrimSpace(tag) == "*" {
			w.Header().Set("ETag", scim.ETag(version))
			w.WriteHeader(http.StatusNotModified)
			return true
		}
	}
	return false
}
