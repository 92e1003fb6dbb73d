package console

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"strings"
	"sync"
)

// Before a session exists (the sign-in and setup forms, the choice of
// organization), what the console hands a browser is signed with a key
// every node shares: roster.Keys stores it once, the first node to need it
// makes it. A cookie the server did not mint is never trusted, only
// replaced, so that a client (or a script on a sibling subdomain, which can
// plant cookies) cannot choose a CSRF cookie and the form field to match.

// keyName names the console's key in roster.Keys.
const keyName = "console-presession-v1"

// serverKey holds the shared key once read; reading it again after an
// error (the database was down) is what the mutex allows.
type serverKey struct {
	mu  sync.Mutex
	key []byte
}

func (s *Console) key(ctx context.Context) ([]byte, error) {
	s.presession.mu.Lock()
	defer s.presession.mu.Unlock()
	if s.presession.key != nil {
		return s.presession.key, nil
	}
	fresh := make([]byte, 32)
	rand.Read(fresh)
	k, err := s.store.GetOrCreateKey(ctx, keyName, fresh)
	if err != nil {
		return nil, err
	}
	s.presession.key = k
	return k, nil
}

// sign returns purpose's MAC of value under the shared key.
func sign(key []byte, purpose, value string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(purpose + "\x00" + value))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// minted reports whether v is "<nonce>.<mac>" as this Roster mints it.
func minted(key []byte, purpose, v string) bool {
	nonce, mac, ok := strings.Cut(v, ".")
	return ok && len(nonce) >= 26 && subtle.ConstantTimeCompare([]byte(mac), []byte(sign(key, purpose, nonce))) == 1
}

// preCSRF returns the pre-session CSRF token, setting its cookie when the
// browser has none this Roster minted.
func (s *Console) preCSRF(w http.ResponseWriter, r *http.Request) (string, error) {
	key, err := s.key(r.Context())
	if err != nil {
		return "", err
	}
	if c, err := r.Cookie(preCSRFCookie); err == nil && minted(key, "csrf", c.Value) {
		return c.Value, nil
	}
	nonce := rand.Text() // 26 characters, 130 random bits
	token := nonce + "." + sign(key, "csrf", nonce)
	http.SetCookie(w, &http.Cookie{Name: preCSRFCookie, Value: token, Path: "/", HttpOnly: true, Secure: s.secure || r.TLS != nil,
		SameSite: http.SameSiteStrictMode})
	return token, nil
}

// preForm parses a pre-session form and checks its CSRF token. It answers
// the request itself when either fails, with expired when the token does
// not hold (the form was open too long, or did not come from Roster), and
// reports whether the handler may go on.
func (s *Console) preForm(w http.ResponseWriter, r *http.Request, expired func()) bool {
	if err := parseForm(w, r); err != nil {
		s.renderError(w, r, nil, err)
		return false
	}
	if ok, err := s.checkPreCSRF(r); err != nil || !ok {
		expired()
		return false
	}
	return true
}

// checkPreCSRF checks that a pre-session form echoes its cookie, and that
// the cookie is one this Roster minted.
func (s *Console) checkPreCSRF(r *http.Request) (bool, error) {
	key, err := s.key(r.Context())
	if err != nil {
		return false, err
	}
	c, err := r.Cookie(preCSRFCookie)
	return err == nil && minted(key, "csrf", c.Value) &&
		subtle.ConstantTimeCompare([]byte(c.Value), []byte(r.PostForm.Get("csrf"))) == 1, nil
}
