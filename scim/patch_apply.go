// Applying PATCH values to attributes kept in the document: singular and
// complex attributes, sub-attributes, multi-valued lists, and the elements a
// value filter selects (or creates, for Entra's addresses[type eq "work"]).

package scim

import (
	"slices"
	"time"

	"github.com/rosterhq/roster"
)

// applySingle handles a singular attribute: userName, active, name, manager.
func (p *patcher) applySingle(op string, pp patchPath, value any) error {
	a := pp.t.attr
	if op == "remove" {
		if a.Required {
			return roster.Invalidf(roster.ScimInvalidValue, "%s is required and cannot be removed", pp.t)
		}
		setAttr(p.doc, pp.t, nil)
		return nil
	}
	val, err := normalizeValue(a, pp.t.String(), value)
	if err != nil {
		return err
	}
	if a.Type == roster.TypeComplex {
		if val == nil {
			return nil // {}, or only read-only sub-attributes: nothing to merge
		}
		// Sub-attributes not given are left as they are (RFC 7644
		// §3.5.2.1 and §3.5.2.3).
		old, _ := getAttr(p.doc, pp.t).(map[string]any)
		merged := map[string]any{}
		for k, v := range old {
			merged[k] = v
		}
		for k, v := range val.(map[string]any) {
			merged[k] = v
		}
		val = merged
	}
	setAttr(p.doc, pp.t, val)
	return nil
}

// applySub handles name.givenName and the like.
func (p *patcher) applySub(op string, pp patchPath, value any) error {
	top := pp.t
	top.sub = nil
	obj, _ := getAttr(p.doc, top).(map[string]any)
	if op == "remove" {
		if obj != nil {
			delete(obj, pp.t.sub.Name)
			if len(obj) == 0 {
				setAttr(p.doc, top, nil)
			}
		}
		return nil
	}
	val, err := normalizeSimple(pp.t.sub, pp.t.String(), value)
	if err != nil {
		return err
	}
	if obj == nil {
		obj = map[string]any{}
		setAttr(p.doc, top, obj)
	}
	obj[pp.t.sub.Name] = val
	return nil
}

// applyMulti handles a multi-valued attribute without a value filter.
func (p *patcher) applyMulti(op string, pp patchPath, value any) error {
	a := pp.t.attr
	old, _ := getAttr(p.doc, pp.t).([]any)
	if pp.t.sub != nil {
		// emails.value with no filter: every element.
		return p.eachElement(op, pp, old, allIndexes(old), value)
	}
	switch op {
	case "remove":
		if value == nil {
			setAttr(p.doc, pp.t, nil)
			return nil
		}
		gone, err := normalizeValue(a, pp.t.String(), value)
		if err != nil {
			return err
		}
		if gone, _ := gone.([]any); len(gone) > 0 {
			setAttr(p.doc, pp.t, nilIfEmpty(removeValues(old, gone)))
		}
		return nil
	case "replace":
		val, err := normalizeValue(a, pp.t.String(), value)
		if err != nil {
			return err
		}
		list, _ := val.([]any)
		if err := checkPrimary(a, list); err != nil {
			return err
		}
		setAttr(p.doc, pp.t, nilIfEmpty(list))
		return nil
	}
	val, err := normalizeValue(a, pp.t.String(), value)
	if err != nil {
		return err
	}
	list := append([]any(nil), old...)
	var touched []int
	values, _ := val.([]any)
	if len(values) > fewValues {
		index := newValueIndex(list)
		for _, v := range values {
			i, _ := index.add(v)
			touched = append(touched, i)
		}
		list = index.list
	} else {
		for _, v := range values {
			i := slices.IndexFunc(list, func(e any) bool { return equalValues(e, v) })
			if i < 0 {
				list = append(list, v)
				i = len(list) - 1
			}
			touched = append(touched, i)
		}
	}
	// The values added are new, so only those that lose primary could now
	// equal another.
	list, changed := keepOnePrimary(list, touched)
	setAttr(p.doc, pp.t, nilIfEmpty(dedupe(list, changed)))
	return nil
}

// applyFilteredSingle handles a value filter on a single-valued complex
// attribute, such as Entra's remove of
// urn:…:enterprise:2.0:User:manager[value eq "id"]: the operation applies
// when the attribute's value matches the filter. A remove that matches
// nothing changes nothing; an add or replace has no target.
func (p *patcher) applyFilteredSingle(op string, pp patchPath, value any) error {
	top := pp.t
	top.sub = nil
	current, _ := getAttr(p.doc, top).(map[string]any)
	if current == nil || !matchElement(pp.filter, current) {
		if op == "remove" {
			return nil
		}
		return roster.Invalidf(roster.ScimNoTarget, "%s does not match the filter", top)
	}
	pp.filter = nil
	if pp.t.sub != nil {
		return p.applySub(op, pp, value)
	}
	return p.applySingle(op, pp, value)
}

// applyFiltered handles emails[type eq "work"] and emails[type eq "work"].value.
func (p *patcher) applyFiltered(op string, pp patchPath, value any) error {
	old, _ := getAttr(p.doc, pp.t).([]any)
	var hits []int
	for i, e := range old {
		if obj, ok := e.(map[string]any); ok && matchElement(pp.filter, obj) {
			hits = append(hits, i)
		}
	}
	if op == "remove" && pp.t.sub == nil {
		kept := make([]any, 0, len(old))
		for i, e := range old {
			if !containsInt(hits, i) {
				kept = append(kept, e)
			}
		}
		setAttr(p.doc, pp.t, nilIfEmpty(kept))
		return nil
	}
	if len(hits) == 0 {
		if op == "remove" {
			return nil
		}
		return p.createFromFilter(pp, old, value)
	}
	return p.eachElement(op, pp, old, hits, value)
}

// eachElement applies op to the elements at hits: a sub-attribute of each
// (pp.t.sub set) or each whole element.
func (p *patcher) eachElement(op string, pp patchPath, old []any, hits []int, value any) error {
	a := pp.t.attr
	list := append([]any(nil), old...)
	if pp.t.sub == nil {
		elem, err := normalizeSingle(a, pp.t.String(), value)
		if err != nil {
			return err
		}
		patch, _ := elem.(map[string]any)
		for _, i := range hits {
			merged := map[string]any{}
			if op == "add" {
				prev, _ := list[i].(map[string]any)
				for k, v := range prev {
					merged[k] = v
				}
			}
			for k, v := range patch {
				merged[k] = v
			}
			list[i] = merged
		}
	} else {
		var val any
		if op != "remove" {
			var err error
			if val, err = normalizeSimple(pp.t.sub, pp.t.String(), value); err != nil {
				return err
			}
		}
		if op != "remove" && len(hits) == 0 {
			list = append(list, map[string]any{pp.t.sub.Name: val})
			hits = []int{len(list) - 1}
		}
		for _, i := range hits {
			obj := map[string]any{}
			prev, _ := list[i].(map[string]any)
			for k, v := range prev {
				obj[k] = v
			}
			if val == nil {
				delete(obj, pp.t.sub.Name)
			} else {
				obj[pp.t.sub.Name] = val
			}
			list[i] = obj
		}
	}
	// settle before dropEmpty, which moves the elements hits names.
	setAttr(p.doc, pp.t, nilIfEmpty(dropEmpty(settle(list, hits))))
	return nil
}

// createFromFilter handles an add or replace whose filter matched nothing:
// when the filter is a conjunction of equalities (type eq "work"), the new
// element is those equalities plus the value, which is what Entra ID
// expects from addresses[type eq "work"].formatted. Any other filter has no
// target.
func (p *patcher) createFromFilter(pp patchPath, old []any, value any) error {
	elem, ok := equalities(pp.filter)
	if !ok {
		return roster.Invalidf(roster.ScimNoTarget, "no value of %s matches the filter, and the filter does not say what a new one would be", pp.t.attr.Name)
	}
	if pp.t.sub != nil {
		val, err := normalizeSimple(pp.t.sub, pp.t.String(), value)
		if err != nil {
			return err
		}
		elem[pp.t.sub.Name] = val
	} else {
		v, err := normalizeSingle(pp.t.attr, pp.t.String(), value)
		if err != nil {
			return err
		}
		obj, _ := v.(map[string]any)
		for k, val := range obj {
			elem[k] = val
		}
	}
	// The filter's literals were checked against the types, not against
	// everything a value must be (base64 for a certificate).
	top := pp.t
	top.sub = nil
	v, err := normalizeSingle(pp.t.attr, top.String(), elem)
	if err != nil {
		return err
	}
	if v == nil {
		return nil
	}
	list := append(append([]any(nil), old...), v)
	list, changed := keepOnePrimary(list, []int{len(list) - 1})
	setAttr(p.doc, pp.t, dedupe(list, changed))
	return nil
}

// equalities returns the element a conjunction of eq comparisons describes.
func equalities(f roster.Filter) (map[string]any, bool) {
	switch f := f.(type) {
	case roster.Compare:
		if f.Op != roster.Eq || f.Value == nil {
			return nil, false
		}
		v := f.Value
		if t, ok := v.(time.Time); ok {
			v = FormatTime(t)
		}
		return map[string]any{f.Attr.Sub: v}, true
	case roster.And:
		l, ok := equalities(f.Left)
		if !ok {
			return nil, false
		}
		r, ok := equalities(f.Right)
		if !ok {
			return nil, false
		}
		for k, v := range r {
			if old, clash := l[k]; clash && old != v {
				return nil, false
			}
			l[k] = v
		}
		return l, true
	}
	return nil, false
}
