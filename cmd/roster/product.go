package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/rosterhq/roster"
)

// productCreate is `roster product create`.
type productCreate struct{ org, key, name string }

func (cmd *productCreate) flags(fs *flag.FlagSet) []string {
	fs.StringVar(&cmd.org, "org", "", "the organization's ID")
	fs.StringVar(&cmd.key, "key", "", "a short key for the product, e.g. jira: lower-case letters, digits and -")
	fs.StringVar(&cmd.name, "name", "", "the product's name (default: the key)")
	return []string{"org", "key"}
}

func (cmd *productCreate) run(ctx context.Context, e *env) (output, error) {
	p, err := e.uc().Access.CreateProduct(cliCtx(ctx), cmd.org, cmd.key, cmd.name)
	if err != nil {
		return nil, err
	}
	return productCreated{p.OrgID, p.Key, p.Name, timestamp(p.Created)}, nil
}

type productCreated struct {
	OrgID   string    `json:"orgId"`
	Key     string    `json:"key"`
	Name    string    `json:"name"`
	Created timestamp `json:"created"`
}

func (p productCreated) Text(w io.Writer) {
	fmt.Fprintf(w, "Product %s (%s) created.\n\nNext, give a group access:\n  roster access grant --org %s --product %s --group GROUP_ID\n", p.Name, p.Key, p.OrgID, p.Key)
}

// countsJSON are the users with access to a product.
type countsJSON struct {
	Users    int `json:"users"`
	Managed  int `json:"managed"`
	External int `json:"external"`
}

func countsView(n *roster.ProductCounts) countsJSON {
	return countsJSON{n.Users, n.Managed, n.External}
}

type productJSON struct {
	Key  string `json:"key"`
	Name string `json:"name"`
	countsJSON
}

// productList is `roster product list`.
type productList struct{ org string }

func (cmd *productList) flags(fs *flag.FlagSet) []string {
	fs.StringVar(&cmd.org, "org", "", "the organization's ID")
	return []string{"org"}
}

func (cmd *productList) run(ctx context.Context, e *env) (output, error) {
	products, err := e.st.ListProducts(ctx, cmd.org)
	if err != nil {
		return nil, err
	}
	out := list[productJSON]{
		header: []string{"KEY", "NAME", "USERS", "MANAGED", "EXTERNAL"},
		row: func(p productJSON) []string {
			return []string{p.Key, p.Name, fmt.Sprint(p.Users), fmt.Sprint(p.Managed), fmt.Sprint(p.External)}
		},
		empty: fmt.Sprintf("No products yet. Add one with: roster product create --org %s --key jira --name Jira", cmd.org),
	}
	for _, p := range products {
		n, err := e.st.GetProductCounts(ctx, cmd.org, p.Key)
		if err != nil {
			return nil, err
		}
		out.items = append(out.items, productJSON{p.Key, p.Name, countsView(n)})
	}
	return out, nil
}

// productGroupFlags are the flags that name a product and a group.
type productGroupFlags struct{ org, product, group string }

func (f *productGroupFlags) define(fs *flag.FlagSet, groupUsage string) []string {
	fs.StringVar(&f.org, "org", "", "the organization's ID")
	fs.StringVar(&f.product, "product", "", "the product's key")
	fs.StringVar(&f.group, "group", "", groupUsage)
	return []string{"org", "product", "group"}
}

// productDefault is `roster product default`.
type productDefault struct {
	productGroupFlags
	remove bool
}

func (cmd *productDefault) flags(fs *flag.FlagSet) []string {
	fs.BoolVar(&cmd.remove, "remove", false, "stop making new managed accounts join the group")
	return cmd.define(fs, "a local group's ID")
}

func (cmd *productDefault) run(ctx context.Context, e *env) (output, error) {
	if err := e.uc().Access.SetDefault(cliCtx(ctx), cmd.org, cmd.product, cmd.group, !cmd.remove); err != nil {
		return nil, err
	}
	return defaultGroup{cmd.product, cmd.group, !cmd.remove}, nil
}

type defaultGroup struct {
	Product string `json:"product"`
	Group   string `json:"group"`
	Default bool   `json:"default"`
}

func (d defaultGroup) Text(w io.Writer) {
	if d.Default {
		fmt.Fprintf(w, "Every new managed account joins group %s from now on.\n", d.Group)
	} else {
		fmt.Fprintf(w, "New managed accounts no longer join group %s.\n", d.Group)
	}
}

// productRename is `roster product rename`: names are unique in the
// organization, in any case; the key stays (applications ask by it).
type productRename struct {
	org, product, name string
}

func (cmd *productRename) flags(fs *flag.FlagSet) []string {
	fs.StringVar(&cmd.org, "org", "", "the organization's ID")
	fs.StringVar(&cmd.product, "product", "", "the product's key")
	fs.StringVar(&cmd.name, "name", "", "the new name, unique in the organization")
	return []string{"org", "product", "name"}
}

func (cmd *productRename) run(ctx context.Context, e *env) (output, error) {
	p, err := e.uc().Access.RenameProduct(cliCtx(ctx), cmd.org, cmd.product, cmd.name)
	if err != nil {
		return nil, err
	}
	return productRenamed{p.Key, p.Name}, nil
}

type productRenamed struct {
	Key  string `json:"key"`
	Name string `json:"name"`
}

func (p productRenamed) Text(w io.Writer) {
	fmt.Fprintf(w, "Product %s is called %s now.\n", p.Key, p.Name)
}

// productDelete is `roster product delete`: without --yes it only says
// what access would go.
type productDelete struct {
	org, product string
	yes          bool
}

func (cmd *productDelete) flags(fs *flag.FlagSet) []string {
	fs.StringVar(&cmd.org, "org", "", "the organization's ID")
	fs.StringVar(&cmd.product, "product", "", "the product's key")
	fs.BoolVar(&cmd.yes, "yes", false, "delete now; without it, only show what access would go")
	return []string{"org", "product"}
}

func (cmd *productDelete) run(ctx context.Context, e *env) (output, error) {
	svc := e.uc().Access
	d, err := svc.ProductDeletion(ctx, cmd.org, cmd.product)
	if cmd.yes && err == nil {
		d, err = svc.DeleteProduct(cliCtx(ctx), cmd.org, cmd.product)
	}
	if err != nil {
		return nil, err
	}
	out := productDeletion{Key: d.Product.Key, Name: d.Product.Name, Users: countsView(&d.Counts), Grants: []string{}, Defaults: []string{}, Deleted: cmd.yes}
	for _, g := range d.Grants {
		out.Grants = append(out.Grants, g.GroupName)
	}
	for _, g := range d.Defaults {
		out.Defaults = append(out.Defaults, g.DisplayName)
	}
	return out, nil
}

type productDeletion struct {
	Key      string     `json:"key"`
	Name     string     `json:"name"`
	Users    countsJSON `json:"usersLosingAccess"`
	Grants   []string   `json:"grantsTo"`      // the groups whose grant goes
	Defaults []string   `json:"defaultGroups"` // the groups that stop being default groups
	Deleted  bool       `json:"deleted"`
}

func (p productDeletion) Text(w io.Writer) {
	verb := "Deleting"
	if p.Deleted {
		verb = "Deleted"
	}
	fmt.Fprintf(w, "%s the product %s (%s): %d users lose access (%d managed, %d external).\n", verb, p.Name, p.Key, p.Users.Users, p.Users.Managed, p.Users.External)
	labelled(w, "Grants to", orNone(strings.Join(p.Grants, ", ")), "Default groups", orNone(strings.Join(p.Defaults, ", ")))
	if !p.Deleted {
		fmt.Fprintf(w, "\nNothing changed yet. To delete: roster product delete --org ORG --product %s --yes\n", p.Key)
	}
}
