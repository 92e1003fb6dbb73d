// Package directories holds the rules of an organization's directories
// (one per identity provider): what a directory is called, that it is
// born with its first token, and what deleting one takes with it. The
// console, the admin API and the command line call it.
//
// It depends on the root package roster and on package tokens, whose
// rules the first token follows.
package directories

import (
	"context"
	"strings"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/tokens"
)

// MaxNameLen bounds a directory's name.
const MaxNameLen = 200

// Service applies the rules; its fields are its dependencies.
type Service struct {
	Store roster.Directories
	Now   func() time.Time // time.Now when nil
}

// Created is a new directory with its first token, whose secret is shown
// once.
type Created struct {
	Directory roster.Directory
	tokens.Created
}

// Create makes a directory of organization orgID named name, together
// with its first token of the given lifetime (0: never expires), in one
// transaction: a directory is never left without a way in.
func (s *Service) Create(ctx context.Context, orgID, name string, lifetime time.Duration) (*Created, error) {
	name, err := Name(name)
	if err != nil {
		return nil, err
	}
	d := roster.Directory{OrgID: orgID, Name: name}
	ts := tokens.Service{Store: s.Store, Now: s.Now}
	first, err := ts.New(&d, "", lifetime, 0)
	if err != nil {
		return nil, err
	}
	if err := s.Store.CreateDirectory(ctx, &d, &first.Token); err != nil {
		return nil, err
	}
	return &Created{Directory: d, Created: *first}, nil
}

// Name checks a directory's name and returns it trimmed. Names are unique
// in the organization, compared by roster.NameKey (the store checks).
func Name(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > MaxNameLen || !roster.IsText(name) {
		return "", roster.Invalidf("", "give the directory a name of 1 to %d characters, such as the identity provider's (Entra ID, Okta)", MaxNameLen)
	}
	return name, nil
}

// Rename renames directory d; a name another directory of the
// organization has (in any case) is roster.ReasonNameTaken.
func (s *Service) Rename(ctx context.Context, d *roster.Directory, name string) error {
	name, err := Name(name)
	if err != nil {
		return err
	}
	if err := s.Store.RenameDirectory(ctx, d.OrgID, d.ID, name); err != nil {
		return err
	}
	d.Name = name
	return nil
}

// Deleted says what deleting a directory took with it.
type Deleted struct {
	Users, Groups int
}

// Delete deletes a directory with its tokens, users and groups. confirm
// must be the directory's name: the console and the command line both ask
// for it, because nothing brings the users back.
func (s *Service) Delete(ctx context.Context, d *roster.Directory, confirm string) (*Deleted, error) {
	if strings.TrimSpace(confirm) != d.Name {
		return nil, roster.Invalidf("", "type the directory's name, %q, to confirm; nothing was deleted", d.Name)
	}
	users, groups, err := s.Store.DeleteDirectory(ctx, d.OrgID, d.ID)
	if err != nil {
		return nil, err
	}
	return &Deleted{Users: users, Groups: groups}, nil
}

// SetStrict makes directory dirID of organization orgID strict or lenient.
// A strict directory refuses a POST or PUT that names an attribute Roster
// does not know (400, as RFC 7644 allows); a lenient one, the default,
// drops such attributes and says so in its request log, so that one
// misspelt attribute mapping in the identity provider does not stop
// provisioning. The change is an audited event.
func (s *Service) SetStrict(ctx context.Context, orgID, dirID string, strict bool) (*roster.Directory, error) {
	return s.Store.UpdateDirectory(ctx, orgID, dirID, func(d *roster.Directory) error {
		d.Strict = strict
		return nil
	})
}
