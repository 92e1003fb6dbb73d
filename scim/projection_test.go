package scim

import (
	"testing"
	"time"

	"github.com/rosterhq/roster"
)

var testEncoder = Encoder{Base: "https://roster.test/scim/v2/directories/d1"}

// testUser is the full user of fullUserJSON as the store returns it.
func testUser(t testing.TB, body string) (*roster.User, []roster.GroupRef) {
	t.Helper()
	res, err := UserType.Normalize(mustDecode(t, body))
	if err != nil {
		t.Fatal(err)
	}
	u := &roster.User{
		ID:           "u-1",
		Version:      3,
		Created:      time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		LastModified: time.Date(2026, 1, 2, 3, 4, 5, 500_000_000, time.FixedZone("CET", 3600)),
	}
	UserFromDoc(res.Doc, u)
	groups := []roster.GroupRef{{ID: "g1", Display: "Admins", Direct: true}, {ID: "g2", Direct: false}}
	return u, groups
}

const (
	testMeta   = `"meta":{"resourceType":"User","created":"2026-01-01T00:00:00Z","lastModified":"2026-01-02T02:04:05.5Z","location":"https://roster.test/scim/v2/directories/d1/Users/u-1","version":"W/\"3\""}`
	testGroups = `"groups":[{"value":"g1","$ref":"https://roster.test/scim/v2/directories/d1/Groups/g1","display":"Admins","type":"direct"},{"value":"g2","$ref":"https://roster.test/scim/v2/directories/d1/Groups/g2","type":"indirect"}]`
	testSchema = `"schemas":["$CORE","$ENT"]`
)

// fullUserOut is what a client sees of fullUserJSON with no projection.
var fullUserOut = `{"id":"u-1",` + testSchema + `,
	"userName":"alice@acme.test","externalId":"ext-1","displayName":"Alice Smith","nickName":"Al","title":"Engineer","active":true,
	"name":{"givenName":"Alice","familyName":"Smith","formatted":"Alice Smith"},
	"emails":[{"value":"alice@acme.test","type":"work","primary":true},{"value":"alice@home.test","type":"home"}],
	"phoneNumbers":[{"value":"+1 555 0100","type":"mobile"}],
	"addresses":[{"type":"home","locality":"Springfield","country":"US"}],
	"roles":[{"value":"admin"}],
	"$ENT":{"employeeNumber":"42","department":"R&D","manager":{"value":"boss-id"}},
	` + testGroups + `,` + testMeta + `}`

func TestProjection(t *testing.T) {
	u, groups := testUser(t, fullUserJSON)
	full := mustDecode(t, expand(fullUserOut))
	without := func(keys ...string) string {
		m := deepCopy(full).(map[string]any)
		for _, k := range keys {
			delete(m, expand(k))
		}
		return string(MarshalDoc(m))
	}
	tests := []struct {
		name                string
		attributes, exclude string
		want                string
	}{
		{"no projection", "", "", fullUserOut},
		{"blank parameters", " ", " ", fullUserOut},
		{"attributes=userName", "userName", "", `{"id":"u-1",` + testSchema + `,"userName":"alice@acme.test"}`},
		{"attributes in any case", "USERNAME, Title", "", `{"id":"u-1",` + testSchema + `,"userName":"alice@acme.test","title":"Engineer"}`},
		{"attributes=id", "id", "", `{"id":"u-1",` + testSchema + `}`},
		{"unknown attributes select nothing", "nope,urn:x:y", "", `{"id":"u-1",` + testSchema + `}`},
		{"password is never returned", "password", "", `{"id":"u-1",` + testSchema + `}`},
		{"a sub-attribute", "name.givenName", "", `{"id":"u-1",` + testSchema + `,"name":{"givenName":"Alice"}}`},
		{"a sub-attribute and its parent", "name.givenName,name", "", `{"id":"u-1",` + testSchema + `,"name":{"givenName":"Alice","familyName":"Smith","formatted":"Alice Smith"}}`},
		{"a sub-attribute of a multi-valued attribute", "emails.value", "", `{"id":"u-1",` + testSchema + `,"emails":[{"value":"alice@acme.test"},{"value":"alice@home.test"}]}`},
		{"a multi-valued attribute", "emails", "", `{"id":"u-1",` + testSchema + `,"emails":[{"value":"alice@acme.test","type":"work","primary":true},{"value":"alice@home.test","type":"home"}]}`},
		{"groups", "groups", "", `{"id":"u-1",` + testSchema + `,` + testGroups + `}`},
		{"groups.display drops groups without one", "groups.display", "", `{"id":"u-1",` + testSchema + `,"groups":[{"display":"Admins"}]}`},
		{"an extension attribute by URN", "$ENT:employeeNumber", "", `{"id":"u-1",` + testSchema + `,"$ENT":{"employeeNumber":"42"}}`},
		{"an extension attribute without URN", "department", "", `{"id":"u-1",` + testSchema + `,"$ENT":{"department":"R&D"}}`},
		{"an extension sub-attribute", "$ENT:manager.value", "", `{"id":"u-1",` + testSchema + `,"$ENT":{"manager":{"value":"boss-id"}}}`},
		{"a whole extension", "$ENT", "", `{"id":"u-1",` + testSchema + `,"$ENT":{"employeeNumber":"42","department":"R&D","manager":{"value":"boss-id"}}}`},
		{"meta", "meta", "", `{"id":"u-1",` + testSchema + `,` + testMeta + `}`},
		{"meta.location", "meta.location", "", `{"id":"u-1",` + testSchema + `,"meta":{"location":"https://roster.test/scim/v2/directories/d1/Users/u-1"}}`},
		// A value filter in attributes returns the elements it selects
		// (Microsoft's reference tests); in excludedAttributes it selects
		// nothing.
		{"a value filter", `emails[type eq "work"]`, "", `{"id":"u-1",` + testSchema + `,"emails":[{"value":"alice@acme.test","type":"work","primary":true}]}`},
		{"a value filter on value, any case", `Emails[VALUE eq "ALICE@HOME.TEST"]`, "", `{"id":"u-1",` + testSchema + `,"emails":[{"value":"alice@home.test","type":"home"}]}`},
		{"a value filter and a sub-attribute", `emails[type eq "home"].value`, "", `{"id":"u-1",` + testSchema + `,"emails":[{"value":"alice@home.test"}]}`},
		{"two value filters", `emails[type eq "home"],emails[primary eq true]`, "", `{"id":"u-1",` + testSchema + `,"emails":[{"value":"alice@acme.test","type":"work","primary":true},{"value":"alice@home.test","type":"home"}]}`},
		{"a value filter and the whole attribute", `emails[type eq "home"],emails`, "", `{"id":"u-1",` + testSchema + `,"emails":[{"value":"alice@acme.test","type":"work","primary":true},{"value":"alice@home.test","type":"home"}]}`},
		{"a value filter matching nothing", `emails[type eq "other"]`, "", `{"id":"u-1",` + testSchema + `}`},
		{"a value filter beside a name", `userName,emails[type eq "work"].value`, "", `{"id":"u-1",` + testSchema + `,"userName":"alice@acme.test","emails":[{"value":"alice@acme.test"}]}`},
		{"a broken value filter selects nothing", `emails[type eq]`, "", `{"id":"u-1",` + testSchema + `}`},
		{"a value filter on a single-valued attribute selects nothing", `name[givenName eq "Alice"]`, "", `{"id":"u-1",` + testSchema + `}`},
		{"exclude with a value filter has no effect", "", `emails[type eq "work"]`, fullUserOut},
		{"attributes wins over excludedAttributes", "userName", "userName", `{"id":"u-1",` + testSchema + `,"userName":"alice@acme.test"}`},

		{"exclude groups", "", "groups", without("groups")},
		{"exclude in any case", "", "GROUPS,Emails", without("groups", "emails")},
		{"exclude id has no effect", "", "id", fullUserOut},
		{"exclude password has no effect", "", "password", fullUserOut},
		{"exclude unknown has no effect", "", "nope", fullUserOut},
		{"exclude meta", "", "meta", without("meta")},
		{"exclude a sub-attribute", "", "name.givenName", func() string {
			m := deepCopy(full).(map[string]any)
			delete(m["name"].(map[string]any), "givenName")
			return string(MarshalDoc(m))
		}()},
		{"exclude a whole extension", "", "$ENT", without("$ENT")},
		{"exclude an extension attribute", "", "$ENT:manager", func() string {
			m := deepCopy(full).(map[string]any)
			delete(m[EnterpriseUserSchema].(map[string]any), "manager")
			return string(MarshalDoc(m))
		}()},
		{"exclude every extension attribute", "", "employeeNumber,department,manager", without("$ENT")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := UserType.ParseProjection(expand(tc.attributes), expand(tc.exclude))
			out, err := testEncoder.AppendUser(nil, u, groups, p)
			if err != nil {
				t.Fatal(err)
			}
			got, err := UnmarshalDoc(out)
			if err != nil {
				t.Fatalf("invalid JSON %s: %v", out, err)
			}
			checkUniqueKeys(t, out)
			if ok, g, w := sameJSON(got, mustDecode(t, expand(tc.want))); !ok {
				t.Errorf("AppendUser with attributes=%q excludedAttributes=%q\n got %s\nwant %s", tc.attributes, tc.exclude, g, w)
			}
		})
	}
}

func TestProjectionUnknownExtension(t *testing.T) {
	u, _ := testUser(t, `{"userName":"bob","title":"T","urn:example:acme:1.0":{"badge":"7"}}`)
	for _, tc := range []struct{ attributes, exclude, want string }{
		{"userName", "", `{"id":"u-1","schemas":["$CORE","urn:example:acme:1.0"],"userName":"bob"}`},
		{"", "title", `{"id":"u-1","schemas":["$CORE","urn:example:acme:1.0"],"userName":"bob","urn:example:acme:1.0":{"badge":"7"},` + testMeta + `}`},
	} {
		out, err := testEncoder.AppendUser(nil, u, nil, UserType.ParseProjection(tc.attributes, tc.exclude))
		if err != nil {
			t.Fatal(err)
		}
		got, err := UnmarshalDoc(out)
		if err != nil {
			t.Fatalf("%s: %v", out, err)
		}
		if ok, g, w := sameJSON(got, mustDecode(t, expand(tc.want))); !ok {
			t.Errorf("attributes=%q excludedAttributes=%q\n got %s\nwant %s", tc.attributes, tc.exclude, g, w)
		}
	}
}

func TestProjectionWants(t *testing.T) {
	tests := []struct {
		rt                  *ResourceType
		attributes, exclude string
		name                string
		wants, keeps        bool
	}{
		{UserType, "", "", "groups", true, true},
		{UserType, "", "groups", "groups", false, true},
		{UserType, "", "groups", "emails", true, true},
		{UserType, "", "title", "groups", true, false},
		{UserType, "", "name.givenName", "name", true, false},
		{UserType, "userName", "", "groups", false, false},
		{UserType, "userName", "", "userName", true, false},
		{UserType, "groups.display", "", "groups", true, false},
		{UserType, "", "", "password", false, true},
		{UserType, "", "", "nope", false, true},
		{GroupType, "", "members", "members", false, true},
		{GroupType, "", "", "members", true, true},
		{GroupType, "displayName", "", "members", false, false},
		{GroupType, "members.value", "", "members", true, false},
	}
	for _, tc := range tests {
		p := tc.rt.ParseProjection(tc.attributes, tc.exclude)
		if got := p.Wants(tc.rt, tc.name); got != tc.wants {
			t.Errorf("%s attributes=%q excludedAttributes=%q: Wants(%s) = %v", tc.rt.Name, tc.attributes, tc.exclude, tc.name, got)
		}
		if got := p.KeepsDocument(tc.rt); got != tc.keeps {
			t.Errorf("%s attributes=%q excludedAttributes=%q: KeepsDocument = %v", tc.rt.Name, tc.attributes, tc.exclude, got)
		}
	}
	if p := UserType.ParseProjection("", ""); p != nil {
		t.Errorf("no parameters give %+v, want nil", p)
	}
}
