package scimapi_test

// The requests below follow Microsoft's "Tutorial: Develop and plan
// provisioning for a SCIM endpoint in Microsoft Entra ID" (section "SCIM
// protocol requests and responses") and "Known issues and resolutions with
// SCIM 2.0 protocol compliance of the Microsoft Entra user provisioning
// service" (requests sent with and without the aadOptscim062020 flag):
// capitalised op values, booleans as strings, path-less replaces with
// dotted keys, members removed by filter or by a value array.

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/rosterhq/roster/scim"
)

// step runs the steps of a sequence in order and stops at the first that
// fails: later steps depend on earlier ones.
type step struct {
	name string
	fn   func(t *testing.T)
}

func runSteps(t *testing.T, steps []step) {
	t.Helper()
	for _, s := range steps {
		if !t.Run(s.name, s.fn) {
			t.FailNow()
		}
	}
}

const enterprise = scim.EnterpriseUserSchema

func TestEntraSequence(t *testing.T) {
	t.Parallel()
	d := newDir(t)
	d.ua = "Microsoft Entra provisioning (test replay)"

	userName := "Test_User_" + guid()
	workEmail := "Test_User_" + guid() + "@testuser.com"
	externalID := guid()
	var (
		userID, version string
		managerID       string
		memberIDs       []string
		groupID         string
		groupName       = "displayName " + randomHex(4)
	)

	runSteps(t, []step{
		{"test connection: random user lookup answers an empty list", func(t *testing.T) {
			r := d.do(t, "GET", "/Users"+filterQ(`userName eq "`+guid()+`"`), nil)
			res := r.list(t)
			if len(res) != 0 || r.total() != 0 {
				t.Errorf("want no users, got %s", r.Raw)
			}
			if num(r.Body["startIndex"]) != 1 {
				t.Errorf("startIndex %v, want 1", r.Body["startIndex"])
			}
			// The literal body must carry "Resources": [], never null.
			if !strings.Contains(string(r.Raw), `"Resources":[]`) {
				t.Errorf("empty list must have Resources []: %s", r.Raw)
			}
			g := d.do(t, "GET", "/Groups"+filterQ(`displayName eq "`+guid()+`"`, "excludedAttributes", "members"), nil)
			if len(g.list(t)) != 0 || g.total() != 0 {
				t.Errorf("want no groups, got %s", g.Raw)
			}
		}},
		{"create user", func(t *testing.T) {
			r := d.do(t, "POST", "/Users", map[string]any{
				"schemas":    []string{scim.UserSchema, enterprise},
				"externalId": externalID,
				"userName":   userName,
				"active":     true,
				"emails": []any{map[string]any{
					"primary": true,
					"type":    "work",
					"value":   workEmail,
				}},
				"meta": map[string]any{"resourceType": "User"},
				"name": map[string]any{
					"formatted":  "givenName familyName",
					"familyName": "familyName",
					"givenName":  "givenName",
				},
				"roles": []any{},
				enterprise: map[string]any{
					"employeeNumber": "701984",
					"department":     "Tour Operations",
				},
			}).want(t, http.StatusCreated)
			userID = r.id(t)
			version = d.wantSingle(t, r, "User")
			if loc := r.Header.Get("Location"); loc != d.base+"/Users/"+userID || loc != get(r.Body, "meta", "location") {
				t.Errorf("Location %q, meta.location %v, want %s", loc, get(r.Body, "meta", "location"), d.base+"/Users/"+userID)
			}
			for path, want := range map[string]any{
				"userName": userName, "externalId": externalID, "active": true,
				"name.givenName": "givenName", "name.familyName": "familyName", "name.formatted": "givenName familyName",
			} {
				var got any = r.Body
				for _, k := range strings.Split(path, ".") {
					got = get(got, k)
				}
				if got != want {
					t.Errorf("%s = %#v, want %#v", path, got, want)
				}
			}
			if get(r.Body, "emails", 0, "value") != workEmail || get(r.Body, "emails", 0, "type") != "work" || get(r.Body, "emails", 0, "primary") != true {
				t.Errorf("emails = %v", r.Body["emails"])
			}
			if get(r.Body, enterprise, "employeeNumber") != "701984" || get(r.Body, enterprise, "department") != "Tour Operations" {
				t.Errorf("enterprise extension = %v", r.Body[enterprise])
			}
			if s := strs(r.Body["schemas"]); !slices.Contains(s, scim.UserSchema) || !slices.Contains(s, enterprise) {
				t.Errorf("schemas %v, want the core and the enterprise schema", s)
			}
			if _, ok := r.Body["roles"]; ok {
				t.Errorf("an empty roles array should leave roles unassigned: %v", r.Body["roles"])
			}
		}},
		{"get user by query", func(t *testing.T) {
			r := d.do(t, "GET", "/Users"+filterQ(`userName eq "`+userName+`"`), nil)
			res := r.list(t)
			if len(res) != 1 || res[0]["id"] != userID || r.total() != 1 {
				t.Fatalf("want exactly user %s, got %s", userID, r.Raw)
			}
			d.wantResource(t, r, "User", res[0])
			// userName is case-insensitive (caseExact false).
			r = d.do(t, "GET", "/Users"+filterQ(`userName eq "`+strings.ToUpper(userName)+`"`), nil)
			if res := r.list(t); len(res) != 1 || res[0]["id"] != userID {
				t.Errorf("case-insensitive lookup: %s", r.Raw)
			}
			// The same lookup written as RFC 7644 allows it; Entra's own
			// form is in TestEntraLookupByWorkEmail.
			r = d.do(t, "GET", "/Users"+filterQ(`emails[type eq "work" and value eq "`+workEmail+`"]`), nil)
			if res := r.list(t); len(res) != 1 || res[0]["id"] != userID {
				t.Errorf("lookup by work email: %s", r.Raw)
			}
			r = d.do(t, "GET", "/Users"+filterQ(`externalId eq "`+externalID+`"`), nil)
			if res := r.list(t); len(res) != 1 || res[0]["id"] != userID {
				t.Errorf("lookup by externalId: %s", r.Raw)
			}
		}},
		{"get user by id", func(t *testing.T) {
			r := d.do(t, "GET", "/Users/"+userID, nil).want(t, http.StatusOK)
			if got := d.wantSingle(t, r, "User"); got != version {
				t.Errorf("version %s, want %s (nothing changed)", got, version)
			}
			if r.Body["userName"] != userName {
				t.Errorf("userName %v", r.Body["userName"])
			}
			d.do(t, "GET", "/Users/"+guid(), nil).wantError(t, http.StatusNotFound, "")
		}},
		{"update user: multi-valued properties", func(t *testing.T) {
			r := d.do(t, "PATCH", "/Users/"+userID, patchOp(
				op("Replace", `emails[type eq "work"].value`, "updatedEmail@microsoft.com"),
				op("Replace", "name.familyName", "updatedFamilyName"),
			)).want(t, http.StatusOK)
			v := d.wantSingle(t, r, "User")
			if v == version {
				t.Errorf("version did not change: %s", v)
			}
			version = v
			if emails, _ := r.Body["emails"].([]any); len(emails) != 1 ||
				get(emails, 0, "value") != "updatedEmail@microsoft.com" || get(emails, 0, "type") != "work" || get(emails, 0, "primary") != true {
				t.Errorf("emails = %v, want the one work email updated, type and primary kept", r.Body["emails"])
			}
			if get(r.Body, "name", "familyName") != "updatedFamilyName" || get(r.Body, "name", "givenName") != "givenName" {
				t.Errorf("name = %v", r.Body["name"])
			}
		}},
		{"update user: single-valued properties", func(t *testing.T) {
			newName := guid() + "@testuser.com"
			r := d.do(t, "PATCH", "/Users/"+userID, patchOp(op("Replace", "userName", newName))).want(t, http.StatusOK)
			if r.Body["userName"] != newName {
				t.Fatalf("userName %v, want %s", r.Body["userName"], newName)
			}
			if res := d.do(t, "GET", "/Users"+filterQ(`userName eq "`+userName+`"`), nil).list(t); len(res) != 0 {
				t.Errorf("the old userName still finds the user")
			}
			if res := d.do(t, "GET", "/Users"+filterQ(`userName eq "`+newName+`"`), nil).list(t); len(res) != 1 || res[0]["id"] != userID {
				t.Errorf("the new userName does not find the user")
			}
			userName = newName
		}},
		{"replace multiple attributes, without the compliance flag", func(t *testing.T) {
			r := d.do(t, "PATCH", "/Users/"+userID, patchOp(
				op("Replace", "displayName", "Pvlo"),
				op("Replace", `emails[type eq "work"].value`, "TestBcwqnm@test.microsoft.com"),
				op("Replace", "name.givenName", "Gtfd"),
				op("Replace", "name.familyName", "Pkqf"),
				op("Replace", "externalId", "Eqpj"),
				op("Replace", enterprise+":employeeNumber", "Eqpj"),
			)).want(t, http.StatusOK)
			for _, c := range []struct {
				got, want any
			}{
				{r.Body["displayName"], "Pvlo"},
				{get(r.Body, "emails", 0, "value"), "TestBcwqnm@test.microsoft.com"},
				{get(r.Body, "name", "givenName"), "Gtfd"},
				{get(r.Body, "name", "familyName"), "Pkqf"},
				{r.Body["externalId"], "Eqpj"},
				{get(r.Body, enterprise, "employeeNumber"), "Eqpj"},
				{get(r.Body, enterprise, "department"), "Tour Operations"},
			} {
				if c.got != c.want {
					t.Errorf("got %#v, want %#v in %s", c.got, c.want, r.Raw)
				}
			}
			externalID = "Eqpj"
		}},
		{"replace multiple attributes, with the compliance flag: path-less with dotted keys", func(t *testing.T) {
			r := d.do(t, "PATCH", "/Users/"+userID, patchOp(
				op("replace", `emails[type eq "work"].value`, "TestMhvaes@test.microsoft.com"),
				op("replace", "", map[string]any{
					"displayName":                  "Bjfe",
					"name.givenName":               "Kkom",
					"name.familyName":              "Unua",
					enterprise + ":employeeNumber": "Aklq",
				}),
			)).want(t, http.StatusOK)
			for _, c := range []struct {
				got, want any
			}{
				{r.Body["displayName"], "Bjfe"},
				{get(r.Body, "emails", 0, "value"), "TestMhvaes@test.microsoft.com"},
				{get(r.Body, "name", "givenName"), "Kkom"},
				{get(r.Body, "name", "familyName"), "Unua"},
				{get(r.Body, enterprise, "employeeNumber"), "Aklq"},
				{get(r.Body, enterprise, "department"), "Tour Operations"},
			} {
				if c.got != c.want {
					t.Errorf("got %#v, want %#v in %s", c.got, c.want, r.Raw)
				}
			}
			if _, ok := r.Body["name.givenName"]; ok {
				t.Errorf("a dotted key was stored as an attribute: %s", r.Raw)
			}
			if len(r.Body["emails"].([]any)) != 1 {
				t.Errorf("emails = %v, want one", r.Body["emails"])
			}
		}},
		{"add a single-valued string attribute with Add", func(t *testing.T) {
			r := d.do(t, "PATCH", "/Users/"+userID, patchOp(op("Add", "nickName", "Babs"))).want(t, http.StatusOK)
			if r.Body["nickName"] != "Babs" {
				t.Errorf("nickName %v", r.Body["nickName"])
			}
		}},
		{"addresses[type eq work] sub-attributes create the address", func(t *testing.T) {
			r := d.do(t, "PATCH", "/Users/"+userID, patchOp(
				op("Add", `addresses[type eq "work"].formatted`, "1 Microsoft Way, Redmond"),
				op("Add", `addresses[type eq "work"].postalCode`, "98052"),
				op("Add", `phoneNumbers[type eq "mobile"].value`, "+1 555 0100"),
			)).want(t, http.StatusOK)
			addrs, _ := r.Body["addresses"].([]any)
			if len(addrs) != 1 {
				t.Fatalf("addresses = %v, want one work address", r.Body["addresses"])
			}
			if get(addrs, 0, "type") != "work" || get(addrs, 0, "formatted") != "1 Microsoft Way, Redmond" || get(addrs, 0, "postalCode") != "98052" {
				t.Errorf("address = %v", addrs[0])
			}
			if get(r.Body, "phoneNumbers", 0, "type") != "mobile" || get(r.Body, "phoneNumbers", 0, "value") != "+1 555 0100" {
				t.Errorf("phoneNumbers = %v", r.Body["phoneNumbers"])
			}
			r = d.do(t, "PATCH", "/Users/"+userID, patchOp(op("Replace", `addresses[type eq "work"].formatted`, "2 Main St"))).want(t, http.StatusOK)
			if addrs, _ := r.Body["addresses"].([]any); len(addrs) != 1 || get(addrs, 0, "formatted") != "2 Main St" || get(addrs, 0, "postalCode") != "98052" {
				t.Errorf("after replace, addresses = %v", r.Body["addresses"])
			}
		}},
		{"manager: added as a plain string, removed with null and with Remove", func(t *testing.T) {
			managerID = d.createUser(t, "manager-"+guid()+"@testuser.com")
			path := enterprise + ":manager"
			r := d.do(t, "PATCH", "/Users/"+userID, patchOp(op("Add", path, managerID))).want(t, http.StatusOK)
			if get(r.Body, enterprise, "manager", "value") != managerID {
				t.Fatalf("manager = %v, want {value: %s}", get(r.Body, enterprise, "manager"), managerID)
			}
			r = d.do(t, "PATCH", "/Users/"+userID, patchOp(op("Replace", path, nil))).want(t, http.StatusOK)
			if m := get(r.Body, enterprise, "manager"); m != nil {
				t.Errorf("manager after replace with null = %v, want none", m)
			}
			if get(r.Body, enterprise, "employeeNumber") != "Aklq" {
				t.Errorf("clearing the manager lost the other enterprise attributes: %v", r.Body[enterprise])
			}
			d.do(t, "PATCH", "/Users/"+userID, patchOp(op("Add", path, managerID))).want(t, http.StatusOK)
			r = d.do(t, "PATCH", "/Users/"+userID, patchOp(opRemove("Remove", path))).want(t, http.StatusOK)
			if m := get(r.Body, enterprise, "manager"); m != nil {
				t.Errorf("manager after Remove = %v, want none", m)
			}
			// GET agrees with the PATCH response.
			g := d.do(t, "GET", "/Users/"+userID, nil).want(t, http.StatusOK)
			if m := get(g.Body, enterprise, "manager"); m != nil {
				t.Errorf("GET shows manager %v after removal", m)
			}
		}},
		{"disable user with active \"False\" as a string", func(t *testing.T) {
			r := d.do(t, "PATCH", "/Users/"+userID, patchOp(op("Replace", "active", "False"))).want(t, http.StatusOK)
			if r.Body["active"] != false {
				t.Fatalf("active = %#v, want false", r.Body["active"])
			}
			// An inactive user is still returned, by id and by query.
			g := d.do(t, "GET", "/Users/"+userID, nil).want(t, http.StatusOK)
			if g.Body["active"] != false {
				t.Errorf("GET active = %#v", g.Body["active"])
			}
			if res := d.do(t, "GET", "/Users"+filterQ(`userName eq "`+userName+`"`), nil).list(t); len(res) != 1 || res[0]["active"] != false {
				t.Errorf("query after disabling: %v", res)
			}
			if u, err := d.f.store.GetUser(bg, d.tenant, userID); err != nil || u.Active {
				t.Errorf("store: user active=%v err=%v, want inactive", u != nil && u.Active, err)
			}
			// Restored with "True", disabled again the compliant way.
			r = d.do(t, "PATCH", "/Users/"+userID, patchOp(op("Replace", "active", "True"))).want(t, http.StatusOK)
			if r.Body["active"] != true {
				t.Errorf("active = %#v after \"True\"", r.Body["active"])
			}
			r = d.do(t, "PATCH", "/Users/"+userID, patchOp(op("replace", "active", false))).want(t, http.StatusOK)
			if r.Body["active"] != false {
				t.Errorf("active = %#v after false", r.Body["active"])
			}
		}},
		{"create group", func(t *testing.T) {
			r := d.do(t, "POST", "/Groups", map[string]any{
				"schemas":     []string{scim.GroupSchema, "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"},
				"externalId":  "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
				"displayName": groupName,
				"meta":        map[string]any{"resourceType": "Group"},
			}).want(t, http.StatusCreated)
			groupID = r.id(t)
			d.wantSingle(t, r, "Group")
			if loc := r.Header.Get("Location"); loc != d.base+"/Groups/"+groupID {
				t.Errorf("Location %q", loc)
			}
			if r.Body["displayName"] != groupName || r.Body["externalId"] != "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159" {
				t.Errorf("group = %s", r.Raw)
			}
			if m, _ := r.Body["members"].([]any); len(m) != 0 {
				t.Errorf("a new group has members: %v", m)
			}
			if !slices.Contains(strs(r.Body["schemas"]), scim.GroupSchema) {
				t.Errorf("schemas %v", r.Body["schemas"])
			}
		}},
		{"get group, and by displayName, without members", func(t *testing.T) {
			r := d.do(t, "GET", "/Groups/"+groupID+"?excludedAttributes=members", nil).want(t, http.StatusOK)
			d.wantSingle(t, r, "Group")
			if _, ok := r.Body["members"]; ok {
				t.Errorf("members returned despite excludedAttributes=members")
			}
			r = d.do(t, "GET", "/Groups?excludedAttributes=members&filter="+pathEscape(`displayName eq "`+groupName+`"`), nil)
			res := r.list(t)
			if len(res) != 1 || res[0]["id"] != groupID || res[0]["displayName"] != groupName {
				t.Fatalf("lookup by displayName: %s", r.Raw)
			}
			if _, ok := res[0]["members"]; ok {
				t.Errorf("members returned despite excludedAttributes=members")
			}
			d.wantResource(t, r, "Group", res[0])
		}},
		{"add members in a batch", func(t *testing.T) {
			memberIDs = []string{userID}
			for i := 0; i < 3; i++ {
				memberIDs = append(memberIDs, d.createUser(t, "member-"+guid()+"@testuser.com"))
			}
			before := d.do(t, "GET", "/Groups/"+groupID, nil).Header.Get("ETag")
			values := []map[string]any{}
			for _, id := range memberIDs {
				values = append(values, map[string]any{"$ref": nil, "value": id})
			}
			r := d.do(t, "PATCH", "/Groups/"+groupID, patchOp(op("Add", "members", values))).want(t, http.StatusNoContent)
			if len(r.Raw) != 0 {
				t.Errorf("204 with a body: %s", r.Raw)
			}
			if etag := r.Header.Get("ETag"); etag == "" || etag == before {
				t.Errorf("ETag after PATCH %q (before %q)", etag, before)
			}
			g := d.do(t, "GET", "/Groups/"+groupID, nil).want(t, http.StatusOK)
			if got := ids(g.Body["members"], "value"); !sameSet(got, memberIDs) {
				t.Fatalf("members %v, want %v", got, memberIDs)
			}
			for _, m := range g.Body["members"].([]any) {
				if get(m, "type") != "User" || get(m, "$ref") != d.base+"/Users/"+str(get(m, "value")) {
					t.Errorf("member %v: want type User and $ref to the user", m)
				}
			}
			// Adding the same batch again changes nothing.
			d.do(t, "PATCH", "/Groups/"+groupID, patchOp(op("Add", "members", values))).want(t, http.StatusNoContent)
			if got := d.members(t, groupID); !sameSet(got, memberIDs) {
				t.Errorf("members after re-adding %v", got)
			}
			// The user sees its group.
			u := d.do(t, "GET", "/Users/"+userID, nil).want(t, http.StatusOK)
			gs, _ := u.Body["groups"].([]any)
			if len(gs) != 1 || get(gs, 0, "value") != groupID || get(gs, 0, "display") != groupName || get(gs, 0, "type") != "direct" {
				t.Errorf("user groups = %v", u.Body["groups"])
			}
		}},
		{"remove a member with path members[value eq id]", func(t *testing.T) {
			gone := memberIDs[1]
			d.do(t, "PATCH", "/Groups/"+groupID, patchOp(opRemove("remove", `members[value eq "`+gone+`"]`))).want(t, http.StatusNoContent)
			memberIDs = slices.DeleteFunc(memberIDs, func(s string) bool { return s == gone })
			if got := d.members(t, groupID); !sameSet(got, memberIDs) {
				t.Errorf("members %v, want %v", got, memberIDs)
			}
		}},
		{"remove members with path members and a value array", func(t *testing.T) {
			gone := memberIDs[2]
			d.do(t, "PATCH", "/Groups/"+groupID, patchOp(op("Remove", "members", []map[string]any{{"$ref": nil, "value": gone}}))).want(t, http.StatusNoContent)
			memberIDs = slices.DeleteFunc(memberIDs, func(s string) bool { return s == gone })
			if got := d.members(t, groupID); !sameSet(got, memberIDs) {
				t.Errorf("members %v, want %v", got, memberIDs)
			}
			// The removed user no longer lists the group.
			u := d.do(t, "GET", "/Users/"+gone, nil).want(t, http.StatusOK)
			if gs, _ := u.Body["groups"].([]any); len(gs) != 0 {
				t.Errorf("removed member still has groups %v", gs)
			}
		}},
		{"rename group", func(t *testing.T) {
			oldName := groupName
			groupName = "1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName"
			d.do(t, "PATCH", "/Groups/"+groupID, patchOp(op("Replace", "displayName", groupName))).want(t, http.StatusNoContent)
			r := d.do(t, "GET", "/Groups/"+groupID, nil).want(t, http.StatusOK)
			if r.Body["displayName"] != groupName {
				t.Errorf("displayName %v", r.Body["displayName"])
			}
			if got := ids(r.Body["members"], "value"); !sameSet(got, memberIDs) {
				t.Errorf("rename changed members: %v", got)
			}
			if res := d.do(t, "GET", "/Groups"+filterQ(`displayName eq "`+oldName+`"`), nil).list(t); len(res) != 0 {
				t.Errorf("old name still finds the group")
			}
			if res := d.do(t, "GET", "/Groups"+filterQ(`displayName eq "`+groupName+`"`), nil).list(t); len(res) != 1 {
				t.Errorf("new name does not find the group")
			}
			u := d.do(t, "GET", "/Users/"+userID, nil).want(t, http.StatusOK)
			if get(u.Body, "groups", 0, "display") != groupName {
				t.Errorf("the member's groups show %v", u.Body["groups"])
			}
		}},
		{"delete user", func(t *testing.T) {
			r := d.do(t, "DELETE", "/Users/"+userID, nil).want(t, http.StatusNoContent)
			if len(r.Raw) != 0 {
				t.Errorf("204 with a body: %s", r.Raw)
			}
			d.do(t, "GET", "/Users/"+userID, nil).wantError(t, http.StatusNotFound, "")
			d.do(t, "DELETE", "/Users/"+userID, nil).wantError(t, http.StatusNotFound, "")
			d.do(t, "PATCH", "/Users/"+userID, patchOp(op("Replace", "active", "False"))).wantError(t, http.StatusNotFound, "")
			if res := d.do(t, "GET", "/Users"+filterQ(`userName eq "`+userName+`"`), nil).list(t); len(res) != 0 {
				t.Errorf("deleted user still found by query")
			}
			memberIDs = slices.DeleteFunc(memberIDs, func(s string) bool { return s == userID })
			if got := d.members(t, groupID); !sameSet(got, memberIDs) {
				t.Errorf("after deleting the user, members %v, want %v", got, memberIDs)
			}
			// The manager the user referenced is untouched.
			d.do(t, "GET", "/Users/"+managerID, nil).want(t, http.StatusOK)
		}},
		{"delete group", func(t *testing.T) {
			d.do(t, "DELETE", "/Groups/"+groupID, nil).want(t, http.StatusNoContent)
			d.do(t, "GET", "/Groups/"+groupID, nil).wantError(t, http.StatusNotFound, "")
			d.do(t, "GET", "/Groups/"+groupID+"?excludedAttributes=members", nil).wantError(t, http.StatusNotFound, "")
			if res := d.do(t, "GET", "/Groups"+filterQ(`displayName eq "`+groupName+`"`, "excludedAttributes", "members"), nil).list(t); len(res) != 0 {
				t.Errorf("deleted group still found")
			}
			// Its former members remain, without the group.
			for _, id := range memberIDs {
				u := d.do(t, "GET", "/Users/"+id, nil).want(t, http.StatusOK)
				if gs, _ := u.Body["groups"].([]any); len(gs) != 0 {
					t.Errorf("user %s still has groups %v", id, gs)
				}
			}
		}},
	})
}

// TestEntraLookupByWorkEmail: "Any attributes that are considered for user
// uniqueness must be usable as part of a filtered query. (for example, if
// user uniqueness is evaluated for both userName and emails[type eq "work"],
// a GET to /Users with a filter must allow for both userName eq
// "user@contoso.com" and emails[type eq "work"].value eq "user@contoso.com"
// queries." The second form is not in RFC 7644's filter grammar (a value
// path takes no sub-attribute there), but it is what Entra ID sends.
func TestEntraLookupByWorkEmail(t *testing.T) {
	t.Parallel()
	d := newDir(t)
	email := "Test_User_" + guid() + "@testuser.com"
	r := d.do(t, "POST", "/Users", map[string]any{
		"schemas":  []string{scim.UserSchema},
		"userName": "Test_User_" + guid(),
		"emails":   []any{map[string]any{"primary": true, "type": "work", "value": email}},
	}).want(t, http.StatusCreated)
	id := r.id(t)
	d.createUser(t, "other-"+guid()) // must not match
	r = d.do(t, "GET", "/Users"+filterQ(`emails[type eq "work"].value eq "`+email+`"`), nil)
	if r.Status != http.StatusOK {
		t.Fatalf("BUG in scim.(*ResourceType).ParseFilter: Entra's lookup filter is refused: %s", r)
	}
	if res := r.list(t); len(res) != 1 || res[0]["id"] != id {
		t.Errorf("lookup by work email found %s", r.Raw)
	}
}

// TestEntraSchemaDiscovery replays the /Schemas request Entra ID makes
// when the provisioning configuration is saved, and the other discovery
// endpoints.
func TestEntraSchemaDiscovery(t *testing.T) {
	t.Parallel()
	d := newDir(t)
	r := d.do(t, "GET", "/Schemas", nil)
	res := r.list(t)
	got := ids(res, "id")
	want := sorted(scim.UserSchema, scim.EnterpriseUserSchema, scim.GroupSchema)
	if !slices.Equal(got, want) {
		t.Errorf("schemas %v, want %v", got, want)
	}
	for _, s := range res {
		if get(s, "meta", "location") != d.base+"/Schemas/"+str(s["id"]) {
			t.Errorf("schema %v: meta.location %v", s["id"], get(s, "meta", "location"))
		}
		// Entra: "Property values should be camel cased (for example, readWrite)."
		for _, a := range s["attributes"].([]any) {
			if m := str(get(a, "mutability")); m != "readWrite" && m != "readOnly" && m != "writeOnly" && m != "immutable" {
				t.Errorf("%v.%v mutability %q", s["id"], get(a, "name"), m)
			}
		}
	}
	one := d.do(t, "GET", "/Schemas/"+scim.EnterpriseUserSchema, nil).want(t, http.StatusOK)
	if one.Body["id"] != scim.EnterpriseUserSchema {
		t.Errorf("GET /Schemas/{urn}: %s", one.Raw)
	}
	d.do(t, "GET", "/Schemas/urn:example:nope", nil).wantError(t, http.StatusNotFound, "")

	rt := d.do(t, "GET", "/ResourceTypes", nil)
	if got := ids(rt.list(t), "name"); !slices.Equal(got, []string{"Group", "User"}) {
		t.Errorf("resource types %v", got)
	}
	u := d.do(t, "GET", "/ResourceTypes/User", nil).want(t, http.StatusOK)
	if u.Body["endpoint"] != "/Users" || u.Body["schema"] != scim.UserSchema || get(u.Body, "schemaExtensions", 0, "schema") != scim.EnterpriseUserSchema {
		t.Errorf("User resource type: %s", u.Raw)
	}
	d.do(t, "GET", "/ResourceTypes/Device", nil).wantError(t, http.StatusNotFound, "")

	spc := d.do(t, "GET", "/ServiceProviderConfig", nil).want(t, http.StatusOK)
	if get(spc.Body, "patch", "supported") != true || get(spc.Body, "filter", "maxResults") != float64(scim.MaxResults) {
		t.Errorf("ServiceProviderConfig: %s", spc.Raw)
	}
	if get(spc.Body, "authenticationSchemes", 0, "type") != "oauthbearertoken" {
		t.Errorf("authenticationSchemes: %v", spc.Body["authenticationSchemes"])
	}
	if get(spc.Body, "meta", "location") != d.base+"/ServiceProviderConfig" {
		t.Errorf("ServiceProviderConfig meta.location %v", get(spc.Body, "meta", "location"))
	}
}
