package main

import (
	"path/filepath"
	"strings"
	"testing"
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
