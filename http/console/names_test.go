package console_test

import (
	"context"
	"encoding/csv"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster"
)

// TestRenameAndDeleteProductsAndGroups: products and local groups are
// renamed from their pages (a name taken in any case stays on the form,
// 409), deleted after a page that says whose access goes, and the grant
// picker names each group's directory.
func TestRenameAndDeleteProductsAndGroups(t *testing.T) {
	onEveryBackend(t, testRenameAndDeleteProductsAndGroups)
}

func testRenameAndDeleteProductsAndGroups(t *testing.T, f *fixture) {
	ctx := context.Background()
	b := f.browser()
	csrf := b.signIn()
	p, _ := b.postSeeOther(f.path("directories"), url.Values{"csrf": {csrf}, "name": {"Okta"}})
	base, token := baseURLField.FindStringSubmatch(p.body)[1], tokenField.FindStringSubmatch(p.body)[1]
	_, ann := f.scim(token, "POST", base+"/Users", `{"userName":"ann@acme.test"}`)
	_, bob := f.scim(token, "POST", base+"/Users", `{"userName":"bob@acme.test"}`)
	// Two directories, each with a Sales group: the picker tells them apart.
	entra, _, other := f.addDirectory(f.org.ID, "Entra ID")
	oktaSales := pushGroup(t, f, token, base, "Sales", ann["id"].(string))
	pushGroup(t, f, other, base[:strings.LastIndex(base, "/")+1]+entra.ID, "Sales")

	b.postSeeOther(f.path("products"), url.Values{"csrf": {csrf}, "key": {"jira"}, "name": {"Jira"}})
	b.postSeeOther(f.path("products"), url.Values{"csrf": {csrf}, "key": {"wiki"}, "name": {"Wiki"}})
	page := b.get(f.path("products", "jira"))
	wantPage(t, page, http.StatusOK, `<option value="`+oktaSales+`">Sales (Okta)</option>`, `>Sales (Entra ID)</option>`, `<optgroup label="Okta">`)
	b.postSeeOther(f.path("products", "jira", "grants"), url.Values{"csrf": {csrf}, "group": {oktaSales}, "role": {"user"}})

	// A product renamed: a taken name stays on the form.
	p = b.post(f.path("products", "wiki", "rename"), url.Values{"csrf": {csrf}, "name": {"JIRA"}})
	wantPage(t, p, http.StatusConflict, `id="rename-error"`, `value="JIRA"`, "called Jira already")
	p, _ = b.postSeeOther(f.path("products", "wiki", "rename"), url.Values{"csrf": {csrf}, "name": {"Confluence"}})
	wantPage(t, p, http.StatusOK, "Wiki is called Confluence now.", "<h1>Confluence</h1>")

	// A local group renamed, then deleted after its page says what goes.
	g, _ := b.postSeeOther(f.path("groups"), url.Values{"csrf": {csrf}, "name": {"Editors"}})
	groups, err := f.store.ListOrgGroups(ctx, f.org.ID, roster.GroupFilter{Local: true}, 0, 10)
	must(t, err)
	editors := groups.Items[0].ID
	wantPage(t, g, http.StatusOK, `action="`+f.path("groups", editors, "rename")+`"`)
	b.postSeeOther(f.path("groups"), url.Values{"csrf": {csrf}, "name": {"Readers"}})
	wantPage(t, b.post(f.path("groups", editors, "rename"), url.Values{"csrf": {csrf}, "name": {" readers"}}), http.StatusConflict, `id="rename-error"`, "called Readers already")
	p, _ = b.postSeeOther(f.path("groups", editors, "rename"), url.Values{"csrf": {csrf}, "name": {"Wiki editors"}})
	wantPage(t, p, http.StatusOK, "Editors is called Wiki editors now.")
	b.postSeeOther(f.path("groups", editors, "members"), url.Values{"csrf": {csrf}, "users": {"ann@acme.test\nbob@acme.test"}})
	b.postSeeOther(f.path("products", "wiki", "grants"), url.Values{"csrf": {csrf}, "group": {editors}, "role": {"user"}})
	b.postSeeOther(f.path("products", "jira", "grants"), url.Values{"csrf": {csrf}, "group": {editors}, "role": {"user"}})
	b.postSeeOther(f.path("products", "wiki", "defaults"), url.Values{"csrf": {csrf}, "group": {editors}, "on": {"1"}})
	// ann has Jira through Okta's Sales too: only bob loses it.
	wantPage(t, b.get(f.path("groups", editors, "delete")), http.StatusOK, "<h1>Delete Wiki editors?</h1>",
		"<strong>Jira</strong>: <strong>1 user</strong> loses access", "<strong>Confluence</strong>: <strong>2 users</strong> lose access",
		"it stops being a default group")
	wantPage(t, b.get(f.path("groups", oktaSales, "delete")), http.StatusBadRequest, "provisioned by a directory")
	p, _ = b.postSeeOther(f.path("groups", editors, "delete"), url.Values{"csrf": {csrf}})
	wantPage(t, p, http.StatusOK, "Wiki editors is deleted. Access went: Jira (1 user), Confluence (2 users).")
	if a, _ := f.store.CheckAccess(ctx, roster.ProductScope{OrgID: f.org.ID, Product: "jira"}, bob["id"].(string)); a.Allowed {
		t.Errorf("after deleting the group bob still has Jira: %+v", a)
	}

	// A product deleted, after its page counts who loses it.
	wantPage(t, b.get(f.path("products", "jira", "delete")), http.StatusOK, "<h1>Delete Jira?</h1>", `<strong id="losing">1 user</strong>`, "(to Sales)")
	p, _ = b.postSeeOther(f.path("products", "jira", "delete"), url.Values{"csrf": {csrf}})
	wantPage(t, p, http.StatusOK, "Jira is deleted: 1 user lost access, and 1 grant went with it.")
	if _, err := f.store.GetProduct(ctx, f.org.ID, "jira"); roster.ErrorCodeOf(err) != roster.ENotFound {
		t.Errorf("the deleted product is still there: %v", err)
	}
	wantPage(t, b.get(f.path("products", "jira", "delete")), http.StatusNotFound)
}

func pushGroup(t *testing.T, f *fixture, token, base, name string, members ...string) string {
	t.Helper()
	var refs []string
	for _, m := range members {
		refs = append(refs, `{"value":"`+m+`"}`)
	}
	status, g := f.scim(token, "POST", base+"/Groups", `{"displayName":"`+name+`","members":[`+strings.Join(refs, ",")+`]}`)
	if status != http.StatusCreated {
		t.Fatalf("pushing group %s: %d %v", name, status, g)
	}
	return g["id"].(string)
}

func dirIDOf(t *testing.T, f *fixture, name string) string {
	t.Helper()
	dirs, err := f.store.ListDirectories(context.Background(), f.org.ID)
	must(t, err)
	for _, d := range dirs {
		if d.Name == name {
			return d.ID
		}
	}
	t.Fatalf("no directory %s", name)
	return ""
}

// TestActivityNamesAndFilters: Activity, its export and the request log
// name what they identify; Activity filters by date range and by someone
// (about them or by them); a wrong date stays on the page (400); the
// directory page shows the first sync.
func TestActivityNamesAndFilters(t *testing.T) { onEveryBackend(t, testActivityNamesAndFilters) }

func testActivityNamesAndFilters(t *testing.T, f *fixture) {
	ctx := context.Background()
	b := f.browser()
	csrf := b.signIn()
	p, dirPage := b.postSeeOther(f.path("directories"), url.Values{"csrf": {csrf}, "name": {"Okta"}})
	base, token := baseURLField.FindStringSubmatch(p.body)[1], tokenField.FindStringSubmatch(p.body)[1]
	_, ann := f.scim(token, "POST", base+"/Users", `{"userName":"ann@acme.test"}`)
	annID := ann["id"].(string)
	f.scim(token, "GET", base+"/Users/"+annID, "")
	b.postSeeOther(f.path("products"), url.Values{"csrf": {csrf}, "key": {"jira"}, "name": {"Jira"}})
	g := roster.Group{DisplayName: "Editors", Attributes: []byte(`{}`)}
	must(t, f.store.CreateLocalGroup(ctx, f.org.ID, &g))
	b.postSeeOther(f.path("products", "jira", "grants"), url.Values{"csrf": {csrf}, "group": {g.ID}, "role": {"user"}})
	f.log.Close() // writes the request log now

	dirURL := dirPage[:strings.Index(dirPage, "/tokens/")]
	dir := b.get(dirURL)
	st, err := f.store.GetRequestStats(ctx, f.org.ID, dirIDOf(t, f, "Okta"), time.Now().Add(-time.Hour))
	must(t, err)
	if st.First.IsZero() {
		t.Fatalf("no first sync after two requests: %+v", st)
	}
	wantPage(t, dir, http.StatusOK, `first sync <span id="first-sync">`+st.First.UTC().Format("2006-01-02 15:04:05 UTC")+`</span>`,
		"1 user and 0 groups synced so far", `<span class="muted name">ann@acme.test</span>`)

	all := b.get(f.path("activity"))
	wantPage(t, all, http.StatusOK, `<a href="users/`+annID+`">ann@acme.test</a>`, `Product <strong>Jira</strong>`, `Directory <strong>Okta</strong>`,
		`group <strong>Editors</strong>`)
	// By someone: ann (the events about her), the admin (those they made).
	wantPage(t, b.get(f.path("activity")+"?user=ann@acme.test"), http.StatusOK, "Events about or by user ann@acme.test.", "user.created")
	if about := b.get(f.path("activity") + "?user=ann@acme.test"); strings.Contains(about.body, "product.created") {
		t.Errorf("the events about ann include the product's")
	}
	byAdmin := b.get(f.path("activity") + "?user=root@acme.test")
	wantPage(t, byAdmin, http.StatusOK, "Events about or by admin root@acme.test.", "product.created", "directory.created")
	if strings.Contains(byAdmin.body, "user.created") {
		t.Errorf("the events by the admin include ann's creation by the identity provider")
	}
	wantPage(t, b.get(f.path("activity")+"?user=nobody@acme.test"), http.StatusOK, "no user or admin", "No activity matches.")
	// By date: today has them all, tomorrow none; a wrong date is 400 on the page.
	today := time.Now().UTC().Format("2006-01-02")
	wantPage(t, b.get(f.path("activity")+"?from="+today+"&to="+today), http.StatusOK, "product.created", "user.created")
	tomorrow := time.Now().UTC().AddDate(0, 0, 1).Format("2006-01-02")
	wantPage(t, b.get(f.path("activity")+"?from="+tomorrow), http.StatusOK, "No activity matches.")
	wantPage(t, b.get(f.path("activity")+"?from=yesterday"), http.StatusBadRequest, "written YYYY-MM-DD", `id="from"`, `value="yesterday"`)

	// The export names too, in columns after the old ones, and filters alike.
	export := b.get(f.path("activity", "export") + "?format=csv&user=ann@acme.test")
	rows, err := csv.NewReader(strings.NewReader(export.body)).ReadAll()
	if err != nil || len(rows) < 2 {
		t.Fatalf("the CSV export: %v\n%s", err, export.body)
	}
	if got := strings.Join(rows[0], ","); got != "seq,time,actor,action,resource_type,resource_id,directory_id,detail,resource_name,directory_name,who,group_name" {
		t.Errorf("the CSV header is %s", got)
	}
	for _, r := range rows[1:] {
		if r[5] != annID || r[8] != "ann@acme.test" || r[9] != "Okta" || r[10] != "Okta (identity provider)" {
			t.Errorf("a CSV row about ann: %q", r)
		}
	}
	json := b.get(f.path("activity", "export") + "?format=json&action=product.granted")
	wantPage(t, json, http.StatusOK, `"resourceName":"Jira"`, `"who":"root@acme.test"`, `"groupName":"Editors"`)
	wantPage(t, b.get(f.path("activity", "export")+"?format=csv&to=01/02/2026"), http.StatusBadRequest)
}
