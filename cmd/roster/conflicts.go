package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/http/adminapi"
)

func cmdGroupConflicts(ctx context.Context, c *cli, args []string) error {
	fs := c.newFlags("group conflicts")
	org := fs.String("org", "", "the organization's ID")
	st, err := c.start(ctx, fs, args, "org")
	if err != nil {
		return err
	}
	defer st.Close()
	conflicts, err := st.Conflicts(ctx, *org)
	if err != nil {
		return err
	}
	if c.json {
		out := []map[string]any{}
		for i := range conflicts {
			out = append(out, adminapi.ConflictJSON(&conflicts[i]))
		}
		return c.printJSON(out)
	}
	if len(conflicts) == 0 {
		fmt.Fprintln(c.stdout, "No group conflicts.")
		return nil
	}
	rows := [][]string{{"SYNCED GROUP", "NAME", "DIRECTORY", "LOCAL GROUP", "NAME"}}
	for _, x := range conflicts {
		rows = append(rows, []string{x.Synced.ID, x.Synced.DisplayName, x.DirectoryID, x.Local.ID, x.Local.DisplayName})
	}
	c.table(rows)
	fmt.Fprintf(c.stdout, "\nReview one with: roster group link --org %s --group SYNCED_GROUP (add --yes to link)\n", *org)
	return nil
}

func userNames(users []roster.User) []string {
	out := []string{}
	for _, u := range users {
		out = append(out, u.UserName)
	}
	return out
}

func cmdGroupLink(ctx context.Context, c *cli, args []string) error {
	fs := c.newFlags("group link")
	org := fs.String("org", "", "the organization's ID")
	group := fs.String("group", "", "the synced group in conflict")
	yes := fs.Bool("yes", false, "link now; without it, only show whose access would change")
	st, err := c.start(ctx, fs, args, "org", "group")
	if err != nil {
		return err
	}
	defer st.Close()
	p, err := st.PreviewLink(ctx, *org, *group)
	if err != nil {
		return err
	}
	if *yes {
		if err := st.LinkGroup(cliCtx(ctx), *org, *group); err != nil {
			return err
		}
	}
	if c.json {
		out := adminapi.PreviewJSON(p)
		out["linked"] = *yes
		return c.printJSON(out)
	}
	fmt.Fprintf(c.stdout, "Linking %q (from directory %s) with the local group %q:\n", p.Conflict.Synced.DisplayName, p.Conflict.DirectoryID, p.Conflict.Local.DisplayName)
	c.labelled("Products", strings.Join(p.Products, ", "),
		"Would gain access", fmt.Sprintf("%d: %s", len(p.Gain), strings.Join(userNames(p.Gain), ", ")),
		"Would lose it", fmt.Sprintf("%d: %s", len(p.Lose), strings.Join(userNames(p.Lose), ", ")))
	if *yes {
		fmt.Fprintln(c.stdout, "\nLinked: the synced group has the local group's access, and the local group is gone.")
	} else {
		fmt.Fprintf(c.stdout, "\nNothing changed yet. To link: roster group link --org %s --group %s --yes\n", *org, *group)
	}
	return nil
}

func cmdUnlink(kind string) func(ctx context.Context, c *cli, args []string) error {
	return func(ctx context.Context, c *cli, args []string) error {
		fs := c.newFlags(kind + " unlink")
		org := fs.String("org", "", "the organization's ID")
		id := fs.String(kind, "", "the "+kind+"'s ID")
		if err := c.parse(fs, args, "org", kind); err != nil {
			return err
		}
		st, err := c.openStore(ctx)
		if err != nil {
			return err
		}
		defer st.Close()
		if kind == "user" {
			err = st.UnlinkUser(cliCtx(ctx), *org, *id)
		} else {
			err = st.UnlinkGroup(cliCtx(ctx), *org, *id)
		}
		if err != nil {
			return err
		}
		if c.json {
			return c.printJSON(map[string]any{kind: *id, "local": true})
		}
		fmt.Fprintf(c.stdout, "The %s %s is local now: its identity provider no longer sees or changes it.\n", kind, *id)
		return nil
	}
}
