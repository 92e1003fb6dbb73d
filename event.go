package roster

import (
	"context"
	"time"
)

// Event is one entry of the audit trail. The store appends it in the same
// transaction as the change it describes (the outbox pattern), so a change
// that was acknowledged is never missing from the trail.
type Event struct {
	Seq          int64
	OrgID        string
	DirectoryID  string // "" for organization-level events
	Time         time.Time
	Actor        string // see WithActor
	Action       string // "user.created", "group.members_changed", ...
	ResourceType string // "User", "Group", "Directory", "Token", ...
	ResourceID   string
	Detail       string // a JSON object with what changed; never a secret
}

// Audit reads the audit trail that every change appends to in its own
// transaction.
type Audit interface {
	// SearchEvents lists the organization's events that match f, newest
	// first.
	SearchEvents(ctx context.Context, orgID string, f EventFilter, limit int) ([]Event, error)
	// ListEvents returns up to limit events of the organization after seq, oldest
	// first.
	ListEvents(ctx context.Context, orgID string, afterSeq int64, limit int) ([]Event, error)
}

// EventFilter selects events of the audit trail, newest first.
type EventFilter struct {
	DirectoryID string
	ResourceID  string
	Action      string // a prefix: "user." or "user.created"
	Actor       string // a prefix: "admin:" or "directory:ID"
	Before      int64  // only events with a smaller seq (paging); 0: from the newest
	// Since and Until keep the events at or after Since and before Until
	// (zero: no bound).
	Since, Until time.Time
	// Involving keeps the events about or by someone; nil: anyone.
	Involving *Involvement
}

// Involvement is someone as the audit trail names them: the events about
// them have one of ResourceIDs as their resource, those they made one of
// Actors as their actor ("admin:ann@acme.test").
type Involvement struct {
	ResourceIDs []string
	Actors      []string
}
