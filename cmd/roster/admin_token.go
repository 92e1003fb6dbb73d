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
	"github.com/rosterhq/roster/tokens"
)

// adminTokenCreate is `roster admin token create`.
type adminTokenCreate struct {
	adminFlags
	name, expires string
}

func (cmd *adminTokenCreate) flags(fs *flag.FlagSet) []string {
	fs.StringVar(&cmd.name, "name", "", "a name for the token, e.g. the script or application that uses it")
	fs.StringVar(&cmd.expires, "expires", "365d", `lifetime ("never" for none)`)
	return append(cmd.define(fs, "the email of the admin the token acts as"), "name")
}

func (cmd *adminTokenCreate) run(ctx context.Context, e *env) (output, error) {
	lifetime, err := tokens.ParseLifetime(cmd.expires)
	if err != nil {
		return nil, err
	}
	a, err := e.admin(ctx, cmd.org, cmd.email)
	if err != nil {
		return nil, err
	}
	created, err := e.uc().Admins.CreateAPIToken(cliCtx(ctx), a, cmd.name, lifetime)
	if err != nil {
		return nil, err
	}
	tok, secret := created.Token, created.Secret
	return adminTokenCreated{tok.ID, tok.OrgID, a.ID, a.Email, tok.Kind, tok.Name, tok.Prefix, secret,
		timestamp(tok.Created), timestamp(tok.Expires), urls.AdminAPI(e.publicURL())}, nil
}

// adminTokenCreated is an admin API token just made: the one output that
// shows its secret.
type adminTokenCreated struct {
	ID      string                `json:"id"`
	OrgID   string                `json:"orgId"`
	AdminID string                `json:"adminId"`
	Email   string                `json:"email"`
	Kind    roster.AdminTokenKind `json:"kind"`
	Name    string                `json:"name"`
	Prefix  string                `json:"prefix"`
	Token   string                `json:"token"`
	Created timestamp             `json:"created"`
	Expires timestamp             `json:"expires"`
	APIURL  string                `json:"apiUrl"`
}

func (t adminTokenCreated) Text(w io.Writer) {
	fmt.Fprintln(w, "Admin API token created.")
	fmt.Fprintln(w)
	labelled(w, "Admin", t.Email, "Name", t.Name, "Token", t.Token, "Expires", t.Expires.String())
	fmt.Fprintln(w)
	fmt.Fprintf(w, "It acts as %s on the admin API, %s: send it as\n", t.Email, t.APIURL)
	fmt.Fprintf(w, "  Authorization: Bearer %s\n", t.Token)
	fmt.Fprintln(w, "The token is shown only this once: copy it now. Roster keeps only its hash.")
}

// adminTokenJSON is an admin token in lists, with its admin's email: never
// its secret.
type adminTokenJSON struct {
	ID       string                `json:"id"`
	AdminID  string                `json:"adminId"`
	Email    string                `json:"email"`
	Kind     roster.AdminTokenKind `json:"kind"`
	Name     string                `json:"name"`
	Prefix   string                `json:"prefix"`
	Status   roster.TokenStatus    `json:"status"`
	Created  timestamp             `json:"created"`
	LastUsed timestamp             `json:"lastUsed"`
	Expires  timestamp             `json:"expires"`
	Revoked  timestamp             `json:"revoked"`
}

// orgAdminTokens lists the tokens of one admin (email set) or of every
// admin of the organization, after checking that the organization exists.
func (e *env) orgAdminTokens(ctx context.Context, orgID, email string) ([]adminTokenJSON, error) {
	if _, err := e.st.GetOrg(ctx, orgID); err != nil {
		return nil, err
	}
	var admins []roster.Admin
	if email != "" {
		a, err := e.st.GetAdminByEmail(ctx, orgID, email)
		if err != nil {
			return nil, err
		}
		admins = []roster.Admin{*a}
	} else {
		var err error
		if admins, err = e.st.ListAdmins(ctx, orgID); err != nil {
			return nil, err
		}
	}
	now := time.Now()
	var out []adminTokenJSON
	for _, a := range admins {
		tokens, err := e.st.ListAdminTokens(ctx, orgID, a.ID)
		if err != nil {
			return nil, err
		}
		for _, t := range tokens {
			out = append(out, adminTokenJSON{t.ID, t.AdminID, a.Email, t.Kind, t.Name, t.Prefix, t.Status(now),
				timestamp(t.Created), timestamp(t.LastUsed), timestamp(t.Expires), timestamp(t.Revoked)})
		}
	}
	return out, nil
}

// adminTokenList is `roster admin token list`.
type adminTokenList struct{ org, email string }

func (cmd *adminTokenList) flags(fs *flag.FlagSet) []string {
	fs.StringVar(&cmd.org, "org", "", "the organization's ID")
	fs.StringVar(&cmd.email, "email", "", "only this admin's tokens")
	return []string{"org"}
}

func (cmd *adminTokenList) run(ctx context.Context, e *env) (output, error) {
	tokens, err := e.orgAdminTokens(ctx, cmd.org, cmd.email)
	if err != nil {
		return nil, err
	}
	return list[adminTokenJSON]{
		items:  tokens,
		header: []string{"ID", "ADMIN", "KIND", "NAME", "PREFIX", "STATUS", "CREATED", "LAST USED", "EXPIRES"},
		row: func(t adminTokenJSON) []string {
			return []string{t.ID, t.Email, string(t.Kind), t.Name, t.Prefix + "…", string(t.Status),
				t.Created.String(), t.LastUsed.String(), t.Expires.String()}
		},
		empty: fmt.Sprintf("No admin tokens. Create an API token with: roster admin token create --org %s --email EMAIL --name NAME", cmd.org),
	}, nil
}

// adminTokenRevoke is `roster admin token revoke`.
type adminTokenRevoke struct{ org, ref string }

func (cmd *adminTokenRevoke) flags(fs *flag.FlagSet) []string {
	fs.StringVar(&cmd.org, "org", "", "the organization's ID")
	fs.StringVar(&cmd.ref, "token", "", "the token to revoke, by ID or prefix")
	return []string{"org", "token"}
}

func (cmd *adminTokenRevoke) run(ctx context.Context, e *env) (output, error) {
	tokens, err := e.orgAdminTokens(ctx, cmd.org, "")
	if err != nil {
		return nil, err
	}
	want := strings.TrimSuffix(strings.TrimSpace(cmd.ref), "…")
	if prefix, ok := roster.ParseAdminTokenSecret(want); ok {
		want = prefix // the whole secret was given: its prefix names it
	}
	var matches []adminTokenJSON
	for _, t := range tokens {
		if t.ID == want || t.Prefix == want {
			matches = append(matches, t)
		}
	}
	switch {
	case len(matches) == 0:
		return nil, roster.NotFoundf("no admin token %q in this organization; see roster admin token list --org %s", cmd.ref, cmd.org)
	case len(matches) > 1:
		return nil, roster.Errorf(roster.EConflict, "", "%d admin tokens have the prefix %s; give the ID instead (see roster admin token list)", len(matches), want)
	}
	tok := matches[0]
	if tok.Status == roster.TokenRevoked {
		return nil, roster.Errorf(roster.EConflict, "", "admin token %s… (%s) is revoked already", tok.Prefix, tok.Name)
	}
	if err := e.st.RevokeAdminToken(cliCtx(ctx), cmd.org, tok.ID); err != nil {
		return nil, err
	}
	return adminTokenRevoked{tok.ID, tok.Prefix, tok.Kind, tok.Email, roster.TokenRevoked, tok.Name}, nil
}

type adminTokenRevoked struct {
	ID     string                `json:"id"`
	Prefix string                `json:"prefix"`
	Kind   roster.AdminTokenKind `json:"kind"`
	Email  string                `json:"email"`
	Status roster.TokenStatus    `json:"status"`
	name   string
}

func (t adminTokenRevoked) Text(w io.Writer) {
	fmt.Fprintf(w, "Admin token %s… (%s, %s of %s) revoked: it is refused from now on.\n", t.Prefix, t.name, t.Kind, t.Email)
}
