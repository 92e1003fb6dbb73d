package scimapi

import (
	"bufio"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/scim"
)

// members streams a group's members from the store.
func (s *Server) members(r *http.Request, c *call, groupID string) scim.MemberSource {
	return func(fn func(roster.Member) error) error {
		return s.store.ListMembers(r.Context(), c.tenant, groupID, fn)
	}
}

// pageMembers streams the members of a group of a list page. The page was
// read before its members are: a group deleted in between is written
// without members, as it would have been had the list been read a moment
// before the deletion, instead of breaking the whole response.
func (s *Server) pageMembers(r *http.Request, c *call, groupID string) scim.MemberSource {
	src := s.members(r, c, groupID)
	return func(fn func(roster.Member) error) error {
		if err := src(fn); roster.ErrorCodeOf(err) != roster.ENotFound {
			return err
		}
		return nil
	}
}

// streamed writes a response whose body is produced by write: a group of
// a million members is never held in memory. The status goes out with the
// first buffered chunk of the body, so that an error found before then (a
// group deleted since it was read) is still answered with a proper error;
// an error after that can only cut the response short.
func (s *Server) streamed(w http.ResponseWriter, r *http.Request, status int, write func(scim.Writer) error) error {
	w.Header().Set("Content-Type", scim.MediaType)
	out := &lazyStatus{w: w, status: status}
	bw := bufio.NewWriterSize(out, 32<<10)
	if err := write(bw); err != nil {
		if !out.started {
			// Nothing has been sent: the headers set for the resource do
			// not describe the error.
			w.Header().Del("ETag")
			w.Header().Del("Location")
			return err
		}
		s.log.ErrorContext(r.Context(), "response cut short", "method", r.Method, "path", r.URL.Path, "err", err)
		panic(http.ErrAbortHandler) // the client sees a broken response, not a truncated one that parses
	}
	bw.Flush() // a failure means the client went away
	if !out.started {
		w.WriteHeader(status)
	}
	return nil
}

// lazyStatus sends the status just before the first byte of the body.
type lazyStatus struct {
	w       http.ResponseWriter
	status  int
	started bool
}

func (l *lazyStatus) Write(p []byte) (int, error) {
	if !l.started {
		l.started = true
		l.w.WriteHeader(l.status)
	}
	return l.w.Write(p)
}

func (s *Server) writeGroup(w http.ResponseWriter, r *http.Request, c *call, status int, g *roster.Group) error {
	w.Header().Set("ETag", scim.ETag(g.Version))
	if status == http.StatusCreated {
		w.Header().Set("Location", c.enc.Location(scim.GroupType, g.ID))
	}
	p := projection(r, scim.GroupType)
	return s.streamed(w, r, status, func(bw scim.Writer) error {
		return c.enc.WriteGroup(bw, g, s.members(r, c, g.ID), p)
	})
}

func (s *Server) createGroup(w http.ResponseWriter, r *http.Request, c *call) error {
	res, err := s.readResource(w, r, c, scim.GroupType)
	if err != nil {
		return err
	}
	var g roster.Group
	scim.GroupFromDoc(res.Doc, &g)
	if err := s.store.CreateGroup(r.Context(), c.tenant, &g, res.Members); err != nil {
		return err
	}
	return s.writeGroup(w, r, c, http.StatusCreated, &g)
}

func (s *Server) getGroup(w http.ResponseWriter, r *http.Request, c *call) error {
	g, err := s.store.GetGroup(r.Context(), c.tenant, r.PathValue("id"))
	if err != nil {
		return err
	}
	if notModified(w, r, g.Version) {
		return nil
	}
	return s.writeGroup(w, r, c, http.StatusOK, g)
}

// replaceGroup is PUT: the body's members become the group's members. A
// body without a members attribute leaves the members as they are: a PUT
// that renames a group must not empty it by omission ("members": []
// empties it).
func (s *Server) replaceGroup(w http.ResponseWriter, r *http.Request, c *call) error {
	res, err := s.readResource(w, r, c, scim.GroupType)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	g, err := s.store.UpdateGroup(r.Context(), c.tenant, id, func(g *roster.Group) ([]roster.MemberOp, error) {
		if err := ifMatch(r, "group", id, g.Version); err != nil {
			return nil, err
		}
		scim.GroupFromDoc(res.Doc, g)
		if res.Members == nil {
			return nil, nil
		}
		return []roster.MemberOp{{Kind: roster.RemoveAllMembers}, {Kind: roster.AddMembers, IDs: res.Members}}, nil
	})
	if err != nil {
		return err
	}
	return s.writeGroup(w, r, c, http.StatusOK, g)
}

// patchGroup answers 204 with the new ETag, as RFC 7644 §3.5.2 allows,
// unless the client asks for attributes: returning a large group's
// members after every member added would cost what the row-per-member
// design saves.
func (s *Server) patchGroup(w http.ResponseWriter, r *http.Request, c *call) error {
	body, err := s.readBody(w, r)
	if err != nil {
		return err
	}
	ops, err := scim.ParsePatch(body)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	var added []string // the IDs the operations add, for a retry without the unknown ones
	var replaces bool  // the PATCH replaces the members: all or nothing, never retried
	patch := func(drop map[string]bool) (*roster.Group, error) {
		return s.store.UpdateGroup(r.Context(), c.tenant, id, func(g *roster.Group) ([]roster.MemberOp, error) {
			if err := ifMatch(r, "group", id, g.Version); err != nil {
				return nil, err
			}
			doc, err := scim.UnmarshalDoc(g.Attributes)
			if err != nil {
				return nil, err
			}
			memberOps, err := scim.GroupType.Patch(doc, ops)
			if err != nil {
				return nil, err
			}
			scim.GroupFromDoc(doc, g)
			added, replaces = added[:0], false
			for i, op := range memberOps {
				replaces = replaces || op.Kind == roster.RemoveAllMembers
				if op.Kind != roster.AddMembers {
					continue
				}
				added = append(added, op.IDs...)
				if len(drop) > 0 {
					memberOps[i].IDs = slices.DeleteFunc(slices.Clone(op.IDs), func(id string) bool { return drop[id] })
				}
			}
			return memberOps, nil
		})
	}
	g, err := patch(nil)
	if roster.ReasonOf(err) == roster.ReasonUnknownMember && !replaces {
		g, err = s.withoutUnknownMembers(r, c, err, &added, patch)
	}
	if err != nil {
		return err
	}
	q := r.URL.Query()
	if q.Get("attributes") == "" && q.Get("excludedAttributes") == "" {
		w.Header().Set("ETag", scim.ETag(g.Version))
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	return s.writeGroup(w, r, c, http.StatusOK, g)
}

func (s *Server) deleteGroup(w http.ResponseWriter, r *http.Request, c *call) error {
	return deleteResource(w, r, "group", func(id string) (int64, error) {
		g, err := s.store.GetGroup(r.Context(), c.tenant, id)
		if err != nil {
			return 0, err
		}
		return g.Version, nil
	}, func(id string, version int64) error { return s.store.DeleteGroup(r.Context(), c.tenant, id, version) })
}

func (s *Server) listGroups(w http.ResponseWriter, r *http.Request, c *call) error {
	req, err := scim.GroupType.ParseListQuery(r.URL.Query())
	if err != nil {
		return err
	}
	return s.answerGroups(w, r, c, req)
}

// answerGroups answers a list or search request for groups, streamed:
// a page of large groups' members is written as it is read.
func (s *Server) answerGroups(w http.ResponseWriter, r *http.Request, c *call, req *scim.ListRequest) error {
	page, err := s.store.ListGroups(r.Context(), c.tenant, req.Query)
	if err != nil {
		return err
	}
	return s.streamed(w, r, http.StatusOK, func(bw scim.Writer) error {
		return s.writeGroupPage(bw, r, c, req, page)
	})
}

func (s *Server) writeGroupPage(bw scim.Writer, r *http.Request, c *call, req *scim.ListRequest, page *roster.Page[roster.Group]) error {
	bw.Write(req.Head(nil, page.Total, len(page.Items), page.First, page.Last, page.HasPrev, page.HasNext))
	for i := range page.Items {
		if i > 0 {
			bw.WriteByte(',')
		}
		g := &page.Items[i]
		if err := c.enc.WriteGroup(bw, g, s.pageMembers(r, c, g.ID), req.Projection); err != nil {
			return err
		}
	}
	bw.Write(scim.ListTail(nil))
	return nil
}

// maxCheckedMembers bounds the member IDs looked up to tell which of a
// PATCH's are unknown; a larger batch with an unknown member is refused.
const maxCheckedMembers = 1000

// withoutUnknownMembers retries a group PATCH that failed because it adds
// members that are no user or group of the directory (Microsoft's
// reference tests add "string id 1"), unless the directory is strict: the
// unknown IDs are left out, the rest of the PATCH applies, and the request
// log names what was ignored. A strict directory, a PATCH that replaces the
// members (which would otherwise empty the group), or a batch too large to
// check keeps the 400.
func (s *Server) withoutUnknownMembers(r *http.Request, c *call, failed error, added *[]string,
	patch func(drop map[string]bool) (*roster.Group, error)) (*roster.Group, error) {
	d, err := s.store.FindDirectory(r.Context(), c.tenant.DirectoryID)
	if err != nil || d.Strict || len(*added) > maxCheckedMembers {
		return nil, failed
	}
	ids := slices.Clone(*added)
	known := map[string]bool{}
	const chunk = 50 // comparisons per filter; scim bounds a filter's size
	for start := 0; start < len(ids); start += chunk {
		part := ids[start:min(start+chunk, len(ids))]
		quoted := make([]string, len(part))
		for i, id := range part {
			quoted[i] = "id eq " + strconv.Quote(id)
		}
		text := strings.Join(quoted, " or ")
		for _, rt := range []*scim.ResourceType{scim.UserType, scim.GroupType} {
			f, err := rt.ParseFilter(text)
			if err != nil {
				return nil, failed
			}
			q := roster.Query{Filter: f, StartIndex: 1, Count: len(part)}
			if rt == scim.UserType {
				p, err := s.store.ListUsers(r.Context(), c.tenant, q)
				if err != nil {
					return nil, err
				}
				for _, u := range p.Items {
					known[u.ID] = true
				}
			} else {
				p, err := s.store.ListGroups(r.Context(), c.tenant, q)
				if err != nil {
					return nil, err
				}
				for _, g := range p.Items {
					known[g.ID] = true
				}
			}
		}
	}
	drop := map[string]bool{}
	var unknown []string
	for _, id := range ids {
		if !known[id] && !drop[id] {
			drop[id] = true
			unknown = append(unknown, id)
		}
	}
	if len(unknown) == 0 {
		return nil, failed
	}
	g, err := patch(drop)
	if err != nil {
		return nil, err
	}
	shown, more := unknown, ""
	if len(shown) > maxWarnedAttributes {
		shown, more = shown[:maxWarnedAttributes], fmt.Sprintf(" and %d more", len(unknown)-maxWarnedAttributes)
	}
	quoted := make([]string, len(shown))
	for i, id := range shown {
		if len(id) > 128 {
			id = strings.ToValidUTF8(id[:128], "") + "…"
		}
		quoted[i] = strconv.Quote(id)
	}
	c.warning = fmt.Sprintf("ignored members that are no user or group of this directory: %s%s (strict mode would refuse the PATCH with 400)",
		strings.Join(quoted, ", "), more)
	return g, nil
}
