package roster

import (
	"context"
	"time"
)

// Deletion policy defaults: what a directory without a policy of its own
// gets.
const (
	DefaultRetention   = 30 * 24 * time.Hour // how long a deleted user or group stays restorable
	DefaultMassPercent = 10                  // of a directory's users deleted within MassWindow ...
	DefaultMassMinimum = 10                  // ... and at least this many, is a mass deletion
	// MassWindow is the span over which deletions are added up to tell a
	// mass deletion.
	MassWindow = time.Hour
	// MaxRetention bounds a retention window (ten years).
	MaxRetention = 10 * 365 * 24 * time.Hour
)

// DeletionPolicy says what a SCIM DELETE does in a directory. The resource
// is gone for SCIM at once either way (404, its name free again, its
// memberships and grants gone); for Retention it stays restorable, with
// everything it had. A Retention of 0 purges it at once.
type DeletionPolicy struct {
	OrgID       string
	DirectoryID string
	Retention   time.Duration
	// MassPercent and MassMinimum define a mass deletion: more than
	// MassPercent percent of the directory's users deleted within
	// MassWindow, and at least MassMinimum of them.
	MassPercent int
	MassMinimum int
}

// DefaultDeletionPolicy is the policy of a directory that never set one.
func DefaultDeletionPolicy(t DirectoryScope) DeletionPolicy {
	return DeletionPolicy{OrgID: t.OrgID, DirectoryID: t.DirectoryID, Retention: DefaultRetention,
		MassPercent: DefaultMassPercent, MassMinimum: DefaultMassMinimum}
}

// DeletedResource is a user or group an identity provider deleted that can
// still be restored. It is kept apart from the live users and groups, so
// that no query of those has to skip it.
type DeletedResource struct {
	ID          string // the resource's own ID, kept on restore
	OrgID       string
	DirectoryID string
	Type        string // MemberUser or MemberGroup
	Name        string // userName or displayName
	ExternalID  string
	DisplayName string
	Active      bool
	Attributes  []byte // the SCIM document as it was
	// MemberOf are the groups it was a direct member of; Members (groups
	// only) the users and groups that were its members; Grants (groups
	// only) the product access it gave, as "product:role".
	MemberOf []string
	Members  []string
	Grants   []string
	Version  int64
	Created  time.Time
	Deleted  time.Time
	// PurgeAfter is when the purge job removes it for good.
	PurgeAfter time.Time
	DeletedBy  string // the actor of the deletion
}

// DeletedFilter narrows a list of deleted resources.
type DeletedFilter struct {
	Type  string    // MemberUser, MemberGroup or "" for both
	Since time.Time // deleted at or after; zero for any time
}

// Deletions keeps the deletion policy of each directory and the deleted
// users and groups it keeps restorable. DeleteUser and DeleteGroup (see
// Provisioning) write the deleted resource in their own transaction.
type Deletions interface {
	// GetDeletionPolicy returns the directory's policy, the default one if
	// it never set one.
	GetDeletionPolicy(ctx context.Context, t DirectoryScope) (*DeletionPolicy, error)
	UpdateDeletionPolicy(ctx context.Context, p *DeletionPolicy) error
	// ListDeletedResources lists the directory's restorable resources,
	// newest deletion first.
	ListDeletedResources(ctx context.Context, t DirectoryScope, f DeletedFilter, limit int) ([]DeletedResource, error)
	// CountDeletedResources counts what ListDeletedResources would list.
	CountDeletedResources(ctx context.Context, t DirectoryScope, f DeletedFilter) (int, error)
	// RestoreDeletedResource puts a deleted user or group back as it was,
	// with its ID, attributes, memberships (in groups, and of members,
	// that still exist) and grants (of products that still exist). A name
	// taken since is a ReasonRestoreClash, and nothing changes.
	RestoreDeletedResource(ctx context.Context, t DirectoryScope, id string) (*DeletedResource, error)
	// PurgeDeletedResources removes for good up to limit resources, of any
	// organization, whose PurgeAfter is at or before now, each with a
	// "purged" event, and returns how many. Several nodes may run it at
	// once: each resource is purged by one of them.
	PurgeDeletedResources(ctx context.Context, now time.Time, limit int) (int, error)
}
