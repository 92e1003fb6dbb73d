package scim

import (
	"encoding/json"
	"strings"

	"github.com/rosterhq/roster"
)

// DecodeSearch decodes and reads the body of POST /.search. It is Decode
// followed by ParseSearch, except that a NUL in the filter is what it is in
// a query string, an invalid filter (invalidFilter); a NUL anywhere else is
// an invalid value.
func DecodeSearch(body []byte) (ListParams, error) {
	obj, err := decodeObject(body)
	if err != nil {
		return ListParams{}, err
	}
	for k, v := range obj {
		if s, ok := v.(string); ok && strings.EqualFold(k, "filter") && !roster.IsText(s) {
			return ListParams{}, roster.Invalidf(roster.ScimInvalidFilter, "the filter holds a NUL character (\\u0000), which no attribute can contain")
		}
	}
	if !roster.IsTextValue(obj) {
		return ListParams{}, roster.Invalidf(roster.ScimInvalidValue, "the request body holds a NUL character (\\u0000), which no parameter may contain")
	}
	if err := checkNumbers(obj); err != nil {
		return ListParams{}, err
	}
	return ParseSearch(obj)
}

// ParseSearch reads the body of POST /.search (a SearchRequest, RFC 7644
// §3.4.3, with RFC 9865's cursor) into the parameters a GET would carry.
func ParseSearch(body map[string]any) (ListParams, error) {
	var p ListParams
	for k, v := range body {
		var err error
		switch strings.ToLower(k) {
		case "schemas":
			err = checkSchemas(v)
		case "filter":
			p.Filter, err = searchString(k, v)
		case "sortby":
			p.SortBy, err = searchString(k, v)
		case "sortorder":
			p.SortOrder, err = searchString(k, v)
		case "startindex":
			p.StartIndex, err = searchNumber(k, v)
		case "count":
			p.Count, err = searchNumber(k, v)
		case "attributes":
			p.Attributes, err = searchList(k, v)
		case "excludedattributes":
			p.ExcludedAttributes, err = searchList(k, v)
		case "cursor":
			var c string
			c, err = searchString(k, v)
			p.Cursor = &c
		default:
			err = roster.Invalidf(roster.ScimInvalidSyntax, "a SearchRequest has no member %q; it has filter, sortBy, sortOrder, startIndex, count, cursor, attributes and excludedAttributes", k)
		}
		if err != nil {
			return p, err
		}
	}
	return p, nil
}

func searchString(k string, v any) (string, error) {
	if v == nil {
		return "", nil
	}
	s, ok := v.(string)
	if !ok {
		return "", roster.Invalidf(roster.ScimInvalidValue, "%s must be a string, not %s", k, jsonKind(v))
	}
	return s, nil
}

func searchNumber(k string, v any) (string, error) {
	switch v := v.(type) {
	case nil:
		return "", nil
	case json.Number:
		return v.String(), nil
	case string:
		return v, nil
	}
	return "", roster.Invalidf(roster.ScimInvalidValue, "%s must be a number, not %s", k, jsonKind(v))
}

// searchList accepts attributes as an array of names or, leniently, as a
// comma-separated string.
func searchList(k string, v any) (string, error) {
	switch v := v.(type) {
	case nil:
		return "", nil
	case string:
		return v, nil
	case []any:
		names := make([]string, 0, len(v))
		for _, e := range v {
			s, ok := e.(string)
			if !ok {
				return "", roster.Invalidf(roster.ScimInvalidValue, "%s must list attribute names, not %s", k, jsonKind(e))
			}
			names = append(names, s)
		}
		return strings.Join(names, ","), nil
	}
	return "", roster.Invalidf(roster.ScimInvalidValue, "%s must be an array of attribute names, not %s", k, jsonKind(v))
}
