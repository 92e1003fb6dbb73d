package roster_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/rosterhq/roster"
)

func TestNameKeySameName(t *testing.T) {
	for _, tc := range []struct{ a, b, why string }{
		{"josé", "jose\u0301", "NFC and NFD"},
		{"josé", "  josé\t", "white space around"},
		{"josé", "\u3000josé\u00a0", "ideographic and no-break spaces around"},
		{"josé", "ＪＯＳÉ", "fullwidth letters and case"},
		{"strasse", "STRAßE", "ß and ss"},
		{"οδοσ", "ΟΔΟΣ", "capital sigma"},
		{"οδος", "οδοσ", "final sigma"},
		{"file", "ﬁle", "ligature"},
	} {
		ka, err := roster.NameKey(tc.a)
		if err != nil {
			t.Fatal(err)
		}
		kb, err := roster.NameKey(tc.b)
		if err != nil {
			t.Fatal(err)
		}
		if ka != kb {
			t.Errorf("%s: NameKey(%q) = %q, NameKey(%q) = %q; want one key", tc.why, tc.a, ka, tc.b, kb)
		}
	}
}

func TestNameKeyDifferentNames(t *testing.T) {
	for _, pair := range [][2]string{{"jose", "josé"}, {"a b", "ab"}, {"anna", "ánna"}} {
		ka, _ := roster.NameKey(pair[0])
		kb, _ := roster.NameKey(pair[1])
		if ka == kb {
			t.Errorf("NameKey(%q) = NameKey(%q) = %q; want two keys", pair[0], pair[1], ka)
		}
	}
}

func TestNameKeyRefusesInvisibleCharacters(t *testing.T) {
	for name, code := range map[string]string{
		"jo\u200bsé": "U+200B", // zero-width space
		"jo\u200dsé": "U+200D", // zero-width joiner
		"\u202ejosé": "U+202E", // right-to-left override
		"jo\u00adsé": "U+00AD", // soft hyphen
		"\ufeffjosé": "U+FEFF", // byte order mark
		"jo\x00sé":   "U+0000",
		"jo\nsé":     "U+000A",
		"jo\u2066sé": "U+2066", // left-to-right isolate
		"josé\u061c": "U+061C", // Arabic letter mark
		"jo\u180esé": "U+180E", // Mongolian vowel separator
	} {
		_, err := roster.NameKey(name)
		var e *roster.Error
		if !errors.As(err, &e) || e.Code != roster.EInvalid || e.ScimType != roster.ScimInvalidValue || !strings.Contains(e.Detail, code) {
			t.Errorf("NameKey(%q) = %v, want invalid/invalidValue naming %s", name, err, code)
		}
		if k, want := roster.StoredNameKey(name), roster.StoredNameKey("josé"); k != want {
			t.Errorf("StoredNameKey(%q) = %q, want %q: invisible characters are dropped", name, k, want)
		}
	}
}
