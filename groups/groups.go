// Package groups holds the rules of the groups an admin manages: local
// groups (made by an admin, filled with users of any directory), synced
// groups in conflict with a local namesake (previewed, then linked), and
// synced groups taken over from their directory (unlinked). The console,
// the admin API and the command line call it.
//
// It depends on the root package roster and on package users, which
// resolves how members are named.
package groups

import (
	"context"
	"strings"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/users"
)

// Limits.
const (
	MaxNameLen = 200
	// MaxAddMembers bounds the users one request adds.
	MaxAddMembers = 500
)

// Store is what the group changes need of a store.
type Store interface {
	roster.LocalGroups
	roster.Conflicts
	users.Finder
	// ListAccessThrough is roster.Access's: what deleting a group takes.
	ListAccessThrough(ctx context.Context, orgID, groupID string) ([]roster.AccessThrough, error)
}

// Service applies the rules; its field is its dependency.
type Service struct {
	Store Store
}

// CreateLocal makes a local group of organization orgID named name.
func (s *Service) CreateLocal(ctx context.Context, orgID, name string) (*roster.Group, error) {
	name, err := Name(name)
	if err != nil {
		return nil, err
	}
	g := roster.Group{DisplayName: name, Attributes: []byte(`{}`)}
	if err := s.Store.CreateLocalGroup(ctx, orgID, &g); err != nil {
		return nil, err
	}
	return &g, nil
}

// Name checks a local group's name and returns it trimmed. Names are
// unique among the organization's local groups, compared by
// roster.NameKey (the store checks).
func Name(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > MaxNameLen || !roster.IsText(name) {
		return "", roster.Invalidf(roster.ScimInvalidValue, "give the group a name of 1 to %d characters", MaxNameLen)
	}
	return name, nil
}

// RenameLocal renames local group groupID; a name another local group of
// the organization has (in any case) is roster.ReasonNameTaken, and a
// synced group's name is its identity provider's (EInvalid).
func (s *Service) RenameLocal(ctx context.Context, orgID, groupID, name string) (*roster.Group, error) {
	name, err := Name(name)
	if err != nil {
		return nil, err
	}
	return s.Store.UpdateLocalGroup(ctx, orgID, groupID, func(g *roster.Group) error {
		g.DisplayName = name
		return nil
	})
}

// Deletion is what deleting a local group takes away: for each product
// its members reach through it (or that has it as a default group), how
// many active users lose the product, those with no other way in.
type Deletion struct {
	Access []roster.AccessThrough
}

// Deletion says what deleting local group groupID would take away, for
// the confirmation every surface shows or asks for first.
func (s *Service) Deletion(ctx context.Context, orgID, groupID string) (*Deletion, error) {
	through, err := s.Store.ListAccessThrough(ctx, orgID, groupID)
	if err != nil {
		return nil, err
	}
	return &Deletion{Access: through}, nil
}

// DeleteLocal deletes local group groupID with its memberships, grants and
// default-group roles, and returns what went (taken just before).
func (s *Service) DeleteLocal(ctx context.Context, orgID, groupID string) (*Deletion, error) {
	d, err := s.Deletion(ctx, orgID, groupID)
	if err != nil {
		return nil, err
	}
	if err := s.Store.DeleteLocalGroup(ctx, orgID, groupID); err != nil {
		return nil, err
	}
	return d, nil
}

// AddMembers adds the users refs name (IDs, userNames or email addresses;
// see users.Find) to local group groupID: all of them, or none when one is
// unknown. It returns the users added.
func (s *Service) AddMembers(ctx context.Context, orgID, groupID string, refs []string) ([]roster.User, error) {
	var added []roster.User
	var ids []string
	for _, ref := range refs {
		if ref = strings.TrimSpace(ref); ref == "" {
			continue
		}
		if len(ids) == MaxAddMembers {
			return nil, roster.Invalidf("", "add at most %d users at a time", MaxAddMembers)
		}
		u, err := users.Find(ctx, s.Store, orgID, ref)
		if err != nil {
			if roster.ErrorCodeOf(err) == roster.ENotFound {
				return nil, roster.NotFoundf("the organization has no user %q; nobody was added", ref)
			}
			return nil, err
		}
		ids, added = append(ids, u.ID), append(added, *u)
	}
	if len(ids) == 0 {
		return nil, roster.Invalidf("", "name the users to add, by userName, email address or ID")
	}
	if err := s.Store.AddLocalMembers(ctx, orgID, groupID, ids); err != nil {
		return nil, err
	}
	return added, nil
}

// RemoveMembers takes members out of local group groupID; IDs that are
// not members are ignored.
func (s *Service) RemoveMembers(ctx context.Context, orgID, groupID string, memberIDs []string) error {
	return s.Store.RemoveLocalMembers(ctx, orgID, groupID, memberIDs)
}

// Link links synced group groupID with the local group it is in conflict
// with: it takes over the local group's grants and default-group roles,
// and the local group goes. It returns the preview of what changed, taken
// just before.
func (s *Service) Link(ctx context.Context, orgID, groupID string) (*roster.LinkPreview, error) {
	p, err := s.Store.PreviewLink(ctx, orgID, groupID)
	if err != nil {
		return nil, err
	}
	if err := s.Store.LinkGroup(ctx, orgID, groupID); err != nil {
		return nil, err
	}
	return p, nil
}

// Unlink detaches synced group groupID from its directory: it becomes
// local, and an admin owns it.
func (s *Service) Unlink(ctx context.Context, orgID, groupID string) error {
	return s.Store.UnlinkGroup(ctx, orgID, groupID)
}
