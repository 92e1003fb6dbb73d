package scim

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rosterhq/roster"
)

// MarshalDoc encodes a normalized document the way the store keeps it:
// compact JSON with sorted keys.
func MarshalDoc(doc map[string]any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		// A normalized document holds only maps, slices, strings, bools and
		// json.Numbers, all of which encode.
		panic("scim: cannot encode a normalized document: " + err.Error())
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// UnmarshalDoc decodes a stored document.
func UnmarshalDoc(b []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var doc map[string]any
	err := dec.Decode(&doc)
	return doc, err
}

// UserFromDoc sets u's attributes, and the fields the store indexes, from a
// normalized User document.
func UserFromDoc(doc map[string]any, u *roster.User) {
	u.UserName, _ = doc["userName"].(string)
	u.ExternalID, _ = doc["externalId"].(string)
	u.DisplayName, _ = doc["displayName"].(string)
	active, set := doc["active"].(bool)
	u.Active = active || !set // a user is active unless told otherwise
	u.Email = accountEmail(doc, u.UserName)
	u.Attributes = MarshalDoc(doc)
}

// accountEmail is the address that decides whether the organization
// manages the account: the primary email, else the first, else the
// userName when it is an address.
func accountEmail(doc map[string]any, userName string) string {
	emails, _ := doc["emails"].([]any)
	first := ""
	for _, e := range emails {
		m, _ := e.(map[string]any)
		v, _ := m["value"].(string)
		if v == "" {
			continue
		}
		if m["primary"] == true {
			return v
		}
		if first == "" {
			first = v
		}
	}
	if first == "" && strings.Contains(userName, "@") {
		return userName
	}
	return first
}

// GroupFromDoc does for a Group what UserFromDoc does for a User.
func GroupFromDoc(doc map[string]any, g *roster.Group) {
	g.DisplayName, _ = doc["displayName"].(string)
	g.ExternalID, _ = doc["externalId"].(string)
	g.Attributes = MarshalDoc(doc)
}

// Encoder writes resources as the clients of one directory see them.
type Encoder struct {
	// Base is the directory's SCIM base URL without a trailing slash; meta
	// locations and $refs are built on it.
	Base string
}

// Location returns the URL of a resource.
func (e Encoder) Location(rt *ResourceType, id string) string {
	return e.Base + rt.Endpoint + "/" + id
}

// AppendUser appends the JSON of u to dst. groups are u's groups (nil if the
// projection does not return them).
func (e Encoder) AppendUser(dst []byte, u *roster.User, groups []roster.GroupRef, p *Projection) ([]byte, error) {
	if p.KeepsDocument(UserType) {
		dst = appendHead(dst, u.ID, u.Attributes)
		if len(groups) > 0 && p.Wants(UserType, "groups") {
			dst = append(dst, `,"groups":[`...)
			for i, g := range groups {
				if i > 0 {
					dst = append(dst, ',')
				}
				dst = e.appendGroupRef(dst, g)
			}
			dst = append(dst, ']')
		}
		return e.appendTail(dst, UserType, u.ID, u.Created, u.LastModified, u.Version), nil
	}
	full, err := e.fullResource(UserType, u.ID, u.Attributes, u.Created, u.LastModified, u.Version)
	if err != nil {
		return dst, err
	}
	if len(groups) > 0 {
		list := make([]any, len(groups))
		for i, g := range groups {
			list[i] = e.groupRefMap(g)
		}
		full["groups"] = list
	}
	p.Apply(UserType, full)
	return append(dst, MarshalDoc(full)...), nil
}

// Writer is where groups are written: a bytes.Buffer or a bufio.Writer on
// the response.
type Writer interface {
	io.Writer
	io.ByteWriter
	io.StringWriter
}

// MemberSource streams a group's members into fn; see roster.Store.ListMembers.
type MemberSource func(fn func(roster.Member) error) error

// WriteGroup writes the JSON of g to w. members streams the members when
// the projection returns them; a group of a million members is written
// without holding them in memory.
func (e Encoder) WriteGroup(w Writer, g *roster.Group, members MemberSource, p *Projection) error {
	wantMembers := members != nil && p.Wants(GroupType, "members")
	if !p.KeepsDocument(GroupType) {
		return e.writeProjectedGroup(w, g, members, wantMembers, p)
	}
	w.Write(appendHead(nil, g.ID, g.Attributes))
	if wantMembers {
		n := 0
		var buf []byte
		err := members(func(m roster.Member) error {
			if n == 0 {
				w.WriteString(`,"members":[`)
			} else {
				w.WriteByte(',')
			}
			n++
			buf = e.appendMember(buf[:0], m)
			w.Write(buf)
			return nil
		})
		if err != nil {
			return err
		}
		if n > 0 {
			w.WriteByte(']')
		}
	}
	w.Write(e.appendTail(nil, GroupType, g.ID, g.Created, g.LastModified, g.Version))
	return nil
}

func (e Encoder) writeProjectedGroup(w Writer, g *roster.Group, members MemberSource, wantMembers bool, p *Projection) error {
	full, err := e.fullResource(GroupType, g.ID, g.Attributes, g.Created, g.LastModified, g.Version)
	if err != nil {
		return err
	}
	if wantMembers {
		var list []any
		err := members(func(m roster.Member) error {
			list = append(list, e.memberMap(m))
			return nil
		})
		if err != nil {
			return err
		}
		if len(list) > 0 {
			full["members"] = list
		}
	}
	p.Apply(GroupType, full)
	w.Write(MarshalDoc(full))
	return nil
}

// appendHead and appendTail write {"id":…,<stored attributes> and
// ,"meta":{…}} around whatever derived attributes go between them. The
// stored attributes are copied, not decoded: this is the hot path of every
// lookup.
func appendHead(dst []byte, id string, attrs []byte) []byte {
	dst = append(dst, `{"id":`...)
	dst = appendJSONString(dst, id)
	if outer := bytes.TrimSpace(attrs); len(outer) > 2 {
		// A store may keep an empty object as "{ }".
		if inner := bytes.TrimSpace(outer[1 : len(outer)-1]); len(inner) > 0 {
			dst = append(dst, ',')
			dst = append(dst, inner...)
		}
	}
	return dst
}

func (e Encoder) appendTail(dst []byte, rt *ResourceType, id string, created, modified time.Time, version int64) []byte {
	dst = append(dst, `,"meta":`...)
	dst = e.appendMeta(dst, rt, id, created, modified, version)
	return append(dst, '}')
}

func (e Encoder) appendMeta(dst []byte, rt *ResourceType, id string, created, modified time.Time, version int64) []byte {
	dst = append(dst, `{"resourceType":`...)
	dst = appendJSONString(dst, rt.Name)
	dst = append(dst, `,"created":"`...)
	dst = append(dst, FormatTime(created)...)
	dst = append(dst, `","lastModified":"`...)
	dst = append(dst, FormatTime(modified)...)
	dst = append(dst, `","location":`...)
	dst = appendJSONString(dst, e.Location(rt, id))
	dst = append(dst, `,"version":`...)
	dst = appendJSONString(dst, ETag(version))
	return append(dst, '}')
}

func (e Encoder) fullResource(rt *ResourceType, id string, attrs []byte, created, modified time.Time, version int64) (map[string]any, error) {
	full, err := UnmarshalDoc(attrs)
	if err != nil {
		return nil, err
	}
	full["id"] = id
	full["meta"] = map[string]any{
		"resourceType": rt.Name,
		"created":      FormatTime(created),
		"lastModified": FormatTime(modified),
		"location":     e.Location(rt, id),
		"version":      ETag(version),
	}
	return full, nil
}

func (e Encoder) appendGroupRef(dst []byte, g roster.GroupRef) []byte {
	dst = append(dst, `{"value":`...)
	dst = appendJSONString(dst, g.ID)
	dst = append(dst, `,"$ref":`...)
	dst = appendJSONString(dst, e.Location(GroupType, g.ID))
	if g.Display != "" {
		dst = append(dst, `,"display":`...)
		dst = appendJSONString(dst, g.Display)
	}
	dst = append(dst, `,"type":`...)
	return append(appendJSONString(dst, groupRefType(g)), '}')
}

func (e Encoder) groupRefMap(g roster.GroupRef) map[string]any {
	m := map[string]any{"value": g.ID, "$ref": e.Location(GroupType, g.ID), "type": groupRefType(g)}
	if g.Display != "" {
		m["display"] = g.Display
	}
	return m
}

func groupRefType(g roster.GroupRef) string {
	if g.Direct {
		return "direct"
	}
	return "indirect"
}

func (e Encoder) appendMember(dst []byte, m roster.Member) []byte {
	dst = append(dst, `{"value":`...)
	dst = appendJSONString(dst, m.ID)
	dst = append(dst, `,"$ref":`...)
	dst = appendJSONString(dst, e.memberLocation(m))
	dst = append(dst, `,"type":`...)
	dst = appendJSONString(dst, m.Type)
	if m.Display != "" {
		dst = append(dst, `,"display":`...)
		dst = appendJSONString(dst, m.Display)
	}
	return append(dst, '}')
}

func (e Encoder) memberMap(m roster.Member) map[string]any {
	out := map[string]any{"value": m.ID, "$ref": e.memberLocation(m), "type": m.Type}
	if m.Display != "" {
		out["display"] = m.Display
	}
	return out
}

func (e Encoder) memberLocation(m roster.Member) string {
	if m.Type == roster.MemberGroup {
		return e.Location(GroupType, m.ID)
	}
	return e.Location(UserType, m.ID)
}

// appendJSONString appends s as a JSON string. Identifiers and URLs need no
// escaping and are copied; anything else goes through encoding/json.
func appendJSONString(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= utf8.RuneSelf || c == '<' || c == '>' || c == '&' {
			b, _ := json.Marshal(s)
			return append(dst, b...)
		}
	}
	dst = append(dst, '"')
	dst = append(dst, s...)
	return append(dst, '"')
}
