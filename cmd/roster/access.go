package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/users"
)

// accessGrant is `roster access grant`.
type accessGrant struct {
	productGroupFlags
	role string
}

func (cmd *accessGrant) flags(fs *flag.FlagSet) []string {
	fs.StringVar(&cmd.role, "role", roster.RoleUser, "user or admin")
	return cmd.define(fs, "the group's ID (synced from an identity provider, or local)")
}

func (cmd *accessGrant) run(ctx context.Context, e *env) (output, error) {
	g, err := e.uc().Access.Grant(cliCtx(ctx), cmd.org, cmd.product, cmd.group, cmd.role)
	if err != nil {
		return nil, err
	}
	return granted{g.Product, g.GroupID, g.Role}, nil
}

type granted struct {
	Product string `json:"product"`
	Group   string `json:"group"`
	Role    string `json:"role"`
}

func (g granted) Text(w io.Writer) {
	fmt.Fprintf(w, "Members of group %s have %s access to %s.\n", g.Group, g.Role, g.Product)
}

// accessRevoke is `roster access revoke`.
type accessRevoke struct{ productGroupFlags }

func (cmd *accessRevoke) flags(fs *flag.FlagSet) []string { return cmd.define(fs, "the group's ID") }

func (cmd *accessRevoke) run(ctx context.Context, e *env) (output, error) {
	if err := e.uc().Access.Revoke(cliCtx(ctx), cmd.org, cmd.product, cmd.group); err != nil {
		return nil, err
	}
	return revoked{cmd.product, cmd.group, true}, nil
}

type revoked struct {
	Product string `json:"product"`
	Group   string `json:"group"`
	Revoked bool   `json:"revoked"`
}

func (r revoked) Text(w io.Writer) {
	fmt.Fprintf(w, "Group %s no longer gives access to %s.\n", r.Group, r.Product)
}

// accessList is `roster access list`.
type accessList struct{ org, product string }

func (cmd *accessList) flags(fs *flag.FlagSet) []string {
	fs.StringVar(&cmd.org, "org", "", "the organization's ID")
	fs.StringVar(&cmd.product, "product", "", "the product's key")
	return []string{"org", "product"}
}

func (cmd *accessList) run(ctx context.Context, e *env) (output, error) {
	grants, err := e.st.ListGrants(ctx, cmd.org, cmd.product)
	if err != nil {
		return nil, err
	}
	n, err := e.st.GetProductCounts(ctx, cmd.org, cmd.product)
	if err != nil {
		return nil, err
	}
	out := grantList{Product: cmd.product, Grants: []grantJSON{}, countsJSON: countsView(n)}
	for _, g := range grants {
		out.Grants = append(out.Grants, grantJSON{g.GroupID, g.GroupName, g.Role, timestamp(g.Created)})
	}
	return out, nil
}

// grantJSON is a grant of a product to a group, in the admin API's shape.
type grantJSON struct {
	Group     string    `json:"group"`
	GroupName string    `json:"groupName"`
	Role      string    `json:"role"`
	Created   timestamp `json:"created"`
}

type grantList struct {
	Product string      `json:"product"`
	Grants  []grantJSON `json:"grants"`
	countsJSON
}

func (l grantList) Text(w io.Writer) {
	rows := [][]string{{"GROUP", "NAME", "ROLE", "SINCE"}}
	for _, g := range l.Grants {
		rows = append(rows, []string{g.Group, g.GroupName, g.Role, g.Created.String()})
	}
	table(w, rows)
	fmt.Fprintf(w, "\n%d users have access: %d managed, %d external.\n", l.Users, l.Managed, l.External)
}

// accessCheck is `roster access check`.
type accessCheck struct {
	userFlags
	product string
}

func (cmd *accessCheck) flags(fs *flag.FlagSet) []string {
	fs.StringVar(&cmd.product, "product", "", "the product's key")
	return append(cmd.define(fs), "product")
}

// run asks about the user findUser finds; one it does not find has no
// access, which the store says in its own words.
func (cmd *accessCheck) run(ctx context.Context, e *env) (output, error) {
	ref := cmd.user
	if u, err := users.Find(ctx, e.st, cmd.org, ref); err == nil {
		ref = u.ID
	} else if roster.ErrorCodeOf(err) != roster.ENotFound {
		return nil, err
	}
	a, err := e.st.CheckAccess(ctx, roster.ProductScope{OrgID: cmd.org, Product: cmd.product}, ref)
	if err != nil {
		return nil, err
	}
	return accessView(a), nil
}

// accessJSON is an access check in the admin API's shape: {allowed, role,
// via, reason}.
type accessJSON struct {
	Allowed bool           `json:"allowed"`
	Role    *string        `json:"role"` // null without access
	Via     []groupRefJSON `json:"via"`
	Reason  string         `json:"reason,omitempty"`
}

type groupRefJSON struct {
	ID          string `json:"id"`
	DisplayName string `json:"displayName"`
}

func accessView(a *roster.AccessDecision) accessJSON {
	out := accessJSON{Allowed: a.Allowed, Via: []groupRefJSON{}}
	if a.Role != "" {
		out.Role = &a.Role
	}
	if !a.Allowed {
		out.Reason = a.Reason
	}
	for _, g := range a.Via {
		out.Via = append(out.Via, groupRefJSON{g.ID, g.Display})
	}
	return out
}

func (a accessJSON) Text(w io.Writer) {
	if !a.Allowed {
		fmt.Fprintf(w, "Not allowed: %s.\n", a.Reason)
		return
	}
	var names []string
	for _, g := range a.Via {
		names = append(names, g.DisplayName)
	}
	role := roster.RoleUser
	if a.Role != nil {
		role = *a.Role
	}
	fmt.Fprintf(w, "Allowed, as %s, through %s.\n", role, strings.Join(names, ", "))
}
