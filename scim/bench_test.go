package scim

import (
	"testing"
	"time"

	"github.com/rosterhq/roster"
)

// Benchmarks of the per-request hot paths; docs/benchmarks.md records
// their figures. Run: go test ./scim -run '^$' -bench . -benchmem

var benchUserJSON = []byte(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
"externalId":"ext-1","userName":"bench.user@example.com","active":true,"displayName":"Bench User",
"name":{"formatted":"Bench User","familyName":"User","givenName":"Bench"},
"emails":[{"primary":true,"type":"work","value":"bench.user@example.com"}],
"title":"Engineer","preferredLanguage":"en-US",
"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":"42","department":"R&D","manager":{"value":"m-1"}}}`)

func BenchmarkParseFilterUserNameEq(b *testing.B) {
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := UserType.ParseFilter(`userName eq "user` + string(rune('a'+i%26)) + `@example.com"`); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseFilterComplex(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := UserType.ParseFilter(`(emails[type eq "work" and value co "@example.com"] or userName sw "a") and not (active eq false) and meta.lastModified gt "2026-01-01T00:00:00Z"`); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNormalizeUser(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		obj, err := Decode(benchUserJSON)
		if err != nil {
			b.Fatal(err)
		}
		res, err := UserType.Normalize(obj)
		if err != nil {
			b.Fatal(err)
		}
		var u roster.User
		UserFromDoc(res.Doc, &u)
	}
}

func benchUser(b *testing.B) *roster.User {
	obj, _ := Decode(benchUserJSON)
	res, err := UserType.Normalize(obj)
	if err != nil {
		b.Fatal(err)
	}
	u := &roster.User{ID: "01a226a6-3131-7186-9bcd-8ba0f05adf98", Version: 3, Created: time.Now(), LastModified: time.Now()}
	UserFromDoc(res.Doc, u)
	return u
}

func BenchmarkEncodeUser(b *testing.B) {
	u := benchUser(b)
	enc := Encoder{Base: "https://roster.example.com/scim/v2/directories/01a226a6-200a-7d35-922b-7ef3f6f8aadf"}
	groups := []roster.GroupRef{{ID: "g1", Display: "Engineering", Direct: true}}
	buf := make([]byte, 0, 4096)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = enc.AppendUser(buf[:0], u, groups, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeUserProjected(b *testing.B) {
	u := benchUser(b)
	enc := Encoder{Base: "https://roster.example.com/scim/v2/directories/d"}
	p := UserType.ParseProjection("userName,emails.value,urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := enc.AppendUser(nil, u, nil, p); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPatchUserEntra(b *testing.B) {
	u := benchUser(b)
	body, _ := Decode([]byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
		{"op":"Replace","path":"active","value":"False"},
		{"op":"Replace","path":"emails[type eq \"work\"].value","value":"new@example.com"},
		{"op":"Add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":"m-2"},
		{"op":"Replace","value":{"name.givenName":"Renamed","title":"Lead"}}]}`))
	b.ReportAllocs()
	for b.Loop() {
		ops, err := ParsePatch(body)
		if err != nil {
			b.Fatal(err)
		}
		doc, err := UnmarshalDoc(u.Attributes)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := UserType.Patch(doc, ops); err != nil {
			b.Fatal(err)
		}
		var out roster.User
		UserFromDoc(doc, &out)
	}
}

func BenchmarkPatchGroupAddMember(b *testing.B) {
	doc := map[string]any{"displayName": "Everyone"}
	body, _ := Decode([]byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Add","path":"members","value":[{"value":"01a226a6-3131-7186-9bcd-8ba0f05adf98"}]}]}`))
	b.ReportAllocs()
	for b.Loop() {
		ops, err := ParsePatch(body)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := GroupType.Patch(doc, ops); err != nil {
			b.Fatal(err)
		}
	}
}
