package adminapi

import (
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
	orEmpty := func(list []string) []string {
		if list == nil {
			return []string{}
		}
		return list
	}
	out := ConflictJSON(&p.Conflict)
	out["products"], out["gain"], out["lose"] = orEmpty(p.Products), users(p.Gain), users(p.Lose)
	out["gained"], out["lost"], out["defaults"] = p.Gained, p.Lost, orEmpty(p.Defaults)
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
	p, err := s.uc.Access.CreateProduct(r.Context(), c.org, body.Key, body.Name)
	if err != nil {
		return err
	}
	out, err := s.productJSON(r, c, p)
	if err != nil {
		return err
	}
	return write(w, http.StatusCreated, out)
}

// renameProduct renames a product: {"name": "..."}; the key stays.
func (s *Server) renameProduct(w http.ResponseWriter, r *http.Request, c *call) error {
	var body struct{ Name string }
	if err := decode(w, r, &body); err != nil {
		return err
	}
	p, err := s.uc.Access.RenameProduct(r.Context(), c.org, r.PathValue("product"), body.Name)
	if err != nil {
		return err
	}
	out, err := s.productJSON(r, c, p)
	if err != nil {
		return err
	}
	return write(w, http.StatusOK, out)
}

// deleteProduct deletes a product and says what access went.
func (s *Server) deleteProduct(w http.ResponseWriter, r *http.Request, c *call) error {
	d, err := s.uc.Access.DeleteProduct(r.Context(), c.org, r.PathValue("product"))
	if err != nil {
		return err
	}
	grants := []string{}
	for _, g := range d.Grants {
		grants = append(grants, g.GroupID)
	}
	defaults := []string{}
	for _, g := range d.Defaults {
		defaults = append(defaults, g.ID)
	}
	return write(w, http.StatusOK, map[string]any{"key": d.Product.Key, "name": d.Product.Name, "deleted": true,
		"usersLosingAccess": d.Counts.Users, "grantsTo": grants, "defaultGroups": defaults})
}

// renameGroup renames a local group: {"displayName": "..."}.
func (s *Server) renameGroup(w http.ResponseWriter, r *http.Request, c *call) error {
	var body struct{ DisplayName string }
	if err := decode(w, r, &body); err != nil {
		return err
	}
	g, err := s.uc.Groups.RenameLocal(r.Context(), c.org, r.PathValue("group"), body.DisplayName)
	if err != nil {
		return err
	}
	return write(w, http.StatusOK, map[string]any{"id": g.ID, "displayName": g.DisplayName, "local": true})
}

// deleteGroup deletes a local group and says what access went.
func (s *Server) deleteGroup(w http.ResponseWriter, r *http.Request, c *call) error {
	d, err := s.uc.Groups.DeleteLocal(r.Context(), c.org, r.PathValue("group"))
	if err != nil {
		return err
	}
	access := []map[string]any{}
	for _, a := range d.Access {
		access = append(access, map[string]any{"product": a.Product.Key, "name": a.Product.Name, "usersLosingAccess": a.Lose,
			"granted": a.Direct, "defaultGroup": a.Default})
	}
	return write(w, http.StatusOK, map[string]any{"id": r.PathValue("group"), "deleted": true, "access": access})
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
	g, err := s.uc.Access.Grant(r.Context(), c.org, r.PathValue("product"), r.PathValue("group"), body.Role)
	if err != nil {
		return err
	}
	return write(w, http.StatusOK, map[string]any{"group": g.GroupID, "role": g.Role})
}

func (s *Server) revoke(w http.ResponseWriter, r *http.Request, c *call) error {
	if err := s.uc.Access.Revoke(r.Context(), c.org, r.PathValue("product"), r.PathValue("group")); err != nil {
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
	p, err := s.uc.Groups.Link(r.Context(), c.org, r.PathValue("group"))
	if err != nil {
		return err
	}
	out := PreviewJSON(p)
	out["linked"] = true
	return write(w, http.StatusOK, out)
}

func (s *Server) unlinkGroup(w http.ResponseWriter, r *http.Request, c *call) error {
	if err := s.uc.Groups.Unlink(r.Context(), c.org, r.PathValue("group")); err != nil {
		return err
	}
	g, err := s.store.GetOrgGroup(r.Context(), c.org, r.PathValue("group"))
	if err != nil {
		return err
	}
	return write(w, http.StatusOK, map[string]any{"id": g.ID, "displayName": g.DisplayName, "directoryId": g.DirectoryID, "local": g.DirectoryID == ""})
}
