package console

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"time"
)

// A secret shown once (a new directory token, a sign-in link) is not
// rendered by the POST that made it: the POST puts it in a one-time slot
// and answers 303 to a GET page that takes it out. A reload of that page
// finds the slot empty and says the secret was shown already, instead of
// the browser posting again and minting another.
//
// The slot is a cookie sealed (AES-GCM, from the standard library) with a
// key derived from the session's secret: only this session can open it,
// on any node, and the server stores nothing. It lives a few minutes and
// is cleared by the page that shows it.

const (
	revealCookie   = "roster_reveal"
	revealLifetime = 5 * time.Minute
)

// reveal is what a slot holds: what was made, for which page, and its
// secret.
type reveal struct {
	Kind     string `json:"k"` // "token", "link", "webhook" or "check"
	ID       string `json:"i"` // the token's ID, or the admin's for a link
	Secret   string `json:"s"`
	Created  bool   `json:"c,omitempty"` // a new directory (token) or a new admin (link)
	Replaced string `json:"r,omitempty"` // the rotated token's ID
	Count    int    `json:"n,omitempty"` // earlier links that stopped working
	Until    int64  `json:"u,omitempty"` // a link's expiry, Unix seconds
	// Check is what `roster check` found when a connector was created
	// (no secret: the page after the POST shows it once, like the rest).
	Check   *checkSummary `json:"ck,omitempty"`
	Expires int64         `json:"e"`
}

func (a *session) revealAEAD() cipher.AEAD {
	m := hmac.New(sha256.New, []byte(a.secret))
	m.Write([]byte("roster console reveal"))
	block, _ := aes.NewCipher(m.Sum(nil)) // a 32-byte key: AES-256, never an error
	aead, _ := cipher.NewGCM(block)
	return aead
}

// putReveal fills the session's slot.
func (s *Console) putReveal(w http.ResponseWriter, r *http.Request, a *session, v reveal) {
	v.Expires = s.now().Add(revealLifetime).Unix()
	plain, _ := json.Marshal(v)
	aead := a.revealAEAD()
	nonce := make([]byte, aead.NonceSize())
	rand.Read(nonce)
	sealed := aead.Seal(nonce, nonce, plain, []byte(a.org.ID))
	http.SetCookie(w, &http.Cookie{Name: revealCookie, Value: base64.RawURLEncoding.EncodeToString(sealed), Path: orgPath(a.org.ID),
		HttpOnly: true, Secure: s.secure || r.TLS != nil, SameSite: http.SameSiteLaxMode, MaxAge: int(revealLifetime / time.Second)})
}

// takeReveal empties the session's slot and returns what it held for
// kind and id, nil when it held nothing (shown already, expired, another
// session's or another page's).
func (s *Console) takeReveal(w http.ResponseWriter, r *http.Request, a *session, kind, id string) *reveal {
	c, err := r.Cookie(revealCookie)
	if err != nil {
		return nil
	}
	http.SetCookie(w, &http.Cookie{Name: revealCookie, Path: orgPath(a.org.ID), MaxAge: -1, HttpOnly: true, Secure: s.secure || r.TLS != nil})
	sealed, err := base64.RawURLEncoding.DecodeString(c.Value)
	aead := a.revealAEAD()
	if err != nil || len(sealed) < aead.NonceSize() {
		return nil
	}
	plain, err := aead.Open(nil, sealed[:aead.NonceSize()], sealed[aead.NonceSize():], []byte(a.org.ID))
	if err != nil {
		return nil
	}
	var v reveal
	if json.Unmarshal(plain, &v) != nil || v.Kind != kind || v.ID != id || s.now().Unix() > v.Expires {
		return nil
	}
	return &v
}
