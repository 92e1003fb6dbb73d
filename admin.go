package roster

import (
	"context"
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

// Admins keeps an organization's admins and their credentials: API
// tokens, one-time sign-in links and console sessions.
type Admins interface {
	// CreateAdmin adds an admin to an organization. An email already used
	// by an admin of the organization (any case) is an EConflict.
	CreateAdmin(ctx context.Context, a *Admin) error
	GetAdmin(ctx context.Context, orgID, adminID string) (*Admin, error)
	GetAdminByEmail(ctx context.Context, orgID, email string) (*Admin, error)
	ListAdmins(ctx context.Context, orgID string) ([]Admin, error)
	// SetAdminPassword stores a new password hash ("" removes the password).
	SetAdminPassword(ctx context.Context, orgID, adminID, hash string) error
	// RecordAdminSignIn records a successful sign-in.
	RecordAdminSignIn(ctx context.Context, orgID, adminID string, at time.Time) error
	// CreateAdminToken stores an admin token (t.OrgID and t.AdminID set).
	CreateAdminToken(ctx context.Context, t *AdminToken) error
	// ListAdminTokensByPrefix returns the organization's admin tokens with a
	// prefix, whatever their status: the caller compares and checks.
	ListAdminTokensByPrefix(ctx context.Context, orgID, prefix string) ([]AdminToken, error)
	ListAdminTokens(ctx context.Context, orgID, adminID string) ([]AdminToken, error)
	RevokeAdminToken(ctx context.Context, orgID, tokenID string) error
	// SpendAdminToken revokes a one-time token and reports whether this
	// call was the one that spent it (false: it was spent already), so
	// that a sign-in link works once even when used twice at once.
	SpendAdminToken(ctx context.Context, orgID, tokenID string) (bool, error)
	TouchAdminToken(ctx context.Context, orgID, tokenID string, at time.Time) error
}
