package scim

import (
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster"
)

// sexpr prints a filter tree with every field of every node, so that two
// trees print the same only when they are deeply equal.
func sexpr(f roster.Filter) string {
	switch f := f.(type) {
	case nil:
		return "<nil>"
	case roster.And:
		return "(and " + sexpr(f.Left) + " " + sexpr(f.Right) + ")"
	case roster.Or:
		return "(or " + sexpr(f.Left) + " " + sexpr(f.Right) + ")"
	case roster.Not:
		return "(not " + sexpr(f.Filter) + ")"
	case roster.Has:
		return "(has " + attrString(f.Attr) + " " + sexpr(f.Filter) + ")"
	case roster.Compare:
		s := "(" + string(f.Op) + " " + attrString(f.Attr)
		if f.Op != roster.Pr || f.Value != nil {
			s += " " + valueString(f.Value)
		}
		return s + ")"
	}
	return fmt.Sprintf("(unknown %T %#v)", f, f)
}

var schemaNicknames = map[string]string{
	"":                   "",
	UserSchema:           "user",
	EnterpriseUserSchema: "ent",
	GroupSchema:          "group",
}

// attrString prints every field of an Attr: schema:path/type,flags.
func attrString(a roster.Attr) string {
	schema, ok := schemaNicknames[a.Schema]
	if !ok {
		schema = "<" + a.Schema + ">"
	}
	if a.Sub == "" && strings.Contains(a.Name, ".") {
		schema += "!" // a dotted Name would print like a Sub
	}
	s := schema + ":" + a.Path() + "/" + string(a.Type)
	if a.Extension {
		s += ",ext"
	}
	if a.CaseExact {
		s += ",exact"
	}
	if a.MultiValued {
		s += ",multi"
	}
	return s
}

func valueString(v any) string {
	switch v := v.(type) {
	case nil:
		return "nil"
	case string:
		return strconv.Quote(v)
	case bool:
		return strconv.FormatBool(v)
	case time.Time:
		return "time:" + v.UTC().Format(time.RFC3339Nano)
	case int64:
		return "int:" + strconv.FormatInt(v, 10)
	case float64:
		return "float:" + strconv.FormatFloat(v, 'g', -1, 64)
	}
	return fmt.Sprintf("%T:%v", v, v)
}

// checkError fails t unless err is a *roster.Error with the given code and
// SCIM type whose detail contains every one of details.
func checkError(t *testing.T, err error, code roster.ErrorCode, scimType string, details ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %s (%s) mentioning %q", code, scimType, details)
	}
	var e *roster.Error
	if !errors.As(err, &e) {
		t.Fatalf("got %T %v, want a *roster.Error", err, err)
	}
	if e.Code != code || e.ScimType != scimType {
		t.Errorf("got %s (%s), want %s (%s); detail %q", e.Code, e.ScimType, code, scimType, e.Detail)
	}
	for _, d := range details {
		if !strings.Contains(e.Detail, d) {
			t.Errorf("detail %q does not mention %q", e.Detail, d)
		}
	}
}

// mustDecode decodes JSON the way request bodies are decoded.
func mustDecode(t testing.TB, s string) map[string]any {
	t.Helper()
	obj, err := Decode([]byte(s))
	if err != nil {
		t.Fatalf("decoding %s: %v", s, err)
	}
	return obj
}

// sameJSON reports whether two documents are the same JSON value, and
// their canonical encodings for a failure message.
func sameJSON(got, want map[string]any) (bool, string, string) {
	g, w := string(MarshalDoc(got)), string(MarshalDoc(want))
	return g == w && reflect.DeepEqual(got, want), g, w
}

// deepCopy copies a decoded JSON value.
func deepCopy(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = deepCopy(e)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = deepCopy(e)
		}
		return out
	}
	return v
}
