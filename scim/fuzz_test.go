package scim

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster"
)

// The seeds below are also stored in testdata/fuzz/<FuzzName>/, where
// "go test" runs them as regression tests; TestFuzzSeedFiles keeps the two
// in step (SCIM_WRITE_FUZZ_SEEDS=1 go test ./scim -run TestFuzzSeedFiles
// rewrites the files).

type fuzzSeed struct{ name, data string }

var filterSeeds = []fuzzSeed{
	{"okta-username-lookup", `userName eq "bjensen@example.com"`},
	{"entra-externalid-lookup", `externalId eq "9a8b7c6d-0000-4000-8000-000000000001"`},
	{"okta-group-lookup", `displayName eq "Engineering"`},
	{"entra-boolean-string", `userName eq "alice@acme.test" and active eq "False"`},
	{"rfc-value-paths", `emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]`},
	{"members-value", `members[value eq "2819c223-7f76-453a-919d-413861904646"]`},
	{"meta-lastmodified", `meta.lastModified gt "2011-05-13T04:42:34Z"`},
	{"enterprise-manager", `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "boss"`},
	{"not-and-null", `not (title pr) or name.familyName eq null`},
	{"escapes", `userName eq "a\"b\\c\u00E9\/"`},
	{"precedence", `(userName sw "J" or userName ew "son") and not (emails.value co "x") and emails.value eq null`},
	{"common-attributes", `id eq "x" and meta.resourceType eq "User" or meta.created le "2026-01-31T12:00:00.5+02:00"`},
	{"unqualified-enterprise", `department eq "R&D" and employeeNumber eq 1234`},
	{"entra-work-email-lookup", `emails[type eq "work"].value eq "Test_User_56402f4b@testuser.com"`},
	{"invalid-single-quotes", `userName eq 'x'`},
	{"invalid-unbalanced", `emails[type eq "work"`},
	{"invalid-type", `active gt true`},
}

const patchOpSchema = `"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"]`

var patchSeeds = []fuzzSeed{
	{"entra-replace-active", `{` + patchOpSchema + `,"Operations":[{"op":"Replace","path":"active","value":"False"}]}`},
	{"entra-add-work-email", `{` + patchOpSchema + `,"Operations":[{"op":"Add","path":"emails[type eq \"work\"].value","value":"new@acme.test"}]}`},
	{"entra-manager-string", `{` + patchOpSchema + `,"Operations":[{"op":"Replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":"boss-2"}]}`},
	{"entra-manager-null", `{` + patchOpSchema + `,"Operations":[{"op":"Replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":null}]}`},
	{"entra-address", `{` + patchOpSchema + `,"Operations":[{"op":"Add","path":"addresses[type eq \"work\"].formatted","value":"1 Main St"},{"op":"Add","path":"addresses[type eq \"work\"].locality","value":"Springfield"}]}`},
	{"entra-add-members", `{` + patchOpSchema + `,"Operations":[{"op":"Add","path":"members","value":[{"value":"u1"},{"value":"u2"}]}]}`},
	{"entra-remove-members", `{` + patchOpSchema + `,"Operations":[{"op":"Remove","path":"members","value":[{"value":"u1"}]}]}`},
	{"entra-several", `{` + patchOpSchema + `,"Operations":[{"op":"Replace","path":"displayName","value":"A J"},{"op":"Replace","path":"name.familyName","value":"J"},{"op":"Add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department","value":"Ops"},{"op":"Remove","path":"title"}]}`},
	{"entra-pathless-keys", `{` + patchOpSchema + `,"Operations":[{"op":"Add","value":{"emails[type eq \"work\"].value":"w@x","name.givenName":"Al","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber":"7"}}]}`},
	{"okta-deactivate", `{` + patchOpSchema + `,"Operations":[{"op":"replace","value":{"active":false}}]}`},
	{"okta-group-rename", `{` + patchOpSchema + `,"Operations":[{"op":"replace","value":{"id":"g1","displayName":"New name"}}]}`},
	{"okta-remove-member", `{` + patchOpSchema + `,"Operations":[{"op":"remove","path":"members[value eq \"u1\"]"}]}`},
	{"replace-members", `{"Operations":[{"op":"replace","path":"members","value":[{"value":"u3"}]},{"op":"remove","path":"members[type eq \"Group\"]"}]}`},
	{"primary", `{"Operations":[{"op":"replace","path":"emails[type eq \"home\"].primary","value":true},{"op":"add","path":"emails","value":[{"value":"p@x","primary":"True"}]}]}`},
	{"remove-filtered", `{"Operations":[{"op":"remove","path":"emails[type eq \"home\"]"},{"op":"remove","path":"emails[type eq \"work\"].primary"}]}`},
	{"extension-object", `{"Operations":[{"op":"replace","value":{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"Ops","manager":null},"urn:example:x":{"k":1}}}]}`},
	{"error-remove-without-path", `{"Operations":[{"op":"remove"}]}`},
	{"error-read-only", `{"Operations":[{"op":"replace","path":"meta.created","value":"2020-01-01T00:00:00Z"}]}`},
	{"error-no-target", `{"Operations":[{"op":"add","path":"emails[value co \"x\"].display","value":"X"}]}`},
}

var normalizeSeeds = []fuzzSeed{
	{"full-user", fullUserJSON},
	{"entra-create-user", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],"externalId":"0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef","userName":"Test_User_ab6490ee@contoso.com","active":"True","displayName":"Test User","emails":[{"primary":true,"type":"work","value":"Test_User_ab6490ee@contoso.com"}],"meta":{"resourceType":"User"},"name":{"formatted":"Test User","familyName":"User","givenName":"Test"},"roles":[],"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"Sales","manager":"boss-id"}}`},
	{"okta-create-user", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"test.user@okta.local","name":{"givenName":"Test","familyName":"User"},"emails":[{"primary":true,"value":"test.user@okta.local","type":"work"}],"displayName":"Test User","locale":"en-US","externalId":"00ujl29u0le5T6Aj10h7","groups":[],"password":"1mz050nq","active":true}`},
	{"okta-create-group", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Test SCIMv2","members":[]}`},
	{"entra-create-group", `{"externalId":"8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159","id":"c4c3","displayName":"Group1DisplayName","members":[{"value":"u1"},{"value":"u2","display":"Bob"}],"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"]}`},
	{"mixed-case", `{"USERNAME":"a","NAME":{"GIVENNAME":"A"},"Emails":{"VALUE":"a@x"},"URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER":{"MANAGER":[{"value":"m"}]}}`},
	{"unknown-extension", `{"userName":"a","displayName":"G","urn:example:acme:1.0:User":{"badge":{"n":[1,"two",null,true]}},"urn:example:b":null}`},
	{"core-urn-object", `{"urn:ietf:params:scim:schemas:core:2.0:User":{"userName":"a"},"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter":"C"}`},
	{"certificates", `{"userName":"a","x509Certificates":[{"value":"MIIB"},"TUlJQg=="]}`},
	{"numbers-and-nulls", `{"userName":"a","displayName":"x","employeeNumber":1234,"title":null,"externalId":5.5,"emails":[null,{"value":"a"},{"value":"a"}]}`},
	{"error-duplicate-keys", `{"userName":"a","UserName":"b"}`},
	{"error-two-primaries", `{"userName":"a","emails":[{"value":"a","primary":true},{"value":"b","primary":"true"}]}`},
	{"error-invalid-utf8", "{\"userName\":\"\xff\"}"},
	{"error-deep", strings.Repeat(`{"a":`, 20) + `1` + strings.Repeat(`}`, 20)},
	{"error-trailing", `{"userName":"a"}]`},
}

func FuzzParseFilter(f *testing.F) {
	for _, s := range filterSeeds {
		f.Add(s.data)
	}
	f.Fuzz(func(t *testing.T, text string) {
		for _, rt := range ResourceTypes() {
			flt, err := rt.ParseFilter(text)
			if err != nil {
				if flt != nil {
					t.Fatalf("%s: a filter with the error %v", rt.Name, err)
				}
				var e *roster.Error
				if !errors.As(err, &e) || e.Code != roster.EInvalid || e.ScimType != roster.ScimInvalidFilter || e.Detail == "" {
					t.Fatalf("%s: ParseFilter(%q) error %#v", rt.Name, text, err)
				}
				continue
			}
			if n := checkFilterTree(t, flt, nil); n > maxFilterNodes {
				t.Fatalf("%s: %d comparisons in %q", rt.Name, n, text)
			}
			again, err := rt.ParseFilter(text)
			if err != nil || sexpr(again) != sexpr(flt) {
				t.Fatalf("%s: parsing %q again gave %s, %v; first %s", rt.Name, text, sexpr(again), err, sexpr(flt))
			}
			if h, ok := flt.(roster.Has); ok {
				matchElement(h.Filter, map[string]any{"value": "x", "type": "work", "primary": true, "display": ""})
			}
		}
	})
}

// checkFilterTree checks the invariants of a parsed filter and returns the
// number of comparisons; inside is the Has a node is in.
func checkFilterTree(t *testing.T, f roster.Filter, inside *roster.Has) int {
	t.Helper()
	switch f := f.(type) {
	case roster.And:
		return checkFilterTree(t, f.Left, inside) + checkFilterTree(t, f.Right, inside)
	case roster.Or:
		return checkFilterTree(t, f.Left, inside) + checkFilterTree(t, f.Right, inside)
	case roster.Not:
		return checkFilterTree(t, f.Filter, inside)
	case roster.Has:
		if inside != nil || !f.Attr.MultiValued || f.Attr.Sub != "" || f.Attr.Type != roster.TypeComplex {
			t.Fatalf("bad Has %s", sexpr(f))
		}
		return checkFilterTree(t, f.Filter, &f)
	case roster.Compare:
		a := f.Attr
		if a.Name == "" || a.Extension != (a.Schema == EnterpriseUserSchema) {
			t.Fatalf("bad attribute in %s", sexpr(f))
		}
		if inside != nil && (a.Name != inside.Attr.Name || a.Sub == "") {
			t.Fatalf("%s inside %s", sexpr(f), sexpr(*inside))
		}
		if inside == nil && a.MultiValued && a.Sub != "" {
			t.Fatalf("%s outside a Has", sexpr(f))
		}
		var ok bool
		switch {
		case f.Op == roster.Pr:
			ok = f.Value == nil
		case a.Type == roster.TypeBoolean:
			_, ok = f.Value.(bool)
			ok = ok && (f.Op == roster.Eq || f.Op == roster.Ne)
		case a.Type == roster.TypeDateTime:
			_, ok = f.Value.(time.Time)
			ok = ok && f.Op != roster.Co && f.Op != roster.Sw && f.Op != roster.Ew
		case a.Type == roster.TypeString || a.Type == roster.TypeReference || a.Type == roster.TypeBinary:
			_, ok = f.Value.(string)
		}
		if !ok {
			t.Fatalf("value or operator does not fit the type: %s", sexpr(f))
		}
		return 1
	}
	t.Fatalf("unknown node %T", f)
	return 0
}

// fuzzBaseDocs are the documents FuzzPatch patches.
func fuzzBaseDocs(t testing.TB) map[*ResourceType]map[string]any {
	user, err := UserType.Normalize(mustDecode(t, fullUserJSON))
	if err != nil {
		t.Fatal(err)
	}
	group, err := GroupType.Normalize(mustDecode(t, `{"displayName":"Engineering","externalId":"g-ext"}`))
	if err != nil {
		t.Fatal(err)
	}
	return map[*ResourceType]map[string]any{UserType: user.Doc, GroupType: group.Doc}
}

func FuzzPatch(f *testing.F) {
	for _, s := range patchSeeds {
		f.Add([]byte(s.data))
	}
	bases := fuzzBaseDocs(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		obj, err := Decode(body)
		if err != nil {
			checkFuzzError(t, "Decode", err)
			return
		}
		ops, err := ParsePatch(obj)
		if err != nil {
			checkFuzzError(t, "ParsePatch", err)
			return
		}
		opsBefore := fmt.Sprintf("%#v", ops)
		for _, rt := range ResourceTypes() {
			doc := deepCopy(bases[rt]).(map[string]any)
			memberOps, err := rt.Patch(doc, ops)
			if fmt.Sprintf("%#v", ops) != opsBefore {
				t.Fatalf("%s: Patch changed its operations", rt.Name)
			}
			if err != nil {
				if memberOps != nil {
					t.Fatalf("%s: member operations with the error %v", rt.Name, err)
				}
				checkFuzzError(t, rt.Name+" Patch", err)
				continue
			}
			// Patching is deterministic.
			doc2 := deepCopy(bases[rt]).(map[string]any)
			memberOps2, err := rt.Patch(doc2, ops)
			if err != nil || memberOpsString(memberOps2) != memberOpsString(memberOps) {
				t.Fatalf("%s: patching again gave %s, %v; first %s", rt.Name, memberOpsString(memberOps2), err, memberOpsString(memberOps))
			}
			if ok, a, b := sameJSON(doc, doc2); !ok {
				t.Fatalf("%s: patching again gave\n%s\nfirst\n%s", rt.Name, b, a)
			}
			if rt == UserType && memberOps != nil {
				t.Fatalf("member operations on a user: %s", memberOpsString(memberOps))
			}
			n := 0
			for _, op := range memberOps {
				n += len(op.IDs)
				for _, id := range op.IDs {
					// members[value eq ""] removes the member whose id is
					// "", that is none; no member with that id is added.
					if id == "" && op.Kind == roster.AddMembers {
						t.Fatalf("empty member id in %s", memberOpsString(memberOps))
					}
				}
				if (op.Kind == roster.AddMembers || op.Kind == roster.RemoveMembers) && len(op.IDs) == 0 ||
					op.Kind == roster.RemoveMembersWhere && op.Filter == nil {
					t.Fatalf("empty member operation in %s", memberOpsString(memberOps))
				}
			}
			if n > MaxPatchMembers {
				t.Fatalf("%d member IDs", n)
			}
			// What a patch leaves is a normalized document.
			stored, err := UnmarshalDoc(MarshalDoc(doc))
			if err != nil {
				t.Fatalf("%s: %v", rt.Name, err)
			}
			res, err := rt.Normalize(stored)
			if err != nil {
				t.Fatalf("%s: the patched document %s does not normalize: %v", rt.Name, MarshalDoc(doc), err)
			}
			if ok, a, b := sameJSON(res.Doc, doc); !ok {
				t.Fatalf("%s: normalizing the patched document changed\n%s\nto\n%s", rt.Name, b, a)
			}
		}
	})
}

func FuzzDecodeNormalize(f *testing.F) {
	for _, s := range normalizeSeeds {
		f.Add([]byte(s.data))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		obj, err := Decode(body)
		if err != nil {
			checkFuzzError(t, "Decode", err)
			return
		}
		for _, rt := range ResourceTypes() {
			before := MarshalDoc(obj)
			res, err := rt.Normalize(obj)
			if !bytes.Equal(MarshalDoc(obj), before) {
				t.Fatalf("%s: Normalize changed its input", rt.Name)
			}
			if err != nil {
				if res != nil {
					t.Fatalf("%s: a resource with the error %v", rt.Name, err)
				}
				checkFuzzError(t, rt.Name+" Normalize", err)
				continue
			}
			if rt == UserType && res.Members != nil {
				t.Fatalf("a user with members %v", res.Members)
			}
			seen := map[string]bool{}
			for _, id := range res.Members {
				if id == "" || seen[id] {
					t.Fatalf("member IDs %q", res.Members)
				}
				seen[id] = true
			}
			if s, _ := res.Doc["schemas"].([]any); len(s) == 0 || s[0] != rt.Schema.ID {
				t.Fatalf("%s: schemas %v", rt.Name, res.Doc["schemas"])
			}
			stored := MarshalDoc(res.Doc)
			doc, err := UnmarshalDoc(stored)
			if err != nil {
				t.Fatalf("%s: %s does not decode: %v", rt.Name, stored, err)
			}
			again, err := rt.Normalize(doc)
			if err != nil {
				t.Fatalf("%s: %s does not normalize again: %v", rt.Name, stored, err)
			}
			if ok, a, b := sameJSON(again.Doc, res.Doc); !ok {
				t.Fatalf("%s: normalizing again changed\n%s\nto\n%s", rt.Name, b, a)
			}
			if _, kept := res.Doc["members"]; kept || again.Members != nil {
				t.Fatalf("%s: members kept in the document", rt.Name)
			}
		}
	})
}

func checkFuzzError(t *testing.T, what string, err error) {
	t.Helper()
	var e *roster.Error
	if !errors.As(err, &e) || e.Code != roster.EInvalid || e.ScimType == "" || e.Detail == "" {
		t.Fatalf("%s: error %#v (%v)", what, err, err)
	}
}

// TestFuzzSeedFiles checks that the seed corpora in testdata/fuzz hold
// every seed added with f.Add.
func TestFuzzSeedFiles(t *testing.T) {
	write := os.Getenv("SCIM_WRITE_FUZZ_SEEDS") != ""
	for _, corpus := range []struct {
		fuzz  string
		typ   string
		seeds []fuzzSeed
	}{
		{"FuzzParseFilter", "string", filterSeeds},
		{"FuzzPatch", "[]byte", patchSeeds},
		{"FuzzDecodeNormalize", "[]byte", normalizeSeeds},
	} {
		if len(corpus.seeds) < 10 {
			t.Errorf("%s has %d seeds", corpus.fuzz, len(corpus.seeds))
		}
		dir := filepath.Join("testdata", "fuzz", corpus.fuzz)
		for _, s := range corpus.seeds {
			file := filepath.Join(dir, "seed-"+s.name)
			want := "go test fuzz v1\n" + corpus.typ + "(" + strconv.Quote(s.data) + ")\n"
			if write {
				if err := os.MkdirAll(dir, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(file, []byte(want), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got, err := os.ReadFile(file)
			if err != nil {
				t.Errorf("seed %s: %v", s.name, err)
				continue
			}
			if string(got) != want {
				t.Errorf("%s holds\n%s\nwant\n%s", file, got, want)
			}
		}
	}
}
