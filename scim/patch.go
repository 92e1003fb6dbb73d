package scim

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rosterhq/roster"
)

// Limits on one PATCH request. Entra ID sends one operation per attribute
// and batches of members; Okta sends a handful of operations.
const (
	MaxPatchOperations = 1000
	MaxPatchMembers    = 10000
)

// Operation is one PATCH operation (RFC 7644 §3.5.2).
type Operation struct {
	Op    string // "add", "remove" or "replace"
	Path  string // "" targets the resource itself
	Value any
}

// ParsePatch reads a PatchOp request body. The operation names are taken in
// any case ("Replace", as Entra ID sends them) and the Operations key in any
// case.
func ParsePatch(body map[string]any) ([]Operation, error) {
	var raw any
	opsKey := ""
	for _, k := range sortedKeys(body) {
		v := body[k]
		switch {
		case strings.EqualFold(k, "Operations"):
			if opsKey != "" {
				return nil, roster.Invalidf(roster.ScimInvalidSyntax, "a PATCH body has Operations once; it is given twice (as %q and %q)", opsKey, k)
			}
			opsKey, raw = k, v
		case strings.EqualFold(k, "schemas"):
			if err := checkSchemas(v); err != nil {
				return nil, err
			}
		default:
			return nil, roster.Invalidf(roster.ScimInvalidSyntax, "a PATCH body has schemas and Operations; %q is not allowed", k)
		}
	}
	list, ok := raw.([]any)
	if !ok || len(list) == 0 {
		return nil, roster.Invalidf(roster.ScimInvalidSyntax, `a PATCH body needs "Operations": a non-empty array of {"op", "path", "value"}`)
	}
	if len(list) > MaxPatchOperations {
		return nil, roster.Invalidf(roster.ScimTooMany, "the PATCH has %d operations; the limit is %d", len(list), MaxPatchOperations)
	}
	ops := make([]Operation, len(list))
	for i, item := range list {
		obj, ok := item.(map[string]any)
		if !ok {
			return nil, roster.Invalidf(roster.ScimInvalidSyntax, "Operations[%d] must be an object, not %s", i, jsonKind(item))
		}
		var rawOp any
		given := map[string]string{}
		for _, k := range sortedKeys(obj) {
			v := obj[k]
			lower := strings.ToLower(k)
			if prev, dup := given[lower]; dup {
				return nil, roster.Invalidf(roster.ScimInvalidSyntax, "Operations[%d] has %s twice (as %q and %q)", i, lower, prev, k)
			}
			given[lower] = k
			switch lower {
			case "op":
				rawOp = v
				s, _ := v.(string)
				ops[i].Op = strings.ToLower(strings.TrimSpace(s))
			case "path":
				s, ok := v.(string)
				if !ok && v != nil {
					return nil, roster.Invalidf(roster.ScimInvalidPath, "Operations[%d].path must be a string", i)
				}
				ops[i].Path = strings.TrimSpace(s)
			case "value":
				ops[i].Value = v
			default:
				return nil, roster.Invalidf(roster.ScimInvalidSyntax, "Operations[%d] has an unknown member %q; an operation has op, path and value", i, k)
			}
		}
		switch ops[i].Op {
		case "add", "remove", "replace":
		default:
			what := "missing"
			if rawOp != nil {
				what = describe(rawOp)
			}
			return nil, roster.Invalidf(roster.ScimInvalidSyntax, "Operations[%d].op is %s; it must be add, remove or replace", i, what)
		}
	}
	return ops, nil
}

// Patch applies ops, in order, to doc (a normalized document of rt) and
// returns the membership changes they make to attributes kept as rows. It
// follows RFC 7644 §3.5.2 and accepts what identity providers send
// besides: path-less values with dotted or URN-qualified keys, filtered
// paths that match nothing yet (an element is created from the filter's
// equalities), removal of members by a value array, read-only attributes
// in path-less values (ignored). On error the document is half-changed and
// must be discarded.
func (rt *ResourceType) Patch(doc map[string]any, ops []Operation) ([]roster.MemberOp, error) {
	p := &patcher{rt: rt, doc: doc}
	for i, op := range ops {
		if err := p.operation(op); err != nil {
			e := roster.AsError(err)
			e.Detail = fmt.Sprintf("Operations[%d] (%s %s): %s", i, op.Op, orResource(op.Path), e.Detail)
			return nil, e
		}
	}
	if err := rt.Finish(doc, false); err != nil {
		return nil, err
	}
	return p.members, nil
}

func orResource(path string) string {
	if path == "" {
		return "without a path"
	}
	return path
}

type patcher struct {
	rt       *ResourceType
	doc      map[string]any
	members  []roster.MemberOp
	nMembers int
}

// patchPath is a resolved PATCH path: an attribute, optionally one of its
// sub-attributes, optionally narrowed to the elements a value filter selects.
type patchPath struct {
	t      target
	filter roster.Filter // on t.attr's elements, or nil
}

func (p *patcher) operation(op Operation) error {
	if op.Path == "" {
		if op.Op == "remove" {
			return roster.Invalidf(roster.ScimNoTarget, "remove needs a path naming what to remove")
		}
		return p.pathless(op.Op, op.Value)
	}
	if ext := p.rt.Extension(op.Path); ext != nil {
		return p.extension(op.Op, ext, op.Value)
	}
	pp, err := p.rt.parsePatchPath(op.Path)
	if err != nil {
		return err
	}
	return p.apply(op.Op, pp, op.Value)
}

// pathless applies a value object whose keys are attribute paths.
func (p *patcher) pathless(op string, value any) error {
	obj, ok := value.(map[string]any)
	if !ok {
		return roster.Invalidf(roster.ScimInvalidValue, "without a path, value must be an object of attributes, not %s", jsonKind(value))
	}
	for _, k := range sortedKeys(obj) {
		v := obj[k]
		if strings.EqualFold(k, "schemas") {
			continue
		}
		if strings.EqualFold(k, p.rt.Schema.ID) {
			// Core attributes under the core URN are core attributes.
			if err := p.pathless(op, v); err != nil {
				return err
			}
			continue
		}
		if ext := p.rt.Extension(k); ext != nil {
			if err := p.extension(op, ext, v); err != nil {
				return err
			}
			continue
		}
		if isURN(k) && p.rt.qualifier(k) == nil {
			if v == nil {
				delete(p.doc, k) // null unassigns, as everywhere else
			} else {
				p.doc[k] = v // an unknown extension, kept verbatim
			}
			continue
		}
		pp, err := p.rt.parsePatchPath(k)
		if err != nil {
			e := roster.AsError(err)
			e.ScimType = roster.ScimInvalidValue
			return e
		}
		if pp.t.leaf().Mutability == ReadOnly || pp.t.attr.Mutability == ReadOnly {
			continue // Okta sends id with a rename; RFC 7644 §3.5.2 lets us ignore it
		}
		if err := p.apply(op, pp, v); err != nil {
			return err
		}
	}
	return nil
}

// extension applies a value object to the attributes of one extension.
func (p *patcher) extension(op string, ext *Schema, value any) error {
	if op == "remove" || value == nil {
		delete(p.doc, ext.ID)
		return nil
	}
	obj, ok := value.(map[string]any)
	if !ok {
		return roster.Invalidf(roster.ScimInvalidValue, "%s must be given an object of its attributes, not %s", ext.ID, jsonKind(value))
	}
	for _, k := range sortedKeys(obj) {
		a := ext.Attr(k)
		if a == nil {
			return roster.Invalidf(roster.ScimInvalidValue, "schema %s has no attribute %q (it has %s)", ext.ID, k, attrNames(ext.Attributes))
		}
		if a.Mutability == ReadOnly {
			continue
		}
		if err := p.apply(op, patchPath{t: target{schema: ext, ext: true, attr: a}}, obj[k]); err != nil {
			return err
		}
	}
	return nil
}

// parsePatchPath resolves a PATCH path (RFC 7644 §3.5.2, the PATH rule).
func (rt *ResourceType) parsePatchPath(path string) (patchPath, error) {
	parsed, err := parsePathCached(path)
	if err != nil {
		return patchPath{}, roster.Invalidf(roster.ScimInvalidPath,
			"%q is not a valid path; paths look like title, name.givenName, emails[type eq \"work\"].value or %s:manager", path, EnterpriseUserSchema)
	}
	ap := parsed.AttributePath
	if parsed.ValueExpression == nil {
		t, err := rt.resolve(ap.URI(), ap.AttributeName, ap.SubAttributeName())
		if err != nil {
			return patchPath{}, roster.Invalidf(roster.ScimInvalidPath, "%v", err)
		}
		return patchPath{t: t}, nil
	}
	if ap.SubAttribute != nil {
		return patchPath{}, roster.Invalidf(roster.ScimInvalidPath, "%q: a value filter follows the attribute name directly", path)
	}
	t, err := rt.resolve(ap.URI(), ap.AttributeName, "")
	if err != nil {
		return patchPath{}, roster.Invalidf(roster.ScimInvalidPath, "%v", err)
	}
	if t.attr.Type != roster.TypeComplex {
		return patchPath{}, roster.Invalidf(roster.ScimInvalidPath, "%q: only complex attributes take a value filter, and %s is not one", path, t)
	}
	c := filterConverter{rt: rt}
	f, err := c.convert(parsed.ValueExpression, &t)
	if err != nil {
		return patchPath{}, roster.Invalidf(roster.ScimInvalidFilter, "%q: %v", path, err)
	}
	if name := parsed.SubAttributeName(); name != "" {
		if t.sub = t.attr.Sub(name); t.sub == nil {
			return patchPath{}, roster.Invalidf(roster.ScimInvalidPath, "%q: %s has no sub-attribute %q (it has %s)", path, t.attr.Name, name, attrNames(t.attr.SubAttributes))
		}
	}
	return patchPath{t: t, filter: f}, nil
}

// apply performs one operation on one resolved path.
func (p *patcher) apply(op string, pp patchPath, value any) error {
	a := pp.t.attr
	if a.rows {
		return p.memberOp(op, pp, value)
	}
	if a.Mutability == ReadOnly || pp.t.sub != nil && pp.t.sub.Mutability == ReadOnly {
		return roster.Invalidf(roster.ScimMutability, "%s is read-only", pp.t)
	}
	if a.Mutability == WriteOnly {
		if op != "remove" {
			if _, err := normalizeValue(a, pp.t.String(), value); err != nil {
				return err
			}
		}
		return nil // password: checked, never kept
	}
	if value == nil {
		op = "remove" // a null value unassigns (Entra clears a manager this way)
	}
	switch {
	case pp.filter != nil && !a.MultiValued:
		return p.applyFilteredSingle(op, pp, value)
	case pp.filter != nil:
		return p.applyFiltered(op, pp, value)
	case a.MultiValued:
		return p.applyMulti(op, pp, value)
	case pp.t.sub != nil:
		return p.applySub(op, pp, value)
	}
	return p.applySingle(op, pp, value)
}

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

// memberOp turns an operation on a row-kept attribute into MemberOps.
func (p *patcher) memberOp(op string, pp patchPath, value any) error {
	a := pp.t.attr
	if a.Mutability == ReadOnly {
		return roster.Invalidf(roster.ScimMutability, "%s is read-only: it is derived from group membership", pp.t)
	}
	if pp.t.sub != nil {
		return roster.Invalidf(roster.ScimMutability, "the sub-attributes of %s cannot be changed; add or remove members instead", a.Name)
	}
	if pp.filter != nil {
		if op != "remove" {
			return roster.Invalidf(roster.ScimInvalidPath, "%s[...] can only be removed; to add members use path %q with a value array", a.Name, a.Name)
		}
		if ids, ok := valueEqualities(pp.filter); ok {
			return p.addMemberOp(roster.MemberOp{Kind: roster.RemoveMembers, IDs: ids})
		}
		return p.addMemberOp(roster.MemberOp{Kind: roster.RemoveMembersWhere, Filter: pp.filter})
	}
	if op == "remove" && value == nil || op == "replace" {
		if err := p.addMemberOp(roster.MemberOp{Kind: roster.RemoveAllMembers}); err != nil {
			return err
		}
		if op == "remove" {
			return nil
		}
	}
	ids, err := memberIDs(a, value)
	if err != nil {
		return err
	}
	if len(ids) == 0 {
		return nil
	}
	kind := roster.AddMembers
	if op == "remove" {
		kind = roster.RemoveMembers
	}
	return p.addMemberOp(roster.MemberOp{Kind: kind, IDs: ids})
}

func (p *patcher) addMemberOp(op roster.MemberOp) error {
	if p.nMembers += len(op.IDs); p.nMembers > MaxPatchMembers {
		return roster.Invalidf(roster.ScimTooMany, "the PATCH changes more than %d members; send them in batches", MaxPatchMembers)
	}
	p.members = append(p.members, op)
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

// valueEqualities returns the IDs of a filter of the form value eq "a" or
// value eq "b" ..., the way identity providers remove members.
func valueEqualities(f roster.Filter) ([]string, bool) {
	switch f := f.(type) {
	case roster.Compare:
		s, ok := f.Value.(string)
		return []string{s}, ok && f.Op == roster.Eq && f.Attr.Sub == "value"
	case roster.Or:
		l, ok := valueEqualities(f.Left)
		if !ok {
			return nil, false
		}
		r, ok := valueEqualities(f.Right)
		return append(l, r...), ok
	}
	return nil, false
}

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
		return compareOrdered(c.Op, strings.Compare(got, want), func() bool {
			switch c.Op {
			case roster.Co:
				return strings.Contains(got, want)
			case roster.Sw:
				return strings.HasPrefix(got, want)
			case roster.Ew:
				return strings.HasSuffix(got, want)
			}
			return false
		})
	case time.Time:
		s, _ := v.(string)
		got, err := ParseDateTime(s)
		return err == nil && compareOrdered(c.Op, got.Compare(want), nil)
	case int64, float64:
		n, ok := v.(json.Number)
		if !ok {
			return false
		}
		got, err := n.Float64()
		w := toFloat(want)
		return err == nil && compareOrdered(c.Op, cmpFloat(got, w), nil)
	}
	return false
}

func compareOrdered(op roster.Op, cmp int, text func() bool) bool {
	switch op {
	case roster.Eq:
		return cmp == 0
	case roster.Ne:
		return cmp != 0
	case roster.Gt:
		return cmp > 0
	case roster.Ge:
		return cmp >= 0
	case roster.Lt:
		return cmp < 0
	case roster.Le:
		return cmp <= 0
	}
	return text != nil && text()
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
