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
