package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/directories"
	"github.com/rosterhq/roster/http/urls"
	"github.com/rosterhq/roster/tokens"
)

// directoryJSON is a directory in --json output, with the base URL an
// identity provider is given.
type directoryJSON struct {
	ID      string    `json:"id"`
	OrgID   string    `json:"orgId"`
	Name    string    `json:"name"`
	Created timestamp `json:"created"`
	BaseURL string    `json:"baseUrl"`
}

func (e *env) directoryView(d *roster.Directory) directoryJSON {
	return directoryJSON{d.ID, d.OrgID, d.Name, timestamp(d.Created), urls.DirectoryBase(e.publicURL(), d.ID)}
}

// directoryCreate is `roster directory create`.
type directoryCreate struct{ org, name, expires string }

func (cmd *directoryCreate) flags(fs *flag.FlagSet) []string {
	fs.StringVar(&cmd.org, "org", "", "the organization's ID")
	fs.StringVar(&cmd.name, "name", "", `the directory's name, usually the identity provider's ("Entra ID", "Okta")`)
	fs.StringVar(&cmd.expires, "expires", "365d", `lifetime of the first token ("never" for none)`)
	return []string{"org", "name"}
}

func (cmd *directoryCreate) run(ctx context.Context, e *env) (output, error) {
	lifetime, err := tokens.ParseLifetime(cmd.expires)
	if err != nil {
		return nil, err
	}
	c, err := (&directories.Service{Store: e.st}).Create(cliCtx(ctx), cmd.org, cmd.name, lifetime)
	if err != nil {
		return nil, err
	}
	return directoryCreated{e.directoryView(&c.Directory), c.Secret, c.Token.ID, c.Token.Prefix, timestamp(c.Token.Expires)}, nil
}

// directoryCreated is the one output that shows the first token's secret.
type directoryCreated struct {
	directoryJSON
	Token        string    `json:"token"`
	TokenID      string    `json:"tokenId"`
	TokenPrefix  string    `json:"tokenPrefix"`
	TokenExpires timestamp `json:"tokenExpires"`
}

func (d directoryCreated) Text(w io.Writer) {
	fmt.Fprintln(w, "Directory created.")
	fmt.Fprintln(w)
	labelled(w, "Name", d.Name, "ID", d.ID, "Base URL", d.BaseURL, "Token", d.Token, "Token expires", d.TokenExpires.String())
	fmt.Fprintln(w)
	fmt.Fprintln(w, "The token is shown only this once: copy it now. Roster keeps only its hash.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Next, in your identity provider:")
	fmt.Fprintln(w, "  Microsoft Entra ID: Enterprise applications > your app > Provisioning > Automatic;")
	fmt.Fprintln(w, "    Tenant URL = the Base URL, Secret Token = the token; then Test Connection.")
	fmt.Fprintln(w, "  Okta: your app > Provisioning > Integration > Enable API integration;")
	fmt.Fprintln(w, "    SCIM connector base URL = the Base URL, Unique identifier field = userName,")
	fmt.Fprintln(w, "    Authentication Mode = HTTP Header, Authorization = the token.")
}

// directoryList is `roster directory list`.
type directoryList struct{ org string }

func (cmd *directoryList) flags(fs *flag.FlagSet) []string {
	fs.StringVar(&cmd.org, "org", "", "the organization's ID")
	return []string{"org"}
}

func (cmd *directoryList) run(ctx context.Context, e *env) (output, error) {
	if _, err := e.st.GetOrg(ctx, cmd.org); err != nil {
		return nil, err
	}
	dirs, err := e.st.ListDirectories(ctx, cmd.org)
	if err != nil {
		return nil, err
	}
	out := list[directoryJSON]{
		header: []string{"ID", "NAME", "CREATED", "BASE URL"},
		row:    func(d directoryJSON) []string { return []string{d.ID, d.Name, d.Created.String(), d.BaseURL} },
		empty:  fmt.Sprintf("No directories yet. Create one with: roster directory create --org %s --name NAME", cmd.org),
	}
	for i := range dirs {
		out.items = append(out.items, e.directoryView(&dirs[i]))
	}
	return out, nil
}

// directoryRename is `roster directory rename`: names are unique in the
// organization, in any case.
type directoryRename struct{ dir, name string }

func (cmd *directoryRename) flags(fs *flag.FlagSet) []string {
	fs.StringVar(&cmd.dir, "directory", "", "the directory's ID")
	fs.StringVar(&cmd.name, "name", "", "the new name, unique in the organization")
	return []string{"directory", "name"}
}

func (cmd *directoryRename) run(ctx context.Context, e *env) (output, error) {
	d, err := e.st.FindDirectory(ctx, cmd.dir)
	if err != nil {
		return nil, err
	}
	if err := (&directories.Service{Store: e.st}).Rename(cliCtx(ctx), d, cmd.name); err != nil {
		return nil, err
	}
	return directoryRenamed{e.directoryView(d)}, nil
}

type directoryRenamed struct{ directoryJSON }

func (d directoryRenamed) Text(w io.Writer) {
	fmt.Fprintf(w, "Directory %s is called %s now.\n", d.ID, d.Name)
}
