// Package deliverytest is the webhook receiver of the delivery benchmarks:
// package delivery's, and bench/river's, which measured River against them
// and must measure the same way. It answers 200 at once and notes when each
// event first arrived, by the ID in its data.
//
// It may depend on the standard library only.
package deliverytest

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Receiver is an http.Handler that records first arrivals.
type Receiver struct {
	mu      sync.Mutex
	arrived map[string]time.Time // data ID -> first arrival
	want    int
	done    chan struct{} // closed when want IDs have arrived
}

func (r *Receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	at := time.Now()
	var msg struct {
		Data struct{ ID string } // a user event's data is the user
	}
	json.Unmarshal(body, &msg)
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.arrived[msg.Data.ID]; !ok && r.arrived != nil {
		r.arrived[msg.Data.ID] = at
		if len(r.arrived) == r.want && r.done != nil {
			close(r.done)
			r.done = nil
		}
	}
}

// Expect forgets what arrived and returns a channel closed once n
// distinct IDs have.
func (r *Receiver) Expect(n int) <-chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.arrived, r.want, r.done = map[string]time.Time{}, n, make(chan struct{})
	return r.done
}

// Await waits for the channel Expect returned, and fails tb if it is not
// closed within d.
func (r *Receiver) Await(tb testing.TB, done <-chan struct{}, d time.Duration, phase string) {
	tb.Helper()
	select {
	case <-done:
	case <-time.After(d):
		r.mu.Lock()
		defer r.mu.Unlock()
		tb.Fatalf("%s: only %d of %d delivered in %s", phase, len(r.arrived), r.want, d)
	}
}

// Delays are the times from each ID's acknowledgement to its arrival,
// sorted.
func (r *Receiver) Delays(ids []string, acked []time.Time) []time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	delays := make([]time.Duration, 0, len(ids))
	for i, id := range ids {
		delays = append(delays, r.arrived[id].Sub(acked[i]))
	}
	slices.Sort(delays)
	return delays
}

// ReportDelays reports the p50 and p99 of sorted delays as the
// benchmark's metrics and returns them.
func ReportDelays(b *testing.B, delays []time.Duration) (p50, p99 time.Duration) {
	p50, p99 = delays[len(delays)/2], delays[len(delays)*99/100]
	b.ReportMetric(float64(p50.Microseconds())/1000, "p50-delay-ms")
	b.ReportMetric(float64(p99.Microseconds())/1000, "p99-delay-ms")
	return p50, p99
}

// CPUTime is the CPU time this process has used, user and system: on a
// machine shared with other builds, CPU per delivery says more than wall
// time does.
func CPUTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
