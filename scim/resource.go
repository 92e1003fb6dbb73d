package scim

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"maps"
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
	// Ignored names the attributes of the body that Roster does not know
	// and dropped, as the client spelt them (NormalizeLenient only).
	Ignored []string

	lenient bool
}

// Decode parses a JSON request body into an object. Numbers stay
// json.Number so that nothing is rounded; invalid UTF-8, which Go's decoder
// would silently replace, is refused.
func Decode(body []byte) (map[string]any, error) {
	obj, err := decodeObject(body)
	if err != nil {
		return nil, err
	}
	if !roster.IsTextValue(obj) {
		return nil, roster.Invalidf(roster.ScimInvalidValue, "the request body holds a NUL character (\\u0000), which no attribute may contain")
	}
	if err := checkNumbers(obj); err != nil {
		return nil, err
	}
	return obj, nil
}

// decodeObject parses a JSON object and checks its syntax, leaving its
// contents to the caller.
func decodeObject(body []byte) (map[string]any, error) {
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
	// dec.More would miss a stray ] or } after the object.
	if rest := bytes.Trim(body[dec.InputOffset():], " \t\r\n"); len(rest) > 0 {
		return nil, roster.Invalidf(roster.ScimInvalidSyntax, "the request body has data after the JSON object")
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, roster.Invalidf(roster.ScimInvalidSyntax, "the request body must be a JSON object, not %s", jsonKind(v))
	}
	return obj, nil
}

// MaxNumberLength bounds how a JSON number in a request is written. The
// longest a client needs is a 64-bit integer or a double in full (about 25
// characters); a thousand-digit number is an attack on whatever stores it.
const MaxNumberLength = 64

// checkNumbers refuses numbers no store can be trusted to keep: beyond the
// range of an IEEE 754 double, which is what RFC 8259 §6 says JSON numbers
// interoperate as (1e400 overflows it; 1e-400 underflows to zero), or
// written longer than MaxNumberLength. Numbers stay json.Number, so the
// ones accepted are kept exactly as sent; the check matters for the
// attributes of unknown extensions, which are stored verbatim and which
// PostgreSQL's jsonb would refuse (its numeric has a far larger, but
// finite, range).
func checkNumbers(v any) error {
	switch v := v.(type) {
	case json.Number:
		s := string(v)
		if len(s) > MaxNumberLength {
			return roster.Invalidf(roster.ScimInvalidValue, "the number %s is %d characters long; numbers may have at most %d", describe(v), len(s), MaxNumberLength)
		}
		f, err := strconv.ParseFloat(s, 64)
		mantissa, _, _ := strings.Cut(strings.ToLower(s), "e")
		if err != nil || f == 0 && strings.ContainsAny(mantissa, "123456789") {
			return roster.Invalidf(roster.ScimInvalidValue, "the number %s is beyond the range of a double (about ±1.8e308, and no closer to zero than 5e-324)", describe(v))
		}
	case map[string]any:
		for _, e := range v {
			if err := checkNumbers(e); err != nil {
				return err
			}
		}
	case []any:
		for _, e := range v {
			if err := checkNumbers(e); err != nil {
				return err
			}
		}
	}
	return nil
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
// single value given for a multi-valued attribute becomes a list. Other
// wrong JSON types are refused, not coerced: a number for a string, an
// array for a single-valued attribute. An attribute may be qualified by its schema URN,
// and core attributes may come in an object under the core URN. Objects
// under an unknown schema URN are kept as given. Anything else unknown is
// an error, and so is an attribute given twice (in two cases).
func (rt *ResourceType) Normalize(in map[string]any) (*Resource, error) {
	return rt.normalize(&Resource{Doc: map[string]any{}}, in)
}

// NormalizeLenient is Normalize, except that an attribute of the core
// schema or of an extension Roster knows that names nothing (a misspelling,
// or an attribute an admin mapped in the identity provider) is dropped and
// named in Ignored instead of failing the request. Wrong values of known
// attributes, and unknown sub-attributes, are still errors: Roster would
// otherwise store something other than what the client meant.
func (rt *ResourceType) NormalizeLenient(in map[string]any) (*Resource, error) {
	return rt.normalize(&Resource{Doc: map[string]any{}, lenient: true}, in)
}

func (rt *ResourceType) normalize(res *Resource, in map[string]any) (*Resource, error) {
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
		return requireSchema(v, rt.Schema.ID, rt.Name)
	}
	if strings.EqualFold(k, rt.Schema.ID) {
		// {"urn:...:core:2.0:User": {"userName": ...}}: core attributes
		// under their URN are core attributes.
		obj, ok := v.(map[string]any)
		if !ok && v != nil {
			return roster.Invalidf(roster.ScimInvalidSyntax, "%s must be an object of its attributes, not %s", rt.Schema.ID, jsonKind(v))
		}
		for _, ck := range sortedKeys(obj) {
			if err := rt.normalizeTop(res, seen, ck, obj[ck]); err != nil {
				return err
			}
		}
		return nil
	}
	if ext := rt.Extension(k); ext != nil {
		return rt.normalizeExtension(res, seen, ext, k, v)
	}
	uri, name := "", k
	if isURN(k) {
		s := rt.qualifier(k)
		if s == nil {
			if v != nil {
				res.Doc[k] = v // an extension Roster does not know: kept verbatim
			}
			return nil
		}
		uri, name = s.ID, k[len(s.ID)+1:] // "urn:...:User:employeeNumber"
	}
	t, err := rt.resolveTop(uri, name)
	if err != nil {
		if res.lenient {
			res.Ignored = append(res.Ignored, k)
			return nil
		}
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

func (rt *ResourceType) normalizeExtension(res *Resource, seen map[string]string, ext *Schema, urn string, v any) error {
	doc := res.Doc
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
			if res.lenient {
				res.Ignored = append(res.Ignored, urn+":"+k)
				continue
			}
			return roster.Invalidf(roster.ScimInvalidSyntax, "unknown attribute: schema %s has no attribute %q (it has %s)", ext.ID, k, attrNames(ext.Attributes))
		}
		t := target{schema: ext, ext: true, attr: a}
		if prev, dup := seen[t.String()]; dup {
			return roster.Invalidf(roster.ScimInvalidSyntax, "attribute %s is given twice (as %q and %q)", t, prev, urn+":"+k)
		}
		seen[t.String()] = urn + ":" + k
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

// requireSchema checks a body's schemas: when given, it must name urn, the
// schema of what the body is (RFC 7643 §3: "schemas" lists the schemas
// the resource conforms to, and every resource conforms to its core
// schema). A body without schemas is taken as what its endpoint expects,
// as many clients and every store-level caller send none. A schemas array
// that names another resource's schema is a value that does not fit the
// resource schema, which RFC 7644 §3.12 calls invalidValue; invalidSyntax
// is for a body whose structure is wrong (schemas not an array of strings).
func requireSchema(v any, urn, what string) error {
	if err := checkSchemas(v); err != nil {
		return err
	}
	for _, s := range v.([]any) {
		if strings.EqualFold(strings.TrimSpace(s.(string)), urn) {
			return nil
		}
	}
	return roster.Invalidf(roster.ScimInvalidValue, "schemas must include %s, the schema of %s", urn, what)
}

func isURN(k string) bool { return len(k) > 4 && strings.EqualFold(k[:4], "urn:") }

// qualifier returns the schema of rt, core or extension, whose URN k starts
// with as a qualified attribute name ("urn:...:User:employeeNumber"), or nil.
func (rt *ResourceType) qualifier(k string) *Schema {
	for _, s := range append([]*Schema{rt.Schema}, rt.Extensions...) {
		if len(k) > len(s.ID) && k[len(s.ID)] == ':' && strings.EqualFold(k[:len(s.ID)], s.ID) {
			return s
		}
	}
	return nil
}

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
		out := &valueIndex{}
		for i, e := range list {
			val, err := normalizeSingle(a, fmt.Sprintf("%s[%d]", path, i), e)
			if err != nil {
				return nil, err
			}
			if val != nil {
				out.add(val)
			}
		}
		if len(out.list) == 0 {
			return nil, nil
		}
		return out.list, nil
	}
	if list, ok := v.([]any); ok {
		// An empty array unassigns, as null does (RFC 7644 §3.5.2). A
		// one-element array is not taken for its element: which of a
		// client's values it meant to send is the client's to say.
		switch len(list) {
		case 0:
			return nil, nil
		case 1:
			return nil, roster.Invalidf(roster.ScimInvalidValue, "%s is single-valued; give its value, not an array of one", path)
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
	given := map[string]string{}
	for _, k := range sortedKeys(obj) {
		sv := obj[k]
		sub := a.Sub(k)
		if sub == nil {
			return nil, roster.Invalidf(roster.ScimInvalidSyntax, "%s has no sub-attribute %q (it has %s)", path, k, attrNames(a.SubAttributes))
		}
		if prev, dup := given[sub.Name]; dup {
			return nil, roster.Invalidf(roster.ScimInvalidSyntax, "%s.%s is given twice (as %q and %q)", path, sub.Name, prev, k)
		}
		given[sub.Name] = k
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
		if b, ok := boolean(v); ok {
			return b, nil
		}
		return nil, roster.Invalidf(roster.ScimInvalidValue, "%s must be true or false, not %s", path, describe(v))
	case roster.TypeInteger, roster.TypeDecimal:
		n, ok := v.(json.Number)
		if s, isStr := v.(string); isStr {
			n, ok = json.Number(strings.TrimSpace(s)), true
		}
		if ok && isJSONNumber(string(n)) && (a.Type == roster.TypeDecimal || isInteger(n)) {
			return n, nil
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
	// A string attribute takes a JSON string only: "userName": 123 is
	// refused rather than kept as "123", since a client that sends a
	// number has mapped the wrong field, and matching by the text would
	// hide it.
	s, ok := v.(string)
	if !ok {
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

// boolean is v as a boolean: true or false, or a string that spells one
// ("True", "false "), as Microsoft Entra ID sends booleans in PATCH values
// and filters alike. One rule for values and filter literals, so that a
// client's "True" means the same in both.
func boolean(v any) (bool, bool) {
	switch v := v.(type) {
	case bool:
		return v, true
	case string:
		b, err := strconv.ParseBool(strings.TrimSpace(v))
		return b, err == nil
	}
	return false, false
}

// isJSONNumber reports whether s is a JSON number: strconv accepts "NaN",
// "Inf", "0x1p4" and "1_000" too, which MarshalDoc could not encode.
func isJSONNumber(s string) bool {
	return s != "" && (s[0] == '-' || '0' <= s[0] && s[0] <= '9') && json.Valid([]byte(s))
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
		if len(v) > 40 {
			return string(v[:40]) + "…"
		}
		return v.String()
	case bool:
		return strconv.FormatBool(v)
	}
	return jsonKind(v)
}

// memberIDs reads the member IDs out of a members value, each once. Every
// member but a null must have a value: {"display": "Bob"} is not dropped
// silently.
func memberIDs(a *Attribute, v any) ([]string, error) {
	list, ok := v.([]any)
	if !ok && v != nil {
		list = []any{v}
	}
	ids := make([]string, 0, len(list))
	seen := make(map[string]bool, len(list))
	for i, e := range list {
		if e == nil {
			continue
		}
		val, err := normalizeSingle(a, fmt.Sprintf("%s[%d]", a.Name, i), withoutDisplayName(e))
		if err != nil {
			return nil, err
		}
		obj, _ := val.(map[string]any)
		id, _ := obj["value"].(string)
		if id == "" {
			return nil, roster.Invalidf(roster.ScimInvalidValue, "%s[%d] needs a value: the id of the user or group", a.Name, i)
		}
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// withoutDisplayName drops "displayName" from a member object: Microsoft's
// reference tests (and clients built from them) name the member's display
// so. Like a client-sent "display", it is ignored: the display Roster
// returns is the member's own.
func withoutDisplayName(e any) any {
	obj, ok := e.(map[string]any)
	if !ok {
		return e
	}
	var out map[string]any
	for k := range obj {
		if strings.EqualFold(k, "displayName") {
			if out == nil {
				out = maps.Clone(obj)
			}
			delete(out, k)
		}
	}
	if out == nil {
		return e
	}
	return out
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

// valueIndex is a list of distinct normalized values that finds the
// element equal to a value in constant time, so that a list of 50,000
// values is not compared 50,000² times.
type valueIndex struct {
	list   []any
	byHash map[uint64][]int
}

func newValueIndex(list []any) *valueIndex {
	x := &valueIndex{byHash: make(map[uint64][]int, len(list))}
	for _, v := range list {
		x.add(v)
	}
	return x
}

// find returns the index of the element equal to v, or -1.
func (x *valueIndex) find(v any) int {
	for _, i := range x.byHash[valueHash(v)] {
		if equalValues(x.list[i], v) {
			return i
		}
	}
	return -1
}

// add appends v unless an equal element is there already, and returns the
// index of v or of that element.
func (x *valueIndex) add(v any) (int, bool) {
	h := valueHash(v)
	for _, i := range x.byHash[h] {
		if equalValues(x.list[i], v) {
			return i, false
		}
	}
	if x.byHash == nil {
		x.byHash = map[uint64][]int{}
	}
	x.list = append(x.list, v)
	x.byHash[h] = append(x.byHash[h], len(x.list)-1)
	return len(x.list) - 1, true
}

var hashSeed = maphash.MakeSeed()

// valueHash hashes a normalized value; equal values hash alike.
func valueHash(v any) uint64 {
	switch v := v.(type) {
	case bool:
		if v {
			return 1
		}
		return 2
	case string:
		return maphash.String(hashSeed, v)
	case json.Number:
		return maphash.String(hashSeed, string(v)) + 3
	case []any:
		h := uint64(len(v))
		for _, e := range v {
			h = h*1099511628211 ^ valueHash(e)
		}
		return h
	case map[string]any:
		h := uint64(len(v))
		for k, e := range v {
			// A sum does not depend on the order of the keys.
			h += maphash.String(hashSeed, k)*31 ^ valueHash(e)
		}
		return h
	}
	return 0
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
