package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/users"
)

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
	u, err := users.Find(ctx, e.st, cmd.org, cmd.user)
	if err != nil {
		return nil, err
	}
	return userView(u), nil
}

// userUnlink is `roster user unlink`.
type userUnlink struct{ userFlags }

func (cmd *userUnlink) flags(fs *flag.FlagSet) []string { return cmd.define(fs) }

func (cmd *userUnlink) run(ctx context.Context, e *env) (output, error) {
	u, err := users.Unlink(cliCtx(ctx), e.st, cmd.org, cmd.user)
	if err != nil {
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
