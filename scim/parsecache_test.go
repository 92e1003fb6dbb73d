package scim

import (
	"reflect"
	"testing"

	filter "github.com/scim2/filter-parser/v2"
)

var cacheSeeds = []string{
	`userName eq "a"`, `userName eq "a\"b"`, `userName eq ""`, `userName eq "x" and title eq "y"`,
	`emails[type eq "work" and value co "@x"]`, `not (a eq "1" or b pr)`, `x eq 12 and y eq "z"`,
	`userName eq "unterminated`, `a eq "]" and b[c eq "["]`, `members[value eq "1" or value eq "2"]`,
	`a eq true`, `a eq null`, `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "7"`,
}

// FuzzFilterShapeCache checks the cache against the library: for any text,
// the cached parse gives what a fresh parse gives, or fails when it fails.
func FuzzFilterShapeCache(f *testing.F) {
	for _, s := range cacheSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		for i := 0; i < 2; i++ { // the second time from the cache
			want, wantErr := filter.ParseFilterNumber([]byte(text))
			got, gotErr := parseFilterCached(text)
			if (wantErr == nil) != (gotErr == nil) {
				t.Fatalf("%q: library error %v, cached error %v", text, wantErr, gotErr)
			}
			if wantErr == nil && !reflect.DeepEqual(want, got) {
				t.Fatalf("%q: cached parse %v, library %v", text, got, want)
			}
			wantPath, wantErr := filter.ParsePathNumber([]byte(text))
			gotPath, gotErr := parsePathCached(text)
			if (wantErr == nil) != (gotErr == nil) {
				t.Fatalf("path %q: library error %v, cached error %v", text, wantErr, gotErr)
			}
			if wantErr == nil && !reflect.DeepEqual(wantPath, gotPath) {
				t.Fatalf("path %q: cached parse %v, library %v", text, gotPath, wantPath)
			}
		}
	})
}
