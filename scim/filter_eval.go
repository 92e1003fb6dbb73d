// The in-memory filter evaluator: a value filter (roster.Filter) tested
// against one element of a multi-valued attribute, for PATCH paths such as
// emails[type eq "work"]. Lists are filtered in the database, never here.

package scim

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/rosterhq/roster"
)

// matchElement evaluates a value filter against one element of a
// multi-valued attribute, in memory: PATCH works on one resource at a time.
func matchElement(f roster.Filter, elem map[string]any) bool {
	switch f := f.(type) {
	case roster.And:
		return matchElement(f.Left, elem) && matchElement(f.Right, elem)
	case roster.Or:
		return matchElement(f.Left, elem) || matchElement(f.Right, elem)
	case roster.Not:
		return !matchElement(f.Filter, elem)
	case roster.Compare:
		return compareValue(f, elem[f.Attr.Sub])
	}
	return false
}

func compareValue(c roster.Compare, v any) bool {
	if c.Op == roster.Pr {
		return v != nil && v != ""
	}
	if v == nil {
		return c.Op == roster.Ne
	}
	switch want := c.Value.(type) {
	case bool:
		got, ok := v.(bool)
		return ok && (got == want) == (c.Op == roster.Eq)
	case string:
		got, ok := v.(string)
		if !ok {
			return false
		}
		if !c.Attr.CaseExact {
			got, want = strings.ToLower(got), strings.ToLower(want)
		}
		return c.Op.HoldsText(got, want)
	case time.Time:
		s, _ := v.(string)
		got, err := ParseDateTime(s)
		return err == nil && c.Op.Holds(got.Compare(want))
	case int64, float64:
		n, ok := v.(json.Number)
		if !ok {
			return false
		}
		got, err := n.Float64()
		w := toFloat(want)
		return err == nil && c.Op.Holds(cmpFloat(got, w))
	}
	return false
}

func toFloat(v any) float64 {
	switch v := v.(type) {
	case int64:
		return float64(v)
	case float64:
		return v
	}
	return 0
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
