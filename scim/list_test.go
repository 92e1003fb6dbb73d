package scim

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/rosterhq/roster"
)

func TestParseListQuery(t *testing.T) {
	tests := []struct {
		query      string
		filter     string // sexpr of the filter
		sortBy     string // attrString of SortBy
		desc       bool
		start, cnt int
	}{
		{"", "<nil>", "", false, 1, DefaultCount},
		{"filter=" + url.QueryEscape(`userName eq "a"`), `(eq user:userName/string "a")`, "", false, 1, DefaultCount},
		{"filter=+", "<nil>", "", false, 1, DefaultCount},
		{"startIndex=0&count=-5", "<nil>", "", false, 1, 0},
		{"startindex=21&COUNT=10", "<nil>", "", false, 21, 10},
		{"count=100000", "<nil>", "", false, 1, MaxResults},
		{"count=+7+", "<nil>", "", false, 1, 7},
		{"sortBy=name.familyName&sortOrder=descending", "<nil>", "user:name.familyName/string", true, 1, DefaultCount},
		{"sortBy=emails&sortOrder=Ascending", "<nil>", "user:emails.value/string,multi", false, 1, DefaultCount},
		{"sortBy=meta.lastModified", "<nil>", ":meta.lastModified/dateTime", false, 1, DefaultCount},
		{"sortBy=" + url.QueryEscape(EnterpriseUserSchema+":manager"), "<nil>", "ent:manager.value/string,ext,exact", false, 1, DefaultCount},
		{"sortBy=department", "<nil>", "ent:department/string,ext", false, 1, DefaultCount},
	}
	for _, tc := range tests {
		q, _ := url.ParseQuery(tc.query)
		req, err := UserType.ParseListQuery(q)
		if err != nil {
			t.Errorf("%s: %v", tc.query, err)
			continue
		}
		sortBy := ""
		if req.Query.SortBy != nil {
			sortBy = attrString(*req.Query.SortBy)
		}
		if got := sexpr(req.Query.Filter); got != tc.filter || sortBy != tc.sortBy || req.Query.Descending != tc.desc ||
			req.Query.StartIndex != tc.start || req.Query.Count != tc.cnt {
			t.Errorf("%s: filter %s sortBy %q desc %v start %d count %d", tc.query, got, sortBy, req.Query.Descending, req.Query.StartIndex, req.Query.Count)
		}
	}
	q, _ := url.ParseQuery("attributes=userName&excludedAttributes=title")
	req, err := UserType.ParseListQuery(q)
	if err != nil || req.Projection == nil || req.Projection.Wants(UserType, "title") || !req.Projection.Wants(UserType, "userName") {
		t.Errorf("projection: %+v %v", req, err)
	}
	// A parameter given in two cases: the exact name wins.
	q = url.Values{"Filter": {`userName eq "wrong"`}, "filter": {`userName eq "right"`}, "COUNT": {"3"}, "count": {"4"}}
	for range 20 {
		req, err := UserType.ParseListQuery(q)
		if err != nil || sexpr(req.Query.Filter) != `(eq user:userName/string "right")` || req.Query.Count != 4 {
			t.Fatalf("two cases: %s %d %v", sexpr(req.Query.Filter), req.Query.Count, err)
		}
	}

	invalid := []struct {
		rt       *ResourceType
		query    string
		scimType string
		detail   string
	}{
		{UserType, "filter=" + url.QueryEscape(`userName eq`), roster.ScimInvalidFilter, "not valid SCIM filter syntax"},
		{UserType, "startIndex=x", roster.ScimInvalidValue, "startIndex must be a whole number"},
		{UserType, "count=1.5", roster.ScimInvalidValue, "count must be a whole number"},
		{UserType, "sortOrder=up", roster.ScimInvalidValue, "sortOrder must be ascending or descending"},
		{UserType, "sortBy=nope", roster.ScimInvalidValue, `sortBy: User has no attribute "nope"`},
		{UserType, "sortBy=name", roster.ScimInvalidValue, "sortBy: name is complex"},
		{UserType, "sortBy=groups", roster.ScimInvalidValue, "sortBy: groups cannot be sorted by"},
		{UserType, "sortBy=groups.display", roster.ScimInvalidValue, "groups.display cannot be sorted by"},
		{UserType, "sortBy=password", roster.ScimInvalidValue, "password cannot be sorted by"},
		{UserType, "sortBy=" + url.QueryEscape(`emails[type eq "work"].value`), roster.ScimInvalidValue, "a value filter is not allowed here"},
		{GroupType, "sortBy=members", roster.ScimInvalidValue, "sortBy: members cannot be sorted by"},
		{GroupType, "sortBy=members.value", roster.ScimInvalidValue, "cannot be sorted by"},
	}
	for _, tc := range invalid {
		q, _ := url.ParseQuery(tc.query)
		req, err := tc.rt.ParseListQuery(q)
		if req != nil {
			t.Errorf("%s: a request with the error", tc.query)
		}
		checkError(t, err, roster.EInvalid, tc.scimType, tc.detail)
	}
}

func TestDiscovery(t *testing.T) {
	base := "https://roster.test/scim/v2"
	spc, err := json.Marshal(ServiceProviderConfig(base, Features{MaxResults: 1000, Cursor: true}))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"patch":{"supported":true}`, `"filter":{"maxResults":1000,"supported":true}`, `"bulk":{"maxOperations":0,"maxPayloadSize":0,"supported":false}`, `"cursor":true`, SPConfigSchema} {
		if !strings.Contains(string(spc), want) {
			t.Errorf("ServiceProviderConfig lacks %s: %s", want, spc)
		}
	}
	if b, _ := json.Marshal(ServiceProviderConfig(base, Features{})); strings.Contains(string(b), "pagination") {
		t.Errorf("pagination advertised without cursors: %s", b)
	}
	rt, err := json.Marshal(ResourceTypeDoc(base, UserType))
	if err != nil || !strings.Contains(string(rt), `"schemaExtensions":[{"required":false,"schema":"`+EnterpriseUserSchema+`"}]`) ||
		!strings.Contains(string(rt), `"endpoint":"/Users"`) {
		t.Errorf("ResourceTypeDoc(User) = %s, %v", rt, err)
	}
	if rt, _ := json.Marshal(ResourceTypeDoc(base, GroupType)); !strings.Contains(string(rt), `"schemaExtensions":[]`) {
		t.Errorf("ResourceTypeDoc(Group) = %s", rt)
	}
	for _, s := range Schemas() {
		b, err := json.Marshal(SchemaDoc(base, s))
		if err != nil || !strings.Contains(string(b), `"location":"`+base+`/Schemas/`+s.ID+`"`) {
			t.Errorf("SchemaDoc(%s) = %s, %v", s.ID, b, err)
		}
		if SchemaByURN(strings.ToUpper(s.ID)) != s {
			t.Errorf("SchemaByURN(%s)", s.ID)
		}
	}
	if SchemaByURN("urn:x") != nil || ResourceTypeByName("Widget") != nil || ResourceTypeByName("users") != nil {
		t.Error("lookup of an unknown name found something")
	}
	if ResourceTypeByName("group") != GroupType || ResourceTypeByName("USER") != UserType {
		t.Error("ResourceTypeByName")
	}
	// Every published attribute has the characteristics RFC 7643 §7 requires.
	var check func(path string, a *Attribute)
	check = func(path string, a *Attribute) {
		if a.Name == "" || a.Type == "" || a.Mutability == "" || a.Returned == "" || a.Uniqueness == "" || a.Description == "" {
			t.Errorf("%s: incomplete %+v", path, a)
		}
		if (a.Type == roster.TypeComplex) != (len(a.SubAttributes) > 0) {
			t.Errorf("%s: type %s with %d sub-attributes", path, a.Type, len(a.SubAttributes))
		}
		for _, s := range a.SubAttributes {
			check(path+"."+s.Name, s)
		}
	}
	for _, s := range Schemas() {
		for _, a := range s.Attributes {
			check(s.Name+":"+a.Name, a)
		}
	}
}

func TestParseListRefusesInvalidUTF8(t *testing.T) {
	for _, q := range []url.Values{
		{"filter": {"userName eq \"\xff\""}},
		{"attributes": {"userName,\xfe"}},
		{"sortBy": {"\xff"}},
	} {
		_, err := UserType.ParseListQuery(q)
		checkError(t, err, roster.EInvalid, roster.ScimInvalidValue, "not valid UTF-8")
	}
}
