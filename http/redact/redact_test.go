package redact

import (
	"net/url"
	"testing"
)

func TestPath(t *testing.T) {
	for in, want := range map[string]string{
		"/orgs/o1/signin/s3cret":         "/orgs/o1/signin/REDACTED",
		"/signin/s3cret":                 "/signin/REDACTED",
		"/setup/s3cret":                  "/setup/REDACTED",
		"/setup/s3cret/extra":            "/setup/REDACTED/extra",
		"/orgs/o1/signin":                "/orgs/o1/signin",
		"/orgs/o1/admins/a1/signin-link": "/orgs/o1/admins/a1/signin-link",
		"/scim/v2/directories/d1/Users":  "/scim/v2/directories/d1/Users",
		"/orgs/o1/signin/":               "/orgs/o1/signin/",
	} {
		if got := Path(in); got != want {
			t.Errorf("Path(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestQuery(t *testing.T) {
	for in, want := range map[string]string{
		"access_token=abc":                              "access_token=REDACTED",
		"filter=userName+eq+%22a%22&token=abc":          "filter=userName+eq+%22a%22&token=REDACTED",
		"API_KEY=1&apikey=2&code=3&password=4&secret=5": "API_KEY=REDACTED&apikey=REDACTED&code=REDACTED&password=REDACTED&secret=REDACTED",
		"client_secret=x&id_token=y&new_password=z":     "client_secret=REDACTED&id_token=REDACTED&new_password=REDACTED",
		"acc%65ss_token=abc":                            "acc%65ss_token=REDACTED",
		"startIndex=1&count=10&cursor=abc":              "startIndex=1&count=10&cursor=abc",
		"token":                                         "token",
		"":                                              "",
	} {
		if got := Query(in); got != want {
			t.Errorf("Query(%q) = %q, want %q", in, got, want)
		}
	}
	u, _ := url.Parse("/orgs/o/signin/s?access_token=t&count=1")
	if got := URL(u); got != "/orgs/o/signin/REDACTED?access_token=REDACTED&count=1" {
		t.Errorf("URL = %q", got)
	}
}
