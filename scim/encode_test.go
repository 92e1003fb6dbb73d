package scim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/rosterhq/roster"
)

// checkUniqueKeys fails unless b is one JSON value in which no object has a
// key twice (which decoding into a map would hide).
func checkUniqueKeys(t *testing.T, b []byte) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	var walk func() error
	walk = func() error {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch tok {
		case json.Delim('{'):
			seen := map[string]bool{}
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return err
				}
				if seen[k.(string)] {
					return fmt.Errorf("key %q twice", k)
				}
				seen[k.(string)] = true
				if err := walk(); err != nil {
					return err
				}
			}
			_, err = dec.Token()
			return err
		case json.Delim('['):
			for dec.More() {
				if err := walk(); err != nil {
					return err
				}
			}
			_, err = dec.Token()
			return err
		}
		return nil
	}
	if err := walk(); err != nil {
		t.Errorf("%s: %v", b, err)
	}
	if dec.More() {
		t.Errorf("%s: data after the value", b)
	}
}

func TestAppendUser(t *testing.T) {
	u, groups := testUser(t, fullUserJSON)
	out, err := testEncoder.AppendUser([]byte("prefix:"), u, groups, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(out, []byte("prefix:")) {
		t.Fatalf("AppendUser dropped what dst held: %s", out)
	}
	out = out[len("prefix:"):]
	if !json.Valid(out) {
		t.Fatalf("invalid JSON: %s", out)
	}
	checkUniqueKeys(t, out)
	var got struct {
		ID   string
		Meta struct {
			ResourceType, Created, LastModified, Location, Version string
		}
		Groups []map[string]string
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	if got.ID != "u-1" || got.Meta.Location != "https://roster.test/scim/v2/directories/d1/Users/u-1" || got.Meta.Version != `W/"3"` ||
		got.Meta.ResourceType != "User" || got.Meta.LastModified != "2026-01-02T02:04:05.5Z" || got.Meta.Created != "2026-01-01T00:00:00Z" {
		t.Errorf("id and meta: %+v", got)
	}
	if len(got.Groups) != 2 || got.Groups[0]["value"] != "g1" || got.Groups[0]["type"] != "direct" || got.Groups[1]["type"] != "indirect" ||
		got.Groups[0]["$ref"] != "https://roster.test/scim/v2/directories/d1/Groups/g1" {
		t.Errorf("groups: %v", got.Groups)
	}
	doc, _ := UnmarshalDoc(out)
	if ok, g, w := sameJSON(doc, mustDecode(t, expand(fullUserOut))); !ok {
		t.Errorf("AppendUser\n got %s\nwant %s", g, w)
	}

	// No groups, and attributes that are empty or odd but valid JSON.
	for _, attrs := range []string{``, `{}`, ` { } `, "{\n}", `{"userName":"x"}`, ` {"userName":"x"} `} {
		v := *u
		v.Attributes = []byte(attrs)
		out, err := testEncoder.AppendUser(nil, &v, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !json.Valid(out) {
			t.Errorf("attributes %q give invalid JSON %s", attrs, out)
			continue
		}
		checkUniqueKeys(t, out)
		var m map[string]any
		json.Unmarshal(out, &m)
		if _, has := m["groups"]; has || m["id"] != "u-1" || m["meta"] == nil {
			t.Errorf("attributes %q give %s", attrs, out)
		}
	}
}

// TestAppendUserPaths checks that the spliced fast path and the decoded,
// projected path produce the same resource when nothing is projected away.
func TestAppendUserPaths(t *testing.T) {
	for _, body := range []string{fullUserJSON, bobJSON, `{"userName":"x<&>\"é\u2028","title":"a\\b\u0001","urn:example:x":{"k":[1.50,true,null]}}`} {
		u, groups := testUser(t, body)
		for _, gs := range [][]roster.GroupRef{groups, nil, {{ID: `g"<1>`, Display: "Ünïcode & <tags>"}}} {
			fast, err := testEncoder.AppendUser(nil, u, gs, nil)
			if err != nil {
				t.Fatal(err)
			}
			// A projection that removes nothing the user has takes the
			// projected path.
			p := UserType.ParseProjection("", "timezone")
			if p.KeepsDocument(UserType) {
				t.Fatal("excludedAttributes=timezone keeps the document")
			}
			slow, err := testEncoder.AppendUser(nil, u, gs, p)
			if err != nil {
				t.Fatal(err)
			}
			// And the projected path itself with no projection.
			full, err := testEncoder.fullResource(UserType, u.ID, u.Attributes, u.Created, u.LastModified, u.Version)
			if err != nil {
				t.Fatal(err)
			}
			if len(gs) > 0 {
				list := make([]any, len(gs))
				for i, g := range gs {
					list[i] = testEncoder.groupRefMap(g)
				}
				full["groups"] = list
			}
			(*Projection)(nil).Apply(UserType, full)
			direct := MarshalDoc(full)

			checkUniqueKeys(t, fast)
			a, err1 := UnmarshalDoc(fast)
			b, err2 := UnmarshalDoc(slow)
			c, err3 := UnmarshalDoc(direct)
			if err1 != nil || err2 != nil || err3 != nil {
				t.Fatalf("invalid JSON: %v %v %v\n%s", err1, err2, err3, fast)
			}
			if !reflect.DeepEqual(a, b) || !reflect.DeepEqual(a, c) {
				t.Errorf("fast path and projected path differ:\n%s\n%s\n%s", fast, slow, direct)
			}
		}
	}
}

type memberList []roster.Member

func (l memberList) source(fn func(roster.Member) error) error {
	for _, m := range l {
		if err := fn(m); err != nil {
			return err
		}
	}
	return nil
}

func testGroup(t *testing.T) *roster.Group {
	res, err := GroupType.Normalize(mustDecode(t, `{"displayName":"Engineering","externalId":"g-ext"}`))
	if err != nil {
		t.Fatal(err)
	}
	g := &roster.Group{ID: "g-1", Version: 9, Created: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), LastModified: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	GroupFromDoc(res.Doc, g)
	return g
}

func TestWriteGroup(t *testing.T) {
	g := testGroup(t)
	members := memberList{
		{ID: "u1", Type: roster.MemberUser, Display: "Alice"},
		{ID: "g2", Type: roster.MemberGroup},
		{ID: "u\"3", Type: roster.MemberUser, Display: "Zoë <z@x>"},
	}
	const meta = `"meta":{"resourceType":"Group","created":"2026-01-01T00:00:00Z","lastModified":"2026-01-01T00:00:00Z","location":"https://roster.test/scim/v2/directories/d1/Groups/g-1","version":"W/\"9\""}`
	const memberJSON = `"members":[
		{"value":"u1","$ref":"https://roster.test/scim/v2/directories/d1/Users/u1","type":"User","display":"Alice"},
		{"value":"g2","$ref":"https://roster.test/scim/v2/directories/d1/Groups/g2","type":"Group"},
		{"value":"u\"3","$ref":"https://roster.test/scim/v2/directories/d1/Users/u\"3","type":"User","display":"Zoë <z@x>"}]`
	tests := []struct {
		name                string
		members             MemberSource
		attributes, exclude string
		want                string
	}{
		{"streams members", memberList(members).source, "", "",
			`{"id":"g-1","schemas":["$GROUP"],"displayName":"Engineering","externalId":"g-ext",` + memberJSON + `,` + meta + `}`},
		{"no members", memberList(nil).source, "", "",
			`{"id":"g-1","schemas":["$GROUP"],"displayName":"Engineering","externalId":"g-ext",` + meta + `}`},
		{"no member source", nil, "", "",
			`{"id":"g-1","schemas":["$GROUP"],"displayName":"Engineering","externalId":"g-ext",` + meta + `}`},
		{"members excluded", memberList(members).source, "", "members",
			`{"id":"g-1","schemas":["$GROUP"],"displayName":"Engineering","externalId":"g-ext",` + meta + `}`},
		{"projected with members", memberList(members).source, "", "externalId",
			`{"id":"g-1","schemas":["$GROUP"],"displayName":"Engineering",` + memberJSON + `,` + meta + `}`},
		{"only member values", memberList(members).source, "members.value", "",
			`{"id":"g-1","schemas":["$GROUP"],"members":[{"value":"u1"},{"value":"g2"},{"value":"u\"3"}]}`},
		{"only displayName", memberList(members).source, "displayName", "",
			`{"id":"g-1","schemas":["$GROUP"],"displayName":"Engineering"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := testEncoder.WriteGroup(&buf, g, tc.members, GroupType.ParseProjection(tc.attributes, tc.exclude)); err != nil {
				t.Fatal(err)
			}
			checkUniqueKeys(t, buf.Bytes())
			got, err := UnmarshalDoc(buf.Bytes())
			if err != nil {
				t.Fatalf("invalid JSON %s: %v", buf.Bytes(), err)
			}
			if ok, g, w := sameJSON(got, mustDecode(t, expand(tc.want))); !ok {
				t.Errorf("WriteGroup\n got %s\nwant %s", g, w)
			}
		})
	}

	// An error from the member source is returned, on both paths.
	boom := errors.New("boom")
	failing := func(fn func(roster.Member) error) error {
		fn(roster.Member{ID: "u1", Type: roster.MemberUser})
		return boom
	}
	for _, p := range []*Projection{nil, GroupType.ParseProjection("", "externalId")} {
		var buf bytes.Buffer
		if err := testEncoder.WriteGroup(&buf, g, failing, p); !errors.Is(err, boom) {
			t.Errorf("WriteGroup with a failing source = %v", err)
		}
	}
	// The source is not read when members are not returned.
	var buf bytes.Buffer
	called := false
	spy := func(fn func(roster.Member) error) error { called = true; return nil }
	if err := testEncoder.WriteGroup(&buf, g, spy, GroupType.ParseProjection("displayName", "")); err != nil || called {
		t.Errorf("members read although not returned (err %v)", err)
	}
}

func TestAppendJSONString(t *testing.T) {
	tests := []string{
		"", "plain", "with space", `quote"inside`, `back\slash`, "new\nline", "tab\t", "nul\x00", "bell\x07", "esc\x1b", "del\x7f",
		"\u00e9t\u00e9", "日本語", "emoji 😀", "\u2028\u2029", "<script>&amp;</script>", "ends with backslash\\", `\"`,
		"https://roster.test/scim/v2/Users/01a2-3b", `W/"3"`, "mixed \"é\"\n\u0001😀<>&",
	}
	for _, s := range tests {
		out := appendJSONString([]byte("x"), s)
		if out[0] != 'x' {
			t.Errorf("%q: dst overwritten", s)
		}
		var back string
		if err := json.Unmarshal(out[1:], &back); err != nil {
			t.Errorf("%q encodes as invalid JSON %s: %v", s, out[1:], err)
			continue
		}
		if back != s {
			t.Errorf("%q round-trips to %q", s, back)
		}
		if bytes.ContainsAny(out[1:], "\n\t\x00\x1b") {
			t.Errorf("%q: control characters left raw in %s", s, out[1:])
		}
	}
	// Invalid UTF-8 becomes valid JSON all the same.
	for _, s := range []string{"\xff", "a\xc3", "\xed\xa0\x80"} {
		out := appendJSONString(nil, s)
		if !json.Valid(out) || !utf8.Valid(out) {
			t.Errorf("%q encodes as %q", s, out)
		}
	}
	// Identifiers are copied as they are.
	if got := string(appendJSONString(nil, "01a226a6-3131-7186")); got != `"01a226a6-3131-7186"` {
		t.Errorf("identifier encodes as %s", got)
	}
}

func TestMarshalDoc(t *testing.T) {
	doc := map[string]any{"b": "<&>", "a": []any{json.Number("1.50"), true, nil}, "c": map[string]any{"z": "é", "y": "\u2028"}}
	got := string(MarshalDoc(doc))
	if want := `{"a":[1.50,true,null],"b":"<&>","c":{"y":"\u2028","z":"é"}}`; got != want {
		t.Errorf("MarshalDoc = %s, want %s", got, want)
	}
	back, err := UnmarshalDoc([]byte(got))
	if err != nil || !reflect.DeepEqual(back, doc) {
		t.Errorf("UnmarshalDoc = %#v, %v", back, err)
	}
	if _, err := UnmarshalDoc([]byte(`{"a":`)); err == nil {
		t.Error("UnmarshalDoc accepted truncated JSON")
	}
}

func TestListHead(t *testing.T) {
	out := ListTail(append(ListHead([]byte("x"), 250, 2, 101), `{"id":"a"},{"id":"b"}`...))
	want := `x{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":250,"itemsPerPage":2,"startIndex":101,"Resources":[{"id":"a"},{"id":"b"}]}`
	if string(out) != want {
		t.Errorf("list = %s", out)
	}
	if !json.Valid(ListTail(ListHead(nil, 0, 0, 1))) {
		t.Error("an empty list is not valid JSON")
	}
}

func TestErrorBody(t *testing.T) {
	var got map[string]any
	if err := json.Unmarshal(ErrorBody(400, roster.ScimInvalidFilter, `bad "filter" <here>`), &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"schemas": []any{ErrorSchema}, "status": "400", "scimType": "invalidFilter", "detail": `bad "filter" <here>`}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ErrorBody = %v", got)
	}
	if body := string(ErrorBody(500, "", "")); strings.Contains(body, "scimType") || strings.Contains(body, "detail") {
		t.Errorf("empty fields written: %s", body)
	}
}

func TestAccountEmail(t *testing.T) {
	for _, tc := range []struct{ body, want string }{
		{`{"userName":"a@x.test","emails":[{"value":"b@y.test"},{"value":"c@z.test","primary":true}]}`, "c@z.test"},
		{`{"userName":"a@x.test","emails":[{"value":"b@y.test","type":"home"},{"value":"c@z.test"}]}`, "b@y.test"},
		{`{"userName":"a@x.test"}`, "a@x.test"},
		{`{"userName":"alice"}`, ""},
		{`{"userName":"alice","emails":[{"type":"work","display":"no value"}]}`, ""},
	} {
		var u roster.User
		UserFromDoc(mustNormalizeUser(t, tc.body), &u)
		if u.Email != tc.want {
			t.Errorf("%s: Email = %q, want %q", tc.body, u.Email, tc.want)
		}
	}
	if d := roster.EmailDomain("Alice@Example.COM"); d != "example.com" {
		t.Errorf("EmailDomain = %q", d)
	}
}

func mustNormalizeUser(t *testing.T, body string) map[string]any {
	t.Helper()
	res, err := UserType.Normalize(mustDecode(t, body))
	if err != nil {
		t.Fatal(err)
	}
	return res.Doc
}
