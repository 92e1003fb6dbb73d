// The PATCH engine's entry point and dispatch: Patch runs the operations in
// order and routes each by its path (none, an extension URN, an attribute)
// and then by the kind of attribute it targets. The work itself is in
// patch_apply.go (values), patch_members.go (members kept as rows) and
// multivalued.go (list housekeeping).

package scim

import (
	"fmt"
	"strings"

	"github.com/rosterhq/roster"
)

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

// operation dispatches one operation by its path: none (a value object of
// attributes), an extension URN (an object of its attributes), or an
// attribute path.
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
