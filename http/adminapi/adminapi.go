// Package adminapi is Roster's JSON API for an organization's admins and
// applications, under /api/v1/orgs/{org}/: product access checks (what an
// application asks before letting a user in), products and grants,
// domains, users, group conflicts and unlinking, webhooks, and the change
// feed (the audit trail with normalized payloads) and snapshots. It
// is authenticated with admin API tokens (`roster admin token create`);
// every change is recorded under the admin who made it. docs/api.md
// documents it.
//
// It owns the JSON surface only: handlers parse, call a use case (tokens,
// directories, access, groups, users, domains, auth, webhooks, feed) and render. It may
// depend on those, the root package, http/httperr and http/urls; never on
// storage, the console or the SCIM API.
package adminapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/auth"
	"github.com/rosterhq/roster/connectors"
	"github.com/rosterhq/roster/domains"
	"github.com/rosterhq/roster/feed"
	"github.com/rosterhq/roster/http/httperr"
	"github.com/rosterhq/roster/http/urls"
	"github.com/rosterhq/roster/usecases"
	"github.com/rosterhq/roster/webhooks"
)

// Prefix is where the API lives.
const Prefix = urls.AdminAPIPrefix

// Config configures the API.
type Config struct {
	Store roster.Store
	// PublicURL is the URL Roster is reached at, for directories' base URLs.
	PublicURL string
	Logger    *slog.Logger
	Verifier  *domains.Verifier // checks domains on POST .../verify
	Now       func() time.Time
	// Webhooks is the webhooks use case with the server's secret key;
	// nil: one without a key, which cannot create webhooks.
	Webhooks *webhooks.Service
	// Closing ends event streams when closed (the server shutting down).
	Closing <-chan struct{}
	// Connectors is the connectors use case with the server's secret key;
	// nil: one without a key, which cannot create connectors.
	Connectors *connectors.Service
}

// Server is the admin API.
type Server struct {
	store    roster.Store
	log      *slog.Logger
	verifier *domains.Verifier
	now      func() time.Time
	mux      *http.ServeMux
	public   string
	// The use cases, shared with the console and the command line.
	uc      *usecases.Set
	feed    *feed.Service
	stream  *webhooks.Stream
	closing <-chan struct{}
}

// New returns the API for c.
func New(c Config) *Server {
	s := &Server{store: c.Store, mux: http.NewServeMux(), public: strings.TrimRight(c.PublicURL, "/")}
	s.uc = usecases.New(usecases.Config{Store: s.store, Now: c.Now, Logger: c.Logger, Verifier: c.Verifier, Webhooks: c.Webhooks, Connectors: c.Connectors})
	s.now, s.log, s.verifier = s.uc.Now, s.uc.Log, s.uc.Verifier
	s.stream = &webhooks.Stream{Audit: s.store}
	s.closing = c.Closing
	s.feed = &feed.Service{Store: s.store}
	s.routes()
	return s
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// call is an authenticated request.
type call struct {
	org   string
	admin *roster.Admin
}

type handler func(w http.ResponseWriter, r *http.Request, c *call) error

func (s *Server) routes() {
	p := "/api/v1/orgs/{org}"
	h := func(pattern string, fn handler) { s.mux.Handle(pattern, s.authenticated(fn)) }
	h("GET "+p+"/directories", s.listDirectories)
	h("POST "+p+"/directories", s.createDirectory)
	h("PATCH "+p+"/directories/{dir}", s.updateDirectory)
	h("DELETE "+p+"/directories/{dir}", s.deleteDirectory)
	h("GET "+p+"/directories/{dir}/tokens", s.listTokens)
	h("POST "+p+"/directories/{dir}/tokens", s.createToken)
	h("POST "+p+"/directories/{dir}/tokens/{token}/rotate", s.rotateToken)
	h("DELETE "+p+"/directories/{dir}/tokens/{token}", s.revokeToken)
	h("GET "+p+"/directories/{dir}/deleted", s.listDeleted)
	h("POST "+p+"/directories/{dir}/deleted/restore", s.restoreDeleted)
	h("GET "+p+"/directories/{dir}/deletion-policy", s.getDeletionPolicy)
	h("PUT "+p+"/directories/{dir}/deletion-policy", s.setDeletionPolicy)
	h("GET "+p+"/products", s.listProducts)
	h("POST "+p+"/products", s.createProduct)
	h("PATCH "+p+"/products/{product}", s.renameProduct)
	h("DELETE "+p+"/products/{product}", s.deleteProduct)
	h("GET "+p+"/products/{product}/access/{user}", s.checkAccess)
	h("GET "+p+"/products/{product}/grants", s.listGrants)
	h("PUT "+p+"/products/{product}/grants/{group}", s.grant)
	h("DELETE "+p+"/products/{product}/grants/{group}", s.revoke)
	h("GET "+p+"/users/{user}", s.getUser)
	h("POST "+p+"/users/{user}/unlink", s.unlinkUser)
	h("GET "+p+"/domains", s.listDomains)
	h("POST "+p+"/domains", s.addDomain)
	h("POST "+p+"/domains/{domain}/verify", s.verifyDomain)
	h("GET "+p+"/conflicts", s.listConflicts)
	h("PATCH "+p+"/groups/{group}", s.renameGroup)
	h("DELETE "+p+"/groups/{group}", s.deleteGroup)
	h("GET "+p+"/groups/{group}/link", s.previewLink)
	h("POST "+p+"/groups/{group}/link", s.link)
	h("POST "+p+"/groups/{group}/unlink", s.unlinkGroup)
	h("GET "+p+"/events", s.listEvents)
	h("GET "+p+"/snapshot", s.snapshot)
	h("GET "+p+"/events/stream", s.streamEvents)
	h("GET "+p+"/webhooks", s.listWebhooks)
	h("POST "+p+"/webhooks", s.createWebhook)
	h("GET "+p+"/webhooks/{webhook}", s.getWebhook)
	h("PATCH "+p+"/webhooks/{webhook}", s.updateWebhook)
	h("DELETE "+p+"/webhooks/{webhook}", s.deleteWebhook)
	h("POST "+p+"/webhooks/{webhook}/rotate-secret", s.rotateWebhookSecret)
	h("POST "+p+"/webhooks/{webhook}/test", s.testWebhook)
	h("POST "+p+"/webhooks/{webhook}/replay", s.replayWebhook)
	h("GET "+p+"/webhooks/{webhook}/deliveries", s.listWebhookDeliveries)
	h("GET "+p+"/webhooks/{webhook}/deliveries/{delivery}", s.getWebhookDelivery)
	h("POST "+p+"/webhooks/{webhook}/deliveries/{delivery}/resend", s.resendWebhookDelivery)
	h("GET "+p+"/connectors", s.listConnectors)
	h("POST "+p+"/connectors", s.createConnector)
	h("GET "+p+"/connectors/{connector}", s.getConnector)
	h("PATCH "+p+"/connectors/{connector}", s.updateConnector)
	h("DELETE "+p+"/connectors/{connector}", s.deleteConnector)
	h("POST "+p+"/connectors/{connector}/pause", s.pauseConnector(true))
	h("POST "+p+"/connectors/{connector}/resume", s.pauseConnector(false))
	h("POST "+p+"/connectors/{connector}/sync", s.syncConnector(false))
	h("GET "+p+"/connectors/{connector}/preview", s.syncConnector(true))
	h("GET "+p+"/connectors/{connector}/deliveries", s.listConnectorDeliveries)
	h("POST "+p+"/connectors/{connector}/resend", s.resendConnector)
	s.mux.Handle(Prefix, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		httperr.WriteJSON(w, r, s.log, roster.NotFoundf("no API endpoint %s %s; see docs/api.md", r.Method, r.URL.Path))
	}))
}

func (s *Server) authenticated(h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := s.authenticate(r)
		if err == nil {
			r = r.WithContext(roster.WithActor(r.Context(), "admin:"+c.admin.Email))
			err = h(w, r, c)
		}
		if err != nil {
			httperr.WriteJSON(w, r, s.log, err)
		}
	})
}

// authenticate checks an admin API token of the organization in the path.
// Only tokens of kind "api" open the API: a console session or a sign-in
// link never does.
func (s *Server) authenticate(r *http.Request) (*call, error) {
	org := r.PathValue("org")
	admin, _, err := s.uc.AdminAuth.Authenticate(r.Context(), org, auth.BearerSecret(r.Header.Get("Authorization")), roster.AdminAPI)
	if err != nil {
		return nil, err
	}
	return &call{org: org, admin: admin}, nil
}

// maxBody bounds request bodies: the API takes small objects only.
const maxBody = 64 << 10

// decode reads a JSON request body into v, refusing unknown fields and
// anything that is not text (roster.IsTextValue).
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return roster.Errorf(roster.ETooLarge, "", "the request body is larger than %d bytes", maxBody)
	case err != nil:
		return roster.Errorf(roster.EInvalid, "", "could not read the request body: %v", err)
	case len(bytes.TrimSpace(body)) == 0:
		return roster.Errorf(roster.EInvalid, "", "the request needs a JSON body")
	}
	var tree any
	if !utf8.Valid(body) || json.Unmarshal(body, &tree) == nil && !roster.IsTextValue(tree) {
		return roster.Errorf(roster.EInvalid, "", "the request body holds something that is not text (invalid UTF-8, or a NUL character)")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return roster.Errorf(roster.EInvalid, "", "the request body is not the JSON expected: %v", err)
	}
	return nil
}

func write(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
	return nil
}

func jsonTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(time.RFC3339)
}

func intParam(r *http.Request, name string, def, max int) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, roster.Errorf(roster.EInvalid, "", "%s must be a whole number, not %q", name, v)
	}
	return min(n, max), nil
}
