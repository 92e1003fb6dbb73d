package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/rosterhq/roster"
)

// orgJSON is an organization in --json output.
type orgJSON struct {
	ID      string    `json:"id"`
	Name    string    `json:"name"`
	Created timestamp `json:"created"`
}

func orgView(o *roster.Org) orgJSON { return orgJSON{o.ID, o.Name, timestamp(o.Created)} }

// orgCreate is `roster org create`.
type orgCreate struct{ name string }

func (cmd *orgCreate) flags(fs *flag.FlagSet) []string {
	fs.StringVar(&cmd.name, "name", "", "the organization's name")
	return []string{"name"}
}

func (cmd *orgCreate) run(ctx context.Context, e *env) (output, error) {
	o := roster.Org{Name: strings.TrimSpace(cmd.name)}
	if err := e.st.CreateOrg(cliCtx(ctx), &o); err != nil {
		return nil, err
	}
	return orgCreated{orgView(&o)}, nil
}

type orgCreated struct{ orgJSON }

func (o orgCreated) Text(w io.Writer) {
	fmt.Fprintln(w, "Organization created.")
	fmt.Fprintln(w)
	labelled(w, "Name", o.Name, "ID", o.ID)
	fmt.Fprintln(w)
	fmt.Fprintf(w, "Next: create a directory for your identity provider:\n  roster directory create --org %s --name \"Entra ID\"\n", o.ID)
}

// orgList is `roster org list`.
type orgList struct{}

func (*orgList) flags(*flag.FlagSet) []string { return nil }

func (*orgList) run(ctx context.Context, e *env) (output, error) {
	orgs, err := e.st.ListOrgs(ctx)
	if err != nil {
		return nil, err
	}
	out := list[orgJSON]{
		header: []string{"ID", "NAME", "CREATED"},
		row:    func(o orgJSON) []string { return []string{o.ID, o.Name, o.Created.String()} },
		empty:  "No organizations yet. Create one with: roster org create --name NAME",
	}
	for i := range orgs {
		out.items = append(out.items, orgView(&orgs[i]))
	}
	return out, nil
}
