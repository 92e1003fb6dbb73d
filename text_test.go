package roster

import "testing"

func TestIsText(t *testing.T) {
	for s, want := range map[string]bool{"": true, "Åsa Öström": true, "tab\there": true, "a\x00b": false, "\xff": false, "\xe2\x28\xa1": false} {
		if IsText(s) != want {
			t.Errorf("IsText(%q) = %v, want %v", s, !want, want)
		}
	}
	good := map[string]any{"a": []any{"x", map[string]any{"b": "y", "n": 1.0, "t": true, "z": nil}}}
	if !IsTextValue(good) {
		t.Errorf("IsTextValue(%v) = false", good)
	}
	for _, bad := range []any{"a\x00", map[string]any{"a\x00": 1}, map[string]any{"a": []any{"ok", map[string]any{"b": "\x00"}}}} {
		if IsTextValue(bad) {
			t.Errorf("IsTextValue(%q) = true", bad)
		}
	}
}
