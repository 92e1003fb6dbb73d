package domains

import "testing"

func TestIsPublicMailDomain(t *testing.T) {
	for _, tt := range []struct {
		domain string
		want   bool
	}{
		{"gmail.com", true},
		{"GMail.com.", true},
		{" outlook.com ", true},
		{"mail.gmail.com", true},
		{"a.b.googlemail.com", true},
		{"hotmail.co.uk", true},
		{"yahoo.co.jp", true},
		{"proton.me", true},
		{"pm.me", true},
		{"163.com", true},
		{"naver.com", true},
		{"acme.com", false},
		{"gmail.com.evil.test", false},
		{"notgmail.com", false},
		{"gmail.co", false},
		{"co.uk", false},
		{"com", false},
		{"", false},
	} {
		if got := IsPublicMailDomain(tt.domain); got != tt.want {
			t.Errorf("IsPublicMailDomain(%q) = %v, want %v", tt.domain, got, tt.want)
		}
	}
}

// The list is long enough to matter and holds only normalized domain names
// (an entry Normalize would change could never match).
func TestPublicMailDomainsList(t *testing.T) {
	if n := len(publicMailDomains); n < 80 {
		t.Errorf("%d public mail domains, want at least 80", n)
	}
	for d, ok := range publicMailDomains {
		if !ok {
			t.Errorf("%s is listed as false", d)
		}
		if n, err := Normalize(d); err != nil || n != d {
			t.Errorf("list entry %q: Normalize = %q, %v", d, n, err)
		}
	}
}
