package scimapi

import (
	"math"
	"net"
	"net/http"
	"net/netip"
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

// Default limits on failed authentication, per client address and per
// directory. An identity provider with a wrong token fails a few times a
// minute; these leave room for that and for a person trying tokens by
// hand, and keep a client guessing or flooding from costing the database
// more than a few lookups a second.
const (
	DefaultFailedAuthRate  = 5 // failures per second, per address
	DefaultFailedAuthBurst = 50
	// A directory admits a few addresses' worth before every address is
	// refused for it.
	directoryFailedAuthFactor = 5
)

// buckets is a token bucket (golang.org/x/time/rate) per key. It lives in
// the node's memory, so with N nodes behind a load balancer a key may get
// up to N times the rate; docs/operations.md says so. Its memory is
// bounded: a bucket that has refilled is the same as none and is swept
// away, and beyond maxKeys new keys share one bucket.
type buckets struct {
	rate  rate.Limit
	burst int

	mu        sync.Mutex
	byKey     map[string]*rate.Limiter
	overflow  *rate.Limiter
	lastSweep time.Time
}

const (
	maxKeys    = 100_000
	sweepEvery = time.Minute
)

func newBuckets(perSecond float64, burst int) *buckets {
	if perSecond <= 0 {
		return nil // unlimited
	}
	burst = max(burst, 1)
	return &buckets{rate: rate.Limit(perSecond), burst: burst, byKey: map[string]*rate.Limiter{},
		overflow: rate.NewLimiter(rate.Limit(perSecond), burst)}
}

// bucket returns key's bucket; create makes one when there is none (else
// nil is returned).
func (b *buckets) bucket(key string, now time.Time, create bool) *rate.Limiter {
	b.mu.Lock()
	defer b.mu.Unlock()
	if l := b.byKey[key]; l != nil || !create {
		return l
	}
	if now.Sub(b.lastSweep) > sweepEvery || len(b.byKey) >= maxKeys {
		b.sweep(now)
	}
	if len(b.byKey) >= maxKeys {
		return b.overflow
	}
	l := rate.NewLimiter(b.rate, b.burst)
	b.byKey[key] = l
	return l
}

// sweep forgets the buckets that are full again. b.mu is held.
func (b *buckets) sweep(now time.Time) {
	b.lastSweep = now
	for k, l := range b.byKey {
		if l.TokensAt(now) >= float64(b.burst) {
			delete(b.byKey, k)
		}
	}
}

// take takes one request from key's bucket, or says how long to wait. A
// nil *buckets allows everything.
func (b *buckets) take(key string, now time.Time) (bool, time.Duration) {
	if b == nil {
		return true, 0
	}
	r := b.bucket(key, now, true).ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// empty says whether key's bucket has nothing left, and how long until it
// has, without taking anything: a key that never failed has no bucket.
func (b *buckets) empty(key string, now time.Time) (bool, time.Duration) {
	if b == nil {
		return false, 0
	}
	l := b.bucket(key, now, false)
	if l == nil {
		return false, 0
	}
	if t := l.TokensAt(now); t < 1 {
		return true, time.Duration((1 - t) / float64(b.rate) * float64(time.Second))
	}
	return false, 0
}

// failedAuth limits failed authentication per client address and per
// directory. Only failures take from the buckets, so a client whose token
// works is never slowed by them; once an address's or a directory's
// bucket is empty, its requests are refused before the token is looked
// up, so that a flood of bad tokens costs no database work at all.
type failedAuth struct {
	byAddr *buckets
	byDir  *buckets
}

func newFailedAuth(perSecond float64, burst int) *failedAuth {
	if perSecond <= 0 {
		perSecond, burst = DefaultFailedAuthRate, DefaultFailedAuthBurst
	}
	return &failedAuth{
		byAddr: newBuckets(perSecond, burst),
		byDir:  newBuckets(perSecond*directoryFailedAuthFactor, burst*directoryFailedAuthFactor),
	}
}

// refused says whether a request from addr to dir must be refused before
// authentication, and for how long.
func (f *failedAuth) refused(addr, dir string, now time.Time) (bool, time.Duration) {
	if empty, wait := f.byAddr.empty(addr, now); empty {
		return true, wait
	}
	return f.byDir.empty(dir, now)
}

// failed charges a failed authentication to addr and dir.
func (f *failedAuth) failed(addr, dir string, now time.Time) {
	f.byAddr.take(addr, now)
	f.byDir.take(dir, now)
}

// clientAddr is the address a request's connection comes from, as the
// key of its failed-authentication bucket: an IPv6 client is keyed by its
// /64, since one host commonly holds a whole /64. Forwarded headers are
// not read: they are the client's to make up.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}

// tooMany is the 429 for a token over its rate, with Retry-After in whole
// seconds as identity providers expect.
func tooMany(w http.ResponseWriter, wait time.Duration) error {
	secs := retryAfter(w, wait)
	return roster.Errorf(roster.ETooManyRequests, "", "this token sends more than its rate limit allows; retry after %d seconds", secs)
}

// tooManyFailures is the 429 for an address or directory that failed
// authentication too often.
func tooManyFailures(w http.ResponseWriter, wait time.Duration) error {
	secs := retryAfter(w, wait)
	return roster.Errorf(roster.ETooManyRequests, "", "too many requests with a wrong or missing token; retry after %d seconds with the directory's API token", secs)
}

// retryAfter sets Retry-After to wait in whole seconds (at least 1) and
// returns them.
func retryAfter(w http.ResponseWriter, wait time.Duration) int {
	secs := max(int(math.Ceil(wait.Seconds())), 1)
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	return secs
}
