package scim

import (
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

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

	// For cursor pages (RFC 9865): what a cursor must have been issued
	// for, and the total it carries from the walk's first page.
	fingerprint  uint32
	carriedTotal int
}

// ListParams are a list request's parameters as the client wrote them, in
// a query string or a SearchRequest body.
type ListParams struct {
	Filter, SortBy, SortOrder, StartIndex, Count string
	Attributes, ExcludedAttributes               string
	// Cursor is nil without the cursor parameter; a pointer to "" asks
	// for the first page of a cursor walk.
	Cursor *string
}

// ParseListQuery reads the query parameters of GET /Users or GET /Groups.
// Parameter names are matched case-insensitively, as some clients send
// startindex.
func (rt *ResourceType) ParseListQuery(q url.Values) (*ListRequest, error) {
	lookup := func(name string) (string, bool) {
		if v, ok := q[name]; ok {
			return first(v), true // the exact name first: map order must not decide
		}
		for _, k := range slices.Sorted(maps.Keys(q)) {
			if strings.EqualFold(k, name) {
				return first(q[k]), true
			}
		}
		return "", false
	}
	get := func(name string) string {
		v, _ := lookup(name)
		return v
	}
	p := ListParams{Filter: get("filter"), SortBy: get("sortBy"), SortOrder: get("sortOrder"), StartIndex: get("startIndex"),
		Count: get("count"), Attributes: get("attributes"), ExcludedAttributes: get("excludedAttributes")}
	if c, ok := lookup("cursor"); ok {
		p.Cursor = &c
	}
	return rt.ParseList(p)
}

func first(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[0]
}

// ParseList checks a list request's parameters against rt.
func (rt *ResourceType) ParseList(p ListParams) (*ListRequest, error) {
	for name, v := range map[string]string{"filter": p.Filter, "sortBy": p.SortBy, "sortOrder": p.SortOrder, "startIndex": p.StartIndex,
		"count": p.Count, "attributes": p.Attributes, "excludedAttributes": p.ExcludedAttributes} {
		if !utf8.ValidString(v) {
			return nil, roster.Invalidf(roster.ScimInvalidValue, "%s is not valid UTF-8", name)
		}
	}
	if p.Cursor != nil && !utf8.ValidString(*p.Cursor) {
		return nil, roster.Invalidf(roster.ScimInvalidCursor, "cursor is not valid UTF-8")
	}
	req := &ListRequest{Query: roster.Query{StartIndex: 1, Count: DefaultCount}, carriedTotal: -1}
	var err error
	if strings.TrimSpace(p.Filter) != "" {
		if req.Query.Filter, err = rt.ParseFilter(p.Filter); err != nil {
			return nil, err
		}
	}
	if p.StartIndex != "" {
		n, err := strconv.Atoi(strings.TrimSpace(p.StartIndex))
		if err != nil {
			return nil, roster.Invalidf(roster.ScimInvalidValue, "startIndex must be a whole number, not %q", p.StartIndex)
		}
		req.Query.StartIndex = max(n, 1) // RFC 7644 §3.4.2.4: less than 1 means 1
	}
	if p.Count != "" {
		n, err := strconv.Atoi(strings.TrimSpace(p.Count))
		if err != nil {
			return nil, roster.Invalidf(roster.ScimInvalidValue, "count must be a whole number, not %q", p.Count)
		}
		req.Query.Count = min(max(n, 0), MaxResults) // negative means 0
	}
	if p.SortBy != "" {
		attr, err := rt.ParseSortBy(p.SortBy)
		if err != nil {
			return nil, err
		}
		req.Query.SortBy = &attr
	}
	switch strings.ToLower(strings.TrimSpace(p.SortOrder)) {
	case "", "ascending":
	case "descending":
		req.Query.Descending = true
	default:
		return nil, roster.Invalidf(roster.ScimInvalidValue, "sortOrder must be ascending or descending, not %q", p.SortOrder)
	}
	if p.Cursor != nil {
		if err := req.useCursor(rt, p); err != nil {
			return nil, err
		}
	}
	req.Projection = rt.ParseProjection(p.Attributes, p.ExcludedAttributes)
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

// Head writes the start of the ListResponse for a page of n resources, up
// to the opening of the Resources array; the caller appends the resources
// and then ListTail. Cursor pages carry nextCursor and previousCursor
// instead of startIndex; their total is the one counted when the walk
// began, and is left out when unknown.
func (req *ListRequest) Head(dst []byte, total, n int, first, last int64, hasPrev, hasNext bool) []byte {
	if req.Query.Cursor == nil {
		return ListHead(dst, total, n, req.Query.StartIndex)
	}
	if total < 0 {
		total = req.carriedTotal
	}
	dst = append(dst, `{"schemas":["`+ListResponseSchema+`"]`...)
	if total >= 0 {
		dst = append(dst, `,"totalResults":`...)
		dst = strconv.AppendInt(dst, int64(total), 10)
	}
	dst = append(dst, `,"itemsPerPage":`...)
	dst = strconv.AppendInt(dst, int64(n), 10)
	// An empty page has no first or last resource to point from; its
	// cursors point from where the page was asked for instead: after an
	// empty backwards page (what it stood before was deleted) the next page
	// starts at the resource the request stood before, and before an
	// empty forward page lies what the request came after.
	at := req.Query.Cursor
	if n == 0 {
		first, last = at.After+1, at.Before-1
	}
	if hasNext && last >= 0 {
		dst = append(dst, `,"nextCursor":"`...)
		dst = append(dst, req.cursor(cursorNext, last, total)...)
		dst = append(dst, '"')
	}
	if hasPrev && first > 1 {
		dst = append(dst, `,"previousCursor":"`...)
		dst = append(dst, req.cursor(cursorPrev, first, total)...)
		dst = append(dst, '"')
	}
	return append(dst, `,"Resources":[`...)
}

// ListHead writes the start of an index-paged ListResponse up to the
// opening of the Resources array.
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
