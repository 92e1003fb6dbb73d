// Package tokens holds the rules of directory API tokens: how long a token
// lives, how a rotation hands over to its successor with a grace period,
// how tokens are named, found and revoked. The console, the admin API and
// the command line call it, so that a token made or rotated on one surface
// obeys exactly the rules of the others.
//
// It also writes the directory.token_expiring warnings that roster serve
// runs periodically (WarnExpiring).
//
// It depends on the root package roster only, and takes the narrow store
// interfaces roster.Directories and roster.TokenExpiry.
package tokens

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/rosterhq/roster"
)

// Limits and defaults of tokens.
const (
	// DefaultLifetime is how long a new token works unless the admin says
	// otherwise: a year, shown and warned about before it ends.
	DefaultLifetime = roster.DefaultTokenLifetime
	// MaxLifetime bounds a token's life: ten years.
	MaxLifetime = 3650 * 24 * time.Hour
	// DefaultGrace is how long a rotated token keeps working by default:
	// a day, enough to paste the new one into the identity provider.
	DefaultGrace = 24 * time.Hour
	// MaxGrace bounds a rotation's grace period: long enough for any
	// change window, short enough that a leaked token does not live on
	// for months.
	MaxGrace = 30 * 24 * time.Hour
	// MaxNameLen bounds a token's name.
	MaxNameLen = 200
)

// ParseLifetime reads a token lifetime as people give one: "" for the
// default, "never" (or "0") for a token that does not expire, whole days
// ("90d", or a bare "90"), or a Go duration ("12h"). It is the one parser
// the console's form and the command line's --expires share.
func ParseLifetime(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	switch s {
	case "":
		return DefaultLifetime, nil
	case "never", "0":
		return 0, nil
	}
	d, err := parseDuration(s)
	if err != nil || d <= 0 || d > MaxLifetime {
		return 0, roster.Invalidf("", "a token's lifetime is a number of days up to 3650 (90d), a duration (12h), or never; not %q", s)
	}
	return d, nil
}

// ParseGrace reads a rotation's grace period ("" for the default; "0"
// ends the old token at once) and holds it to MaxGrace.
func ParseGrace(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return DefaultGrace, nil
	}
	d, err := parseDuration(s)
	if err != nil || d < 0 || d > MaxGrace {
		return 0, roster.Invalidf("", "choose a grace period between 0 (the old token stops now) and 30 days, not %q", s)
	}
	return d, nil
}

// parseDuration reads whole days ("90d" or "90") or a Go duration.
func parseDuration(s string) (time.Duration, error) {
	days, hasSuffix := strings.CutSuffix(s, "d")
	if n, err := strconv.Atoi(days); err == nil {
		if n < 0 || n > 3650*2 {
			return 0, fmt.Errorf("out of range")
		}
		return time.Duration(n) * 24 * time.Hour, nil
	} else if hasSuffix {
		return 0, err
	}
	return time.ParseDuration(s)
}

// Service applies the rules; its fields are its dependencies.
type Service struct {
	Store roster.Directories
	Now   func() time.Time // time.Now when nil
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Created is a new token with its secret, which is shown once and then
// forgotten: Roster keeps only its hash.
type Created struct {
	Secret string
	Token  roster.Token
}

// New returns a fresh token (not stored) for directory d with the given
// name ("" for a default one that tells the tokens apart: "Okta token 2")
// and lifetime (0: never expires).
func (s *Service) New(d *roster.Directory, name string, lifetime time.Duration, existing int) (*Created, error) {
	name = strings.TrimSpace(name)
	if len(name) > MaxNameLen || !roster.IsText(name) {
		return nil, roster.Invalidf("", "a token's name is at most %d characters of text", MaxNameLen)
	}
	if name == "" {
		name = DefaultName(d.Name, existing)
	}
	if lifetime < 0 || lifetime > MaxLifetime {
		return nil, roster.Invalidf("", "a token's lifetime is at most 3650 days")
	}
	secret, tok := roster.NewToken(name, lifetime, s.now())
	tok.OrgID, tok.DirectoryID = d.OrgID, d.ID
	return &Created{Secret: secret, Token: tok}, nil
}

// DefaultName names a directory's token when the admin gives no name: the
// directory's name and, after the first, a number, so that a list of tokens
// can be told apart at a glance.
func DefaultName(directory string, existing int) string {
	if existing == 0 {
		return directory + " token"
	}
	return fmt.Sprintf("%s token %d", directory, existing+1)
}

// Create adds a token to directory d.
func (s *Service) Create(ctx context.Context, d *roster.Directory, name string, lifetime time.Duration) (*Created, error) {
	existing, err := s.Store.ListTokens(ctx, d.OrgID, d.ID)
	if err != nil {
		return nil, err
	}
	c, err := s.New(d, name, lifetime, len(existing))
	if err != nil {
		return nil, err
	}
	if err := s.Store.CreateToken(ctx, &c.Token); err != nil {
		return nil, err
	}
	return c, nil
}

// Rotation says how to rotate a token.
type Rotation struct {
	// Grace is how long the old token keeps working, at most MaxGrace.
	Grace time.Duration
	// Lifetime is the new token's; nil keeps the old token's lifetime (a
	// 90-day token is followed by a 90-day token), 0 is never.
	Lifetime *time.Duration
}

// Rotated is the outcome of a rotation: the new token, and the old one as
// it is now (Expires is the end of its grace period, or its earlier expiry).
type Rotated struct {
	Created
	Replaced roster.Token
}

// Rotate replaces token old of directory d: the new token works at once,
// the old one until the grace period ends. A token can be rotated once: a
// second rotation, even at the same moment on another node, is refused
// with ReasonTokenReplaced, so one rotation never mints several live
// tokens.
func (s *Service) Rotate(ctx context.Context, d *roster.Directory, old roster.Token, r Rotation) (*Rotated, error) {
	now := s.now()
	if r.Grace < 0 || r.Grace > MaxGrace {
		return nil, roster.Invalidf("", "choose a grace period between 0 (the old token stops now) and 30 days")
	}
	if old.ReplacedBy != "" {
		return nil, roster.E(roster.ReasonTokenReplaced, "token %s… was rotated already and is retiring; rotate its successor, or revoke it", old.Prefix)
	}
	if st := old.Status(now); st != roster.TokenActive {
		return nil, roster.Errorf(roster.EConflict, "", "token %s… is %s already; create a new token instead", old.Prefix, st)
	}
	lifetime := Lifetime(old)
	if r.Lifetime != nil {
		lifetime = *r.Lifetime
	}
	secret, next := roster.NewToken(old.Name, lifetime, now)
	oldEnds := now.Add(r.Grace).UTC()
	if err := s.Store.RotateToken(ctx, d.Scope(), old.ID, oldEnds, &next); err != nil {
		return nil, err
	}
	if !old.Expires.IsZero() && old.Expires.Before(oldEnds) {
		oldEnds = old.Expires // the store keeps an earlier expiry
	}
	old.Expires, old.ReplacedBy = oldEnds, next.ID
	return &Rotated{Created: Created{Secret: secret, Token: next}, Replaced: old}, nil
}

// Lifetime is the lifetime a token was made with (0: it never expires),
// which its successor inherits. It is rounded to the minute: the stored
// creation time is the store's clock, a moment after the expiry was
// computed, and a lifetime must not shrink by that moment with every
// rotation.
func Lifetime(t roster.Token) time.Duration {
	if t.Expires.IsZero() {
		return 0
	}
	return t.Expires.Sub(t.Created).Round(time.Minute)
}

// Revoke ends a token of directory d at once.
func (s *Service) Revoke(ctx context.Context, d *roster.Directory, tokenID string) error {
	return s.Store.RevokeToken(ctx, d.Scope(), tokenID)
}

// Find resolves ref (a token's ID or prefix, with or without the trailing
// "…" lists show) among a directory's tokens; an empty ref means the
// directory's only active, not retiring, token.
func Find(tokens []roster.Token, ref string, now time.Time) (roster.Token, error) {
	ref = strings.TrimSuffix(strings.TrimSpace(ref), "…")
	var active []roster.Token
	for _, t := range tokens {
		if ref != "" && (t.ID == ref || t.Prefix == ref) {
			return t, nil
		}
		if t.Status(now) == roster.TokenActive && t.ReplacedBy == "" {
			active = append(active, t)
		}
	}
	switch {
	case ref != "":
		return roster.Token{}, roster.NotFoundf("no token %q in this directory; list them with roster token list", ref)
	case len(active) == 1:
		return active[0], nil
	case len(active) == 0:
		return roster.Token{}, roster.NotFoundf("the directory has no active token; create one")
	}
	return roster.Token{}, roster.Errorf(roster.EInvalid, "", "the directory has %d active tokens; say which one (by ID or prefix)", len(active))
}

// ExpiryWarnings are the days ahead of a token's expiry at which a
// directory.token_expiring event tells applications and admins: two
// weeks, then three days.
var ExpiryWarnings = []int{14, 3}

// WarnExpiringDue writes the expiry warnings due at now, once per token
// and warning, and returns how many. The nearest warning goes first, so a
// token that is already within three days gets that one only, not both.
func WarnExpiringDue(ctx context.Context, st roster.TokenExpiry, now time.Time) (int, error) {
	total := 0
	for i := len(ExpiryWarnings) - 1; i >= 0; i-- {
		for {
			n, err := st.CreateTokenExpiryEvents(roster.WithActor(ctx, "system:token-expiry"), now, ExpiryWarnings[i], 500)
			total += n
			if err != nil {
				return total, err
			}
			if n < 500 {
				break
			}
		}
	}
	return total, nil
}

// WarnExpiring runs WarnExpiringDue every interval until ctx ends, on
// every node of roster serve (the store writes each warning once).
func WarnExpiring(ctx context.Context, st roster.TokenExpiry, interval time.Duration, log *slog.Logger) {
	for {
		if _, err := WarnExpiringDue(ctx, st, time.Now()); err != nil && ctx.Err() == nil {
			log.WarnContext(ctx, "token expiry warnings", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(interval):
		}
	}
}
