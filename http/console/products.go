package console

import (
	"net/http"
	"slices"
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
	p, err := s.uc.Access.CreateProduct(r.Context(), a.org.ID, r.PostForm.Get("key"), r.PostForm.Get("name"))
	if roster.ReasonOf(err) == roster.ReasonNameTaken {
		// A key or a name is taken: the message goes beside the one that is.
		if _, kerr := s.store.GetProduct(r.Context(), a.org.ID, strings.TrimSpace(r.PostForm.Get("key"))); isNotFound(kerr) {
			return inField("name", err)
		}
	}
	if err != nil {
		return err
	}
	return s.redirect(w, r, orgPath(a.org.ID, "products", p.Key), p.Name+" created. Grant it to groups below.")
}

type productPage struct {
	Product roster.Product
	Counts  *roster.ProductCounts
	Grants  []roster.Grant
	Users   []roster.ProductUser
	Pager   pager
	// Choices are the groups to pick from for a new grant, by directory
	// (synced groups of two directories may share a name); More says
	// there are more than the picker offers.
	Choices  []groupChoices
	More     bool
	Defaults []roster.Group    // local groups new managed accounts join
	Local    []roster.OrgGroup // local groups to pick a default from
	// Connectors are the applications Roster provisions with the
	// product's users (connectors.go).
	Connectors []connectorRow
}

// groupChoices are the groups of one directory ("" for local groups) as
// the grant picker offers them.
type groupChoices struct {
	Directory string // the directory's name; "" for local groups
	Groups    []roster.OrgGroup
}

// choices sorts groups into the picker's sections: local groups first,
// then each directory's, by the directory's name.
func choices(groups []roster.OrgGroup, dirs []roster.Directory) []groupChoices {
	out := []groupChoices{{}}
	at := map[string]int{"": 0}
	for _, d := range dirs { // ListDirectories is in name order
		at[d.ID] = len(out)
		out = append(out, groupChoices{Directory: d.Name})
	}
	for _, g := range groups {
		if i, ok := at[g.DirectoryID]; ok {
			out[i].Groups = append(out[i].Groups, g)
		}
	}
	return slices.DeleteFunc(out, func(c groupChoices) bool { return len(c.Groups) == 0 })
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
	dirs, err := s.store.ListDirectories(ctx, a.org.ID)
	if err != nil {
		return err
	}
	p.Choices, p.More = choices(groups.Items, dirs), groups.Total > len(groups.Items)
	if p.Defaults, err = s.store.ListDefaultGroups(ctx, a.org.ID, pr.Key); err != nil {
		return err
	}
	local, err := s.store.ListOrgGroups(ctx, a.org.ID, roster.GroupFilter{Local: true}, 0, grantChoices)
	if err != nil {
		return err
	}
	p.Local = local.Items
	if p.Connectors, err = s.productConnectors(ctx, a.org.ID, pr.Key); err != nil {
		return err
	}
	return s.render(w, r, a, http.StatusOK, "product", view{Title: pr.Name, Section: "products", Page: p})
}

// grant gives a group access from the product's page: the picker sends
// the group's ID; a name typed instead must be unambiguous in the
// organization.
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
	grant, err := s.uc.Access.Grant(r.Context(), a.org.ID, pr.Key, g.ID, r.PostForm.Get("role"))
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
	if err := s.uc.Access.Revoke(r.Context(), a.org.ID, pr.Key, g.ID); err != nil {
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
	if err := s.uc.Access.SetDefault(r.Context(), a.org.ID, pr.Key, g.ID, on); err != nil {
		return err
	}
	msg := "New managed accounts join " + g.DisplayName + " from now on."
	if !on {
		msg = "New managed accounts no longer join " + g.DisplayName + "."
	}
	return s.redirect(w, r, orgPath(a.org.ID, "products", pr.Key), msg)
}

// renameProduct renames a product; names are unique in the organization
// (a clash is drawn beside the field, 409).
func (s *Console) renameProduct(w http.ResponseWriter, r *http.Request, a *session) error {
	was, err := s.store.GetProduct(r.Context(), a.org.ID, r.PathValue("product"))
	if err != nil {
		return err
	}
	p, err := s.uc.Access.RenameProduct(r.Context(), a.org.ID, was.Key, r.PostForm.Get("name"))
	if err != nil {
		return err
	}
	return s.redirect(w, r, orgPath(a.org.ID, "products", p.Key), was.Name+" is called "+p.Name+" now.")
}

// deleteProductForm says what deleting the product takes away, and asks.
func (s *Console) deleteProductForm(w http.ResponseWriter, r *http.Request, a *session) error {
	d, err := s.uc.Access.ProductDeletion(r.Context(), a.org.ID, r.PathValue("product"))
	if err != nil {
		return err
	}
	return s.render(w, r, a, http.StatusOK, "product-delete", view{Title: "Delete " + d.Product.Name, Section: "products", Page: d})
}

func (s *Console) deleteProduct(w http.ResponseWriter, r *http.Request, a *session) error {
	d, err := s.uc.Access.DeleteProduct(r.Context(), a.org.ID, r.PathValue("product"))
	if err != nil {
		return err
	}
	return s.redirect(w, r, orgPath(a.org.ID, "products"),
		d.Product.Name+" is deleted: "+plural(d.Counts.Users, "user")+" lost access, and "+plural(len(d.Grants), "grant")+" went with it.")
}
