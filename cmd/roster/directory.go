package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"

	"github.com/rosterhq/roster"
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
	// Strict: unknown attributes in a POST or PUT are refused, not dropped.
	Strict bool `json:"strict"`
}

func (e *env) directoryView(d *roster.Directory) directoryJSON {
	return directoryJSON{d.ID, d.OrgID, d.Name, timestamp(d.Created), urls.DirectoryBase(e.publicURL(), d.ID), d.Strict}
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
	c, err := e.uc().Directories.Create(cliCtx(ctx), cmd.org, cmd.name, lifetime)
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

// directoryUpdate is `roster directory update`: a directory's settings.
type directoryUpdate struct{ dir, strict string }

func (cmd *directoryUpdate) flags(fs *flag.FlagSet) []string {
	fs.StringVar(&cmd.dir, "directory", "", "the directory's ID")
	fs.StringVar(&cmd.strict, "strict", "", "true: refuse a POST or PUT naming an attribute Roster does not know (400); "+
		"false (the default of a new directory): drop such attributes and name them in the request log")
	return []string{"directory", "strict"}
}

func (cmd *directoryUpdate) run(ctx context.Context, e *env) (output, error) {
	strict, err := strconv.ParseBool(cmd.strict)
	if err != nil {
		return nil, roster.Invalidf("", "--strict is true or false, not %q", cmd.strict)
	}
	d, err := e.st.FindDirectory(ctx, cmd.dir)
	if err != nil {
		return nil, err
	}
	d, err = e.uc().Directories.SetStrict(cliCtx(ctx), d.OrgID, d.ID, strict)
	if err != nil {
		return nil, err
	}
	return directoryUpdated{e.directoryView(d)}, nil
}

type directoryUpdated struct{ directoryJSON }

func (d directoryUpdated) Text(w io.Writer) {
	fmt.Fprintln(w, "Directory updated.")
	fmt.Fprintln(w)
	mode := "lenient: attributes Roster does not know are dropped and named in the request log"
	if d.Strict {
		mode = "strict: a POST or PUT naming an attribute Roster does not know is refused with 400"
	}
	labelled(w, "Name", d.Name, "ID", d.ID, "Mode", mode)
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
	if err := e.uc().Directories.Rename(cliCtx(ctx), d, cmd.name); err != nil {
		return nil, err
	}
	return directoryRenamed{e.directoryView(d)}, nil
}

// directoryDelete is `roster directory delete`: --confirm must be the
// directory's name, as in the console.
type directoryDelete struct{ dir, confirm string }

func (cmd *directoryDelete) flags(fs *flag.FlagSet) []string {
	fs.StringVar(&cmd.dir, "directory", "", "the directory's ID")
	fs.StringVar(&cmd.confirm, "confirm", "", "the directory's name, to confirm: its users, groups and tokens go, and cannot be restored")
	return []string{"directory", "confirm"}
}

func (cmd *directoryDelete) run(ctx context.Context, e *env) (output, error) {
	d, err := e.st.FindDirectory(ctx, cmd.dir)
	if err != nil {
		return nil, err
	}
	res, err := e.uc().Directories.Delete(cliCtx(ctx), d, cmd.confirm)
	if err != nil {
		return nil, err
	}
	return directoryDeletion{ID: d.ID, Name: d.Name, Deleted: true, Users: res.Users, Groups: res.Groups}, nil
}

// directoryDeletion is what a deletion took.
type directoryDeletion struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Deleted bool   `json:"deleted"`
	Users   int    `json:"users"`
	Groups  int    `json:"groups"`
}

func (d directoryDeletion) Text(w io.Writer) {
	fmt.Fprintf(w, "Deleted directory %s (%s) with its %d users and %d groups, each with its event.\n", d.Name, d.ID, d.Users, d.Groups)
}

type directoryRenamed struct{ directoryJSON }

func (d directoryRenamed) Text(w io.Writer) {
	fmt.Fprintf(w, "Directory %s is called %s now.\n", d.ID, d.Name)
}
