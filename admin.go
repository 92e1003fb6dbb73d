package roster

import (
	"net/mail"
	"time"
)

// IsEmailAddress reports whether s is a bare email address, as people type
// one (name@example.com: no display name, no angle brackets).
func IsEmailAddress(s string) bool {
	addr, err := mail.ParseAddress(s)
	return err == nil && addr.Name == "" && addr.Address == s
}

// Admin is a person who administers an organization: in the console, or
// with admin API tokens for scripts and applications. Every admin action
// is recorded in the audit trail under "admin:<email>".
type Admin struct {
	ID    string
	OrgID string
	Email string // unique in the organization, compared case-insensitively
	// PasswordHash is an argon2id hash in PHC string format, "" when the
	// admin signs in with one-time links only.
	PasswordHash string
	Created      time.Time
	LastSignIn   time.Time
}

// AdminTokenKind says what an admin token is for.
type AdminTokenKind string

// Admin token kinds.
const (
	// AdminSignIn is a one-time sign-in link, short-lived, spent on use.
	AdminSignIn AdminTokenKind = "signin"
	// AdminSession is a console session cookie.
	AdminSession AdminTokenKind = "session"
	// AdminAPI is a bearer token for /api/v1, for scripts and applications.
	AdminAPI AdminTokenKind = "api"
)

// AdminToken is an admin credential as stored: like Token, only its hash
// and a public prefix.
type AdminToken struct {
	ID       string
	OrgID    string
	AdminID  string
	Kind     AdminTokenKind
	Name     string
	Prefix   string
	Hash     []byte
	Created  time.Time
	Expires  time.Time // zero: never
	Revoked  time.Time // zero: not revoked (a spent sign-in link is revoked)
	LastUsed time.Time
}
