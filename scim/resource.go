package scim

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rosterhq/roster"
)

// MaxValueLength bounds one attribute value in bytes. It is generous for
// the largest legitimate value, a base64 X.509 certificate.
const MaxValueLength = 64 << 10

// Resource is a request body normalized against its resource type.
type Resource struct {
	// Doc holds every attribute the client may set, under canonical
	// names, with values of the schema's types; extension attributes sit
	// under their schema URN. It is what the store keeps as Attributes.
	Doc map[string]any
	// Members lists the member IDs of a Group body, in order; nil when the
	// body has no members attribute.
	Members []string
}

// Decode parses a JSON request body into an object. Numbers stay
// json.Number so that nothing is rounded; invalid UTF-8, which Go's decoder
// would silently replace, is refused.
func Decode(body []byte) (map[string]any, error) {
	if !utf8.Valid(body) {
		return nil, roster.Invalidf(roster.ScimInvalidSyntax, "the request body is not valid UTF-8")
	}
	if err := checkDepth(body); err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, roster.Invalidf(roster.ScimInvalidSyntax, "the request body is not valid JSON: %v", jsonErrorText(err))
	}
	if dec.More() {
		return nil, roster.Invalidf(roster.ScimInvalidSyntax, "the request body has data after the JSON object")
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, roster.Invalidf(roster.ScimInvalidSyntax, "the request body must be a JSON object, not %s", jsonKind(v))
	}
	return obj, nil
}

// MaxDepth bounds the nesting of a request body. A SCIM resource nests four
// levels deep at most (a bulk request wrapping a PATCH of a value array).
const MaxDepth = 16

// checkDepth refuses bodies nested deeper than MaxDepth before the decoder
// builds them.
func checkDepth(body []byte) error {
	depth, inString, escaped := 0, false, false
	for _, c := range body {
		switch {
		case escaped:
			escaped = false
		case inString:
			switch c {
			case '\\':
				escaped = true
			case '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			if depth++; depth > MaxDepth {
				return roster.Invalidf(roster.ScimInvalidSyntax, "the request body nests deeper than %d levels", MaxDepth)
			}
		case c == '}' || c == ']':
			depth--
		}
	}
	return nil
}

func jsonErrorText(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("%s (at byte %d)", se.Error(), se.Offset)
	}
	if err.Error() == "EOF" {
		return "the body is empty"
	}
	return err.Error()
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	case string:
		return "a string"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// Normalize checks a POST or PUT body against rt and returns the resource
// as Roster keeps it. Attribute names are matched case-insensitively and
// written canonically; read-only attributes (id, meta, groups) are ignored
// as RFC 7644 §3.5.1 requires; password is checked and dropped; booleans
// written as strings ("True", as Entra sends them) become booleans; a
// single value given for a multi-valued attribute becomes a list, and a
// one-element list given for a single-valued complex attribute (manager)
// becomes its element. Objects under an unknown schema URN are kept as
// given. Anything else unknown is an error.
func (rt *ResourceType) Normalize(in map[string]any) (*Resource, error) {
	res := &Resource{Doc: map[string]any{}}
	seen := map[string]string{}
	for _, k := range sortedKeys(in) {
		if err := rt.normalizeTop(res, seen, k, in[k]); err != nil {
			return nil, err
		}
	}
	if err := rt.Finish(res.Doc, true); err != nil {
		return nil, err
	}
	return res, nil
}

func (rt *ResourceType) normalizeTop(res *Resource, seen map[string]string, k string, v any) error {
	if strings.EqualFold(k, "schemas") {
		return checkSchemas(v)
	}
	if ext := rt.Extension(k); ext != nil {
		return rt.normalizeExtension(res.Doc, ext, v)
	}
	if isURN(k) {
		if v != nil {
			res.Doc[k] = v // an extension Roster does not know: kept verbatim
		}
		return nil
	}
	t, err := rt.resolveTop("", k)
	if err != nil {
		return roster.Invalidf(roster.ScimInvalidSyntax, "unknown attribute: %v", err)
	}
	if prev, dup := seen[t.String()]; dup {
		return roster.Invalidf(roster.ScimInvalidSyntax, "attribute %s is given twice (as %q and %q)", t, prev, k)
	}
	seen[t.String()] = k
	switch {
	case t.attr.Mutability == ReadOnly:
		return nil
	case t.attr.rows:
		ids, err := memberIDs(t.attr, v)
		if err != nil {
			return err
		}
		res.Members = ids
		return nil
	}
	val, err := normalizeValue(t.attr, t.String(), v)
	if err != nil {
		return err
	}
	if t.attr.Mutability == WriteOnly {
		return nil
	}
	setAttr(res.Doc, t, val)
	return nil
}

func (rt *ResourceType) normalizeExtension(doc map[string]any, ext *Schema, v any) error {
	if v == nil {
		return nil
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return roster.Invalidf(roster.ScimInvalidSyntax, "%s must be an object of its attributes, not %s", ext.ID, jsonKind(v))
	}
	for _, k := range sortedKeys(obj) {
		a := ext.Attr(k)
		if a == nil {
			return roster.Invalidf(roster.ScimInvalidSyntax, "unknown attribute: schema %s has no attribute %q (it has %s)", ext.ID, k, attrNames(ext.Attributes))
		}
		t := target{schema: ext, ext: true, attr: a}
		val, err := normalizeValue(a, t.String(), obj[k])
		if err != nil {
			return err
		}
		setAttr(doc, t, val)
	}
	return nil
}

func checkSchemas(v any) error {
	list, ok := v.([]any)
	if !ok {
		return roster.Invalidf(roster.ScimInvalidSyntax, "schemas must be an array of schema URNs, not %s", jsonKind(v))
	}
	for _, s := range list {
		if _, ok := s.(string); !ok {
			return roster.Invalidf(roster.ScimInvalidSyntax, "schemas must be an array of strings; it holds %s", jsonKind(s))
		}
	}
	return nil
}

func isURN(k string) bool { return len(k) > 4 && strings.EqualFold(k[:4], "urn:") }

// setAttr stores val at t in doc, removing the attribute when val is nil.
func setAttr(doc map[string]any, t target, val any) {
	holder := doc
	if t.ext {
		ext, _ := doc[t.schema.ID].(map[string]any)
		if ext == nil {
			if val == nil {
				return
			}
			ext = map[string]any{}
			doc[t.schema.ID] = ext
		}
		holder = ext
	}
	if val == nil {
		delete(holder, t.attr.Name)
		if t.ext && len(holder) == 0 {
			delete(doc, t.schema.ID)
		}
		return
	}
	holder[t.attr.Name] = val
}

// getAttr returns the value at t's top-level attribute, or nil.
func getAttr(doc map[string]any, t target) any {
	if t.ext {
		ext, _ := doc[t.schema.ID].(map[string]any)
		return ext[t.attr.Name]
	}
	return doc[t.attr.Name]
}

// normalizeValue checks and converts a value for attribute a; path names the
// attribute in error messages. A nil result means unassigned.
func normalizeValue(a *Attribute, path string, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	if a.MultiValued {
		list, ok := v.([]any)
		if !ok {
			list = []any{v}
		}
		out := make([]any, 0, len(list))
		for i, e := range list {
			val, err := normalizeSingle(a, fmt.Sprintf("%s[%d]", path, i), e)
			if err != nil {
				return nil, err
			}
			if val != nil && !containsValue(out, val) {
				out = append(out, val)
			}
		}
		if len(out) == 0 {
			return nil, nil
		}
		return out, nil
	}
	if list, ok := v.([]any); ok {
		switch len(list) {
		case 0:
			return nil, nil
		case 1:
			v = list[0]
		default:
			return nil, roster.Invalidf(roster.ScimInvalidValue, "%s is single-valued; it was given %d values", path, len(list))
		}
	}
	return normalizeSingle(a, path, v)
}

func normalizeSingle(a *Attribute, path string, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	if a.Type != roster.TypeComplex {
		return normalizeSimple(a, path, v)
	}
	if s, ok := v.(string); ok && a.Sub("value") != nil {
		v = map[string]any{"value": s} // "manager": "id", as Entra sends it
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, roster.Invalidf(roster.ScimInvalidValue, "%s must be an object with %s, not %s", path, attrNames(a.SubAttributes), jsonKind(v))
	}
	out := make(map[string]any, len(obj))
	for k, sv := range obj {
		sub := a.Sub(k)
		if sub == nil {
			return nil, roster.Invalidf(roster.ScimInvalidSyntax, "%s has no sub-attribute %q (it has %s)", path, k, attrNames(a.SubAttributes))
		}
		if sub.Mutability == ReadOnly {
			continue
		}
		val, err := normalizeSimple(sub, path+"."+sub.Name, sv)
		if err != nil {
			return nil, err
		}
		if val != nil {
			out[sub.Name] = val
		}
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

func normalizeSimple(a *Attribute, path string, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch a.Type {
	case roster.TypeBoolean:
		switch v := v.(type) {
		case bool:
			return v, nil
		case string:
			if b, err := strconv.ParseBool(strings.TrimSpace(v)); err == nil {
				return b, nil
			}
		}
		return nil, roster.Invalidf(roster.ScimInvalidValue, "%s must be true or false, not %s", path, describe(v))
	case roster.TypeInteger, roster.TypeDecimal:
		n, ok := v.(json.Number)
		if s, isStr := v.(string); isStr {
			n, ok = json.Number(strings.TrimSpace(s)), true
		}
		if ok {
			if _, err := n.Float64(); err == nil && (a.Type == roster.TypeDecimal || isInteger(n)) {
				return n, nil
			}
		}
		return nil, roster.Invalidf(roster.ScimInvalidValue, "%s must be %s number, not %s", path, article(a.Type), describe(v))
	case roster.TypeDateTime:
		if s, ok := v.(string); ok {
			if t, err := ParseDateTime(s); err == nil {
				return FormatTime(t), nil
			}
		}
		return nil, roster.Invalidf(roster.ScimInvalidValue, "%s must be an RFC 3339 time such as \"2026-01-31T12:00:00Z\", not %s", path, describe(v))
	case roster.TypeComplex:
		return nil, roster.Invalidf(roster.ScimInvalidValue, "%s cannot hold a nested object", path)
	}
	var s string
	switch v := v.(type) {
	case string:
		s = v
	case json.Number:
		s = v.String() // "employeeNumber": 1234 is the text "1234"
	default:
		return nil, roster.Invalidf(roster.ScimInvalidValue, "%s must be a string, not %s", path, describe(v))
	}
	if len(s) > MaxValueLength {
		return nil, roster.Invalidf(roster.ScimInvalidValue, "%s is %d bytes long; the limit is %d", path, len(s), MaxValueLength)
	}
	if a.Type == roster.TypeBinary {
		if _, err := base64.StdEncoding.DecodeString(s); err != nil {
			return nil, roster.Invalidf(roster.ScimInvalidValue, "%s must be base64 (RFC 4648 §4): %v", path, err)
		}
	}
	return s, nil
}

func isInteger(n json.Number) bool {
	_, err := n.Int64()
	return err == nil
}

func article(t roster.AttrType) string {
	if t == roster.TypeInteger {
		return "an integer"
	}
	return "a decimal"
}

func describe(v any) string {
	switch v := v.(type) {
	case string:
		if len(v) > 40 {
			v = v[:40] + "…"
		}
		return strconv.Quote(v)
	case json.Number:
		return v.String()
	case bool:
		return strconv.FormatBool(v)
	}
	return jsonKind(v)
}

// memberIDs reads the member IDs out of a members value.
func memberIDs(a *Attribute, v any) ([]string, error) {
	val, err := normalizeValue(a, a.Name, v)
	if err != nil {
		return nil, err
	}
	list, _ := val.([]any)
	ids := make([]string, 0, len(list))
	for i, e := range list {
		id, _ := e.(map[string]any)["value"].(string)
		if id == "" {
			return nil, roster.Invalidf(roster.ScimInvalidValue, "%s[%d] needs a value: the id of the user or group to add", a.Name, i)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// Finish makes a changed document whole again: it drops empty containers,
// checks required attributes and primary flags, and records in "schemas"
// the schemas the document uses. strictPrimary refuses two primary values
// (POST, PUT); PATCH resolves them as it goes and passes false.
func (rt *ResourceType) Finish(doc map[string]any, strictPrimary bool) error {
	for _, a := range rt.Schema.Attributes {
		if a.Required && isEmpty(doc[a.Name]) {
			return roster.Invalidf(roster.ScimInvalidValue, "%s is required", a.Name)
		}
		if a.MultiValued && strictPrimary {
			if err := checkPrimary(a, doc[a.Name]); err != nil {
				return err
			}
		}
	}
	schemas := []any{rt.Schema.ID}
	for _, ext := range rt.Extensions {
		if _, ok := doc[ext.ID]; ok {
			schemas = append(schemas, ext.ID)
		}
	}
	for _, k := range sortedKeys(doc) {
		if isURN(k) && rt.Extension(k) == nil {
			schemas = append(schemas, k)
		}
	}
	doc["schemas"] = schemas
	return nil
}

func isEmpty(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case string:
		return strings.TrimSpace(v) == ""
	}
	return false
}

func checkPrimary(a *Attribute, v any) error {
	list, _ := v.([]any)
	n := 0
	for _, e := range list {
		if m, ok := e.(map[string]any); ok && m["primary"] == true {
			n++
		}
	}
	if n > 1 {
		return roster.Invalidf(roster.ScimInvalidValue, "%s has %d values marked primary; at most one may be", a.Name, n)
	}
	return nil
}

func containsValue(list []any, v any) bool {
	for _, e := range list {
		if equalValues(e, v) {
			return true
		}
	}
	return false
}

// equalValues compares two normalized values.
func equalValues(a, b any) bool {
	switch a := a.(type) {
	case map[string]any:
		b, ok := b.(map[string]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for k, v := range a {
			if !equalValues(v, b[k]) {
				return false
			}
		}
		return true
	case []any:
		b, ok := b.([]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for i := range a {
			if !equalValues(a[i], b[i]) {
				return false
			}
		}
		return true
	}
	return a == b
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// FormatTime writes a time as SCIM does: RFC 3339 in UTC.
func FormatTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// ETag is the weak entity tag of a resource version (RFC 7644 §3.14).
func ETag(version int64) string { return `W/"` + strconv.FormatInt(version, 10) + `"` }

// ParseETag reads a version back from an entity tag, weak or strong.
func ParseETag(tag string) (int64, bool) {
	tag = strings.TrimPrefix(strings.TrimSpace(tag), "W/")
	if len(tag) < 2 || tag[0] != '"' || tag[len(tag)-1] != '"' {
		return 0, false
	}
	v, err := strconv.ParseInt(tag[1:len(tag)-1], 10, 64)
	return v, err == nil && v > 0
}
