package scim

import (
	"strings"

	filter "github.com/scim2/filter-parser/v2"

	"github.com/rosterhq/roster"
)

// Projection is a request's attributes or excludedAttributes parameter
// (RFC 7644 §3.4.2.5), checked against the resource type. The zero of
// *Projection (nil) returns every attribute whose "returned" is always or
// default.
type Projection struct {
	only    map[string]bool // attributes=...: top-level keys and "top.sub" keys
	exclude map[string]bool // excludedAttributes=...
	// elems narrows a multi-valued attribute of attributes=... to the
	// elements a value filter selects (attributes=emails[type eq "work"]),
	// by top-level key.
	elems map[string]roster.Filter
}

// ParseProjection reads the two parameters, comma-separated lists of
// attribute paths. Names that match no attribute select nothing; they are
// not an error, so that a client listing an attribute Roster does not have
// still gets the rest. attributes wins when both are given.
func (rt *ResourceType) ParseProjection(attributes, excluded string) *Projection {
	if attributes == "" && excluded == "" {
		return nil
	}
	// Clients send the same few lists (Entra: excludedAttributes=members)
	// and parsing one costs a filter-library parse per name.
	key := rt.Name + "\x00" + attributes + "\x00" + excluded
	if p, ok := projections.get(key); ok {
		return p
	}
	p := rt.parseProjection(attributes, excluded)
	projections.put(key, p)
	return p
}

var projections shapeCache[*Projection]

// A value filter in attributes (emails[type eq "work"], or
// emails[type eq "work"].value) returns the elements it selects: RFC 7644
// §3.4.2.5 lists attribute names, but Microsoft's reference tests ask for
// this and what they mean is plain. In excludedAttributes a value filter
// selects nothing, like a name that matches no attribute: excluding some
// elements of an attribute is no default set (§3.4.2.5 removes attributes
// from the default set), and no client asks for it.
func (rt *ResourceType) parseProjection(attributes, excluded string) *Projection {
	only, elems := rt.projectionKeys(attributes, true)
	if only != nil {
		return &Projection{only: only, elems: elems}
	}
	if exclude, _ := rt.projectionKeys(excluded, false); exclude != nil {
		return &Projection{exclude: exclude}
	}
	return nil
}

func (rt *ResourceType) projectionKeys(list string, valueFilters bool) (map[string]bool, map[string]roster.Filter) {
	if strings.TrimSpace(list) == "" {
		return nil, nil
	}
	keys := map[string]bool{}
	var elems map[string]roster.Filter
	whole := map[string]bool{} // named without a filter: every element
	for _, p := range strings.Split(list, ",") {
		p = strings.TrimSpace(p)
		if strings.Contains(p, "[") {
			if !valueFilters {
				continue
			}
			pp, err := rt.parsePatchPath(p)
			if err != nil || pp.filter == nil || !pp.t.attr.MultiValued {
				continue
			}
			keys[pp.t.String()] = true
			if pp.t.sub != nil {
				keys[topKey(pp.t)+"."] = true
			}
			if elems == nil {
				elems = map[string]roster.Filter{}
			}
			k := topKey(pp.t)
			if prev, ok := elems[k]; ok {
				elems[k] = roster.Or{Left: prev, Right: pp.filter}
			} else {
				elems[k] = pp.filter
			}
			continue
		}
		if ext := rt.Extension(p); ext != nil {
			for _, a := range ext.Attributes {
				keys[target{schema: ext, ext: true, attr: a}.String()] = true
			}
			continue
		}
		ap, err := filter.ParseAttrPath([]byte(p))
		if err != nil {
			continue
		}
		t, err := rt.resolve(ap.URI(), ap.AttributeName, ap.SubAttributeName())
		if err != nil {
			continue
		}
		keys[t.String()] = true
		if t.sub != nil {
			keys[topKey(t)+"."] = true // some sub-attribute of top is selected
		}
		whole[topKey(t)] = true
	}
	for k := range whole {
		delete(elems, k)
	}
	return keys, elems
}

func topKey(t target) string {
	t.sub = nil
	return t.String()
}

// Wants reports whether the top-level attribute name (of the core schema)
// is returned at all; the encoder uses it to skip reading group members or
// a user's groups that would be thrown away.
func (p *Projection) Wants(rt *ResourceType, name string) bool {
	t, err := rt.resolveTop("", name)
	if err != nil {
		return false
	}
	return p.returns(t)
}

// KeepsDocument reports whether the projection returns the stored
// attributes unchanged, so that the encoder can copy them as they are.
func (p *Projection) KeepsDocument(rt *ResourceType) bool {
	if p == nil {
		return true
	}
	if p.only != nil {
		return false
	}
	for k := range p.exclude {
		t, err := rt.resolveTop("", k)
		if err != nil || !t.attr.rows {
			return false
		}
	}
	return true
}

func (p *Projection) returns(t target) bool {
	a := t.attr
	switch {
	case a.Returned == ReturnedNever:
		return false
	case a.Returned == ReturnedAlways:
		return true
	case p == nil:
		return a.Returned == ReturnedDefault
	case p.only != nil:
		return p.only[t.String()] || p.only[t.String()+"."]
	}
	return a.Returned == ReturnedDefault && !p.exclude[t.String()]
}

func (p *Projection) returnsSub(t target) bool {
	s := t.sub
	switch {
	case s.Returned == ReturnedNever:
		return false
	case s.Returned == ReturnedAlways:
		return true
	case p == nil:
		return s.Returned == ReturnedDefault
	case p.only != nil:
		return p.only[topKey(t)] && s.Returned == ReturnedDefault || p.only[t.String()]
	}
	return s.Returned == ReturnedDefault && !p.exclude[t.String()]
}

// Apply removes from a full resource (document plus id, meta and derived
// attributes) what the projection does not return. "schemas" is always
// kept.
func (p *Projection) Apply(rt *ResourceType, full map[string]any) {
	for k, v := range full {
		if k == "schemas" {
			continue
		}
		if ext := rt.Extension(k); ext != nil {
			obj, _ := v.(map[string]any)
			for name, ev := range obj {
				if a := ext.Attr(name); a == nil || !p.keep(target{schema: ext, ext: true, attr: a}, obj, name, ev) {
					delete(obj, name)
				}
			}
			if len(obj) == 0 {
				delete(full, k)
			}
			continue
		}
		if isURN(k) {
			if p != nil && p.only != nil || p != nil && p.exclude[k] {
				delete(full, k)
			}
			continue
		}
		t, err := rt.resolveTop("", k)
		if err != nil || !p.keep(t, full, k, v) {
			delete(full, k)
		}
	}
}

// keep decides one top-level attribute and trims its sub-attributes in place.
func (p *Projection) keep(t target, holder map[string]any, key string, v any) bool {
	if !p.returns(t) {
		return false
	}
	if t.attr.Type != roster.TypeComplex {
		return true
	}
	trim := func(obj map[string]any) {
		for name := range obj {
			st := t
			if st.sub = t.attr.Sub(name); st.sub == nil || !p.returnsSub(st) {
				delete(obj, name)
			}
		}
	}
	switch v := v.(type) {
	case map[string]any:
		trim(v)
		return len(v) > 0
	case []any:
		var f roster.Filter
		if p != nil {
			f = p.elems[topKey(t)]
		}
		out := v[:0]
		for _, e := range v {
			if obj, ok := e.(map[string]any); ok {
				if f != nil && !matchElement(f, obj) {
					continue
				}
				trim(obj)
				if len(obj) > 0 {
					out = append(out, obj)
				}
			}
		}
		holder[key] = out
		return len(out) > 0
	}
	return true
}
