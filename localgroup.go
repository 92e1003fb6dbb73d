package roster

import (
	"context"
)

// Local-group names are unique in their organization, compared by NameKey
// (synced groups are not: two directories may each have an Engineering).

// LocalGroups keeps the groups an admin makes, which no directory
// provisions; their members may come from any directory.
type LocalGroups interface {
	// CreateLocalGroup makes a group of the organization that no
	// directory provisions; its members may come from any directory.
	CreateLocalGroup(ctx context.Context, orgID string, g *Group) error
	// AddLocalMembers adds users of the organization to a local group;
	// RemoveLocalMembers takes members out of one (IDs that are not
	// members are ignored).
	AddLocalMembers(ctx context.Context, orgID, groupID string, userIDs []string) error
	RemoveLocalMembers(ctx context.Context, orgID, groupID string, memberIDs []string) error
	// UpdateLocalGroup changes a local group with update (its
	// displayName); a name another local group of the organization has,
	// compared by NameKey, is ReasonNameTaken. A synced group's name is its
	// identity provider's: EInvalid.
	UpdateLocalGroup(ctx context.Context, orgID, groupID string, update func(*Group) error) (*Group, error)
	// DeleteLocalGroup deletes a local group with its memberships, grants
	// and default-group roles; a synced group is EInvalid.
	DeleteLocalGroup(ctx context.Context, orgID, groupID string) error
}
