package scim

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster"
)

func TestDecode(t *testing.T) {
	obj, err := Decode([]byte(` {"userName":"a","n":12345678901234567890.5,"list":[1,{"x":null}]} `))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"userName": "a", "n": json.Number("12345678901234567890.5"), "list": []any{json.Number("1"), map[string]any{"x": nil}}}
	if !reflect.DeepEqual(obj, want) {
		t.Errorf("Decode = %#v", obj)
	}

	nested := func(n int) string { return strings.Repeat(`{"a":`, n-1) + `{}` + strings.Repeat(`}`, n-1) }
	if _, err := Decode([]byte(nested(MaxDepth))); err != nil {
		t.Errorf("depth %d: %v", MaxDepth, err)
	}
	if _, err := Decode([]byte(`{"a":"` + strings.Repeat(`[{`, 40) + `\"\\"}`)); err != nil {
		t.Errorf("brackets inside strings count as nesting: %v", err)
	}

	tests := []struct {
		name, body string
		detail     []string
	}{
		{"invalid UTF-8", "{\"userName\":\"a\xff\"}", []string{"not valid UTF-8"}},
		{"invalid UTF-8 in a key", "{\"\xc3\x28\":1}", []string{"not valid UTF-8"}},
		{"empty", ``, []string{"the body is empty"}},
		{"blank", "  \n", []string{"the body is empty"}},
		{"truncated", `{"userName":`, []string{"not valid JSON"}},
		{"syntax", `{"userName" "a"}`, []string{"not valid JSON", "at byte"}},
		{"single quotes", `{'userName':'a'}`, []string{"not valid JSON"}},
		{"trailing comma", `{"a":1,}`, []string{"not valid JSON"}},
		{"array", `[{"userName":"a"}]`, []string{"must be a JSON object, not an array"}},
		{"string", `"a"`, []string{"not a string"}},
		{"number", `12`, []string{"not a number"}},
		{"null", `null`, []string{"not null"}},
		{"boolean", `true`, []string{"not a boolean"}},
		{"two objects", `{} {}`, []string{"data after the JSON object"}},
		{"trailing word", `{"a":1} x`, []string{"data after the JSON object"}},
		{"trailing bracket", `{"a":1}]`, []string{"data after the JSON object"}},
		{"trailing brace", `{"a":1}}`, []string{"data after the JSON object"}},
		{"trailing comma after", `{"a":1},`, []string{"data after the JSON object"}},
		{"too deep", nested(MaxDepth + 1), []string{"nests deeper than 16 levels"}},
		{"too deep arrays", `{"a":` + strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth) + `}`, []string{"nests deeper"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			obj, err := Decode([]byte(tc.body))
			if obj != nil {
				t.Errorf("Decode returned %v with an error", obj)
			}
			checkError(t, err, roster.EInvalid, roster.ScimInvalidSyntax, tc.detail...)
		})
	}
}

const (
	fullUserJSON = `{
		"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
		"userName": "alice@acme.test",
		"externalId": "ext-1",
		"displayName": "Alice Smith",
		"nickName": "Al",
		"title": "Engineer",
		"active": true,
		"name": {"givenName": "Alice", "familyName": "Smith", "formatted": "Alice Smith"},
		"emails": [{"value": "alice@acme.test", "type": "work", "primary": true}, {"value": "alice@home.test", "type": "home"}],
		"phoneNumbers": [{"value": "+1 555 0100", "type": "mobile"}],
		"addresses": [{"type": "home", "locality": "Springfield", "country": "US"}],
		"roles": [{"value": "admin"}],
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"employeeNumber": "42", "department": "R&D", "manager": {"value": "boss-id"}}
	}`
)

func TestNormalizeUser(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"full user is already normal", fullUserJSON, fullUserJSON},
		{"canonical names in any case",
			`{"USERNAME":"a","NAME":{"GIVENNAME":"A","familyname":"B"},"Emails":[{"VALUE":"a@x","Type":"work","PRIMARY":true}],
			  "DisplayName":"A B","ACTIVE":false,"x509certificates":[{"Value":"TUlJQg=="}],
			  "URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER":{"EMPLOYEENUMBER":"1","Manager":{"VALUE":"m"}}}`,
			`{"userName":"a","name":{"givenName":"A","familyName":"B"},"emails":[{"value":"a@x","type":"work","primary":true}],
			  "displayName":"A B","active":false,"x509Certificates":[{"value":"TUlJQg=="}],
			  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":"1","manager":{"value":"m"}},
			  "schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]}`},
		{"read-only attributes ignored",
			`{"userName":"a","id":"not-yours","meta":{"created":"2020-01-01T00:00:00Z","version":"W/\"3\""},"groups":[{"value":"g1","display":"G"}]}`,
			`{"userName":"a","schemas":["urn:ietf:params:scim:schemas:core:2.0:User"]}`},
		{"read-only sub-attribute ignored",
			`{"userName":"a","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":{"value":"m","displayName":"Boss"}}}`,
			`{"userName":"a","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":{"value":"m"}},
			  "schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]}`},
		{"password accepted, not kept", `{"userName":"a","password":"s3cret!"}`,
			`{"userName":"a","schemas":["urn:ietf:params:scim:schemas:core:2.0:User"]}`},
		{"booleans as strings", `{"userName":"a","active":"False","emails":[{"value":"a@x","primary":"True"}]}`,
			`{"userName":"a","active":false,"emails":[{"value":"a@x","primary":true}],"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"]}`},
		{"boolean string with spaces", `{"userName":"a","active":" true "}`,
			`{"userName":"a","active":true,"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"]}`},
		{"single object for a multi-valued attribute", `{"userName":"a","emails":{"value":"a@x","type":"work"}}`,
			`{"userName":"a","emails":[{"value":"a@x","type":"work"}],"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"]}`},
		{"single string for a multi-valued attribute", `{"userName":"a","emails":"a@x","roles":["r1","r2"]}`,
			`{"userName":"a","emails":[{"value":"a@x"}],"roles":[{"value":"r1"},{"value":"r2"}],"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"]}`},
		{"duplicate values collapse", `{"userName":"a","emails":[{"value":"a@x"},{"value":"a@x"},"a@x",{"value":"b@x"}]}`,
			`{"userName":"a","emails":[{"value":"a@x"},{"value":"b@x"}],"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"]}`},
		{"manager as a string", `{"userName":"a","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":"boss"}}`,
			`{"userName":"a","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":{"value":"boss"}},
			  "schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]}`},
		{"manager as an object", `{"userName":"a","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":{"value":"boss"}}}`,
			`{"userName":"a","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":{"value":"boss"}},
			  "schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]}`},
		{"enterprise attribute without its URN", `{"userName":"a","department":"Ops","Manager":"m"}`,
			`{"userName":"a","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"Ops","manager":{"value":"m"}},
			  "schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]}`},
		{"null means unassigned",
			`{"userName":"a","title":null,"name":null,"emails":null,"active":null,"roles":[null],"addresses":[],"nickName":[],
			  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":null,"department":null}}`,
			`{"userName":"a","schemas":["urn:ietf:params:scim:schemas:core:2.0:User"]}`},
		{"null extension", `{"userName":"a","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":null}`,
			`{"userName":"a","schemas":["urn:ietf:params:scim:schemas:core:2.0:User"]}`},
		{"empty complex values are unassigned", `{"userName":"a","name":{},"emails":[{}],"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":{"displayName":"x"}}}`,
			`{"userName":"a","schemas":["urn:ietf:params:scim:schemas:core:2.0:User"]}`},
		{"null sub-attributes", `{"userName":"a","name":{"givenName":null,"familyName":"F"}}`,
			`{"userName":"a","name":{"familyName":"F"},"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"]}`},
		{"numbers written as strings", `{"userName":"a","employeeNumber":"1234","externalId":"5.5"}`,
			`{"userName":"a","externalId":"5.5","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":"1234"},
			  "schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]}`},
		{"schemas naming the core URN in another case", `{"schemas":["URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER"],"userName":"a"}`,
			`{"userName":"a","schemas":["urn:ietf:params:scim:schemas:core:2.0:User"]}`},
		{"unknown extension kept verbatim",
			`{"userName":"a","urn:example:params:scim:schemas:extension:acme:1.0:User":{"badge":{"n":[1,"two",null,true]}},"urn:example:b":"x"}`,
			`{"userName":"a","urn:example:params:scim:schemas:extension:acme:1.0:User":{"badge":{"n":[1,"two",null,true]}},"urn:example:b":"x",
			  "schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:example:b","urn:example:params:scim:schemas:extension:acme:1.0:User"]}`},
		{"unknown extension set to null is dropped", `{"userName":"a","urn:example:b":null}`,
			`{"userName":"a","schemas":["urn:ietf:params:scim:schemas:core:2.0:User"]}`},
		{"schemas given by the client are replaced", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:bogus"],"userName":"a"}`,
			`{"userName":"a","schemas":["urn:ietf:params:scim:schemas:core:2.0:User"]}`},
		{"schemas key in any case", `{"SCHEMAS":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"a"}`,
			`{"userName":"a","schemas":["urn:ietf:params:scim:schemas:core:2.0:User"]}`},
		{"core attributes under the core URN", `{"urn:ietf:params:scim:schemas:core:2.0:User":{"userName":"a","title":"T"}}`,
			`{"userName":"a","title":"T","schemas":["urn:ietf:params:scim:schemas:core:2.0:User"]}`},
		{"attribute qualified by its URN", `{"urn:ietf:params:scim:schemas:core:2.0:User:userName":"a","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter":"C"}`,
			`{"userName":"a","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"costCenter":"C"},
			  "schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]}`},
		{"enterprise URN in two cases, different attributes", `{"userName":"a","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"a"},"urn:ietf:params:scim:schemas:extension:enterprise:2.0:user":{"costCenter":"b"}}`,
			`{"userName":"a","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"a","costCenter":"b"},
			  "schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]}`},
		{"one primary is fine", `{"userName":"a","emails":[{"value":"a@x","primary":true},{"value":"b@x","primary":false}]}`,
			`{"userName":"a","emails":[{"value":"a@x","primary":true},{"value":"b@x","primary":false}],"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"]}`},
		{"valid base64 certificate", `{"userName":"a","x509Certificates":[{"value":"MIIDQTCCAimgAwIBAgITBmyfz5m/jAo54vB4ikPmljZbyjANBgkqhkiG9w0BAQsF"}]}`,
			`{"userName":"a","x509Certificates":[{"value":"MIIDQTCCAimgAwIBAgITBmyfz5m/jAo54vB4ikPmljZbyjANBgkqhkiG9w0BAQsF"}],"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"]}`},
		{"empty strings are values", `{"userName":"a","title":"","name":{"middleName":""}}`,
			`{"userName":"a","title":"","name":{"middleName":""},"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"]}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := UserType.Normalize(mustDecode(t, tc.in))
			if err != nil {
				t.Fatalf("Normalize: %v", err)
			}
			if ok, got, want := sameJSON(res.Doc, mustDecode(t, tc.want)); !ok {
				t.Errorf("Normalize\n got %s\nwant %s", got, want)
			}
			if res.Members != nil {
				t.Errorf("a user has Members %v", res.Members)
			}
			again, err := UserType.Normalize(mustDecode(t, string(MarshalDoc(res.Doc))))
			if err != nil {
				t.Fatalf("normalizing the result again: %v", err)
			}
			if ok, got, want := sameJSON(again.Doc, res.Doc); !ok {
				t.Errorf("normalizing again changed\n %s\nto %s", want, got)
			}
		})
	}
}

func TestNormalizeUserInvalid(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		scimType string
		detail   []string
	}{
		{"unknown core attribute", `{"userName":"a","nickname2":"x"}`, roster.ScimInvalidSyntax, []string{"unknown attribute", `"nickname2"`}},
		{"unknown sub-attribute", `{"userName":"a","name":{"first":"x"}}`, roster.ScimInvalidSyntax, []string{`name has no sub-attribute "first"`}},
		{"unknown sub-attribute of an element", `{"userName":"a","emails":[{"value":"a"},{"value":"b","label":"x"}]}`, roster.ScimInvalidSyntax, []string{`emails[1] has no sub-attribute "label"`}},
		{"unknown enterprise attribute", `{"userName":"a","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"boss":"x"}}`, roster.ScimInvalidSyntax, []string{`has no attribute "boss"`}},
		{"enterprise extension not an object", `{"userName":"a","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":"x"}`, roster.ScimInvalidSyntax, []string{"must be an object of its attributes"}},
		{"core URN qualified unknown attribute", `{"userName":"a","urn:ietf:params:scim:schemas:core:2.0:User:nope":"x"}`, roster.ScimInvalidSyntax, []string{`"nope"`}},
		{"schemas not a list", `{"userName":"a","schemas":"urn:x"}`, roster.ScimInvalidSyntax, []string{"schemas must be an array"}},
		{"schemas of numbers", `{"userName":"a","schemas":[1]}`, roster.ScimInvalidSyntax, []string{"array of strings"}},
		{"userName not a string", `{"userName":true}`, roster.ScimInvalidValue, []string{"userName must be a string, not true"}},
		{"userName an object", `{"userName":{"value":"a"}}`, roster.ScimInvalidValue, []string{"userName must be a string, not an object"}},
		{"userName a number", `{"userName":123}`, roster.ScimInvalidValue, []string{"userName must be a string, not 123"}},
		{"userName a one-element array", `{"userName":["a"]}`, roster.ScimInvalidValue, []string{"userName is single-valued; give its value, not an array of one"}},
		{"externalId a decimal", `{"userName":"a","externalId":5.5}`, roster.ScimInvalidValue, []string{"externalId must be a string, not 5.5"}},
		{"employeeNumber a number", `{"userName":"a","employeeNumber":1234}`, roster.ScimInvalidValue, []string{"employeeNumber must be a string, not 1234"}},
		{"sub-attribute a number", `{"userName":"a","name":{"givenName":7}}`, roster.ScimInvalidValue, []string{"name.givenName must be a string, not 7"}},
		{"manager as a one-element array", `{"userName":"a","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":[{"value":"boss"}]}}`, roster.ScimInvalidValue, []string{"manager is single-valued; give its value, not an array of one"}},
		{"manager as a one-string array", `{"userName":"a","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":["boss"]}}`, roster.ScimInvalidValue, []string{"manager is single-valued"}},
		{"schemas without the core URN", `{"schemas":["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],"userName":"a"}`, roster.ScimInvalidValue, []string{"schemas must include urn:ietf:params:scim:schemas:core:2.0:User"}},
		{"schemas of another resource", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"userName":"a"}`, roster.ScimInvalidValue, []string{"schemas must include urn:ietf:params:scim:schemas:core:2.0:User"}},
		{"schemas empty", `{"schemas":[],"userName":"a"}`, roster.ScimInvalidValue, []string{"schemas must include"}},
		{"userName two values", `{"userName":["a","b"]}`, roster.ScimInvalidValue, []string{"userName is single-valued; it was given 2 values"}},
		{"active not a boolean", `{"userName":"a","active":"yes"}`, roster.ScimInvalidValue, []string{`active must be true or false, not "yes"`}},
		{"active a number", `{"userName":"a","active":1}`, roster.ScimInvalidValue, []string{"active must be true or false, not 1"}},
		{"primary not a boolean", `{"userName":"a","emails":[{"value":"a"},{"value":"b","primary":"sure"}]}`, roster.ScimInvalidValue, []string{"emails[1].primary must be true or false"}},
		{"complex given a number", `{"userName":"a","name":5}`, roster.ScimInvalidValue, []string{"name must be an object", "givenName"}},
		{"complex given a string without value", `{"userName":"a","name":"Al"}`, roster.ScimInvalidValue, []string{"name must be an object"}},
		{"sub-attribute given an object", `{"userName":"a","name":{"givenName":{"x":1}}}`, roster.ScimInvalidValue, []string{"name.givenName must be a string, not an object"}},
		{"sub-attribute given a list", `{"userName":"a","emails":[{"value":["a","b"]}]}`, roster.ScimInvalidValue, []string{"emails[0].value must be a string, not an array"}},
		{"element a boolean", `{"userName":"a","emails":[true]}`, roster.ScimInvalidValue, []string{"emails[0] must be an object"}},
		{"manager two values", `{"userName":"a","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":["a","b"]}}`, roster.ScimInvalidValue, []string{"manager is single-valued"}},
		{"manager value a number list", `{"userName":"a","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":{"value":[1]}}}`, roster.ScimInvalidValue, []string{"manager.value must be a string"}},
		{"password a boolean", `{"userName":"a","password":false}`, roster.ScimInvalidValue, []string{"password must be a string"}},
		{"two primary emails", `{"userName":"a","emails":[{"value":"a","primary":true},{"value":"b","primary":"true"}]}`, roster.ScimInvalidValue, []string{"emails has 2 values marked primary"}},
		{"two primary addresses", `{"userName":"a","addresses":[{"type":"a","primary":true},{"type":"b","primary":true}]}`, roster.ScimInvalidValue, []string{"addresses has 2 values marked primary"}},
		{"userName missing", `{"displayName":"a"}`, roster.ScimInvalidValue, []string{"userName is required"}},
		{"userName blank", `{"userName":"  "}`, roster.ScimInvalidValue, []string{"userName is required"}},
		{"userName null", `{"userName":null}`, roster.ScimInvalidValue, []string{"userName is required"}},
		{"userName empty list", `{"userName":[]}`, roster.ScimInvalidValue, []string{"userName is required"}},
		{"duplicate attribute in two cases", `{"userName":"a","USERNAME":"b"}`, roster.ScimInvalidSyntax, []string{"userName is given twice", `"USERNAME"`, `"userName"`}},
		{"duplicate complex attribute in two cases", `{"userName":"a","name":{"givenName":"a"},"Name":{"familyName":"b"}}`, roster.ScimInvalidSyntax, []string{"given twice"}},
		{"duplicate sub-attribute in two cases", `{"userName":"a","name":{"givenName":"a","GivenName":"b"}}`, roster.ScimInvalidSyntax, []string{"name.givenName is given twice"}},
		{"duplicate enterprise attribute in two cases", `{"userName":"a","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"a","Department":"b"}}`, roster.ScimInvalidSyntax, []string{"department is given twice"}},
		{"enterprise attribute with and without URN", `{"userName":"a","department":"a","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"b"}}`, roster.ScimInvalidSyntax, []string{"department is given twice"}},
		{"enterprise URN in two cases", `{"userName":"a","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"a"},"urn:ietf:params:scim:schemas:extension:enterprise:2.0:user":{"department":"b"}}`, roster.ScimInvalidSyntax, []string{"department is given twice"}},
		{"core attribute at the top and under the core URN", `{"userName":"a","urn:ietf:params:scim:schemas:core:2.0:User":{"userName":"b"}}`, roster.ScimInvalidSyntax, []string{"userName is given twice"}},
		{"certificate not base64", `{"userName":"a","x509Certificates":[{"value":"not base64!"}]}`, roster.ScimInvalidValue, []string{"x509Certificates[0].value must be base64"}},
		{"certificate base64url", `{"userName":"a","x509Certificates":"-_-_"}`, roster.ScimInvalidValue, []string{"must be base64"}},
		{"value too long", `{"userName":"a","title":"` + strings.Repeat("x", MaxValueLength+1) + `"}`, roster.ScimInvalidValue, []string{"title is 65537 bytes long; the limit is 65536"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := UserType.Normalize(mustDecode(t, tc.in))
			if res != nil {
				t.Errorf("Normalize returned %v with an error", res.Doc)
			}
			checkError(t, err, roster.EInvalid, tc.scimType, tc.detail...)
		})
	}
}

func TestNormalizeGroup(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    string
		members []string
	}{
		{"members become IDs", `{"displayName":"Admins","members":[{"value":"u1"},{"value":"g2","type":"Group","display":"Ops","$ref":"https://x/Groups/g2"}]}`,
			`{"displayName":"Admins","schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"]}`, []string{"u1", "g2"}},
		{"no members attribute", `{"displayName":"Admins","externalId":"e"}`,
			`{"displayName":"Admins","externalId":"e","schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"]}`, nil},
		{"empty members", `{"displayName":"Admins","members":[]}`,
			`{"displayName":"Admins","schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"]}`, []string{}},
		{"null members", `{"displayName":"Admins","members":null}`,
			`{"displayName":"Admins","schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"]}`, []string{}},
		{"one member as an object", `{"DISPLAYNAME":"Admins","Members":{"value":"u1"}}`,
			`{"displayName":"Admins","schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"]}`, []string{"u1"}},
		{"member as a plain id", `{"displayName":"Admins","members":["u1","u2"]}`,
			`{"displayName":"Admins","schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"]}`, []string{"u1", "u2"}},
		{"id and meta ignored", `{"displayName":"Admins","id":"x","meta":{"resourceType":"Group"}}`,
			`{"displayName":"Admins","schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"]}`, nil},
		{"unknown extension kept", `{"displayName":"Admins","urn:example:g":{"k":"v"}}`,
			`{"displayName":"Admins","urn:example:g":{"k":"v"},"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group","urn:example:g"]}`, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := GroupType.Normalize(mustDecode(t, tc.in))
			if err != nil {
				t.Fatalf("Normalize: %v", err)
			}
			if ok, got, want := sameJSON(res.Doc, mustDecode(t, tc.want)); !ok {
				t.Errorf("Normalize\n got %s\nwant %s", got, want)
			}
			if !reflect.DeepEqual(res.Members, tc.members) {
				t.Errorf("Members = %#v, want %#v", res.Members, tc.members)
			}
		})
	}

	invalid := []struct {
		name     string
		in       string
		scimType string
		detail   []string
	}{
		{"member without value", `{"displayName":"A","members":[{"value":"u1"},{"type":"User"}]}`, roster.ScimInvalidValue, []string{"members[1] needs a value"}},
		{"member with only a display", `{"displayName":"A","members":[{"display":"Bob"}]}`, roster.ScimInvalidValue, []string{"members[0] needs a value"}},
		{"empty member", `{"displayName":"A","members":[{}]}`, roster.ScimInvalidValue, []string{"members[0] needs a value"}},
		{"member with an empty value", `{"displayName":"A","members":[{"value":""}]}`, roster.ScimInvalidValue, []string{"members[0] needs a value"}},
		{"member value a number list", `{"displayName":"A","members":[{"value":[1]}]}`, roster.ScimInvalidValue, []string{"members[0].value must be a string"}},
		{"member with unknown sub-attribute", `{"displayName":"A","members":[{"value":"u","role":"x"}]}`, roster.ScimInvalidSyntax, []string{`has no sub-attribute "role"`}},
		{"displayName missing", `{"members":[]}`, roster.ScimInvalidValue, []string{"displayName is required"}},
		{"user attribute on a group", `{"displayName":"A","userName":"x"}`, roster.ScimInvalidSyntax, []string{`Group has no attribute "userName"`}},
		{"members twice", `{"displayName":"A","members":[],"MEMBERS":[]}`, roster.ScimInvalidSyntax, []string{"members is given twice"}},
	}
	for _, tc := range invalid {
		t.Run(tc.name, func(t *testing.T) {
			res, err := GroupType.Normalize(mustDecode(t, tc.in))
			if res != nil {
				t.Errorf("Normalize returned %v with an error", res.Doc)
			}
			checkError(t, err, roster.EInvalid, tc.scimType, tc.detail...)
		})
	}
}

// TestNormalizeLargeList guards against work that grows with the square of
// a list's length: a 1 MiB body holds tens of thousands of values.
func TestNormalizeLargeList(t *testing.T) {
	const n = 60000
	members := make([]any, n)
	emails := make([]any, n)
	for i := range members {
		members[i] = map[string]any{"value": fmt.Sprint("u", i)}
		emails[i] = fmt.Sprint("e", i%(n/2)) // every value twice
	}
	start := time.Now()
	res, err := GroupType.Normalize(map[string]any{"displayName": "G", "members": members})
	if err != nil || len(res.Members) != n {
		t.Fatalf("members: %v", err)
	}
	user, err := UserType.Normalize(map[string]any{"userName": "u", "emails": emails})
	if err != nil {
		t.Fatal(err)
	}
	if got := len(user.Doc["emails"].([]any)); got != n/2 {
		t.Errorf("%d emails after removing duplicates, want %d", got, n/2)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("normalizing %d values took %v", n, d)
	}
}

func TestFinishSchemas(t *testing.T) {
	doc := map[string]any{
		"userName":             "a",
		"urn:z:ext":            map[string]any{},
		"urn:a:ext":            "x",
		EnterpriseUserSchema:   map[string]any{"department": "d"},
		"schemas":              []any{"urn:stale"},
		"notAURNButHasColon:x": "y",
	}
	if err := UserType.Finish(doc, true); err != nil {
		t.Fatal(err)
	}
	want := []any{UserSchema, EnterpriseUserSchema, "urn:a:ext", "urn:z:ext"}
	if !reflect.DeepEqual(doc["schemas"], want) {
		t.Errorf("schemas = %v, want %v", doc["schemas"], want)
	}
	group := map[string]any{"displayName": "g"}
	if err := GroupType.Finish(group, true); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(group["schemas"], []any{GroupSchema}) {
		t.Errorf("group schemas = %v", group["schemas"])
	}
	twoPrimaries := map[string]any{"userName": "a", "emails": []any{
		map[string]any{"value": "a", "primary": true}, map[string]any{"value": "b", "primary": true}}}
	if err := UserType.Finish(twoPrimaries, false); err != nil {
		t.Errorf("Finish without strictPrimary: %v", err)
	}
	checkError(t, UserType.Finish(twoPrimaries, true), roster.EInvalid, roster.ScimInvalidValue, "2 values marked primary")
	checkError(t, GroupType.Finish(map[string]any{"displayName": ""}, true), roster.EInvalid, roster.ScimInvalidValue, "displayName is required")
}

func TestNormalizeNumberTypes(t *testing.T) {
	// No published attribute is numeric yet; the rules still hold.
	integer := &Attribute{Name: "n", Type: roster.TypeInteger}
	decimal := &Attribute{Name: "d", Type: roster.TypeDecimal}
	good := []struct {
		a    *Attribute
		in   any
		want json.Number
	}{
		{integer, json.Number("42"), "42"},
		{integer, "-7", "-7"},
		{integer, " 7 ", "7"},
		{decimal, json.Number("1.5e3"), "1.5e3"},
		{decimal, "0.25", "0.25"},
	}
	for _, tc := range good {
		got, err := normalizeSimple(tc.a, tc.a.Name, tc.in)
		if err != nil || got != tc.want {
			t.Errorf("%s %v: %v %v", tc.a.Type, tc.in, got, err)
		}
	}
	for _, tc := range []struct {
		a  *Attribute
		in any
	}{
		{integer, json.Number("4.5")}, {integer, "x"}, {integer, true}, {decimal, ""},
		{decimal, "NaN"}, {decimal, "Inf"}, {decimal, "0x1p4"}, {integer, "0x10"}, {decimal, "1_000"}, {decimal, "+1"}, {decimal, ".5"},
	} {
		got, err := normalizeSimple(tc.a, tc.a.Name, tc.in)
		if err == nil {
			t.Errorf("%s %q accepted as %v", tc.a.Type, tc.in, got)
			continue
		}
		checkError(t, err, roster.EInvalid, roster.ScimInvalidValue, tc.a.Name+" must be")
	}
	dt := &Attribute{Name: "when", Type: roster.TypeDateTime}
	if got, err := normalizeSimple(dt, "when", "2026-01-31T13:00:00+01:00"); err != nil || got != "2026-01-31T12:00:00Z" {
		t.Errorf("dateTime: %v %v", got, err)
	}
	if _, err := normalizeSimple(dt, "when", "2026-01-31"); err == nil {
		t.Error("a date without time accepted")
	}
}

func TestETag(t *testing.T) {
	if got := ETag(7); got != `W/"7"` {
		t.Errorf("ETag(7) = %s", got)
	}
	for tag, want := range map[string]int64{`W/"7"`: 7, `"12"`: 12, ` W/"3" `: 3} {
		if v, ok := ParseETag(tag); !ok || v != want {
			t.Errorf("ParseETag(%q) = %d %v", tag, v, ok)
		}
	}
	for _, tag := range []string{``, `*`, `W/7`, `"x"`, `"0"`, `"-1"`, `W/"`, `"`} {
		if v, ok := ParseETag(tag); ok {
			t.Errorf("ParseETag(%q) = %d", tag, v)
		}
	}
}

func TestUserFromDoc(t *testing.T) {
	res, err := UserType.Normalize(mustDecode(t, fullUserJSON))
	if err != nil {
		t.Fatal(err)
	}
	var u roster.User
	UserFromDoc(res.Doc, &u)
	if u.UserName != "alice@acme.test" || u.ExternalID != "ext-1" || u.DisplayName != "Alice Smith" || !u.Active {
		t.Errorf("UserFromDoc = %+v", u)
	}
	back, err := UnmarshalDoc(u.Attributes)
	if err != nil {
		t.Fatal(err)
	}
	if ok, got, want := sameJSON(back, res.Doc); !ok {
		t.Errorf("Attributes %s, want %s", got, want)
	}
	var inactive roster.User
	UserFromDoc(map[string]any{"userName": "b", "active": false}, &inactive)
	var unset roster.User
	UserFromDoc(map[string]any{"userName": "c"}, &unset)
	if inactive.Active || !unset.Active {
		t.Errorf("active false -> %v, unset -> %v", inactive.Active, unset.Active)
	}
	var g roster.Group
	GroupFromDoc(map[string]any{"displayName": "G", "externalId": "x"}, &g)
	if g.DisplayName != "G" || g.ExternalID != "x" || string(g.Attributes) != `{"displayName":"G","externalId":"x"}` {
		t.Errorf("GroupFromDoc = %+v", g)
	}
}

// TestDecodeNumbers: numbers must fit a double and be short; the ones
// accepted stay exactly as written.
func TestDecodeNumbers(t *testing.T) {
	for _, n := range []string{"0", "-0.0", "12345678901234567890", "1.7976931348623157e308", "5e-324", "-1.5E+300", "0e-999"} {
		obj, err := Decode([]byte(`{"urn:example:x":{"n":[` + n + `]}}`))
		if err != nil {
			t.Errorf("%s: %v", n, err)
			continue
		}
		if got := obj["urn:example:x"].(map[string]any)["n"].([]any)[0]; got != json.Number(n) {
			t.Errorf("%s decoded as %v", n, got)
		}
	}
	for _, n := range []string{"1e400", "-1e309", "1e-400", "2e-324", strings.Repeat("9", 2000), "1." + strings.Repeat("0", MaxNumberLength)} {
		_, err := Decode([]byte(`{"a":{"b":[1,` + n + `]}}`))
		var e *roster.Error
		if !errors.As(err, &e) || e.ScimType != roster.ScimInvalidValue {
			t.Errorf("%.20s: error %v, want invalidValue", n, err)
		}
	}
}

// TestFilterRefusesNUL: a NUL, however the filter spells it, is an invalid
// filter, also inside a PATCH path's value filter.
func TestFilterRefusesNUL(t *testing.T) {
	for _, f := range []string{`userName eq "a\u0000b"`, "userName eq \"a\x00b\"", `emails[value co "\u0000"]`, `name.givenName sw "\u0000"`} {
		_, err := UserType.ParseFilter(f)
		if e := roster.AsError(err); err == nil || e.ScimType != roster.ScimInvalidFilter {
			t.Errorf("ParseFilter(%q) = %v, want invalidFilter", f, err)
		}
	}
	ops, err := ParsePatch(mustDecode(t, `{"Operations":[{"op":"remove","path":"emails[value eq \"\\u0000\"]"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := UserType.Patch(mustDecode(t, fullUserJSON), ops); roster.AsError(err).ScimType != roster.ScimInvalidFilter {
		t.Errorf("PATCH path with a NUL: %v, want invalidFilter", err)
	}
}
