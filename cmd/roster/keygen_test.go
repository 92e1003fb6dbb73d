package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestKeyRotateAndRekey: `roster keygen rotate` puts a new key on top of
// the key file; `roster rekey` seals the webhook secrets again with it, so
// that the file can then hold the new key alone; a file without the key
// that sealed a secret makes rekey fail, and keygen refuses what it cannot
// do.
func TestKeyRotateAndRekey(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"ROSTER_DB": filepath.Join(dir, "roster.db")}
	key := filepath.Join(dir, "roster.key")
	rosterJSON(t, env, &struct{}{}, "keygen", "--out", key)
	oldLine, _ := os.ReadFile(key)
	orgID := createOrg(t, env, "Acme")
	for _, u := range []string{"http://127.0.0.1:1/a", "http://127.0.0.1:1/b"} {
		rosterJSON(t, env, &struct{}{}, "webhook", "create", "--org", orgID, "--url", u, "--secret-key-file", key, "--allow-private-targets")
	}

	var rotated struct{ Keys int }
	rosterJSON(t, env, &rotated, "keygen", "rotate", "--file", key)
	text, _ := os.ReadFile(key)
	lines := strings.Split(strings.TrimSpace(string(text)), "\n")
	if rotated.Keys != 2 || len(lines) != 2 || lines[1] != strings.TrimSpace(string(oldLine)) {
		t.Fatalf("after --rotate: %d keys, file %q", rotated.Keys, lines)
	}
	if fi, _ := os.Stat(key); fi.Mode().Perm() != 0o600 {
		t.Errorf("the rotated key file has mode %v", fi.Mode().Perm())
	}
	var res struct{ Webhooks, Connectors int }
	rosterJSON(t, env, &res, "rekey", "--secret-key-file", key)
	if res.Webhooks != 2 {
		t.Errorf("rekey sealed %d webhooks again, want 2", res.Webhooks)
	}
	rosterJSON(t, env, &res, "rekey", "--secret-key-file", key)
	if res.Webhooks != 0 {
		t.Errorf("a second rekey sealed %d again, want 0", res.Webhooks)
	}
	// The new key alone opens everything now; the old one alone nothing.
	newOnly, oldOnly := filepath.Join(dir, "new.key"), filepath.Join(dir, "old.key")
	os.WriteFile(newOnly, []byte(lines[0]+"\n"), 0o600)
	os.WriteFile(oldOnly, oldLine, 0o600)
	rosterJSON(t, env, &res, "rekey", "--secret-key-file", newOnly)
	if _, errOut, code := runCLI(t, env, "rekey", "--secret-key-file", oldOnly); code == 0 || !strings.Contains(errOut, "not in the key file") {
		t.Errorf("rekey with only the retired key: exit %d, %q", code, errOut)
	}

	bad := filepath.Join(dir, "bad.key")
	os.WriteFile(bad, []byte("not a key\n"), 0o600)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"keygen", "--out", key}, "keygen rotate"},
		{[]string{"keygen", "rotate", "--file", filepath.Join(dir, "missing.key")}, "no such file"},
		{[]string{"keygen", "rotate", "--file", bad}, "base64 of 32 bytes"},
	} {
		if _, errOut, code := runCLI(t, env, c.args...); code == 0 || !strings.Contains(errOut, c.want) {
			t.Errorf("roster %s: exit %d, %q; want an error saying %q", strings.Join(c.args, " "), code, errOut, c.want)
		}
	}
}
