package roster

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"hash/crc32"
	"math/big"
	"strings"
	"time"
)

// Token is a directory's API credential as stored: never the secret itself,
// only its SHA-256 and a short public prefix that identifies it in lists and
// logs. A SHA-256 is the right hash here, unlike for passwords: the secret
// carries 256 random bits, so there is nothing to brute-force.
type Token struct {
	ID          string
	OrgID       string
	DirectoryID string
	Name        string
	Prefix      string // "roster_" and the first 8 characters of the secret
	Hash        []byte // SHA-256 of the whole secret
	Created     time.Time
	Expires     time.Time // zero: never
	Revoked     time.Time // zero: not revoked
	LastUsed    time.Time // zero: never used; updated at most once a minute
	// ReplacedBy is the ID of the token that a rotation put in this one's
	// place, "" when it was never rotated. A replaced token works until its
	// (shortened) expiry but cannot be rotated again.
	ReplacedBy string
}

// Retiring reports whether the token was rotated and still works at time
// now: it is in its grace period, ending at Expires.
func (t *Token) Retiring(now time.Time) bool {
	return t.ReplacedBy != "" && t.Status(now) == TokenActive
}

// TokenStatus is what a token can do now.
type TokenStatus string

// Token statuses.
const (
	TokenActive  TokenStatus = "active"
	TokenExpired TokenStatus = "expired"
	TokenRevoked TokenStatus = "revoked"
)

// Status reports whether the token opens its directory at time now.
func (t *Token) Status(now time.Time) TokenStatus { return status(t.Revoked, t.Expires, now) }

// status is the one rule of every credential's status: revoked beats
// expired; a zero expiry never comes.
func status(revoked, expires, now time.Time) TokenStatus {
	switch {
	case !revoked.IsZero():
		return TokenRevoked
	case !expires.IsZero() && !now.Before(expires):
		return TokenExpired
	}
	return TokenActive
}

// Token secrets look like "roster_" + 43 base62 characters (256 random bits)
// + 6 base62 characters of CRC32 checksum. The fixed prefix and the checksum
// let secret scanners find a leaked token with no false positives, and let
// Roster reject a mistyped token without touching the database.
const (
	TokenSecretPrefix = "roster_"
	tokenBodyLen      = 43
	tokenCheckLen     = 6
	tokenLookupLen    = 8
	base62            = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
)

// NewTokenSecret returns a fresh secret and the Token fields derived from it
// (Prefix and Hash). The caller fills in the rest and stores the Token; the
// secret is shown to the admin once and then forgotten.
func NewTokenSecret() (secret string, t Token) {
	secret = newSecret(TokenSecretPrefix)
	return secret, Token{Prefix: TokenPrefix(secret), Hash: HashTokenSecret(secret)}
}

// DefaultTokenLifetime is how long a new directory token works unless the
// admin chooses otherwise: a year, shown and warned about before it ends.
const DefaultTokenLifetime = 365 * 24 * time.Hour

// NewToken returns a fresh secret and its token, named name, expiring
// lifetime after now (never when lifetime is 0), to the second.
func NewToken(name string, lifetime time.Duration, now time.Time) (string, Token) {
	secret, t := NewTokenSecret()
	t.Name = name
	if lifetime > 0 {
		t.Expires = now.Add(lifetime).UTC().Truncate(time.Second)
	}
	return secret, t
}

// ParseTokenSecret checks a presented secret's shape and checksum and returns
// its lookup prefix. ok is false for anything that cannot be a Roster token.
func ParseTokenSecret(secret string) (prefix string, ok bool) {
	return parseSecret(secret, TokenSecretPrefix)
}

// parseSecret checks a secret of a kind and returns its lookup prefix.
func parseSecret(secret, kind string) (prefix string, ok bool) {
	if !validSecret(secret, kind) {
		return "", false
	}
	return lookupPrefix(secret, kind), true
}

// lookupPrefix is the public part of a secret of a kind: the kind and the
// first characters after it, enough to tell secrets apart in a list, far
// too little to guess the rest.
func lookupPrefix(secret, kind string) string { return secret[:len(kind)+tokenLookupLen] }

// newSecret returns kind prefix + 43 base62 characters of 256 random bits
// + 6 base62 characters of checksum: the shape of every Roster secret.
func newSecret(kind string) string {
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		panic("roster: crypto/rand failed: " + err.Error()) // never happens on a working OS
	}
	body := encodeBase62(new(big.Int).SetBytes(raw[:]), tokenBodyLen)
	return kind + body + tokenChecksum(body)
}

// validSecret reports whether secret has the shape newSecret(kind) gives,
// checksum included.
func validSecret(secret, kind string) bool {
	if len(secret) != len(kind)+tokenBodyLen+tokenCheckLen || !strings.HasPrefix(secret, kind) {
		return false
	}
	rest := secret[len(kind):]
	for i := 0; i < len(rest); i++ {
		if strings.IndexByte(base62, rest[i]) < 0 {
			return false
		}
	}
	body, check := rest[:tokenBodyLen], rest[tokenBodyLen:]
	return subtle.ConstantTimeCompare([]byte(tokenChecksum(body)), []byte(check)) == 1
}

// TokenPrefix is the public part of a directory token's secret.
func TokenPrefix(secret string) string { return lookupPrefix(secret, TokenSecretPrefix) }

// HashTokenSecret is the stored form of a secret.
func HashTokenSecret(secret string) []byte {
	sum := sha256.Sum256([]byte(secret))
	return sum[:]
}

// Matches reports in constant time whether secret is this token's secret.
func (t *Token) Matches(secret string) bool { return matches(secret, t.Hash) }

// matches compares a presented secret with a stored hash in constant time.
func matches(secret string, hash []byte) bool {
	return subtle.ConstantTimeCompare(HashTokenSecret(secret), hash) == 1
}

func tokenChecksum(body string) string {
	sum := crc32.ChecksumIEEE([]byte(body))
	return encodeBase62(new(big.Int).SetUint64(uint64(sum)), tokenCheckLen)
}

// encodeBase62 writes n in base62, left-padded with zeros to width.
func encodeBase62(n *big.Int, width int) string {
	out := make([]byte, width)
	base := big.NewInt(62)
	mod := new(big.Int)
	for i := width - 1; i >= 0; i-- {
		n.DivMod(n, base, mod)
		out[i] = base62[mod.Int64()]
	}
	return string(out)
}

// DirectoryAuth is what authenticating a directory's bearer token needs:
// the candidates for a presented secret, and a record of use.
type DirectoryAuth interface {
	// ListTokensByPrefix returns the directory's tokens whose public prefix is
	// prefix (almost always none or one), whatever their status: the caller
	// compares the secret and checks the status.
	ListTokensByPrefix(ctx context.Context, dirID, prefix string) ([]Token, error)
	// TouchToken records that the token was used at time at.
	TouchToken(ctx context.Context, dirID, tokenID string, at time.Time) error
	// AuthGeneration returns a number that grows with every change that
	// can make a token that worked stop working (a revocation, a rotation,
	// a directory deleted) and with every change of a directory's
	// settings (UpdateDirectory): a token verified, or a directory read,
	// at generation n may be trusted without reading it again while the
	// generation is still n.
	// The number may lag changes made through other stores (other nodes)
	// by up to AuthGenerationMaxAge, never those made through this one.
	AuthGeneration(ctx context.Context) (int64, error)
}

// AuthGenerationMaxAge bounds how long a node may go on trusting a token
// another node revoked: the longest a store answers AuthGeneration from
// memory. It is the bound of "instant" revocation across nodes; a tenth of
// a second costs each node ten indexed reads a second.
const AuthGenerationMaxAge = 100 * time.Millisecond

// TokenExpiry is what the expiry warnings need of the tokens.
type TokenExpiry interface {
	// CreateTokenExpiryEvents appends a directory.token_expiring event
	// (TokenExpiringData) for each token that is neither revoked nor
	// replaced by a rotation, expires after now and within days, and has
	// had no warning at that many days or fewer: once per token and
	// warning, whichever node asks. At most limit; it returns how many.
	CreateTokenExpiryEvents(ctx context.Context, now time.Time, days, limit int) (int, error)
}
