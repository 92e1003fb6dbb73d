package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster"
)

// TestDirectoryUpdateStrict: `roster directory update --strict` turns a
// directory's strict mode on and off, and the list shows it.
func TestDirectoryUpdateStrict(t *testing.T) {
	env := map[string]string{"ROSTER_DB": filepath.Join(t.TempDir(), "roster.db")}
	orgID := createOrg(t, env, "Acme")
	var d struct {
		ID     string
		Strict bool
	}
	rosterJSON(t, env, &d, "directory", "create", "--org", orgID, "--name", "Entra ID")
	if d.Strict {
		t.Fatal("a new directory is strict")
	}
	rosterJSON(t, env, &d, "directory", "update", "--directory", d.ID, "--strict=true")
	if !d.Strict {
		t.Fatalf("after --strict=true: %+v", d)
	}
	var list []struct{ Strict bool }
	rosterJSON(t, env, &list, "directory", "list", "--org", orgID)
	if len(list) != 1 || !list[0].Strict {
		t.Errorf("directory list = %+v, want it strict", list)
	}
	out, _, code := runCLI(t, env, "directory", "update", "--directory", d.ID, "--strict=false")
	if code != 0 || !strings.Contains(out, "lenient") {
		t.Errorf("--strict=false: exit %d, %q", code, out)
	}
	if _, errOut, code := runCLI(t, env, "directory", "update", "--directory", d.ID, "--strict=maybe"); code == 0 || !strings.Contains(errOut, "true or false") {
		t.Errorf("--strict=maybe: exit %d, %q", code, errOut)
	}
	if _, _, code := runCLI(t, env, "directory", "update", "--directory", "no-such", "--strict=true"); code == 0 {
		t.Error("an unknown directory: exit 0")
	}
}

// TestDirectoryDeleteFromCLI: `roster directory delete` against the
// database a server uses deletes the directory only with its name in
// --confirm, and the server's SCIM endpoint for it is gone at once; the
// change feed has each user's deletion.
func TestDirectoryDeleteFromCLI(t *testing.T) {
	fx := serveDirectory(t, "Okta")
	if status, _ := fx.scim.do("POST", "/Users", `{"userName":"ann@acme.test"}`); status != 201 {
		t.Fatal("create ann")
	}
	if _, errOut, code := runCLI(t, fx.env, "directory", "delete", "--directory", fx.dir.ID, "--confirm", "okta"); code == 0 || !strings.Contains(errOut, "nothing was deleted") {
		t.Errorf("--confirm okta: exit %d, %q", code, errOut)
	}
	var d struct {
		Deleted       bool
		Users, Groups int
	}
	rosterJSON(t, fx.env, &d, "directory", "delete", "--directory", fx.dir.ID, "--confirm", "Okta")
	if !d.Deleted || d.Users != 1 || d.Groups != 0 {
		t.Errorf("directory delete = %+v", d)
	}
	// A write finds no directory at once; the token itself is refused
	// within the bound other nodes take (the CLI is one:
	// roster.AuthGenerationMaxAge).
	if status, _ := fx.scim.do("POST", "/Users", `{"userName":"bob@acme.test"}`); status == 201 {
		t.Error("the deleted directory still creates users")
	}
	deadline := time.Now().Add(roster.AuthGenerationMaxAge + 2*time.Second)
	status := 0
	for time.Now().Before(deadline) {
		if status, _ = fx.scim.do("GET", "/Users", ""); status == 401 || status == 404 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if status != 401 && status != 404 {
		t.Errorf("the deleted directory's SCIM endpoint still answers %d", status)
	}
	var page struct{ Events []struct{ Type string } }
	rosterJSON(t, fx.env, &page, "events", "list", "--org", fx.org, "--types", "user.deleted,directory.*")
	var types []string
	for _, e := range page.Events {
		types = append(types, e.Type)
	}
	if strings.Join(types, ",") != "directory.created,user.deleted,directory.deleted" {
		t.Errorf("events = %v, want the user's deletion before the directory's", types)
	}
	if _, _, code := runCLI(t, fx.env, "directory", "delete", "--directory", fx.dir.ID, "--confirm", "Okta"); code == 0 {
		t.Error("deleting it again: exit 0")
	}
}
