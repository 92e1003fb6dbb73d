package scim

import (
	"strings"
	"sync"
	"unicode/utf8"

	filter "github.com/scim2/filter-parser/v2"
)

// The filter grammar is parsed by github.com/scim2/filter-parser, whose
// backtracking parser costs more than the rest of a lookup together (a
// third of the server's CPU under an identity provider's lookups, measured
// with pprof). Identity providers send the same few filter shapes with
// different values (userName eq "..." ), so the parsed shape is cached and
// only the string values are put in per request. Splitting a filter into
// shape and string literals is the one piece of lexing written here; the
// grammar itself stays the library's.

// maxCachedShapes bounds each cache; when it fills it starts over.
const maxCachedShapes = 1024

type shapeCache[T any] struct {
	mu     sync.Mutex
	shapes map[string]T
}

func (c *shapeCache[T]) get(shape string) (T, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.shapes[shape]
	return v, ok
}

func (c *shapeCache[T]) put(shape string, v T) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.shapes == nil || len(c.shapes) >= maxCachedShapes {
		c.shapes = map[string]T{}
	}
	c.shapes[shape] = v
}

var (
	filterShapes shapeCache[filter.Expression]
	pathShapes   shapeCache[filter.Path]
)

// splitLiterals replaces every string literal of a filter or path with ""
// and returns the literals' raw contents, in order. ok is false when a
// literal is anything but plain text (an escape, a control character,
// invalid UTF-8) or is unterminated: the parser must judge those itself.
// Identity providers' values (user names, emails, IDs) are plain text.
func splitLiterals(text string) (shape string, literals []string, ok bool) {
	if strings.IndexByte(text, '"') < 0 {
		return text, nil, true
	}
	var b strings.Builder
	b.Grow(len(text))
	for i := 0; i < len(text); i++ {
		if text[i] != '"' {
			b.WriteByte(text[i])
			continue
		}
		j := i + 1
		for ; j < len(text) && text[j] != '"'; j++ {
			if text[j] == '\\' || text[j] < 0x20 {
				return "", nil, false
			}
		}
		if j >= len(text) || !utf8.ValidString(text[i+1:j]) {
			return "", nil, false
		}
		literals = append(literals, text[i+1:j])
		b.WriteString(`""`)
		i = j
	}
	return b.String(), literals, true
}

// parseFilterCached is filter.ParseFilterNumber with the shape cache.
func parseFilterCached(text string) (filter.Expression, error) {
	shape, literals, ok := splitLiterals(text)
	if !ok {
		return filter.ParseFilterNumber([]byte(text))
	}
	tree, cached := filterShapes.get(shape)
	if !cached {
		var err error
		if tree, err = filter.ParseFilterNumber([]byte(shape)); err != nil {
			return filter.ParseFilterNumber([]byte(text)) // report the error on the text as sent
		}
		filterShapes.put(shape, tree)
	}
	f := filling{literals: literals}
	out := f.expression(tree)
	if !f.exact() {
		return filter.ParseFilterNumber([]byte(text))
	}
	return out, nil
}

// parsePathCached is filter.ParsePathNumber with the shape cache.
func parsePathCached(text string) (filter.Path, error) {
	shape, literals, ok := splitLiterals(text)
	if !ok {
		return filter.ParsePathNumber([]byte(text))
	}
	p, cached := pathShapes.get(shape)
	if !cached {
		var err error
		if p, err = filter.ParsePathNumber([]byte(shape)); err != nil {
			return filter.ParsePathNumber([]byte(text))
		}
		pathShapes.put(shape, p)
	}
	if p.ValueExpression != nil {
		f := filling{literals: literals}
		p.ValueExpression = f.expression(p.ValueExpression)
		if !f.exact() {
			return filter.ParsePathNumber([]byte(text))
		}
	} else if len(literals) > 0 {
		return filter.ParsePathNumber([]byte(text))
	}
	return p, nil
}

// filling copies a cached tree, putting the request's string literals back
// in the order they appear in the text, which is the order of a
// left-to-right walk of the tree.
type filling struct {
	literals []string
	next     int
	mismatch bool
}

func (f *filling) exact() bool { return !f.mismatch && f.next == len(f.literals) }

func (f *filling) expression(e filter.Expression) filter.Expression {
	switch e := e.(type) {
	case *filter.LogicalExpression:
		return &filter.LogicalExpression{Left: f.expression(e.Left), Right: f.expression(e.Right), Operator: e.Operator}
	case *filter.NotExpression:
		return &filter.NotExpression{Expression: f.expression(e.Expression)}
	case *filter.ValuePath:
		return &filter.ValuePath{AttributePath: e.AttributePath, ValueFilter: f.expression(e.ValueFilter)}
	case *filter.AttributeExpression:
		out := *e
		if _, isString := e.CompareValue.(string); isString {
			if f.next >= len(f.literals) {
				f.mismatch = true
				return &out
			}
			out.CompareValue = f.literals[f.next]
			f.next++
		}
		return &out
	}
	f.mismatch = true
	return e
}
