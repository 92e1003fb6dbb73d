package roster

import "time"

// What the console and the admin API list, across an organization.

// UserFilter selects an organization's users for an admin's list. The
// zero value selects everyone.
type UserFilter struct {
	DirectoryID string // only this directory's users
	Local       bool   // only local users (no directory)
	Active      *bool
	Managed     *bool
	// Search matches userName, displayName or email, case-insensitively.
	Search string
}

// UserCounts is how many users an organization has, for its overview.
type UserCounts struct {
	Total, Active, Managed int
}

// GroupFilter selects an organization's groups.
type GroupFilter struct {
	DirectoryID string
	Local       bool
	Conflicts   bool // only groups in conflict with a local group
	Search      string
}

// OrgGroup is a group as an admin lists it.
type OrgGroup struct {
	Group
	DirectoryID  string // "" for a local group
	ConflictWith string // the local group it is in conflict with, or ""
	Members      int
}

// EventFilter selects events of the audit trail, newest first.
type EventFilter struct {
	DirectoryID string
	ResourceID  string
	Action      string // a prefix: "user." or "user.created"
	Actor       string // a prefix: "admin:" or "directory:ID"
	Before      int64  // only events with a smaller seq (paging); 0: from the newest
}

// Request is one request a directory's identity provider made, as the
// console's health page shows it. Never a token or a body.
type Request struct {
	Seq         int64
	OrgID       string
	DirectoryID string
	Time        time.Time
	Method      string
	Path        string
	Status      int
	Duration    time.Duration
	UserAgent   string
	Error       string // the error's detail for a failed request
	Reason      Reason // the error's reason key (ReasonOf), what the console's advice goes by
	// Warning says what Roster ignored of a request it accepted (the
	// attributes it does not know, say), for the admin to see.
	Warning string
}

// RequestCount is a directory's requests in one hour.
type RequestCount struct {
	Hour     time.Time // the hour's start, UTC
	Requests int
	Errors   int
	Rejected int // not authenticated: a wrong, expired or missing token
}

// RequestStats sums a directory's requests since a time. Total, Errors and
// Last are the authenticated requests only: a client without the token
// must not change what the directory's health says. Rejected counts the
// others ("rejected: wrong or expired token").
type RequestStats struct {
	Total    int
	Errors   int // 4xx and 5xx
	Last     *Request
	Rejected int
}
