package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestPasswordChangeEndsOtherSessions: changing the password in the
// console signs the admin out everywhere else (a session on a lost laptop
// dies with the old password) and keeps the session the change was made
// from. The command line has its own test of the same use case.
func TestPasswordChangeEndsOtherSessions(t *testing.T) {
	f := newFixture(t)
	here, laptop := f.browser(), f.browser()
	csrf := here.signIn()
	laptop.signIn()
	if p := laptop.get(f.path("users")); p.status != http.StatusOK {
		t.Fatalf("the second session does not work: %d", p.status)
	}
	next := "a brand new long passphrase"
	p := here.post(f.path("password"), url.Values{"csrf": {csrf}, "current": {adminPassword}, "password": {next}, "confirm": {next}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("password change: %d\n%s", p.status, p.body)
	}
	if p := here.get(f.path("users")); p.status != http.StatusOK {
		t.Errorf("the session that changed the password was signed out: %d", p.status)
	}
	if p := laptop.get(f.path("users")); p.status == http.StatusOK {
		t.Error("the other session still works after the password changed")
	}
}

// TestConsoleRotationIsSingleUse: a token the console rotated is shown as
// retiring and cannot be rotated again from the console.
func TestConsoleRotationIsSingleUse(t *testing.T) {
	f := newFixture(t)
	b := f.browser()
	csrf := b.signIn()
	dir, tok, _ := f.addDirectory(f.org.ID, "Okta")
	rotate := f.path("directories", dir.ID, "tokens", tok.ID, "rotate")
	if p, _ := b.postSeeOther(rotate, url.Values{"csrf": {csrf}, "grace": {"24h"}}); p.status != http.StatusOK || !strings.Contains(p.body, "roster_") {
		t.Fatalf("first rotation: %d\n%s", p.status, p.body)
	}
	p := b.post(rotate, url.Values{"csrf": {csrf}, "grace": {"24h"}})
	if p.status != http.StatusConflict || !strings.Contains(p.body, "rotated already") {
		t.Errorf("second rotation of the same token: %d, want 409 saying it was rotated already\n%s", p.status, p.body)
	}
}
