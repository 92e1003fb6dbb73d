package scimapi

import (
	"net/http"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/scim"
)

func projection(r *http.Request, rt *scim.ResourceType) *scim.Projection {
	q := r.URL.Query()
	return rt.ParseProjection(q.Get("attributes"), q.Get("excludedAttributes"))
}

// writeUser writes one user with its ETag, reading its groups only when
// the projection returns them and the user can have any (a user just
// created belongs to no group).
func (s *Server) writeUser(w http.ResponseWriter, r *http.Request, c *call, status int, u *roster.User) error {
	p := projection(r, scim.UserType)
	var groups []roster.GroupRef
	if status != http.StatusCreated && p.Wants(scim.UserType, "groups") {
		refs, err := s.store.ListUserGroups(r.Context(), c.tenant, []string{u.ID})
		if err != nil {
			return err
		}
		groups = refs[u.ID]
	}
	body, err := c.enc.AppendUser(nil, u, groups, p)
	if err != nil {
		return err
	}
	w.Header().Set("ETag", scim.ETag(u.Version))
	if status == http.StatusCreated {
		w.Header().Set("Location", c.enc.Location(scim.UserType, u.ID))
	}
	return writeJSON(w, status, body)
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request, c *call) error {
	res, err := s.readResource(w, r, c, scim.UserType)
	if err != nil {
		return err
	}
	var u roster.User
	scim.UserFromDoc(res.Doc, &u)
	if err := s.store.CreateUser(r.Context(), c.tenant, &u); err != nil {
		return err
	}
	return s.writeUser(w, r, c, http.StatusCreated, &u)
}

func (s *Server) getUser(w http.ResponseWriter, r *http.Request, c *call) error {
	u, err := s.store.GetUser(r.Context(), c.tenant, r.PathValue("id"))
	if err != nil {
		return err
	}
	if notModified(w, r, u.Version) {
		return nil
	}
	return s.writeUser(w, r, c, http.StatusOK, u)
}

// replaceUser is PUT: the body replaces every attribute the client may
// set; read-only attributes in it (id, meta, groups) are ignored.
func (s *Server) replaceUser(w http.ResponseWriter, r *http.Request, c *call) error {
	res, err := s.readResource(w, r, c, scim.UserType)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	u, err := s.store.UpdateUser(r.Context(), c.tenant, id, func(u *roster.User) error {
		if err := ifMatch(r, "user", id, u.Version); err != nil {
			return err
		}
		scim.UserFromDoc(res.Doc, u)
		return nil
	})
	if err != nil {
		return err
	}
	return s.writeUser(w, r, c, http.StatusOK, u)
}

func (s *Server) patchUser(w http.ResponseWriter, r *http.Request, c *call) error {
	body, err := s.readBody(w, r)
	if err != nil {
		return err
	}
	ops, err := scim.ParsePatch(body)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	u, err := s.store.UpdateUser(r.Context(), c.tenant, id, func(u *roster.User) error {
		if err := ifMatch(r, "user", id, u.Version); err != nil {
			return err
		}
		doc, err := scim.UnmarshalDoc(u.Attributes)
		if err != nil {
			return err
		}
		if _, err := scim.UserType.Patch(doc, ops); err != nil {
			return err
		}
		scim.UserFromDoc(doc, u)
		return nil
	})
	if err != nil {
		return err
	}
	return s.writeUser(w, r, c, http.StatusOK, u)
}

func (s *Server) deleteUser(w http.ResponseWriter, r *http.Request, c *call) error {
	return deleteResource(w, r, "user", func(id string) (int64, error) {
		u, err := s.store.GetUser(r.Context(), c.tenant, id)
		if err != nil {
			return 0, err
		}
		return u.Version, nil
	}, func(id string, version int64) error { return s.store.DeleteUser(r.Context(), c.tenant, id, version) })
}

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request, c *call) error {
	req, err := scim.UserType.ParseListQuery(r.URL.Query())
	if err != nil {
		return err
	}
	return s.answerUsers(w, r, c, req)
}

// answerUsers answers a list or search request for users.
func (s *Server) answerUsers(w http.ResponseWriter, r *http.Request, c *call, req *scim.ListRequest) error {
	body, err := s.userPage(r, c, req)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, body)
}

// userPage runs a list request and encodes the ListResponse.
func (s *Server) userPage(r *http.Request, c *call, req *scim.ListRequest) ([]byte, error) {
	page, groups, err := s.readUsers(r, c, req)
	if err != nil {
		return nil, err
	}
	items, err := userItems(c, req, page, groups)
	if err != nil {
		return nil, err
	}
	buf := req.Head(make([]byte, 0, len(items)+256), page.Total, len(page.Items), page.First, page.Last, page.HasPrev, page.HasNext)
	return scim.ListTail(append(buf, items...)), nil
}

// readUsers reads a list request's page of users, and their groups in the
// same statement when the projection returns them.
func (s *Server) readUsers(r *http.Request, c *call, req *scim.ListRequest) (*roster.Page[roster.User], map[string][]roster.GroupRef, error) {
	if req.Projection.Wants(scim.UserType, "groups") {
		return s.store.ListUsersWithGroups(r.Context(), c.tenant, req.Query)
	}
	page, err := s.store.ListUsers(r.Context(), c.tenant, req.Query)
	return page, nil, err
}

// userItems encodes a page's users, comma-separated, with the groups
// readUsers read.
func userItems(c *call, req *scim.ListRequest, page *roster.Page[roster.User], groups map[string][]roster.GroupRef) ([]byte, error) {
	var err error
	buf := make([]byte, 0, 1024*len(page.Items))
	for i := range page.Items {
		if i > 0 {
			buf = append(buf, ',')
		}
		if buf, err = c.enc.AppendUser(buf, &page.Items[i], groups[page.Items[i].ID], req.Projection); err != nil {
			return nil, err
		}
	}
	return buf, nil
}
