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
	expr, err := filter.ParseFilterNumber([]byte(text))
	if err != nil {
		return nil, filterSyntaxError(text, err)
	}
	c := filterConverter{rt: rt}
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
	return roster.Invalidf(roster.ScimInvalidFilter,
		"the filter %q is not valid SCIM filter syntax%s; filters look like userName eq \"alice@example.com\" or emails[type eq \"work\" and value co \"@example.com\"], with strings in double quotes", text, at)
}

type filterConverter struct {
	rt    *ResourceType
	nodes int
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
		if !t.attr.MultiValued {
			return inner, nil // name[givenName eq "x"] is name.givenName eq "x"
		}
		return roster.Has{Attr: t.ref(), Filter: inner}, nil
	case *filter.AttributeExpression:
		return c.compare(e, parent)
	}
	return nil, fmt.Errorf("unsupported expression %v", e)
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
		v = unquoted
	}
	return literal(t, a.Type, v)
}

// literal converts a filter literal to a's type. Strings that spell a
// boolean are accepted for booleans, as Microsoft Entra ID sends them.
func literal(t target, typ roster.AttrType, v any) (any, error) {
	switch typ {
	case roster.TypeBoolean:
		switch v := v.(type) {
		case bool:
			return v, nil
		case string:
			if b, err := strconv.ParseBool(strings.TrimSpace(v)); err == nil {
				return b, nil
			}
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
