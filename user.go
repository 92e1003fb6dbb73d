package roster

import (
	"context"
	"strings"
	"time"
)

// User is a provisioned person. Attributes holds the whole SCIM resource as
// the identity provider last set it (normalized by package scim, without id,
// meta, groups and password); the typed fields repeat the few attributes
// Roster itself reasons about, so that the store can index them.
type User struct {
	ID          string
	ExternalID  string
	UserName    string
	DisplayName string
	Active      bool
	// Email is the address that decides whether the organization manages
	// the account: the primary email, else the first email, else the
	// userName when it is an address.
	Email string
	// Managed is true when Email is on a verified domain of the
	// organization: the organization manages the account. Read-only,
	// computed by the store.
	Managed bool
	// DirectoryID is the directory that provisions the user; "" for a
	// local user. Filled in by reads that are not scoped to a directory.
	DirectoryID  string
	Attributes   []byte // a JSON object
	Version      int64  // increases with every change; the ETag
	Created      time.Time
	LastModified time.Time
}

// EmailDomain returns the domain of an address, lower-cased, or "".
func EmailDomain(email string) string {
	i := strings.LastIndexByte(email, '@')
	if i < 0 || i == len(email)-1 {
		return ""
	}
	return strings.ToLower(email[i+1:])
}

// Group is a provisioned group. Its members are rows of their own (see
// Member): a group's Attributes never hold them, so that adding one member
// to a million-member group costs what adding it to a small one costs.
type Group struct {
	ID           string
	ExternalID   string
	DisplayName  string
	Attributes   []byte // a JSON object, without members
	Version      int64
	Created      time.Time
	LastModified time.Time
}

// Member types.
const (
	MemberUser  = "User"
	MemberGroup = "Group"
)

// Member is one member of a group as read back: a user or a group of the same
// directory, with its current display name.
type Member struct {
	ID      string
	Type    string // MemberUser or MemberGroup
	Display string
}

// GroupRef is one group a user belongs to, directly or through a nested group.
type GroupRef struct {
	ID      string
	Display string
	Direct  bool
}

// MemberOpKind says what a MemberOp does.
type MemberOpKind int

// Member operations, applied in the order a PATCH lists them.
const (
	AddMembers         MemberOpKind = iota + 1 // add IDs; adding a member twice stores it once
	RemoveMembers                              // remove IDs; absent ones are ignored
	RemoveMembersWhere                         // remove the members Filter matches (attributes members.value/type/display)
	RemoveAllMembers                           // empty the group
)

// MemberOp is one change to a group's membership. The store turns it into
// writes of the affected rows only.
type MemberOp struct {
	Kind   MemberOpKind
	IDs    []string
	Filter Filter
}

// Provisioning is what an identity provider changes through SCIM: the
// users and groups of one directory, always scoped by a Tenant.
type Provisioning interface {
	// CreateUser stores u, assigning ID, Version, Created and LastModified.
	// A userName already used in the organization is an EConflict.
	CreateUser(ctx context.Context, t DirectoryScope, u *User) error
	GetUser(ctx context.Context, t DirectoryScope, id string) (*User, error)
	// UpdateUser reads the user, lets update change it, and writes it back,
	// all in one transaction: concurrent updates never lose each other's
	// changes. update may return an error (a failed If-Match, an invalid
	// PATCH) to abandon the change.
	UpdateUser(ctx context.Context, t DirectoryScope, id string, update func(*User) error) (*User, error)
	// DeleteUser deletes the user and its memberships. With ifVersion > 0
	// it fails with EPreconditionFailed unless that is the current version.
	DeleteUser(ctx context.Context, t DirectoryScope, id string, ifVersion int64) error
	ListUsers(ctx context.Context, t DirectoryScope, q Query) (*Page[User], error)
	// ListUsersWithGroups is ListUsers with each user's groups, as
	// ListUserGroups gives them, read in the page's own statement where
	// the store can: a SCIM lookup, the commonest request, shows the
	// user's groups, and a second statement was a sixth of its cost.
	ListUsersWithGroups(ctx context.Context, t DirectoryScope, q Query) (*Page[User], map[string][]GroupRef, error)
	// ListUserGroups returns, for each of the given users, the groups it
	// belongs to directly or through nested groups.
	ListUserGroups(ctx context.Context, t DirectoryScope, userIDs []string) (map[string][]GroupRef, error)
	// CreateGroup stores g with the given members (users or groups of the
	// same directory; an unknown ID is an EInvalid).
	CreateGroup(ctx context.Context, t DirectoryScope, g *Group, memberIDs []string) error
	GetGroup(ctx context.Context, t DirectoryScope, id string) (*Group, error)
	// UpdateGroup works like UpdateUser; update also returns the membership
	// changes to apply, in order, in the same transaction.
	UpdateGroup(ctx context.Context, t DirectoryScope, id string, update func(*Group) ([]MemberOp, error)) (*Group, error)
	DeleteGroup(ctx context.Context, t DirectoryScope, id string, ifVersion int64) error
	ListGroups(ctx context.Context, t DirectoryScope, q Query) (*Page[Group], error)
	// ListMembers calls fn for each member of the group, in member ID
	// order, without holding them all in memory. Members are read in
	// batches, each its own snapshot: a member added or removed while a
	// large group streams may be in it or not, but none comes twice.
	ListMembers(ctx context.Context, t DirectoryScope, groupID string, fn func(Member) error) error
}
