package scim

import "strings"

// Discovery documents (RFC 7644 §4). They are built from the same schema
// values that drive validation, so they describe exactly what the server
// does.

// Features is what a server advertises in its ServiceProviderConfig.
type Features struct {
	MaxResults     int
	BulkOperations int // 0: Bulk not supported
	BulkPayload    int
	Cursor         bool // RFC 9865 cursor pagination
}

// ServiceProviderConfig returns the /ServiceProviderConfig document.
func ServiceProviderConfig(base string, f Features) map[string]any {
	spc := map[string]any{
		"schemas":          []string{SPConfigSchema},
		"documentationUri": "https://github.com/rosterhq/roster#readme",
		"patch":            map[string]any{"supported": true},
		"bulk": map[string]any{
			"supported":      f.BulkOperations > 0,
			"maxOperations":  f.BulkOperations,
			"maxPayloadSize": f.BulkPayload,
		},
		"filter":         map[string]any{"supported": true, "maxResults": f.MaxResults},
		"changePassword": map[string]any{"supported": false},
		"sort":           map[string]any{"supported": true},
		"etag":           map[string]any{"supported": true},
		"authenticationSchemes": []any{map[string]any{
			"type":        "oauthbearertoken",
			"name":        "OAuth Bearer Token",
			"description": "The directory's API token, sent as Authorization: Bearer <token>.",
			"primary":     true,
		}},
		"meta": map[string]any{"resourceType": "ServiceProviderConfig", "location": base + "/ServiceProviderConfig"},
	}
	if f.Cursor {
		spc["pagination"] = map[string]any{
			"cursor":                  true,
			"index":                   true,
			"defaultPaginationMethod": "index",
			"defaultPageSize":         DefaultCount,
			"maxPageSize":             f.MaxResults,
			"cursorTimeout":           0,
		}
	}
	return spc
}

// ResourceTypeDoc returns one /ResourceTypes entry.
func ResourceTypeDoc(base string, rt *ResourceType) map[string]any {
	exts := []any{}
	for _, e := range rt.Extensions {
		exts = append(exts, map[string]any{"schema": e.ID, "required": false})
	}
	return map[string]any{
		"schemas":          []string{ResourceTypeSchema},
		"id":               rt.Name,
		"name":             rt.Name,
		"endpoint":         rt.Endpoint,
		"description":      rt.Description,
		"schema":           rt.Schema.ID,
		"schemaExtensions": exts,
		"meta":             map[string]any{"resourceType": "ResourceType", "location": base + "/ResourceTypes/" + rt.Name},
	}
}

// SchemaDoc returns one /Schemas entry.
func SchemaDoc(base string, s *Schema) map[string]any {
	return map[string]any{
		"schemas":     []string{SchemaSchema},
		"id":          s.ID,
		"name":        s.Name,
		"description": s.Description,
		"attributes":  s.Attributes,
		"meta":        map[string]any{"resourceType": "Schema", "location": base + "/Schemas/" + s.ID},
	}
}

// SchemaByURN returns a published schema by URN (any case), or nil.
func SchemaByURN(urn string) *Schema {
	for _, s := range Schemas() {
		if strings.EqualFold(s.ID, urn) {
			return s
		}
	}
	return nil
}
