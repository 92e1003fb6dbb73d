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
	// Role is what the admin may do: an owner also manages the admins.
	// "" reads as AdminRoleAdmin; the store keeps at least one owner.
	Role       AdminRole
	Created    time.Time
	LastSignIn time.Time
}

// AdminRole is an admin's role in the organization.
type AdminRole string

// Admin roles.
const (
	// AdminRoleOwner manages the organization's admins and their roles,
	// and everything an admin does. The first admin is an owner.
	AdminRoleOwner AdminRole = "owner"
	// AdminRoleAdmin manages the organization, not its admins.
	AdminRoleAdmin AdminRole = "admin"
)

// IsOwner reports whether the admin is an owner.
func (a *Admin) IsOwner() bool { return a.Role == AdminRoleOwner }

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
	// by an admin of the organization (any case) is an EConflict. The
	// organization's first admin is made an owner whatever a.Role says;
	// a.Role "" is AdminRoleAdmin.
	CreateAdmin(ctx context.Context, a *Admin) error
	GetAdmin(ctx context.Context, orgID, adminID string) (*Admin, error)
	GetAdminByEmail(ctx context.Context, orgID, email string) (*Admin, error)
	ListAdmins(ctx context.Context, orgID string) ([]Admin, error)
	// ListAdminsByEmail returns every admin with the address (any case),
	// in every organization: the one read that crosses organizations,
	// because signing in starts from an address, before any organization
	// is known. Ordered by organization name.
	ListAdminsByEmail(ctx context.Context, email string) ([]Admin, error)
	// UpdateAdminRole sets an admin's role. Leaving the organization
	// without an owner is ReasonLastOwner, decided in the transaction so
	// that two owners demoting each other at once cannot both succeed.
	UpdateAdminRole(ctx context.Context, orgID, adminID string, role AdminRole) error
	// DeleteAdmin removes an admin and every token of theirs (sessions,
	// sign-in links, API tokens), which stop working at once. Removing the
	// last owner is ReasonLastOwner.
	DeleteAdmin(ctx context.Context, orgID, adminID string) error
	// SetAdminPassword stores a new password hash ("" removes the password).
	SetAdminPassword(ctx context.Context, orgID, adminID, hash string) error
	// RecordAdminSignIn records a successful sign-in.
	RecordAdminSignIn(ctx context.Context, orgID, adminID string, at time.Time) error
	// RecordAdminSignInFailure records, in the audit trail, a sign-in to
	// the admin's account that failed (never what was typed).
	RecordAdminSignInFailure(ctx context.Context, orgID, adminID string, at time.Time) error
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
