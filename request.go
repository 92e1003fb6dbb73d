package roster

import (
	"context"
	"time"
)

// RequestLog records identity providers' requests for the directory's
// health page, off the request path, and keeps the log small.
type RequestLog interface {
	// AppendRequests records requests of identity providers (each carries
	// its organization and directory) and counts them per hour.
	// Only authenticated requests belong here; see CountRejected.
	AppendRequests(ctx context.Context, reqs []Request) error
	// CountRejected adds n to the directory's count of rejected
	// (unauthenticated) requests in the hour of at: one row per directory
	// and hour however many come, and nothing for a directory that does
	// not exist.
	CountRejected(ctx context.Context, dirID string, at time.Time, n int) error
	// PruneRequests forgets requests and counts before a time, and keeps
	// at most keep successful and keep failed requests per directory, so
	// that the log stays small however busy identity providers are.
	PruneRequests(ctx context.Context, before time.Time, keep int) error
	// ListRequests lists a directory's latest requests, newest first; only
	// the failed ones (4xx, 5xx) with failedOnly.
	ListRequests(ctx context.Context, orgID, dirID string, failedOnly bool, limit int) ([]Request, error)
	// GetRequestStats sums a directory's requests from the hour of since on,
	// with its latest request; RequestCounts gives the sums per hour.
	GetRequestStats(ctx context.Context, orgID, dirID string, since time.Time) (*RequestStats, error)
	ListRequestCounts(ctx context.Context, orgID, dirID string, since time.Time) ([]RequestCount, error)
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
	// First is when the directory's first successful authenticated request
	// came (zero before any): kept apart from the log, which is pruned.
	First time.Time
}
