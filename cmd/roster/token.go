package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/http/urls"
)

// expiryWarning is how far ahead token lists warn of an expiry.
const expiryWarning = 30 * 24 * time.Hour

// tokenLifetime reads --expires: a positive duration, or "never".
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

// newTokenJSON is a directory token just made, with its secret: the one
// output that shows it.
type newTokenJSON struct {
	ID          string    `json:"id"`
	DirectoryID string    `json:"directoryId"`
	Name        string    `json:"name"`
	Prefix      string    `json:"prefix"`
	Token       string    `json:"token"`
	Created     timestamp `json:"created"`
	Expires     timestamp `json:"expires"`
	BaseURL     string    `json:"baseUrl"`
	// Replaced is the token a rotation replaced, with the end of its
	// grace period.
	Replaced *replacedJSON `json:"replaced,omitempty"`

	directory string // for people: "name (ID)"
}

type replacedJSON struct {
	ID      string    `json:"id"`
	Prefix  string    `json:"prefix"`
	Expires timestamp `json:"expires"`
}

func (e *env) newTokenView(d *roster.Directory, secret string, t roster.Token) newTokenJSON {
	return newTokenJSON{ID: t.ID, DirectoryID: d.ID, Name: t.Name, Prefix: t.Prefix, Token: secret,
		Created: timestamp(t.Created), Expires: timestamp(t.Expires), BaseURL: urls.DirectoryBase(e.publicURL(), d.ID),
		directory: d.Name + " (" + d.ID + ")"}
}

func (t newTokenJSON) Text(w io.Writer) {
	if t.Replaced == nil {
		fmt.Fprintln(w, "Token created.")
	} else {
		fmt.Fprintln(w, "Token rotated.")
	}
	fmt.Fprintln(w)
	labelled(w, "Directory", t.directory, "Name", t.Name, "Token", t.Token, "Expires", t.Expires.String())
	fmt.Fprintln(w)
	fmt.Fprintln(w, "The token is shown only this once: copy it now and paste it into the identity provider.")
	if t.Replaced != nil {
		fmt.Fprintf(w, "The old token %s… keeps working until %s; after that it is refused.\n", t.Replaced.Prefix, t.Replaced.Expires)
	}
}

// tokenCreate is `roster token create`.
type tokenCreate struct{ dir, name, expires string }

func (cmd *tokenCreate) flags(fs *flag.FlagSet) []string {
	fs.StringVar(&cmd.dir, "directory", "", "the directory's ID")
	fs.StringVar(&cmd.name, "name", "", "a name for the token, e.g. where it is used")
	fs.StringVar(&cmd.expires, "expires", "365d", `lifetime ("never" for none)`)
	return []string{"directory", "name"}
}

func (cmd *tokenCreate) run(ctx context.Context, e *env) (output, error) {
	lifetime, err := tokenLifetime(cmd.expires)
	if err != nil {
		return nil, err
	}
	d, err := e.st.FindDirectory(ctx, cmd.dir)
	if err != nil {
		return nil, err
	}
	secret, tok := newToken(cmd.name, lifetime)
	tok.OrgID, tok.DirectoryID = d.OrgID, d.ID
	if err := e.st.CreateToken(cliCtx(ctx), &tok); err != nil {
		return nil, err
	}
	return e.newTokenView(d, secret, tok), nil
}

// tokenJSON is a directory token in lists: never its secret.
type tokenJSON struct {
	ID       string             `json:"id"`
	Name     string             `json:"name"`
	Prefix   string             `json:"prefix"`
	Status   roster.TokenStatus `json:"status"`
	Created  timestamp          `json:"created"`
	LastUsed timestamp          `json:"lastUsed"`
	Expires  timestamp          `json:"expires"`
	Revoked  timestamp          `json:"revoked"`
}

// tokenList is `roster token list`.
type tokenList struct{ dir string }

func (cmd *tokenList) flags(fs *flag.FlagSet) []string {
	fs.StringVar(&cmd.dir, "directory", "", "the directory's ID")
	return []string{"directory"}
}

func (cmd *tokenList) run(ctx context.Context, e *env) (output, error) {
	d, err := e.st.FindDirectory(ctx, cmd.dir)
	if err != nil {
		return nil, err
	}
	tokens, err := e.st.Tokens(ctx, d.OrgID, d.ID)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	var warnings []string
	out := list[tokenJSON]{
		header: []string{"ID", "NAME", "PREFIX", "STATUS", "CREATED", "LAST USED", "EXPIRES"},
		row: func(t tokenJSON) []string {
			return []string{t.ID, t.Name, t.Prefix + "…", string(t.Status), t.Created.String(), t.LastUsed.String(), t.Expires.String()}
		},
		footer: func(w io.Writer) {
			if len(warnings) > 0 {
				fmt.Fprintln(w)
			}
			for _, msg := range warnings {
				fmt.Fprintln(w, "Warning:", msg)
			}
		},
	}
	for _, t := range tokens {
		out.items = append(out.items, tokenJSON{t.ID, t.Name, t.Prefix, t.Status(now), timestamp(t.Created),
			timestamp(t.LastUsed), timestamp(t.Expires), timestamp(t.Revoked)})
		if t.Status(now) == roster.TokenActive && !t.Expires.IsZero() && t.Expires.Sub(now) < expiryWarning {
			warnings = append(warnings, fmt.Sprintf("Token %s (%s) expires in %s: rotate it with roster token rotate --directory %s --token %s",
				t.Prefix, t.Name, humanDuration(t.Expires.Sub(now)), d.ID, t.ID))
		}
	}
	return out, nil
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

// directoryToken finds the directory --directory names and, among its
// tokens, the one --token names (see findToken).
func (e *env) directoryToken(ctx context.Context, dirID, ref string) (*roster.Directory, roster.Token, error) {
	d, err := e.st.FindDirectory(ctx, dirID)
	if err != nil {
		return nil, roster.Token{}, err
	}
	tokens, err := e.st.Tokens(ctx, d.OrgID, d.ID)
	if err != nil {
		return nil, roster.Token{}, err
	}
	t, err := findToken(tokens, ref, time.Now())
	return d, t, err
}

// tokenRotate is `roster token rotate`.
type tokenRotate struct{ dir, ref, grace, expires string }

func (cmd *tokenRotate) flags(fs *flag.FlagSet) []string {
	fs.StringVar(&cmd.dir, "directory", "", "the directory's ID")
	fs.StringVar(&cmd.ref, "token", "", "the token to replace, by ID or prefix (default: the directory's only active token)")
	fs.StringVar(&cmd.grace, "grace", "24h", "how long the old token keeps working (0 ends it now)")
	fs.StringVar(&cmd.expires, "expires", "365d", `lifetime of the new token ("never" for none)`)
	return []string{"directory"}
}

// run holds the rotation's rules (the grace period, the new token's
// lifetime) until the tokens use case owns them.
func (cmd *tokenRotate) run(ctx context.Context, e *env) (output, error) {
	graceFor, err := parseDuration(cmd.grace)
	if err != nil {
		return nil, err
	}
	lifetime, err := tokenLifetime(cmd.expires)
	if err != nil {
		return nil, err
	}
	d, old, err := e.directoryToken(ctx, cmd.dir, cmd.ref)
	if err != nil {
		return nil, err
	}
	secret, next := newToken("", lifetime)
	oldEnds := time.Now().Add(graceFor).UTC()
	if err := e.st.RotateToken(cliCtx(ctx), d.OrgID, d.ID, old.ID, oldEnds, &next); err != nil {
		return nil, err
	}
	out := e.newTokenView(d, secret, next)
	out.Replaced = &replacedJSON{old.ID, old.Prefix, timestamp(oldEnds)}
	return out, nil
}

// tokenRevoke is `roster token revoke`.
type tokenRevoke struct{ dir, ref string }

func (cmd *tokenRevoke) flags(fs *flag.FlagSet) []string {
	fs.StringVar(&cmd.dir, "directory", "", "the directory's ID")
	fs.StringVar(&cmd.ref, "token", "", "the token to revoke, by ID or prefix")
	return []string{"directory", "token"}
}

func (cmd *tokenRevoke) run(ctx context.Context, e *env) (output, error) {
	d, tok, err := e.directoryToken(ctx, cmd.dir, cmd.ref)
	if err != nil {
		return nil, err
	}
	if err := e.st.RevokeToken(cliCtx(ctx), d.OrgID, d.ID, tok.ID); err != nil {
		return nil, err
	}
	return tokenRevoked{tok.ID, tok.Prefix, roster.TokenRevoked, tok.Name}, nil
}

type tokenRevoked struct {
	ID     string             `json:"id"`
	Prefix string             `json:"prefix"`
	Status roster.TokenStatus `json:"status"`
	name   string
}

func (t tokenRevoked) Text(w io.Writer) {
	fmt.Fprintf(w, "Token %s… (%s) revoked: it is refused from now on.\n", t.Prefix, t.name)
}
