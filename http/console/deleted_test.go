package console_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/rosterhq/roster"
)

var sinceField = regexp.MustCompile(`name="since" value="(\d+)"`)

// TestDeletedAndMassDeletion: the console lists what the identity provider
// deleted, restores the checked users (refusing, and saying why, one whose
// userName was provisioned again), and shows a mass deletion on the
// Overview and the directory page with a one-click restore that undoes it.
func TestDeletedAndMassDeletion(t *testing.T) { onEveryBackend(t, testDeletedAndMassDeletion) }

func testDeletedAndMassDeletion(t *testing.T, f *fixture) {
	ctx := context.Background()
	dir, _, secret := f.addDirectory(f.org.ID, "Okta")
	base := f.srv.URL + "/scim/v2/directories/" + dir.ID
	var ids []string
	for i := range 20 {
		status, u := f.scim(secret, "POST", base+"/Users", fmt.Sprintf(`{"userName":"u%02d@acme.test"}`, i))
		if status != http.StatusCreated {
			t.Fatalf("create user: %d %v", status, u)
		}
		ids = append(ids, u["id"].(string))
	}
	status, g := f.scim(secret, "POST", base+"/Groups", `{"displayName":"Staff","members":[{"value":"`+ids[0]+`"},{"value":"`+ids[1]+`"}]}`)
	if status != http.StatusCreated {
		t.Fatalf("create group: %d %v", status, g)
	}
	del := func(from, to int) {
		for _, id := range ids[from:to] {
			if status, _ := f.scim(secret, "DELETE", base+"/Users/"+id, ""); status != http.StatusNoContent {
				t.Fatalf("DELETE: %d", status)
			}
		}
	}
	del(0, 2)
	// u00 is provisioned again: its restore must be refused.
	if status, _ := f.scim(secret, "POST", base+"/Users", `{"userName":"u00@acme.test"}`); status != http.StatusCreated {
		t.Fatalf("re-provision u00: %d", status)
	}

	b := f.browser()
	csrf := b.signIn()
	deletedPath := f.path("directories", dir.ID, "deleted")
	p := b.get(deletedPath)
	wantPage(t, p, http.StatusOK, "u00@acme.test", "u01@acme.test", "Restore the checked ones", "Deletion policy")
	if strings.Contains(p.body, "Mass deletion") {
		t.Errorf("2 of 20 deleted shows a mass-deletion warning:\n%s", p.body)
	}
	wantPage(t, b.get(f.path("directories", dir.ID)), http.StatusOK, "Recently deleted users and groups")

	p = b.post(deletedPath+"/restore", url.Values{"csrf": {csrf}, "id": {ids[0], ids[1]}})
	if p.status != http.StatusSeeOther || p.location() != deletedPath {
		t.Fatalf("restore: %d to %q\n%s", p.status, p.location(), p.body)
	}
	wantPage(t, b.get(deletedPath), http.StatusOK, "Restored 1 of 2.", "cannot be restored", "u00@acme.test")
	if status, u := f.scim(secret, "GET", base+"/Users/"+ids[1], ""); status != http.StatusOK {
		t.Errorf("restored u01 over SCIM: %d %v", status, u)
	}
	members := 0
	must(t, f.store.ListMembers(ctx, roster.DirectoryScope{OrgID: f.org.ID, DirectoryID: dir.ID}, g["id"].(string), func(roster.Member) error { members++; return nil }))
	if members != 1 {
		t.Errorf("Staff has %d members after u01's restore, want 1 (u01)", members)
	}

	// A mass deletion: 12 more, 13 of 21 within the hour (u00's old record
	// counts: it was deleted within the hour too).
	del(8, 20)
	for _, path := range []string{f.path() + "/", f.path("directories", dir.ID), deletedPath} {
		wantPage(t, b.get(path), http.StatusOK, "Mass deletion", "13 of 21 users")
	}
	m := sinceField.FindStringSubmatch(b.get(f.path() + "/").body)
	if m == nil {
		t.Fatal("the Overview's warning has no restore form")
	}
	p = b.post(deletedPath+"/restore", url.Values{"csrf": {csrf}, "since": {m[1]}, "back": {"directory"}})
	if p.status != http.StatusSeeOther || p.location() != f.path("directories", dir.ID) {
		t.Fatalf("one-click restore: %d to %q\n%s", p.status, p.location(), p.body)
	}
	// The old u00 is in the batch, and still refused, saying why.
	wantPage(t, b.get(f.path("directories", dir.ID)), http.StatusOK, "Restored 12 of 13.", "u00@acme.test&#34; cannot be restored")
	if p := b.get(f.path() + "/"); strings.Contains(p.body, "Mass deletion") {
		t.Errorf("the warning stays after the undo:\n%s", p.body)
	}
	users, err := f.store.ListUsers(ctx, roster.DirectoryScope{OrgID: f.org.ID, DirectoryID: dir.ID}, roster.Query{})
	must(t, err)
	if users.Total != 20 {
		t.Errorf("%d users after the undo, want 20 (19 restored or kept, and the new u00)", users.Total)
	}

	// The policy form, and its refusals.
	p = b.post(deletedPath+"/policy", url.Values{"csrf": {csrf}, "retention": {"7d"}, "mass_percent": {"20%"}, "mass_minimum": {"5"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("policy: %d\n%s", p.status, p.body)
	}
	wantPage(t, b.get(deletedPath), http.StatusOK, "restorable for 7d", `value="20%"`)
	wantPage(t, b.post(deletedPath+"/policy", url.Values{"csrf": {csrf}, "retention": {"forever"}, "mass_percent": {"20"}, "mass_minimum": {"5"}}), http.StatusBadRequest, "retention")
	wantPage(t, b.post(deletedPath+"/restore", url.Values{"csrf": {csrf}, "since": {"yesterday"}}), http.StatusBadRequest)
	wantPage(t, b.post(deletedPath+"/restore", url.Values{"csrf": {csrf}}), http.StatusBadRequest)
	wantPage(t, b.get(f.path("directories", "nope", "deleted")), http.StatusNotFound)
}
