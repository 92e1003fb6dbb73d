package roster

import (
	"context"
	"time"
)

// OnRevoke is what a connector does in the application to a user that
// lost access to its product (or was deactivated or deleted).
type OnRevoke string

// What a connector may do on revoke.
const (
	RevokeDeactivate OnRevoke = "deactivate" // PATCH active false: the account stays, signed out
	RevokeDelete     OnRevoke = "delete"     // DELETE the account
)

// Connector provisions one application (a SCIM 2.0 server, the target)
// with the users that have access to one product of the organization:
// Roster is the identity provider and the application the service
// provider. The engine (package connectors) reconciles what the target
// holds with what it should hold; the store keeps the connector, the
// links between Roster's users (and, with Groups, groups) and the
// target's resources, and the log of what was sent.
//
// Token is sealed (encrypted with the server's secret key, like webhook
// secrets): calling the target needs the token itself, so it cannot be a
// hash.
type Connector struct {
	ID       string
	OrgID    string
	Product  string // the product's key
	Name     string // unique in the organization
	BaseURL  string // the target's SCIM base URL
	Token    []byte // sealed bearer token of the target
	Groups   bool   // push the granted groups too, with their members that have access
	OnRevoke OnRevoke
	Paused   bool // no pass runs while paused
	DryRun   bool // passes compute what they would send, and send nothing
	// RateLimit is the most requests per second the connector sends the
	// target; 0 is no limit.
	RateLimit int
	// CheckGaps are the `roster check` steps the target failed that the
	// connector needs, accepted on create with force.
	CheckGaps []string
	Created   time.Time
	Modified  time.Time

	// Cursor is the organization's newest event sequence number the last
	// pass saw: a newer event means something may have changed and
	// another pass is due.
	Cursor int64
	// SyncRequested asks for a full pass (one that also reads the target
	// to find drift) as soon as a node is free.
	SyncRequested bool
	// NextFull is when the next periodic full pass is due.
	NextFull time.Time

	// Health, written by the engine after each pass.
	LastRun     time.Time // when the last pass ended
	LastSuccess time.Time // when the last pass without failures ended
	LastError   string    // the last pass's first failure; "" when none
	InSync      int       // users the target holds as Roster would have them
	OutOfSync   int       // users the last pass could not bring in line
	Failures    int       // consecutive passes with failures
}

// ConnectorLink ties a Roster user to the resource a connector made for it
// (or found) in the target. Hash is the hash of the document last pushed,
// so that a pass sends only what changed; Active is whether that document
// had the user active.
type ConnectorLink struct {
	ConnectorID string
	UserID      string
	TargetID    string
	Hash        string
	Active      bool
	Modified    time.Time
}

// ConnectorGroupLink ties a Roster group a connector pushes (one granted
// the product, with --groups) to the group it made or found in the target.
// DisplayName is the name last pushed, so that a pass notices a rename
// without reading the target.
type ConnectorGroupLink struct {
	ConnectorID string
	GroupID     string
	TargetID    string
	DisplayName string
	Modified    time.Time
}

// ConnectorMember is one member of a pushed group: a Roster user and the
// target's id of that user (its link's TargetID).
type ConnectorMember struct {
	UserID   string
	TargetID string
}

// ConnectorGroupItem is one group a connector pass considers: each group
// granted the product and each group the connector has a link for.
type ConnectorGroupItem struct {
	GroupID string
	// DisplayName is Roster's name of the group; "" with Exists false
	// when the group is gone from Roster.
	DisplayName string
	Exists      bool
	Granted     bool // granted the product directly (not through a parent group)
	Link        *ConnectorGroupLink
	// Members are what the target's group should hold: every active user
	// with access through the group (members of its nested groups
	// included, the rule of the access check) that the connector has
	// pushed (an active link), in TargetID order.
	Members []ConnectorMember
	// Pushed are the members the connector last pushed (or found in the
	// target), in TargetID order.
	Pushed []ConnectorMember
}

// ConnectorItem is one user a connector pass considers: each user with
// access to the product and each user the connector has a link for.
// User is nil when the user is gone from Roster (deleted); Link nil when
// the connector never pushed it.
type ConnectorItem struct {
	UserID string
	User   *User
	Access bool // the user has access to the product now (active, via a grant)
	Link   *ConnectorLink
}

// ConnectorDelivery is one request a connector sent to its target (or,
// in dry-run, would have sent), for the delivery log.
type ConnectorDelivery struct {
	Seq             int64
	ConnectorID     string
	OrgID           string
	UserID          string // "" for a request about a group
	GroupID         string // "" for a request about a user
	Op              string // "create", "link", "update", "deactivate", "reactivate", "delete", "add-member", "remove-member"
	Method          string
	Path            string // relative to the base URL
	Status          int    // 0 when no answer came
	Attempts        int    // 1, or more when the target asked to retry
	Error           string // "" when it succeeded
	Latency         time.Duration
	ResponseExcerpt string
	At              time.Time
}

// ConnectorRun is what a pass reports back to the store when it ends.
type ConnectorRun struct {
	Cursor int64 // the event sequence number the pass started from
	Full   bool  // the pass read the target too
	// Partial marks a pass of the few users some events named rather than
	// of every item: InSync and OutOfSync are then changes to the counts
	// the last complete pass left (users it brought into the target, or
	// out; users that failed), not counts of their own.
	Partial   bool
	NextFull  time.Time
	InSync    int
	OutOfSync int
	Error     string
	At        time.Time
}

// Connectors keeps an organization's outbound SCIM connectors, their links
// and their delivery logs.
type Connectors interface {
	// CreateConnector stores c; a name the organization uses already is an
	// EConflict, a product it does not have an ENotFound.
	CreateConnector(ctx context.Context, c *Connector) error
	GetConnector(ctx context.Context, orgID, id string) (*Connector, error)
	ListConnectors(ctx context.Context, orgID string) ([]Connector, error)
	// UpdateConnector loads the connector, calls fn on it and stores what
	// fn left (its settings; identity, cursor and health are not fn's),
	// in one transaction.
	UpdateConnector(ctx context.Context, orgID, id string, fn func(*Connector) error) (*Connector, error)
	// DeleteConnector deletes it with its links and delivery log.
	DeleteConnector(ctx context.Context, orgID, id string) error

	// ListConnectorItems returns, in user ID order after afterUserID, up
	// to limit of the users a pass considers (see ConnectorItem): a
	// keyset page, so that a pass never holds the directory in memory.
	ListConnectorItems(ctx context.Context, orgID, connectorID, afterUserID string, limit int) ([]ConnectorItem, error)
	// ListConnectorItemsOf returns the items among userIDs (those with
	// access or a link; the others are no item), in user ID order: the
	// pass that follows a few users' events reads only their rows.
	ListConnectorItemsOf(ctx context.Context, orgID, connectorID string, userIDs []string) ([]ConnectorItem, error)
	// SetConnectorLinks stores (or replaces) the links of the users they
	// name, in one transaction: a pass writes a page's links at once.
	SetConnectorLinks(ctx context.Context, orgID, connectorID string, links []ConnectorLink) error
	// DeleteConnectorLinks forgets the links of the given users.
	DeleteConnectorLinks(ctx context.Context, orgID, connectorID string, userIDs []string) error
	// ListConnectorGroups returns, in group ID order after afterGroupID,
	// up to limit of the groups a pass of a connector with Groups
	// considers (see ConnectorGroupItem), each with the members it should
	// hold and the members last pushed.
	ListConnectorGroups(ctx context.Context, orgID, connectorID, afterGroupID string, limit int) ([]ConnectorGroupItem, error)
	// SaveConnectorGroup stores (or replaces) the link of a pushed group
	// and moves its pushed members by add and remove (target IDs), in one
	// transaction.
	SaveConnectorGroup(ctx context.Context, orgID, connectorID string, link ConnectorGroupLink, add []ConnectorMember, remove []string) error
	// DeleteConnectorGroups forgets the links and pushed members of the
	// given groups.
	DeleteConnectorGroups(ctx context.Context, orgID, connectorID string, groupIDs []string) error
	// AddConnectorDeliveries appends to the connector's delivery log.
	AddConnectorDeliveries(ctx context.Context, orgID string, ds []ConnectorDelivery) error
	// ListConnectorDeliveries returns the log, newest first, up to limit;
	// failedOnly keeps the failed requests.
	ListConnectorDeliveries(ctx context.Context, orgID, connectorID string, failedOnly bool, limit int) ([]ConnectorDelivery, error)

	ConnectorQueue
}

// ConnectorQueue is the engine's side of the connectors: like
// WebhookQueue, it serves every organization at once.
type ConnectorQueue interface {
	// ClaimConnector leases to owner until leaseUntil one connector whose
	// pass is due at now: not paused, not leased to another node, and
	// with a sync requested, a periodic full pass due, or events of its
	// organization after its cursor. It returns nil when none is due; the
	// organization's newest event sequence number rides along (head), for
	// the run to record. A lease another node holds is never returned.
	ClaimConnector(ctx context.Context, owner string, now, leaseUntil time.Time) (c *Connector, head int64, err error)
	// ClaimConnectorByID leases one given connector (an on-demand sync or
	// preview); false when another node holds it.
	ClaimConnectorByID(ctx context.Context, owner, orgID, id string, now, leaseUntil time.Time) (c *Connector, head int64, ok bool, err error)
	// ExtendConnectorLease moves the lease's end; false when owner lost it.
	ExtendConnectorLease(ctx context.Context, owner, id string, leaseUntil time.Time) (bool, error)
	// FinishConnectorRun records a pass's outcome and ends the lease;
	// false (and nothing written) when owner lost the lease.
	FinishConnectorRun(ctx context.Context, owner, id string, r ConnectorRun) (bool, error)
	// DeleteConnectorDeliveries deletes up to limit lines of every
	// connector's delivery log older than before, oldest first, and
	// returns how many: the log's retention.
	DeleteConnectorDeliveries(ctx context.Context, before time.Time, limit int) (int, error)
	// ListFeedEvents is the change feed's (see ChangeFeed): a pass that
	// follows events reads which users they name from it, up to the safe
	// horizon, so that its cursor never passes an event yet to commit.
	ListFeedEvents(ctx context.Context, orgID string, afterSeq int64, match func(action string) bool, limit int) (*FeedPage, error)
}
