package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
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
func readPassword(e *env) (string, error) {
	if f, ok := stdin.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			fmt.Fprint(e.stderr, "Password (it shows as you type; piping it in is better): ")
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
func hashPassword(e *env) (string, error) {
	plain, err := readPassword(e)
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

// admin finds the admin --org and --email name, after checking that the
// organization exists, so that a mistyped --org is "no organization", not
// "no admin".
func (e *env) admin(ctx context.Context, orgID, email string) (*roster.Admin, error) {
	if _, err := e.st.Org(ctx, orgID); err != nil {
		return nil, err
	}
	return e.st.AdminByEmail(ctx, orgID, email)
}

// adminFlags are the flags that name an admin.
type adminFlags struct{ org, email string }

func (a *adminFlags) define(fs *flag.FlagSet, emailUsage string) []string {
	fs.StringVar(&a.org, "org", "", "the organization's ID")
	fs.StringVar(&a.email, "email", "", emailUsage)
	return []string{"org", "email"}
}

// signInLink is a one-time sign-in link just made: the one output that
// shows it.
type signInLink struct {
	URL     string    `json:"signInUrl,omitempty"`
	Expires timestamp `json:"signInExpires,omitzero"`
}

func (e *env) signInLinkView(a *roster.Admin, secret string, link roster.AdminToken) signInLink {
	return signInLink{urls.SignIn(e.publicURL(), a.OrgID, secret), timestamp(link.Expires)}
}

func (l signInLink) text(w io.Writer, email string) {
	fmt.Fprintln(w)
	labelled(w, "Sign-in link", l.URL, "Expires", l.Expires.String())
	fmt.Fprintln(w)
	fmt.Fprintf(w, "The link signs %s in once, within 24 hours, and is shown only this once:\n", email)
	fmt.Fprintln(w, "send it to them over a channel you trust. Roster keeps only its hash.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, consoleNote)
}

// adminCreate is `roster admin create`.
type adminCreate struct {
	adminFlags
	withPassword bool
}

func (cmd *adminCreate) flags(fs *flag.FlagSet) []string {
	fs.BoolVar(&cmd.withPassword, "password-stdin", false, "read a password from the first line of standard input (at least 12 characters); without it, print a one-time sign-in link")
	return cmd.define(fs, "the admin's email address")
}

func (cmd *adminCreate) run(ctx context.Context, e *env) (output, error) {
	email, err := adminEmail(cmd.email)
	if err != nil {
		return nil, err
	}
	var hash string
	if cmd.withPassword {
		if hash, err = hashPassword(e); err != nil {
			return nil, err
		}
	}
	o, err := e.st.Org(ctx, cmd.org)
	if err != nil {
		return nil, err
	}
	a := roster.Admin{OrgID: o.ID, Email: email, PasswordHash: hash}
	if err := e.st.CreateAdmin(cliCtx(ctx), &a); err != nil {
		return nil, err
	}
	out := adminCreated{adminJSON: adminView(&a), org: o.Name + " (" + o.ID + ")"}
	if !cmd.withPassword {
		secret, link, err := newSignInLink(ctx, e.st, &a)
		if err != nil {
			return nil, fmt.Errorf("admin %s created, but the sign-in link was not: %w; make one with roster admin signin-link", a.Email, err)
		}
		out.signInLink = e.signInLinkView(&a, secret, link)
	}
	return out, nil
}

// adminJSON is an admin in --json output: whether it has a password, never
// the password's hash.
type adminJSON struct {
	ID         string    `json:"id"`
	OrgID      string    `json:"orgId"`
	Email      string    `json:"email"`
	Password   bool      `json:"password"`
	Created    timestamp `json:"created"`
	LastSignIn timestamp `json:"lastSignIn"`
}

func adminView(a *roster.Admin) adminJSON {
	return adminJSON{a.ID, a.OrgID, a.Email, a.PasswordHash != "", timestamp(a.Created), timestamp(a.LastSignIn)}
}

type adminCreated struct {
	adminJSON
	signInLink
	org string
}

func (a adminCreated) Text(w io.Writer) {
	fmt.Fprintln(w, "Admin created.")
	fmt.Fprintln(w)
	labelled(w, "Organization", a.org, "Email", a.Email, "ID", a.ID)
	if a.URL == "" {
		fmt.Fprintln(w)
		fmt.Fprintf(w, "%s signs in with the password. Change it with roster admin password --org %s --email %s.\n", a.Email, a.OrgID, a.Email)
		return
	}
	a.signInLink.text(w, a.Email)
}

// adminSignInLink is `roster admin signin-link`.
type adminSignInLink struct{ adminFlags }

func (cmd *adminSignInLink) flags(fs *flag.FlagSet) []string {
	return cmd.define(fs, "the admin's email address")
}

func (cmd *adminSignInLink) run(ctx context.Context, e *env) (output, error) {
	a, err := e.admin(ctx, cmd.org, cmd.email)
	if err != nil {
		return nil, err
	}
	// A new link replaces the admin's unspent ones: only the latest works.
	replaced, err := revokeAdminTokens(ctx, e.st, a, roster.AdminSignIn)
	if err != nil {
		return nil, err
	}
	secret, link, err := newSignInLink(ctx, e.st, a)
	if err != nil {
		return nil, err
	}
	return signInLinkMade{a.ID, a.OrgID, a.Email, link.ID, e.signInLinkView(a, secret, link), replaced}, nil
}

type signInLinkMade struct {
	AdminID string `json:"adminId"`
	OrgID   string `json:"orgId"`
	Email   string `json:"email"`
	TokenID string `json:"tokenId"`
	signInLink
	Replaced int `json:"replaced"`
}

func (l signInLinkMade) Text(w io.Writer) {
	fmt.Fprintf(w, "Sign-in link created for %s.\n", l.Email)
	l.signInLink.text(w, l.Email)
	if l.Replaced > 0 {
		fmt.Fprintf(w, "\nThe %d earlier unused link(s) no longer work.\n", l.Replaced)
	}
}

// revokeAdminTokens revokes the admin's active tokens of one kind and says
// how many there were.
func revokeAdminTokens(ctx context.Context, st store, a *roster.Admin, kind roster.AdminTokenKind) (int, error) {
	tokens, err := st.AdminTokens(ctx, a.OrgID, a.ID)
	if err != nil {
		return 0, err
	}
	now, n := time.Now(), 0
	for _, t := range tokens {
		if t.Kind == kind && t.Status(now) == roster.TokenActive {
			if err := st.RevokeAdminToken(cliCtx(ctx), a.OrgID, t.ID); err != nil && roster.ErrorCodeOf(err) != roster.ENotFound {
				return n, err
			}
			n++
		}
	}
	return n, nil
}

// adminPassword is `roster admin password`.
type adminPassword struct {
	adminFlags
	remove bool
}

func (cmd *adminPassword) flags(fs *flag.FlagSet) []string {
	fs.BoolVar(&cmd.remove, "remove", false, "remove the password: the admin then signs in with one-time links only")
	return cmd.define(fs, "the admin's email address")
}

// run holds the rule that a changed password ends the admin's console
// sessions, until the admins use case owns it.
func (cmd *adminPassword) run(ctx context.Context, e *env) (output, error) {
	var hash string
	if !cmd.remove {
		var err error
		if hash, err = hashPassword(e); err != nil {
			return nil, err
		}
	}
	a, err := e.admin(ctx, cmd.org, cmd.email)
	if err != nil {
		return nil, err
	}
	if err := e.st.SetAdminPassword(cliCtx(ctx), a.OrgID, a.ID, hash); err != nil {
		return nil, err
	}
	ended, err := revokeAdminTokens(ctx, e.st, a, roster.AdminSession)
	if err != nil {
		return nil, err
	}
	return passwordSet{a.ID, a.OrgID, a.Email, hash != "", ended}, nil
}

type passwordSet struct {
	ID            string `json:"id"`
	OrgID         string `json:"orgId"`
	Email         string `json:"email"`
	Password      bool   `json:"password"`
	SessionsEnded int    `json:"sessionsEnded"`
}

func (p passwordSet) Text(w io.Writer) {
	if p.Password {
		fmt.Fprintf(w, "Password set for %s.\n", p.Email)
	} else {
		fmt.Fprintf(w, "Password removed: %s signs in with one-time links only (roster admin signin-link).\n", p.Email)
	}
	if p.SessionsEnded > 0 {
		fmt.Fprintf(w, "%d console session(s) of %s ended.\n", p.SessionsEnded, p.Email)
	}
}

// adminList is `roster admin list`.
type adminList struct{ org string }

func (cmd *adminList) flags(fs *flag.FlagSet) []string {
	fs.StringVar(&cmd.org, "org", "", "the organization's ID")
	return []string{"org"}
}

func (cmd *adminList) run(ctx context.Context, e *env) (output, error) {
	if _, err := e.st.Org(ctx, cmd.org); err != nil {
		return nil, err
	}
	admins, err := e.st.Admins(ctx, cmd.org)
	if err != nil {
		return nil, err
	}
	out := list[adminJSON]{
		header: []string{"EMAIL", "ID", "PASSWORD", "CREATED", "LAST SIGN-IN"},
		row: func(a adminJSON) []string {
			pw := "no"
			if a.Password {
				pw = "yes"
			}
			return []string{a.Email, a.ID, pw, a.Created.String(), a.LastSignIn.String()}
		},
		empty: fmt.Sprintf("No admins yet. Add one with: roster admin create --org %s --email EMAIL", cmd.org),
	}
	for i := range admins {
		out.items = append(out.items, adminView(&admins[i]))
	}
	return out, nil
}
