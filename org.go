package roster

import (
	"context"
	"time"
)

// Org is an organization: the unit of ownership. Users are unique by userName
// within an organization, whichever of its directories provisioned them.
type Org struct {
	ID      string
	Name    string
	Created time.Time
}

// Directory is one identity provider's connection to an organization: it
// has its own SCIM base URL and tokens, and owns the users and groups that
// identity provider pushed.
type Directory struct {
	ID      string
	OrgID   string
	Name    string
	Created time.Time
	// Strict refuses a POST or PUT naming an attribute Roster does not
	// know (400) instead of dropping it with a warning in the request log.
	Strict bool
}

// DirectoryScope names the directory a SCIM request acts in. Every store method for
// users and groups takes one, so that no query can forget whose data it
// reads.
type DirectoryScope struct {
	OrgID       string
	DirectoryID string
}

// Scope is the directory as a DirectoryScope.
func (d *Directory) Scope() DirectoryScope { return DirectoryScope{OrgID: d.OrgID, DirectoryID: d.ID} }

// Orgs keeps organizations, the tenants of everything else.
type Orgs interface {
	// CreateOrg stores o, assigning its ID and Created.
	CreateOrg(ctx context.Context, o *Org) error
	GetOrg(ctx context.Context, orgID string) (*Org, error)
	ListOrgs(ctx context.Context) ([]Org, error)
}

// Directories keeps an organization's directories and their API tokens:
// what the admin manages, as opposed to DirectoryAuth, which the SCIM
// endpoints use on every request.
type Directories interface {
	// CreateDirectory stores d (d.OrgID must exist) together with its first
	// token, so that a directory is never left without a way in.
	CreateDirectory(ctx context.Context, d *Directory, first *Token) error
	GetDirectory(ctx context.Context, orgID, dirID string) (*Directory, error)
	// FindDirectory looks a directory up by ID alone. It is for the
	// operator's command line, which acts for every organization; request
	// handlers know their organization and use Directory.
	FindDirectory(ctx context.Context, dirID string) (*Directory, error)
	ListDirectories(ctx context.Context, orgID string) ([]Directory, error)
	// UpdateDirectory reads the directory, lets update change its settings
	// (not its ID, organization or creation time) and writes it back, in
	// one transaction.
	UpdateDirectory(ctx context.Context, orgID, dirID string, update func(*Directory) error) (*Directory, error)
	// RenameDirectory renames a directory. Directory names are unique in
	// the organization by NameKey: CreateDirectory and RenameDirectory
	// refuse a name taken with ReasonNameTaken.
	RenameDirectory(ctx context.Context, orgID, dirID, name string) error
	// DeleteDirectory deletes a directory with its tokens, users and
	// groups, and says how many users and groups went.
	DeleteDirectory(ctx context.Context, orgID, dirID string) (users, groups int, err error)
	// CreateToken adds a token to the directory t.DirectoryID of org t.OrgID.
	CreateToken(ctx context.Context, t *Token) error
	ListTokens(ctx context.Context, orgID, dirID string) ([]Token, error)
	// RotateToken stores next and makes token oldID expire at oldExpires (or
	// keeps its earlier expiry), in one transaction.
	RotateToken(ctx context.Context, d DirectoryScope, oldID string, oldExpires time.Time, next *Token) error
	RevokeToken(ctx context.Context, d DirectoryScope, tokenID string) error
}
