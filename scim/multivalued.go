// Housekeeping of multi-valued attributes after a change: one primary
// value, each value once, no empty elements, removal by value.

package scim

// keepOnePrimary makes sure at most one element is primary: when one of the
// elements an operation touched is primary, every other element stops being
// primary (RFC 7644 §3.5.2).
func keepOnePrimary(list []any, touched []int) (out []any, changed []int) {
	winner := -1
	for _, i := range touched {
		if i < len(list) {
			if obj, ok := list[i].(map[string]any); ok && obj["primary"] == true {
				winner = i
			}
		}
	}
	if winner < 0 {
		return list, nil
	}
	for i, e := range list {
		if obj, ok := e.(map[string]any); ok && i != winner && obj["primary"] == true {
			cp := map[string]any{}
			for k, v := range obj {
				cp[k] = v
			}
			cp["primary"] = false
			list[i] = cp
			changed = append(changed, i)
		}
	}
	return list, changed
}

// settle makes a list whose elements at touched changed valid again: one
// primary, each value once.
func settle(list []any, touched []int) []any {
	list, changed := keepOnePrimary(list, touched)
	return dedupe(list, append(changed, touched...))
}

// removeValues removes from list the elements that match one of gone: by
// their value sub-attribute when gone gives one, else by equality.
func removeValues(list, gone []any) []any {
	byValue, whole := &valueIndex{}, &valueIndex{}
	for _, g := range gone {
		if gm, ok := g.(map[string]any); ok && gm["value"] != nil {
			byValue.add(gm["value"])
		} else {
			whole.add(g)
		}
	}
	out := make([]any, 0, len(list))
	for _, e := range list {
		if em, ok := e.(map[string]any); ok && em["value"] != nil && byValue.find(em["value"]) >= 0 || whole.find(e) >= 0 {
			continue
		}
		out = append(out, e)
	}
	return out
}

func allIndexes(list []any) []int {
	out := make([]int, len(list))
	for i := range list {
		out[i] = i
	}
	return out
}

func containsInt(list []int, n int) bool {
	for _, v := range list {
		if v == n {
			return true
		}
	}
	return false
}

func dropEmpty(list []any) []any {
	out := list[:0]
	for _, e := range list {
		if obj, ok := e.(map[string]any); !ok || len(obj) > 0 {
			out = append(out, e)
		}
	}
	return out
}

// fewValues is how many values an operation may add or change before the
// list is indexed (valueIndex) rather than scanned once per value: a PATCH
// of a thousand operations that each add one email to a list of 45,000
// must not index the list a thousand times, nor one that adds 45,000
// emails scan it 45,000 times.
const fewValues = 16

// dedupe drops the elements equal to an earlier one: setting a
// sub-attribute of several elements, or turning primary off, can make two
// elements the same, and a multi-valued attribute holds each value once.
// Only the elements at changed can have become equal to another.
func dedupe(list []any, changed []int) []any {
	if len(changed) > fewValues {
		return newValueIndex(list).list
	}
	drop := map[int]bool{}
	for _, i := range changed {
		if i >= len(list) || drop[i] {
			continue
		}
		for j := range list {
			if j != i && !drop[j] && equalValues(list[i], list[j]) {
				drop[max(i, j)] = true // the first of equal elements stays
				if j < i {
					break
				}
			}
		}
	}
	if len(drop) == 0 {
		return list
	}
	out := make([]any, 0, len(list)-len(drop))
	for i, e := range list {
		if !drop[i] {
			out = append(out, e)
		}
	}
	return out
}

func nilIfEmpty(list []any) any {
	if len(list) == 0 {
		return nil
	}
	return list
}
