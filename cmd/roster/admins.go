package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/http/urls"
	"github.com/rosterhq/roster/password"
)

// stdin is where passwords are read from; tests replace it.
var stdin io.Reader = os.Stdin

// signInURL is the console page that spends a one-time sign-in link.
func (c *cli) signInURL(orgID, secret string) string {
	return urls.SignIn(c.publicURL(), orgID, secret)
}

// adminAPIURL is the root of the admin API that admin API tokens open.
func (c *cli) adminAPIURL() string { return c.publicURL() + "/api/v1" }

// consoleNote says, wherever a sign-in link is printed, what opening it
// does: links are spent by a button press, not by opening them, so that
// mail scanners that fetch links do not use them up.
const consoleNote = "Opening the link shows a Sign in button; pressing it spends the link and opens the console.\n" +
	"The link must reach the console at the --base-url the server is reached at."

// adminEmail checks --email: a bare address, as people type it.
func adminEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	if !roster.IsEmailAddress(s) {
		return "", roster.Errorf(roster.EInvalid, "", "--email %q is not an email address: give it bare, as name@example.com", s)
	}
	return s, nil
}

// readPassword reads a new password from the first line of standard input
// and checks that it is acceptable.
func readPassword(c *cli) (string, error) {
	if f, ok := stdin.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			fmt.Fprint(c.stderr, "Password (it shows as you type; piping it in is better): ")
		}
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		if errors.Is(err, io.EOF) {
			return "", roster.Errorf(roster.EInvalid, "", "no password on standard input: pipe it in, e.g. roster admin password --org ORG --email EMAIL < password.txt")
		}
		return "", fmt.Errorf("read the password: %w", err)
	}
	line = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
	if err := password.Validate(line); err != nil {
		return "", err
	}
	return line, nil
}

// hashPassword reads, checks and hashes a new password from stdin.
func hashPassword(c *cli) (string, error) {
	plain, err := readPassword(c)
	if err != nil {
		return "", err
	}
	return password.Hash(plain)
}

// newSignInLink stores a fresh one-time sign-in link for the admin.
func newSignInLink(ctx context.Context, st store, a *roster.Admin) (string, roster.AdminToken, error) {
	secret, tok := roster.NewSignInLink(a, time.Now())
	if err := st.CreateAdminToken(cliCtx(ctx), &tok); err != nil {
		return "", roster.AdminToken{}, err
	}
	return secret, tok, nil
}

// orgStore opens the store and checks that the organization exists, so
// that a mistyped --org is "no organization", not an empty list.
func (c *cli) orgStore(ctx context.Context, orgID string) (store, *roster.Org, error) {
	st, err := c.openStore(ctx)
	if err != nil {
		return nil, nil, err
	}
	o, err := st.Org(ctx, orgID)
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return st, o, nil
}

// adminStore opens the store and finds the admin --org and --email name.
func (c *cli) adminStore(ctx context.Context, orgID, email string) (store, *roster.Admin, error) {
	st, _, err := c.orgStore(ctx, orgID)
	if err != nil {
		return nil, nil, err
	}
	a, err := st.AdminByEmail(ctx, orgID, email)
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return st, a, nil
}

func cmdAdminCreate(ctx context.Context, c *cli, args []string) error {
	fs := c.newFlags("admin create")
	org := fs.String("org", "", "the organization's ID")
	emailFlag := fs.String("email", "", "the admin's email address")
	withPassword := fs.Bool("password-stdin", false, "read a password from the first line of standard input (at least 12 characters); without it, print a one-time sign-in link")
	if err := c.parse(fs, args, "org", "email"); err != nil {
		return err
	}
	email, err := adminEmail(*emailFlag)
	if err != nil {
		return err
	}
	var hash string
	if *withPassword {
		if hash, err = hashPassword(c); err != nil {
			return err
		}
	}
	st, o, err := c.orgStore(ctx, *org)
	if err != nil {
		return err
	}
	defer st.Close()
	a := roster.Admin{OrgID: o.ID, Email: email, PasswordHash: hash}
	if err := st.CreateAdmin(cliCtx(ctx), &a); err != nil {
		return err
	}
	var secret string
	var link roster.AdminToken
	if !*withPassword {
		if secret, link, err = newSignInLink(ctx, st, &a); err != nil {
			return fmt.Errorf("admin %s created, but the sign-in link was not: %w; make one with roster admin signin-link", a.Email, err)
		}
	}
	if c.json {
		out := map[string]any{"id": a.ID, "orgId": a.OrgID, "email": a.Email, "created": jsonTime(a.Created), "password": hash != ""}
		if secret != "" {
			out["signInUrl"], out["signInExpires"] = c.signInURL(a.OrgID, secret), jsonTime(link.Expires)
		}
		return c.printJSON(out)
	}
	fmt.Fprintln(c.stdout, "Admin created.")
	fmt.Fprintln(c.stdout)
	c.labelled("Organization", o.Name+" ("+o.ID+")", "Email", a.Email, "ID", a.ID)
	if secret == "" {
		fmt.Fprintln(c.stdout)
		fmt.Fprintf(c.stdout, "%s signs in with the password. Change it with roster admin password --org %s --email %s.\n", a.Email, o.ID, a.Email)
		return nil
	}
	c.printSignInLink(secret, link, &a)
	return nil
}

func (c *cli) printSignInLink(secret string, link roster.AdminToken, a *roster.Admin) {
	fmt.Fprintln(c.stdout)
	c.labelled("Sign-in link", c.signInURL(a.OrgID, secret), "Expires", formatTime(link.Expires))
	fmt.Fprintln(c.stdout)
	fmt.Fprintf(c.stdout, "The link signs %s in once, within 24 hours, and is shown only this once:\n", a.Email)
	fmt.Fprintln(c.stdout, "send it to them over a channel you trust. Roster keeps only its hash.")
	fmt.Fprintln(c.stdout)
	fmt.Fprintln(c.stdout, consoleNote)
}

func cmdAdminSignInLink(ctx context.Context, c *cli, args []string) error {
	fs := c.newFlags("admin signin-link")
	org := fs.String("org", "", "the organization's ID")
	email := fs.String("email", "", "the admin's email address")
	if err := c.parse(fs, args, "org", "email"); err != nil {
		return err
	}
	st, a, err := c.adminStore(ctx, *org, *email)
	if err != nil {
		return err
	}
	defer st.Close()
	// A new link replaces the admin's unspent ones: only the latest works.
	tokens, err := st.AdminTokens(ctx, a.OrgID, a.ID)
	if err != nil {
		return err
	}
	now := time.Now()
	replaced := 0
	for _, t := range tokens {
		if t.Kind == roster.AdminSignIn && t.Status(now) == roster.TokenActive {
			if err := st.RevokeAdminToken(cliCtx(ctx), a.OrgID, t.ID); err != nil && roster.ErrorCodeOf(err) != roster.ENotFound {
				return err
			}
			replaced++
		}
	}
	secret, link, err := newSignInLink(ctx, st, a)
	if err != nil {
		return err
	}
	if c.json {
		return c.printJSON(map[string]any{
			"adminId": a.ID, "orgId": a.OrgID, "email": a.Email, "tokenId": link.ID,
			"signInUrl": c.signInURL(a.OrgID, secret), "signInExpires": jsonTime(link.Expires), "replaced": replaced,
		})
	}
	fmt.Fprintf(c.stdout, "Sign-in link created for %s.\n", a.Email)
	c.printSignInLink(secret, link, a)
	if replaced > 0 {
		fmt.Fprintf(c.stdout, "\nThe %d earlier unused link(s) no longer work.\n", replaced)
	}
	return nil
}

func cmdAdminPassword(ctx context.Context, c *cli, args []string) error {
	fs := c.newFlags("admin password")
	org := fs.String("org", "", "the organization's ID")
	email := fs.String("email", "", "the admin's email address")
	remove := fs.Bool("remove", false, "remove the password: the admin then signs in with one-time links only")
	if err := c.parse(fs, args, "org", "email"); err != nil {
		return err
	}
	var hash string
	if !*remove {
		var err error
		if hash, err = hashPassword(c); err != nil {
			return err
		}
	}
	st, a, err := c.adminStore(ctx, *org, *email)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.SetAdminPassword(cliCtx(ctx), a.OrgID, a.ID, hash); err != nil {
		return err
	}
	// A changed password ends the admin's console sessions.
	ended, err := endSessions(ctx, st, a)
	if err != nil {
		return err
	}
	if c.json {
		return c.printJSON(map[string]any{"id": a.ID, "orgId": a.OrgID, "email": a.Email, "password": hash != "", "sessionsEnded": ended})
	}
	if *remove {
		fmt.Fprintf(c.stdout, "Password removed: %s signs in with one-time links only (roster admin signin-link).\n", a.Email)
	} else {
		fmt.Fprintf(c.stdout, "Password set for %s.\n", a.Email)
	}
	if ended > 0 {
		fmt.Fprintf(c.stdout, "%d console session(s) of %s ended.\n", ended, a.Email)
	}
	return nil
}

// endSessions revokes the admin's active console sessions.
func endSessions(ctx context.Context, st store, a *roster.Admin) (int, error) {
	tokens, err := st.AdminTokens(ctx, a.OrgID, a.ID)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, t := range tokens {
		if t.Kind == roster.AdminSession && t.Status(time.Now()) == roster.TokenActive {
			if err := st.RevokeAdminToken(cliCtx(ctx), a.OrgID, t.ID); err != nil && roster.ErrorCodeOf(err) != roster.ENotFound {
				return n, err
			}
			n++
		}
	}
	return n, nil
}

func cmdAdminList(ctx context.Context, c *cli, args []string) error {
	fs := c.newFlags("admin list")
	org := fs.String("org", "", "the organization's ID")
	if err := c.parse(fs, args, "org"); err != nil {
		return err
	}
	st, _, err := c.orgStore(ctx, *org)
	if err != nil {
		return err
	}
	defer st.Close()
	admins, err := st.Admins(ctx, *org)
	if err != nil {
		return err
	}
	if c.json {
		out := []map[string]any{}
		for _, a := range admins {
			out = append(out, map[string]any{
				"id": a.ID, "orgId": a.OrgID, "email": a.Email, "password": a.PasswordHash != "",
				"created": jsonTime(a.Created), "lastSignIn": jsonTime(a.LastSignIn),
			})
		}
		return c.printJSON(out)
	}
	if len(admins) == 0 {
		fmt.Fprintf(c.stdout, "No admins yet. Add one with: roster admin create --org %s --email EMAIL\n", *org)
		return nil
	}
	rows := [][]string{{"EMAIL", "ID", "PASSWORD", "CREATED", "LAST SIGN-IN"}}
	for _, a := range admins {
		pw := "no"
		if a.PasswordHash != "" {
			pw = "yes"
		}
		rows = append(rows, []string{a.Email, a.ID, pw, formatTime(a.Created), formatTime(a.LastSignIn)})
	}
	c.table(rows)
	return nil
}

func cmdAdminTokenCreate(ctx context.Context, c *cli, args []string) error {
	fs := c.newFlags("admin token create")
	org := fs.String("org", "", "the organization's ID")
	email := fs.String("email", "", "the email of the admin the token acts as")
	name := fs.String("name", "", "a name for the token, e.g. the script or application that uses it")
	expires := fs.String("expires", "365d", `lifetime ("never" for none)`)
	if err := c.parse(fs, args, "org", "email", "name"); err != nil {
		return err
	}
	lifetime, err := tokenLifetime(*expires)
	if err != nil {
		return err
	}
	st, a, err := c.adminStore(ctx, *org, *email)
	if err != nil {
		return err
	}
	defer st.Close()
	secret, tok := roster.NewAdminTokenSecret()
	tok.OrgID, tok.AdminID, tok.Kind, tok.Name = a.OrgID, a.ID, roster.AdminAPI, strings.TrimSpace(*name)
	if lifetime > 0 {
		tok.Expires = time.Now().Add(lifetime).UTC().Truncate(time.Second)
	}
	if err := st.CreateAdminToken(cliCtx(ctx), &tok); err != nil {
		return err
	}
	if c.json {
		return c.printJSON(map[string]any{
			"id": tok.ID, "orgId": tok.OrgID, "adminId": a.ID, "email": a.Email, "kind": tok.Kind, "name": tok.Name,
			"prefix": tok.Prefix, "token": secret, "created": jsonTime(tok.Created), "expires": jsonTime(tok.Expires), "apiUrl": c.adminAPIURL(),
		})
	}
	fmt.Fprintln(c.stdout, "Admin API token created.")
	fmt.Fprintln(c.stdout)
	c.labelled("Admin", a.Email, "Name", tok.Name, "Token", secret, "Expires", formatTime(tok.Expires))
	fmt.Fprintln(c.stdout)
	fmt.Fprintf(c.stdout, "It acts as %s on the admin API, %s: send it as\n", a.Email, c.adminAPIURL())
	fmt.Fprintf(c.stdout, "  Authorization: Bearer %s\n", secret)
	fmt.Fprintln(c.stdout, "The token is shown only this once: copy it now. Roster keeps only its hash.")
	return nil
}

// adminTokenRow is an admin token with its admin's email, for lists.
type adminTokenRow struct {
	roster.AdminToken
	email string
}

// orgAdminTokens lists the tokens of one admin (email set) or of every
// admin of the organization.
func orgAdminTokens(ctx context.Context, st store, orgID, email string) ([]adminTokenRow, error) {
	var admins []roster.Admin
	if email != "" {
		a, err := st.AdminByEmail(ctx, orgID, email)
		if err != nil {
			return nil, err
		}
		admins = []roster.Admin{*a}
	} else {
		var err error
		if admins, err = st.Admins(ctx, orgID); err != nil {
			return nil, err
		}
	}
	var out []adminTokenRow
	for _, a := range admins {
		tokens, err := st.AdminTokens(ctx, orgID, a.ID)
		if err != nil {
			return nil, err
		}
		for _, t := range tokens {
			out = append(out, adminTokenRow{t, a.Email})
		}
	}
	return out, nil
}

func cmdAdminTokenList(ctx context.Context, c *cli, args []string) error {
	fs := c.newFlags("admin token list")
	org := fs.String("org", "", "the organization's ID")
	email := fs.String("email", "", "only this admin's tokens")
	if err := c.parse(fs, args, "org"); err != nil {
		return err
	}
	st, _, err := c.orgStore(ctx, *org)
	if err != nil {
		return err
	}
	defer st.Close()
	tokens, err := orgAdminTokens(ctx, st, *org, *email)
	if err != nil {
		return err
	}
	now := time.Now()
	if c.json {
		out := []map[string]any{}
		for _, t := range tokens {
			out = append(out, map[string]any{
				"id": t.ID, "adminId": t.AdminID, "email": t.email, "kind": t.Kind, "name": t.Name, "prefix": t.Prefix,
				"status": t.Status(now), "created": jsonTime(t.Created), "lastUsed": jsonTime(t.LastUsed),
				"expires": jsonTime(t.Expires), "revoked": jsonTime(t.Revoked),
			})
		}
		return c.printJSON(out)
	}
	if len(tokens) == 0 {
		fmt.Fprintf(c.stdout, "No admin tokens. Create an API token with: roster admin token create --org %s --email EMAIL --name NAME\n", *org)
		return nil
	}
	rows := [][]string{{"ID", "ADMIN", "KIND", "NAME", "PREFIX", "STATUS", "CREATED", "LAST USED", "EXPIRES"}}
	for _, t := range tokens {
		rows = append(rows, []string{t.ID, t.email, string(t.Kind), t.Name, t.Prefix + "…", string(t.Status(now)),
			formatTime(t.Created), formatTime(t.LastUsed), formatTime(t.Expires)})
	}
	c.table(rows)
	return nil
}

func cmdAdminTokenRevoke(ctx context.Context, c *cli, args []string) error {
	fs := c.newFlags("admin token revoke")
	org := fs.String("org", "", "the organization's ID")
	ref := fs.String("token", "", "the token to revoke, by ID or prefix")
	if err := c.parse(fs, args, "org", "token"); err != nil {
		return err
	}
	st, _, err := c.orgStore(ctx, *org)
	if err != nil {
		return err
	}
	defer st.Close()
	tokens, err := orgAdminTokens(ctx, st, *org, "")
	if err != nil {
		return err
	}
	want := strings.TrimSuffix(strings.TrimSpace(*ref), "…")
	if prefix, ok := roster.ParseAdminTokenSecret(want); ok {
		want = prefix // the whole secret was given: its prefix names it
	}
	var matches []adminTokenRow
	for _, t := range tokens {
		if t.ID == want || t.Prefix == want {
			matches = append(matches, t)
		}
	}
	switch {
	case len(matches) == 0:
		return roster.NotFoundf("no admin token %q in this organization; see roster admin token list --org %s", *ref, *org)
	case len(matches) > 1:
		return roster.Errorf(roster.EConflict, "", "%d admin tokens have the prefix %s; give the ID instead (see roster admin token list)", len(matches), want)
	}
	tok := matches[0]
	if tok.Status(time.Now()) == roster.TokenRevoked {
		return roster.Errorf(roster.EConflict, "", "admin token %s… (%s) is revoked already", tok.Prefix, tok.Name)
	}
	if err := st.RevokeAdminToken(cliCtx(ctx), *org, tok.ID); err != nil {
		return err
	}
	if c.json {
		return c.printJSON(map[string]any{"id": tok.ID, "prefix": tok.Prefix, "kind": tok.Kind, "email": tok.email, "status": roster.TokenRevoked})
	}
	fmt.Fprintf(c.stdout, "Admin token %s… (%s, %s of %s) revoked: it is refused from now on.\n", tok.Prefix, tok.Name, tok.Kind, tok.email)
	return nil
}
