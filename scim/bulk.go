package scim

import (
	"strconv"
	"strings"

	"github.com/rosterhq/roster"
)

// Bulk limits, advertised in ServiceProviderConfig and enforced.
const (
	MaxBulkOperations = 1000
	MaxBulkPayload    = 4 << 20
)

// BulkOperation is one operation of a bulk request (RFC 7644 §3.7).
type BulkOperation struct {
	Method  string // POST, PUT, PATCH or DELETE
	BulkID  string
	Version string // an entity tag, sent as If-Match
	Path    string // "/Users", "/Groups/{id}", ...
	Data    map[string]any
}

// BulkRequest is a parsed bulk request.
type BulkRequest struct {
	FailOnErrors int // stop after this many errors; 0: never
	Operations   []BulkOperation
}

// ParseBulk reads a BulkRequest body and checks every operation's shape;
// it does not run them.
func ParseBulk(body map[string]any) (*BulkRequest, error) {
	req := &BulkRequest{}
	var raw []any
	for k, v := range body {
		switch strings.ToLower(k) {
		case "schemas":
			if err := checkSchemas(v); err != nil {
				return nil, err
			}
		case "failonerrors":
			s, err := searchNumber(k, v)
			if err != nil {
				return nil, err
			}
			if s != "" {
				n, ok := wholeNumber(s)
				if !ok || n < 0 {
					return nil, roster.Invalidf(roster.ScimInvalidValue, "failOnErrors must be a whole number of errors, not %s", s)
				}
				req.FailOnErrors = n
			}
		case "operations":
			list, ok := v.([]any)
			if !ok {
				return nil, roster.Invalidf(roster.ScimInvalidSyntax, "Operations must be an array, not %s", jsonKind(v))
			}
			raw = list
		default:
			return nil, roster.Invalidf(roster.ScimInvalidSyntax, "a BulkRequest has schemas, failOnErrors and Operations; %q is not allowed", k)
		}
	}
	if len(raw) == 0 {
		return nil, roster.Invalidf(roster.ScimInvalidSyntax, "a BulkRequest needs Operations: a non-empty array")
	}
	if len(raw) > MaxBulkOperations {
		return nil, roster.Errorf(roster.ETooLarge, roster.ScimTooMany, "the bulk request has %d operations; the limit is %d", len(raw), MaxBulkOperations)
	}
	seen := map[string]bool{}
	for i, item := range raw {
		op, err := parseBulkOperation(i, item)
		if err != nil {
			return nil, err
		}
		if op.BulkID != "" {
			if seen[op.BulkID] {
				return nil, roster.Invalidf(roster.ScimInvalidValue, "Operations[%d]: bulkId %q is used twice", i, op.BulkID)
			}
			seen[op.BulkID] = true
		}
		req.Operations = append(req.Operations, op)
	}
	return req, nil
}

func wholeNumber(s string) (int, bool) {
	n, err := strconv.Atoi(s)
	return n, err == nil
}

func parseBulkOperation(i int, item any) (BulkOperation, error) {
	var op BulkOperation
	obj, ok := item.(map[string]any)
	if !ok {
		return op, roster.Invalidf(roster.ScimInvalidSyntax, "Operations[%d] must be an object, not %s", i, jsonKind(item))
	}
	for k, v := range obj {
		var err error
		switch strings.ToLower(k) {
		case "method":
			op.Method, err = searchString(k, v)
			op.Method = strings.ToUpper(op.Method)
		case "bulkid":
			op.BulkID, err = searchString(k, v)
		case "version":
			op.Version, err = searchString(k, v)
		case "path":
			op.Path, err = searchString(k, v)
		case "data":
			if v != nil {
				if op.Data, ok = v.(map[string]any); !ok {
					err = roster.Invalidf(roster.ScimInvalidSyntax, "data must be an object, not %s", jsonKind(v))
				}
			}
		default:
			err = roster.Invalidf(roster.ScimInvalidSyntax, "an operation has method, bulkId, version, path and data; %q is not allowed", k)
		}
		if err != nil {
			e := roster.AsError(err)
			e.Detail = "Operations[" + strconv.Itoa(i) + "]: " + e.Detail
			return op, e
		}
	}
	fail := func(format string, args ...any) (BulkOperation, error) {
		e := roster.Invalidf(roster.ScimInvalidValue, format, args...)
		e.Detail = "Operations[" + strconv.Itoa(i) + "]: " + e.Detail
		return op, e
	}
	kind, id, _ := strings.Cut(strings.TrimPrefix(op.Path, "/"), "/")
	if ResourceTypeByName(strings.TrimSuffix(kind, "s")) == nil || strings.Contains(id, "/") {
		return fail("path must be /Users, /Groups, /Users/{id} or /Groups/{id}, not %q", op.Path)
	}
	switch op.Method {
	case "POST":
		if id != "" {
			return fail("POST goes to /Users or /Groups, not %q", op.Path)
		}
		if op.BulkID == "" {
			return fail("a POST needs a bulkId, so that its result can be matched and referenced")
		}
	case "PUT", "PATCH", "DELETE":
		if id == "" {
			return fail("%s needs a resource: /Users/{id} or /Groups/{id}", op.Method)
		}
	default:
		return fail("method must be POST, PUT, PATCH or DELETE, not %q", op.Method)
	}
	if op.Method != "DELETE" && op.Data == nil {
		return fail("%s needs data", op.Method)
	}
	return op, nil
}

// bulkRefPrefix marks a reference to another operation's resource.
const bulkRefPrefix = "bulkId:"

// References lists the bulkIds the operation's path and data refer to.
func (op *BulkOperation) References() []string {
	var refs []string
	add := func(s string) {
		if ref, ok := strings.CutPrefix(s, bulkRefPrefix); ok && ref != "" {
			refs = append(refs, ref)
		}
	}
	_, id, _ := strings.Cut(strings.TrimPrefix(op.Path, "/"), "/")
	add(id)
	walkStrings(op.Data, add)
	return refs
}

// Resolve replaces every "bulkId:x" in path and data by the ID the
// operation with bulkId x created.
func (op *BulkOperation) Resolve(ids map[string]string) {
	swap := func(s string) string {
		if ref, ok := strings.CutPrefix(s, bulkRefPrefix); ok {
			if id, ok := ids[ref]; ok {
				return id
			}
		}
		return s
	}
	kind, id, found := strings.Cut(strings.TrimPrefix(op.Path, "/"), "/")
	if found {
		op.Path = "/" + kind + "/" + swap(id)
	}
	op.Data, _ = mapStrings(op.Data, swap).(map[string]any)
}

func walkStrings(v any, fn func(string)) {
	switch v := v.(type) {
	case string:
		fn(v)
	case map[string]any:
		for _, e := range v {
			walkStrings(e, fn)
		}
	case []any:
		for _, e := range v {
			walkStrings(e, fn)
		}
	}
}

func mapStrings(v any, fn func(string) string) any {
	switch v := v.(type) {
	case string:
		return fn(v)
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = mapStrings(e, fn)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = mapStrings(e, fn)
		}
		return out
	}
	return v
}
