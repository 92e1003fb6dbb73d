package roster_test

import (
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster"
)

func TestAdminTokenSecret(t *testing.T) {
	secret, tok := roster.NewAdminTokenSecret()
	if !strings.HasPrefix(secret, "rosteradm_") || len(secret) != len("rosteradm_")+43+6 {
		t.Fatalf("secret %q: want rosteradm_ + 49 characters", secret)
	}
	for _, r := range secret[len("rosteradm_"):] {
		if !strings.ContainsRune("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", r) {
			t.Fatalf("secret %q holds %q, not base62", secret, r)
		}
	}
	prefix, ok := roster.ParseAdminTokenSecret(secret)
	if !ok || prefix != secret[:18] || tok.Prefix != prefix || roster.AdminTokenPrefix(secret) != prefix {
		t.Errorf("ParseAdminTokenSecret = %q, %v; token prefix %q; want %q", prefix, ok, tok.Prefix, secret[:18])
	}
	changed := secret[:len(secret)-1] + "x"
	if strings.HasSuffix(secret, "x") {
		changed = secret[:len(secret)-1] + "y"
	}
	if !tok.Matches(secret) || tok.Matches(changed) || string(tok.Hash) == secret || len(tok.Hash) != 32 {
		t.Errorf("the token's hash does not match its secret alone")
	}
	other, _ := roster.NewAdminTokenSecret()
	if other == secret || tok.Matches(other) {
		t.Error("two secrets are equal or match one token")
	}
}

func TestAdminTokenSecretRefused(t *testing.T) {
	secret, _ := roster.NewAdminTokenSecret()
	dirSecret, _ := roster.NewTokenSecret()
	flip := func(s string, i int) string {
		b := []byte(s)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}
	for name, s := range map[string]string{
		"bad checksum":          flip(secret, len(secret)-1),
		"changed body":          flip(secret, 20),
		"a directory token":     dirSecret,
		"directory prefix":      "roster_" + secret[len("rosteradm_"):],
		"too short":             secret[:len(secret)-1],
		"too long":              secret + "0",
		"not base62":            secret[:30] + "-" + secret[31:],
		"empty":                 "",
		"the prefix alone":      "rosteradm_",
		"upper-case kind":       "ROSTERADM_" + secret[len("rosteradm_"):],
		"with a trailing space": secret + " ",
	} {
		if prefix, ok := roster.ParseAdminTokenSecret(s); ok || prefix != "" {
			t.Errorf("%s: ParseAdminTokenSecret(%q) = %q, true; want it refused", name, s, prefix)
		}
	}
	// And the other way round: an admin secret is no directory token,
	// while directory tokens parse as before.
	if _, ok := roster.ParseTokenSecret(secret); ok {
		t.Errorf("ParseTokenSecret accepts the admin secret %q", secret)
	}
	if prefix, ok := roster.ParseTokenSecret(dirSecret); !ok || prefix != dirSecret[:15] || len(dirSecret) != len("roster_")+49 {
		t.Errorf("ParseTokenSecret(%q) = %q, %v; want its 15-character prefix", dirSecret, prefix, ok)
	}
	if _, ok := roster.ParseTokenSecret(flip(dirSecret, len(dirSecret)-2)); ok {
		t.Error("ParseTokenSecret accepts a directory token with a bad checksum")
	}
}

func TestAdminTokenStatus(t *testing.T) {
	now := time.Now()
	for _, tc := range []struct {
		tok  roster.AdminToken
		want roster.TokenStatus
	}{
		{roster.AdminToken{}, roster.TokenActive},
		{roster.AdminToken{Expires: now.Add(time.Minute)}, roster.TokenActive},
		{roster.AdminToken{Expires: now}, roster.TokenExpired},
		{roster.AdminToken{Expires: now.Add(-time.Minute)}, roster.TokenExpired},
		{roster.AdminToken{Revoked: now.Add(-time.Minute)}, roster.TokenRevoked},
		{roster.AdminToken{Revoked: now.Add(-time.Minute), Expires: now.Add(-time.Hour)}, roster.TokenRevoked},
	} {
		if got := tc.tok.Status(now); got != tc.want {
			t.Errorf("Status of %+v = %s, want %s", tc.tok, got, tc.want)
		}
	}
}
