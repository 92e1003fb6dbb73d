package main

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

// TestDomainsAndManagedAccounts walks the domain flow from the command
// line: add (public mail domains refused), verify over HTTPS against a
// local TLS server, see accounts become managed, link the domain to one
// directory and watch another directory's create fail over SCIM.
func TestDomainsAndManagedAccounts(t *testing.T) {
	db := filepath.Join(t.TempDir(), "roster.db")
	env := map[string]string{"ROSTER_DB": db}
	url := serve(t, env, "--domain-recheck", "0")
	orgID := createOrg(t, env, "Acme")
	var entra, okta struct{ ID, Token, BaseURL string }
	rosterJSON(t, env, &entra, "directory", "create", "--org", orgID, "--name", "Entra ID", "--base-url", url)
	rosterJSON(t, env, &okta, "directory", "create", "--org", orgID, "--name", "Okta", "--base-url", url)

	if _, errOut, code := runCLI(t, env, "domain", "add", "--org", orgID, "--domain", "gmail.com"); code == 0 || !strings.Contains(errOut, "public mail") {
		t.Errorf("adding gmail.com: exit %d, %q", code, errOut)
	}
	var added struct {
		Domain, Status, Token string
		DNS                   struct{ Type, Name, Value string }
		HTTPS                 struct{ URL, Body string }
	}
	rosterJSON(t, env, &added, "domain", "add", "--org", orgID, "--domain", "Acme.Test.")
	if added.Domain != "acme.test" || added.Status != "pending" || added.DNS.Value != "roster-verification="+added.Token ||
		added.HTTPS.URL != "https://acme.test/.well-known/roster-verification.txt" {
		t.Fatalf("domain add = %+v", added)
	}
	out, _, _ := runCLI(t, env, "domain", "add", "--org", orgID, "--domain", "other.test")
	if !strings.Contains(out, "TXT record on other.test") || !strings.Contains(out, "roster domain verify") {
		t.Errorf("domain add, for people:\n%s", out)
	}

	// The proof is served by a local TLS server that answers for acme.test.
	published := ""
	certFile, proofAddr := serveProof(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Host != "acme.test" || published == "" {
			http.NotFound(w, r)
			return
		}
		w.Write([]byte(published + "\n"))
	}))
	verify := []string{"domain", "verify", "--org", orgID, "--domain", "acme.test", "--method", "https",
		"--https-ca", certFile, "--https-connect", proofAddr}

	_, errOut, code := runCLI(t, env, verify...)
	if code == 0 || !strings.Contains(errOut, "404") {
		t.Errorf("verify before publishing: exit %d, %q", code, errOut)
	}
	entraClient := scimClient{t, entra.BaseURL, entra.Token}
	_, alice := entraClient.do("POST", "/Users", `{"userName":"alice@acme.test"}`)
	account := func(id string) string {
		var u struct{ Account string }
		rosterJSON(t, env, &u, "user", "show", "--org", orgID, "--user", id)
		return u.Account
	}
	if got := account(alice["id"].(string)); got != "external" {
		t.Errorf("before verification alice is %s", got)
	}
	published = added.Token
	var verified struct{ Status, Method, LastError string }
	rosterJSON(t, env, &verified, verify...)
	if verified.Status != "verified" || verified.Method != "https" || verified.LastError != "" {
		t.Fatalf("verify = %+v", verified)
	}
	if got := account("ALICE@acme.test"); got != "managed" {
		t.Errorf("after verification alice is %s", got)
	}

	// Linked to Entra, acme.test refuses Okta's users.
	if _, errOut, code := runCLI(t, env, "domain", "link", "--org", orgID, "--domain", "acme.test", "--directory", entra.ID); code != 0 {
		t.Fatal(errOut)
	}
	oktaClient := scimClient{t, okta.BaseURL, okta.Token}
	status, body := oktaClient.do("POST", "/Users", `{"userName":"bob@acme.test"}`)
	if status != 409 || !strings.Contains(body["detail"].(string), "Entra ID") {
		t.Errorf("Okta creating a user on Entra's domain: %d %v", status, body)
	}
	if status, _ := entraClient.do("POST", "/Users", `{"userName":"bob@acme.test"}`); status != 201 {
		t.Errorf("Entra creating a user on its own domain: %d", status)
	}

	// Manual verification is an audited override.
	if _, errOut, code := runCLI(t, env, "domain", "verify", "--org", orgID, "--domain", "other.test", "--method", "manual"); code != 0 {
		t.Fatal(errOut)
	}
	var list []struct{ Domain, Status, Method, DirectoryID string }
	out, _, _ = runCLI(t, env, "domain", "list", "--org", orgID, "--json")
	json.Unmarshal([]byte(out), &list)
	if len(list) != 2 || list[0].Domain != "acme.test" || list[0].DirectoryID != entra.ID || list[1].Method != "manual" || list[1].Status != "verified" {
		t.Errorf("domain list = %+v", list)
	}
	if _, errOut, code := runCLI(t, env, "domain", "remove", "--org", orgID, "--domain", "acme.test"); code != 0 {
		t.Fatal(errOut)
	}
	if got := account(alice["id"].(string)); got != "external" {
		t.Errorf("after the domain was removed alice is %s", got)
	}
}

// TestDomainVerifyFailureSaidOnce: a failed check says that the domain is
// not verified once, whichever methods were tried.
func TestDomainVerifyFailureSaidOnce(t *testing.T) {
	env := map[string]string{"ROSTER_DB": filepath.Join(t.TempDir(), "roster.db")}
	orgID := createOrg(t, env, "Acme")
	rosterJSON(t, env, &struct{}{}, "domain", "add", "--org", orgID, "--domain", "acme.test")
	nowhere := []string{"--dns-server", "127.0.0.1:1", "--https-connect", "127.0.0.1:1"}
	for _, method := range []string{"", "dns", "https"} {
		args := append([]string{"domain", "verify", "--org", orgID, "--domain", "acme.test", "--method", method}, nowhere...)
		out, errOut, code := runCLI(t, env, args...)
		if code != 1 || strings.Count(out+errOut, "acme.test is not verified") != 1 {
			t.Errorf("domain verify --method %q: exit %d, want 1 and the failure said once:\n%s%s", method, code, out, errOut)
		}
	}
}
