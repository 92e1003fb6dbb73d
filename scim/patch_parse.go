// PATCH parsing: the PatchOp body (RFC 7644 §3.5.2), its operations, and
// the PATCH path rule resolved against a resource type.

package scim

import (
	"strings"

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
// case. Members of the body and of an operation that RFC 7644 does not
// define are ignored: Microsoft's own reference tests send "id" beside
// Operations and "name": "addMember" inside one, and neither changes what
// the operation does.
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
			if err := requireSchema(v, PatchOpSchema, "a PATCH request"); err != nil {
				return nil, err
			}
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
		hasValue := false
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
				ops[i].Value, hasValue = v, true
			}
		}
		switch ops[i].Op {
		case "add", "replace":
			// Without a value, an add or replace says nothing to do; an
			// explicit null is a value (it unassigns, as Entra clears a
			// manager).
			if !hasValue {
				return nil, roster.Invalidf(roster.ScimInvalidSyntax, "Operations[%d] (%s) needs a value (RFC 7644 §3.5.2.1, §3.5.2.3)", i, ops[i].Op)
			}
		case "remove":
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

// patchPath is a resolved PATCH path: an attribute, optionally one of its
// sub-attributes, optionally narrowed to the elements a value filter selects.
type patchPath struct {
	t      target
	filter roster.Filter // on t.attr's elements, or nil
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
