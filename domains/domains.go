// Package domains verifies that an organization controls an internet domain,
// for Roster's "verified domains / managed accounts" feature.
//
// Claiming a domain lets an organization treat every account whose email ends
// in that domain as its own: it may take over, suspend or deprovision them.
// Typing a domain name into a form proves nothing, so before a claim takes
// effect the organization must show control of the domain by publishing a
// public, random token (NewToken) where only the domain's owner can write:
//
//   - DNS: a TXT record on the domain itself (the apex, e.g. acme.com) whose
//     value is TXTValue(token). This proves control of the zone, the strongest
//     form of ownership, but DNS is often run by another team or a registrar
//     whose console the administrator cannot reach.
//   - HTTPS: a file at https://<domain>/.well-known/roster-verification.txt
//     containing the token. This proves control of the web server answering
//     for the bare domain over a certificate a public CA issued for it, and is
//     often the only thing a small organization can change quickly.
//
// Either proof is accepted; Check tries DNS then HTTPS and, when both fail,
// says why for each so that the administrator knows what to fix. Plain HTTP
// is never tried and redirects to other hosts are refused: neither would prove
// control of the domain itself.
//
// Public mail domains (gmail.com, outlook.com, ...) can be verified by nobody
// who should own every account in them; IsPublicMailDomain lets callers refuse
// them before asking for a proof.
//
// Every error this package returns is a *roster.Error with code
// roster.EInvalid and a detail written for the administrator.
//
// It is also the use case for domains that the console, the admin API and
// the command line call; it may depend on the root package and on
// github.com/miekg/dns, never on storage or HTTP surfaces.
package domains

import (
	"crypto/rand"
	"encoding/base32"
	"net"
	"strings"

	"github.com/rosterhq/roster"
)

// WellKnownPath is where the HTTPS method looks for the token.
const WellKnownPath = "/.well-known/roster-verification.txt"

// txtPrefix starts the value of the TXT record that proves a domain.
const txtPrefix = "roster-verification="

// TXTValue returns the value of the TXT record that proves control of a domain
// for token; the HTTPS file may hold it too, or the bare token.
func TXTValue(token string) string {
	return txtPrefix + token
}

// tokenEncoding is lower-case base32 without padding: letters and digits only,
// so a token fits a DNS TXT record, a file and a URL without quoting.
var tokenEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// TokenLen is the length of a token made by NewToken.
const TokenLen = 39 // 24 bytes, 192 bits, in base32

// NewToken returns a new random verification token: 24 random bytes in
// lower-case base32 without padding (39 characters of [a-z2-7]). The token is
// public, it is what the organization publishes; it only has to be
// unguessable so that nobody can publish it in advance.
func NewToken() string {
	var b [24]byte
	rand.Read(b[:]) // never fails, see crypto/rand.Read
	return tokenEncoding.EncodeToString(b[:])
}

// HTTPSURL is where the HTTPS method fetches a domain's token.
func HTTPSURL(domain string) string {
	return "https://" + domain + WellKnownPath
}

// New returns the domain an organization claims, ready for
// Store.CreateDomain: normalized, with a fresh token, linked to directory
// dirID when it is not "". A public mail provider's domain is refused: its
// addresses belong to their owners, not to an organization.
func New(orgID, name, dirID string) (*roster.Domain, error) {
	name, err := Normalize(name)
	if err != nil {
		return nil, err
	}
	if IsPublicMailDomain(name) {
		return nil, errorf("%s is a public mail provider's domain: its addresses belong to their owners, not to an organization", name)
	}
	return &roster.Domain{OrgID: orgID, Name: name, Token: NewToken(), DirectoryID: dirID}, nil
}

// errorf returns the one kind of error this package returns.
func errorf(format string, args ...any) *roster.Error {
	return roster.Errorf(roster.EInvalid, "", format, args...)
}

// Normalize returns domain as Roster stores it: trimmed, lower-cased, without
// a trailing dot. It refuses anything but a DNS host name of at least two
// labels, each of 1 to 63 characters from [a-z0-9-] that neither start nor end
// with '-', 253 characters in all; it also refuses IP addresses, "localhost"
// and names under it. Internationalized names must be given in their ASCII
// (punycode, "xn--") form.
func Normalize(domain string) (string, error) {
	d := strings.ToLower(strings.TrimSpace(domain))
	d = strings.TrimSuffix(d, ".")
	if d == "" {
		return "", errorf("a domain is required, e.g. acme.com")
	}
	for i := 0; i < len(d); i++ {
		if d[i] >= 0x80 {
			return "", errorf("%q is not an ASCII domain name; enter an internationalized domain in its punycode form (it starts with \"xn--\")", domain)
		}
	}
	if strings.Contains(d, "://") || strings.ContainsAny(d, "/?#") {
		return "", errorf("%q is not a domain name; enter only the domain, without scheme or path, e.g. acme.com", domain)
	}
	if strings.Contains(d, "@") {
		return "", errorf("%q is not a domain name; enter only what follows the @ of an address, e.g. acme.com", domain)
	}
	if ip := net.ParseIP(strings.Trim(d, "[]")); ip != nil {
		return "", errorf("%q is an IP address; only a domain name can be verified", domain)
	}
	if d == "localhost" || strings.HasSuffix(d, ".localhost") {
		return "", errorf("%q is a local name; only an internet domain can be verified", domain)
	}
	if len(d) > 253 {
		return "", errorf("%q is too long for a domain name: %d characters, at most 253", domain, len(d))
	}
	labels := strings.Split(d, ".")
	if len(labels) < 2 {
		return "", errorf("%q is not a full domain name; it needs at least two labels, e.g. acme.com", domain)
	}
	for _, l := range labels {
		if err := checkLabel(domain, l); err != nil {
			return "", err
		}
	}
	if isDigits(labels[len(labels)-1]) {
		return "", errorf("%q is not a domain name: its last label %q is a number", domain, labels[len(labels)-1])
	}
	return d, nil
}

func checkLabel(domain, l string) error {
	switch {
	case l == "":
		return errorf("%q is not a domain name: it has an empty label (two dots in a row, or a leading dot)", domain)
	case len(l) > 63:
		return errorf("%q is not a domain name: the label %q is longer than 63 characters", domain, l)
	case l[0] == '-' || l[len(l)-1] == '-':
		return errorf("%q is not a domain name: the label %q starts or ends with '-'", domain, l)
	}
	for i := 0; i < len(l); i++ {
		c := l[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return errorf("%q is not a domain name: %q is not allowed in a domain; use letters, digits, '-' and '.'", domain, string(c))
		}
	}
	return nil
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
