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

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/admins"
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

// readPassword reads a new password from the first line of standard input;
// the admins use case checks that it is acceptable.
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
	return strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r"), nil
}

// admin finds the admin --org and --email name, after checking that the
// organization exists, so that a mistyped --org is "no organization", not
// "no admin".
func (e *env) admin(ctx context.Context, orgID, email string) (*roster.Admin, error) {
	if _, err := e.st.GetOrg(ctx, orgID); err != nil {
		return nil, err
	}
	return e.st.GetAdminByEmail(ctx, orgID, email)
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
	if _, err := admins.Email(cmd.email); err != nil {
		return nil, err
	}
	var plain string
	if cmd.withPassword {
		var err error
		if plain, err = readPassword(e); err != nil {
			return nil, err
		}
		if err := password.Validate(plain); err != nil {
			return nil, err
		}
	}
	o, err := e.st.GetOrg(ctx, cmd.org)
	if err != nil {
		return nil, err
	}
	c, err := e.uc().Admins.Create(cliCtx(ctx), o.ID, cmd.email, plain)
	if c == nil {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("admin %s created, but the sign-in link was not: %w; make one with roster admin signin-link", c.Admin.Email, err)
	}
	out := adminCreated{adminJSON: adminView(&c.Admin), org: o.Name + " (" + o.ID + ")"}
	if c.Link != nil {
		out.signInLink = e.signInLinkView(&c.Admin, c.Link.Secret, c.Link.Token)
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
	Role       string    `json:"role"`
	Created    timestamp `json:"created"`
	LastSignIn timestamp `json:"lastSignIn"`
}

func adminView(a *roster.Admin) adminJSON {
	role := a.Role
	if role == "" {
		role = roster.AdminRoleAdmin
	}
	return adminJSON{a.ID, a.OrgID, a.Email, a.PasswordHash != "", string(role), timestamp(a.Created), timestamp(a.LastSignIn)}
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
	link, err := e.uc().Admins.NewSignInLink(cliCtx(ctx), a)
	if err != nil {
		return nil, err
	}
	return signInLinkMade{a.ID, a.OrgID, a.Email, link.Token.ID, e.signInLinkView(a, link.Secret, link.Token), link.Replaced}, nil
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

// adminPassword is `roster admin password`.
type adminPassword struct {
	adminFlags
	remove bool
}

func (cmd *adminPassword) flags(fs *flag.FlagSet) []string {
	fs.BoolVar(&cmd.remove, "remove", false, "remove the password: the admin then signs in with one-time links only")
	return cmd.define(fs, "the admin's email address")
}

// run changes the password through the admins use case, whose rule (a new
// password ends the admin's console sessions) the console follows too.
// The operator's command line is not asked for the current password: it
// holds the database already.
func (cmd *adminPassword) run(ctx context.Context, e *env) (output, error) {
	var plain string
	if !cmd.remove {
		var err error
		if plain, err = readPassword(e); err != nil {
			return nil, err
		}
		if err := password.Validate(plain); err != nil {
			return nil, err
		}
	}
	a, err := e.admin(ctx, cmd.org, cmd.email)
	if err != nil {
		return nil, err
	}
	ended, err := e.uc().Admins.SetPassword(cliCtx(ctx), a, admins.PasswordChange{New: plain})
	if err != nil {
		return nil, err
	}
	return passwordSet{a.ID, a.OrgID, a.Email, plain != "", ended}, nil
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
	if _, err := e.st.GetOrg(ctx, cmd.org); err != nil {
		return nil, err
	}
	admins, err := e.st.ListAdmins(ctx, cmd.org)
	if err != nil {
		return nil, err
	}
	out := list[adminJSON]{
		header: []string{"EMAIL", "ID", "ROLE", "PASSWORD", "CREATED", "LAST SIGN-IN"},
		row: func(a adminJSON) []string {
			pw := "no"
			if a.Password {
				pw = "yes"
			}
			return []string{a.Email, a.ID, a.Role, pw, a.Created.String(), a.LastSignIn.String()}
		},
		empty: fmt.Sprintf("No admins yet. Add one with: roster admin create --org %s --email EMAIL", cmd.org),
	}
	for i := range admins {
		out.items = append(out.items, adminView(&admins[i]))
	}
	return out, nil
}

// adminRole is `roster admin role`: the operator sets an admin's role
// (owner or admin); the organization keeps at least one owner.
type adminRole struct {
	adminFlags
	role string
}

func (cmd *adminRole) flags(fs *flag.FlagSet) []string {
	fs.StringVar(&cmd.role, "role", "", "owner (also manages admins and roles) or admin")
	return append(cmd.define(fs, "the admin's email address"), "role")
}

func (cmd *adminRole) run(ctx context.Context, e *env) (output, error) {
	role, err := admins.ParseRole(cmd.role)
	if err != nil {
		return nil, err
	}
	a, err := e.admin(ctx, cmd.org, cmd.email)
	if err != nil {
		return nil, err
	}
	if err := e.uc().Admins.SetRole(cliCtx(ctx), nil, a, role); err != nil {
		return nil, err
	}
	return adminRoleSet{adminView(a)}, nil
}

type adminRoleSet struct{ adminJSON }

func (a adminRoleSet) Text(w io.Writer) {
	fmt.Fprintf(w, "%s is an %s of the organization now.\n", a.Email, a.Role)
}

// adminRemove is `roster admin remove`: the admin's sessions, sign-in
// links and API tokens stop working at once. The last owner stays.
type adminRemove struct{ adminFlags }

func (cmd *adminRemove) flags(fs *flag.FlagSet) []string {
	return cmd.define(fs, "the admin's email address")
}

func (cmd *adminRemove) run(ctx context.Context, e *env) (output, error) {
	a, err := e.admin(ctx, cmd.org, cmd.email)
	if err != nil {
		return nil, err
	}
	if err := e.uc().Admins.Remove(cliCtx(ctx), nil, a); err != nil {
		return nil, err
	}
	return adminRemoved{ID: a.ID, OrgID: a.OrgID, Email: a.Email}, nil
}

type adminRemoved struct {
	ID    string `json:"id"`
	OrgID string `json:"orgId"`
	Email string `json:"email"`
}

func (a adminRemoved) Text(w io.Writer) {
	fmt.Fprintf(w, "%s is no longer an admin; their sessions, sign-in links and API tokens stopped working.\n", a.Email)
}
