// Package auth checks the bearer secrets Roster hands out: a directory's
// API token on the SCIM endpoints, an admin's API token on the admin API,
// a console session, and a one-time sign-in link. Each check is written
// once here, with one rule for how often a token's last use is recorded,
// so the three surfaces cannot drift apart.
//
// It depends on the root package roster only, and takes the narrow store
// interfaces roster.DirectoryAuth and AdminAuth.
package auth

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/rosterhq/roster"
)

// TouchInterval is how stale a token's last-used time may get: recording
// every use would turn every read into a write.
const TouchInterval = time.Minute

// BearerSecret returns the secret of an "Authorization: Bearer <secret>"
// header value, or "" when the header carries none.
func BearerSecret(header string) string {
	scheme, secret, _ := strings.Cut(header, " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(secret)
}

// Directories authenticates directory API tokens. It keeps the tokens it
// verified in memory (see tokenCache), so that a request of an identity
// provider costs no token read while nothing was revoked; the zero value
// is ready to use.
type Directories struct {
	Store roster.DirectoryAuth
	Now   func() time.Time // time.Now when nil
	Log   *slog.Logger     // slog.Default() when nil

	cache directoryTokenCache
}

// Authenticate returns the token of directory dirID whose secret is the
// given one, if it works now. The errors carry the reasons
// ReasonTokenMissing, ReasonTokenUnknown, ReasonTokenRevoked and
// ReasonTokenExpired, which the console explains to the admin.
func (a *Directories) Authenticate(ctx context.Context, dirID, secret string) (roster.Token, error) {
	if secret == "" {
		return roster.Token{}, roster.E(roster.ReasonTokenMissing, "send the directory's API token as Authorization: Bearer <token>")
	}
	prefix, ok := roster.ParseTokenSecret(secret)
	if !ok {
		return roster.Token{}, roster.E(roster.ReasonTokenMissing, "the bearer token is not a Roster API token; tokens start with %s", roster.TokenSecretPrefix)
	}
	// The generation is read before the token: a revocation that commits
	// after this read bumps it past gen, so what is cached below at gen
	// cannot outlive the revocation by more than the generation's age.
	gen, err := a.Store.AuthGeneration(ctx)
	if err != nil {
		return roster.Token{}, err
	}
	key := cacheKey{dir: dirID, hash: [32]byte(roster.HashTokenSecret(secret))}
	tok, ok := a.cache.get(key, gen)
	if ok && !tok.Matches(secret) { // constant time, as on a read from the store
		ok = false
	}
	if !ok {
		tokens, err := a.Store.ListTokensByPrefix(ctx, dirID, prefix)
		if err != nil {
			return roster.Token{}, err
		}
		i := slices.IndexFunc(tokens, func(t roster.Token) bool { return t.Matches(secret) })
		if i < 0 {
			// Not cached: unknown secrets are whatever a client makes up,
			// and the failed-authentication limit bounds their reads.
			return roster.Token{}, roster.E(roster.ReasonTokenUnknown, "the bearer token does not open this directory")
		}
		tok = tokens[i]
		a.cache.put(key, tok, gen)
	}
	now := clock(a.Now)
	switch tok.Status(now) {
	case roster.TokenRevoked:
		return roster.Token{}, roster.E(roster.ReasonTokenRevoked, "token %s was revoked on %s; ask the admin for a new one", tok.Prefix, tok.Revoked.Format(time.RFC3339))
	case roster.TokenExpired:
		return roster.Token{}, roster.E(roster.ReasonTokenExpired, "token %s expired on %s; ask the admin for a new one", tok.Prefix, tok.Expires.Format(time.RFC3339))
	}
	if now.Sub(tok.LastUsed) > TouchInterval {
		if err := a.Store.TouchToken(ctx, dirID, tok.ID, now); err != nil {
			logger(a.Log).WarnContext(ctx, "could not record token use", "token", tok.Prefix, "err", err)
		}
		// Remembered as touched whether or not the write worked: a
		// failing database is not written to on every request.
		tok.LastUsed = now
		a.cache.put(key, tok, gen)
	}
	return tok, nil
}

// AdminAuth is what checking admin credentials needs of the store.
// AuthGeneration is roster.DirectoryAuth's: revoking, spending or deleting
// an admin's tokens bumps it too.
type AdminAuth interface {
	AuthGeneration(ctx context.Context) (int64, error)
	ListAdminTokensByPrefix(ctx context.Context, orgID, prefix string) ([]roster.AdminToken, error)
	TouchAdminToken(ctx context.Context, orgID, tokenID string, at time.Time) error
	SpendAdminToken(ctx context.Context, orgID, tokenID string) (bool, error)
	GetAdmin(ctx context.Context, orgID, adminID string) (*roster.Admin, error)
}

// Admins authenticates admin tokens: API tokens, console sessions and
// sign-in links.
type Admins struct {
	Store AdminAuth
	Now   func() time.Time // time.Now when nil
	Log   *slog.Logger     // slog.Default() when nil

	// cache holds verified API tokens and console sessions, as
	// Directories.cache holds directory tokens; never sign-in links,
	// which are spent on first use. The admin is read on every request
	// still: a role change applies to the next one.
	cache adminTokenCache
}

// Authenticate returns the admin of organization orgID whose token of the
// given kind has this secret, and the token, if it works now. A token of
// another kind never matches: a console session does not open the API,
// nor an API token the console.
func (a *Admins) Authenticate(ctx context.Context, orgID, secret string, kind roster.AdminTokenKind) (*roster.Admin, roster.AdminToken, error) {
	gen, err := a.Store.AuthGeneration(ctx) // before the token is read: see Directories.Authenticate
	if err != nil {
		return nil, roster.AdminToken{}, err
	}
	key := cacheKey{dir: orgID, hash: [32]byte(roster.HashTokenSecret(secret))}
	tok, ok := a.cache.get(key, gen)
	if ok && (tok.Kind != kind || !tok.Matches(secret)) { // constant time, as from the store
		ok = false
	}
	if ok {
		if err := adminTokenStatus(tok, clock(a.Now)); err != nil {
			return nil, roster.AdminToken{}, err
		}
	} else {
		if tok, err = a.find(ctx, orgID, secret, kind); err != nil {
			return nil, roster.AdminToken{}, err
		}
		a.cache.put(key, tok, gen)
	}
	now := clock(a.Now)
	if now.Sub(tok.LastUsed) > TouchInterval {
		if err := a.Store.TouchAdminToken(ctx, orgID, tok.ID, now); err != nil {
			logger(a.Log).WarnContext(ctx, "could not record admin token use", "token", tok.Prefix, "err", err)
		}
		tok.LastUsed = now
		a.cache.put(key, tok, gen)
	}
	admin, err := a.Store.GetAdmin(ctx, orgID, tok.AdminID)
	if roster.ErrorCodeOf(err) == roster.ENotFound {
		return nil, roster.AdminToken{}, roster.E(roster.ReasonTokenUnknown, "the admin of this token no longer exists")
	}
	if err != nil {
		return nil, roster.AdminToken{}, err
	}
	return admin, tok, nil
}

// SpendSignInLink signs an admin in with a one-time link: it works once,
// even when used twice at once on two nodes.
func (a *Admins) SpendSignInLink(ctx context.Context, orgID, secret string) (*roster.Admin, error) {
	tok, err := a.find(ctx, orgID, secret, roster.AdminSignIn)
	if err != nil {
		return nil, errBadLink
	}
	spent, err := a.Store.SpendAdminToken(ctx, orgID, tok.ID)
	if err != nil {
		return nil, err
	}
	if !spent {
		return nil, errBadLink
	}
	return a.Store.GetAdmin(ctx, orgID, tok.AdminID)
}

var errBadLink = roster.E(roster.ReasonTokenUnknown, "this sign-in link does not work: it was used already, it expired (links last 24 hours) or it was replaced by a newer one; ask for a new one (roster admin signin-link)")

// find returns the usable token of a kind with this secret.
func (a *Admins) find(ctx context.Context, orgID, secret string, kind roster.AdminTokenKind) (roster.AdminToken, error) {
	if secret == "" {
		return roster.AdminToken{}, roster.E(roster.ReasonTokenMissing, "send an admin API token as Authorization: Bearer <token> (roster admin token create)")
	}
	prefix, ok := roster.ParseAdminTokenSecret(secret)
	if !ok {
		return roster.AdminToken{}, roster.E(roster.ReasonTokenMissing, "the bearer token is not a Roster admin token; they start with %s", roster.AdminSecretPrefix)
	}
	tokens, err := a.Store.ListAdminTokensByPrefix(ctx, orgID, prefix)
	if err != nil {
		return roster.AdminToken{}, err
	}
	tok, ok := roster.MatchAdminToken(tokens, secret, kind)
	if !ok {
		return roster.AdminToken{}, roster.E(roster.ReasonTokenUnknown, "the token does not open this organization")
	}
	if err := adminTokenStatus(tok, clock(a.Now)); err != nil {
		return roster.AdminToken{}, err
	}
	return tok, nil
}

// adminTokenStatus refuses a revoked or expired admin token.
func adminTokenStatus(tok roster.AdminToken, now time.Time) error {
	switch tok.Status(now) {
	case roster.TokenRevoked:
		return roster.E(roster.ReasonTokenRevoked, "admin token %s is revoked", tok.Prefix)
	case roster.TokenExpired:
		return roster.E(roster.ReasonTokenExpired, "admin token %s is expired", tok.Prefix)
	}
	return nil
}

func clock(now func() time.Time) time.Time {
	if now != nil {
		return now()
	}
	return time.Now()
}

func logger(l *slog.Logger) *slog.Logger {
	if l != nil {
		return l
	}
	return slog.Default()
}
