package scim

import (
	"fmt"
	"strings"

	"github.com/rosterhq/roster"
)

// target is an attribute path resolved against a resource type: which
// attribute (and sub-attribute) of which schema a name in a filter, a PATCH
// path, sortBy or attributes=... refers to.
type target struct {
	schema *Schema    // the schema defining attr; nil for common attributes
	ext    bool       // attr lives under schema.ID in the document
	attr   *Attribute // the top-level attribute
	sub    *Attribute // the sub-attribute, or nil
}

// leaf is the attribute the path ends at.
func (t target) leaf() *Attribute {
	if t.sub != nil {
		return t.sub
	}
	return t.attr
}

// ref turns t into the store's view of an attribute.
func (t target) ref() roster.Attr {
	a := roster.Attr{
		Name:        t.attr.Name,
		Type:        t.leaf().Type,
		CaseExact:   t.leaf().CaseExact,
		MultiValued: t.attr.MultiValued,
		Extension:   t.ext,
	}
	if t.schema != nil {
		a.Schema = t.schema.ID
	}
	if t.sub != nil {
		a.Sub = t.sub.Name
	}
	return a
}

// String names the path the way a person would write it.
func (t target) String() string {
	s := t.attr.Name
	if t.sub != nil {
		s += "." + t.sub.Name
	}
	if t.ext {
		s = t.schema.ID + ":" + s
	}
	return s
}

// resolve finds uri:name.sub in the resource type. Attribute names are
// case-insensitive (RFC 7643 §2.1). A name without a URN is looked up among
// the common attributes, then the core schema, then the extensions, so that
// a client that forgets the enterprise URN is still understood.
func (rt *ResourceType) resolve(uri, name, sub string) (target, error) {
	t, err := rt.resolveTop(uri, name)
	if err != nil {
		return t, err
	}
	if sub == "" {
		return t, nil
	}
	if t.attr.Type != roster.TypeComplex {
		return t, fmt.Errorf("%q has no sub-attributes, so %q does not exist", t.attr.Name, t.attr.Name+"."+sub)
	}
	if t.sub = t.attr.Sub(sub); t.sub == nil {
		return t, fmt.Errorf("%q has no sub-attribute %q (it has %s)", t.attr.Name, sub, attrNames(t.attr.SubAttributes))
	}
	return t, nil
}

func (rt *ResourceType) resolveTop(uri, name string) (target, error) {
	if uri != "" {
		s := rt.schemaByURN(uri)
		if s == nil {
			return target{}, fmt.Errorf("%s has no schema %q (it has %s)", rt.Name, uri, rt.schemaURNs())
		}
		if s == rt.Schema {
			// The core URN names a core or common attribute, never one of
			// an extension.
			if a := findAttr(commonAttributes, name); a != nil {
				return target{attr: a}, nil
			}
			if a := s.Attr(name); a != nil {
				return target{schema: s, attr: a}, nil
			}
			return target{}, fmt.Errorf("schema %s has no attribute %q (it has %s)", s.ID, name, attrNames(s.Attributes))
		}
		if a := s.Attr(name); a != nil {
			return target{schema: s, ext: true, attr: a}, nil
		}
		return target{}, fmt.Errorf("schema %s has no attribute %q (it has %s)", s.ID, name, attrNames(s.Attributes))
	}
	if a := findAttr(commonAttributes, name); a != nil {
		return target{attr: a}, nil
	}
	if a := rt.Schema.Attr(name); a != nil {
		return target{schema: rt.Schema, attr: a}, nil
	}
	for _, s := range rt.Extensions {
		if a := s.Attr(name); a != nil {
			return target{schema: s, ext: true, attr: a}, nil
		}
	}
	return target{}, fmt.Errorf("%s has no attribute %q (it has %s)", rt.Name, name, attrNames(rt.Schema.Attributes))
}

// relative resolves a name inside a value filter (emails[type eq "work"]):
// it names a sub-attribute of parent.
func (t target) relative(name, sub string) (target, error) {
	if sub != "" {
		return t, fmt.Errorf("%q inside %s[...] must name a sub-attribute of %s, not a path", name+"."+sub, t.attr.Name, t.attr.Name)
	}
	s := t.attr.Sub(name)
	if s == nil {
		return t, fmt.Errorf("%q has no sub-attribute %q (it has %s)", t.attr.Name, name, attrNames(t.attr.SubAttributes))
	}
	t.sub = s
	return t, nil
}

func (rt *ResourceType) schemaURNs() string {
	urns := []string{rt.Schema.ID}
	for _, s := range rt.Extensions {
		urns = append(urns, s.ID)
	}
	return strings.Join(urns, ", ")
}

func attrNames(attrs []*Attribute) string {
	names := make([]string, len(attrs))
	for i, a := range attrs {
		names[i] = a.Name
	}
	return strings.Join(names, ", ")
}
