package roster

import (
	"context"
	"time"
)

// DomainStatus is where a domain stands with its organization.
type DomainStatus string

// Domain statuses.
const (
	// DomainPending: added, not proven yet. Accounts on it are external.
	DomainPending DomainStatus = "pending"
	// DomainVerified: proven (DNS, HTTPS or an admin's manual override).
	DomainVerified DomainStatus = "verified"
	// DomainFailing: was verified, and a periodic re-check no longer finds
	// the proof. Its accounts stay managed; the admin is told, so that a
	// lapsed DNS record never silently takes accounts away.
	DomainFailing DomainStatus = "failing"
)

// Domain is an internet domain an organization claims. Accounts whose
// address is on one of its verified domains are the organization's
// managed accounts; the rest are external.
type Domain struct {
	OrgID string
	Name  string // lower-case, e.g. "acme.com"
	Token string // the value to publish; public, not a secret
	// DirectoryID, when set, is the only directory allowed to provision
	// users on the domain.
	DirectoryID string
	Status      DomainStatus
	Method      string // how it was last proven: "dns", "https" or "manual"
	Created     time.Time
	VerifiedAt  time.Time
	CheckedAt   time.Time // the last check, successful or not
	LastError   string    // why the last check failed
}

// Managed reports whether accounts on the domain are managed: it is
// verified, or verified and failing its re-checks.
func (d *Domain) Managed() bool {
	return d.Status == DomainVerified || d.Status == DomainFailing
}

// Domains keeps the organization's claimed domains and their verification.
type Domains interface {
	// CreateDomain adds a domain to an organization, pending verification.
	// A domain the organization has already is an EConflict.
	CreateDomain(ctx context.Context, d *Domain) error
	GetDomain(ctx context.Context, orgID, name string) (*Domain, error)
	ListDomains(ctx context.Context, orgID string) ([]Domain, error)
	// UpdateDomain changes a domain in one transaction (a verification's
	// outcome, a link to a directory). Verifying a domain another
	// organization has verified is an EConflict.
	UpdateDomain(ctx context.Context, orgID, name string, update func(*Domain) error) (*Domain, error)
	DeleteDomain(ctx context.Context, orgID, name string) error
	// ListDomainsDue lists verified or failing domains of every organization
	// last checked before the given time, for the periodic re-check.
	ListDomainsDue(ctx context.Context, checkedBefore time.Time, limit int) ([]Domain, error)
}
