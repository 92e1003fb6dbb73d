package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/http/adminapi"
	"github.com/rosterhq/roster/scim"
)

func cmdProductCreate(ctx context.Context, c *cli, args []string) error {
	fs := c.newFlags("product create")
	org := fs.String("org", "", "the organization's ID")
	key := fs.String("key", "", "a short key for the product, e.g. jira: lower-case letters, digits and -")
	name := fs.String("name", "", "the product's name")
	if err := c.parse(fs, args, "org", "key", "name"); err != nil {
		return err
	}
	if !roster.ValidProductKey(*key) {
		return fmt.Errorf("--key %q must be lower-case letters, digits and -, starting with a letter or digit, at most 63 characters", *key)
	}
	st, err := c.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	p := roster.Product{OrgID: *org, Key: *key, Name: strings.TrimSpace(*name)}
	if err := st.CreateProduct(cliCtx(ctx), &p); err != nil {
		return err
	}
	if c.json {
		return c.printJSON(map[string]any{"orgId": p.OrgID, "key": p.Key, "name": p.Name, "created": jsonTime(p.Created)})
	}
	fmt.Fprintf(c.stdout, "Product %s (%s) created.\n\nNext, give a group access:\n  roster access grant --org %s --product %s --group GROUP_ID\n", p.Name, p.Key, p.OrgID, p.Key)
	return nil
}

func cmdProductList(ctx context.Context, c *cli, args []string) error {
	fs := c.newFlags("product list")
	org := fs.String("org", "", "the organization's ID")
	st, err := c.start(ctx, fs, args, "org")
	if err != nil {
		return err
	}
	defer st.Close()
	products, err := st.Products(ctx, *org)
	if err != nil {
		return err
	}
	out := []map[string]any{}
	rows := [][]string{{"KEY", "NAME", "USERS", "MANAGED", "EXTERNAL"}}
	for _, p := range products {
		n, err := st.ProductCounts(ctx, *org, p.Key)
		if err != nil {
			return err
		}
		out = append(out, map[string]any{"key": p.Key, "name": p.Name, "users": n.Users, "managed": n.Managed, "external": n.External})
		rows = append(rows, []string{p.Key, p.Name, fmt.Sprint(n.Users), fmt.Sprint(n.Managed), fmt.Sprint(n.External)})
	}
	if c.json {
		return c.printJSON(out)
	}
	if len(products) == 0 {
		fmt.Fprintf(c.stdout, "No products yet. Add one with: roster product create --org %s --key jira --name Jira\n", *org)
		return nil
	}
	c.table(rows)
	return nil
}

func cmdProductDefault(ctx context.Context, c *cli, args []string) error {
	fs := c.newFlags("product default")
	org := fs.String("org", "", "the organization's ID")
	product := fs.String("product", "", "the product's key")
	group := fs.String("group", "", "a local group's ID")
	remove := fs.Bool("remove", false, "stop making new managed accounts join the group")
	st, err := c.start(ctx, fs, args, "org", "product", "group")
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.SetDefaultGroup(cliCtx(ctx), *org, *product, *group, !*remove); err != nil {
		return err
	}
	if c.json {
		return c.printJSON(map[string]any{"product": *product, "group": *group, "default": !*remove})
	}
	if *remove {
		fmt.Fprintf(c.stdout, "New managed accounts no longer join group %s.\n", *group)
	} else {
		fmt.Fprintf(c.stdout, "Every new managed account joins group %s from now on.\n", *group)
	}
	return nil
}

func cmdAccessGrant(ctx context.Context, c *cli, args []string) error {
	fs := c.newFlags("access grant")
	org := fs.String("org", "", "the organization's ID")
	product := fs.String("product", "", "the product's key")
	group := fs.String("group", "", "the group's ID (synced from an identity provider, or local)")
	role := fs.String("role", roster.RoleUser, "user or admin")
	st, err := c.start(ctx, fs, args, "org", "product", "group")
	if err != nil {
		return err
	}
	defer st.Close()
	g := roster.Grant{OrgID: *org, Product: *product, GroupID: *group, Role: *role}
	if err := st.GrantAccess(cliCtx(ctx), &g); err != nil {
		return err
	}
	if c.json {
		return c.printJSON(map[string]any{"product": g.Product, "group": g.GroupID, "role": g.Role})
	}
	fmt.Fprintf(c.stdout, "Members of group %s have %s access to %s.\n", g.GroupID, g.Role, g.Product)
	return nil
}

func cmdAccessRevoke(ctx context.Context, c *cli, args []string) error {
	fs := c.newFlags("access revoke")
	org := fs.String("org", "", "the organization's ID")
	product := fs.String("product", "", "the product's key")
	group := fs.String("group", "", "the group's ID")
	st, err := c.start(ctx, fs, args, "org", "product", "group")
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.RevokeAccess(cliCtx(ctx), *org, *product, *group); err != nil {
		return err
	}
	if c.json {
		return c.printJSON(map[string]any{"product": *product, "group": *group, "revoked": true})
	}
	fmt.Fprintf(c.stdout, "Group %s no longer gives access to %s.\n", *group, *product)
	return nil
}

func cmdAccessList(ctx context.Context, c *cli, args []string) error {
	fs := c.newFlags("access list")
	org := fs.String("org", "", "the organization's ID")
	product := fs.String("product", "", "the product's key")
	st, err := c.start(ctx, fs, args, "org", "product")
	if err != nil {
		return err
	}
	defer st.Close()
	grants, err := st.Grants(ctx, *org, *product)
	if err != nil {
		return err
	}
	n, err := st.ProductCounts(ctx, *org, *product)
	if err != nil {
		return err
	}
	if c.json {
		list := []map[string]any{}
		for i := range grants {
			list = append(list, adminapi.GrantJSON(&grants[i]))
		}
		return c.printJSON(map[string]any{"product": *product, "grants": list, "users": n.Users, "managed": n.Managed, "external": n.External})
	}
	rows := [][]string{{"GROUP", "NAME", "ROLE", "SINCE"}}
	for _, g := range grants {
		rows = append(rows, []string{g.GroupID, g.GroupName, g.Role, formatTime(g.Created)})
	}
	c.table(rows)
	fmt.Fprintf(c.stdout, "\n%d users have access: %d managed, %d external.\n", n.Users, n.Managed, n.External)
	return nil
}

func cmdAccessCheck(ctx context.Context, c *cli, args []string) error {
	fs := c.newFlags("access check")
	org := fs.String("org", "", "the organization's ID")
	product := fs.String("product", "", "the product's key")
	user := fs.String("user", "", "the user's ID or userName")
	st, err := c.start(ctx, fs, args, "org", "product", "user")
	if err != nil {
		return err
	}
	defer st.Close()
	a, err := st.CheckAccess(ctx, *org, *product, *user)
	if err != nil {
		return err
	}
	if c.json {
		return c.printJSON(adminapi.AccessJSON(a))
	}
	if a.Allowed {
		var names []string
		for _, g := range a.Via {
			names = append(names, g.Display)
		}
		fmt.Fprintf(c.stdout, "Allowed, as %s, through %s.\n", a.Role, strings.Join(names, ", "))
	} else {
		fmt.Fprintf(c.stdout, "Not allowed: %s.\n", a.Reason)
	}
	return nil
}

func cmdGroupCreate(ctx context.Context, c *cli, args []string) error {
	fs := c.newFlags("group create")
	org := fs.String("org", "", "the organization's ID")
	name := fs.String("name", "", "the group's name")
	if err := c.parse(fs, args, "org", "name"); err != nil {
		return err
	}
	res, err := scim.GroupType.Normalize(map[string]any{"displayName": strings.TrimSpace(*name)})
	if err != nil {
		return err
	}
	st, err := c.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	var g roster.Group
	scim.GroupFromDoc(res.Doc, &g)
	if err := st.CreateLocalGroup(cliCtx(ctx), *org, &g); err != nil {
		return err
	}
	if c.json {
		return c.printJSON(map[string]any{"id": g.ID, "displayName": g.DisplayName, "local": true, "created": jsonTime(g.Created)})
	}
	fmt.Fprintf(c.stdout, "Local group %s created (ID %s). Add users with: roster group add-member --org %s --group %s --user USER\n", g.DisplayName, g.ID, *org, g.ID)
	return nil
}

func cmdGroupAddMember(ctx context.Context, c *cli, args []string) error {
	fs := c.newFlags("group add-member")
	org := fs.String("org", "", "the organization's ID")
	group := fs.String("group", "", "a local group's ID")
	user := fs.String("user", "", "the user's ID or userName")
	st, err := c.start(ctx, fs, args, "org", "group", "user")
	if err != nil {
		return err
	}
	defer st.Close()
	u, err := st.FindUser(ctx, *org, *user)
	if err != nil {
		return err
	}
	if err := st.AddLocalMembers(cliCtx(ctx), *org, *group, []string{u.ID}); err != nil {
		return err
	}
	if c.json {
		return c.printJSON(map[string]any{"group": *group, "user": u.ID})
	}
	fmt.Fprintf(c.stdout, "%s is a member of group %s.\n", u.UserName, *group)
	return nil
}
