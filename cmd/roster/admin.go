package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/http/urls"
)

// expiryWarning is how far ahead token lists warn of an expiry.
const expiryWarning = 30 * 24 * time.Hour

// cliActor is how the audit trail names changes made with this tool.
func cliCtx(ctx context.Context) context.Context { return roster.WithActor(ctx, "cli") }

func cmdOrgCreate(ctx context.Context, c *cli, args []string) error {
	fs := c.newFlags("org create")
	name := fs.String("name", "", "the organization's name")
	st, err := c.start(ctx, fs, args, "name")
	if err != nil {
		return err
	}
	defer st.Close()
	o := roster.Org{Name: strings.TrimSpace(*name)}
	if err := st.CreateOrg(cliCtx(ctx), &o); err != nil {
		return err
	}
	if c.json {
		return c.printJSON(map[string]any{"id": o.ID, "name": o.Name, "created": jsonTime(o.Created)})
	}
	fmt.Fprintln(c.stdout, "Organization created.")
	fmt.Fprintln(c.stdout)
	c.labelled("Name", o.Name, "ID", o.ID)
	fmt.Fprintln(c.stdout)
	fmt.Fprintf(c.stdout, "Next: create a directory for your identity provider:\n  roster directory create --org %s --name \"Entra ID\"\n", o.ID)
	return nil
}

func cmdOrgList(ctx context.Context, c *cli, args []string) error {
	fs := c.newFlags("org list")
	st, err := c.start(ctx, fs, args)
	if err != nil {
		return err
	}
	defer st.Close()
	orgs, err := st.Orgs(ctx)
	if err != nil {
		return err
	}
	if c.json {
		out := []map[string]any{}
		for _, o := range orgs {
			out = append(out, map[string]any{"id": o.ID, "name": o.Name, "created": jsonTime(o.Created)})
		}
		return c.printJSON(out)
	}
	if len(orgs) == 0 {
		fmt.Fprintln(c.stdout, "No organizations yet. Create one with: roster org create --name NAME")
		return nil
	}
	rows := [][]string{{"ID", "NAME", "CREATED"}}
	for _, o := range orgs {
		rows = append(rows, []string{o.ID, o.Name, formatTime(o.Created)})
	}
	c.table(rows)
	return nil
}

func cmdDirectoryCreate(ctx context.Context, c *cli, args []string) error {
	fs := c.newFlags("directory create")
	org := fs.String("org", "", "the organization's ID")
	name := fs.String("name", "", `the directory's name, usually the identity provider's ("Entra ID", "Okta")`)
	expires := fs.String("expires", "365d", `lifetime of the first token ("never" for none)`)
	if err := c.parse(fs, args, "org", "name"); err != nil {
		return err
	}
	lifetime, err := tokenLifetime(*expires)
	if err != nil {
		return err
	}
	st, err := c.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	d := roster.Directory{OrgID: *org, Name: strings.TrimSpace(*name)}
	secret, tok := newToken("initial", lifetime)
	if err := st.CreateDirectory(cliCtx(ctx), &d, &tok); err != nil {
		return err
	}
	base := urls.DirectoryBase(c.publicURL(), d.ID)
	if c.json {
		return c.printJSON(map[string]any{
			"id": d.ID, "orgId": d.OrgID, "name": d.Name, "created": jsonTime(d.Created),
			"baseUrl": base, "token": secret, "tokenId": tok.ID, "tokenPrefix": tok.Prefix, "tokenExpires": jsonTime(tok.Expires),
		})
	}
	fmt.Fprintln(c.stdout, "Directory created.")
	fmt.Fprintln(c.stdout)
	c.labelled("Name", d.Name, "ID", d.ID, "Base URL", base, "Token", secret, "Token expires", formatTime(tok.Expires))
	fmt.Fprintln(c.stdout)
	fmt.Fprintln(c.stdout, "The token is shown only this once: copy it now. Roster keeps only its hash.")
	fmt.Fprintln(c.stdout)
	fmt.Fprintln(c.stdout, "Next, in your identity provider:")
	fmt.Fprintln(c.stdout, "  Microsoft Entra ID: Enterprise applications > your app > Provisioning > Automatic;")
	fmt.Fprintln(c.stdout, "    Tenant URL = the Base URL, Secret Token = the token; then Test Connection.")
	fmt.Fprintln(c.stdout, "  Okta: your app > Provisioning > Integration > Enable API integration;")
	fmt.Fprintln(c.stdout, "    SCIM connector base URL = the Base URL, Unique identifier field = userName,")
	fmt.Fprintln(c.stdout, "    Authentication Mode = HTTP Header, Authorization = the token.")
	return nil
}

func cmdDirectoryList(ctx context.Context, c *cli, args []string) error {
	fs := c.newFlags("directory list")
	org := fs.String("org", "", "the organization's ID")
	st, err := c.start(ctx, fs, args, "org")
	if err != nil {
		return err
	}
	defer st.Close()
	if _, err := st.Org(ctx, *org); err != nil {
		return err
	}
	dirs, err := st.Directories(ctx, *org)
	if err != nil {
		return err
	}
	if c.json {
		out := []map[string]any{}
		for _, d := range dirs {
			out = append(out, map[string]any{"id": d.ID, "orgId": d.OrgID, "name": d.Name, "created": jsonTime(d.Created), "baseUrl": urls.DirectoryBase(c.publicURL(), d.ID)})
		}
		return c.printJSON(out)
	}
	if len(dirs) == 0 {
		fmt.Fprintf(c.stdout, "No directories yet. Create one with: roster directory create --org %s --name NAME\n", *org)
		return nil
	}
	rows := [][]string{{"ID", "NAME", "CREATED", "BASE URL"}}
	for _, d := range dirs {
		rows = append(rows, []string{d.ID, d.Name, formatTime(d.Created), urls.DirectoryBase(c.publicURL(), d.ID)})
	}
	c.table(rows)
	return nil
}

func tokenLifetime(s string) (time.Duration, error) {
	if s == "never" {
		return 0, nil
	}
	d, err := parseDuration(s)
	if err == nil && d == 0 {
		err = fmt.Errorf(`--expires must be a positive duration or "never"`)
	}
	return d, err
}

func newToken(name string, lifetime time.Duration) (string, roster.Token) {
	return roster.NewToken(name, lifetime, time.Now())
}

// directoryStore opens the store and finds the directory --directory names.
func (c *cli) directoryStore(ctx context.Context, dirID string) (store, *roster.Directory, error) {
	st, err := c.openStore(ctx)
	if err != nil {
		return nil, nil, err
	}
	d, err := st.FindDirectory(ctx, dirID)
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return st, d, nil
}

func cmdTokenCreate(ctx context.Context, c *cli, args []string) error {
	fs := c.newFlags("token create")
	dir := fs.String("directory", "", "the directory's ID")
	name := fs.String("name", "", "a name for the token, e.g. where it is used")
	expires := fs.String("expires", "365d", `lifetime ("never" for none)`)
	if err := c.parse(fs, args, "directory", "name"); err != nil {
		return err
	}
	lifetime, err := tokenLifetime(*expires)
	if err != nil {
		return err
	}
	st, d, err := c.directoryStore(ctx, *dir)
	if err != nil {
		return err
	}
	defer st.Close()
	secret, tok := newToken(*name, lifetime)
	tok.OrgID, tok.DirectoryID = d.OrgID, d.ID
	if err := st.CreateToken(cliCtx(ctx), &tok); err != nil {
		return err
	}
	return c.printNewToken(d, secret, tok, "Token created.")
}

func (c *cli) printNewToken(d *roster.Directory, secret string, tok roster.Token, headline string) error {
	if c.json {
		return c.printJSON(map[string]any{
			"id": tok.ID, "directoryId": d.ID, "name": tok.Name, "prefix": tok.Prefix, "token": secret,
			"created": jsonTime(tok.Created), "expires": jsonTime(tok.Expires), "baseUrl": urls.DirectoryBase(c.publicURL(), d.ID),
		})
	}
	fmt.Fprintln(c.stdout, headline)
	fmt.Fprintln(c.stdout)
	c.labelled("Directory", d.Name+" ("+d.ID+")", "Name", tok.Name, "Token", secret, "Expires", formatTime(tok.Expires))
	fmt.Fprintln(c.stdout)
	fmt.Fprintln(c.stdout, "The token is shown only this once: copy it now and paste it into the identity provider.")
	return nil
}

func cmdTokenList(ctx context.Context, c *cli, args []string) error {
	fs := c.newFlags("token list")
	dir := fs.String("directory", "", "the directory's ID")
	if err := c.parse(fs, args, "directory"); err != nil {
		return err
	}
	st, d, err := c.directoryStore(ctx, *dir)
	if err != nil {
		return err
	}
	defer st.Close()
	tokens, err := st.Tokens(ctx, d.OrgID, d.ID)
	if err != nil {
		return err
	}
	now := time.Now()
	if c.json {
		out := []map[string]any{}
		for _, t := range tokens {
			out = append(out, map[string]any{
				"id": t.ID, "name": t.Name, "prefix": t.Prefix, "status": t.Status(now), "created": jsonTime(t.Created),
				"lastUsed": jsonTime(t.LastUsed), "expires": jsonTime(t.Expires), "revoked": jsonTime(t.Revoked),
			})
		}
		return c.printJSON(out)
	}
	rows := [][]string{{"ID", "NAME", "PREFIX", "STATUS", "CREATED", "LAST USED", "EXPIRES"}}
	var warnings []string
	for _, t := range tokens {
		rows = append(rows, []string{t.ID, t.Name, t.Prefix + "…", string(t.Status(now)), formatTime(t.Created), formatTime(t.LastUsed), formatTime(t.Expires)})
		if t.Status(now) == roster.TokenActive && !t.Expires.IsZero() && t.Expires.Sub(now) < expiryWarning {
			warnings = append(warnings, fmt.Sprintf("Token %s (%s) expires in %s: rotate it with roster token rotate --directory %s --token %s",
				t.Prefix, t.Name, humanDuration(t.Expires.Sub(now)), d.ID, t.ID))
		}
	}
	c.table(rows)
	if len(warnings) > 0 {
		fmt.Fprintln(c.stdout)
		for _, w := range warnings {
			fmt.Fprintln(c.stdout, "Warning:", w)
		}
	}
	return nil
}

func humanDuration(d time.Duration) string {
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%d days", int(d.Hours()/24))
	case d >= 2*time.Hour:
		return fmt.Sprintf("%d hours", int(d.Hours()))
	}
	return fmt.Sprintf("%d minutes", int(d.Minutes()))
}

// findToken resolves --token (an ID or a prefix) among a directory's
// tokens; when it is empty, the directory's only active token.
func findToken(tokens []roster.Token, ref string, now time.Time) (roster.Token, error) {
	var active []roster.Token
	for _, t := range tokens {
		if ref != "" && (t.ID == ref || t.Prefix == strings.TrimSuffix(ref, "…")) {
			return t, nil
		}
		if t.Status(now) == roster.TokenActive {
			active = append(active, t)
		}
	}
	switch {
	case ref != "":
		return roster.Token{}, fmt.Errorf("no token %q in this directory; see roster token list", ref)
	case len(active) == 1:
		return active[0], nil
	case len(active) == 0:
		return roster.Token{}, fmt.Errorf("the directory has no active token; create one with roster token create")
	}
	return roster.Token{}, fmt.Errorf("the directory has %d active tokens; say which with --token (see roster token list)", len(active))
}

func cmdTokenRotate(ctx context.Context, c *cli, args []string) error {
	fs := c.newFlags("token rotate")
	dir := fs.String("directory", "", "the directory's ID")
	ref := fs.String("token", "", "the token to replace, by ID or prefix (default: the directory's only active token)")
	grace := fs.String("grace", "24h", "how long the old token keeps working (0 ends it now)")
	expires := fs.String("expires", "365d", `lifetime of the new token ("never" for none)`)
	if err := c.parse(fs, args, "directory"); err != nil {
		return err
	}
	graceFor, err := parseDuration(*grace)
	if err != nil {
		return err
	}
	lifetime, err := tokenLifetime(*expires)
	if err != nil {
		return err
	}
	st, d, err := c.directoryStore(ctx, *dir)
	if err != nil {
		return err
	}
	defer st.Close()
	tokens, err := st.Tokens(ctx, d.OrgID, d.ID)
	if err != nil {
		return err
	}
	old, err := findToken(tokens, *ref, time.Now())
	if err != nil {
		return err
	}
	secret, next := newToken("", lifetime)
	oldEnds := time.Now().Add(graceFor).UTC()
	if err := st.RotateToken(cliCtx(ctx), d.OrgID, d.ID, old.ID, oldEnds, &next); err != nil {
		return err
	}
	if c.json {
		return c.printJSON(map[string]any{
			"id": next.ID, "directoryId": d.ID, "name": next.Name, "prefix": next.Prefix, "token": secret,
			"created": jsonTime(next.Created), "expires": jsonTime(next.Expires),
			"replaced": map[string]any{"id": old.ID, "prefix": old.Prefix, "expires": jsonTime(oldEnds)},
		})
	}
	if err := c.printNewToken(d, secret, next, "Token rotated."); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "The old token %s… keeps working until %s; after that it is refused.\n", old.Prefix, formatTime(oldEnds))
	return nil
}

func cmdTokenRevoke(ctx context.Context, c *cli, args []string) error {
	fs := c.newFlags("token revoke")
	dir := fs.String("directory", "", "the directory's ID")
	ref := fs.String("token", "", "the token to revoke, by ID or prefix")
	if err := c.parse(fs, args, "directory", "token"); err != nil {
		return err
	}
	st, d, err := c.directoryStore(ctx, *dir)
	if err != nil {
		return err
	}
	defer st.Close()
	tokens, err := st.Tokens(ctx, d.OrgID, d.ID)
	if err != nil {
		return err
	}
	tok, err := findToken(tokens, *ref, time.Now())
	if err != nil {
		return err
	}
	if err := st.RevokeToken(cliCtx(ctx), d.OrgID, d.ID, tok.ID); err != nil {
		return err
	}
	if c.json {
		return c.printJSON(map[string]any{"id": tok.ID, "prefix": tok.Prefix, "status": roster.TokenRevoked})
	}
	fmt.Fprintf(c.stdout, "Token %s… (%s) revoked: it is refused from now on.\n", tok.Prefix, tok.Name)
	return nil
}
