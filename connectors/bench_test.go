package connectors_test

import (
	"fmt"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/connectors"
)

// BenchmarkInitialSync is the first sync of a product with 10,000 users
// into a local Roster target over HTTP (the target's rate limit and the
// connector's off): each user is one userName lookup and one POST. Each
// iteration provisions a fresh target directory; users/s is the figure
// docs/benchmarks.md records.
func BenchmarkInitialSync(b *testing.B) {
	users := 10000
	if n, err := strconv.Atoi(os.Getenv("ROSTER_BENCH_USERS")); err == nil && n > 0 {
		users = n // for a quicker look
	}
	h := newHub(b)
	h.svc.Concurrency = connectors.DefaultConcurrency
	if n, err := strconv.Atoi(os.Getenv("ROSTER_BENCH_CONCURRENCY")); err == nil && n > 0 {
		h.svc.Concurrency = n
	}
	ids := make([]string, users)
	for i := range users {
		ids[i] = h.user(b, fmt.Sprintf("user%05d@acme.test", i), fmt.Sprintf(`,"displayName":"User %05d","title":"Engineer","name":{"givenName":"User","familyName":"%05d"},"emails":[{"value":"user%05d@acme.test","type":"work","primary":true}]`, i, i, i)).ID
	}
	g := &roster.Group{DisplayName: "Everyone", Attributes: []byte(`{"displayName":"Everyone"}`)}
	must(b, h.store.CreateGroup(ctx, h.scope, g, ids))
	must(b, h.store.GrantAccess(ctx, &roster.Grant{OrgID: h.org.ID, Product: "jira", GroupID: g.ID, Role: roster.RoleUser}))
	off := 0
	var elapsed, cpu time.Duration
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		tg := newTarget(b)
		c, _, err := h.svc.Create(ctx, connectors.CreateRequest{OrgID: h.org.ID, Product: "jira", Name: fmt.Sprint("bench ", i), URL: tg.base, Token: tg.token, RateLimit: &off})
		must(b, err)
		b.StartTimer()
		start, cpu0 := time.Now(), cpuTime()
		res, err := h.svc.Sync(ctx, h.org.ID, c.ID)
		elapsed += time.Since(start)
		cpu += cpuTime() - cpu0
		must(b, err)
		if log, _ := h.svc.Deliveries(ctx, h.org.ID, c.ID, false, 1000); len(log) > 0 && os.Getenv("ROSTER_BENCH_DEBUG") != "" {
			var sum time.Duration
			for _, d := range log {
				sum += d.Latency
			}
			b.Logf("mean POST latency %s over %d, pass %s", sum/time.Duration(len(log)), len(log), time.Since(start))
		}
		if res.Failed != 0 || res.Counts[connectors.OpCreate] != users {
			b.Fatalf("sync: %d failed, %d created", res.Failed, res.Counts[connectors.OpCreate])
		}
	}
	b.ReportMetric(float64(users*b.N)/elapsed.Seconds(), "users/s")
	// The CPU both Rosters (hub and target, one process) spent per user:
	// on a machine shared with other work the wall-clock figure above
	// says more about the neighbours than about Roster.
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(users*b.N), "cpu-ms/user")
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
