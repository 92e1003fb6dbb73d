package conformance

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/scim"
)

// testUserNameKeys: userNames are one name when their roster.NameKey is,
// whatever the Unicode spelling; names with invisible characters are
// refused; a lookup by userName eq finds the user in any spelling.
func testUserNameKeys(t *testing.T, s roster.Store) {
	f := newFixture(t, s, "Acme")
	okta := roster.DirectoryScope{OrgID: f.org.ID, DirectoryID: f.addDirectory(t, s, "Okta").ID}
	for plain, spellings := range map[string][]string{
		"josé":    {"jose\u0301", " josé", "josé ", "\tjosé\u3000", "ＪＯＳÉ", "JOSÉ"},
		"strasse": {"straße", "STRASSE", "STRAẞE"},
		"οδος":    {"ΟΔΟΣ", "οδοσ"},
	} {
		first := createUser(t, s, f.tenant, plain)
		for _, sp := range spellings {
			// The clash names the user in its own directory, and the
			// directory from another one.
			for tn, names := range map[roster.DirectoryScope]string{f.tenant: first.ID, okta: f.dir.ID} {
				e := wantCode(t, s.CreateUser(ctx, tn, userNamed(t, sp)), roster.EConflict)
				if e.ScimType != roster.ScimUniqueness || !strings.Contains(e.Detail, names) {
					t.Errorf("%q after %q: %+v, want uniqueness naming %s", sp, plain, e, names)
				}
			}
			flt, err := scim.UserType.ParseFilter(`userName eq ` + quote(sp))
			must(t, err)
			page, err := s.ListUsers(ctx, f.tenant, roster.Query{Filter: flt, StartIndex: 1, Count: 10})
			must(t, err)
			if len(page.Items) != 1 || page.Items[0].ID != first.ID {
				t.Errorf("userName eq %q found %d users, want %s (%q)", sp, len(page.Items), first.ID, plain)
			}
			if u, err := s.FindUser(ctx, f.org.ID, sp); err != nil || u.ID != first.ID {
				t.Errorf("FindUser(%q) = %v, %v; want %s", sp, u, err, first.ID)
			}
		}
		// A rename onto another spelling of a taken name clashes too.
		other := createUser(t, s, f.tenant, "other-"+plain)
		_, err := s.UpdateUser(ctx, f.tenant, other.ID, func(u *roster.User) error {
			*u = *userNamed(t, spellings[0])
			return nil
		})
		wantCode(t, err, roster.EConflict)
	}
	for name, code := range map[string]string{
		"jo\u200bsé2": "U+200B", // zero-width space
		"jo\u200dsé2": "U+200D", // zero-width joiner
		"\u202ejosé2": "U+202E", // right-to-left override
		"jo\u00adsé2": "U+00AD", // soft hyphen
		"\ufeffjosé2": "U+FEFF", // byte order mark
		"jo\u0007sé2": "U+0007", // a control character
	} {
		e := wantCode(t, s.CreateUser(ctx, f.tenant, userNamed(t, name)), roster.EInvalid)
		if e.ScimType != roster.ScimInvalidValue || !strings.Contains(e.Detail, code) {
			t.Errorf("userName %q: %+v, want invalidValue naming %s", name, e, code)
		}
		u := createUser(t, s, f.tenant, "plain-"+code)
		_, err := s.UpdateUser(ctx, f.tenant, u.ID, func(u *roster.User) error {
			*u = *userNamed(t, name)
			return nil
		})
		wantCode(t, err, roster.EInvalid)
		// A lookup for such a name finds nothing, and fails nothing.
		flt, err := scim.UserType.ParseFilter(`userName eq ` + quote(name))
		must(t, err)
		page, err := s.ListUsers(ctx, f.tenant, roster.Query{Filter: flt, StartIndex: 1, Count: 10})
		must(t, err)
		if len(page.Items) != 0 {
			t.Errorf("userName eq %q found %d users", name, len(page.Items))
		}
	}
	// Names that are not the same stay two users.
	createUser(t, s, f.tenant, "jose")
	createUser(t, s, f.tenant, "jo se")
}

func userNamed(t *testing.T, name string) *roster.User {
	t.Helper()
	return user(t, `{"userName":`+quote(name)+`}`)
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
