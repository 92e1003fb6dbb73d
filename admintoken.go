package roster

import (
	"time"
)

// Admin token secrets have the shape of directory token secrets with their
// own prefix: "rosteradm_" + 43 base62 characters (256 random bits) + 6
// base62 characters of CRC32 checksum. The distinct prefix keeps the two
// kinds apart everywhere: a directory token is never taken for an admin
// token nor the other way round, and a secret scanner tells which kind
// leaked.
const AdminSecretPrefix = "rosteradm_"

// AdminSignInLifetime is how long a one-time sign-in link works.
const AdminSignInLifetime = 24 * time.Hour

// NewAdminTokenSecret returns a fresh admin secret and the AdminToken
// fields derived from it (Prefix and Hash). The caller fills in OrgID,
// AdminID, Kind, Name and Expires and stores the token; the secret is given
// to the admin once and then forgotten.
func NewAdminTokenSecret() (secret string, t AdminToken) {
	secret = newSecret(AdminSecretPrefix)
	return secret, AdminToken{Prefix: AdminTokenPrefix(secret), Hash: HashTokenSecret(secret)}
}

// NewSignInLink returns the secret and token of a fresh one-time sign-in
// link for admin, working for AdminSignInLifetime from now.
func NewSignInLink(admin *Admin, now time.Time) (string, AdminToken) {
	secret, t := NewAdminTokenSecret()
	t.OrgID, t.AdminID, t.Kind, t.Name = admin.OrgID, admin.ID, AdminSignIn, "sign-in link"
	t.Expires = now.Add(AdminSignInLifetime).UTC().Truncate(time.Second)
	return secret, t
}

// ParseAdminTokenSecret checks a presented admin secret's shape and
// checksum and returns its lookup prefix, for Store.ListAdminTokensByPrefix.
// ok is false for anything that cannot be an admin token, directory tokens
// included.
func ParseAdminTokenSecret(secret string) (prefix string, ok bool) {
	return parseSecret(secret, AdminSecretPrefix)
}

// AdminTokenPrefix is the public part of an admin secret: "rosteradm_" and
// the first 8 characters after it. secret must have passed
// ParseAdminTokenSecret or come from NewAdminTokenSecret.
func AdminTokenPrefix(secret string) string { return lookupPrefix(secret, AdminSecretPrefix) }

// Matches reports in constant time whether secret is this token's secret.
func (t *AdminToken) Matches(secret string) bool { return matches(secret, t.Hash) }

// Status reports whether the token can be used at time now. A spent
// sign-in link is revoked.
func (t *AdminToken) Status(now time.Time) TokenStatus { return status(t.Revoked, t.Expires, now) }

// MatchAdminToken picks, among the tokens Store.ListAdminTokensByPrefix
// returned for secret, the one of the given kind whose secret it is. A
// token of another kind never matches: a console session does not open
// the API, nor an API token the console.
func MatchAdminToken(tokens []AdminToken, secret string, kind AdminTokenKind) (AdminToken, bool) {
	for _, t := range tokens {
		if t.Kind == kind && t.Matches(secret) {
			return t, true
		}
	}
	return AdminToken{}, false
}
