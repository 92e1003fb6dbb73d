package roster

import (
	"context"
)

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
}
