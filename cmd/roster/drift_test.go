package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/storage/sqlite"
)

// TestTokenRulesFromTheCommandLine: the command line rotates by the same
// rules as the console and the admin API (the tokens use case): the new
// token keeps the old one's lifetime, a retiring token cannot be rotated
// again, and the grace period is capped at 30 days.
func TestTokenRulesFromTheCommandLine(t *testing.T) {
	env := map[string]string{"ROSTER_DB": filepath.Join(t.TempDir(), "roster.db")}
	orgID := createOrg(t, env, "Acme")
	var dir struct{ ID, TokenID string }
	rosterJSON(t, env, &dir, "directory", "create", "--org", orgID, "--name", "Okta", "--expires", "90d")

	if _, errOut, code := runCLI(t, env, "token", "rotate", "--directory", dir.ID, "--grace", "31d"); code == 0 || !strings.Contains(errOut, "30 days") {
		t.Errorf("a 31-day grace: exit %d %q", code, errOut)
	}
	var rotated struct {
		ID, Expires string
		Replaced    struct{ ID string }
	}
	rosterJSON(t, env, &rotated, "token", "rotate", "--directory", dir.ID, "--token", dir.TokenID, "--grace", "1h")
	expires, err := time.Parse(time.RFC3339, rotated.Expires)
	if err != nil {
		t.Fatal(err)
	}
	if left := time.Until(expires); left < 89*24*time.Hour || left > 90*24*time.Hour {
		t.Errorf("the successor of a 90-day token expires in %v, want 90 days (it was a year before the use case)", left)
	}
	if _, errOut, code := runCLI(t, env, "token", "rotate", "--directory", dir.ID, "--token", dir.TokenID); code == 0 || !strings.Contains(errOut, "rotated already") {
		t.Errorf("rotating the retiring token again: exit %d %q, want a refusal", code, errOut)
	}
	// Without --token the only token meant is the successor, not the retiring one.
	var again struct{ Replaced struct{ ID string } }
	rosterJSON(t, env, &again, "token", "rotate", "--directory", dir.ID, "--grace", "0")
	if again.Replaced.ID != rotated.ID {
		t.Errorf("rotate without --token replaced %s, want the successor %s", again.Replaced.ID, rotated.ID)
	}
}

// TestPasswordFromTheCommandLineEndsSessions: a password set with the
// command line ends the admin's console sessions (the admins use case,
// the console's rule too).
func TestPasswordFromTheCommandLineEndsSessions(t *testing.T) {
	db := filepath.Join(t.TempDir(), "roster.db")
	env := map[string]string{"ROSTER_DB": db}
	orgID := createOrg(t, env, "Acme")
	rosterJSON(t, env, &struct{}{}, "admin", "create", "--org", orgID, "--email", "ann@acme.test")

	ctx := context.Background()
	st, err := sqlite.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	a, err := st.GetAdminByEmail(ctx, orgID, "ann@acme.test")
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		_, tok := roster.NewAdminTokenSecret()
		tok.OrgID, tok.AdminID, tok.Kind, tok.Name = orgID, a.ID, roster.AdminSession, "session"
		tok.Expires = time.Now().Add(time.Hour)
		if err := st.CreateAdminToken(ctx, &tok); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()

	withStdin(t, "a long enough passphrase\n")
	var set struct{ SessionsEnded int }
	rosterJSON(t, env, &set, "admin", "password", "--org", orgID, "--email", "ann@acme.test")
	if set.SessionsEnded != 2 {
		t.Errorf("admin password ended %d sessions, want 2", set.SessionsEnded)
	}
}
