package connectors

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strings"

	"github.com/rosterhq/roster"
)

// The SCIM schema URNs a connector sends.
const (
	userSchema       = "urn:ietf:params:scim:schemas:core:2.0:User"
	patchSchema      = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	enterpriseSchema = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
)

// mappedKeys are the User attributes a connector owns in the target, in
// the order PATCH operations list them: the core ones, and the enterprise
// extension (as one key, its URN) for targets that advertise it.
// Everything else on the target's resource is the application's own and
// left alone.
var mappedKeys = []string{"userName", "externalId", "active", "displayName", "name", "emails", "title", enterpriseSchema}

// enterpriseKeys are the enterprise extension's string attributes that
// are pushed; its manager is pushed too, as the target's id of the
// manager (see docOptions).
var enterpriseKeys = []string{"employeeNumber", "costCenter", "organization", "division", "department"}

// docOptions say what of a user's document depends on the target.
type docOptions struct {
	// enterprise: the target keeps the enterprise extension.
	enterprise bool
	// manager maps the Roster ID of a user's manager to the target's id
	// of that user ("" when the connector has not pushed the manager: the
	// manager is then left out).
	manager func(rosterID string) string
}

// managerID is the Roster ID of u's manager ("" for none): what the
// identity provider sent as manager.value, which is Roster's id of the
// manager (the id Roster gave it).
func managerID(attrs map[string]any) string {
	ext, _ := attrs[enterpriseSchema].(map[string]any)
	m, _ := ext["manager"].(map[string]any)
	v, _ := m["value"].(string)
	return v
}

// nameKeys and emailKeys are the sub-attributes of name and emails that are
// pushed.
var (
	nameKeys  = []string{"formatted", "familyName", "givenName", "middleName", "honorificPrefix", "honorificSuffix"}
	emailKeys = []string{"value", "type", "primary"}
)

// userDoc is the document user u should be in the target: the mapped
// attributes of Roster's copy, externalId its Roster ID (so that the
// application, and a retried create, can find it by it), active as the
// connector decides.
func userDoc(u *roster.User, active bool, opt docOptions) map[string]any {
	var attrs map[string]any
	json.Unmarshal(u.Attributes, &attrs)
	doc := map[string]any{"userName": u.UserName, "externalId": u.ID, "active": active}
	if opt.enterprise {
		src, _ := attrs[enterpriseSchema].(map[string]any)
		ext := pick(src, enterpriseKeys)
		if id := managerID(attrs); id != "" && opt.manager != nil {
			if target := opt.manager(id); target != "" {
				ext["manager"] = map[string]any{"value": target}
			}
		}
		if len(ext) > 0 {
			doc[enterpriseSchema] = ext
		}
	}
	if u.DisplayName != "" {
		doc["displayName"] = u.DisplayName
	}
	if t, _ := attrs["title"].(string); t != "" {
		doc["title"] = t
	}
	if n, _ := attrs["name"].(map[string]any); n != nil {
		if name := pick(n, nameKeys); len(name) > 0 {
			doc["name"] = name
		}
	}
	if es, _ := attrs["emails"].([]any); len(es) > 0 {
		var emails []any
		for _, e := range es {
			if m, _ := e.(map[string]any); m != nil && m["value"] != nil {
				emails = append(emails, pick(m, emailKeys))
			}
		}
		if len(emails) > 0 {
			doc["emails"] = emails
		}
	}
	return doc
}

func pick(m map[string]any, keys []string) map[string]any {
	out := map[string]any{}
	for _, k := range keys {
		if v, ok := m[k]; ok && v != nil && v != "" {
			out[k] = v
		}
	}
	return out
}

// hashDoc is the fingerprint of a pushed document (encoding/json sorts map
// keys, so equal documents hash alike).
func hashDoc(doc map[string]any) string {
	b, _ := json.Marshal(doc)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

// contains reports whether got holds everything of want: every key of a
// map (got may have more: servers add sub-attributes such as display),
// every element of an array in order, equal scalars.
func contains(want, got any) bool {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return false
		}
		for k, v := range w {
			if !contains(v, g[k]) {
				return false
			}
		}
		return true
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return false
		}
		for i := range w {
			if !contains(w[i], g[i]) {
				return false
			}
		}
		return true
	case bool:
		// A target that leaves primary out means false.
		g, _ := got.(bool)
		return g == w
	default:
		return want == got
	}
}

// differences are the mapped attributes of the target's resource that are
// not as they should be (nil target: all of them); a key absent from want
// but present in the target is to be removed.
func differences(want, target map[string]any) []string {
	var out []string
	for _, k := range mappedKeys {
		w, inWant := want[k]
		g, inTarget := target[k]
		switch {
		case target == nil && inWant:
			out = append(out, k)
		case target == nil:
		case inWant && k == "userName":
			if s, _ := g.(string); !strings.EqualFold(s, w.(string)) {
				out = append(out, k)
			}
		case inWant && !contains(w, g):
			out = append(out, k)
		case !inWant && inTarget && g != nil && k != "externalId":
			out = append(out, k)
		}
	}
	return out
}

// patchOps are the operations that bring the attributes keys of the
// target in line with want.
func patchOps(want map[string]any, keys []string) map[string]any {
	ops := make([]map[string]any, 0, len(keys))
	for _, k := range keys {
		if k == enterpriseSchema {
			ops = append(ops, enterpriseOps(want)...)
			continue
		}
		if v, ok := want[k]; ok {
			ops = append(ops, map[string]any{"op": "replace", "path": k, "value": v})
		} else {
			ops = append(ops, map[string]any{"op": "remove", "path": k})
		}
	}
	return map[string]any{"schemas": []string{patchSchema}, "Operations": ops}
}

// enterpriseOps bring the enterprise extension in line one attribute at
// a time (its path urn:…:User:department and so on): a replace for what
// want has, a remove for the rest, so that an attribute Roster no longer
// has goes in the target too, without a replace of the whole extension
// that would take the application's own attributes of it.
func enterpriseOps(want map[string]any) []map[string]any {
	ext, _ := want[enterpriseSchema].(map[string]any)
	var ops []map[string]any
	for _, k := range append(slices.Clone(enterpriseKeys), "manager") {
		path := enterpriseSchema + ":" + k
		if v, ok := ext[k]; ok {
			ops = append(ops, map[string]any{"op": "replace", "path": path, "value": v})
		} else {
			ops = append(ops, map[string]any{"op": "remove", "path": path})
		}
	}
	return ops
}

// fullDoc is want as a whole resource, for POST and PUT: the target's own
// attributes (base, nil for none) kept except the mapped ones.
func fullDoc(want, base map[string]any) map[string]any {
	doc := map[string]any{}
	for k, v := range base {
		switch k {
		case "id", "meta", "groups":
			continue
		}
		doc[k] = v
	}
	for _, k := range mappedKeys {
		delete(doc, k)
		if v, ok := want[k]; ok {
			doc[k] = v
		}
	}
	schemas := []any{userSchema}
	if s, ok := base["schemas"].([]any); ok && len(s) > 0 {
		schemas = s // the target's extensions stay declared
	}
	if _, ok := want[enterpriseSchema]; ok && !slices.Contains(schemas, any(enterpriseSchema)) {
		schemas = append(slices.Clone(schemas), enterpriseSchema)
	}
	doc["schemas"] = schemas
	return doc
}
