package scimapi_test

import (
	"net/http"
	"net/url"
	"testing"
)

// TestCursorsAfterEmptyPages walks into pages that deletions have emptied:
// every cursor the server hands out, on such a page too, must be one it
// accepts and must lead back to the resources that are still there.
func TestCursorsAfterEmptyPages(t *testing.T) {
	onEveryBackend(t, func(t *testing.T, d *directory) {
		u1, u2, u3 := d.createUser(t, "c1@example.com"), d.createUser(t, "c2@example.com"), d.createUser(t, "c3@example.com")
		page := func(cursor string) *response {
			t.Helper()
			return d.do(t, "GET", "/Users?count=1&attributes=userName&cursor="+url.QueryEscape(cursor), nil).want(t, http.StatusOK)
		}
		idsOf := func(r *response) []string { return ids(r.Body["Resources"], "id") }
		first := page("")
		second := page(str(first.Body["nextCursor"]))
		if got := idsOf(second); !sameSet(got, []string{u2}) {
			t.Fatalf("second page %v, want [%s]", got, u2)
		}

		// Backwards into a page whose only user is gone.
		d.do(t, "DELETE", "/Users/"+u1, nil).want(t, http.StatusNoContent)
		back := page(str(second.Body["previousCursor"]))
		if got := idsOf(back); len(got) != 0 {
			t.Fatalf("backwards page %v, want none", got)
		}
		if back.Body["previousCursor"] != nil {
			t.Errorf("an empty backwards page at the start has a previousCursor: %s", back.Raw)
		}
		next := str(back.Body["nextCursor"])
		if next == "" {
			t.Fatalf("an empty backwards page has no nextCursor: %s", back.Raw)
		}
		if got := idsOf(page(next)); !sameSet(got, []string{u2}) {
			t.Errorf("the page after the empty backwards page has %v, want [%s]", got, u2)
		}

		// Forwards into a page whose only user is gone.
		d.do(t, "DELETE", "/Users/"+u3, nil).want(t, http.StatusNoContent)
		ahead := page(str(second.Body["nextCursor"]))
		if got := idsOf(ahead); len(got) != 0 {
			t.Fatalf("forward page %v, want none", got)
		}
		if ahead.Body["nextCursor"] != nil {
			t.Errorf("an empty last page has a nextCursor: %s", ahead.Raw)
		}
		prev := str(ahead.Body["previousCursor"])
		if prev == "" {
			t.Fatalf("an empty forward page after others has no previousCursor: %s", ahead.Raw)
		}
		if got := idsOf(page(prev)); !sameSet(got, []string{u2}) {
			t.Errorf("the page before the empty forward page has %v, want [%s]", got, u2)
		}
	})
}
