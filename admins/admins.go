// Package admins holds the rules of an organization's admins and their
// credentials: who may be an admin (a bare email address), what a password
// must be, that a new password ends the admin's other sessions, that a new
// sign-in link replaces the unspent ones, and signing an admin out
// everywhere. The console, the admin API and the command line call it, so
// a password changed on any surface has the same effect.
//
// It depends on the root package roster and on package password, and takes
// the narrow store interface roster.Admins.
package admins

import (
	"context"
	"strings"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/password"
)

// Service applies the rules; its fields are its dependencies.
type Service struct {
	Store roster.Admins
	Now   func() time.Time // time.Now when nil
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Email checks an admin's email address as people type one, bare
// (name@example.com), and returns it trimmed.
func Email(s string) (string, error) {
	s = strings.TrimSpace(s)
	if !roster.IsEmailAddress(s) {
		return "", roster.Invalidf("", "%q is not an email address: give it bare, as name@example.com", s)
	}
	return s, nil
}

// Link is a one-time sign-in link's secret (shown once) and its token.
type Link struct {
	Secret string
	Token  roster.AdminToken
	// Replaced counts the admin's earlier unspent links, which stopped
	// working when this one was made.
	Replaced int
}

// Created is a new admin, with a sign-in link when it has no password.
type Created struct {
	Admin roster.Admin
	Link  *Link
}

// Create adds an admin to organization orgID. With a password (checked by
// password.Validate and stored as an Argon2id hash) the admin signs in with
// it; without one, Create also makes a one-time sign-in link.
func (s *Service) Create(ctx context.Context, orgID, email, plainPassword string) (*Created, error) {
	email, err := Email(email)
	if err != nil {
		return nil, err
	}
	a := roster.Admin{OrgID: orgID, Email: email}
	if plainPassword != "" {
		if a.PasswordHash, err = hash(plainPassword); err != nil {
			return nil, err
		}
	}
	if err := s.Store.CreateAdmin(ctx, &a); err != nil {
		return nil, err
	}
	out := &Created{Admin: a}
	if plainPassword == "" {
		if out.Link, err = s.NewSignInLink(ctx, &a); err != nil {
			return out, err
		}
	}
	return out, nil
}

func hash(plain string) (string, error) {
	if err := password.Validate(plain); err != nil {
		return "", err
	}
	return password.Hash(plain)
}

// NewSignInLink makes a fresh one-time sign-in link for admin a; its
// earlier unspent links stop working, so that only the latest one sent
// counts.
func (s *Service) NewSignInLink(ctx context.Context, a *roster.Admin) (*Link, error) {
	replaced, err := s.RevokeTokens(ctx, a, roster.AdminSignIn, "")
	if err != nil {
		return nil, err
	}
	secret, tok := roster.NewSignInLink(a, s.now())
	if err := s.Store.CreateAdminToken(ctx, &tok); err != nil {
		return nil, err
	}
	return &Link{Secret: secret, Token: tok, Replaced: replaced}, nil
}

// PasswordChange is a new password for an admin.
type PasswordChange struct {
	// New is the new password; "" removes the password (the admin then
	// signs in with one-time links only).
	New string
	// Current, when CheckCurrent is set, must be the admin's password
	// now: a session left open on a shared machine must not be enough to
	// take the account over. The console sets it; the operator's command
	// line, which already holds the database, does not.
	Current      string
	CheckCurrent bool
	// KeepSession is the console session the change was made from, which
	// stays signed in; every other session of the admin ends.
	KeepSession string
}

// SetPassword changes admin a's password and ends the admin's other
// console sessions, on every node: whoever knew the old password is signed
// out. It returns how many sessions ended.
func (s *Service) SetPassword(ctx context.Context, a *roster.Admin, c PasswordChange) (ended int, err error) {
	if c.CheckCurrent && a.PasswordHash != "" {
		ok, err := password.Check(c.Current, a.PasswordHash)
		if err != nil {
			return 0, err
		}
		if !ok {
			return 0, roster.E(roster.ReasonWrongPassword, "the current password is wrong; the password is unchanged")
		}
	}
	var h string
	if c.New != "" {
		if h, err = hash(c.New); err != nil {
			return 0, err
		}
	}
	if err := s.Store.SetAdminPassword(ctx, a.OrgID, a.ID, h); err != nil {
		return 0, err
	}
	a.PasswordHash = h
	return s.RevokeTokens(ctx, a, roster.AdminSession, c.KeepSession)
}

// SignOutEverywhere ends every console session of admin a, on every node:
// for a lost laptop. It returns how many ended.
func (s *Service) SignOutEverywhere(ctx context.Context, a *roster.Admin) (int, error) {
	return s.RevokeTokens(ctx, a, roster.AdminSession, "")
}

// RevokeTokens ends admin a's usable tokens of a kind, except the token
// keep, and says how many there were. A token another request ended in
// the meantime is not an error.
func (s *Service) RevokeTokens(ctx context.Context, a *roster.Admin, kind roster.AdminTokenKind, keep string) (int, error) {
	list, err := s.Store.ListAdminTokens(ctx, a.OrgID, a.ID)
	if err != nil {
		return 0, err
	}
	now, n := s.now(), 0
	for _, t := range list {
		if t.Kind != kind || t.ID == keep || t.Status(now) != roster.TokenActive {
			continue
		}
		if err := s.Store.RevokeAdminToken(ctx, a.OrgID, t.ID); err != nil && roster.ErrorCodeOf(err) != roster.ENotFound {
			return n, err
		}
		n++
	}
	return n, nil
}

// APIToken is a new admin API token with its secret, shown once.
type APIToken struct {
	Secret string
	Token  roster.AdminToken
}

// CreateAPIToken gives admin a a bearer token for the admin API, named
// name, working for lifetime (0: never expires; tokens.ParseLifetime reads
// what people type).
func (s *Service) CreateAPIToken(ctx context.Context, a *roster.Admin, name string, lifetime time.Duration) (*APIToken, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 200 || !roster.IsText(name) {
		return nil, roster.Invalidf("", "name the token (1 to 200 characters): the script or application that uses it")
	}
	secret, tok := roster.NewAdminTokenSecret()
	tok.OrgID, tok.AdminID, tok.Kind, tok.Name = a.OrgID, a.ID, roster.AdminAPI, name
	if lifetime > 0 {
		tok.Expires = s.now().Add(lifetime).UTC().Truncate(time.Second)
	}
	if err := s.Store.CreateAdminToken(ctx, &tok); err != nil {
		return nil, err
	}
	return &APIToken{Secret: secret, Token: tok}, nil
}

// Roles. An owner manages the organization's admins: adds and removes
// them, sets their roles, and makes sign-in links for other admins (a link
// for someone is a way to be them). Any admin makes links for themself and
// signs themself out. The command line is the operator's, trusted with the
// database, and passes no acting admin (by nil).

func requireOwner(by *roster.Admin, what string) error {
	if by != nil && !by.IsOwner() {
		return roster.E(roster.ReasonNotOwner, "only an owner of the organization can %s; ask one of its owners", what)
	}
	return nil
}

// CreateBy adds an admin (without a password: it gets a sign-in link) on
// behalf of admin by (not nil; the operator calls Create), who must be an
// owner of the organization the admin joins.
func (s *Service) CreateBy(ctx context.Context, by *roster.Admin, email string) (*Created, error) {
	if err := requireOwner(by, "add admins"); err != nil {
		return nil, err
	}
	return s.Create(ctx, by.OrgID, email, "")
}

// SignInLinkBy makes a sign-in link for admin a on behalf of admin by: for
// themself any admin may, for another admin only an owner.
func (s *Service) SignInLinkBy(ctx context.Context, by, a *roster.Admin) (*Link, error) {
	if by != nil && by.ID != a.ID {
		if err := requireOwner(by, "make a sign-in link for another admin"); err != nil {
			return nil, err
		}
	}
	return s.NewSignInLink(ctx, a)
}

// SignOutBy ends admin a's console sessions on behalf of admin by: their
// own any admin may, another's only an owner.
func (s *Service) SignOutBy(ctx context.Context, by, a *roster.Admin) (int, error) {
	if by != nil && by.ID != a.ID {
		if err := requireOwner(by, "sign another admin out"); err != nil {
			return 0, err
		}
	}
	return s.SignOutEverywhere(ctx, a)
}

// Remove removes admin a on behalf of by (nil: the operator), who must be
// an owner. Every token of a's (console sessions, sign-in links, API
// tokens) stops working at once, on every node. The organization keeps at
// least one owner (roster.ReasonLastOwner).
func (s *Service) Remove(ctx context.Context, by, a *roster.Admin) error {
	if err := requireOwner(by, "remove admins"); err != nil {
		return err
	}
	return s.Store.DeleteAdmin(ctx, a.OrgID, a.ID)
}

// ParseRole reads a role as people type it.
func ParseRole(s string) (roster.AdminRole, error) {
	switch r := roster.AdminRole(strings.ToLower(strings.TrimSpace(s))); r {
	case roster.AdminRoleOwner, roster.AdminRoleAdmin:
		return r, nil
	}
	return "", roster.Invalidf("", "the role %q is neither owner nor admin", s)
}

// SetRole sets admin a's role on behalf of by (nil: the operator), who
// must be an owner. The organization keeps at least one owner.
func (s *Service) SetRole(ctx context.Context, by, a *roster.Admin, role roster.AdminRole) error {
	if err := requireOwner(by, "change roles"); err != nil {
		return err
	}
	if err := s.Store.UpdateAdminRole(ctx, a.OrgID, a.ID, role); err != nil {
		return err
	}
	a.Role = role
	return nil
}
