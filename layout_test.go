package roster_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestLayout holds the house's dependency rules, so that a shortcut that
// breaks them fails here rather than in review: the domain imports nothing
// of Roster's; use cases import no storage and no HTTP; the HTTP surfaces
// import no storage backend; the command line reaches the console and the
// admin API only through http/server.
func TestLayout(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	const mod = "github.com/rosterhq/roster"
	imports := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		pkg := strings.TrimPrefix(strings.TrimPrefix(f[0], mod), "/")
		for _, imp := range f[1:] {
			if imp == mod || strings.HasPrefix(imp, mod+"/") {
				imports[pkg] = append(imports[pkg], strings.TrimPrefix(strings.TrimPrefix(imp, mod), "/"))
			}
		}
	}
	if len(imports) == 0 {
		t.Fatal("go list found no imports between Roster's packages")
	}
	useCases := []string{"tokens", "directories", "admins", "access", "groups", "users", "auth", "domains", "deletions", "webhooks", "feed", "connectors"}
	surfaces := []string{"http/console", "http/adminapi", "http/scimapi"}
	rules := []struct {
		pkgs      []string
		forbidden []string // prefixes
	}{
		{[]string{""}, []string{""}}, // the root imports nothing of Roster's
		{useCases, []string{"storage", "http", "cmd", "scim"}},
		{surfaces, []string{"storage", "cmd"}},
		{[]string{"scim"}, []string{"storage", "http", "cmd", "tokens", "auth"}},
		{[]string{"check"}, []string{"storage", "http", "cmd"}}, // an identity provider's side of SCIM: HTTP only
		{[]string{"cmd/roster"}, []string{"http/console", "http/adminapi"}},
	}
	for _, r := range rules {
		for _, pkg := range r.pkgs {
			for _, imp := range imports[pkg] {
				for _, bad := range r.forbidden {
					if (bad == "" && pkg == "") || (bad != "" && (imp == bad || strings.HasPrefix(imp, bad+"/"))) {
						t.Errorf("%q imports %q, which the layout forbids", "roster/"+pkg, imp)
					}
				}
			}
		}
	}
	for _, s := range surfaces {
		if len(imports[s]) == 0 {
			t.Errorf("found no imports of %s: is the package list right?", s)
		}
	}
}
