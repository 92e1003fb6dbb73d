package roster

import (
	"context"
)

// UserFilter selects an organization's users for an admin's list. The
// zero value selects everyone.
type UserFilter struct {
	DirectoryID string // only this directory's users
	Local       bool   // only local users (no directory)
	Active      *bool
	Managed     *bool
	// Search matches userName, displayName or email, case-insensitively.
	Search string
}

// UserCounts is how many users an organization has, for its overview.
type UserCounts struct {
	Total, Active, Managed int
}

// GroupFilter selects an organization's groups.
type GroupFilter struct {
	DirectoryID string
	Local       bool
	Conflicts   bool // only groups in conflict with a local group
	Search      string
}

// OrgGroup is a group as an admin lists it.
type OrgGroup struct {
	Group
	DirectoryID  string // "" for a local group
	ConflictWith string // the local group it is in conflict with, or ""
	Members      int
}

// MemberQuery asks for a page of a group's members: those after a member
// ID (keyset paging: any page costs the same), optionally matching Search.
type MemberQuery struct {
	After  string
	Search string
	Limit  int
}

// Reports are the read models of the console and the admin API: lists
// and counts across an organization, shaped for people.
type Reports interface {
	// FindUser looks a user up in the whole organization by ID or
	// userName, for the admin's tools.
	FindUser(ctx context.Context, orgID, idOrUserName string) (*User, error)
	// GetOrgGroup reads any group of the organization, with its directory
	// ("" for a local group), member count and conflict.
	GetOrgGroup(ctx context.Context, orgID, groupID string) (*OrgGroup, error)
	// ListOrgUserGroups lists every group of the organization a user belongs
	// to, its directory's and local ones, directly or through nested
	// groups (Direct says which), in displayName order.
	ListOrgUserGroups(ctx context.Context, orgID, userID string) ([]GroupRef, error)
	// GetUserCounts counts an organization's users, its active ones and its
	// managed ones, in one pass.
	GetUserCounts(ctx context.Context, orgID string) (*UserCounts, error)
	// ListOrgUsers and ListOrgGroups list an organization's users and groups for
	// its admins, offset-paged, with their totals.
	ListOrgUsers(ctx context.Context, orgID string, f UserFilter, offset, limit int) (*Page[User], error)
	ListOrgGroups(ctx context.Context, orgID string, f GroupFilter, offset, limit int) (*Page[OrgGroup], error)
	// ListMembersPage reads a page of a group's members, after a member ID
	// (keyset: any page costs the same), optionally matching search.
	ListMembersPage(ctx context.Context, orgID, groupID string, q MemberQuery) ([]Member, error)
	// ListNames names what ids identify in the organization, in one
	// query: a user by userName, a group by displayName, a product (by
	// key) by name, a directory by name, an admin by email address, a
	// token by name; a deleted user or group by its name while it can be
	// restored. IDs that name nothing are left out of the map. For the
	// pages and exports that would otherwise speak in IDs.
	ListNames(ctx context.Context, orgID string, ids []string) (map[string]string, error)
}
