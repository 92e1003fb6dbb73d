package connectors_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/connectors"
)

// benchUsers is the size of the benchmarks' product: 10,000 users, or
// ROSTER_BENCH_USERS for a quicker look.
func benchUsers() int {
	if n, err := strconv.Atoi(os.Getenv("ROSTER_BENCH_USERS")); err == nil && n > 0 {
		return n
	}
	return 10000
}

// benchHub is a hub whose product jira has users users, all in one granted
// group.
func benchHub(b *testing.B, users int) (*hub, []string) {
	h := newHub(b)
	ids := make([]string, users)
	for i := range users {
		ids[i] = h.user(b, fmt.Sprintf("user%05d@acme.test", i), fmt.Sprintf(`,"displayName":"User %05d","title":"Engineer","name":{"givenName":"User","familyName":"%05d"},"emails":[{"value":"user%05d@acme.test","type":"work","primary":true}]`, i, i, i)).ID
	}
	g := &roster.Group{DisplayName: "Everyone", Attributes: []byte(`{"displayName":"Everyone"}`)}
	must(b, h.store.CreateGroup(ctx, h.scope, g, ids))
	must(b, h.store.GrantAccess(ctx, &roster.Grant{OrgID: h.org.ID, Product: "jira", GroupID: g.ID, Role: roster.RoleUser}))
	return h, ids
}

// BenchmarkChangeToTarget is the delay from a change in the hub (a
// rename) to its arrival in the target, through the worker as `roster
// serve` runs it (polling every second), with 10,000 users linked: each
// iteration renames one user and waits until the target has the new
// name. p50-ms and p90-ms are the figures.
func BenchmarkChangeToTarget(b *testing.B) {
	h, ids := benchHub(b, benchUsers())
	tg := newTarget(b)
	off := 0
	c, _, err := h.svc.Create(ctx, connectors.CreateRequest{OrgID: h.org.ID, Product: "jira", URL: tg.base, Token: tg.token, RateLimit: &off})
	must(b, err)
	if _, err := h.svc.Sync(ctx, h.org.ID, c.ID); err != nil {
		b.Fatal(err)
	}
	wctx, stop := context.WithCancel(ctx)
	defer stop()
	go (&connectors.Worker{Service: h.svc}).Run(wctx)
	var delays []time.Duration
	for i := 0; b.Loop(); i++ {
		id := ids[(i*7919)%len(ids)]
		name := fmt.Sprintf("Renamed %d", i)
		u, err := h.store.GetUser(ctx, h.scope, id)
		must(b, err)
		start := time.Now()
		h.setUser(b, u, `{"userName":"`+u.UserName+`","displayName":"`+name+`"}`)
		for {
			_, found := tg.call(b, http.MethodGet, `/Users?filter=`+url.QueryEscape(`externalId eq "`+id+`"`), nil)
			if res, _ := found["Resources"].([]any); len(res) == 1 && res[0].(map[string]any)["displayName"] == name {
				break
			}
			if time.Since(start) > time.Minute {
				b.Fatalf("the rename of %s did not arrive within a minute", id)
			}
			time.Sleep(20 * time.Millisecond)
		}
		delays = append(delays, time.Since(start))
	}
	slices.Sort(delays)
	b.ReportMetric(float64(delays[len(delays)/2].Milliseconds()), "p50-ms")
	b.ReportMetric(float64(delays[len(delays)*9/10].Milliseconds()), "p90-ms")
}

// BenchmarkInitialSync is the first sync of a product with 10,000 users
// into a local Roster target over HTTP (the target's rate limit and the
// connector's off): each user is one userName lookup and one POST. Each
// iteration provisions a fresh target directory; users/s is the figure
// docs/benchmarks.md records.
func BenchmarkInitialSync(b *testing.B) {
	users := benchUsers()
	h, _ := benchHub(b, users)
	h.svc.Concurrency = connectors.DefaultConcurrency
	if n, err := strconv.Atoi(os.Getenv("ROSTER_BENCH_CONCURRENCY")); err == nil && n > 0 {
		h.svc.Concurrency = n
	}
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
