package scim

import (
	"go/build"
	"strings"
	"testing"
)

// TestImports holds package scim to what its doc comment promises: the
// standard library minus I/O, the root package and the filter grammar.
func TestImports(t *testing.T) {
	pkg, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	allowed := map[string]bool{
		"github.com/rosterhq/roster":        true,
		"github.com/scim2/filter-parser/v2": true,
	}
	io := []string{"net/http", "database/sql", "os", "os/exec", "net"}
	for _, imp := range pkg.Imports {
		first, _, _ := strings.Cut(imp, "/")
		if strings.Contains(first, ".") && !allowed[imp] {
			t.Errorf("package scim imports %s; it may depend on the root package and filter-parser only", imp)
		}
		for _, bad := range io {
			if imp == bad {
				t.Errorf("package scim imports %s: it does no I/O", imp)
			}
		}
	}
	if len(pkg.Imports) == 0 {
		t.Fatal("no imports read: the test checks nothing")
	}
}
