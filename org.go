package roster

import "time"

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
}

// Tenant names the directory a SCIM request acts in. Every store method for
// users and groups takes one, so that no query can forget whose data it
// reads.
type Tenant struct {
	OrgID       string
	DirectoryID string
}
