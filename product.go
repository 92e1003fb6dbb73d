package roster

import (
	"context"
	"regexp"
	"time"
)

// Product is an application an organization runs ("jira", "wiki"): what
// access is granted to.
type Product struct {
	OrgID   string
	Key     string // short, stable, used in URLs: [a-z0-9-]
	Name    string
	Created time.Time
}

var productKey = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// ValidProductKey reports whether key can be a product's key: 1 to 63
// lower-case letters, digits and -, starting with a letter or digit.
// Applications put keys in URLs (the admin API's access check).
func ValidProductKey(key string) bool { return productKey.MatchString(key) }

// Roles a grant gives.
const (
	RoleUser  = "user"
	RoleAdmin = "admin"
)

// Grant gives the members of a group (synced or local, members of nested
// groups included) access to a product with a role.
type Grant struct {
	OrgID     string
	Product   string // the product's key
	GroupID   string
	GroupName string // filled in by reads
	Role      string
	Created   time.Time
}

// AccessDecision is what a user may do with a product: the union of the
// grants of the groups it belongs to. A deactivated or deleted user has none.
type AccessDecision struct {
	Allowed bool
	Role    string     // admin if any grant says so, else user; "" without access
	Via     []GroupRef // the groups whose grants apply
	Reason  string     // why access is refused, for people
}

// ProductCounts are the users with access to a product, as a bill would
// count them: active users only, each once.
type ProductCounts struct {
	Users    int
	Managed  int
	External int
}

// ProductUser is a user with access to a product, as the product's page lists them.
type ProductUser struct {
	User
	Role string // RoleAdmin or RoleUser
}

// AccessThrough is a product a group's members have access through, and
// how many of them would lose it without the group.
type AccessThrough struct {
	Product Product
	Direct  bool // the group is granted the product itself, not through a parent group
	Default bool // the group is one of the product's default groups
	Lose    int  // active users with no other way in
}

// ProductScope names a product of an organization: what access is
// granted to, checked against and revoked from. A struct rather than two
// strings so that a product key cannot be passed where a group ID belongs.
type ProductScope struct {
	OrgID   string
	Product string // the product's key
}

// Access keeps products, the grants that give groups access to them, and
// answers who has access.
type Access interface {
	// CreateProduct adds a product; a key the organization uses already is
	// an EConflict.
	CreateProduct(ctx context.Context, p *Product) error
	GetProduct(ctx context.Context, orgID, key string) (*Product, error)
	ListProducts(ctx context.Context, orgID string) ([]Product, error)
	// UpdateProduct changes a product with update (only its name may
	// change; the key is what applications ask by). A name another product
	// of the organization has, compared by NameKey, is ReasonNameTaken.
	UpdateProduct(ctx context.Context, p ProductScope, update func(*Product) error) (*Product, error)
	// DeleteProduct deletes a product with its grants and default groups;
	// the groups stay.
	DeleteProduct(ctx context.Context, p ProductScope) error
	// ListAccessThrough says, for every product whose grants reach
	// group groupID (granted to it, or to a group it is nested in) or
	// that has it as a default group, how many active users would lose
	// that product if the group were gone: those it is the only way in
	// for. What deleting a group takes away.
	ListAccessThrough(ctx context.Context, orgID, groupID string) ([]AccessThrough, error)
	// GrantAccess gives a group of the organization access to a product,
	// or changes the role of an existing grant.
	GrantAccess(ctx context.Context, g *Grant) error
	RevokeAccess(ctx context.Context, p ProductScope, groupID string) error
	ListGrants(ctx context.Context, orgID, product string) ([]Grant, error)
	// SetDefaultGroup makes a local group one that every new managed
	// account joins (on false, stops it).
	SetDefaultGroup(ctx context.Context, p ProductScope, groupID string, on bool) error
	ListDefaultGroups(ctx context.Context, orgID, product string) ([]Group, error)
	// CheckAccess answers whether a user (by ID or userName) may use a
	// product, with the role and the groups that grant it. A user that
	// does not exist simply has no access.
	CheckAccess(ctx context.Context, p ProductScope, user string) (*AccessDecision, error)
	GetProductCounts(ctx context.Context, orgID, product string) (*ProductCounts, error)
	// ListProductUsers lists, a page at a time in userName order, the active users
	// of the organization that have access to product (through any granted
	// group, nested groups included), each with the role they get (admin wins
	// over user) — the same rule as CheckAccess and ProductCounts. Total is the
	// number of such users.
	ListProductUsers(ctx context.Context, orgID, product string, offset, limit int) (*Page[ProductUser], error)
	// ListAccessState lists, up to limit at a time in (product, user ID)
	// order after the key after, every user's effective access to every
	// product of the organization: what the access.granted and
	// access.revoked events have announced so far, for a snapshot that an
	// application loads before following the event feed.
	ListAccessState(ctx context.Context, orgID string, after AccessKey, limit int) ([]AccessState, error)
}

// AccessState is one user's effective access to one product (CheckAccess's
// answer, kept): the store changes it in the same transaction as every
// change that moves it, and appends an access.granted or access.revoked
// event for each change, so that applications can follow access instead
// of the SCIM changes behind it.
type AccessState struct {
	OrgID   string
	Product string
	UserID  string
	Role    string // RoleAdmin or RoleUser
}

// Key is the state's place in ListAccessState's order.
func (a AccessState) Key() AccessKey { return AccessKey{a.Product, a.UserID} }

// AccessKey is where a page of ListAccessState starts: after this product
// and user. The zero key starts at the beginning.
type AccessKey struct {
	Product string
	UserID  string
}

// Access events: one per user and product whose effective access changed.
// access.granted carries the new role (and previousRole on a role
// change), access.revoked the role that was lost.
const (
	EventAccessGranted = "access.granted"
	EventAccessRevoked = "access.revoked"
)

// Causes name, in an access event's payload, the change that moved the
// user's access.
const (
	AccessCauseGrant             = "grant"        // a grant was given, changed or revoked
	AccessCauseMembership        = "membership"   // the user joined or left a group (synced, local or default)
	AccessCauseNesting           = "nesting"      // a group joined or left a group
	AccessCauseDeactivation      = "deactivation" // the user was deactivated
	AccessCauseReactivation      = "reactivation"
	AccessCauseDeletion          = "deletion" // the user was deleted
	AccessCauseRestore           = "restore"  // the user was restored
	AccessCauseGroupDeletion     = "group_deletion"
	AccessCauseGroupRestore      = "group_restore"
	AccessCauseLink              = "link" // a synced group took over a local group
	AccessCauseDirectoryDeletion = "directory_deletion"
	AccessCauseProductDeletion   = "product_deletion" // the product itself was deleted
)
