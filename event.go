package roster

import (
	"context"
	"encoding/json"
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
	Action       string // "user.created", "group.member_added", ...
	ResourceType string // "User", "Group", "Directory", "Token", ...
	ResourceID   string
	Detail       string // a JSON object with what changed, for the audit trail; never a secret
	// Data is the event's normalized payload (see eventdata.go): the
	// resource as Roster holds it after the change, and for updates its
	// previous values. It is what webhooks deliver and the change feed
	// returns. Empty for events that have none (administrative ones, and
	// events written before migration 0015).
	Data json.RawMessage
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

// ChangeFeed is what the change feed, its retention and snapshots need of
// the events (package feed holds their rules).
type ChangeFeed interface {
	// ListFeedEvents returns up to limit of the organization's events after
	// afterSeq for which match is true, oldest first, and the cursor to go
	// on from. It returns only events below the safe horizon (see
	// GetFeedHorizon), so a cursor never passes an event that has yet to
	// commit. A cursor below the purge watermark is ReasonCursorExpired.
	ListFeedEvents(ctx context.Context, orgID string, afterSeq int64, match func(action string) bool, limit int) (*FeedPage, error)
	// GetFeedHorizon is the newest sequence number up to which every event
	// has committed (or rolled back for good): the position a snapshot
	// started now follows the feed from.
	GetFeedHorizon(ctx context.Context) (int64, error)
	// DeleteEvents deletes up to limit events (of every organization) older
	// than before, oldest first, raising the purge watermark; it returns
	// how many it deleted.
	DeleteEvents(ctx context.Context, before time.Time, limit int) (int, error)
	// ListSnapshot returns up to limit of the organization's resources of
	// one kind after the keyset position after ("" for the first page), in
	// the normalized shapes of eventdata.go, and the position of the last.
	ListSnapshot(ctx context.Context, orgID string, resource SnapshotResource, after string, limit int) (*SnapshotPage, error)
}

// FeedPage is one page of the change feed.
type FeedPage struct {
	Events []Event
	// Next is the cursor of the next page: past every event returned and
	// every event this page looked at and did not match.
	Next int64
}

// SnapshotResource is a kind of resource a snapshot pages through.
type SnapshotResource string

// Snapshot resources. Access is effective access per user and product
// (AccessState), in the shape of an access.granted event's detail without
// previousRole, via and cause: {"user": {...}, "product": {"key", "name"},
// "role"}.
const (
	SnapshotUsers       SnapshotResource = "users"
	SnapshotGroups      SnapshotResource = "groups"
	SnapshotMemberships SnapshotResource = "memberships"
	SnapshotAccess      SnapshotResource = "access"
)

// SnapshotPage is one page of a snapshot's resources.
type SnapshotPage struct {
	Items []json.RawMessage // UserData, GroupData, MembershipData or an access item
	Last  string            // the keyset position of the last item; "" when there were none
}
