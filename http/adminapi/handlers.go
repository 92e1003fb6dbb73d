package adminapi

import (
	"encoding/json"
	"net/http"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/domains"
	"github.com/rosterhq/roster/users"
)

// The JSON shapes below are the API's, and the CLI's --json output uses
// them too, so that a script sees one representation either way.

// AccessJSON is an access check: {allowed, role, via, reason}.
func AccessJSON(a *roster.AccessDecision) map[string]any {
	via := []map[string]any{}
	for _, g := range a.Via {
		via = append(via, map[string]any{"id": g.ID, "displayName": g.Display})
	}
	out := map[string]any{"allowed": a.Allowed, "role": nil, "via": via}
	if a.Role != "" {
		out["role"] = a.Role
	}
	if !a.Allowed {
		out["reason"] = a.Reason
	}
	return out
}

// UserJSON is a user as admins see it: managed or external.
func UserJSON(u *roster.User) map[string]any {
	account := "external"
	if u.Managed {
		account = "managed"
	}
	return map[string]any{
		"id": u.ID, "userName": u.UserName, "displayName": u.DisplayName, "email": u.Email, "active": u.Active,
		"account": account, "managed": u.Managed, "directoryId": u.DirectoryID, "version": u.Version,
		"created": jsonTime(u.Created), "lastModified": jsonTime(u.LastModified),
	}
}

// DomainJSON is a domain with what to publish to prove it.
func DomainJSON(d *roster.Domain) map[string]any {
	return map[string]any{
		"domain": d.Name, "status": d.Status, "method": d.Method, "directoryId": d.DirectoryID, "token": d.Token,
		"created": jsonTime(d.Created), "verified": jsonTime(d.VerifiedAt), "checked": jsonTime(d.CheckedAt), "lastError": d.LastError,
		"dns":   map[string]any{"type": "TXT", "name": d.Name, "value": domains.TXTValue(d.Token)},
		"https": map[string]any{"url": domains.HTTPSURL(d.Name), "body": d.Token},
	}
}

// GrantJSON is a grant of a product to a group.
func GrantJSON(g *roster.Grant) map[string]any {
	return map[string]any{"group": g.GroupID, "groupName": g.GroupName, "role": g.Role, "created": jsonTime(g.Created)}
}

// ConflictJSON is a synced group in conflict with a local one.
func ConflictJSON(c *roster.Conflict) map[string]any {
	return map[string]any{
		"synced": map[string]any{"id": c.Synced.ID, "displayName": c.Synced.DisplayName, "directoryId": c.DirectoryID},
		"local":  map[string]any{"id": c.Local.ID, "displayName": c.Local.DisplayName},
	}
}

// PreviewJSON says whose access linking a conflict changes.
func PreviewJSON(p *roster.LinkPreview) map[string]any {
	users := func(us []roster.User) []map[string]any {
		out := []map[string]any{}
		for _, u := range us {
			out = append(out, map[string]any{"id": u.ID, "userName": u.UserName})
		}
		return out
	}
	products := p.Products
	if products == nil {
		products = []string{}
	}
	out := ConflictJSON(&p.Conflict)
	out["products"], out["gain"], out["lose"] = products, users(p.Gain), users(p.Lose)
	return out
}

func (s *Server) productJSON(r *http.Request, c *call, p *roster.Product) (map[string]any, error) {
	n, err := s.store.GetProductCounts(r.Context(), c.org, p.Key)
	if err != nil {
		return nil, err
	}
	return map[string]any{"key": p.Key, "name": p.Name, "created": jsonTime(p.Created),
		"users": n.Users, "managed": n.Managed, "external": n.External}, nil
}

func (s *Server) listProducts(w http.ResponseWriter, r *http.Request, c *call) error {
	products, err := s.store.ListProducts(r.Context(), c.org)
	if err != nil {
		return err
	}
	out := []map[string]any{}
	for i := range products {
		p, err := s.productJSON(r, c, &products[i])
		if err != nil {
			return err
		}
		out = append(out, p)
	}
	return write(w, http.StatusOK, map[string]any{"products": out})
}

func (s *Server) createProduct(w http.ResponseWriter, r *http.Request, c *call) error {
	var body struct{ Key, Name string }
	if err := decode(w, r, &body); err != nil {
		return err
	}
	p, err := s.access.CreateProduct(r.Context(), c.org, body.Key, body.Name)
	if err != nil {
		return err
	}
	out, err := s.productJSON(r, c, p)
	if err != nil {
		return err
	}
	return write(w, http.StatusCreated, out)
}

// checkAccess is what an application asks before letting a user in: by the
// user's ID or userName.
func (s *Server) checkAccess(w http.ResponseWriter, r *http.Request, c *call) error {
	a, err := s.store.CheckAccess(r.Context(), roster.ProductScope{OrgID: c.org, Product: r.PathValue("product")}, r.PathValue("user"))
	if err != nil {
		return err
	}
	return write(w, http.StatusOK, AccessJSON(a))
}

func (s *Server) listGrants(w http.ResponseWriter, r *http.Request, c *call) error {
	grants, err := s.store.ListGrants(r.Context(), c.org, r.PathValue("product"))
	if err != nil {
		return err
	}
	p, err := s.store.GetProduct(r.Context(), c.org, r.PathValue("product"))
	if err != nil {
		return err
	}
	out, err := s.productJSON(r, c, p)
	if err != nil {
		return err
	}
	list := []map[string]any{}
	for i := range grants {
		list = append(list, GrantJSON(&grants[i]))
	}
	out["grants"] = list
	return write(w, http.StatusOK, out)
}

func (s *Server) grant(w http.ResponseWriter, r *http.Request, c *call) error {
	var body struct{ Role string }
	if err := decode(w, r, &body); err != nil {
		return err
	}
	g, err := s.access.Grant(r.Context(), c.org, r.PathValue("product"), r.PathValue("group"), body.Role)
	if err != nil {
		return err
	}
	return write(w, http.StatusOK, map[string]any{"group": g.GroupID, "role": g.Role})
}

func (s *Server) revoke(w http.ResponseWriter, r *http.Request, c *call) error {
	if err := s.access.Revoke(r.Context(), c.org, r.PathValue("product"), r.PathValue("group")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) getUser(w http.ResponseWriter, r *http.Request, c *call) error {
	u, err := users.Find(r.Context(), s.store, c.org, r.PathValue("user"))
	if err != nil {
		return err
	}
	return write(w, http.StatusOK, UserJSON(u))
}

func (s *Server) unlinkUser(w http.ResponseWriter, r *http.Request, c *call) error {
	u, err := users.Unlink(r.Context(), s.store, c.org, r.PathValue("user"))
	if err != nil {
		return err
	}
	return write(w, http.StatusOK, UserJSON(u))
}

func (s *Server) listDomains(w http.ResponseWriter, r *http.Request, c *call) error {
	list, err := s.store.ListDomains(r.Context(), c.org)
	if err != nil {
		return err
	}
	out := []map[string]any{}
	for i := range list {
		out = append(out, DomainJSON(&list[i]))
	}
	return write(w, http.StatusOK, map[string]any{"domains": out})
}

func (s *Server) addDomain(w http.ResponseWriter, r *http.Request, c *call) error {
	var body struct{ Domain, DirectoryID string }
	if err := decode(w, r, &body); err != nil {
		return err
	}
	d, err := domains.New(c.org, body.Domain, body.DirectoryID)
	if err != nil {
		return err
	}
	if err := s.store.CreateDomain(r.Context(), d); err != nil {
		return err
	}
	return write(w, http.StatusCreated, DomainJSON(d))
}

// verifyDomain checks a domain now. A failed check is still a 200 with
// the domain as recorded (its lastError says why): the request worked.
func (s *Server) verifyDomain(w http.ResponseWriter, r *http.Request, c *call) error {
	var body struct{ Method string }
	if r.ContentLength != 0 {
		if err := decode(w, r, &body); err != nil {
			return err
		}
	}
	name, err := domains.Normalize(r.PathValue("domain"))
	if err != nil {
		return err
	}
	d, _, err := domains.VerifyNow(r.Context(), s.store, s.verifier, c.org, name, body.Method)
	if err != nil {
		return err
	}
	return write(w, http.StatusOK, DomainJSON(d))
}

func (s *Server) listConflicts(w http.ResponseWriter, r *http.Request, c *call) error {
	conflicts, err := s.store.ListConflicts(r.Context(), c.org)
	if err != nil {
		return err
	}
	out := []map[string]any{}
	for i := range conflicts {
		out = append(out, ConflictJSON(&conflicts[i]))
	}
	return write(w, http.StatusOK, map[string]any{"conflicts": out})
}

func (s *Server) previewLink(w http.ResponseWriter, r *http.Request, c *call) error {
	p, err := s.store.PreviewLink(r.Context(), c.org, r.PathValue("group"))
	if err != nil {
		return err
	}
	return write(w, http.StatusOK, PreviewJSON(p))
}

func (s *Server) link(w http.ResponseWriter, r *http.Request, c *call) error {
	p, err := s.groups.Link(r.Context(), c.org, r.PathValue("group"))
	if err != nil {
		return err
	}
	out := PreviewJSON(p)
	out["linked"] = true
	return write(w, http.StatusOK, out)
}

func (s *Server) unlinkGroup(w http.ResponseWriter, r *http.Request, c *call) error {
	if err := s.groups.Unlink(r.Context(), c.org, r.PathValue("group")); err != nil {
		return err
	}
	g, err := s.store.GetOrgGroup(r.Context(), c.org, r.PathValue("group"))
	if err != nil {
		return err
	}
	return write(w, http.StatusOK, map[string]any{"id": g.ID, "displayName": g.DisplayName, "directoryId": g.DirectoryID, "local": g.DirectoryID == ""})
}

// eventJSON is an event as the change feed and the event stream show it.
func eventJSON(e *roster.Event) map[string]any {
	return map[string]any{"seq": e.Seq, "time": jsonTime(e.Time), "actor": e.Actor, "action": e.Action,
		"resourceType": e.ResourceType, "resourceId": e.ResourceID, "directoryId": e.DirectoryID, "detail": json.RawMessage(e.Detail)}
}

// listEvents pages through the audit trail: ?after=<seq>&limit=<n>.
func (s *Server) listEvents(w http.ResponseWriter, r *http.Request, c *call) error {
	after, err := intParam(r, "after", 0, 1<<62)
	if err != nil {
		return err
	}
	limit, err := intParam(r, "limit", 100, 1000)
	if err != nil {
		return err
	}
	events, err := s.store.ListEvents(r.Context(), c.org, int64(after), limit)
	if err != nil {
		return err
	}
	out := []map[string]any{}
	next := after
	for i := range events {
		out = append(out, eventJSON(&events[i]))
		next = int(events[i].Seq)
	}
	return write(w, http.StatusOK, map[string]any{"events": out, "next": next})
}
