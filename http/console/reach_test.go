package console

import "testing"

func TestReachProblem(t *testing.T) {
	for url, bad := range map[string]bool{
		"https://roster.example.com":      false,
		"https://roster.example.com:8443": false,
		"http://roster.example.com":       true,
		"https://127.0.0.1:8080":          true,
		"https://[::1]":                   true,
		"https://10.1.2.3":                true,
		"https://192.168.1.5":             true,
		"https://localhost:8080":          true,
		"https://roster":                  true,
		"https://roster.local":            true,
		"https://203.0.113.7":             false,
	} {
		if got := reachProblem(url); (got != "") != bad {
			t.Errorf("reachProblem(%q) = %q, want a problem: %v", url, got, bad)
		}
	}
}
