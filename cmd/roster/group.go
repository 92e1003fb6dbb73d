package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/rosterhq/roster"
)

// groupFlags are the flags that name a group of an organization.
type groupFlags struct{ org, group string }

func (g *groupFlags) define(fs *flag.FlagSet, usage string) []string {
	fs.StringVar(&g.org, "org", "", "the organization's ID")
	fs.StringVar(&g.group, "group", "", usage)
	return []string{"org", "group"}
}

// groupCreate is `roster group create`.
type groupCreate struct{ org, name string }

func (cmd *groupCreate) flags(fs *flag.FlagSet) []string {
	fs.StringVar(&cmd.org, "org", "", "the organization's ID")
	fs.StringVar(&cmd.name, "name", "", "the group's name")
	return []string{"org", "name"}
}

func (cmd *groupCreate) run(ctx context.Context, e *env) (output, error) {
	g, err := e.uc().Groups.CreateLocal(cliCtx(ctx), cmd.org, cmd.name)
	if err != nil {
		return nil, err
	}
	return groupCreated{g.ID, g.DisplayName, true, timestamp(g.Created), cmd.org}, nil
}

type groupCreated struct {
	ID          string    `json:"id"`
	DisplayName string    `json:"displayName"`
	Local       bool      `json:"local"`
	Created     timestamp `json:"created"`
	org         string
}

func (g groupCreated) Text(w io.Writer) {
	fmt.Fprintf(w, "Local group %s created (ID %s). Add users with: roster group add-member --org %s --group %s --user USER\n", g.DisplayName, g.ID, g.org, g.ID)
}

// groupAddMember is `roster group add-member`.
type groupAddMember struct {
	groupFlags
	user string
}

func (cmd *groupAddMember) flags(fs *flag.FlagSet) []string {
	fs.StringVar(&cmd.user, "user", "", "the user's ID, userName or email address")
	return append(cmd.define(fs, "a local group's ID"), "user")
}

func (cmd *groupAddMember) run(ctx context.Context, e *env) (output, error) {
	added, err := e.uc().Groups.AddMembers(cliCtx(ctx), cmd.org, cmd.group, []string{cmd.user})
	if err != nil {
		return nil, err
	}
	return memberAdded{cmd.group, added[0].ID, added[0].UserName}, nil
}

type memberAdded struct {
	Group    string `json:"group"`
	User     string `json:"user"`
	userName string
}

func (m memberAdded) Text(w io.Writer) {
	fmt.Fprintf(w, "%s is a member of group %s.\n", m.userName, m.Group)
}

// conflictJSON is a synced group in conflict with a local one, in the
// admin API's shape.
type conflictJSON struct {
	Synced struct {
		ID          string `json:"id"`
		DisplayName string `json:"displayName"`
		DirectoryID string `json:"directoryId"`
	} `json:"synced"`
	Local struct {
		ID          string `json:"id"`
		DisplayName string `json:"displayName"`
	} `json:"local"`
}

func conflictView(c *roster.Conflict) conflictJSON {
	var out conflictJSON
	out.Synced.ID, out.Synced.DisplayName, out.Synced.DirectoryID = c.Synced.ID, c.Synced.DisplayName, c.DirectoryID
	out.Local.ID, out.Local.DisplayName = c.Local.ID, c.Local.DisplayName
	return out
}

// groupConflicts is `roster group conflicts`.
type groupConflicts struct{ org string }

func (cmd *groupConflicts) flags(fs *flag.FlagSet) []string {
	fs.StringVar(&cmd.org, "org", "", "the organization's ID")
	return []string{"org"}
}

func (cmd *groupConflicts) run(ctx context.Context, e *env) (output, error) {
	conflicts, err := e.st.ListConflicts(ctx, cmd.org)
	if err != nil {
		return nil, err
	}
	out := list[conflictJSON]{
		header: []string{"SYNCED GROUP", "NAME", "DIRECTORY", "LOCAL GROUP", "NAME"},
		row: func(x conflictJSON) []string {
			return []string{x.Synced.ID, x.Synced.DisplayName, x.Synced.DirectoryID, x.Local.ID, x.Local.DisplayName}
		},
		empty: "No group conflicts.",
		footer: func(w io.Writer) {
			fmt.Fprintf(w, "\nReview one with: roster group link --group SYNCED_GROUP (add --yes to link)\n")
		},
	}
	for i := range conflicts {
		out.items = append(out.items, conflictView(&conflicts[i]))
	}
	return out, nil
}

// groupLink is `roster group link`. The group in conflict names its
// organization, so --org may be left out.
type groupLink struct {
	groupFlags
	yes bool
}

func (cmd *groupLink) flags(fs *flag.FlagSet) []string {
	fs.BoolVar(&cmd.yes, "yes", false, "link now; without it, only show whose access would change")
	cmd.define(fs, "the synced group in conflict")
	fs.Lookup("org").Usage = "the organization's ID (default: the organization of the group in conflict)"
	return []string{"group"}
}

func (cmd *groupLink) run(ctx context.Context, e *env) (output, error) {
	org := cmd.org
	if org == "" {
		var err error
		if org, err = conflictOrg(ctx, e.st, cmd.group); err != nil {
			return nil, err
		}
	}
	p, err := e.st.PreviewLink(ctx, org, cmd.group)
	if err != nil {
		return nil, err
	}
	if cmd.yes {
		if p, err = e.uc().Groups.Link(cliCtx(ctx), org, cmd.group); err != nil {
			return nil, err
		}
	}
	return previewView(p, cmd.yes), nil
}

// conflictOrg finds the organization with a synced group in conflict,
// among the organizations' conflict lists (short: only groups named like
// a local group are in them).
func conflictOrg(ctx context.Context, st store, groupID string) (string, error) {
	orgs, err := st.ListOrgs(ctx)
	if err != nil {
		return "", err
	}
	for _, o := range orgs {
		conflicts, err := st.ListConflicts(ctx, o.ID)
		if err != nil {
			return "", err
		}
		for _, c := range conflicts {
			if c.Synced.ID == groupID {
				return o.ID, nil
			}
		}
	}
	return "", roster.NotFoundf("no group %q is in conflict with a local group; see roster group conflicts --org ORG", groupID)
}

// previewJSON says whose access linking a conflict changes, in the admin
// API's shape, and whether it was linked.
type previewJSON struct {
	conflictJSON
	Products []string      `json:"products"`
	Gain     []userRefJSON `json:"gain"`
	Lose     []userRefJSON `json:"lose"`
	Gained   int           `json:"gained"`
	Lost     int           `json:"lost"`
	Defaults []string      `json:"defaults"` // products the local group is a default group of
	Linked   bool          `json:"linked"`
}

type userRefJSON struct {
	ID       string `json:"id"`
	UserName string `json:"userName"`
}

func previewView(p *roster.LinkPreview, linked bool) previewJSON {
	refs := func(us []roster.User) []userRefJSON {
		out := []userRefJSON{}
		for _, u := range us {
			out = append(out, userRefJSON{u.ID, u.UserName})
		}
		return out
	}
	orEmpty := func(list []string) []string {
		if list == nil {
			return []string{}
		}
		return list
	}
	return previewJSON{conflictView(&p.Conflict), orEmpty(p.Products), refs(p.Gain), refs(p.Lose), p.Gained, p.Lost, orEmpty(p.Defaults), linked}
}

func (p previewJSON) Text(w io.Writer) {
	names := func(n int, us []userRefJSON) string {
		var out []string
		for _, u := range us {
			out = append(out, u.UserName)
		}
		if n > len(us) {
			out = append(out, fmt.Sprintf("and %d more", n-len(us)))
		}
		return fmt.Sprintf("%d: %s", n, strings.Join(out, ", "))
	}
	defaults := "none"
	if len(p.Defaults) > 0 {
		defaults = strings.Join(p.Defaults, ", ") + " (default groups are local: new managed accounts no longer join one for these)"
	}
	fmt.Fprintf(w, "Linking %q (from directory %s) with the local group %q, by effective access (nested groups, active users):\n", p.Synced.DisplayName, p.Synced.DirectoryID, p.Local.DisplayName)
	labelled(w, "Products", strings.Join(p.Products, ", "), "Would gain access", names(p.Gained, p.Gain), "Would lose it", names(p.Lost, p.Lose),
		"Default group of", defaults)
	if p.Linked {
		fmt.Fprintln(w, "\nLinked: the synced group has the local group's access, and the local group is gone.")
	} else {
		fmt.Fprintf(w, "\nNothing changed yet. To link: roster group link --group %s --yes\n", p.Synced.ID)
	}
}

// groupUnlink is `roster group unlink`.
type groupUnlink struct{ groupFlags }

func (cmd *groupUnlink) flags(fs *flag.FlagSet) []string { return cmd.define(fs, "the group's ID") }

func (cmd *groupUnlink) run(ctx context.Context, e *env) (output, error) {
	if err := e.uc().Groups.Unlink(cliCtx(ctx), cmd.org, cmd.group); err != nil {
		return nil, err
	}
	return groupUnlinked{cmd.group, true}, nil
}

type groupUnlinked struct {
	Group string `json:"group"`
	Local bool   `json:"local"`
}

func (g groupUnlinked) Text(w io.Writer) {
	fmt.Fprintf(w, "The group %s is local now: its identity provider no longer sees or changes it.\n", g.Group)
}

// groupRename is `roster group rename`: a local group's name, unique among
// the organization's local groups in any case.
type groupRename struct {
	groupFlags
	name string
}

func (cmd *groupRename) flags(fs *flag.FlagSet) []string {
	fs.StringVar(&cmd.name, "name", "", "the new name")
	return append(cmd.define(fs, "a local group's ID"), "name")
}

func (cmd *groupRename) run(ctx context.Context, e *env) (output, error) {
	g, err := e.uc().Groups.RenameLocal(cliCtx(ctx), cmd.org, cmd.group, cmd.name)
	if err != nil {
		return nil, err
	}
	return groupRenamed{g.ID, g.DisplayName}, nil
}

type groupRenamed struct {
	ID          string `json:"id"`
	DisplayName string `json:"displayName"`
}

func (g groupRenamed) Text(w io.Writer) {
	fmt.Fprintf(w, "Group %s is called %s now.\n", g.ID, g.DisplayName)
}

// groupDelete is `roster group delete`: without --yes it only says what
// access would go.
type groupDelete struct {
	groupFlags
	yes bool
}

func (cmd *groupDelete) flags(fs *flag.FlagSet) []string {
	fs.BoolVar(&cmd.yes, "yes", false, "delete now; without it, only show what access would go")
	return cmd.define(fs, "a local group's ID")
}

func (cmd *groupDelete) run(ctx context.Context, e *env) (output, error) {
	svc := e.uc().Groups
	g, err := e.st.GetOrgGroup(ctx, cmd.org, cmd.group)
	if err != nil {
		return nil, err
	}
	if g.DirectoryID != "" {
		return nil, roster.Invalidf("", "group %s is provisioned by directory %s: its identity provider deletes it, or unlink it first (roster group unlink)", g.ID, g.DirectoryID)
	}
	d, err := svc.Deletion(ctx, cmd.org, cmd.group)
	if cmd.yes && err == nil {
		d, err = svc.DeleteLocal(cliCtx(ctx), cmd.org, cmd.group)
	}
	if err != nil {
		return nil, err
	}
	out := groupDeletion{ID: g.ID, DisplayName: g.DisplayName, Access: []accessLossJSON{}, Deleted: cmd.yes}
	for _, a := range d.Access {
		out.Access = append(out.Access, accessLossJSON{a.Product.Key, a.Product.Name, a.Lose, a.Direct, a.Default})
	}
	return out, nil
}

// accessLossJSON is a product a deletion takes from users.
type accessLossJSON struct {
	Product string `json:"product"`
	Name    string `json:"name"`
	Lose    int    `json:"usersLosingAccess"`
	Direct  bool   `json:"granted"`      // granted to the group itself
	Default bool   `json:"defaultGroup"` // the group is one of the product's default groups
}

type groupDeletion struct {
	ID          string           `json:"id"`
	DisplayName string           `json:"displayName"`
	Access      []accessLossJSON `json:"access"`
	Deleted     bool             `json:"deleted"`
}

func (g groupDeletion) Text(w io.Writer) {
	verb := "Deleting"
	if g.Deleted {
		verb = "Deleted"
	}
	fmt.Fprintf(w, "%s the local group %s (%s):\n", verb, g.DisplayName, g.ID)
	if len(g.Access) == 0 {
		fmt.Fprintln(w, "  nobody loses access to any product.")
	}
	for _, a := range g.Access {
		line := fmt.Sprintf("%s: %s", a.Name, losing(a.Lose))
		if a.Default {
			line += "; new managed accounts no longer join it"
		}
		fmt.Fprintln(w, "  "+line)
	}
	if !g.Deleted {
		fmt.Fprintf(w, "\nNothing changed yet. To delete: roster group delete --org ORG --group %s --yes\n", g.ID)
	}
}

// losing says how many users lose access: "1 user loses access".
func losing(n int) string {
	if n == 1 {
		return "1 user loses access"
	}
	return fmt.Sprintf("%d users lose access", n)
}
