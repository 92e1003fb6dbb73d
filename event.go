package roster

import "time"

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
