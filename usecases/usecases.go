// Package usecases puts together, on one store, the use cases that more
// than one surface calls: the console and the admin API build them here,
// so that both hold the same rules with the same clock, and the admin
// authentication with the same logger. A surface adds only what is its
// own (the console's sessions, the admin API's feed and streams).
//
// It depends on the root package and the use-case packages; never on
// storage or the HTTP surfaces.
package usecases

import (
	"log/slog"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/admins"
	"github.com/rosterhq/roster/auth"
	"github.com/rosterhq/roster/connectors"
	"github.com/rosterhq/roster/directories"
	"github.com/rosterhq/roster/domains"
	"github.com/rosterhq/roster/groups"
	"github.com/rosterhq/roster/tokens"
	"github.com/rosterhq/roster/webhooks"
)

// Set is the use cases of one store, with the clock, logger and domain
// verifier they and the surfaces share.
type Set struct {
	Now         func() time.Time
	Log         *slog.Logger
	Verifier    *domains.Verifier
	Access      *access.Service
	Admins      *admins.Service
	AdminAuth   *auth.Admins
	Directories *directories.Service
	Groups      *groups.Service
	Tokens      *tokens.Service
	Webhooks    *webhooks.Service
	Connectors  *connectors.Service
}

// Config says what the set is built on. Webhooks and Connectors are the
// server's, with its secret key and outbound rules; nil gives ones
// without a key, which list webhooks and connectors but cannot create
// them.
type Config struct {
	Store      roster.Store
	Now        func() time.Time  // nil: time.Now
	Logger     *slog.Logger      // nil: discard
	Verifier   *domains.Verifier // nil: domains.NewVerifier(), which refuses private addresses
	Webhooks   *webhooks.Service
	Connectors *connectors.Service
}

// New builds the set c describes.
func New(c Config) *Set {
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Verifier == nil {
		c.Verifier = domains.NewVerifier()
	}
	st := c.Store
	s := &Set{
		Now:         c.Now,
		Log:         c.Logger,
		Verifier:    c.Verifier,
		Access:      &access.Service{Store: st},
		Admins:      &admins.Service{Store: st, Now: c.Now},
		AdminAuth:   &auth.Admins{Store: st, Now: c.Now, Log: c.Logger},
		Directories: &directories.Service{Store: st, Now: c.Now},
		Groups:      &groups.Service{Store: st},
		Tokens:      &tokens.Service{Store: st, Now: c.Now},
		Webhooks:    c.Webhooks,
		Connectors:  c.Connectors,
	}
	if s.Webhooks == nil {
		s.Webhooks = &webhooks.Service{Store: st, Now: c.Now}
	}
	if s.Connectors == nil {
		s.Connectors = &connectors.Service{Store: st, Now: c.Now}
	}
	return s
}
