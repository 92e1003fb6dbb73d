package console

import (
	"net/http"
	"strings"

	"github.com/rosterhq/roster"
)

type productRow struct {
	roster.Product
	Counts *roster.ProductCounts
	Grants int
}

type productsPage struct {
	Products []productRow
}

func (s *Console) products(w http.ResponseWriter, r *http.Request, a *session) error {
	list, err := s.store.ListProducts(r.Context(), a.org.ID)
	if err != nil {
		return err
	}
	var p productsPage
	for _, pr := range list {
		counts, err := s.store.GetProductCounts(r.Context(), a.org.ID, pr.Key)
		if err != nil {
			return err
		}
		grants, err := s.store.ListGrants(r.Context(), a.org.ID, pr.Key)
		if err != nil {
			return err
		}
		p.Products = append(p.Products, productRow{Product: pr, Counts: counts, Grants: len(grants)})
	}
	return s.render(w, r, a, http.StatusOK, "products", view{Title: "Products", Section: "products", Page: p})
}

func (s *Console) createProduct(w http.ResponseWriter, r *http.Request, a *session) error {
	p, err := s.accessService.CreateProduct(r.Context(), a.org.ID, r.PostForm.Get("key"), r.PostForm.Get("name"))
	if err != nil {
		return err
	}
	return s.redirect(w, r, orgPath(a.org.ID, "products", p.Key), p.Name+" created. Grant it to groups below.")
}

type productPage struct {
	Product  roster.Product
	Counts   *roster.ProductCounts
	Grants   []roster.Grant
	Users    []roster.ProductUser
	Pager    pager
	Groups   []roster.OrgGroup // groups to pick from for a new grant
	Defaults []roster.Group    // local groups new managed accounts join
	Local    []roster.OrgGroup // local groups to pick a default from
}

// grantChoices is how many groups the grant form offers as suggestions;
// any group can be typed by name or picked on its own page.
const grantChoices = 500

func (s *Console) product(w http.ResponseWriter, r *http.Request, a *session) error {
	ctx := r.Context()
	pr, err := s.store.GetProduct(ctx, a.org.ID, r.PathValue("product"))
	if err != nil {
		return err
	}
	p := productPage{Product: *pr}
	if p.Counts, err = s.store.GetProductCounts(ctx, a.org.ID, pr.Key); err != nil {
		return err
	}
	if p.Grants, err = s.store.ListGrants(ctx, a.org.ID, pr.Key); err != nil {
		return err
	}
	n, offset := pageParam(r)
	users, err := s.store.ListProductUsers(ctx, a.org.ID, pr.Key, offset, pageSize)
	if err != nil {
		return err
	}
	p.Users, p.Pager = users.Items, newPager(r, n, users.Total)
	groups, err := s.store.ListOrgGroups(ctx, a.org.ID, roster.GroupFilter{}, 0, grantChoices)
	if err != nil {
		return err
	}
	p.Groups = groups.Items
	if p.Defaults, err = s.store.ListDefaultGroups(ctx, a.org.ID, pr.Key); err != nil {
		return err
	}
	local, err := s.store.ListOrgGroups(ctx, a.org.ID, roster.GroupFilter{Local: true}, 0, grantChoices)
	if err != nil {
		return err
	}
	p.Local = local.Items
	return s.render(w, r, a, http.StatusOK, "product", view{Title: pr.Name, Section: "products", Page: p})
}

// grant gives a group access from the product's page: the form names
// the group by its name, which must be unambiguous in the organization.
func (s *Console) grant(w http.ResponseWriter, r *http.Request, a *session) error {
	g, err := s.findGroup(r, a, strings.TrimSpace(r.PostForm.Get("group")))
	if err != nil {
		return err
	}
	return s.grantAccess(w, r, a, r.PathValue("product"), g, orgPath(a.org.ID, "products", r.PathValue("product")))
}

// grantToGroup gives a group access from the group's page, the product
// chosen in the form.
func (s *Console) grantToGroup(w http.ResponseWriter, r *http.Request, a *session) error {
	g, err := s.store.GetOrgGroup(r.Context(), a.org.ID, r.PathValue("group"))
	if err != nil {
		return err
	}
	return s.grantAccess(w, r, a, r.PostForm.Get("product"), g, orgPath(a.org.ID, "groups", g.ID))
}

func (s *Console) grantAccess(w http.ResponseWriter, r *http.Request, a *session, product string, g *roster.OrgGroup, back string) error {
	pr, err := s.store.GetProduct(r.Context(), a.org.ID, product)
	if err != nil {
		return err
	}
	grant, err := s.accessService.Grant(r.Context(), a.org.ID, pr.Key, g.ID, r.PostForm.Get("role"))
	if err != nil {
		return err
	}
	return s.redirect(w, r, back, "Members of "+g.DisplayName+" have "+pr.Name+" access as "+grant.Role+" now.")
}

func (s *Console) findGroup(r *http.Request, a *session, ref string) (*roster.OrgGroup, error) {
	if ref == "" {
		return nil, roster.Invalidf("", "choose a group")
	}
	if g, err := s.store.GetOrgGroup(r.Context(), a.org.ID, ref); err == nil {
		return g, nil
	} else if roster.ErrorCodeOf(err) != roster.ENotFound {
		return nil, err
	}
	list, err := s.store.ListOrgGroups(r.Context(), a.org.ID, roster.GroupFilter{Search: ref}, 0, grantChoices)
	if err != nil {
		return nil, err
	}
	var found []roster.OrgGroup
	for _, g := range list.Items {
		if strings.EqualFold(g.DisplayName, ref) {
			found = append(found, g)
		}
	}
	switch len(found) {
	case 0:
		return nil, roster.NotFoundf("the organization has no group called %q", ref)
	case 1:
		return &found[0], nil
	}
	return nil, roster.Errorf(roster.EConflict, "", "%d groups are called %q (in different directories); grant access from the group's own page", len(found), ref)
}

func (s *Console) revoke(w http.ResponseWriter, r *http.Request, a *session) error {
	pr, err := s.store.GetProduct(r.Context(), a.org.ID, r.PathValue("product"))
	if err != nil {
		return err
	}
	g, err := s.store.GetOrgGroup(r.Context(), a.org.ID, r.PathValue("group"))
	if err != nil {
		return err
	}
	if err := s.accessService.Revoke(r.Context(), a.org.ID, pr.Key, g.ID); err != nil {
		return err
	}
	back := orgPath(a.org.ID, "products", pr.Key)
	if r.PostForm.Get("back") == "group" {
		back = orgPath(a.org.ID, "groups", g.ID)
	}
	return s.redirect(w, r, back, g.DisplayName+" no longer grants "+pr.Name+" access.")
}

// setDefaultGroup makes a local group one that new managed accounts join
// (on=1), or stops it (on=0).
func (s *Console) setDefaultGroup(w http.ResponseWriter, r *http.Request, a *session) error {
	pr, err := s.store.GetProduct(r.Context(), a.org.ID, r.PathValue("product"))
	if err != nil {
		return err
	}
	g, err := s.store.GetOrgGroup(r.Context(), a.org.ID, r.PostForm.Get("group"))
	if err != nil {
		return err
	}
	on := r.PostForm.Get("on") == "1"
	if err := s.accessService.SetDefault(r.Context(), a.org.ID, pr.Key, g.ID, on); err != nil {
		return err
	}
	msg := "New managed accounts join " + g.DisplayName + " from now on."
	if !on {
		msg = "New managed accounts no longer join " + g.DisplayName + "."
	}
	return s.redirect(w, r, orgPath(a.org.ID, "products", pr.Key), msg)
}
