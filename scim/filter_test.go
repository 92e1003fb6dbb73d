package scim

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster"
)

const entURN = EnterpriseUserSchema

func TestParseFilterValid(t *testing.T) {
	const (
		userName  = "user:userName/string"
		title     = "user:title/string"
		active    = "user:active/boolean"
		emails    = "user:emails/complex,multi"
		emailsVal = "user:emails.value/string,multi"
		emailsTyp = "user:emails.type/string,multi"
	)
	tests := []struct {
		rt     *ResourceType
		filter string
		want   string
	}{
		// Every operator.
		{UserType, `userName eq "alice@acme.test"`, `(eq ` + userName + ` "alice@acme.test")`},
		{UserType, `userName ne "a"`, `(ne ` + userName + ` "a")`},
		{UserType, `userName co "a"`, `(co ` + userName + ` "a")`},
		{UserType, `userName sw "a"`, `(sw ` + userName + ` "a")`},
		{UserType, `userName ew "a"`, `(ew ` + userName + ` "a")`},
		{UserType, `userName gt "a"`, `(gt ` + userName + ` "a")`},
		{UserType, `userName ge "a"`, `(ge ` + userName + ` "a")`},
		{UserType, `userName lt "a"`, `(lt ` + userName + ` "a")`},
		{UserType, `userName le "a"`, `(le ` + userName + ` "a")`},
		{UserType, `title pr`, `(pr ` + title + `)`},

		// Case-insensitive names, operators and keywords.
		{UserType, `USERNAME EQ "Alice"`, `(eq ` + userName + ` "Alice")`},
		{UserType, `username Eq "x" AND Title PR`, `(and (eq ` + userName + ` "x") (pr ` + title + `))`},
		{UserType, `NAME.FAMILYNAME co "x"`, `(co user:name.familyName/string "x")`},

		// Logic and precedence: and binds tighter than or; both associate left.
		{UserType, `userName eq "a" or userName eq "b" and title pr`,
			`(or (eq ` + userName + ` "a") (and (eq ` + userName + ` "b") (pr ` + title + `)))`},
		{UserType, `userName eq "a" and userName eq "b" or title pr`,
			`(or (and (eq ` + userName + ` "a") (eq ` + userName + ` "b")) (pr ` + title + `))`},
		{UserType, `(userName eq "a" or userName eq "b") and title pr`,
			`(and (or (eq ` + userName + ` "a") (eq ` + userName + ` "b")) (pr ` + title + `))`},
		{UserType, `userName eq "a" or userName eq "b" or userName eq "c"`,
			`(or (or (eq ` + userName + ` "a") (eq ` + userName + ` "b")) (eq ` + userName + ` "c"))`},
		{UserType, `not (title pr)`, `(not (pr ` + title + `))`},
		{UserType, `userName eq "a" and not (active eq false)`,
			`(and (eq ` + userName + ` "a") (not (eq ` + active + ` false)))`},
		{UserType, `((title pr))`, `(pr ` + title + `)`},

		// Sub-attributes of a singular complex attribute need no Has.
		{UserType, `name.familyName eq "O'Malley"`, `(eq user:name.familyName/string "O'Malley")`},
		{UserType, `name[givenName eq "Al"]`, `(eq user:name.givenName/string "Al")`},

		// Multi-valued attributes, with and without a value path.
		{UserType, `emails.value sw "a"`, `(has ` + emails + ` (sw ` + emailsVal + ` "a"))`},
		{UserType, `emails[type eq "work" and value co "@x"]`,
			`(has ` + emails + ` (and (eq ` + emailsTyp + ` "work") (co ` + emailsVal + ` "@x")))`},
		{UserType, `emails[type eq "work" or primary eq true]`,
			`(has ` + emails + ` (or (eq ` + emailsTyp + ` "work") (eq user:emails.primary/boolean,multi true)))`},
		{UserType, `emails[not (type eq "work")]`, `(has ` + emails + ` (not (eq ` + emailsTyp + ` "work")))`},
		{UserType, `Emails[TYPE eq "work"]`, `(has ` + emails + ` (eq ` + emailsTyp + ` "work"))`},
		{UserType, `emails[type eq "work"] and emails[value co "x"]`,
			`(and (has ` + emails + ` (eq ` + emailsTyp + ` "work")) (has ` + emails + ` (co ` + emailsVal + ` "x")))`},
		{UserType, `emails.primary eq "True"`, `(has ` + emails + ` (eq user:emails.primary/boolean,multi true))`},
		{UserType, `x509Certificates.value eq "AAAA"`,
			`(has user:x509Certificates/complex,multi (eq user:x509Certificates.value/binary,exact,multi "AAAA"))`},
		{UserType, `photos.value ew ".png"`,
			`(has user:photos/complex,multi (ew user:photos.value/reference,exact,multi ".png"))`},
		{UserType, `groups.value eq "g1"`, `(has user:groups/complex,multi (eq user:groups.value/string,exact,multi "g1"))`},
		{UserType, `addresses[type eq "work" and postalCode sw "9"]`,
			`(has user:addresses/complex,multi (and (eq user:addresses.type/string,multi "work") (sw user:addresses.postalCode/string,multi "9")))`},

		// Entra ID's lookup: a value path's sub-attribute compared.
		{UserType, `emails[type eq "work"].value eq "a@x"`,
			`(has ` + emails + ` (and (eq ` + emailsTyp + ` "work") (eq ` + emailsVal + ` "a@x")))`},
		{UserType, `EMAILS [TYPE eq "work"].VALUE EQ "a@x" and userName pr`,
			`(and (has ` + emails + ` (and (eq ` + emailsTyp + ` "work") (eq ` + emailsVal + ` "a@x"))) (pr ` + userName + `))`},
		{UserType, `userName eq "a[b].c eq d" or emails[type eq "work" and primary eq true].value co "]\"x"`,
			`(or (eq ` + userName + ` "a[b].c eq d") (has ` + emails + ` (and (and (eq ` + emailsTyp + ` "work") (eq user:emails.primary/boolean,multi true)) (co ` + emailsVal + ` "]\"x"))))`},
		{UserType, `emails[type eq "work"].value eq "a" or phoneNumbers[type eq "mobile"].value sw "+1"`,
			`(or (has ` + emails + ` (and (eq ` + emailsTyp + ` "work") (eq ` + emailsVal + ` "a"))) (has user:phoneNumbers/complex,multi (and (eq user:phoneNumbers.type/string,multi "mobile") (sw user:phoneNumbers.value/string,multi "+1"))))`},
		{UserType, `not (emails[not (type eq "home")].primary eq TRUE)`,
			`(not (has ` + emails + ` (and (not (eq ` + emailsTyp + ` "home")) (eq user:emails.primary/boolean,multi true))))`},
		{UserType, `emails[type eq "work"].value pr`, `(has ` + emails + ` (and (eq ` + emailsTyp + ` "work") (pr ` + emailsVal + `)))`},
		{UserType, `name[givenName eq "A"].familyName eq "B"`, `(and (eq user:name.givenName/string "A") (eq user:name.familyName/string "B"))`},
		{GroupType, `members[type eq "User"].value eq "u1"`,
			`(has group:members/complex,multi (and (eq group:members.type/string,multi "User") (eq group:members.value/string,exact,multi "u1")))`},

		// A complex attribute compared as a whole means its value.
		{UserType, `emails co "x"`, `(has ` + emails + ` (co ` + emailsVal + ` "x"))`},
		{UserType, `emails pr`, `(pr ` + emails + `)`},
		{UserType, `name pr`, `(pr user:name/complex)`},

		// Extension attributes, qualified or not.
		{UserType, `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "42"`,
			`(eq ent:employeeNumber/string,ext "42")`},
		{UserType, `URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER:EMPLOYEENUMBER eq "42"`,
			`(eq ent:employeeNumber/string,ext "42")`},
		{UserType, `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "boss"`,
			`(eq ent:manager.value/string,ext,exact "boss")`},
		{UserType, `department eq "R&D"`, `(eq ent:department/string,ext "R&D")`},
		{UserType, `manager eq "boss"`, `(eq ent:manager.value/string,ext,exact "boss")`},
		{UserType, `employeeNumber eq 1234`, `(eq ent:employeeNumber/string,ext "1234")`},
		{UserType, `urn:ietf:params:scim:schemas:core:2.0:User:userName eq "a"`, `(eq ` + userName + ` "a")`},

		// Common attributes and dateTimes.
		{UserType, `id eq "abc"`, `(eq :id/string,exact "abc")`},
		{UserType, `externalId eq "X1"`, `(eq :externalId/string,exact "X1")`},
		{UserType, `meta.lastModified gt "2026-01-31T12:00:00Z"`, `(gt :meta.lastModified/dateTime time:2026-01-31T12:00:00Z)`},
		{UserType, `meta.created le "2026-01-31T14:00:00.25+02:00"`, `(le :meta.created/dateTime time:2026-01-31T12:00:00.25Z)`},
		{UserType, `meta.created eq "2026-01-31T12:00:00Z"`, `(eq :meta.created/dateTime time:2026-01-31T12:00:00Z)`},
		{UserType, `meta.resourceType eq "User"`, `(eq :meta.resourceType/string,exact "User")`},

		// Booleans, also spelled as strings.
		{UserType, `active eq true`, `(eq ` + active + ` true)`},
		{UserType, `active eq false`, `(eq ` + active + ` false)`},
		{UserType, `active eq "False"`, `(eq ` + active + ` false)`},
		{UserType, `active ne "TRUE"`, `(ne ` + active + ` true)`},

		// eq null and ne null are presence tests.
		{UserType, `title eq null`, `(not (pr ` + title + `))`},
		{UserType, `title ne null`, `(pr ` + title + `)`},
		{UserType, `name.familyName eq null`, `(not (pr user:name.familyName/string))`},
		{UserType, `active eq null`, `(not (pr ` + active + `))`},
		{UserType, `emails.value ne null`, `(has ` + emails + ` (pr ` + emailsVal + `))`},
		{UserType, `emails.value eq null`, `(not (has ` + emails + ` (pr ` + emailsVal + `)))`},
		{UserType, `emails[value eq null]`, `(has ` + emails + ` (not (pr ` + emailsVal + `)))`},

		// JSON escapes in strings.
		{UserType, `userName eq "a\"b"`, `(eq ` + userName + ` "a\"b")`},
		{UserType, `userName eq "back\\slash"`, `(eq ` + userName + ` "back\\slash")`},
		{UserType, `userName eq "caf\u00E9"`, `(eq ` + userName + ` "café")`},
		{UserType, `userName eq "tab\there\/"`, `(eq ` + userName + ` "tab\there/")`},
		{UserType, `userName eq "naïve ünïcode"`, `(eq ` + userName + ` "naïve ünïcode")`},
		{UserType, `userName eq ""`, `(eq ` + userName + ` "")`},

		// Groups.
		{GroupType, `displayName eq "Admins"`, `(eq group:displayName/string "Admins")`},
		{GroupType, `DISPLAYNAME sw "Adm"`, `(sw group:displayName/string "Adm")`},
		{GroupType, `members[value eq "u1"]`,
			`(has group:members/complex,multi (eq group:members.value/string,exact,multi "u1"))`},
		{GroupType, `members.value eq "u1"`,
			`(has group:members/complex,multi (eq group:members.value/string,exact,multi "u1"))`},
		{GroupType, `members[type eq "Group" and display co "ops"]`,
			`(has group:members/complex,multi (and (eq group:members.type/string,multi "Group") (co group:members.display/string,multi "ops")))`},
		{GroupType, `members pr`, `(pr group:members/complex,multi)`},
		{GroupType, `externalId eq "x" or id eq "y"`, `(or (eq :externalId/string,exact "x") (eq :id/string,exact "y"))`},
		{GroupType, `urn:ietf:params:scim:schemas:core:2.0:Group:displayName eq "A"`, `(eq group:displayName/string "A")`},
	}
	for _, tc := range tests {
		t.Run(tc.rt.Name+"/"+tc.filter, func(t *testing.T) {
			f, err := tc.rt.ParseFilter(tc.filter)
			if err != nil {
				t.Fatalf("ParseFilter(%q): %v", tc.filter, err)
			}
			if got := sexpr(f); got != tc.want {
				t.Errorf("ParseFilter(%q)\n got %s\nwant %s", tc.filter, got, tc.want)
			}
		})
	}
}

// TestParseFilterTree checks a few trees field by field, which also shows
// that sexpr prints what matters.
func TestParseFilterTree(t *testing.T) {
	emails := roster.Attr{Schema: UserSchema, Name: "emails", Type: roster.TypeComplex, MultiValued: true}
	sub := func(name string, typ roster.AttrType) roster.Attr {
		a := emails
		a.Sub, a.Type = name, typ
		return a
	}
	tests := []struct {
		filter string
		want   roster.Filter
	}{
		{`userName eq "a\"b"`, roster.Compare{Attr: roster.Attr{Schema: UserSchema, Name: "userName", Type: roster.TypeString}, Op: roster.Eq, Value: `a"b`}},
		{`emails[type eq "work" and value co "@x"]`, roster.Has{Attr: emails, Filter: roster.And{
			Left:  roster.Compare{Attr: sub("type", roster.TypeString), Op: roster.Eq, Value: "work"},
			Right: roster.Compare{Attr: sub("value", roster.TypeString), Op: roster.Co, Value: "@x"},
		}}},
		{`emails.value sw "a"`, roster.Has{Attr: emails, Filter: roster.Compare{Attr: sub("value", roster.TypeString), Op: roster.Sw, Value: "a"}}},
		{entURN + `:manager.value eq "b"`, roster.Compare{Attr: roster.Attr{Schema: entURN, Extension: true, Name: "manager", Sub: "value", Type: roster.TypeString, CaseExact: true}, Op: roster.Eq, Value: "b"}},
		{`meta.created gt "2026-01-31T12:00:00Z"`, roster.Compare{Attr: roster.Attr{Name: "meta", Sub: "created", Type: roster.TypeDateTime}, Op: roster.Gt, Value: time.Date(2026, 1, 31, 12, 0, 0, 0, time.UTC)}},
		{`active eq "False"`, roster.Compare{Attr: roster.Attr{Schema: UserSchema, Name: "active", Type: roster.TypeBoolean}, Op: roster.Eq, Value: false}},
		{`title eq null`, roster.Not{Filter: roster.Compare{Attr: roster.Attr{Schema: UserSchema, Name: "title", Type: roster.TypeString}, Op: roster.Pr}}},
	}
	for _, tc := range tests {
		f, err := UserType.ParseFilter(tc.filter)
		if err != nil {
			t.Errorf("ParseFilter(%q): %v", tc.filter, err)
			continue
		}
		// time.Time values compare by instant; DeepEqual would compare locations.
		if c, ok := f.(roster.Compare); ok {
			if tm, ok := c.Value.(time.Time); ok {
				if !tm.Equal(tc.want.(roster.Compare).Value.(time.Time)) {
					t.Errorf("ParseFilter(%q) time = %v", tc.filter, tm)
				}
				c.Value = tc.want.(roster.Compare).Value
				f = c
			}
		}
		if !reflect.DeepEqual(f, tc.want) {
			t.Errorf("ParseFilter(%q)\n got %#v\nwant %#v", tc.filter, f, tc.want)
		}
		if sexpr(f) != sexpr(tc.want) {
			t.Errorf("sexpr disagrees with DeepEqual for %q", tc.filter)
		}
	}
}

// TestParseFilterNullIsNotPresent checks that x eq null always means
// not (x pr) and x ne null means x pr: an unassigned attribute, a null and
// an empty list are the same state (RFC 7643 §2.5).
func TestParseFilterNullIsNotPresent(t *testing.T) {
	for _, path := range []string{"title", "name.givenName", "emails.value", "emails.primary", "phoneNumbers.type",
		"active", "meta.created", entURN + ":manager.value", "department", "groups.display"} {
		eqNull, err1 := UserType.ParseFilter(path + " eq null")
		notPr, err2 := UserType.ParseFilter("not (" + path + " pr)")
		if err1 != nil || err2 != nil {
			t.Fatalf("%s: %v, %v", path, err1, err2)
		}
		if sexpr(eqNull) != sexpr(notPr) {
			t.Errorf("%s eq null = %s, but not (%s pr) = %s", path, sexpr(eqNull), path, sexpr(notPr))
		}
		neNull, _ := UserType.ParseFilter(path + " ne null")
		pr, _ := UserType.ParseFilter(path + " pr")
		if sexpr(neNull) != sexpr(pr) {
			t.Errorf("%s ne null = %s, but %s pr = %s", path, sexpr(neNull), path, sexpr(pr))
		}
	}
}

func TestParseFilterInvalid(t *testing.T) {
	long := `userName eq "` + strings.Repeat("a", MaxFilterLength) + `"`
	many := strings.TrimSuffix(strings.Repeat(`title pr or `, maxFilterNodes+1), " or ")
	tests := []struct {
		rt     *ResourceType
		filter string
		detail []string // substrings of the error's Detail
	}{
		// Syntax.
		{UserType, ``, []string{"not valid SCIM filter syntax"}},
		{UserType, `userName eq`, []string{`"userName eq" is not valid SCIM filter syntax`}},
		{UserType, `userName eq 'x'`, []string{"not valid SCIM filter syntax", "double quotes", `did you mean userName eq "x"?`}},
		{UserType, `userName eq x`, []string{"not valid SCIM filter syntax", `did you mean userName eq "x"?`}},
		// The unquoted values of Microsoft's reference tests: still a 400,
		// with the fix.
		{UserType, `userName sw O`, []string{`did you mean userName sw "O"?`}},
		{UserType, `name.FamilyName eq Employee and (emails.Value co example.com or emails.Value co example.org)`,
			[]string{`did you mean name.FamilyName eq "Employee" and (emails.Value co "example.com" or emails.Value co "example.org")?`}},
		{UserType, `meta.Created gt 2015-10-10T14:38:21.8617979-07:00`, []string{`did you mean meta.Created gt "2015-10-10T14:38:21.8617979-07:00"?`}},
		{UserType, `userName zz "x"`, []string{"not valid SCIM filter syntax"}},
		{UserType, `userName eq "x" and`, []string{"not valid SCIM filter syntax"}},
		{UserType, `emails[type eq "work"`, []string{"not valid SCIM filter syntax"}},
		{UserType, `emails[type eq "work"]]`, []string{"not valid SCIM filter syntax"}},
		{UserType, `(userName eq "x"`, []string{"not valid SCIM filter syntax"}},
		{UserType, `userName eq "x")`, []string{"not valid SCIM filter syntax"}},
		{UserType, `userName eq "unterminated`, []string{"not valid SCIM filter syntax"}},
		{UserType, `userName eq "bad \q escape"`, []string{"not valid SCIM filter syntax"}},
		{UserType, `emails[type eq "work" and emails[value eq "x"]]`, []string{"not valid SCIM filter syntax"}},
		{UserType, `emails[addresses[type eq "work"]]`, []string{"not valid SCIM filter syntax"}},
		{UserType, `emails[type eq "work"].value eq`, []string{"not valid SCIM filter syntax"}},
		{UserType, `emails[type eq "work"].value.x eq "y"`, []string{"not valid SCIM filter syntax"}},
		{UserType, `emails[type eq "work"].value eq "x" "y"`, []string{"not valid SCIM filter syntax"}},
		{UserType, `emails[type eq "work"].value present`, []string{"not valid SCIM filter syntax"}},
		{UserType, `emails[type eq "work"].`, []string{"not valid SCIM filter syntax"}},
		{UserType, `[type eq "work"].value eq "x"`, []string{"not valid SCIM filter syntax"}},
		// Attributes.
		{UserType, `emails[type eq "work"].nope eq "x"`, []string{`"emails" has no sub-attribute "nope"`}},
		{UserType, `title[value eq "x"].display eq "y"`, []string{"needs a complex attribute"}},
		{UserType, `emails[type eq "work"].primary eq "x"`, []string{"emails.primary is a boolean"}},
		{UserType, `zzRosterSubPath0 pr`, []string{`User has no attribute "zzRosterSubPath0"`}},
		{UserType, `zzRosterSubPath0 pr or emails[type eq "work"].value eq "x"`, []string{"not valid SCIM filter syntax"}},
		{UserType, `nickname2 eq "x"`, []string{`User has no attribute "nickname2"`}},
		{UserType, `name.nick eq "x"`, []string{`"name" has no sub-attribute "nick"`, "givenName"}},
		{UserType, `userName.first eq "x"`, []string{`"userName" has no sub-attributes`}},
		{UserType, `emails[nope eq "x"]`, []string{`"emails" has no sub-attribute "nope"`}},
		{UserType, `emails[value.x eq "x"]`, []string{`"value.x" inside emails[...] must name a sub-attribute`}},
		{UserType, `emails[` + entURN + `:department eq "x"]`, []string{"inside emails[...] must name a sub-attribute"}},
		{UserType, `urn:example:nope:1.0:x eq "y"`, []string{`User has no schema "urn:example:nope:1.0"`}},
		{UserType, entURN + `:nope eq "y"`, []string{`has no attribute "nope"`}},
		{UserType, `urn:ietf:params:scim:schemas:core:2.0:User:department eq "x"`, []string{`has no attribute "department"`}},
		{UserType, `userName[value eq "x"]`, []string{"needs a complex attribute"}},
		{UserType, `name eq "x"`, []string{"name is complex", "givenName"}},
		{UserType, `password eq "x"`, []string{"password is write-only"}},
		{UserType, `password pr`, []string{"password is write-only"}},
		{GroupType, `userName eq "x"`, []string{`Group has no attribute "userName"`}},
		{GroupType, `department eq "x"`, []string{`Group has no attribute "department"`}},
		{GroupType, entURN + `:department eq "x"`, []string{"Group has no schema"}},
		// Types.
		{UserType, `active gt true`, []string{"active is a boolean", "gt cannot order it"}},
		{UserType, `active co "t"`, []string{"active is a boolean", "co applies only to text"}},
		{UserType, `active eq "yes"`, []string{"active is a boolean", "yes"}},
		{UserType, `active eq 1`, []string{"active is a boolean"}},
		{UserType, `meta.created co "2026"`, []string{"meta.created is a dateTime", "co applies only to text"}},
		{UserType, `meta.lastModified sw "2026"`, []string{"meta.lastModified is a dateTime"}},
		{UserType, `meta.created gt "yesterday"`, []string{"meta.created is a dateTime", "RFC 3339", "yesterday"}},
		{UserType, `meta.created gt 20260101`, []string{"meta.created is a dateTime"}},
		{UserType, `meta.created gt true`, []string{"meta.created is a dateTime"}},
		{UserType, `x509Certificates.value gt "A"`, []string{"is a binary", "gt cannot order it"}},
		{UserType, `userName eq true`, []string{"userName is text", "quoted string"}},
		{UserType, `userName co null`, []string{"null can only be compared with eq or ne"}},
		{UserType, `emails[primary eq "maybe"]`, []string{"emails.primary is a boolean"}},
		// Limits.
		{UserType, long, []string{"the limit is 4096"}},
		{UserType, many, []string{"more than 64 comparisons"}},
	}
	for _, tc := range tests {
		name := tc.filter
		if len(name) > 60 {
			name = name[:60]
		}
		t.Run(tc.rt.Name+"/"+name, func(t *testing.T) {
			f, err := tc.rt.ParseFilter(tc.filter)
			if err == nil {
				t.Fatalf("ParseFilter(%q) = %s, want an error", tc.filter, sexpr(f))
			}
			if f != nil {
				t.Errorf("ParseFilter(%q) returned a filter with its error", tc.filter)
			}
			checkError(t, err, roster.EInvalid, roster.ScimInvalidFilter, tc.detail...)
		})
	}
}

func TestParseFilterLimits(t *testing.T) {
	// Exactly at the limits is fine.
	text := `userName eq "` + strings.Repeat("a", MaxFilterLength-len(`userName eq ""`)) + `"`
	if len(text) != MaxFilterLength {
		t.Fatalf("test filter is %d long", len(text))
	}
	if _, err := UserType.ParseFilter(text); err != nil {
		t.Errorf("filter of exactly MaxFilterLength: %v", err)
	}
	many := strings.TrimSuffix(strings.Repeat(`title pr or `, maxFilterNodes), " or ")
	if _, err := UserType.ParseFilter(many); err != nil {
		t.Errorf("%d comparisons: %v", maxFilterNodes, err)
	}
	// Comparisons inside value paths count too.
	var b strings.Builder
	for i := 0; i < maxFilterNodes/2+1; i++ {
		if i > 0 {
			b.WriteString(" or ")
		}
		b.WriteString(`emails[type eq "a" and value eq "b"]`)
	}
	checkError(t, func() error { _, err := UserType.ParseFilter(b.String()); return err }(),
		roster.EInvalid, roster.ScimInvalidFilter, "more than 64 comparisons")
	// Deep nesting within the length limit parses quickly and correctly.
	deep := strings.Repeat("(", 500) + "title pr" + strings.Repeat(")", 500)
	start := time.Now()
	f, err := UserType.ParseFilter(deep)
	if err != nil || sexpr(f) != `(pr user:title/string)` {
		t.Errorf("deep parentheses: %s, %v", sexpr(f), err)
	}
	deepNot := strings.Repeat("not (", 300) + "title pr" + strings.Repeat(")", 300)
	if _, err := UserType.ParseFilter(deepNot); err != nil {
		t.Errorf("deep not: %v", err)
	}
	unbalanced := strings.Repeat("(", 2000) + "title pr"
	checkError(t, func() error { _, err := UserType.ParseFilter(unbalanced); return err }(),
		roster.EInvalid, roster.ScimInvalidFilter, "not valid SCIM filter syntax")
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("deeply nested filters took %v", d)
	}
}

func TestParseDateTime(t *testing.T) {
	for _, s := range []string{"2026-01-31T12:00:00Z", " 2026-01-31T12:00:00.123456789Z ", "2026-01-31T13:00:00+01:00"} {
		tm, err := ParseDateTime(s)
		if err != nil {
			t.Errorf("ParseDateTime(%q): %v", s, err)
			continue
		}
		if tm.UTC().Hour() != 12 {
			t.Errorf("ParseDateTime(%q) = %v", s, tm)
		}
	}
	for _, s := range []string{"", "2026-01-31", "2026-01-31 12:00:00Z", "yesterday"} {
		if _, err := ParseDateTime(s); err == nil {
			t.Errorf("ParseDateTime(%q) succeeded", s)
		}
	}
	if got := FormatTime(time.Date(2026, 1, 31, 13, 0, 0, 500, time.FixedZone("x", 3600))); got != "2026-01-31T12:00:00.0000005Z" {
		t.Errorf("FormatTime = %s", got)
	}
}

// TestFilterValueTypes checks the conversions for attribute types the
// published schemas do not use yet.
func TestFilterValueTypes(t *testing.T) {
	intAttr := target{attr: &Attribute{Name: "n", Type: roster.TypeInteger}}
	decAttr := target{attr: &Attribute{Name: "d", Type: roster.TypeDecimal}}
	if v, err := filterValue(intAttr, roster.Gt, json.Number("42")); err != nil || v != int64(42) {
		t.Errorf("integer 42: %v %v", v, err)
	}
	if _, err := filterValue(intAttr, roster.Gt, json.Number("4.5")); err == nil {
		t.Error("integer 4.5 accepted")
	}
	if _, err := filterValue(intAttr, roster.Co, json.Number("4")); err == nil {
		t.Error("co on an integer accepted")
	}
	if v, err := filterValue(decAttr, roster.Le, json.Number("4.5")); err != nil || v != 4.5 {
		t.Errorf("decimal 4.5: %v %v", v, err)
	}
	if _, err := filterValue(decAttr, roster.Eq, "4.5"); err == nil {
		t.Error("decimal given a string accepted")
	}
}
