package console

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/groups"
	"github.com/rosterhq/roster/users"
)

// Users.

type usersPage struct {
	Users       []roster.User
	Directories []roster.Directory
	DirNames    map[string]string
	// The filter as the form shows it.
	Q, Directory, Active, Managed string
	Pager                         pager
}

func (s *Console) users(w http.ResponseWriter, r *http.Request, a *session) error {
	q := r.URL.Query()
	p := usersPage{Q: q.Get("q"), Directory: q.Get("directory"), Active: q.Get("active"), Managed: q.Get("managed")}
	f := roster.UserFilter{Search: p.Q, Active: yesNo(p.Active, "active", "deactivated"), Managed: yesNo(p.Managed, "managed", "external")}
	f.Local, f.DirectoryID = directoryScope(p.Directory)
	n, offset := pageParam(r)
	list, err := s.store.ListOrgUsers(r.Context(), a.org.ID, f, offset, pageSize)
	if err != nil {
		return err
	}
	p.Users, p.Pager = list.Items, newPager(r, n, list.Total)
	if p.Directories, p.DirNames, err = s.directoryNames(r, a); err != nil {
		return err
	}
	return s.render(w, r, a, http.StatusOK, "users", view{Title: "Users", Section: "users", Page: p})
}

// directoryScope reads a list's directory filter: "" for all, "local"
// for users or groups of no directory, else a directory's ID.
func directoryScope(v string) (local bool, dirID string) {
	if v == "local" {
		return true, ""
	}
	return false, v
}

// yesNo reads a three-way filter: yes, no, or either ("").
func yesNo(v, yes, no string) *bool {
	t, f := true, false
	switch v {
	case yes:
		return &t
	case no:
		return &f
	}
	return nil
}

func (s *Console) directoryNames(r *http.Request, a *session) ([]roster.Directory, map[string]string, error) {
	dirs, err := s.store.ListDirectories(r.Context(), a.org.ID)
	names := map[string]string{}
	for _, d := range dirs {
		names[d.ID] = d.Name
	}
	return dirs, names, err
}

type userPage struct {
	User       *roster.User
	Directory  string // its name; "" for a local user
	Attributes string // the SCIM document, indented
	Groups     []roster.GroupRef
	Access     []productAccess
	History    []eventRow
}

type productAccess struct {
	Product roster.Product
	Access  *roster.AccessDecision
}

// historyRows is how many of a resource's events its page shows; the
// Activity page has the rest.
const historyRows = 50

func (s *Console) history(r *http.Request, a *session, resourceID string) ([]eventRow, error) {
	events, err := s.store.SearchEvents(r.Context(), a.org.ID, roster.EventFilter{ResourceID: resourceID}, historyRows)
	if err != nil {
		return nil, err
	}
	_, names, err := s.directoryNames(r, a)
	if err != nil {
		return nil, err
	}
	return s.eventRows(r, a, events, names)
}

func (s *Console) user(w http.ResponseWriter, r *http.Request, a *session) error {
	ctx := r.Context()
	u, err := s.store.FindUser(ctx, a.org.ID, r.PathValue("user"))
	if err != nil {
		return err
	}
	p := userPage{User: u, Attributes: indent(u.Attributes)}
	if u.DirectoryID != "" {
		d, err := s.store.GetDirectory(ctx, a.org.ID, u.DirectoryID)
		if err != nil {
			return err
		}
		p.Directory = d.Name
	}
	if p.Groups, err = s.store.ListOrgUserGroups(ctx, a.org.ID, u.ID); err != nil {
		return err
	}
	if p.Access, err = s.accessOf(r, a, u.ID); err != nil {
		return err
	}
	if p.History, err = s.history(r, a, u.ID); err != nil {
		return err
	}
	return s.render(w, r, a, http.StatusOK, "user", view{Title: u.UserName, Section: "users", Page: p})
}

// accessOf checks a user against every product of the organization; an
// organization has a handful of products.
func (s *Console) accessOf(r *http.Request, a *session, userID string) ([]productAccess, error) {
	products, err := s.store.ListProducts(r.Context(), a.org.ID)
	if err != nil {
		return nil, err
	}
	var out []productAccess
	for _, pr := range products {
		acc, err := s.store.CheckAccess(r.Context(), roster.ProductScope{OrgID: a.org.ID, Product: pr.Key}, userID)
		if err != nil {
			return nil, err
		}
		out = append(out, productAccess{Product: pr, Access: acc})
	}
	return out, nil
}

// indent pretty-prints a stored SCIM document for reading.
func indent(doc []byte) string {
	var v any
	if json.Unmarshal(doc, &v) != nil {
		return string(doc)
	}
	out, _ := json.MarshalIndent(v, "", "  ")
	return string(out)
}

func (s *Console) unlinkUser(w http.ResponseWriter, r *http.Request, a *session) error {
	u, err := users.Unlink(r.Context(), s.store, a.org.ID, r.PathValue("user"))
	if err != nil {
		return err
	}
	return s.redirect(w, r, orgPath(a.org.ID, "users", u.ID),
		u.UserName+" is unlinked: it is a local user now, and its identity provider no longer sees or changes it.")
}

// Groups.

type groupsPage struct {
	Groups      []roster.OrgGroup
	Directories []roster.Directory
	DirNames    map[string]string
	Q           string
	Directory   string
	Conflicts   bool
	Pager       pager
}

func (s *Console) groups(w http.ResponseWriter, r *http.Request, a *session) error {
	q := r.URL.Query()
	p := groupsPage{Q: q.Get("q"), Directory: q.Get("directory"), Conflicts: q.Get("conflicts") == "1"}
	f := roster.GroupFilter{Search: p.Q, Conflicts: p.Conflicts}
	f.Local, f.DirectoryID = directoryScope(p.Directory)
	n, offset := pageParam(r)
	list, err := s.store.ListOrgGroups(r.Context(), a.org.ID, f, offset, pageSize)
	if err != nil {
		return err
	}
	p.Groups, p.Pager = list.Items, newPager(r, n, list.Total)
	if p.Directories, p.DirNames, err = s.directoryNames(r, a); err != nil {
		return err
	}
	return s.render(w, r, a, http.StatusOK, "groups", view{Title: "Groups", Section: "groups", Page: p})
}

// membersPerPage is how many members a group's page lists at a time.
const membersPerPage = 100

type groupPage struct {
	Group     *roster.OrgGroup
	Directory string
	Members   []roster.Member
	Q         string
	Next      string // the next page of members; "" at the end
	First     bool   // this is the first page
	Grants    []grantRow
	Products  []roster.Product // products the group has no grant for
	History   []eventRow
}

type grantRow struct {
	Product roster.Product
	Role    string
}

func (s *Console) group(w http.ResponseWriter, r *http.Request, a *session) error {
	ctx := r.Context()
	g, err := s.store.GetOrgGroup(ctx, a.org.ID, r.PathValue("group"))
	if err != nil {
		return err
	}
	q := r.URL.Query()
	p := groupPage{Group: g, Q: q.Get("q"), First: q.Get("after") == ""}
	if g.DirectoryID != "" {
		d, err := s.store.GetDirectory(ctx, a.org.ID, g.DirectoryID)
		if err != nil {
			return err
		}
		p.Directory = d.Name
	}
	// Keyset paging: a page after any member costs one index range read,
	// however large the group.
	members, err := s.store.ListMembersPage(ctx, a.org.ID, g.ID, roster.MemberQuery{After: q.Get("after"), Search: p.Q, Limit: membersPerPage + 1})
	if err != nil {
		return err
	}
	if len(members) > membersPerPage {
		members = members[:membersPerPage]
		next := r.URL.Query()
		next.Set("after", members[len(members)-1].ID)
		p.Next = r.URL.Path + "?" + next.Encode()
	}
	p.Members = members
	if p.Grants, p.Products, err = s.groupGrants(r, a, g.ID); err != nil {
		return err
	}
	if p.History, err = s.history(r, a, g.ID); err != nil {
		return err
	}
	return s.render(w, r, a, http.StatusOK, "group", view{Title: g.DisplayName, Section: "groups", Page: p})
}

// groupGrants returns the group's grants and the products it has none for.
func (s *Console) groupGrants(r *http.Request, a *session, groupID string) ([]grantRow, []roster.Product, error) {
	products, err := s.store.ListProducts(r.Context(), a.org.ID)
	if err != nil {
		return nil, nil, err
	}
	var grants []grantRow
	var others []roster.Product
	for _, pr := range products {
		list, err := s.store.ListGrants(r.Context(), a.org.ID, pr.Key)
		if err != nil {
			return nil, nil, err
		}
		i := slices.IndexFunc(list, func(g roster.Grant) bool { return g.GroupID == groupID })
		if i >= 0 {
			grants = append(grants, grantRow{Product: pr, Role: list[i].Role})
		} else {
			others = append(others, pr)
		}
	}
	return grants, others, nil
}

func (s *Console) unlinkGroup(w http.ResponseWriter, r *http.Request, a *session) error {
	g, err := s.store.GetOrgGroup(r.Context(), a.org.ID, r.PathValue("group"))
	if err != nil {
		return err
	}
	if err := s.uc.Groups.Unlink(r.Context(), a.org.ID, g.ID); err != nil {
		return err
	}
	return s.redirect(w, r, orgPath(a.org.ID, "groups", g.ID),
		g.DisplayName+" is unlinked: it is a local group now, and its identity provider no longer sees or changes it.")
}

type linkPage struct {
	Preview *roster.LinkPreview
	Group   *roster.OrgGroup
}

func (s *Console) linkPreview(w http.ResponseWriter, r *http.Request, a *session) error {
	g, err := s.store.GetOrgGroup(r.Context(), a.org.ID, r.PathValue("group"))
	if err != nil {
		return err
	}
	p, err := s.store.PreviewLink(r.Context(), a.org.ID, g.ID)
	if err != nil {
		return err
	}
	return s.render(w, r, a, http.StatusOK, "link", view{Title: "Link " + g.DisplayName, Section: "groups", Page: linkPage{Preview: p, Group: g}})
}

func (s *Console) linkGroup(w http.ResponseWriter, r *http.Request, a *session) error {
	g, err := s.store.GetOrgGroup(r.Context(), a.org.ID, r.PathValue("group"))
	if err != nil {
		return err
	}
	if _, err := s.uc.Groups.Link(r.Context(), a.org.ID, g.ID); err != nil {
		return err
	}
	return s.redirect(w, r, orgPath(a.org.ID, "groups", g.ID),
		g.DisplayName+" is linked: it took over the local group's product access, and the local group is gone.")
}

// plural says "1 user", "3 users", "2 directories".
func plural(n int, word string) string {
	return strconv.Itoa(n) + " " + noun(n, word)
}

// noun is word, in the plural unless n is 1.
func noun(n int, word string) string {
	switch {
	case n == 1:
		return word
	case strings.HasSuffix(word, "y") && !strings.ContainsAny(word[len(word)-2:len(word)-1], "aeiou"):
		return strings.TrimSuffix(word, "y") + "ies" // directory, not day
	}
	return word + "s"
}

// Local groups: made and filled by admins, with users of any directory.

func (s *Console) createLocalGroup(w http.ResponseWriter, r *http.Request, a *session) error {
	g, err := s.uc.Groups.CreateLocal(r.Context(), a.org.ID, r.PostForm.Get("name"))
	if err != nil {
		return err
	}
	return s.redirect(w, r, orgPath(a.org.ID, "groups", g.ID), g.DisplayName+" created. Add members below.")
}

// addLocalMembers adds the users the form lists, one userName, email or ID
// a line, to a local group: all of them, or none when one is unknown.
func (s *Console) addLocalMembers(w http.ResponseWriter, r *http.Request, a *session) error {
	added, err := s.uc.Groups.AddMembers(r.Context(), a.org.ID, r.PathValue("group"), strings.Split(r.PostForm.Get("users"), "\n"))
	if err != nil {
		return err
	}
	return s.redirect(w, r, orgPath(a.org.ID, "groups", r.PathValue("group")), plural(len(added), "user")+" added.")
}

func (s *Console) removeLocalMember(w http.ResponseWriter, r *http.Request, a *session) error {
	if err := s.uc.Groups.RemoveMembers(r.Context(), a.org.ID, r.PathValue("group"), []string{r.PathValue("member")}); err != nil {
		return err
	}
	return s.redirect(w, r, orgPath(a.org.ID, "groups", r.PathValue("group")), "Removed from the group.")
}

// renameLocalGroup renames a local group; names are unique among the
// organization's local groups (a clash is drawn beside the field, 409).
func (s *Console) renameLocalGroup(w http.ResponseWriter, r *http.Request, a *session) error {
	was, err := s.store.GetOrgGroup(r.Context(), a.org.ID, r.PathValue("group"))
	if err != nil {
		return err
	}
	g, err := s.uc.Groups.RenameLocal(r.Context(), a.org.ID, was.ID, r.PostForm.Get("name"))
	if err != nil {
		return inField("name", err)
	}
	return s.redirect(w, r, orgPath(a.org.ID, "groups", g.ID), was.DisplayName+" is called "+g.DisplayName+" now.")
}

// groupDeletePage is what deleting a local group takes away.
type groupDeletePage struct {
	Group *roster.OrgGroup
	*groups.Deletion
}

// deleteGroupForm says what deleting the local group takes away, and asks.
func (s *Console) deleteGroupForm(w http.ResponseWriter, r *http.Request, a *session) error {
	g, err := s.store.GetOrgGroup(r.Context(), a.org.ID, r.PathValue("group"))
	if err != nil {
		return err
	}
	if g.DirectoryID != "" {
		return roster.Invalidf("", "%s is provisioned by a directory: its identity provider deletes it, or unlink it first", g.DisplayName)
	}
	d, err := s.uc.Groups.Deletion(r.Context(), a.org.ID, g.ID)
	if err != nil {
		return err
	}
	return s.render(w, r, a, http.StatusOK, "group-delete", view{Title: "Delete " + g.DisplayName, Section: "groups", Page: groupDeletePage{g, d}})
}

func (s *Console) deleteLocalGroup(w http.ResponseWriter, r *http.Request, a *session) error {
	g, err := s.store.GetOrgGroup(r.Context(), a.org.ID, r.PathValue("group"))
	if err != nil {
		return err
	}
	d, err := s.uc.Groups.DeleteLocal(r.Context(), a.org.ID, g.ID)
	if err != nil {
		return err
	}
	msg := g.DisplayName + " is deleted."
	var lost []string
	for _, x := range d.Access {
		if x.Lose > 0 {
			lost = append(lost, x.Product.Name+" ("+plural(x.Lose, "user")+")")
		}
	}
	if len(lost) > 0 {
		msg += " Access went: " + strings.Join(lost, ", ") + "."
	}
	return s.redirect(w, r, orgPath(a.org.ID, "groups"), msg)
}
