// Package console is Roster's admin console: server-rendered HTML pages
// (html/template, embedded with the binary, no build step) where an
// organization's admins verify domains, create directories and their
// tokens, watch what identity providers send, review users and groups,
// grant product access and read the audit trail.
//
// Every page lives under /orgs/{org}/ and needs a console session: an
// admin token of kind "session" held in an HttpOnly, SameSite cookie (see
// session.go). Every form carries a CSRF token bound to the session, and
// the whole console sits behind net/http's cross-origin protection. Pages
// only read and write through roster.Store, scoped to the organization in
// the path; the session must belong to that organization.
//
// The few scripts (copy buttons, confirmations) are a static file: the
// server's Content-Security-Policy forbids inline scripts and styles.
//
// It owns the HTML surface only: every rule it applies is a use case's
// (tokens, directories, admins, access, groups, users, domains, auth,
// webhooks, connectors; password for its rules of length), every read a
// roster.Store read model.
// It may depend on those, the root package, http/httperr and http/urls;
// never on storage, scim or the other HTTP surfaces.
package console

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/connectors"
	"github.com/rosterhq/roster/domains"
	"github.com/rosterhq/roster/http/httperr"
	"github.com/rosterhq/roster/usecases"
	"github.com/rosterhq/roster/webhooks"
)

//go:embed templates static
var files embed.FS

// Config configures the console.
type Config struct {
	Store roster.Store
	// PublicURL is where Roster is reached; directory base URLs are built
	// on it, and an https URL makes session cookies Secure.
	PublicURL string
	Logger    *slog.Logger
	Verifier  *domains.Verifier // checks domains on "Verify now"
	Now       func() time.Time
	// SetupToken, when set, opens /setup/{token}: the page that creates
	// the first organization and its admin (see setup.go).
	SetupToken string
	// Webhooks is the webhooks use case with the server's secret key;
	// nil: one without a key, which lists webhooks but cannot create them.
	Webhooks *webhooks.Service
	// Connectors is the connectors use case with the server's secret key
	// and its outbound rules; nil: one without a key, which lists
	// connectors but can neither create nor run them.
	Connectors *connectors.Service
}

// Console serves the console's pages.
type Console struct {
	store    roster.Store
	public   string
	secure   bool
	log      *slog.Logger
	verifier *domains.Verifier
	now      func() time.Time
	// The use cases the console's forms call: the same ones the admin API
	// and the command line call, so the rules cannot drift apart.
	uc         *usecases.Set
	pages      map[string]*template.Template
	throttle   *throttle
	presession serverKey // signs what browsers get before a session (presession.go)
	// setupToken opens the first-run page; setupMu serializes setups.
	setupToken string
	setupMu    sync.Mutex
	mux        *http.ServeMux
	handler    http.Handler
}

// New returns the console for c.
func New(c Config) *Console {
	s := &Console{store: c.Store, public: strings.TrimRight(c.PublicURL, "/"), throttle: newThrottle(), setupToken: c.SetupToken, mux: http.NewServeMux()}
	s.secure = strings.HasPrefix(s.public, "https://")
	s.uc = usecases.New(usecases.Config{Store: s.store, Now: c.Now, Logger: c.Logger, Verifier: c.Verifier, Webhooks: c.Webhooks, Connectors: c.Connectors})
	s.now, s.log, s.verifier = s.uc.Now, s.uc.Log, s.uc.Verifier
	s.pages = parsePages()
	s.routes()
	// Browsers say where a request comes from (Sec-Fetch-Site, Origin); a
	// cross-site POST is refused before any handler runs, on top of the
	// per-form CSRF tokens.
	s.handler = http.NewCrossOriginProtection().Handler(s.mux)
	return s
}

func (s *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := checkText(r.URL.Query()); err != nil || !roster.IsText(r.URL.Path) {
		s.renderError(w, r, nil, errNotText)
		return
	}
	s.handler.ServeHTTP(w, r)
}

var errNotText = roster.Invalidf("", "the request holds a value that is not text (invalid UTF-8, or a NUL character)")

// checkText refuses values that are not text (roster.IsText): stores
// cannot keep them, and PostgreSQL answers them with an error.
func checkText(values url.Values) error {
	for _, vs := range values {
		for _, v := range vs {
			if !roster.IsText(v) {
				return errNotText
			}
		}
	}
	return nil
}

// parseForm reads a console form, bounded in size and checked as text.
func parseForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		return roster.Invalidf("", "the form could not be read: %v", err)
	}
	return checkText(r.PostForm)
}

// page is a console page handler: it gets the signed-in admin and returns
// an error instead of writing one.
type page func(w http.ResponseWriter, r *http.Request, a *session) error

func (s *Console) routes() {
	static, _ := fs.Sub(files, "static")
	s.mux.Handle("GET /static/", http.StripPrefix("/static/", staticFiles(http.FileServerFS(static))))
	s.mux.Handle("GET /favicon.ico", http.RedirectHandler("/static/favicon.svg", http.StatusMovedPermanently))
	s.mux.HandleFunc("GET /{$}", s.home)
	s.mux.HandleFunc("GET /setup/{token}", s.setupForm)
	s.mux.HandleFunc("POST /setup/{token}", s.setup)
	s.mux.HandleFunc("POST /signin", s.signIn)
	s.mux.HandleFunc("GET /signin/choose", s.chooseForm)
	s.mux.HandleFunc("POST /signin/choose", s.choose)

	o := "/orgs/{org}"
	s.mux.HandleFunc("GET "+o+"/signin", s.signInForm)
	s.mux.HandleFunc("POST "+o+"/signin", s.signIn)
	s.mux.HandleFunc("GET "+o+"/signin/{secret}", s.signInLinkForm)
	s.mux.HandleFunc("POST "+o+"/signin/{secret}", s.signInLink)

	h := func(pattern string, p page) { s.mux.Handle(pattern, s.signedIn(p)) }
	h("POST "+o+"/signout", s.signOut)
	h("GET "+o+"/{$}", s.overview)
	h("GET "+o+"/domains", s.domains)
	h("POST "+o+"/domains", s.form("add-domain", "domain", nil, s.domains, s.addDomain))
	h("POST "+o+"/domains/{domain}/verify", s.verifyDomain)
	h("POST "+o+"/domains/{domain}/remove", s.removeDomain)
	h("GET "+o+"/directories", s.directories)
	h("POST "+o+"/directories", s.form("create-directory", "name", nil, s.directories, s.createDirectory))
	h("GET "+o+"/directories/{dir}", s.directory)
	h("POST "+o+"/directories/{dir}/tokens", s.createToken)
	h("GET "+o+"/directories/{dir}/tokens/{token}/new", s.newToken)
	h("POST "+o+"/directories/{dir}/tokens/{token}/rotate", s.rotateToken)
	h("POST "+o+"/directories/{dir}/tokens/{token}/revoke", s.revokeToken)
	h("POST "+o+"/directories/{dir}/rename", s.form("rename-directory", "name", nil, s.directory, s.renameDirectory))
	h("GET "+o+"/directories/{dir}/delete", s.deleteDirectoryForm)
	h("POST "+o+"/directories/{dir}/delete", s.deleteDirectory)
	s.deletedRoutes(h, o) // deleted users and groups, restore, deletion policy (deleted.go)
	h("GET "+o+"/users", s.users)
	h("GET "+o+"/users/{user}", s.user)
	h("POST "+o+"/users/{user}/unlink", s.unlinkUser)
	h("GET "+o+"/groups", s.groups)
	h("GET "+o+"/groups/{group}", s.group)
	h("POST "+o+"/groups/{group}/unlink", s.unlinkGroup)
	h("POST "+o+"/groups/{group}/grants", s.grantToGroup)
	h("POST "+o+"/groups", s.form("create-group", "name", nil, s.groups, s.createLocalGroup))
	h("POST "+o+"/groups/{group}/rename", s.form("rename-group", "name", nil, s.group, s.renameLocalGroup))
	h("GET "+o+"/groups/{group}/delete", s.deleteGroupForm)
	h("POST "+o+"/groups/{group}/delete", s.deleteLocalGroup)
	h("POST "+o+"/groups/{group}/members", s.addLocalMembers)
	h("POST "+o+"/groups/{group}/members/{member}/remove", s.removeLocalMember)
	h("POST "+o+"/products/{product}/defaults", s.setDefaultGroup)
	h("POST "+o+"/domains/{domain}/directory", s.linkDomain)
	h("GET "+o+"/groups/{group}/link", s.linkPreview)
	h("POST "+o+"/groups/{group}/link", s.linkGroup)
	h("GET "+o+"/products", s.products)
	h("POST "+o+"/products", s.form("create-product", "key", nil, s.products, s.createProduct))
	h("GET "+o+"/products/{product}", s.product)
	h("POST "+o+"/products/{product}/rename", s.form("rename-product", "name", nil, s.product, s.renameProduct))
	h("GET "+o+"/products/{product}/delete", s.deleteProductForm)
	h("POST "+o+"/products/{product}/delete", s.deleteProduct)
	h("POST "+o+"/products/{product}/grants", s.grant)
	h("POST "+o+"/products/{product}/grants/{group}/revoke", s.revoke)
	s.connectorRoutes(h, o) // a product's connected applications (connectors.go)
	h("GET "+o+"/admins", s.admins)
	h("POST "+o+"/admins", s.form("add-admin", "email", nil, s.admins, s.addAdmin))
	h("POST "+o+"/admins/{admin}/signin-link", s.newSignInLink)
	h("GET "+o+"/admins/{admin}/link", s.signInLinkShown)
	h("POST "+o+"/admins/{admin}/signout", s.signOutAdmin)
	h("POST "+o+"/admins/{admin}/role", s.setRole)
	h("POST "+o+"/admins/{admin}/remove", s.removeAdmin)
	h("POST "+o+"/password", s.form("password", "password", passwordField, s.admins, s.changePassword))
	s.webhookRoutes(h, o) // webhooks, secrets shown once, delivery logs (webhooks.go)
	h("GET "+o+"/activity", s.activity)
	h("GET "+o+"/activity/export", s.exportActivity)
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.renderError(w, r, nil, roster.NotFoundf("there is no page at %s", r.URL.Path))
	})
}

// staticFiles lets browsers keep the stylesheet and script for a day.
func staticFiles(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=86400")
		h.ServeHTTP(w, r)
	})
}

// signedIn runs p for a signed-in admin of the organization in the path,
// checking the CSRF token of every POST; anyone else is sent to sign in.
func (s *Console) signedIn(p page) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, err := s.session(r)
		if err != nil {
			s.renderError(w, r, nil, err)
			return
		}
		if a == nil {
			target := "/orgs/" + url.PathEscape(r.PathValue("org")) + "/signin"
			if r.Method == http.MethodGet {
				target += "?next=" + url.QueryEscape(r.URL.RequestURI())
			}
			http.Redirect(w, r, target, http.StatusSeeOther)
			return
		}
		if r.Method == http.MethodPost {
			if err := parseForm(w, r); err != nil {
				s.renderError(w, r, a, err)
				return
			}
			if !a.validCSRF(r.PostForm.Get("csrf")) {
				s.renderError(w, r, a, roster.Errorf(roster.EForbidden, "", "the form is out of date (it belongs to an earlier session); reload the page and try again"))
				return
			}
		}
		r = r.WithContext(roster.WithActor(r.Context(), "admin:"+a.admin.Email))
		w.Header().Set("Cache-Control", "no-store")
		if err := p(w, r, a); err != nil {
			s.renderError(w, r, a, err)
		}
	})
}

// maxForm bounds a form body; console forms are a few fields.
const maxForm = 64 << 10

// view is what every page's template gets.
type view struct {
	Title   string
	Section string // the navigation entry to highlight
	Org     *roster.Org
	Admin   *roster.Admin
	CSRF    string
	Flash   string
	Error   string
	Page    any
	// Form is the form that failed, drawn again (forms.go); nil when none.
	Form *formState
}

// render writes a page with the layout. v.Org, Admin and CSRF come from a.
func (s *Console) render(w http.ResponseWriter, r *http.Request, a *session, status int, name string, v view) error {
	t, ok := s.pages[name]
	if !ok {
		return fmt.Errorf("console: no template %q", name)
	}
	if a != nil {
		v.Org, v.Admin, v.CSRF = a.org, a.admin, a.csrf()
	}
	if f := formOf(r.Context()); f != nil && name != "error" {
		v.Form, status = f, f.Status
	}
	if v.Flash == "" && r.Method == http.MethodGet {
		v.Flash = takeFlash(w, r)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
	return nil
}

// renderError writes err as a page: its status from httperr's one table,
// its detail as the client may see it (internal errors are logged).
func (s *Console) renderError(w http.ResponseWriter, r *http.Request, a *session, err error) {
	e := httperr.Public(r, s.log, err)
	status := httperr.Status(e.Code)
	title := http.StatusText(status)
	if err := s.render(w, r, a, status, "error", view{Title: title, Page: e}); err != nil {
		s.log.ErrorContext(r.Context(), "console: rendering an error page", "err", err)
		http.Error(w, e.Detail, status)
	}
}

// redirect ends a successful POST: the browser goes back to a page (GET),
// which shows flash once.
func (s *Console) redirect(w http.ResponseWriter, r *http.Request, target, flash string) error {
	if flash != "" {
		setFlash(w, s.secure, flash)
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
	return nil
}

const flashCookie = "roster_flash"

func setFlash(w http.ResponseWriter, secure bool, msg string) {
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: url.QueryEscape(msg), Path: "/", HttpOnly: true, Secure: secure,
		SameSite: http.SameSiteLaxMode, MaxAge: 60})
}

func takeFlash(w http.ResponseWriter, r *http.Request) string {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return ""
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Path: "/", MaxAge: -1})
	msg, _ := url.QueryUnescape(c.Value)
	return msg
}

// orgPath is the console path of something in the organization.
func orgPath(orgID string, parts ...string) string {
	var b strings.Builder
	b.WriteString("/orgs/" + url.PathEscape(orgID))
	for _, p := range parts {
		b.WriteString("/" + url.PathEscape(p))
	}
	return b.String()
}

// pageSize is how many rows a list shows.
const pageSize = 50

// pageParam reads ?page=N (1-based) and returns its offset.
func pageParam(r *http.Request) (int, int) {
	n, err := strconv.Atoi(r.URL.Query().Get("page"))
	if err != nil || n < 1 {
		n = 1
	}
	if n > 1_000_000 {
		n = 1_000_000
	}
	return n, (n - 1) * pageSize
}

// pager is what a paged list's template needs to draw its links.
type pager struct {
	Page, Pages, Total int
	Prev, Next         string // URLs, "" at the ends
}

func newPager(r *http.Request, n, total int) pager {
	p := pager{Page: n, Total: total, Pages: (total + pageSize - 1) / pageSize}
	link := func(to int) string {
		q := r.URL.Query()
		q.Set("page", strconv.Itoa(to))
		return r.URL.Path + "?" + q.Encode()
	}
	if n > 1 {
		p.Prev = link(n - 1)
	}
	if n < p.Pages {
		p.Next = link(n + 1)
	}
	return p
}
