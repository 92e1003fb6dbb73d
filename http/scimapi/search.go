package scimapi

import (
	"net/http"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/scim"
)

// Searches with POST /.search (RFC 7644 §3.4.3): the parameters of a list
// request in a SearchRequest body, for filters too long or too private for
// a URL.

// readSearch reads a SearchRequest body (scim.DecodeSearch).
func (s *Server) readSearch(w http.ResponseWriter, r *http.Request) (scim.ListParams, error) {
	body, err := readRaw(w, r, s.maxBody)
	if err != nil {
		return scim.ListParams{}, err
	}
	return scim.DecodeSearch(body)
}

func (s *Server) searchRequest(w http.ResponseWriter, r *http.Request, rt *scim.ResourceType) (*scim.ListRequest, error) {
	p, err := s.readSearch(w, r)
	if err != nil {
		return nil, err
	}
	return rt.ParseList(p)
}

func (s *Server) searchUsers(w http.ResponseWriter, r *http.Request, c *call) error {
	req, err := s.searchRequest(w, r, scim.UserType)
	if err != nil {
		return err
	}
	return s.answerUsers(w, r, c, req)
}

func (s *Server) searchGroups(w http.ResponseWriter, r *http.Request, c *call) error {
	req, err := s.searchRequest(w, r, scim.GroupType)
	if err != nil {
		return err
	}
	return s.answerGroups(w, r, c, req)
}

// searchRoot searches users and groups together: users first, then
// groups, paged as one list. A filter that names an attribute only one
// type has selects from that type alone.
func (s *Server) searchRoot(w http.ResponseWriter, r *http.Request, c *call) error {
	p, err := s.readSearch(w, r)
	if err != nil {
		return err
	}
	if p.Cursor != nil {
		return roster.Invalidf(roster.ScimInvalidValue, "cursor pagination works per resource type: search /Users/.search or /Groups/.search")
	}
	userReq, userErr := scim.UserType.ParseList(p)
	groupReq, groupErr := scim.GroupType.ParseList(p)
	if userErr != nil && groupErr != nil {
		return userErr
	}
	var users *roster.Page[roster.User]
	var userGroups map[string][]roster.GroupRef
	var groups *roster.Page[roster.Group]
	start, count := 1, scim.DefaultCount
	usersTotal := 0
	if userErr == nil {
		start, count = userReq.Query.StartIndex, userReq.Query.Count
		if users, userGroups, err = s.readUsers(r, c, userReq); err != nil {
			return err
		}
		usersTotal = users.Total
	}
	if groupErr == nil {
		start, count = groupReq.Query.StartIndex, groupReq.Query.Count
		q := groupReq.Query
		q.StartIndex = max(1, start-usersTotal)
		q.Count = count
		if users != nil {
			q.Count = count - len(users.Items)
		}
		if groups, err = s.store.ListGroups(r.Context(), c.tenant, q); err != nil {
			return err
		}
	}
	total, n := usersTotal, 0
	if users != nil {
		n += len(users.Items)
	}
	if groups != nil {
		total += groups.Total
		n += len(groups.Items)
	}
	var userBody []byte
	if users != nil && len(users.Items) > 0 {
		// The users' part of the page, without the list's own head.
		if userBody, err = userItems(c, userReq, users, userGroups); err != nil {
			return err
		}
	}
	return s.streamed(w, r, http.StatusOK, func(bw scim.Writer) error {
		bw.Write(scim.ListHead(nil, total, n, start))
		bw.Write(userBody)
		if groups != nil {
			for i := range groups.Items {
				if i > 0 || len(userBody) > 0 {
					bw.WriteByte(',')
				}
				g := &groups.Items[i]
				if err := c.enc.WriteGroup(bw, g, s.pageMembers(r, c, g.ID), groupReq.Projection); err != nil {
					return err
				}
			}
		}
		bw.Write(scim.ListTail(nil))
		return nil
	})
}
