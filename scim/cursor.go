package scim

import (
	"encoding/base64"
	"encoding/binary"
	"hash/crc32"
	"strings"

	"github.com/rosterhq/roster"
)

// Cursors (RFC 9865) are opaque to clients but hold no secret and no state
// on the server: a version byte, the direction, the position of the page's
// last (or first) resource, the total counted when the walk began, and a
// fingerprint of the query they were issued for. They are base64url, so
// they use only URL-unreserved characters, and they never expire: a walk
// may pause for as long as it likes.

const cursorVersion = 1

const (
	cursorNext = 'n'
	cursorPrev = 'p'
)

// useCursor sets up cursor paging from the cursor parameter.
func (req *ListRequest) useCursor(rt *ResourceType, p ListParams) error {
	if req.Query.SortBy != nil {
		return roster.Invalidf(roster.ScimInvalidValue,
			"cursor pagination walks resources in the order they were created, which is what makes it stable while the directory changes; it cannot be combined with sortBy (use startIndex for sorted pages)")
	}
	if p.StartIndex != "" {
		return roster.Invalidf(roster.ScimInvalidValue, "give cursor or startIndex, not both")
	}
	if req.Query.Count == 0 && p.Count != "" {
		return roster.Invalidf("invalidCount", "count must be between 1 and %d with cursor pagination", MaxResults)
	}
	req.fingerprint = fingerprint(rt, p)
	req.Query.StartIndex = 0
	token := strings.TrimSpace(*p.Cursor)
	if token == "" {
		req.Query.Cursor = &roster.Cursor{Total: true}
		return nil
	}
	c, total, fp, ok := decodeCursor(token)
	if !ok {
		return roster.Invalidf(roster.ScimInvalidCursor, "the cursor %q is not one Roster issued; start again with an empty cursor", token)
	}
	if fp != req.fingerprint {
		return roster.Invalidf(roster.ScimInvalidCursor, "the cursor was issued for a different query; send the same filter, sortOrder and type as on the first page")
	}
	req.Query.Cursor = c
	req.carriedTotal = total
	return nil
}

// fingerprint identifies the query a cursor belongs to: its resource type
// and what selects and orders the resources (not count or attributes,
// which may change from page to page).
func fingerprint(rt *ResourceType, p ListParams) uint32 {
	return crc32.ChecksumIEEE([]byte(rt.Name + "\x00" + strings.TrimSpace(p.Filter) + "\x00" + strings.ToLower(strings.TrimSpace(p.SortOrder))))
}

func (req *ListRequest) cursor(dir byte, position int64, total int) string {
	buf := []byte{cursorVersion, dir}
	buf = binary.AppendUvarint(buf, uint64(position))
	buf = binary.AppendUvarint(buf, uint64(total+1)) // 0: unknown
	buf = binary.BigEndian.AppendUint32(buf, req.fingerprint)
	return base64.RawURLEncoding.EncodeToString(buf)
}

func decodeCursor(token string) (c *roster.Cursor, total int, fp uint32, ok bool) {
	buf, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(buf) < 2+1+1+4 || buf[0] != cursorVersion {
		return nil, 0, 0, false
	}
	dir := buf[1]
	pos, n := binary.Uvarint(buf[2:])
	// A next cursor may stand at 0, before everything (the one after an
	// empty backwards page at the start); a previous cursor at 0 would
	// have nothing before it.
	if n <= 0 || pos == 0 && dir != cursorNext || pos > 1<<62 {
		return nil, 0, 0, false
	}
	rest := buf[2+n:]
	t, m := binary.Uvarint(rest)
	if m <= 0 || t > 1<<40 || len(rest[m:]) != 4 {
		return nil, 0, 0, false
	}
	fp = binary.BigEndian.Uint32(rest[m:])
	switch dir {
	case cursorNext:
		c = &roster.Cursor{After: int64(pos)}
	case cursorPrev:
		c = &roster.Cursor{Before: int64(pos)}
	default:
		return nil, 0, 0, false
	}
	return c, int(t) - 1, fp, true
}
