package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/rosterhq/roster"
)

// findUser resolves a user as people name one: by ID, by userName or by
// email address, within the organization. The store finds IDs and
// userNames; an address that is no userName is looked for among the
// emails (a search pushed to the database), and must name one user.
func findUser(ctx context.Context, st store, orgID, ref string) (*roster.User, error) {
	u, err := st.FindUser(ctx, orgID, ref)
	if err == nil || roster.ErrorCodeOf(err) != roster.ENotFound || !roster.IsEmailAddress(ref) {
		return u, err
	}
	const pageSize = 100
	var found []roster.User
	for offset := 0; ; offset += pageSize {
		page, perr := st.OrgUsers(ctx, orgID, roster.UserFilter{Search: ref}, offset, pageSize)
		if perr != nil {
			return nil, perr
		}
		for _, u := range page.Items {
			if strings.EqualFold(u.Email, ref) {
				found = append(found, u)
			}
		}
		if len(page.Items) < pageSize {
			break
		}
	}
	switch len(found) {
	case 0:
		return nil, err
	case 1:
		return &found[0], nil
	}
	return nil, roster.Errorf(roster.EConflict, "", "%d users have the email %s; name one by its ID or userName", len(found), ref)
}

// userFlags are the flags that name a user of an organization.
type userFlags struct{ org, user string }

func (u *userFlags) define(fs *flag.FlagSet) []string {
	fs.StringVar(&u.org, "org", "", "the organization's ID")
	fs.StringVar(&u.user, "user", "", "the user's ID, userName or email address")
	return []string{"org", "user"}
}

// userJSON is a user as admins see it: managed or external. It is the
// shape of the admin API's users.
type userJSON struct {
	ID           string    `json:"id"`
	UserName     string    `json:"userName"`
	DisplayName  string    `json:"displayName"`
	Email        string    `json:"email"`
	Active       bool      `json:"active"`
	Account      string    `json:"account"`
	Managed      bool      `json:"managed"`
	DirectoryID  string    `json:"directoryId"`
	Version      int64     `json:"version"`
	Created      timestamp `json:"created"`
	LastModified timestamp `json:"lastModified"`
}

func userView(u *roster.User) userJSON {
	account := "external"
	if u.Managed {
		account = "managed"
	}
	return userJSON{u.ID, u.UserName, u.DisplayName, u.Email, u.Active, account, u.Managed, u.DirectoryID,
		u.Version, timestamp(u.Created), timestamp(u.LastModified)}
}

func (u userJSON) Text(w io.Writer) {
	labelled(w, "ID", u.ID, "userName", u.UserName, "Display name", u.DisplayName, "Email", orNone(u.Email),
		"Account", u.Account, "Active", fmt.Sprint(u.Active), "Directory", orNone(u.DirectoryID), "Last modified", u.LastModified.String())
}

// userShow is `roster user show`.
type userShow struct{ userFlags }

func (cmd *userShow) flags(fs *flag.FlagSet) []string { return cmd.define(fs) }

func (cmd *userShow) run(ctx context.Context, e *env) (output, error) {
	u, err := findUser(ctx, e.st, cmd.org, cmd.user)
	if err != nil {
		return nil, err
	}
	return userView(u), nil
}

// userUnlink is `roster user unlink`.
type userUnlink struct{ userFlags }

func (cmd *userUnlink) flags(fs *flag.FlagSet) []string { return cmd.define(fs) }

func (cmd *userUnlink) run(ctx context.Context, e *env) (output, error) {
	u, err := findUser(ctx, e.st, cmd.org, cmd.user)
	if err != nil {
		return nil, err
	}
	if err := e.st.UnlinkUser(cliCtx(ctx), cmd.org, u.ID); err != nil {
		return nil, err
	}
	return userUnlinked{u.ID, true, u.UserName}, nil
}

type userUnlinked struct {
	User     string `json:"user"`
	Local    bool   `json:"local"`
	userName string
}

func (u userUnlinked) Text(w io.Writer) {
	fmt.Fprintf(w, "The user %s (%s) is local now: its identity provider no longer sees or changes it.\n", u.userName, u.User)
}
