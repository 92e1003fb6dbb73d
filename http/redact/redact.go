// Package redact removes secrets from request URLs before anything records
// them: the process log's request lines, the internal-error lines, the
// request log admins read. Every recorder calls it, so that one list says
// which parts of a URL are secret. It depends on nothing of Roster's.
package redact

import (
	"net/url"
	"strings"
)

// Mask replaces a secret.
const Mask = "REDACTED"

// secretAfter lists the path segments whose next segment is a secret: the
// console's sign-in links (/orgs/{org}/signin/{secret}, and any later
// /signin/{secret}) and its first-run page (/setup/{token}).
var secretAfter = map[string]bool{"signin": true, "setup": true}

// Path returns p with every secret-bearing segment replaced by Mask.
func Path(p string) string {
	if !strings.Contains(p, "/signin/") && !strings.Contains(p, "/setup/") {
		return p // the common case allocates nothing
	}
	segs := strings.Split(p, "/")
	for i := 1; i < len(segs); i++ {
		// Exact case, as the router matches: /SignIn/x reaches no sign-in.
		if secretAfter[segs[i-1]] && segs[i] != "" {
			segs[i] = Mask
		}
	}
	return strings.Join(segs, "/")
}

// credentialKeys are query parameters that carry credentials by convention
// (OAuth's access_token and code, API keys, passwords). Roster reads
// credentials from headers and forms only, but clients put tokens in URLs
// anyway, and what they send must not become readable by whoever reads
// logs.
var credentialKeys = map[string]bool{
	"access_token": true, "token": true, "api_key": true, "apikey": true, "code": true,
	"password": true, "secret": true,
}

// credentialKey reports whether a query parameter's name is credential-like:
// one of credentialKeys, or a name that says token, secret or password
// (id_token, client_secret, new_password). SCIM's own parameters (filter,
// attributes, startIndex, count, cursor, sortBy, ...) never match.
func credentialKey(k string) bool {
	k = strings.ToLower(k)
	if credentialKeys[k] {
		return true
	}
	for _, w := range []string{"token", "secret", "password", "passwd", "apikey", "api_key"} {
		if strings.Contains(k, w) {
			return true
		}
	}
	return false
}

// Query returns a raw (still escaped) query string with the values of
// credential-like parameters replaced by Mask. It is written by hand
// rather than with url.ParseQuery and Values.Encode: those drop what they
// cannot parse and reorder the parameters, and a log must show the query
// as it came, minus the secrets.
func Query(raw string) string {
	if raw == "" {
		return raw
	}
	parts := strings.Split(raw, "&")
	changed := false
	for i, part := range parts {
		k, _, hasValue := strings.Cut(part, "=")
		name, err := url.QueryUnescape(k)
		if err != nil {
			name = k
		}
		if credentialKey(name) && hasValue {
			parts[i] = k + "=" + Mask
			changed = true
		}
	}
	if !changed {
		return raw
	}
	return strings.Join(parts, "&")
}

// URL is the path and query of u as recorders may keep them: Path(u.Path),
// and the query through Query.
func URL(u *url.URL) string {
	s := Path(u.Path)
	if u.RawQuery != "" {
		s += "?" + Query(u.RawQuery)
	}
	return s
}
