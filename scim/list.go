package scim

import (
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/rosterhq/roster"
)

// Paging defaults. A count above MaxResults is capped, not refused (RFC 7644
// §3.4.2.4 lets the server return fewer results than asked for).
const (
	DefaultCount = 100
	MaxResults   = 1000
)

// ListRequest is a parsed list or search request.
type ListRequest struct {
	Query      roster.Query
	Projection *Projection
}

// ParseListQuery reads the query parameters of GET /Users or GET /Groups.
// Parameter names are matched case-insensitively, as some clients send
// startindex.
func (rt *ResourceType) ParseListQuery(q url.Values) (*ListRequest, error) {
	get := func(name string) string {
		if v := q[name]; len(v) > 0 {
			return v[0] // the exact name first: map order must not decide
		}
		for _, k := range slices.Sorted(maps.Keys(q)) {
			if v := q[k]; strings.EqualFold(k, name) && len(v) > 0 {
				return v[0]
			}
		}
		return ""
	}
	return rt.parseList(get("filter"), get("sortBy"), get("sortOrder"), get("startIndex"), get("count"),
		get("attributes"), get("excludedAttributes"))
}

func (rt *ResourceType) parseList(filterText, sortBy, sortOrder, startIndex, count, attributes, excluded string) (*ListRequest, error) {
	req := &ListRequest{Query: roster.Query{StartIndex: 1, Count: DefaultCount}}
	var err error
	if strings.TrimSpace(filterText) != "" {
		if req.Query.Filter, err = rt.ParseFilter(filterText); err != nil {
			return nil, err
		}
	}
	if startIndex != "" {
		n, err := strconv.Atoi(strings.TrimSpace(startIndex))
		if err != nil {
			return nil, roster.Invalidf(roster.ScimInvalidValue, "startIndex must be a whole number, not %q", startIndex)
		}
		req.Query.StartIndex = max(n, 1) // RFC 7644 §3.4.2.4: less than 1 means 1
	}
	if count != "" {
		n, err := strconv.Atoi(strings.TrimSpace(count))
		if err != nil {
			return nil, roster.Invalidf(roster.ScimInvalidValue, "count must be a whole number, not %q", count)
		}
		req.Query.Count = min(max(n, 0), MaxResults) // negative means 0
	}
	if sortBy != "" {
		attr, err := rt.ParseSortBy(sortBy)
		if err != nil {
			return nil, err
		}
		req.Query.SortBy = &attr
	}
	switch strings.ToLower(strings.TrimSpace(sortOrder)) {
	case "", "ascending":
	case "descending":
		req.Query.Descending = true
	default:
		return nil, roster.Invalidf(roster.ScimInvalidValue, "sortOrder must be ascending or descending, not %q", sortOrder)
	}
	req.Projection = rt.ParseProjection(attributes, excluded)
	return req, nil
}

// ParseSortBy resolves a sortBy attribute: any singular attribute or
// sub-attribute that has a value to order by. A multi-valued attribute
// sorts by its primary value (emails sorts by the primary email).
func (rt *ResourceType) ParseSortBy(path string) (roster.Attr, error) {
	t, err := rt.parseAttrPath(path)
	if err != nil {
		return roster.Attr{}, roster.Invalidf(roster.ScimInvalidValue, "sortBy: %s", roster.AsError(err).Detail)
	}
	if t.attr.rows || t.leaf().Returned == ReturnedNever {
		return roster.Attr{}, roster.Invalidf(roster.ScimInvalidValue, "sortBy: %s cannot be sorted by", t)
	}
	if t.sub == nil && t.attr.Type == roster.TypeComplex {
		if t.sub = t.attr.Sub("value"); t.sub == nil {
			return roster.Attr{}, roster.Invalidf(roster.ScimInvalidValue, "sortBy: %s is complex; sort by one of its sub-attributes (%s)", t, attrNames(t.attr.SubAttributes))
		}
	}
	return t.ref(), nil
}

// parseAttrPath resolves a plain attribute path (no value filter).
func (rt *ResourceType) parseAttrPath(path string) (target, error) {
	pp, err := rt.parsePatchPath(strings.TrimSpace(path))
	if err != nil {
		return target{}, err
	}
	if pp.filter != nil {
		return target{}, roster.Invalidf(roster.ScimInvalidPath, "%q: a value filter is not allowed here", path)
	}
	return pp.t, nil
}

// ListHead writes the start of a ListResponse up to the opening of the
// Resources array; the caller appends the resources and then ListTail.
func ListHead(dst []byte, total, itemsPerPage, startIndex int) []byte {
	dst = append(dst, `{"schemas":["`+ListResponseSchema+`"],"totalResults":`...)
	dst = strconv.AppendInt(dst, int64(total), 10)
	dst = append(dst, `,"itemsPerPage":`...)
	dst = strconv.AppendInt(dst, int64(itemsPerPage), 10)
	dst = append(dst, `,"startIndex":`...)
	dst = strconv.AppendInt(dst, int64(startIndex), 10)
	return append(dst, `,"Resources":[`...)
}

// ListTail closes what ListHead opened.
func ListTail(dst []byte) []byte { return append(dst, "]}"...) }
