package scimapi

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"
)

// TestBucketsBounded: failed-authentication buckets cannot grow without
// bound however many addresses fail: full buckets are swept, and beyond
// maxKeys new keys share one bucket.
func TestBucketsBounded(t *testing.T) {
	b := newBuckets(1, 2)
	now := time.Now()
	for i := 0; i < maxKeys+10; i++ {
		b.take("10.0."+strconv.Itoa(i), now)
	}
	if n := len(b.byKey); n != maxKeys {
		t.Fatalf("%d buckets after %d keys, want the cap %d", n, maxKeys+10, maxKeys)
	}
	if b.bucket("one more", now, true) != b.overflow {
		t.Errorf("a key beyond the cap does not get the shared bucket")
	}
	// Two seconds later every bucket has refilled: the next new key sweeps.
	b.take("late", now.Add(2*time.Second+sweepEvery))
	if n := len(b.byKey); n != 1 {
		t.Errorf("%d buckets after the sweep, want only the new one", n)
	}
}

func TestClientAddr(t *testing.T) {
	for remote, want := range map[string]string{
		"192.0.2.7:5000":             "192.0.2.7",
		"[::ffff:192.0.2.7]:5000":    "192.0.2.7",
		"[2001:db8:1:2:3:4:5:6]:443": "2001:db8:1:2::/64",
		"[2001:db8:1:2:ffff::1]:443": "2001:db8:1:2::/64",
		"not an address":             "not an address",
	} {
		r := httptestRequest(remote)
		if got := clientAddr(r); got != want {
			t.Errorf("clientAddr(%q) = %q, want %q", remote, got, want)
		}
	}
}

func httptestRequest(remote string) *http.Request {
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = remote
	return r
}
