// Package urls builds the public URLs Roster hands out: a directory's SCIM
// base URL (what an admin pastes into the identity provider), an admin's
// one-time sign-in link, the first-run setup link and the admin API's root.
// The HTTP surfaces serve these paths and the CLI prints them, so both build
// them here: a route that moves, moves for everyone. Every builder takes the
// public URL Roster is reached at (--base-url) and tolerates a trailing
// slash on it.
//
// It owns no routing and depends on nothing of Roster's, so that any
// package, the CLI included, may import it.
package urls

import (
	"net/url"
	"strings"
)

// DirectoriesPrefix is the path under which directories' SCIM APIs live;
// a directory's base URL is it followed by the directory's ID.
const DirectoriesPrefix = "/scim/v2/directories/"

// AdminAPIPrefix is the path under which the admin API lives.
const AdminAPIPrefix = "/api/v1/"

// DirectoryBase is the SCIM base URL of a directory: the identity
// provider's Tenant URL (Entra ID) or SCIM connector base URL (Okta).
func DirectoryBase(publicURL, dirID string) string {
	return trim(publicURL) + DirectoriesPrefix + dirID
}

// SignIn is where an admin spends a one-time sign-in link. The
// organization is in the path because admin tokens are looked up per
// organization.
func SignIn(publicURL, orgID, secret string) string {
	return trim(publicURL) + "/orgs/" + url.PathEscape(orgID) + "/signin/" + url.PathEscape(secret)
}

// Setup is the one-time page that creates the first organization and its
// admin, opened with the token `serve` prints on a database without one.
func Setup(publicURL, token string) string {
	return trim(publicURL) + "/setup/" + url.PathEscape(token)
}

// Console is the console's front page.
func Console(publicURL string) string { return trim(publicURL) + "/" }

// AdminAPI is the root of the admin API that admin API tokens open.
func AdminAPI(publicURL string) string {
	return trim(publicURL) + strings.TrimSuffix(AdminAPIPrefix, "/")
}

func trim(publicURL string) string { return strings.TrimRight(publicURL, "/") }
