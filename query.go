package roster

import "strings"

// Query selects and orders a page of users or groups. Package scim builds it
// from a request; a store evaluates all of it in the database.
type Query struct {
	Filter     Filter // nil: everything
	SortBy     *Attr  // nil: creation order
	Descending bool
	StartIndex int // 1-based position of the first result (index paging)
	Count      int // page size; 0 asks only for the total
	// Cursor, when set, pages by position in creation order instead of by
	// index (RFC 9865): a walk sees every resource that exists throughout
	// it exactly once, however others write meanwhile. It excludes SortBy
	// and StartIndex.
	Cursor *Cursor
}

// Cursor is where a cursor page starts: after the resource at position
// After (0: at the beginning), or, paging backwards, before the one at
// position Before. Positions are the store's creation sequence; clients
// see them only inside opaque cursor strings.
type Cursor struct {
	After  int64
	Before int64
	// Total asks for the total number of matches; a walk counts once, at
	// its start, and carries the number along.
	Total bool
}

// Page is one page of a query's results.
type Page[T any] struct {
	Items []T
	Total int // all matches, not just this page; -1 when not counted
	// For cursor pages: the positions of the first and last item, and
	// whether there are matches before and after this page.
	First, Last      int64
	HasPrev, HasNext bool
}

// Filter is a SCIM filter whose attribute names have been checked against
// the schema and whose values have the attribute's type. Its nodes are And,
// Or, Not, Compare and Has.
type Filter interface{ isFilter() }

// And matches what both sides match.
type And struct{ Left, Right Filter }

// Or matches what either side matches.
type Or struct{ Left, Right Filter }

// Not matches what its operand does not.
type Not struct{ Filter Filter }

// Compare tests one attribute against a value. Value is nil for Pr, and
// otherwise a string, bool, int64, float64 or time.Time per Attr.Type. On a
// multi-valued attribute it matches when any value does.
type Compare struct {
	Attr  Attr
	Op    Op
	Value any
}

// Has matches when one element of the multi-valued Attr satisfies Filter (a
// SCIM value path: emails[type eq "work" and value co "@x"]). Attributes
// inside Filter name sub-attributes of that one element.
type Has struct {
	Attr   Attr
	Filter Filter
}

// Conjuncts lists the operands of f's ANDs, left to right: f alone when it
// is no And. A planner looks among them for a comparison an index answers.
func Conjuncts(f Filter) []Filter {
	if a, ok := f.(And); ok {
		return append(Conjuncts(a.Left), Conjuncts(a.Right)...)
	}
	return []Filter{f}
}

func (And) isFilter()     {}
func (Or) isFilter()      {}
func (Not) isFilter()     {}
func (Compare) isFilter() {}
func (Has) isFilter()     {}

// Op is a SCIM comparison operator.
type Op string

// Comparison operators (RFC 7644 §3.4.2.2).
const (
	Eq Op = "eq"
	Ne Op = "ne"
	Co Op = "co"
	Sw Op = "sw"
	Ew Op = "ew"
	Gt Op = "gt"
	Ge Op = "ge"
	Lt Op = "lt"
	Le Op = "le"
	Pr Op = "pr"
)

// Holds reports whether an ordering operator (eq, ne, gt, ge, lt, le)
// holds for cmp, a value compared with the filter's (negative, zero or
// positive); false for the other operators.
func (op Op) Holds(cmp int) bool {
	switch op {
	case Eq:
		return cmp == 0
	case Ne:
		return cmp != 0
	case Gt:
		return cmp > 0
	case Ge:
		return cmp >= 0
	case Lt:
		return cmp < 0
	case Le:
		return cmp <= 0
	}
	return false
}

// HoldsText reports whether op holds between the text got and the
// filter's want, both already folded where the attribute is not
// caseExact: co, sw and ew as substring, prefix and suffix, the ordering
// operators by code point.
func (op Op) HoldsText(got, want string) bool {
	switch op {
	case Co:
		return strings.Contains(got, want)
	case Sw:
		return strings.HasPrefix(got, want)
	case Ew:
		return strings.HasSuffix(got, want)
	}
	return op.Holds(strings.Compare(got, want))
}

// AttrType is a SCIM attribute data type (RFC 7643 §2.3).
type AttrType string

// Attribute data types.
const (
	TypeString    AttrType = "string"
	TypeBoolean   AttrType = "boolean"
	TypeDecimal   AttrType = "decimal"
	TypeInteger   AttrType = "integer"
	TypeDateTime  AttrType = "dateTime"
	TypeReference AttrType = "reference"
	TypeBinary    AttrType = "binary"
	TypeComplex   AttrType = "complex"
)

// Attr addresses one attribute or sub-attribute of a resource, by canonical
// names, with what a store needs to compare it correctly.
type Attr struct {
	Schema      string // the URN of the schema that defines Name
	Extension   bool   // Schema is an extension: the attribute lives under its URN
	Name        string // top-level attribute
	Sub         string // sub-attribute, or ""
	Type        AttrType
	CaseExact   bool
	MultiValued bool // Name is multi-valued
}

// Path is the dotted name of the attribute as SCIM writes it, without the
// schema URN: "userName", "name.familyName", "emails.value".
func (a Attr) Path() string {
	if a.Sub == "" {
		return a.Name
	}
	return a.Name + "." + a.Sub
}
