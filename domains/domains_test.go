package domains

import (
	"strings"
	"testing"
)

func TestTXTValue(t *testing.T) {
	if got := TXTValue("abc"); got != "roster-verification=abc" {
		t.Errorf("TXTValue(abc) = %q", got)
	}
}

func TestNewToken(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		tk := NewToken()
		if len(tk) != 39 {
			t.Fatalf("NewToken() = %q: %d characters, want 39", tk, len(tk))
		}
		if strings.Trim(tk, "abcdefghijklmnopqrstuvwxyz234567") != "" {
			t.Fatalf("NewToken() = %q: not lower-case base32", tk)
		}
		b, err := tokenEncoding.DecodeString(tk)
		if err != nil || len(b) != 24 {
			t.Fatalf("NewToken() = %q decodes to %d bytes, %v; want 24", tk, len(b), err)
		}
		if err := checkToken(tk); err != nil {
			t.Fatalf("Check would refuse NewToken() = %q: %v", tk, err)
		}
		if seen[tk] {
			t.Fatalf("NewToken() returned %q twice", tk)
		}
		seen[tk] = true
	}
}

func TestNormalize(t *testing.T) {
	long63 := strings.Repeat("a", 63)
	max253 := long63 + "." + long63 + "." + long63 + "." + strings.Repeat("d", 61)
	valid := []struct{ in, want string }{
		{"acme.com", "acme.com"},
		{"  ACME.Com. ", "acme.com"},
		{"a.b.c.example.co.uk", "a.b.c.example.co.uk"},
		{"xn--bcher-kva.example", "xn--bcher-kva.example"},
		{"1password.com", "1password.com"},
		{"a-b.c0m", "a-b.c0m"},
		{"x.io", "x.io"},
		{long63 + ".com", long63 + ".com"},
		{max253, max253},
		{strings.ToUpper(max253) + ".", max253},
	}
	for _, tt := range valid {
		got, err := Normalize(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("Normalize(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	invalid := []struct{ in, want string }{
		{"", "required"},
		{"   ", "required"},
		{".", "required"},
		{"acme", "at least two labels"},
		{"localhost", "local name"},
		{"LOCALHOST.", "local name"},
		{"foo.localhost", "local name"},
		{"127.0.0.1", "IP address"},
		{"::1", "IP address"},
		{"[::1]", "IP address"},
		{"1.2.3", "is a number"},
		{"bücher.de", "punycode"},
		{"аcme.com", "punycode"}, // Cyrillic a
		{"-acme.com", "starts or ends with '-'"},
		{"acme-.com", "starts or ends with '-'"},
		{"acme..com", "empty label"},
		{".acme.com", "empty label"},
		{"acme.com..", "empty label"},
		{"a_b.com", `"_" is not allowed`},
		{"*.acme.com", `"*" is not allowed`},
		{"acme .com", `" " is not allowed`},
		{"acme.com:443", `":" is not allowed`},
		{"https://acme.com", "without scheme or path"},
		{"acme.com/path", "without scheme or path"},
		{"user@acme.com", "what follows the @"},
		{strings.Repeat("a", 64) + ".com", "longer than 63"},
		{max253 + "d", "at most 253"},
	}
	for _, tt := range invalid {
		got, err := Normalize(tt.in)
		if got != "" {
			t.Errorf("Normalize(%q) = %q, want \"\" with the error", tt.in, got)
		}
		wantInvalid(t, err, tt.want)
	}
}

func TestTokenLen(t *testing.T) {
	if TokenLen != 39 {
		t.Errorf("TokenLen = %d, want 39", TokenLen)
	}
}
