package scim

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	filter "github.com/scim2/filter-parser/v2"

	"github.com/rosterhq/roster"
)

// MaxFilterLength bounds the filter text a client may send. Identity
// providers send filters of a few dozen characters.
const MaxFilterLength = 4096

// maxFilterNodes bounds a filter's comparisons so that no client can make
// the database evaluate an expression of unbounded size.
const maxFilterNodes = 64

// ParseFilter parses a SCIM filter (RFC 7644 §3.4.2.2) and checks it against
// rt: every attribute must exist and every value must fit its attribute's
// type. The result is what a store evaluates. Errors are 400 invalidFilter
// with a detail that says what to fix.
func (rt *ResourceType) ParseFilter(text string) (roster.Filter, error) {
	if len(text) > MaxFilterLength {
		return nil, roster.Invalidf(roster.ScimInvalidFilter, "the filter is %d characters long; the limit is %d", len(text), MaxFilterLength)
	}
	expr, err := parseFilterCached(text)
	var lifted []subPathCompare
	if err != nil {
		if rewritten, found := liftSubPathCompares(text); found != nil {
			if e, err2 := filter.ParseFilterNumber([]byte(rewritten)); err2 == nil {
				expr, err, lifted = e, nil, found
			}
		}
	}
	if err != nil {
		return nil, filterSyntaxError(text, err)
	}
	c := filterConverter{rt: rt, lifted: lifted}
	f, err := c.convert(expr, nil)
	if err != nil {
		return nil, roster.Invalidf(roster.ScimInvalidFilter, "invalid filter %q: %v", text, err)
	}
	return f, nil
}

var parsePosition = regexp.MustCompile(`\[(\d+):(\d+)\]`)

// filterSyntaxError rewrites the parser's error, which names grammar
// internals, into something a person can act on.
func filterSyntaxError(text string, err error) error {
	at := ""
	if m := parsePosition.FindStringSubmatch(err.Error()); m != nil {
		if col, _ := strconv.Atoi(m[2]); col > 0 {
			at = fmt.Sprintf(" near character %d", col)
		}
	}
	if fixed, ok := quoteBareValues(text); ok {
		return roster.Invalidf(roster.ScimInvalidFilter,
			"the filter %q is not valid SCIM filter syntax%s: strings go in double quotes; did you mean %s?", text, at, fixed)
	}
	return roster.Invalidf(roster.ScimInvalidFilter,
		"the filter %q is not valid SCIM filter syntax%s; filters look like userName eq \"alice@example.com\" or emails[type eq \"work\" and value co \"@example.com\"], with strings in double quotes", text, at)
}

// bareValue is a comparison whose value is neither quoted nor a literal
// (userName sw O, as Microsoft's reference tests send it).
var bareValue = regexp.MustCompile(`(?i)([A-Za-z][\w.:$-]*\s+(?:eq|ne|co|sw|ew|gt|ge|lt|le)\s+)([^\s"()\[\]]+)`)

// quoteBareValues puts the unquoted values of text's comparisons in double
// quotes and reports whether that makes a valid filter: the fix the error
// then shows. Roster does not apply it itself: a bare word is not SCIM, and
// guessing could match what the client did not mean (a number, a date).
func quoteBareValues(text string) (string, bool) {
	changed := false
	fixed := bareValue.ReplaceAllStringFunc(text, func(m string) string {
		sub := bareValue.FindStringSubmatch(m)
		v := sub[2]
		switch strings.ToLower(v) {
		case "true", "false", "null":
			return m
		}
		if isJSONNumber(v) {
			return m
		}
		if len(v) >= 2 && v[0] == '\'' && v[len(v)-1] == '\'' {
			v = v[1 : len(v)-1] // 'x', quoted the SQL way
		}
		changed = true
		return sub[1] + strconv.Quote(v)
	})
	if !changed {
		return "", false
	}
	if _, err := filter.ParseFilterNumber([]byte(fixed)); err != nil {
		return "", false
	}
	return fixed, true
}

type filterConverter struct {
	rt     *ResourceType
	nodes  int
	lifted []subPathCompare // what the placeholders of liftSubPathCompares stand for
}

// convert turns the parser's tree into a roster.Filter. Inside a value path,
// parent is the multi-valued attribute whose sub-attributes names refer to.
func (c *filterConverter) convert(e filter.Expression, parent *target) (roster.Filter, error) {
	switch e := e.(type) {
	case *filter.LogicalExpression:
		l, err := c.convert(e.Left, parent)
		if err != nil {
			return nil, err
		}
		r, err := c.convert(e.Right, parent)
		if err != nil {
			return nil, err
		}
		if e.Operator == filter.AND {
			return roster.And{Left: l, Right: r}, nil
		}
		return roster.Or{Left: l, Right: r}, nil
	case *filter.NotExpression:
		f, err := c.convert(e.Expression, parent)
		if err != nil {
			return nil, err
		}
		return roster.Not{Filter: f}, nil
	case *filter.ValuePath:
		return c.valuePath(e, nil, parent)
	case *filter.AttributeExpression:
		if sp, ok := c.placeholder(e); ok {
			return c.valuePath(sp.path, sp.compare, parent)
		}
		return c.compare(e, parent)
	}
	return nil, fmt.Errorf("unsupported expression %v", e)
}

// valuePath converts emails[type eq "work"], and with then set Entra's
// emails[type eq "work"].value eq "x": one element must match both.
func (c *filterConverter) valuePath(e *filter.ValuePath, then *filter.AttributeExpression, parent *target) (roster.Filter, error) {
	if parent != nil {
		return nil, fmt.Errorf("value filters cannot be nested: %v", e)
	}
	t, err := c.rt.resolve(e.AttributePath.URI(), e.AttributePath.AttributeName, e.AttributePath.SubAttributeName())
	if err != nil {
		return nil, err
	}
	if t.sub != nil || t.attr.Type != roster.TypeComplex {
		return nil, fmt.Errorf("%s[...] needs a complex attribute such as emails or addresses", t)
	}
	inner, err := c.convert(e.ValueFilter, &t)
	if err != nil {
		return nil, err
	}
	if then != nil {
		f, err := c.compare(then, &t)
		if err != nil {
			return nil, err
		}
		inner = roster.And{Left: inner, Right: f}
	}
	if !t.attr.MultiValued {
		return inner, nil // name[givenName eq "x"] is name.givenName eq "x"
	}
	return roster.Has{Attr: t.ref(), Filter: inner}, nil
}

// subPathCompare is one emails[type eq "work"].value eq "x" of a filter.
type subPathCompare struct {
	path    *filter.ValuePath           // emails[type eq "work"]
	compare *filter.AttributeExpression // value eq "x"
}

// placeholderPrefix names the attribute expressions that stand for a
// subPathCompare in a rewritten filter.
const placeholderPrefix = "zzRosterSubPath"

func (c *filterConverter) placeholder(e *filter.AttributeExpression) (subPathCompare, bool) {
	name, found := strings.CutPrefix(e.AttributePath.AttributeName, placeholderPrefix)
	if !found || c.lifted == nil || e.AttributePath.URIPrefix != nil || e.AttributePath.SubAttribute != nil {
		return subPathCompare{}, false
	}
	i, err := strconv.Atoi(name)
	if err != nil || i < 0 || i >= len(c.lifted) {
		return subPathCompare{}, false
	}
	return c.lifted[i], true
}

// liftSubPathCompares finds the comparisons of a value path's
// sub-attribute, emails[type eq "work"].value eq "x", which Microsoft Entra
// ID sends to look users up although RFC 7644's grammar has no such filter,
// and replaces each with a placeholder expression the parser accepts. It
// returns nil when there is none, or one it cannot take apart.
func liftSubPathCompares(text string) (string, []subPathCompare) {
	if strings.Contains(strings.ToLower(text), strings.ToLower(placeholderPrefix)) {
		return "", nil
	}
	var out strings.Builder
	var lifted []subPathCompare
	done := 0 // text[:done] is in out
	for i := 0; i < len(text); i++ {
		if text[i] == '"' {
			i = stringEnd(text, i) - 1
			continue
		}
		if text[i] != '[' {
			continue
		}
		closing := i + 1
		for closing < len(text) && text[closing] != ']' {
			if text[closing] == '"' {
				closing = stringEnd(text, closing)
				continue
			}
			closing++
		}
		if closing >= len(text) {
			return "", nil
		}
		sub := closing + 1
		if sub >= len(text) || text[sub] != '.' {
			i = closing
			continue
		}
		// The attribute path before [ and the comparison after ].name.
		start := i
		for start > done && text[start-1] == ' ' {
			start--
		}
		for start > done && isPathChar(text[start-1]) {
			start--
		}
		end := sub + 1
		for end < len(text) && isPathChar(text[end]) && text[end] != ':' && text[end] != '.' {
			end++
		}
		for end < len(text) && text[end] == ' ' {
			end++
		}
		opEnd := min(end+2, len(text))
		if !strings.EqualFold(text[end:opEnd], "pr") {
			end = opEnd
			for end < len(text) && text[end] == ' ' {
				end++
			}
			if end < len(text) && text[end] == '"' {
				end = stringEnd(text, end)
			} else {
				for end < len(text) && text[end] != ' ' && text[end] != ')' {
					end++
				}
			}
		} else {
			end = opEnd
		}
		vp, err1 := filter.ParseValuePathNumber([]byte(text[start : closing+1]))
		cmp, err2 := filter.ParseAttrExpNumber([]byte(text[sub+1 : end]))
		if err1 != nil || err2 != nil {
			return "", nil
		}
		out.WriteString(text[done:start])
		fmt.Fprintf(&out, "%s%d pr", placeholderPrefix, len(lifted))
		lifted = append(lifted, subPathCompare{path: &vp, compare: &cmp})
		done = end
		i = end - 1
	}
	if lifted == nil {
		return "", nil
	}
	out.WriteString(text[done:])
	return out.String(), lifted
}

// stringEnd returns the index after the string literal that starts at
// text[i], or len(text).
func stringEnd(text string, i int) int {
	for j := i + 1; j < len(text); j++ {
		switch text[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return len(text)
}

func isPathChar(b byte) bool {
	return 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9' || strings.IndexByte("$_-.:", b) >= 0
}

func (c *filterConverter) compare(e *filter.AttributeExpression, parent *target) (roster.Filter, error) {
	if c.nodes++; c.nodes > maxFilterNodes {
		return nil, fmt.Errorf("more than %d comparisons; split the query", maxFilterNodes)
	}
	p := e.AttributePath
	var t target
	var err error
	if parent != nil {
		if p.URI() != "" {
			return nil, fmt.Errorf("%v inside %s[...] must name a sub-attribute of %s", p, parent.attr.Name, parent.attr.Name)
		}
		t, err = parent.relative(p.AttributeName, p.SubAttributeName())
	} else {
		t, err = c.rt.resolve(p.URI(), p.AttributeName, p.SubAttributeName())
	}
	if err != nil {
		return nil, err
	}
	if t.leaf().Returned == ReturnedNever {
		return nil, fmt.Errorf("%s is write-only and cannot be filtered", t)
	}
	// A complex attribute compared as a whole means its value sub-attribute:
	// emails co "@x" is emails.value co "@x".
	if t.sub == nil && t.attr.Type == roster.TypeComplex && e.Operator != filter.PR {
		if t.sub = t.attr.Sub("value"); t.sub == nil {
			return nil, fmt.Errorf("%s is complex; compare one of its sub-attributes (%s)", t, attrNames(t.attr.SubAttributes))
		}
	}
	op := roster.Op(strings.ToLower(string(e.Operator)))
	value, err := filterValue(t, op, e.CompareValue)
	if err != nil {
		return nil, err
	}
	var f roster.Filter = roster.Compare{Attr: t.ref(), Op: op, Value: value}
	if value == nil && op != roster.Pr {
		// eq null and ne null are presence tests (RFC 7644 §3.4.2.2 treats
		// an unassigned attribute as null).
		f = roster.Compare{Attr: t.ref(), Op: roster.Pr}
		if op == roster.Eq {
			f = roster.Not{Filter: f}
		}
	}
	if parent == nil && t.attr.MultiValued && t.sub != nil {
		// emails.value sw "a" is emails[value sw "a"].
		whole := t
		whole.sub = nil
		if value == nil && op == roster.Eq {
			// emails.value eq null is not (emails.value pr): no element has
			// a value, which holds for a user without emails too, where
			// emails[not (value pr)] would need an element.
			return roster.Not{Filter: roster.Has{Attr: whole.ref(), Filter: roster.Compare{Attr: t.ref(), Op: roster.Pr}}}, nil
		}
		return roster.Has{Attr: whole.ref(), Filter: f}, nil
	}
	return f, nil
}

// filterValue checks that op applies to the attribute's type and converts
// the literal to the Go type the store compares with.
func filterValue(t target, op roster.Op, v any) (any, error) {
	a := t.leaf()
	switch op {
	case roster.Pr:
		return nil, nil
	case roster.Eq, roster.Ne:
	case roster.Co, roster.Sw, roster.Ew:
		if a.Type == roster.TypeBoolean || a.Type == roster.TypeDateTime || a.Type == roster.TypeComplex ||
			a.Type == roster.TypeInteger || a.Type == roster.TypeDecimal {
			return nil, fmt.Errorf("%s is a %s; %s applies only to text", t, a.Type, op)
		}
	case roster.Gt, roster.Ge, roster.Lt, roster.Le:
		if a.Type == roster.TypeBoolean || a.Type == roster.TypeBinary || a.Type == roster.TypeComplex {
			return nil, fmt.Errorf("%s is a %s; %s cannot order it", t, a.Type, op)
		}
	default:
		return nil, fmt.Errorf("unknown operator %q", op)
	}
	if v == nil {
		if op != roster.Eq && op != roster.Ne {
			return nil, fmt.Errorf("null can only be compared with eq or ne")
		}
		return nil, nil
	}
	if s, ok := v.(string); ok {
		// The parser hands string literals over with their JSON escapes
		// still in place.
		var unquoted string
		if err := json.Unmarshal([]byte(`"`+s+`"`), &unquoted); err != nil {
			return nil, fmt.Errorf("the string %q has an invalid escape", s)
		}
		if !roster.IsText(unquoted) {
			// No attribute can hold a NUL (bodies are refused with one), so
			// the filter could match nothing; and PostgreSQL cannot take a
			// NUL in a text parameter at all.
			return nil, fmt.Errorf("the string %q holds a NUL character (\\u0000), which no attribute can contain", s)
		}
		v = unquoted
	}
	return literal(t, a.Type, v)
}

// literal converts a filter literal to a's type.
func literal(t target, typ roster.AttrType, v any) (any, error) {
	switch typ {
	case roster.TypeBoolean:
		if b, ok := boolean(v); ok {
			return b, nil
		}
		return nil, fmt.Errorf("%s is a boolean; compare it with true or false, not %v", t, v)
	case roster.TypeDateTime:
		s, ok := v.(string)
		if ok {
			if tm, err := ParseDateTime(s); err == nil {
				return tm, nil
			}
		}
		return nil, fmt.Errorf("%s is a dateTime; compare it with a quoted RFC 3339 time such as \"2026-01-31T12:00:00Z\", not %v", t, v)
	case roster.TypeInteger:
		if n, ok := v.(json.Number); ok {
			if i, err := n.Int64(); err == nil {
				return i, nil
			}
		}
		return nil, fmt.Errorf("%s is an integer; %v is not", t, v)
	case roster.TypeDecimal:
		if n, ok := v.(json.Number); ok {
			if f, err := n.Float64(); err == nil {
				return f, nil
			}
		}
		return nil, fmt.Errorf("%s is a decimal; %v is not", t, v)
	}
	switch v := v.(type) {
	case string:
		return v, nil
	case json.Number:
		return v.String(), nil // employeeNumber eq 1234 means "1234"
	}
	return nil, fmt.Errorf("%s is text; compare it with a quoted string, not %v", t, v)
}

// ParseDateTime parses an xsd:dateTime as SCIM uses it (RFC 3339, with or
// without fractional seconds).
func ParseDateTime(s string) (time.Time, error) {
	return time.Parse(time.RFC3339Nano, strings.TrimSpace(s))
}
