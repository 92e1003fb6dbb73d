package console

import (
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster"
)

func TestIdentityProvider(t *testing.T) {
	for ua, want := range map[string]string{
		"Okta SCIM Client 1.0.0":     "Okta",
		"Azure-SCIM-Client/1.0":      "Microsoft Entra ID",
		"Microsoft.AAD.Provisioning": "Microsoft Entra ID",
		"OneLogin SCIM":              "OneLogin",
		"JumpCloud-SCIM/2":           "JumpCloud",
		"Google-Workspace-Sync":      "Google Workspace",
		"curl/8.5.0":                 "Unknown client (curl/8.5.0)",
		"":                           "Unknown client (no User-Agent)",
	} {
		if got := IdentityProvider(ua); got != want {
			t.Errorf("IdentityProvider(%q) = %q, want %q", ua, got, want)
		}
	}
}

// TestExplain: each kind of failure Roster reports gets its own advice;
// successes get none. The advice goes by the reason key alone: the
// details here are worded unlike anything Roster writes, and the advice
// must not change.
func TestExplain(t *testing.T) {
	if Explain(roster.Request{Status: 201}) != nil {
		t.Error("a success was explained")
	}
	for _, c := range []struct {
		status int
		reason roster.Reason
		want   string
	}{
		{401, roster.ReasonTokenRevoked, "revoked"},
		{401, roster.ReasonTokenExpired, "expired"},
		{401, roster.ReasonTokenMissing, "without a Roster token"},
		{401, roster.ReasonTokenUnknown, "belongs to another directory"},
		{409, roster.ReasonDomainNotLinked, "linked to another directory"},
		{409, roster.ReasonUserNameTaken, "already exists"},
		{404, roster.ReasonNoEndpoint, "not a SCIM endpoint"},
		{404, "not_found", "Roster does not have"},
		{412, roster.ReasonVersionMismatch, "changed between"},
		{413, "too_large", "larger than Roster accepts"},
		{400, roster.ReasonTooMany, "larger than Roster accepts"},
		{429, roster.ReasonRateLimited, "more requests per second"},
		{400, roster.ReasonInvalidFilter, "filter"},
		{400, roster.ReasonInvalidValue, "does not accept"},
		{500, "internal", "failed to handle"},
	} {
		e := Explain(roster.Request{Status: c.status, Reason: c.reason, Error: "some wording Roster may change tomorrow"})
		if e == nil || !strings.Contains(e.What, c.want) || e.Do == "" {
			t.Errorf("Explain(%d %s) = %+v, want it to say %q and what to do", c.status, c.reason, e, c.want)
		}
	}
}

func TestThrottle(t *testing.T) {
	th := newThrottle()
	now := time.Now()
	for i := range maxFailures {
		if th.wait("k", now) != 0 {
			t.Fatalf("held back after %d failures", i)
		}
		th.fail("k", now.Add(time.Duration(i)*time.Minute))
	}
	at := now.Add(5 * time.Minute)
	if w := th.wait("k", at); w != 10*time.Minute {
		t.Errorf("wait after %d failures = %v, want 10m (until the first failure leaves the window)", maxFailures, w)
	}
	if th.wait("other", at) != 0 {
		t.Error("another key is held back")
	}
	if th.wait("k", now.Add(failureWindow)) != 0 {
		t.Error("still held back once the first failure left the window")
	}
	th.reset("k")
	if th.wait("k", at) != 0 || len(th.failures) != 0 {
		t.Error("reset kept the failures")
	}
}

func TestSafeNext(t *testing.T) {
	for next, want := range map[string]string{
		"/orgs/o1/users?q=a":   "/orgs/o1/users?q=a",
		"/orgs/o2/users":       "/orgs/o1/",
		"https://evil.test/":   "/orgs/o1/",
		"//evil.test/orgs/o1/": "/orgs/o1/",
		"/orgs/o1":             "/orgs/o1/",
		"":                     "/orgs/o1/",
		"javascript:alert(1)":  "/orgs/o1/",
	} {
		if got := safeNext("o1", next); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", next, got, want)
		}
	}
}

func TestPlural(t *testing.T) {
	for _, c := range []struct {
		n          int
		word, want string
	}{{1, "user", "1 user"}, {0, "user", "0 users"}, {2, "directory", "2 directories"}, {3, "day", "3 days"}, {1, "directory", "1 directory"}} {
		if got := plural(c.n, c.word); got != c.want {
			t.Errorf("plural(%d, %q) = %q, want %q", c.n, c.word, got, c.want)
		}
	}
}
