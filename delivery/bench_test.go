package delivery_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/delivery"
	"github.com/rosterhq/roster/delivery/deliverytest"
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

func benchDelivery(b *testing.B, s roster.Store) {
	for range b.N {
		recv := &deliverytest.Receiver{}
		srv := httptest.NewServer(recv)
		x := newSetup(b, s, srv.URL)

		// Throughput: a backlog, then the worker.
		done := recv.Expect(benchUsers)
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
		start, cpu := time.Now(), deliverytest.CPUTime()
		go func() { worker.Run(wctx); close(stopped) }()
		recv.Await(b, done, 5*time.Minute, "the backlog")
		elapsed, used := time.Since(start), deliverytest.CPUTime()-cpu
		b.ReportMetric(float64(benchUsers)/elapsed.Seconds(), "deliveries/s")
		b.ReportMetric(float64(used.Microseconds())/benchUsers, "cpu-µs/delivery")

		// Delay: paced changes while the worker runs.
		n := int(benchRate * benchDelayFor.Seconds())
		done = recv.Expect(n)
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
		recv.Await(b, done, 2*time.Minute, "the delay phase")
		stop()
		<-stopped
		srv.Close()
		p50, p99 := deliverytest.ReportDelays(b, recv.Delays(ids, acked))
		b.Logf("%d deliveries in %s (%.0f/s, %.0f µs of this process's CPU each, receiver included); delay from acknowledgement to arrival over %d paced changes: p50 %s, p99 %s",
			benchUsers, elapsed.Round(time.Millisecond), float64(benchUsers)/elapsed.Seconds(), float64(used.Microseconds())/benchUsers, n,
			p50.Round(time.Millisecond), p99.Round(time.Millisecond))
	}
}
