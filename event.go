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
	// GetEventHorizon returns the highest sequence number, at or after
	// afterSeq and looking at up to limit events of every organization,
	// up to which the trail is complete: no transaction still running can
	// add an event at or below it. On PostgreSQL a later number can commit
	// before an earlier one; a follower that advances its cursor no
	// further than the horizon never skips the earlier.
	GetEventHorizon(ctx context.Context, afterSeq int64, limit int) (int64, error)
}

// EventFilter selects events of the audit trail, newest first.
type EventFilter struct {
	DirectoryID string
	ResourceID  string
	Action      string // a prefix: "user." or "user.created"
	Actor       string // a prefix: "admin:" or "directory:ID"
	Before      int64  // only events with a smaller seq (paging); 0: from the newest
}
