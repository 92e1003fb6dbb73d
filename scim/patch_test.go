package scim

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster"
)

// expand writes the schema URNs into a test's JSON: $ENT and $CORE.
var expand = strings.NewReplacer("$ENT", EnterpriseUserSchema, "$CORE", UserSchema, "$GROUP", GroupSchema).Replace

func TestParsePatch(t *testing.T) {
	tests := []struct {
		name string
		body string
		want []Operation
	}{
		{"RFC 7644 example", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"members","value":[{"value":"u1"}]}]}`,
			[]Operation{{Op: "add", Path: "members", Value: []any{map[string]any{"value": "u1"}}}}},
		{"op in any case (Entra)", `{"Operations":[{"op":"Replace","path":"active","value":"False"},{"op":"Add","path":"title","value":"x"},{"op":"REMOVE","path":"nickName"}]}`,
			[]Operation{{Op: "replace", Path: "active", Value: "False"}, {Op: "add", Path: "title", Value: "x"}, {Op: "remove", Path: "nickName"}}},
		{"keys in any case", `{"SCHEMAS":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"operations":[{"OP":" add ","Path":" title ","VALUE":"x"}]}`,
			[]Operation{{Op: "add", Path: "title", Value: "x"}}},
		{"OPERATIONS", `{"OPERATIONS":[{"op":"remove","path":"title"}]}`, []Operation{{Op: "remove", Path: "title"}}},
		{"path null", `{"Operations":[{"op":"replace","path":null,"value":{"active":false}}]}`,
			[]Operation{{Op: "replace", Value: map[string]any{"active": false}}}},
		{"no path, no value", `{"Operations":[{"op":"remove"}]}`, []Operation{{Op: "remove"}}},
		// Microsoft's reference tests: members RFC 7644 does not define
		// are ignored, in the body and in an operation.
		{"id beside Operations, name inside one", `{"id":"g1","schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"name":"addMember","op":"add","path":"members","value":[{"value":"u1"}],"from":"b"}]}`,
			[]Operation{{Op: "add", Path: "members", Value: []any{map[string]any{"value": "u1"}}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ops, err := ParsePatch(mustDecode(t, tc.body))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(ops, tc.want) {
				t.Errorf("ParsePatch = %#v, want %#v", ops, tc.want)
			}
		})
	}

	tooMany := `{"Operations":[` + strings.TrimSuffix(strings.Repeat(`{"op":"add","path":"title","value":"x"},`, MaxPatchOperations+1), ",") + `]}`
	exactly := `{"Operations":[` + strings.TrimSuffix(strings.Repeat(`{"op":"add","path":"title","value":"x"},`, MaxPatchOperations), ",") + `]}`
	if ops, err := ParsePatch(mustDecode(t, exactly)); err != nil || len(ops) != MaxPatchOperations {
		t.Errorf("%d operations: %v", MaxPatchOperations, err)
	}
	invalid := []struct {
		name     string
		body     string
		scimType string
		detail   []string
	}{
		{"unknown op", `{"Operations":[{"op":"move","path":"title"}]}`, roster.ScimInvalidSyntax, []string{`Operations[0].op is "move"`, "add, remove or replace"}},
		{"unknown op, key in capitals", `{"Operations":[{"OP":"Copy","path":"title"}]}`, roster.ScimInvalidSyntax, []string{`Operations[0].op is "Copy"`}},
		{"op missing", `{"Operations":[{"path":"title","value":"x"}]}`, roster.ScimInvalidSyntax, []string{"Operations[0].op is missing"}},
		{"op not a string", `{"Operations":[{"op":1,"path":"title"}]}`, roster.ScimInvalidSyntax, []string{"Operations[0].op is 1"}},
		{"second op bad", `{"Operations":[{"op":"add","path":"a","value":"x"},{"op":"patch"}]}`, roster.ScimInvalidSyntax, []string{"Operations[1].op"}},
		{"add without value", `{"Operations":[{"op":"add","path":"title"}]}`, roster.ScimInvalidSyntax, []string{"Operations[0] (add) needs a value"}},
		{"Replace without value", `{"Operations":[{"op":"Replace","path":"active"}]}`, roster.ScimInvalidSyntax, []string{"Operations[0] (replace) needs a value"}},
		{"add without value or path", `{"Operations":[{"op":"add"}]}`, roster.ScimInvalidSyntax, []string{"needs a value"}},
		{"schemas without the PatchOp URN", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"Operations":[{"op":"add","path":"title","value":"x"}]}`, roster.ScimInvalidValue, []string{"schemas must include urn:ietf:params:scim:api:messages:2.0:PatchOp"}},
		{"schemas empty", `{"schemas":[],"Operations":[{"op":"add","path":"title","value":"x"}]}`, roster.ScimInvalidValue, []string{"schemas must include"}},
		{"missing Operations", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"]}`, roster.ScimInvalidSyntax, []string{`needs "Operations"`}},
		{"empty Operations", `{"Operations":[]}`, roster.ScimInvalidSyntax, []string{`needs "Operations"`}},
		{"Operations not a list", `{"Operations":{"op":"add"}}`, roster.ScimInvalidSyntax, []string{`needs "Operations"`}},
		{"Operations null", `{"Operations":null}`, roster.ScimInvalidSyntax, []string{`needs "Operations"`}},
		{"Operations twice", `{"Operations":[{"op":"add","path":"a","value":"x"}],"operations":[{"op":"remove","path":"a"}]}`, roster.ScimInvalidSyntax, []string{"Operations", "twice"}},
		{"operation not an object", `{"Operations":["add"]}`, roster.ScimInvalidSyntax, []string{"Operations[0] must be an object, not a string"}},
		{"member of an operation twice", `{"Operations":[{"op":"add","OP":"remove","path":"a","value":"x"}]}`, roster.ScimInvalidSyntax, []string{"Operations[0]", "twice"}},
		{"path not a string", `{"Operations":[{"op":"add","path":["a"],"value":"x"}]}`, roster.ScimInvalidPath, []string{"Operations[0].path must be a string"}},
		{"schemas not a list", `{"schemas":"x","Operations":[{"op":"add","path":"a","value":"x"}]}`, roster.ScimInvalidSyntax, []string{"schemas must be an array"}},
		{"too many operations", tooMany, roster.ScimTooMany, []string{"1001 operations; the limit is 1000"}},
	}
	for _, tc := range invalid {
		t.Run(tc.name, func(t *testing.T) {
			ops, err := ParsePatch(mustDecode(t, tc.body))
			if ops != nil {
				t.Errorf("ParsePatch returned %v with an error", ops)
			}
			checkError(t, err, roster.EInvalid, tc.scimType, tc.detail...)
		})
	}
}

type patchCase struct {
	name string
	doc  string // the document patched; the full user (or group) when empty
	ops  string // the Operations array
	// want lists the top-level attributes of the document that the patch
	// changes, with their new values (null: removed); every other attribute
	// must be as it was.
	want     string
	members  string // the member operations expected, as memberOpsString prints them
	scimType string // the error expected, if any
	detail   []string
}

const (
	bobJSON      = `{"userName":"bob"}`
	homeOnlyJSON = `{"userName":"bob","emails":[{"value":"bob@home.test","type":"home","primary":true}]}`
)

func TestPatchUser(t *testing.T) {
	tests := []patchCase{
		// RFC 7644 §3.5.2.1, add.
		{name: "add a single-valued attribute", ops: `[{"op":"add","path":"title","value":"Boss"}]`, want: `{"title":"Boss"}`},
		{name: "add replaces a single value", ops: `[{"op":"add","path":"nickName","value":"Ally"}]`, want: `{"nickName":"Ally"}`},
		{name: "add without path", ops: `[{"op":"add","value":{"title":"Boss","preferredLanguage":"en-GB"}}]`, want: `{"title":"Boss","preferredLanguage":"en-GB"}`},
		{name: "add to a complex attribute merges", ops: `[{"op":"add","path":"name","value":{"middleName":"J","givenName":"Al"}}]`,
			want: `{"name":{"givenName":"Al","familyName":"Smith","formatted":"Alice Smith","middleName":"J"}}`},
		{name: "add to a multi-valued attribute appends", ops: `[{"op":"add","path":"emails","value":[{"value":"third@x.test","type":"other"}]}]`,
			want: `{"emails":[{"value":"alice@acme.test","type":"work","primary":true},{"value":"alice@home.test","type":"home"},{"value":"third@x.test","type":"other"}]}`},
		{name: "add a single element to a multi-valued attribute", ops: `[{"op":"add","path":"roles","value":{"value":"dev"}}]`,
			want: `{"roles":[{"value":"admin"},{"value":"dev"}]}`},
		{name: "add a plain string to a multi-valued attribute", ops: `[{"op":"add","path":"roles","value":"dev"}]`,
			want: `{"roles":[{"value":"admin"},{"value":"dev"}]}`},
		{name: "add an existing value changes nothing", ops: `[{"op":"add","path":"emails","value":[{"value":"alice@home.test","type":"home"}]}]`, want: `{}`},
		{name: "add the same value twice adds it once", ops: `[{"op":"add","path":"roles","value":[{"value":"dev"},{"value":"dev"}]}]`,
			want: `{"roles":[{"value":"admin"},{"value":"dev"}]}`},
		{name: "add a multi-valued attribute the user lacks", doc: bobJSON, ops: `[{"op":"add","path":"emails","value":[{"value":"b@x"}]}]`,
			want: `{"emails":[{"value":"b@x"}]}`},
		{name: "add primary turns the other primary off", ops: `[{"op":"add","path":"emails","value":[{"value":"p@x.test","primary":true}]}]`,
			want: `{"emails":[{"value":"alice@acme.test","type":"work","primary":false},{"value":"alice@home.test","type":"home"},{"value":"p@x.test","primary":true}]}`},
		{name: "add a sub-attribute to every element", doc: homeOnlyJSON, ops: `[{"op":"add","path":"emails.display","value":"Home"}]`,
			want: `{"emails":[{"value":"bob@home.test","type":"home","primary":true,"display":"Home"}]}`},
		{name: "add a sub-attribute where there is no element", doc: bobJSON, ops: `[{"op":"add","path":"emails.value","value":"b@x"}]`,
			want: `{"emails":[{"value":"b@x"}]}`},
		{name: "add an empty list changes nothing", ops: `[{"op":"add","path":"emails","value":[]}]`, want: `{}`},
		{name: "add an empty object changes nothing", ops: `[{"op":"add","path":"name","value":{}}]`, want: `{}`},
		{name: "add only read-only sub-attributes changes nothing", ops: `[{"op":"add","path":"$ENT:manager","value":{"displayName":"Boss"}}]`, want: `{}`},

		// RFC 7644 §3.5.2.3, replace.
		{name: "replace active with the string False (Entra)", ops: `[{"op":"Replace","path":"active","value":"False"}]`, want: `{"active":false}`},
		{name: "replace active with a boolean", ops: `[{"op":"replace","path":"active","value":false}]`, want: `{"active":false}`},
		{name: "replace without path (Okta deactivation)", ops: `[{"op":"replace","value":{"active":false}}]`, want: `{"active":false}`},
		{name: "replace without path, dotted key", ops: `[{"op":"replace","value":{"name.givenName":"Alicia","NAME.FAMILYNAME":"Jones"}}]`,
			want: `{"name":{"givenName":"Alicia","familyName":"Jones","formatted":"Alice Smith"}}`},
		{name: "replace without path, URN-qualified key", ops: `[{"op":"replace","value":{"$ENT:employeeNumber":"43","$ENT:manager":"boss-2"}}]`,
			want: `{"$ENT":{"employeeNumber":"43","department":"R&D","manager":{"value":"boss-2"}}}`},
		{name: "replace without path, URN-qualified sub-attribute", ops: `[{"op":"replace","value":{"$ENT:manager.value":"boss-2"}}]`,
			want: `{"$ENT":{"employeeNumber":"42","department":"R&D","manager":{"value":"boss-2"}}}`},
		{name: "replace without path, core-qualified key", ops: `[{"op":"replace","value":{"$CORE:displayName":"Al"}}]`, want: `{"displayName":"Al"}`},
		{name: "replace without path, whole extension merges", ops: `[{"op":"replace","value":{"$ENT":{"department":"Ops","costCenter":"C1"}}}]`,
			want: `{"$ENT":{"employeeNumber":"42","department":"Ops","costCenter":"C1","manager":{"value":"boss-id"}}}`},
		{name: "replace without path, core URN object", ops: `[{"op":"replace","value":{"$CORE":{"displayName":"Al","title":"CTO"}}}]`,
			want: `{"displayName":"Al","title":"CTO"}`},
		{name: "replace without path, enterprise attribute without URN", ops: `[{"op":"replace","value":{"department":"Ops"}}]`,
			want: `{"$ENT":{"employeeNumber":"42","department":"Ops","manager":{"value":"boss-id"}}}`},
		{name: "replace without path, multi-valued replaced", ops: `[{"op":"replace","value":{"emails":[{"value":"new@x","primary":true}]}}]`,
			want: `{"emails":[{"value":"new@x","primary":true}]}`},
		{name: "replace a complex attribute merges", ops: `[{"op":"replace","path":"name","value":{"givenName":"Al"}}]`,
			want: `{"name":{"givenName":"Al","familyName":"Smith","formatted":"Alice Smith"}}`},
		{name: "replace a complex attribute with null sub-attribute", ops: `[{"op":"replace","path":"name","value":{"givenName":"Al","formatted":null}}]`,
			want: `{"name":{"givenName":"Al","familyName":"Smith","formatted":"Alice Smith"}}`},
		{name: "replace a complex attribute with an empty object", ops: `[{"op":"replace","path":"name","value":{}}]`, want: `{}`},
		{name: "replace a sub-attribute", ops: `[{"op":"replace","path":"name.givenName","value":"Al"}]`,
			want: `{"name":{"givenName":"Al","familyName":"Smith","formatted":"Alice Smith"}}`},
		{name: "replace a sub-attribute the user lacks", doc: bobJSON, ops: `[{"op":"replace","path":"name.givenName","value":"Bob"}]`,
			want: `{"name":{"givenName":"Bob"}}`},
		{name: "replace path in any case", ops: `[{"op":"replace","path":"NAME.GIVENNAME","value":"Al"}]`,
			want: `{"name":{"givenName":"Al","familyName":"Smith","formatted":"Alice Smith"}}`},
		{name: "replace a multi-valued attribute", ops: `[{"op":"replace","path":"emails","value":[{"value":"only@x"}]}]`, want: `{"emails":[{"value":"only@x"}]}`},
		{name: "replace a multi-valued attribute with an empty list", ops: `[{"op":"replace","path":"emails","value":[]}]`, want: `{"emails":null}`},
		{name: "replace an attribute that does not exist adds it", doc: bobJSON, ops: `[{"op":"replace","path":"title","value":"Dev"}]`, want: `{"title":"Dev"}`},
		{name: "replace emails[type eq work].value", ops: `[{"op":"replace","path":"emails[type eq \"work\"].value","value":"alice@new.test"}]`,
			want: `{"emails":[{"value":"alice@new.test","type":"work","primary":true},{"value":"alice@home.test","type":"home"}]}`},
		{name: "filter comparison ignores case when the attribute does", ops: `[{"op":"replace","path":"EMAILS[TYPE eq \"WORK\"].VALUE","value":"alice@new.test"}]`,
			want: `{"emails":[{"value":"alice@new.test","type":"work","primary":true},{"value":"alice@home.test","type":"home"}]}`},
		{name: "filter on a boolean", ops: `[{"op":"replace","path":"emails[primary eq true].display","value":"Main"}]`,
			want: `{"emails":[{"value":"alice@acme.test","type":"work","primary":true,"display":"Main"},{"value":"alice@home.test","type":"home"}]}`},
		{name: "add emails[type eq work].value without a work email creates one (Entra)", doc: homeOnlyJSON,
			ops:  `[{"op":"Add","path":"emails[type eq \"work\"].value","value":"bob@acme.test"}]`,
			want: `{"emails":[{"value":"bob@home.test","type":"home","primary":true},{"value":"bob@acme.test","type":"work"}]}`},
		{name: "replace emails[type eq work].value without any email creates one", doc: bobJSON,
			ops:  `[{"op":"replace","path":"emails[type eq \"work\"].value","value":"bob@acme.test"}]`,
			want: `{"emails":[{"value":"bob@acme.test","type":"work"}]}`},
		{name: "addresses[type eq work].formatted creates the address (Entra)", ops: `[{"op":"Replace","path":"addresses[type eq \"work\"].formatted","value":"1 Main St"}]`,
			want: `{"addresses":[{"type":"home","locality":"Springfield","country":"US"},{"type":"work","formatted":"1 Main St"}]}`},
		{name: "Entra sets several sub-attributes of a new work address", doc: bobJSON, ops: `[
				{"op":"Add","path":"addresses[type eq \"work\"].streetAddress","value":"1 Main St"},
				{"op":"Add","path":"addresses[type eq \"work\"].locality","value":"Springfield"},
				{"op":"Add","path":"addresses[type eq \"work\"].country","value":"US"}]`,
			want: `{"addresses":[{"type":"work","streetAddress":"1 Main St","locality":"Springfield","country":"US"}]}`},
		{name: "a new element from two equalities", ops: `[{"op":"add","path":"phoneNumbers[type eq \"work\" and primary eq true].value","value":"+1 555 0199"}]`,
			want: `{"phoneNumbers":[{"value":"+1 555 0100","type":"mobile"},{"type":"work","primary":true,"value":"+1 555 0199"}]}`},
		{name: "a new primary element turns the other primary off", ops: `[{"op":"add","path":"emails[type eq \"other\" and primary eq true].value","value":"o@x"}]`,
			want: `{"emails":[{"value":"alice@acme.test","type":"work","primary":false},{"value":"alice@home.test","type":"home"},{"type":"other","primary":true,"value":"o@x"}]}`},
		{name: "a new whole element from a filter", ops: `[{"op":"add","path":"emails[type eq \"other\"]","value":{"value":"o@x","display":"O"}}]`,
			want: `{"emails":[{"value":"alice@acme.test","type":"work","primary":true},{"value":"alice@home.test","type":"home"},{"type":"other","value":"o@x","display":"O"}]}`},
		{name: "replace matched elements whole", ops: `[{"op":"replace","path":"emails[type eq \"work\"]","value":{"value":"w2@x","type":"work"}}]`,
			want: `{"emails":[{"value":"w2@x","type":"work"},{"value":"alice@home.test","type":"home"}]}`},
		{name: "add to matched elements merges", ops: `[{"op":"add","path":"emails[type eq \"work\"]","value":{"display":"Work"}}]`,
			want: `{"emails":[{"value":"alice@acme.test","type":"work","primary":true,"display":"Work"},{"value":"alice@home.test","type":"home"}]}`},
		{name: "primary set on one element turns it off on the others", ops: `[{"op":"replace","path":"emails[type eq \"home\"].primary","value":true}]`,
			want: `{"emails":[{"value":"alice@acme.test","type":"work","primary":false},{"value":"alice@home.test","type":"home","primary":true}]}`},
		{name: "primary as the string True", ops: `[{"op":"replace","path":"emails[value eq \"alice@home.test\"].primary","value":"True"}]`,
			want: `{"emails":[{"value":"alice@acme.test","type":"work","primary":false},{"value":"alice@home.test","type":"home","primary":true}]}`},
		{name: "elements made equal by a replace collapse", doc: `{"userName":"bob","emails":[{"value":"a@x","type":"work"},{"value":"b@x","type":"work"},{"value":"c@x","type":"home"}]}`,
			ops:  `[{"op":"replace","path":"emails[type eq \"work\"].value","value":"w@x"}]`,
			want: `{"emails":[{"value":"w@x","type":"work"},{"value":"c@x","type":"home"}]}`},
		{name: "turning primary off makes two elements equal", doc: `{"userName":"bob","emails":[{"value":"a@x","primary":true},{"value":"a@x","primary":false}]}`,
			ops:  `[{"op":"add","path":"emails","value":{"value":"b@x","primary":true}}]`,
			want: `{"emails":[{"value":"a@x","primary":false},{"value":"b@x","primary":true}]}`},
		{name: "replace a sub-attribute of every element", ops: `[{"op":"replace","path":"emails.type","value":"other"}]`,
			want: `{"emails":[{"value":"alice@acme.test","type":"other","primary":true},{"value":"alice@home.test","type":"other"}]}`},
		{name: "replace manager with a plain string (Entra)", ops: `[{"op":"Replace","path":"$ENT:manager","value":"boss-2"}]`,
			want: `{"$ENT":{"employeeNumber":"42","department":"R&D","manager":{"value":"boss-2"}}}`},
		{name: "add manager as an object", ops: `[{"op":"add","path":"$ENT:manager","value":{"value":"boss-3","$ref":"../Users/boss-3"}}]`,
			want: `{"$ENT":{"employeeNumber":"42","department":"R&D","manager":{"value":"boss-3","$ref":"../Users/boss-3"}}}`},
		{name: "add manager to a user without the extension", doc: bobJSON, ops: `[{"op":"add","path":"$ENT:manager","value":"boss"}]`,
			want: `{"$ENT":{"manager":{"value":"boss"}},"schemas":["$CORE","$ENT"]}`},
		{name: "replace manager.value", ops: `[{"op":"replace","path":"$ENT:manager.value","value":"boss-4"}]`,
			want: `{"$ENT":{"employeeNumber":"42","department":"R&D","manager":{"value":"boss-4"}}}`},
		{name: "null manager unassigns it", ops: `[{"op":"Replace","path":"$ENT:manager","value":null}]`,
			want: `{"$ENT":{"employeeNumber":"42","department":"R&D"}}`},
		{name: "null manager without path unassigns it", ops: `[{"op":"replace","value":{"$ENT":{"manager":null}}}]`,
			want: `{"$ENT":{"employeeNumber":"42","department":"R&D"}}`},
		{name: "null value unassigns a single attribute", ops: `[{"op":"replace","path":"title","value":null}]`, want: `{"title":null}`},
		{name: "add an enterprise attribute by URN path (Entra)", ops: `[{"op":"Add","path":"$ENT:employeeNumber","value":"43"}]`,
			want: `{"$ENT":{"employeeNumber":"43","department":"R&D","manager":{"value":"boss-id"}}}`},
		{name: "add to the extension by its URN", ops: `[{"op":"add","path":"$ENT","value":{"costCenter":"C1"}}]`,
			want: `{"$ENT":{"employeeNumber":"42","department":"R&D","costCenter":"C1","manager":{"value":"boss-id"}}}`},
		{name: "password is checked and not kept", ops: `[{"op":"replace","path":"password","value":"n3w-s3cret"}]`, want: `{}`},
		{name: "password without path", ops: `[{"op":"replace","value":{"password":"n3w-s3cret","title":"T"}}]`, want: `{"title":"T"}`},
		{name: "id without path is ignored (Okta)", ops: `[{"op":"replace","value":{"id":"abc","displayName":"Al"}}]`, want: `{"displayName":"Al"}`},
		{name: "read-only attributes without path are ignored", ops: `[{"op":"replace","value":{"meta":{"created":"2020-01-01T00:00:00Z"},"groups":[{"value":"g"}],"meta.version":"x","$ENT:manager.displayName":"B"}}]`, want: `{}`},
		{name: "schemas without path is ignored", ops: `[{"op":"replace","value":{"schemas":["urn:x"],"title":"T"}}]`, want: `{"title":"T"}`},
		{name: "unknown extension without path is kept", ops: `[{"op":"add","value":{"urn:example:acme:1.0":{"badge":"7"}}}]`,
			want: `{"urn:example:acme:1.0":{"badge":"7"},"schemas":["$CORE","$ENT","urn:example:acme:1.0"]}`},
		{name: "unknown extension set to null is removed", doc: `{"userName":"bob","urn:example:acme:1.0":{"badge":"7"}}`,
			ops: `[{"op":"replace","value":{"urn:example:acme:1.0":null}}]`, want: `{"urn:example:acme:1.0":null,"schemas":["$CORE"]}`},

		// RFC 7644 §3.5.2.2, remove.
		{name: "remove a single attribute", ops: `[{"op":"remove","path":"title"}]`, want: `{"title":null}`},
		{name: "remove an attribute the user lacks", doc: bobJSON, ops: `[{"op":"remove","path":"title"}]`, want: `{}`},
		{name: "remove a sub-attribute", ops: `[{"op":"remove","path":"name.givenName"}]`, want: `{"name":{"familyName":"Smith","formatted":"Alice Smith"}}`},
		{name: "remove a complex attribute", ops: `[{"op":"remove","path":"name"}]`, want: `{"name":null}`},
		{name: "remove a multi-valued attribute", ops: `[{"op":"remove","path":"emails"}]`, want: `{"emails":null}`},
		{name: "remove values given as a value array", ops: `[{"op":"remove","path":"emails","value":[{"value":"alice@home.test"}]}]`,
			want: `{"emails":[{"value":"alice@acme.test","type":"work","primary":true}]}`},
		{name: "remove an empty value array removes nothing", ops: `[{"op":"remove","path":"emails","value":[]}]`, want: `{}`},
		{name: "remove with a value filter", ops: `[{"op":"remove","path":"emails[type eq \"home\"]"}]`,
			want: `{"emails":[{"value":"alice@acme.test","type":"work","primary":true}]}`},
		{name: "remove with a not filter", ops: `[{"op":"remove","path":"emails[not (type eq \"work\")]"}]`,
			want: `{"emails":[{"value":"alice@acme.test","type":"work","primary":true}]}`},
		{name: "remove every value leaves the attribute unassigned", ops: `[{"op":"remove","path":"phoneNumbers[type eq \"mobile\"]"}]`, want: `{"phoneNumbers":null}`},
		{name: "remove with a filter that matches nothing", ops: `[{"op":"remove","path":"emails[type eq \"fax\"]"}]`, want: `{}`},
		{name: "remove a sub-attribute of filtered elements", ops: `[{"op":"remove","path":"emails[type eq \"work\"].primary"}]`,
			want: `{"emails":[{"value":"alice@acme.test","type":"work"},{"value":"alice@home.test","type":"home"}]}`},
		{name: "remove the last sub-attribute of an element drops it", ops: `[{"op":"remove","path":"roles[value eq \"admin\"].value"}]`, want: `{"roles":null}`},
		{name: "remove a sub-attribute of every element", ops: `[{"op":"remove","path":"emails.type"}]`,
			want: `{"emails":[{"value":"alice@acme.test","primary":true},{"value":"alice@home.test"}]}`},
		{name: "remove the manager", ops: `[{"op":"remove","path":"$ENT:manager"}]`, want: `{"$ENT":{"employeeNumber":"42","department":"R&D"}}`},
		{name: "remove the manager with a value (Entra)", ops: `[{"op":"Remove","path":"$ENT:manager","value":[{"value":"boss-id"}]}]`,
			want: `{"$ENT":{"employeeNumber":"42","department":"R&D"}}`},
		{name: "remove manager.value drops the manager", ops: `[{"op":"remove","path":"$ENT:manager.value"}]`, want: `{"$ENT":{"employeeNumber":"42","department":"R&D"}}`},
		{name: "remove an enterprise attribute", ops: `[{"op":"remove","path":"$ENT:department"}]`, want: `{"$ENT":{"employeeNumber":"42","manager":{"value":"boss-id"}}}`},
		{name: "remove the last enterprise attribute drops the extension", doc: `{"userName":"bob","$ENT":{"department":"D"}}`,
			ops: `[{"op":"remove","path":"department"}]`, want: `{"$ENT":null,"schemas":["$CORE"]}`},
		{name: "remove the whole extension", ops: `[{"op":"remove","path":"$ENT"}]`, want: `{"$ENT":null,"schemas":["$CORE"]}`},

		// Several operations apply in order.
		{name: "operations in order", ops: `[{"op":"add","path":"title","value":"A"},{"op":"replace","path":"title","value":"B"},{"op":"remove","path":"nickName"}]`,
			want: `{"title":"B","nickName":null}`},
		{name: "Entra update of several attributes", ops: `[
				{"op":"Replace","path":"displayName","value":"Alice Jones"},
				{"op":"Replace","path":"name.familyName","value":"Jones"},
				{"op":"Replace","path":"emails[type eq \"work\"].value","value":"alice.jones@acme.test"},
				{"op":"Add","path":"$ENT:department","value":"Ops"},
				{"op":"Remove","path":"$ENT:manager"}]`,
			want: `{"displayName":"Alice Jones","name":{"givenName":"Alice","familyName":"Jones","formatted":"Alice Smith"},
				"emails":[{"value":"alice.jones@acme.test","type":"work","primary":true},{"value":"alice@home.test","type":"home"}],
				"$ENT":{"employeeNumber":"42","department":"Ops"}}`},
		{name: "Entra path-less add with filtered keys", ops: `[{"op":"Add","value":{"emails[type eq \"work\"].value":"w@x","name.givenName":"Al","$ENT:employeeNumber":"7"}}]`,
			want: `{"emails":[{"value":"w@x","type":"work","primary":true},{"value":"alice@home.test","type":"home"}],
				"name":{"givenName":"Al","familyName":"Smith","formatted":"Alice Smith"},
				"$ENT":{"employeeNumber":"7","department":"R&D","manager":{"value":"boss-id"}}}`},

		// Errors.
		{name: "remove without path", ops: `[{"op":"remove"}]`, scimType: roster.ScimNoTarget, detail: []string{"Operations[0] (remove without a path)", "remove needs a path"}},
		{name: "unknown attribute", ops: `[{"op":"replace","path":"nickname2","value":"x"}]`, scimType: roster.ScimInvalidPath, detail: []string{`User has no attribute "nickname2"`}},
		{name: "unknown sub-attribute", ops: `[{"op":"replace","path":"name.nick","value":"x"}]`, scimType: roster.ScimInvalidPath, detail: []string{`"name" has no sub-attribute "nick"`}},
		{name: "unknown sub-attribute after a filter", ops: `[{"op":"replace","path":"emails[type eq \"work\"].nope","value":"x"}]`, scimType: roster.ScimInvalidPath, detail: []string{`has no sub-attribute "nope"`}},
		{name: "unknown schema", ops: `[{"op":"replace","path":"urn:example:x:attr","value":"x"}]`, scimType: roster.ScimInvalidPath, detail: []string{"has no schema"}},
		{name: "path syntax", ops: `[{"op":"replace","path":"emails[type eq \"work\"","value":"x"}]`, scimType: roster.ScimInvalidPath, detail: []string{"is not a valid path"}},
		{name: "path with spaces inside", ops: `[{"op":"replace","path":"user name","value":"x"}]`, scimType: roster.ScimInvalidPath, detail: []string{"is not a valid path"}},
		{name: "value filter on a single-valued attribute that does not match", ops: `[{"op":"replace","path":"name[givenName eq \"x\"].familyName","value":"x"}]`, scimType: roster.ScimNoTarget, detail: []string{"name does not match the filter"}},
		{name: "value filter on a single-valued attribute that matches", ops: `[{"op":"replace","path":"name[givenName eq \"alice\"].familyName","value":"Jones"}]`,
			want: `{"name":{"givenName":"Alice","familyName":"Jones","formatted":"Alice Smith"}}`},
		{name: "remove the manager by filter (Entra)", ops: `[{"op":"Remove","path":"$ENT:manager[value eq \"boss-id\"]"}]`,
			want: `{"$ENT":{"employeeNumber":"42","department":"R&D"}}`},
		{name: "remove another manager by filter changes nothing", ops: `[{"op":"remove","path":"$ENT:manager[value eq \"someone-else\"]"}]`, want: `{}`},
		{name: "value filter on a simple attribute", ops: `[{"op":"replace","path":"title[value eq \"x\"]","value":"x"}]`, scimType: roster.ScimInvalidPath, detail: []string{"only complex attributes take a value filter"}},
		{name: "invalid filter in a path", ops: `[{"op":"replace","path":"emails[nope eq \"x\"].value","value":"x"}]`, scimType: roster.ScimInvalidFilter, detail: []string{`has no sub-attribute "nope"`}},
		{name: "explicit path to id", ops: `[{"op":"replace","path":"id","value":"x"}]`, scimType: roster.ScimMutability, detail: []string{"id is read-only"}},
		{name: "remove id", ops: `[{"op":"remove","path":"id"}]`, scimType: roster.ScimMutability, detail: []string{"id is read-only"}},
		{name: "explicit path to meta", ops: `[{"op":"add","path":"meta","value":{"version":"1"}}]`, scimType: roster.ScimMutability, detail: []string{"meta is read-only"}},
		{name: "explicit path to meta.created", ops: `[{"op":"replace","path":"meta.created","value":"2020-01-01T00:00:00Z"}]`, scimType: roster.ScimMutability, detail: []string{"read-only"}},
		{name: "explicit path to groups", ops: `[{"op":"add","path":"groups","value":[{"value":"g"}]}]`, scimType: roster.ScimMutability, detail: []string{"groups is read-only"}},
		{name: "explicit path to manager.displayName", ops: `[{"op":"replace","path":"$ENT:manager.displayName","value":"B"}]`, scimType: roster.ScimMutability, detail: []string{"manager.displayName is read-only"}},
		{name: "remove userName", ops: `[{"op":"remove","path":"userName"}]`, scimType: roster.ScimInvalidValue, detail: []string{"userName is required and cannot be removed"}},
		{name: "userName to null", ops: `[{"op":"replace","path":"userName","value":null}]`, scimType: roster.ScimInvalidValue, detail: []string{"userName is required"}},
		{name: "userName blank", ops: `[{"op":"replace","path":"userName","value":" "}]`, scimType: roster.ScimInvalidValue, detail: []string{"userName is required"}},
		{name: "no match and a non-equality filter", ops: `[{"op":"add","path":"emails[value co \"x\"].display","value":"X"}]`, scimType: roster.ScimNoTarget,
			detail: []string{"no value of emails matches the filter"}},
		{name: "no match and an or filter", ops: `[{"op":"replace","path":"emails[type eq \"a\" or type eq \"b\"].value","value":"X"}]`, scimType: roster.ScimNoTarget},
		{name: "no match and conflicting equalities", ops: `[{"op":"replace","path":"emails[type eq \"a\" and type eq \"b\"].value","value":"X"}]`, scimType: roster.ScimNoTarget},
		{name: "no match and eq null", doc: bobJSON, ops: `[{"op":"replace","path":"emails[display eq null].value","value":"X"}]`, scimType: roster.ScimNoTarget},
		{name: "filter creating an invalid element", doc: bobJSON, ops: `[{"op":"add","path":"x509Certificates[value eq \"!not base64!\"].display","value":"x"}]`,
			scimType: roster.ScimInvalidValue, detail: []string{"must be base64"}},
		{name: "wrong type", ops: `[{"op":"replace","path":"active","value":"maybe"}]`, scimType: roster.ScimInvalidValue, detail: []string{`active must be true or false, not "maybe"`}},
		{name: "wrong type of a sub-attribute", ops: `[{"op":"replace","path":"emails[type eq \"work\"].primary","value":"maybe"}]`, scimType: roster.ScimInvalidValue, detail: []string{"emails.primary must be true or false"}},
		{name: "manager as a one-element array", ops: `[{"op":"add","path":"$ENT:manager","value":[{"value":"boss-3"}]}]`, scimType: roster.ScimInvalidValue, detail: []string{"manager is single-valued; give its value, not an array of one"}},
		{name: "one value in an array for a single-valued string", ops: `[{"op":"replace","path":"displayName","value":["a"]}]`, scimType: roster.ScimInvalidValue, detail: []string{"displayName is single-valued"}},
		{name: "a number for a string", ops: `[{"op":"replace","path":"userName","value":123}]`, scimType: roster.ScimInvalidValue, detail: []string{"userName must be a string, not 123"}},
		{name: "a number for a string without a path", ops: `[{"op":"replace","value":{"title":5.5}}]`, scimType: roster.ScimInvalidValue, detail: []string{"title must be a string, not 5.5"}},
		{name: "a number for an enterprise string", ops: `[{"op":"replace","path":"$ENT:employeeNumber","value":42}]`, scimType: roster.ScimInvalidValue, detail: []string{"employeeNumber must be a string, not 42"}},
		{name: "two values for a single-valued attribute", ops: `[{"op":"replace","path":"displayName","value":["a","b"]}]`, scimType: roster.ScimInvalidValue, detail: []string{"displayName is single-valued"}},
		{name: "replace with two primaries", ops: `[{"op":"replace","path":"emails","value":[{"value":"a","primary":true},{"value":"b","primary":true}]}]`, scimType: roster.ScimInvalidValue, detail: []string{"2 values marked primary"}},
		{name: "password of the wrong type", ops: `[{"op":"replace","path":"password","value":true}]`, scimType: roster.ScimInvalidValue, detail: []string{"password must be a string"}},
		{name: "value without path not an object", ops: `[{"op":"replace","value":"x"}]`, scimType: roster.ScimInvalidValue, detail: []string{"without a path, value must be an object of attributes, not a string"}},
		{name: "unknown attribute without path", ops: `[{"op":"add","value":{"nickname2":"x"}}]`, scimType: roster.ScimInvalidValue, detail: []string{`"nickname2"`}},
		{name: "extension given a string", ops: `[{"op":"add","path":"$ENT","value":"x"}]`, scimType: roster.ScimInvalidValue, detail: []string{"must be given an object of its attributes"}},
		{name: "extension given an unknown attribute", ops: `[{"op":"add","path":"$ENT","value":{"boss":"x"}}]`, scimType: roster.ScimInvalidValue, detail: []string{`has no attribute "boss"`}},
		{name: "the failing operation is named", ops: `[{"op":"add","path":"title","value":"A"},{"op":"replace","path":"nickname2","value":"x"}]`,
			scimType: roster.ScimInvalidPath, detail: []string{"Operations[1] (replace nickname2)"}},
	}
	runPatchCases(t, UserType, fullUserJSON, tests)
}

func TestPatchGroup(t *testing.T) {
	const group = `{"displayName":"Engineering","externalId":"g-ext"}`
	tooMany := make([]string, MaxPatchMembers+1)
	half := make([]string, MaxPatchMembers/2+1)
	for i := range tooMany {
		tooMany[i] = fmt.Sprintf(`{"value":"u%d"}`, i)
	}
	copy(half, tooMany)
	tests := []patchCase{
		{name: "add members", ops: `[{"op":"add","path":"members","value":[{"value":"u1"},{"value":"u2","display":"Bob"}]}]`, want: `{}`, members: `add u1,u2`},
		{name: "add members, op in capitals (Entra)", ops: `[{"op":"Add","path":"members","value":[{"value":"u1"}]}]`, want: `{}`, members: `add u1`},
		{name: "add one member as an object", ops: `[{"op":"add","path":"members","value":{"value":"u1"}}]`, want: `{}`, members: `add u1`},
		{name: "add the same member twice", ops: `[{"op":"add","path":"members","value":[{"value":"u1"},{"value":"u1","type":"User"}]}]`, want: `{}`, members: `add u1`},
		{name: "remove a member by filter (Okta)", ops: `[{"op":"remove","path":"members[value eq \"u1\"]"}]`, want: `{}`, members: `remove u1`},
		{name: "remove members by an or filter", ops: `[{"op":"remove","path":"members[value eq \"u1\" or value eq \"u2\"]"}]`, want: `{}`, members: `remove u1,u2`},
		{name: "remove members by value array (Entra)", ops: `[{"op":"Remove","path":"members","value":[{"value":"u1"},{"value":"u2"}]}]`, want: `{}`, members: `remove u1,u2`},
		{name: "remove all members", ops: `[{"op":"remove","path":"members"}]`, want: `{}`, members: `removeAll`},
		{name: "replace members", ops: `[{"op":"replace","path":"members","value":[{"value":"u3"}]}]`, want: `{}`, members: `removeAll; add u3`},
		{name: "replace members with none", ops: `[{"op":"replace","path":"members","value":[]}]`, want: `{}`, members: `removeAll`},
		{name: "remove members by type", ops: `[{"op":"remove","path":"members[type eq \"Group\"]"}]`, want: `{}`,
			members: `where (eq group:members.type/string,multi "Group")`},
		{name: "remove members by value and type", ops: `[{"op":"remove","path":"members[value eq \"u1\" and type eq \"User\"]"}]`, want: `{}`,
			members: `where (and (eq group:members.value/string,exact,multi "u1") (eq group:members.type/string,multi "User"))`},
		{name: "rename without path, id ignored (Okta)", ops: `[{"op":"replace","value":{"id":"g1","displayName":"Eng"}}]`, want: `{"displayName":"Eng"}`},
		{name: "members without path are added", ops: `[{"op":"add","value":{"members":[{"value":"u1"}]}}]`, want: `{}`, members: `add u1`},
		{name: "members without path are replaced", ops: `[{"op":"replace","value":{"displayName":"Eng","members":[{"value":"u1"}]}}]`,
			want: `{"displayName":"Eng"}`, members: `removeAll; add u1`},
		{name: "replace externalId", ops: `[{"op":"replace","path":"externalId","value":"e2"}]`, want: `{"externalId":"e2"}`},
		{name: "Okta sequence", ops: `[{"op":"replace","value":{"id":"g1","displayName":"Eng"}},
				{"op":"add","path":"members","value":[{"value":"u1","display":"a"}]},
				{"op":"remove","path":"members[value eq \"u2\"]"}]`,
			want: `{"displayName":"Eng"}`, members: `add u1; remove u2`},
		{name: "exactly the member limit", ops: `[{"op":"add","path":"members","value":[` + strings.Join(tooMany[:MaxPatchMembers], ",") + `]}]`, want: `{}`,
			members: "add " + strings.Join(func() []string {
				ids := make([]string, MaxPatchMembers)
				for i := range ids {
					ids[i] = fmt.Sprint("u", i)
				}
				return ids
			}(), ",")},

		{name: "member sub-attribute", ops: `[{"op":"replace","path":"members[value eq \"a\"].display","value":"x"}]`, scimType: roster.ScimMutability, detail: []string{"sub-attributes of members cannot be changed"}},
		{name: "member sub-attribute without filter", ops: `[{"op":"add","path":"members.value","value":"x"}]`, scimType: roster.ScimMutability},
		{name: "add with a member filter", ops: `[{"op":"add","path":"members[value eq \"a\"]","value":{"value":"a"}}]`, scimType: roster.ScimInvalidPath, detail: []string{"can only be removed"}},
		{name: "member without value", ops: `[{"op":"add","path":"members","value":[{"value":"u1"},{"display":"Bob"}]}]`, scimType: roster.ScimInvalidValue, detail: []string{"members[1] needs a value"}},
		{name: "too many members", ops: `[{"op":"add","path":"members","value":[` + strings.Join(tooMany, ",") + `]}]`, scimType: roster.ScimTooMany, detail: []string{"more than 10000 members"}},
		{name: "too many members over two operations", ops: `[{"op":"add","path":"members","value":[` + strings.Join(half, ",") + `]},{"op":"remove","path":"members","value":[` + strings.Join(half, ",") + `]}]`,
			scimType: roster.ScimTooMany, detail: []string{"Operations[1]", "more than 10000 members"}},
		{name: "remove displayName", ops: `[{"op":"remove","path":"displayName"}]`, scimType: roster.ScimInvalidValue, detail: []string{"displayName is required"}},
		{name: "user attribute on a group", ops: `[{"op":"replace","path":"userName","value":"x"}]`, scimType: roster.ScimInvalidPath, detail: []string{`Group has no attribute "userName"`}},
		{name: "enterprise path on a group", ops: `[{"op":"replace","path":"$ENT:department","value":"x"}]`, scimType: roster.ScimInvalidPath, detail: []string{"Group has no schema"}},
	}
	runPatchCases(t, GroupType, group, tests)
}

func runPatchCases(t *testing.T, rt *ResourceType, base string, tests []patchCase) {
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			docJSON := base
			if tc.doc != "" {
				docJSON = expand(tc.doc)
			}
			res, err := rt.Normalize(mustDecode(t, docJSON))
			if err != nil {
				t.Fatalf("normalizing the document: %v", err)
			}
			doc := res.Doc
			before := deepCopy(doc).(map[string]any)
			ops, err := ParsePatch(mustDecode(t, `{"schemas":["`+PatchOpSchema+`"],"Operations":`+expand(tc.ops)+`}`))
			if err != nil {
				t.Fatalf("ParsePatch: %v", err)
			}
			memberOps, err := rt.Patch(doc, ops)
			if tc.scimType != "" {
				if memberOps != nil {
					t.Errorf("Patch returned %s with an error", memberOpsString(memberOps))
				}
				checkError(t, err, roster.EInvalid, tc.scimType, tc.detail...)
				return
			}
			if err != nil {
				t.Fatalf("Patch: %v", err)
			}
			want := before
			for k, v := range mustDecode(t, expand(tc.want)) {
				if v == nil {
					delete(want, k)
				} else {
					want[k] = v
				}
			}
			if ok, got, want := sameJSON(doc, want); !ok {
				t.Errorf("document after the patch\n got %s\nwant %s", got, want)
			}
			if got := memberOpsString(memberOps); got != tc.members {
				t.Errorf("member operations\n got %s\nwant %s", got, tc.members)
			}
			// What a patch leaves is a normalized document.
			again, err := rt.Normalize(mustDecode(t, string(MarshalDoc(doc))))
			if err != nil {
				t.Fatalf("the patched document does not normalize: %v", err)
			}
			if ok, got, want := sameJSON(again.Doc, doc); !ok {
				t.Errorf("normalizing the patched document changed\n %s\nto %s", want, got)
			}
		})
	}
}

func memberOpsString(ops []roster.MemberOp) string {
	var parts []string
	for _, op := range ops {
		var s string
		switch op.Kind {
		case roster.AddMembers:
			s = "add " + strings.Join(op.IDs, ",")
		case roster.RemoveMembers:
			s = "remove " + strings.Join(op.IDs, ",")
		case roster.RemoveAllMembers:
			s = "removeAll"
		case roster.RemoveMembersWhere:
			s = "where " + sexpr(op.Filter)
		default:
			s = fmt.Sprintf("kind%d", op.Kind)
		}
		if op.Kind != roster.RemoveMembersWhere && op.Filter != nil {
			s += " filter " + sexpr(op.Filter)
		}
		if (op.Kind == roster.RemoveAllMembers || op.Kind == roster.RemoveMembersWhere) && op.IDs != nil {
			s += fmt.Sprintf(" ids %v", op.IDs)
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "; ")
}

// TestPatchMatchElement checks the in-memory evaluation of value filters.
func TestPatchMatchElement(t *testing.T) {
	elem := map[string]any{"value": "Alice@Acme.test", "type": "work", "primary": true}
	tests := []struct {
		path string
		want bool
	}{
		{`emails[value eq "alice@acme.test"]`, true},
		{`emails[value ne "alice@acme.test"]`, false},
		{`emails[value co "ACME"]`, true},
		{`emails[value sw "alice"]`, true},
		{`emails[value ew ".TEST"]`, true},
		{`emails[value ew "acme"]`, false},
		{`emails[value gt "a"]`, true},
		{`emails[value lt "a"]`, false},
		{`emails[value ge "alice@acme.test"]`, true},
		{`emails[value le "alice@acme.test"]`, true},
		{`emails[primary eq true]`, true},
		{`emails[primary ne true]`, false},
		{`emails[primary eq false]`, false},
		{`emails[display pr]`, false},
		{`emails[type pr]`, true},
		{`emails[display eq null]`, true},
		{`emails[display ne "x"]`, true},
		{`emails[display eq "x"]`, false},
		{`emails[type eq "work" and primary eq true]`, true},
		{`emails[type eq "home" or primary eq true]`, true},
		{`emails[not (type eq "work")]`, false},
		{`x509Certificates[value eq "alice@acme.test"]`, false}, // caseExact
		{`x509Certificates[value eq "Alice@Acme.test"]`, true},
	}
	for _, tc := range tests {
		pp, err := UserType.parsePatchPath(tc.path)
		if err != nil {
			t.Errorf("%s: %v", tc.path, err)
			continue
		}
		if got := matchElement(pp.filter, elem); got != tc.want {
			t.Errorf("%s on %v = %v, want %v", tc.path, elem, got, tc.want)
		}
	}
	if matchElement(roster.Compare{Op: roster.Eq, Attr: roster.Attr{Sub: "primary"}, Value: true}, map[string]any{"primary": "true"}) {
		t.Error("a string matched a boolean")
	}
}

// TestPatchLargeLists guards against work that grows with the square of a
// list's length: a 1 MiB PATCH body holds tens of thousands of values, or
// a thousand operations on a long list.
func TestPatchLargeLists(t *testing.T) {
	const n = 20000
	var b strings.Builder
	values := func(prefix string, from, to int) string {
		b.Reset()
		for i := from; i < to; i++ {
			if i > from {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `"%s%d@x"`, prefix, i)
		}
		return b.String()
	}
	ops := []string{
		`{"op":"add","path":"emails","value":[` + values("e", 0, n) + `]}`,
		`{"op":"add","path":"emails","value":[` + values("e", n/2, n+n/2) + `]}`,
		`{"op":"remove","path":"emails","value":[` + values("e", 0, n/2) + `]}`,
		`{"op":"replace","path":"emails[value ew \"@x\"].type","value":"work"}`,
	}
	for i := 0; i < 200; i++ {
		ops = append(ops, fmt.Sprintf(`{"op":"add","path":"emails","value":"one%d@x"}`, i))
	}
	parsed, err := ParsePatch(mustDecode(t, `{"Operations":[`+strings.Join(ops, ",")+`]}`))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	doc := map[string]any{"userName": "a"}
	if _, err := UserType.Patch(doc, parsed); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("patching took %v", d)
	}
	emails := doc["emails"].([]any)
	if len(emails) != n+200 {
		t.Fatalf("%d emails, want %d", len(emails), n+200)
	}
	first := emails[0].(map[string]any)
	if first["value"] != fmt.Sprintf("e%d@x", n/2) || first["type"] != "work" {
		t.Errorf("first email %v", first)
	}
}

// TestDedupe checks that comparing only the changed elements finds what
// indexing the whole list finds.
func TestDedupe(t *testing.T) {
	distinct := func(n int) []any {
		list := make([]any, n)
		for i := range list {
			list[i] = map[string]any{"value": fmt.Sprint("v", i), "primary": false}
		}
		return list
	}
	for _, tc := range []struct {
		n       int
		changed []int
		equalTo []int // list[changed[k]] becomes a copy of list[equalTo[k]]
	}{
		{5, nil, nil},
		{5, []int{2}, []int{0}},
		{5, []int{0}, []int{4}},
		{5, []int{1, 3}, []int{3, 3}},
		{5, []int{1, 3}, []int{4, 4}},
		{40, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17}, []int{39, 39, 38, 38, 37, 37, 36, 36, 35, 35, 34, 34, 33, 33, 32, 32, 31, 30}},
	} {
		list := distinct(tc.n)
		for k, i := range tc.changed {
			list[i] = deepCopy(list[tc.equalTo[k]])
		}
		want := newValueIndex(append([]any(nil), list...)).list
		got := dedupe(append([]any(nil), list...), tc.changed)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("dedupe(%d, %v) = %v, want %v", tc.n, tc.changed, got, want)
		}
		if tc.changed == nil && len(got) != tc.n {
			t.Errorf("dedupe dropped distinct values")
		}
	}
	x := newValueIndex([]any{"a", json.Number("1"), true, []any{"a"}, map[string]any{"b": "c", "d": "e"}})
	for _, v := range []any{"a", json.Number("1"), true, []any{"a"}, map[string]any{"d": "e", "b": "c"}} {
		if x.find(v) < 0 {
			t.Errorf("%v not found", v)
		}
	}
	for _, v := range []any{"b", "1", json.Number("1.0"), false, []any{"a", "a"}, map[string]any{"b": "c"}, nil} {
		if i := x.find(v); i >= 0 {
			t.Errorf("%#v found at %d", v, i)
		}
	}
}
