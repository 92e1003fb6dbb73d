package scim

import (
	"encoding/json"
	"testing"

	"github.com/rosterhq/roster"
)

// TestCursorsOfEmptyPages: an empty page has no first or last resource, yet
// the cursors Head writes for it must decode and point where the walk
// continues.
func TestCursorsOfEmptyPages(t *testing.T) {
	start := ""
	first, err := UserType.ParseList(ListParams{Cursor: &start})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name             string
		cursor           string
		hasPrev, hasNext bool
		wantNext         *roster.Cursor // nil: no nextCursor
		wantPrev         *roster.Cursor
	}{
		{"empty backwards page at the start", first.cursor(cursorPrev, 1, 3), false, true, &roster.Cursor{After: 0}, nil},
		{"empty backwards page", first.cursor(cursorPrev, 7, 3), false, true, &roster.Cursor{After: 6}, nil},
		{"empty forward page at the end", first.cursor(cursorNext, 9, 3), true, false, nil, &roster.Cursor{Before: 10}},
		{"empty first page", "", false, false, nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, err := UserType.ParseList(ListParams{Cursor: &tc.cursor})
			if err != nil {
				t.Fatal(err)
			}
			var body map[string]any
			if err := json.Unmarshal(append(req.Head(nil, -1, 0, 0, 0, tc.hasPrev, tc.hasNext), "]}"...), &body); err != nil {
				t.Fatal(err)
			}
			for key, want := range map[string]*roster.Cursor{"nextCursor": tc.wantNext, "previousCursor": tc.wantPrev} {
				token, _ := body[key].(string)
				if want == nil {
					if token != "" {
						t.Errorf("%s %q, want none", key, token)
					}
					continue
				}
				c, _, _, ok := decodeCursor(token)
				if !ok || *c != *want {
					t.Errorf("%s %q decodes to %+v, %v; want %+v", key, token, c, ok, *want)
				}
				if _, err := UserType.ParseList(ListParams{Cursor: &token}); err != nil {
					t.Errorf("%s %q is refused: %v", key, token, err)
				}
			}
		})
	}
}
