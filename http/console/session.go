package console

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
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
	admin, tok, err := s.uc.AdminAuth.Authenticate(r.Context(), orgID, secret, roster.AdminSession)
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

// home sends a signed-in admin to their organization; anyone else gets
// the sign-in form, which starts from an email address. With no
// organization yet (a fresh install) it says where setup begins.
func (s *Console) home(w http.ResponseWriter, r *http.Request) {
	if org := strings.TrimSpace(r.URL.Query().Get("org")); org != "" {
		http.Redirect(w, r, orgPath(org, "signin"), http.StatusSeeOther)
		return
	}
	if orgID, _, ok := sessionFromCookie(r); ok {
		http.Redirect(w, r, orgPath(orgID)+"/", http.StatusSeeOther)
		return
	}
	orgs, err := s.store.ListOrgs(r.Context())
	if err != nil {
		s.renderError(w, r, nil, err)
		return
	}
	if len(orgs) == 0 {
		if err := s.render(w, r, nil, http.StatusOK, "home", view{Title: "Set up Roster"}); err != nil {
			s.renderError(w, r, nil, err)
		}
		return
	}
	s.showSignIn(w, r, http.StatusOK, "", "", "")
}

// signInPage is the sign-in form's data.
type signInPage struct {
	// OrgID is the organization of /orgs/{org}/signin, "" on the form at
	// /, which finds the organizations from the address.
	OrgID, Email, Next string
	CSRF               string // the pre-session CSRF token
	Orgs               []roster.Org
}

func (s *Console) signInForm(w http.ResponseWriter, r *http.Request) {
	if a, err := s.session(r); err == nil && a != nil {
		http.Redirect(w, r, orgPath(a.org.ID)+"/", http.StatusSeeOther)
		return
	}
	s.showSignIn(w, r, http.StatusOK, "", r.URL.Query().Get("next"), "")
}

func (s *Console) showSignIn(w http.ResponseWriter, r *http.Request, status int, email, next, problem string) {
	csrf, err := s.preCSRF(w, r)
	if err != nil {
		s.renderError(w, r, nil, err)
		return
	}
	p := signInPage{OrgID: r.PathValue("org"), Email: email, CSRF: csrf}
	if p.OrgID != "" {
		p.Next = safeNext(p.OrgID, next)
	}
	if err := s.render(w, r, nil, status, "signin", view{Title: "Sign in", Error: problem, Page: p}); err != nil {
		s.renderError(w, r, nil, err)
	}
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

// signIn signs in from an address and a password: at / (OrgID "") in
// whichever organizations the address administers, at
// /orgs/{org}/signin in that one.
func (s *Console) signIn(w http.ResponseWriter, r *http.Request) {
	orgID := r.PathValue("org")
	if !s.preForm(w, r, func() {
		s.showSignIn(w, r, http.StatusForbidden, "", "", "The sign-in form had expired. Please try again.")
	}) {
		return
	}
	email, plain, next := strings.TrimSpace(r.PostForm.Get("email")), r.PostForm.Get("password"), r.PostForm.Get("next")
	// Throttled by address alone, whichever form it comes from, so that
	// the two forms do not give a guesser twice the attempts.
	key := strings.ToLower(email)
	if wait := s.throttle.wait(key, s.now()); wait > 0 {
		s.showSignIn(w, r, http.StatusTooManyRequests, email, next,
			"Too many failed attempts for this address. Try again in "+roundUp(wait)+", or ask another admin for a sign-in link.")
		return
	}
	var candidates []roster.Admin
	if orgID == "" {
		list, err := s.store.ListAdminsByEmail(r.Context(), email)
		if err != nil {
			s.renderError(w, r, nil, err)
			return
		}
		candidates = list
	} else {
		a, err := s.store.GetAdminByEmail(r.Context(), orgID, email)
		switch {
		case err == nil:
			candidates = []roster.Admin{*a}
		case roster.ErrorCodeOf(err) != roster.ENotFound:
			s.renderError(w, r, nil, err)
			return
		}
	}
	admins, err := checkPasswords(candidates, plain)
	if err != nil {
		s.renderError(w, r, nil, err)
		return
	}
	if len(admins) == 0 {
		s.throttle.fail(key, s.now())
		s.recordFailedSignIn(r, candidates, email)
		s.showSignIn(w, r, http.StatusUnauthorized, email, next, wrongCredentials)
		return
	}
	s.throttle.reset(key)
	if len(admins) > 1 {
		// Several organizations: the browser gets a short-lived, signed
		// note of the admins the password opened, and a page to choose.
		if err := s.setChoice(w, r, admins); err != nil {
			s.renderError(w, r, nil, err)
			return
		}
		http.Redirect(w, r, "/signin/choose", http.StatusSeeOther)
		return
	}
	if err := s.startSession(w, r, &admins[0]); err != nil {
		s.renderError(w, r, nil, err)
		return
	}
	http.Redirect(w, r, safeNext(admins[0].OrgID, next), http.StatusSeeOther)
}

// checkPasswords returns the candidates whose password is plain. Each
// candidate with a password costs one Argon2id check, and when there is
// none (an unknown address, or one without a password) one check runs on
// a dummy hash, so that an unknown address answers as slowly as a known one.
func checkPasswords(candidates []roster.Admin, plain string) ([]roster.Admin, error) {
	var out []roster.Admin
	checked := false
	for _, a := range candidates {
		if a.PasswordHash == "" {
			continue
		}
		checked = true
		ok, err := password.Check(plain, a.PasswordHash)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, a)
		}
	}
	if !checked {
		password.Check(plain, "")
	}
	return out, nil
}

// The choice of organization, after a password opened several. The cookie
// holds "<payload>.<mac>": the payload the admins' "org/admin" pairs and an
// expiry, signed with the shared key, so any node accepts it and nobody
// can write one.

const (
	choiceCookie   = "roster_choose"
	choiceLifetime = 5 * time.Minute
)

func (s *Console) setChoice(w http.ResponseWriter, r *http.Request, admins []roster.Admin) error {
	key, err := s.key(r.Context())
	if err != nil {
		return err
	}
	parts := []string{strconv.FormatInt(s.now().Add(choiceLifetime).Unix(), 10)}
	for _, a := range admins {
		parts = append(parts, a.OrgID+"/"+a.ID)
	}
	payload := base64.RawURLEncoding.EncodeToString([]byte(strings.Join(parts, " ")))
	http.SetCookie(w, &http.Cookie{Name: choiceCookie, Value: payload + "." + sign(key, "choose", payload), Path: "/signin",
		HttpOnly: true, Secure: s.secure || r.TLS != nil, SameSite: http.SameSiteStrictMode, MaxAge: int(choiceLifetime / time.Second)})
	return nil
}

// choice returns the admins the browser's choice cookie names, nil when
// it has none that is valid.
func (s *Console) choice(r *http.Request) ([]roster.Admin, error) {
	c, err := r.Cookie(choiceCookie)
	if err != nil {
		return nil, nil
	}
	key, err := s.key(r.Context())
	if err != nil {
		return nil, err
	}
	payload, mac, _ := strings.Cut(c.Value, ".")
	if subtle.ConstantTimeCompare([]byte(mac), []byte(sign(key, "choose", payload))) != 1 {
		return nil, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return nil, nil
	}
	parts := strings.Fields(string(raw))
	if len(parts) < 2 {
		return nil, nil
	}
	if exp, err := strconv.ParseInt(parts[0], 10, 64); err != nil || s.now().Unix() > exp {
		return nil, nil
	}
	var out []roster.Admin
	for _, p := range parts[1:] {
		orgID, adminID, _ := strings.Cut(p, "/")
		a, err := s.store.GetAdmin(r.Context(), orgID, adminID)
		if roster.ErrorCodeOf(err) == roster.ENotFound {
			continue // removed since
		}
		if err != nil {
			return nil, err
		}
		out = append(out, *a)
	}
	return out, nil
}

func (s *Console) chooseForm(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	admins, err := s.choice(r)
	if err != nil {
		s.renderError(w, r, nil, err)
		return
	}
	if len(admins) == 0 {
		s.showSignIn(w, r, http.StatusOK, "", "", "The sign-in had expired. Please sign in again.")
		return
	}
	csrf, err := s.preCSRF(w, r)
	if err != nil {
		s.renderError(w, r, nil, err)
		return
	}
	p := signInPage{Email: admins[0].Email, CSRF: csrf}
	for _, a := range admins {
		o, err := s.store.GetOrg(r.Context(), a.OrgID)
		if err != nil {
			s.renderError(w, r, nil, err)
			return
		}
		p.Orgs = append(p.Orgs, *o)
	}
	if err := s.render(w, r, nil, http.StatusOK, "signin-choose", view{Title: "Choose an organization", Page: p}); err != nil {
		s.renderError(w, r, nil, err)
	}
}

func (s *Console) choose(w http.ResponseWriter, r *http.Request) {
	if !s.preForm(w, r, func() {
		s.showSignIn(w, r, http.StatusForbidden, "", "", "The sign-in form had expired. Please try again.")
	}) {
		return
	}
	admins, err := s.choice(r)
	if err != nil {
		s.renderError(w, r, nil, err)
		return
	}
	for _, a := range admins {
		if a.OrgID != r.PostForm.Get("org") {
			continue
		}
		if err := s.startSession(w, r, &a); err != nil {
			s.renderError(w, r, nil, err)
			return
		}
		http.SetCookie(w, &http.Cookie{Name: choiceCookie, Path: "/signin", MaxAge: -1, HttpOnly: true, Secure: s.secure || r.TLS != nil})
		http.Redirect(w, r, orgPath(a.OrgID)+"/", http.StatusSeeOther)
		return
	}
	s.showSignIn(w, r, http.StatusUnauthorized, "", "", "The sign-in had expired. Please sign in again.")
}

// A sign-in link is opened with GET, which only shows a button: mail
// scanners and link previews fetch links, and must not spend them. The
// button's POST does.
func (s *Console) signInLinkForm(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	csrf, err := s.preCSRF(w, r)
	if err != nil {
		s.renderError(w, r, nil, err)
		return
	}
	p := signInPage{OrgID: r.PathValue("org"), CSRF: csrf}
	if err := s.render(w, r, nil, http.StatusOK, "signin-link", view{Title: "Sign in", Page: p}); err != nil {
		s.renderError(w, r, nil, err)
	}
}

func (s *Console) signInLink(w http.ResponseWriter, r *http.Request) {
	orgID, secret := r.PathValue("org"), r.PathValue("secret")
	if !s.preForm(w, r, func() {
		s.renderError(w, r, nil, roster.Errorf(roster.EForbidden, "", "the sign-in page had expired; open the link again"))
	}) {
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
	return s.uc.AdminAuth.SpendSignInLink(r.Context(), orgID, secret)
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

// recordFailedSignIn puts a failed sign-in into the audit trail of every
// organization where the address is an admin: the address and the time,
// never the password. An unknown address belongs to no organization; it
// is only logged.
func (s *Console) recordFailedSignIn(r *http.Request, candidates []roster.Admin, email string) {
	ctx := roster.WithActor(r.Context(), "signin:"+email)
	for _, a := range candidates {
		if err := s.store.RecordAdminSignInFailure(ctx, a.OrgID, a.ID, s.now()); err != nil {
			s.log.WarnContext(r.Context(), "console: recording a failed sign-in", "err", err)
		}
	}
	if len(candidates) == 0 {
		s.log.InfoContext(r.Context(), "console: sign-in for an unknown address", "email", email)
	}
}
