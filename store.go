package roster

import (
	"context"
	"time"
)

// Store keeps everything Roster knows. Every method that touches an
// organization's data takes that organization or directory as a parameter
// and confines its queries to it: a resource of another tenant is ENotFound,
// never visible. Every method that changes data does so in one transaction
// that also appends the matching Event, so an acknowledged change is durable
// and audited together.
//
// Implementations live under storage/; storage/conformance is the test suite
// each of them must pass.
type Store interface {
	// CreateOrg stores o, assigning its ID and Created.
	CreateOrg(ctx context.Context, o *Org) error
	Org(ctx context.Context, orgID string) (*Org, error)
	Orgs(ctx context.Context) ([]Org, error)

	// CreateDirectory stores d (d.OrgID must exist) together with its first
	// token, so that a directory is never left without a way in.
	CreateDirectory(ctx context.Context, d *Directory, first *Token) error
	Directory(ctx context.Context, orgID, dirID string) (*Directory, error)
	// FindDirectory looks a directory up by ID alone. It is for the
	// operator's command line, which acts for every organization; request
	// handlers know their organization and use Directory.
	FindDirectory(ctx context.Context, dirID string) (*Directory, error)
	Directories(ctx context.Context, orgID string) ([]Directory, error)

	// CreateToken adds a token to the directory t.DirectoryID of org t.OrgID.
	CreateToken(ctx context.Context, t *Token) error
	Tokens(ctx context.Context, orgID, dirID string) ([]Token, error)
	// TokensByPrefix returns the directory's tokens whose public prefix is
	// prefix (almost always none or one), whatever their status: the caller
	// compares the secret and checks the status.
	TokensByPrefix(ctx context.Context, dirID, prefix string) ([]Token, error)
	// RotateToken stores next and makes token oldID expire at oldExpires (or
	// keeps its earlier expiry), in one transaction.
	RotateToken(ctx context.Context, orgID, dirID, oldID string, oldExpires time.Time, next *Token) error
	RevokeToken(ctx context.Context, orgID, dirID, tokenID string) error
	// TouchToken records that the token was used at time at.
	TouchToken(ctx context.Context, dirID, tokenID string, at time.Time) error

	// CreateUser stores u, assigning ID, Version, Created and LastModified.
	// A userName already used in the organization is an EConflict.
	CreateUser(ctx context.Context, t Tenant, u *User) error
	User(ctx context.Context, t Tenant, id string) (*User, error)
	// UpdateUser reads the user, lets update change it, and writes it back,
	// all in one transaction: concurrent updates never lose each other's
	// changes. update may return an error (a failed If-Match, an invalid
	// PATCH) to abandon the change.
	UpdateUser(ctx context.Context, t Tenant, id string, update func(*User) error) (*User, error)
	// DeleteUser deletes the user and its memberships. With ifVersion > 0
	// it fails with EPreconditionFailed unless that is the current version.
	DeleteUser(ctx context.Context, t Tenant, id string, ifVersion int64) error
	Users(ctx context.Context, t Tenant, q Query) (*Page[User], error)
	// UserGroups returns, for each of the given users, the groups it
	// belongs to directly or through nested groups.
	UserGroups(ctx context.Context, t Tenant, userIDs []string) (map[string][]GroupRef, error)

	// CreateGroup stores g with the given members (users or groups of the
	// same directory; an unknown ID is an EInvalid).
	CreateGroup(ctx context.Context, t Tenant, g *Group, memberIDs []string) error
	Group(ctx context.Context, t Tenant, id string) (*Group, error)
	// UpdateGroup works like UpdateUser; update also returns the membership
	// changes to apply, in order, in the same transaction.
	UpdateGroup(ctx context.Context, t Tenant, id string, update func(*Group) ([]MemberOp, error)) (*Group, error)
	DeleteGroup(ctx context.Context, t Tenant, id string, ifVersion int64) error
	Groups(ctx context.Context, t Tenant, q Query) (*Page[Group], error)
	// Members calls fn for each member of the group, in the order they were
	// added, without holding them all in memory.
	Members(ctx context.Context, t Tenant, groupID string, fn func(Member) error) error

	// AddDomain adds a domain to an organization, pending verification.
	// A domain the organization has already is an EConflict.
	AddDomain(ctx context.Context, d *Domain) error
	Domain(ctx context.Context, orgID, name string) (*Domain, error)
	Domains(ctx context.Context, orgID string) ([]Domain, error)
	// UpdateDomain changes a domain in one transaction (a verification's
	// outcome, a link to a directory). Verifying a domain another
	// organization has verified is an EConflict.
	UpdateDomain(ctx context.Context, orgID, name string, update func(*Domain) error) (*Domain, error)
	RemoveDomain(ctx context.Context, orgID, name string) error
	// DomainsDue lists verified or failing domains of every organization
	// last checked before the given time, for the periodic re-check.
	DomainsDue(ctx context.Context, checkedBefore time.Time, limit int) ([]Domain, error)
	// FindUser looks a user up in the whole organization by ID or
	// userName, for the admin's tools.
	FindUser(ctx context.Context, orgID, idOrUserName string) (*User, error)

	// CreateProduct adds a product; a key the organization uses already is
	// an EConflict.
	CreateProduct(ctx context.Context, p *Product) error
	Product(ctx context.Context, orgID, key string) (*Product, error)
	Products(ctx context.Context, orgID string) ([]Product, error)
	// GrantAccess gives a group of the organization access to a product,
	// or changes the role of an existing grant.
	GrantAccess(ctx context.Context, g *Grant) error
	RevokeAccess(ctx context.Context, orgID, product, groupID string) error
	Grants(ctx context.Context, orgID, product string) ([]Grant, error)
	// SetDefaultGroup makes a local group one that every new managed
	// account joins (on false, stops it).
	SetDefaultGroup(ctx context.Context, orgID, product, groupID string, on bool) error
	DefaultGroups(ctx context.Context, orgID, product string) ([]Group, error)
	// CheckAccess answers whether a user (by ID or userName) may use a
	// product, with the role and the groups that grant it. A user that
	// does not exist simply has no access.
	CheckAccess(ctx context.Context, orgID, product, user string) (*Access, error)
	ProductCounts(ctx context.Context, orgID, product string) (*ProductCounts, error)
	// ProductUsers lists, a page at a time in userName order, the active users
	// of the organization that have access to product (through any granted
	// group, nested groups included), each with the role they get (admin wins
	// over user) — the same rule as CheckAccess and ProductCounts. Total is the
	// number of such users.
	ProductUsers(ctx context.Context, orgID, product string, offset, limit int) (*Page[ProductUser], error)
	// CreateLocalGroup makes a group of the organization that no
	// directory provisions; its members may come from any directory.
	CreateLocalGroup(ctx context.Context, orgID string, g *Group) error
	// AddLocalMembers adds users of the organization to a local group;
	// RemoveLocalMembers takes members out of one (IDs that are not
	// members are ignored).
	AddLocalMembers(ctx context.Context, orgID, groupID string, userIDs []string) error
	RemoveLocalMembers(ctx context.Context, orgID, groupID string, memberIDs []string) error
	// OrgGroup reads any group of the organization, with its directory
	// ("" for a local group), member count and conflict.
	OrgGroup(ctx context.Context, orgID, groupID string) (*OrgGroup, error)

	// Conflicts lists the organization's groups in conflict with a local
	// group of the same name.
	Conflicts(ctx context.Context, orgID string) ([]Conflict, error)
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

	// CreateAdmin adds an admin to an organization. An email already used
	// by an admin of the organization (any case) is an EConflict.
	CreateAdmin(ctx context.Context, a *Admin) error
	Admin(ctx context.Context, orgID, adminID string) (*Admin, error)
	AdminByEmail(ctx context.Context, orgID, email string) (*Admin, error)
	Admins(ctx context.Context, orgID string) ([]Admin, error)
	// SetAdminPassword stores a new password hash ("" removes the password).
	SetAdminPassword(ctx context.Context, orgID, adminID, hash string) error
	// AdminSignedIn records a successful sign-in.
	AdminSignedIn(ctx context.Context, orgID, adminID string, at time.Time) error
	// CreateAdminToken stores an admin token (t.OrgID and t.AdminID set).
	CreateAdminToken(ctx context.Context, t *AdminToken) error
	// AdminTokensByPrefix returns the organization's admin tokens with a
	// prefix, whatever their status: the caller compares and checks.
	AdminTokensByPrefix(ctx context.Context, orgID, prefix string) ([]AdminToken, error)
	AdminTokens(ctx context.Context, orgID, adminID string) ([]AdminToken, error)
	RevokeAdminToken(ctx context.Context, orgID, tokenID string) error
	// SpendAdminToken revokes a one-time token and reports whether this
	// call was the one that spent it (false: it was spent already), so
	// that a sign-in link works once even when used twice at once.
	SpendAdminToken(ctx context.Context, orgID, tokenID string) (bool, error)
	TouchAdminToken(ctx context.Context, orgID, tokenID string, at time.Time) error

	// OrgUserGroups lists every group of the organization a user belongs
	// to, its directory's and local ones, directly or through nested
	// groups (Direct says which), in displayName order.
	OrgUserGroups(ctx context.Context, orgID, userID string) ([]GroupRef, error)
	// UserCounts counts an organization's users, its active ones and its
	// managed ones, in one pass.
	UserCounts(ctx context.Context, orgID string) (*UserCounts, error)
	// OrgUsers and OrgGroups list an organization's users and groups for
	// its admins, offset-paged, with their totals.
	OrgUsers(ctx context.Context, orgID string, f UserFilter, offset, limit int) (*Page[User], error)
	OrgGroups(ctx context.Context, orgID string, f GroupFilter, offset, limit int) (*Page[OrgGroup], error)
	// MembersPage reads a page of a group's members, after a member ID
	// (keyset: any page costs the same), optionally matching search.
	MembersPage(ctx context.Context, orgID, groupID, after, search string, limit int) ([]Member, error)
	// DeleteDirectory deletes a directory with its tokens, users and
	// groups, and says how many users and groups went.
	DeleteDirectory(ctx context.Context, orgID, dirID string) (users, groups int, err error)
	// FindEvents lists the organization's events that match f, newest
	// first.
	FindEvents(ctx context.Context, orgID string, f EventFilter, limit int) ([]Event, error)
	// AppendRequests records requests of identity providers (each carries
	// its organization and directory) and counts them per hour. Only
	// authenticated requests belong here; see CountRejected.
	AppendRequests(ctx context.Context, reqs []Request) error
	// CountRejected adds n to the directory's count of rejected
	// (unauthenticated) requests in the hour of at: one row per directory
	// and hour however many come, and nothing for a directory that does
	// not exist.
	CountRejected(ctx context.Context, dirID string, at time.Time, n int) error
	// PruneRequests forgets requests and counts before a time, and keeps
	// at most keep successful and keep failed requests per directory, so
	// that the log stays small however busy identity providers are.
	PruneRequests(ctx context.Context, before time.Time, keep int) error
	// Requests lists a directory's latest requests, newest first; only
	// the failed ones (4xx, 5xx) with failedOnly.
	Requests(ctx context.Context, orgID, dirID string, failedOnly bool, limit int) ([]Request, error)
	// RequestStats sums a directory's requests from the hour of since on,
	// with its latest request; RequestCounts gives the sums per hour.
	RequestStats(ctx context.Context, orgID, dirID string, since time.Time) (*RequestStats, error)
	RequestCounts(ctx context.Context, orgID, dirID string, since time.Time) ([]RequestCount, error)

	// Events returns up to limit events of the organization after seq, oldest
	// first.
	Events(ctx context.Context, orgID string, afterSeq int64, limit int) ([]Event, error)

	Close() error
}
