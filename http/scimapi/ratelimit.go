package scimapi

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/rosterhq/roster"
)

// Default rate limit per token: well above what Entra ID (which paces
// itself to a few dozen requests a second) and Okta send, low enough that a
// runaway client cannot starve the other directories of a node.
const (
	DefaultRate  = 1000 // requests per second
	DefaultBurst = 2000
)

// limiter is a token bucket per API token. It lives in the node's memory,
// so with N nodes behind a load balancer a token may send up to N times
// the rate; docs/operations.md says so.
type limiter struct {
	rate  rate.Limit
	burst int
	mu    sync.Mutex
	byID  map[string]*rate.Limiter
}

func newLimiter(perSecond float64, burst int) *limiter {
	if perSecond <= 0 {
		return nil // unlimited
	}
	return &limiter{rate: rate.Limit(perSecond), burst: max(burst, 1), byID: map[string]*rate.Limiter{}}
}

// allow takes one request from the token's bucket, or says how long to
// wait. A nil limiter allows everything.
func (l *limiter) allow(tokenID string, now time.Time) (bool, time.Duration) {
	if l == nil {
		return true, 0
	}
	l.mu.Lock()
	b := l.byID[tokenID]
	if b == nil {
		b = rate.NewLimiter(l.rate, l.burst)
		l.byID[tokenID] = b
	}
	l.mu.Unlock()
	r := b.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// tooMany is the 429 for a token over its rate, with Retry-After in whole
// seconds as identity providers expect.
func tooMany(w http.ResponseWriter, wait time.Duration) error {
	secs := int(math.Ceil(wait.Seconds()))
	w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
	return roster.Errorf(roster.ETooManyRequests, "", "this token sends more than its rate limit allows; retry after %d seconds", max(secs, 1))
}
