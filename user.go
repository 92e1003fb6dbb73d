package roster

import (
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
