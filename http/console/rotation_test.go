package console_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"testing"
)

// TestRotationShowsRetiring: after a rotation the old token reads
// "retiring until <time>", not active, may be revoked but not rotated
// again, and raises no expiry warning; a token made without a name is
// named after its directory.
func TestRotationShowsRetiring(t *testing.T) {
	f := newFixture(t)
	b := f.browser()
	csrf := b.signIn()
	dir, tok, _ := f.addDirectory(f.org.ID, "Okta")
	page := b.get(f.path("directories", dir.ID))
	wantPage(t, page, http.StatusOK, `placeholder="Okta token 2"`)
	b.postSeeOther(f.path("directories", dir.ID, "tokens", tok.ID, "rotate"), url.Values{"csrf": {csrf}, "grace": {"24h"}})
	page = b.get(f.path("directories", dir.ID))
	row := regexp.MustCompile(`(?s)<tr>\s*<th scope="row"><code>` + regexp.QuoteMeta(tok.Prefix) + `….*?</tr>`).FindString(page.body)
	wantPage(t, page, http.StatusOK)
	for _, want := range []string{`<span class="badge retiring">retiring</span>`, "until ", "/revoke"} {
		if !regexp.MustCompile(regexp.QuoteMeta(want)).MatchString(row) {
			t.Errorf("the rotated token's row lacks %q:\n%s", want, row)
		}
	}
	if regexp.MustCompile(`/rotate"|badge active`).MatchString(row) {
		t.Errorf("the rotated token's row still offers rotation or reads active:\n%s", row)
	}
	if regexp.MustCompile(`Token ` + regexp.QuoteMeta(tok.Prefix) + `… expires`).MatchString(page.body) {
		t.Errorf("a token retiring on purpose gets an expiry warning")
	}
	// A new token without a name gets a meaningful one.
	b.postSeeOther(f.path("directories", dir.ID, "tokens"), url.Values{"csrf": {csrf}, "name": {""}})
	list, err := f.store.ListTokens(context.Background(), f.org.ID, dir.ID)
	must(t, err)
	if got := list[len(list)-1].Name; got != "Okta token 3" {
		t.Errorf("an unnamed token is named %q, want Okta token 3", got)
	}
}
