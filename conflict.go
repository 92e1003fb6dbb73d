package roster

import (
	"context"
)

// Conflict is a group an identity provider pushed under the name of an
// existing local group. Both exist side by side until an admin links them:
// then the synced group takes over the local group's access and the local
// group goes.
type Conflict struct {
	Synced      Group
	DirectoryID string
	Local       Group
}

// LinkPreview says whose access would change if a conflict were linked:
// the synced group's members replace the local group's in every grant the
// local group has.
type LinkPreview struct {
	Conflict Conflict
	Products []string // the products the local group grants
	// Gain and Lose are users whose access to one of Products would
	// change: effective access (nested groups, active users only, the
	// rule of CheckAccess) before and after the link. They list at most
	// PreviewUsers users each; Gained and Lost count them all.
	Gain         []User
	Lose         []User
	Gained, Lost int
	// Defaults are the products the local group is a default group of:
	// default groups are local, so linking ends those roles, and new
	// managed accounts no longer join a group for those products.
	Defaults []string
}

// PreviewUsers bounds the users a LinkPreview lists.
const PreviewUsers = 100

// Conflicts resolves synced groups named like a local group, and lets an
// admin take a synced user or group over from its directory.
type Conflicts interface {
	// ListConflicts lists the organization's groups in conflict with a local
	// group of the same name.
	ListConflicts(ctx context.Context, orgID string) ([]Conflict, error)
	// PreviewLink says whose access linking a conflicting group would
	// change; LinkGroup does it: the synced group takes over the local
	// group's grants and default-group roles, and the local group goes.
	PreviewLink(ctx context.Context, orgID, syncedGroupID string) (*LinkPreview, error)
	LinkGroup(ctx context.Context, orgID, syncedGroupID string) error
	// UnlinkUser and UnlinkGroup detach a synced user or group from its
	// directory: it becomes local, its identity provider no longer sees
	// or changes it, and an admin owns it.
	UnlinkUser(ctx context.Context, orgID, userID string) error
	UnlinkGroup(ctx context.Context, orgID, groupID string) error
}
