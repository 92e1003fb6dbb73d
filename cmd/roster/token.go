package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/http/urls"
	"github.com/rosterhq/roster/tokens"
)

// expiryWarning is how far ahead token lists warn of an expiry.
const expiryWarning = 30 * 24 * time.Hour

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
	fs.StringVar(&cmd.name, "name", "", `a name for the token, e.g. where it is used (default: "<directory> token N")`)
	fs.StringVar(&cmd.expires, "expires", "365d", `lifetime: days (90d), a duration (12h), or "never"`)
	return []string{"directory"}
}

func (cmd *tokenCreate) run(ctx context.Context, e *env) (output, error) {
	lifetime, err := tokens.ParseLifetime(cmd.expires)
	if err != nil {
		return nil, err
	}
	d, err := e.st.FindDirectory(ctx, cmd.dir)
	if err != nil {
		return nil, err
	}
	c, err := e.uc().Tokens.Create(cliCtx(ctx), d, cmd.name, lifetime)
	if err != nil {
		return nil, err
	}
	return e.newTokenView(d, c.Secret, c.Token), nil
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
	tokens, err := e.st.ListTokens(ctx, d.OrgID, d.ID)
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

// directoryToken finds the directory --directory names and, among its
// tokens, the one --token names (see findToken).
func (e *env) directoryToken(ctx context.Context, dirID, ref string) (*roster.Directory, roster.Token, error) {
	d, err := e.st.FindDirectory(ctx, dirID)
	if err != nil {
		return nil, roster.Token{}, err
	}
	list, err := e.st.ListTokens(ctx, d.OrgID, d.ID)
	if err != nil {
		return nil, roster.Token{}, err
	}
	t, err := tokens.Find(list, ref, time.Now())
	return d, t, err
}

// tokenRotate is `roster token rotate`.
type tokenRotate struct{ dir, ref, grace, expires string }

func (cmd *tokenRotate) flags(fs *flag.FlagSet) []string {
	fs.StringVar(&cmd.dir, "directory", "", "the directory's ID")
	fs.StringVar(&cmd.ref, "token", "", "the token to replace, by ID or prefix (default: the directory's only active token)")
	fs.StringVar(&cmd.grace, "grace", "24h", "how long the old token keeps working, at most 30d (0 ends it now)")
	fs.StringVar(&cmd.expires, "expires", "", `lifetime of the new token: days (90d), a duration, or "never" (default: the old token's lifetime)`)
	return []string{"directory"}
}

// run rotates by the tokens use case's rules, the console's and the admin
// API's: the grace is capped, the lifetime is kept, a token rotates once.
func (cmd *tokenRotate) run(ctx context.Context, e *env) (output, error) {
	grace, err := tokens.ParseGrace(cmd.grace)
	if err != nil {
		return nil, err
	}
	rot := tokens.Rotation{Grace: grace}
	if cmd.expires != "" {
		lifetime, err := tokens.ParseLifetime(cmd.expires)
		if err != nil {
			return nil, err
		}
		rot.Lifetime = &lifetime
	}
	d, old, err := e.directoryToken(ctx, cmd.dir, cmd.ref)
	if err != nil {
		return nil, err
	}
	r, err := e.uc().Tokens.Rotate(cliCtx(ctx), d, old, rot)
	if err != nil {
		return nil, err
	}
	out := e.newTokenView(d, r.Secret, r.Token)
	out.Replaced = &replacedJSON{r.Replaced.ID, r.Replaced.Prefix, timestamp(r.Replaced.Expires)}
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
	if err := e.uc().Tokens.Revoke(cliCtx(ctx), d, tok.ID); err != nil {
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
