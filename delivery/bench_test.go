package delivery_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/delivery"
	"github.com/rosterhq/roster/storage/postgres"
	"github.com/rosterhq/roster/storage/postgres/pgtest"
	"github.com/rosterhq/roster/storage/sqlite"
)

// benchUsers is how many changes the throughput phase delivers; the delay
// phase makes paced changes for benchDelayFor.
const (
	benchUsers    = 10000
	benchDelayFor = 5 * time.Second
	benchRate     = 400 // changes per second in the delay phase
)

// BenchmarkDelivery measures, on SQLite and on PostgreSQL, how many
// deliveries a second one worker (production settings) makes to a local
// receiver, from a backlog of benchUsers user.created events to the last
// one answered, fan-out included; then the delay from a change's
// acknowledgement (the store's write returning) to its delivery arriving,
// p50 and p99, while changes come at benchRate a second. Run it once per
// backend (docs/benchmarks.md):
//
//	go test ./delivery -run '^$' -bench Delivery -benchtime 1x
func BenchmarkDelivery(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) {
		s, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "roster.db"))
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		benchDelivery(b, s)
	})
	b.Run("postgres", func(b *testing.B) {
		s, err := postgres.Open(ctx, pgtest.DSN(b), postgres.Options{})
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		benchDelivery(b, s)
	})
}

// benchReceiver answers 200 at once and notes when each user's event
// arrived (the first time).
type benchReceiver struct {
	mu      sync.Mutex
	arrived map[string]time.Time // user ID -> first arrival
	wait    chan struct{}        // closed when want users have arrived
	want    int
}

func (r *benchReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	at := time.Now()
	var msg struct {
		Data struct{ ID string } // a user event's data is the user
	}
	json.Unmarshal(body, &msg)
	r.mu.Lock()
	if _, ok := r.arrived[msg.Data.ID]; !ok {
		r.arrived[msg.Data.ID] = at
		if len(r.arrived) == r.want && r.wait != nil {
			close(r.wait)
			r.wait = nil
		}
	}
	r.mu.Unlock()
}

// expect resets the receiver to wait for n users' events.
func (r *benchReceiver) expect(n int) <-chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.arrived, r.want, r.wait = map[string]time.Time{}, n, make(chan struct{})
	return r.wait
}

func benchDelivery(b *testing.B, s roster.Store) {
	for range b.N {
		recv := &benchReceiver{}
		srv := httptest.NewServer(recv)
		x := newSetup(b, s, srv.URL)

		// Throughput: a backlog, then the worker.
		done := recv.expect(benchUsers)
		prefix := fmt.Sprintf("b%d", time.Now().UnixNano())
		var wg sync.WaitGroup
		for w := range 4 {
			wg.Go(func() {
				for i := w; i < benchUsers; i += 4 {
					createUser(b, s, x.tenant, fmt.Sprintf("%s-%d@acme.test", prefix, i))
				}
			})
		}
		wg.Wait()
		worker := &delivery.Worker{Store: s, Keys: x.keys, AllowPrivate: true}
		wctx, stop := context.WithCancel(ctx)
		stopped := make(chan struct{})
		start, cpu := time.Now(), cpuTime()
		go func() { worker.Run(wctx); close(stopped) }()
		select {
		case <-done:
		case <-time.After(5 * time.Minute):
			b.Fatalf("only %d of %d delivered in 5 minutes", len(recv.arrived), benchUsers)
		}
		elapsed, used := time.Since(start), cpuTime()-cpu
		b.ReportMetric(float64(benchUsers)/elapsed.Seconds(), "deliveries/s")
		b.ReportMetric(float64(used.Microseconds())/benchUsers, "cpu-µs/delivery")

		// Delay: paced changes while the worker runs.
		n := int(benchRate * benchDelayFor.Seconds())
		done = recv.expect(n)
		acked := make([]time.Time, n)
		ids := make([]string, n)
		tick := time.NewTicker(time.Second / benchRate)
		for i := range n {
			<-tick.C
			wg.Go(func() {
				u := createUser(b, s, x.tenant, fmt.Sprintf("%s-delay-%d@acme.test", prefix, i))
				ids[i], acked[i] = u.ID, time.Now()
			})
		}
		tick.Stop()
		wg.Wait()
		select {
		case <-done:
		case <-time.After(2 * time.Minute):
			b.Fatalf("the delay phase: only %d of %d delivered", len(recv.arrived), n)
		}
		stop()
		<-stopped
		srv.Close()
		delays := make([]time.Duration, 0, n)
		recv.mu.Lock()
		for i, id := range ids {
			delays = append(delays, recv.arrived[id].Sub(acked[i]))
		}
		recv.mu.Unlock()
		slices.Sort(delays)
		b.ReportMetric(float64(delays[len(delays)/2].Microseconds())/1000, "p50-delay-ms")
		b.ReportMetric(float64(delays[len(delays)*99/100].Microseconds())/1000, "p99-delay-ms")
		b.Logf("%d deliveries in %s (%.0f/s, %.0f µs of this process's CPU each, receiver included); delay from acknowledgement to arrival over %d paced changes: p50 %s, p99 %s",
			benchUsers, elapsed.Round(time.Millisecond), float64(benchUsers)/elapsed.Seconds(), float64(used.Microseconds())/benchUsers, n,
			delays[len(delays)/2].Round(time.Millisecond), delays[len(delays)*99/100].Round(time.Millisecond))
	}
}

// cpuTime is the CPU time this process has used, user and system: on a
// machine shared with other builds, CPU per delivery says more than wall
// time does.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
