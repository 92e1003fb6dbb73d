package console

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/password"
)

// Sessions. A console session is an admin token of kind "session": its
// secret lives only in the admin's cookie, its hash in the store, so a
// session is revoked (sign-out, or an operator revoking the admin's
// tokens) on every node at once. The cookie holds "<org>.<secret>":
// the organization tells "/" where to go back to.

const (
	sessionCookie = "roster_session"
	// SessionLifetime is how long a console session lasts; then the admin
	// signs in again.
	SessionLifetime = 12 * time.Hour
	// preCSRFCookie carries the CSRF token of the forms shown before a
	// session exists (sign-in): the form must echo the cookie.
	preCSRFCookie = "roster_csrf"
)

// session is a signed-in admin.
type session struct {
	org    *roster.Org
	admin  *roster.Admin
	token  roster.AdminToken
	secret string
}

// csrf is the session's CSRF token: derived from the session secret, so it
// needs no storage, differs per session and dies with it.
func (a *session) csrf() string {
	m := hmac.New(sha256.New, []byte(a.secret))
	m.Write([]byte("roster console csrf"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (a *session) validCSRF(got string) bool {
	return subtle.ConstantTimeCompare([]byte(got), []byte(a.csrf())) == 1
}

// session returns the signed-in admin of the organization in the path, or
// nil when there is none (no cookie, another organization's, expired,
// revoked). An error is the store's.
func (s *Console) session(r *http.Request) (*session, error) {
	orgID, secret, ok := sessionFromCookie(r)
	if !ok || orgID != r.PathValue("org") {
		return nil, nil
	}
	admin, tok, err := s.adminAuth.Authenticate(r.Context(), orgID, secret, roster.AdminSession)
	if roster.ErrorCodeOf(err) == roster.EUnauthorized {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	org, err := s.store.GetOrg(r.Context(), orgID)
	if err != nil {
		return nil, err
	}
	return &session{org: org, admin: admin, token: tok, secret: secret}, nil
}

func sessionFromCookie(r *http.Request) (orgID, secret string, ok bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return "", "", false
	}
	return strings.Cut(c.Value, ".")
}

// startSession creates a session for admin and sets its cookie.
func (s *Console) startSession(w http.ResponseWriter, r *http.Request, admin *roster.Admin) error {
	secret, tok := roster.NewAdminTokenSecret()
	tok.OrgID, tok.AdminID, tok.Kind, tok.Name = admin.OrgID, admin.ID, roster.AdminSession, "console session"
	tok.Expires = s.now().Add(SessionLifetime)
	ctx := roster.WithActor(r.Context(), "admin:"+admin.Email)
	if err := s.store.CreateAdminToken(ctx, &tok); err != nil {
		return err
	}
	if err := s.store.RecordAdminSignIn(ctx, admin.OrgID, admin.ID, s.now()); err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: admin.OrgID + "." + secret, Path: "/", HttpOnly: true,
		Secure: s.secure || r.TLS != nil, SameSite: http.SameSiteLaxMode, Expires: tok.Expires})
	return nil
}

// home sends a signed-in admin to their organization, anyone else to a
// form asking which organization to sign in to.
func (s *Console) home(w http.ResponseWriter, r *http.Request) {
	if org := strings.TrimSpace(r.URL.Query().Get("org")); org != "" {
		http.Redirect(w, r, orgPath(org, "signin"), http.StatusSeeOther)
		return
	}
	if orgID, _, ok := sessionFromCookie(r); ok {
		http.Redirect(w, r, orgPath(orgID)+"/", http.StatusSeeOther)
		return
	}
	if err := s.render(w, r, nil, http.StatusOK, "home", view{Title: "Sign in"}); err != nil {
		s.renderError(w, r, nil, err)
	}
}

// signInPage is the sign-in form's data.
type signInPage struct {
	OrgID, Email, Next string
	CSRF               string // the pre-session CSRF token
}

func (s *Console) signInForm(w http.ResponseWriter, r *http.Request) {
	if a, err := s.session(r); err == nil && a != nil {
		http.Redirect(w, r, orgPath(a.org.ID)+"/", http.StatusSeeOther)
		return
	}
	s.showSignIn(w, r, http.StatusOK, "", r.URL.Query().Get("next"), "")
}

func (s *Console) showSignIn(w http.ResponseWriter, r *http.Request, status int, email, next, problem string) {
	p := signInPage{OrgID: r.PathValue("org"), Email: email, Next: safeNext(r.PathValue("org"), next), CSRF: s.preCSRF(w, r)}
	if err := s.render(w, r, nil, status, "signin", view{Title: "Sign in", Error: problem, Page: p}); err != nil {
		s.renderError(w, r, nil, err)
	}
}

// preCSRF returns the pre-session CSRF token, setting its cookie when the
// browser has none.
func (s *Console) preCSRF(w http.ResponseWriter, r *http.Request) string {
	// rand.Text is 26 characters, 130 random bits.
	if c, err := r.Cookie(preCSRFCookie); err == nil && len(c.Value) >= 26 {
		return c.Value
	}
	token := rand.Text()
	http.SetCookie(w, &http.Cookie{Name: preCSRFCookie, Value: token, Path: "/", HttpOnly: true, Secure: s.secure || r.TLS != nil,
		SameSite: http.SameSiteStrictMode})
	return token
}

// checkPreCSRF checks that a pre-session form echoes its cookie.
func checkPreCSRF(r *http.Request) bool {
	c, err := r.Cookie(preCSRFCookie)
	return err == nil && c.Value != "" && subtle.ConstantTimeCompare([]byte(c.Value), []byte(r.PostForm.Get("csrf"))) == 1
}

// safeNext keeps a ?next= only when it is a page of the same organization,
// so that the sign-in form cannot be made to send anyone elsewhere.
func safeNext(orgID, next string) string {
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || !strings.HasPrefix(u.Path, orgPath(orgID)+"/") || strings.HasPrefix(next, "//") {
		return orgPath(orgID) + "/"
	}
	return u.RequestURI()
}

const wrongCredentials = "The email address or the password is wrong."

func (s *Console) signIn(w http.ResponseWriter, r *http.Request) {
	orgID := r.PathValue("org")
	if err := parseForm(w, r); err != nil {
		s.renderError(w, r, nil, err)
		return
	}
	if !checkPreCSRF(r) {
		s.showSignIn(w, r, http.StatusForbidden, "", "", "The sign-in form had expired. Please try again.")
		return
	}
	email, plain, next := strings.TrimSpace(r.PostForm.Get("email")), r.PostForm.Get("password"), r.PostForm.Get("next")
	key := orgID + "\x00" + strings.ToLower(email)
	if wait := s.throttle.wait(key, s.now()); wait > 0 {
		s.showSignIn(w, r, http.StatusTooManyRequests, email, next,
			"Too many failed attempts for this address. Try again in "+roundUp(wait)+", or ask another admin for a sign-in link.")
		return
	}
	admin, err := s.store.GetAdminByEmail(r.Context(), orgID, email)
	var hash string
	switch {
	case err == nil:
		hash = admin.PasswordHash
	case roster.ErrorCodeOf(err) != roster.ENotFound:
		s.renderError(w, r, nil, err)
		return
	}
	// Checked even when there is no such admin or no password, so that
	// the answer takes as long either way.
	ok, err := password.Check(plain, hash)
	if err != nil {
		s.renderError(w, r, nil, err)
		return
	}
	if !ok || admin == nil {
		s.throttle.fail(key, s.now())
		s.showSignIn(w, r, http.StatusUnauthorized, email, next, wrongCredentials)
		return
	}
	s.throttle.reset(key)
	if err := s.startSession(w, r, admin); err != nil {
		s.renderError(w, r, nil, err)
		return
	}
	http.Redirect(w, r, safeNext(orgID, next), http.StatusSeeOther)
}

// A sign-in link is opened with GET, which only shows a button: mail
// scanners and link previews fetch links, and must not spend them. The
// button's POST does.
func (s *Console) signInLinkForm(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	p := signInPage{OrgID: r.PathValue("org"), CSRF: s.preCSRF(w, r)}
	if err := s.render(w, r, nil, http.StatusOK, "signin-link", view{Title: "Sign in", Page: p}); err != nil {
		s.renderError(w, r, nil, err)
	}
}

func (s *Console) signInLink(w http.ResponseWriter, r *http.Request) {
	orgID, secret := r.PathValue("org"), r.PathValue("secret")
	if err := parseForm(w, r); err != nil || !checkPreCSRF(r) {
		s.renderError(w, r, nil, roster.Errorf(roster.EForbidden, "", "the sign-in page had expired; open the link again"))
		return
	}
	admin, err := s.spendSignInLink(r, orgID, secret)
	if err != nil {
		s.renderError(w, r, nil, err)
		return
	}
	if err := s.startSession(w, r, admin); err != nil {
		s.renderError(w, r, nil, err)
		return
	}
	http.Redirect(w, r, orgPath(orgID)+"/", http.StatusSeeOther)
}

func (s *Console) spendSignInLink(r *http.Request, orgID, secret string) (*roster.Admin, error) {
	return s.adminAuth.SpendSignInLink(r.Context(), orgID, secret)
}

func (s *Console) signOut(w http.ResponseWriter, r *http.Request, a *session) error {
	if err := s.store.RevokeAdminToken(r.Context(), a.org.ID, a.token.ID); err != nil && roster.ErrorCodeOf(err) != roster.ENotFound {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.secure || r.TLS != nil})
	return s.redirect(w, r, orgPath(a.org.ID, "signin"), "You are signed out.")
}

// throttle counts failed sign-ins per organization and address: after
// maxFailures within failureWindow, that address waits out the window.
// It is per node, like the SCIM rate limits; Argon2id already makes each
// guess cost a tenth of a second.
type throttle struct {
	mu       sync.Mutex
	failures map[string][]time.Time
}

const (
	maxFailures   = 5
	failureWindow = 15 * time.Minute
)

func newThrottle() *throttle { return &throttle{failures: map[string][]time.Time{}} }

// recent drops the failures older than the window; t.mu is held.
func (t *throttle) recent(key string, now time.Time) []time.Time {
	list := t.failures[key]
	for len(list) > 0 && now.Sub(list[0]) >= failureWindow {
		list = list[1:]
	}
	if len(list) == 0 {
		delete(t.failures, key)
	} else {
		t.failures[key] = list
	}
	return list
}

// wait returns how long key must wait before trying again (0: it may try).
func (t *throttle) wait(key string, now time.Time) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	list := t.recent(key, now)
	if len(list) < maxFailures {
		return 0
	}
	return list[len(list)-maxFailures].Add(failureWindow).Sub(now)
}

func (t *throttle) fail(key string, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.failures[key] = append(t.recent(key, now), now)
	// Forget addresses that stopped failing, so that guessing many
	// addresses cannot grow the map without bound.
	if len(t.failures) > 10_000 {
		for k := range t.failures {
			t.recent(k, now)
		}
	}
}

func (t *throttle) reset(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.failures, key)
}

// roundUp says a wait in whole minutes, as people read it.
func roundUp(d time.Duration) string {
	m := int((d + time.Minute - 1) / time.Minute)
	if m <= 1 {
		return "a minute"
	}
	return fmt.Sprintf("%d minutes", m)
}
