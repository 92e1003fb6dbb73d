package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/access"
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
	p, err := (&access.Service{Store: e.st}).CreateProduct(cliCtx(ctx), cmd.org, cmd.key, cmd.name)
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
	if err := (&access.Service{Store: e.st}).SetDefault(cliCtx(ctx), cmd.org, cmd.product, cmd.group, !cmd.remove); err != nil {
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
