package connectors_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/connectors"
	"github.com/rosterhq/roster/storage/postgres"
	"github.com/rosterhq/roster/storage/postgres/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// TestTwoNodesOnPostgres: two nodes on one PostgreSQL database run their
// workers at once against one target: each user is created once (the
// lease keeps the second node off the connector while the first runs its
// pass). Then a node dies mid-pass (its context ends after some creates,
// before it stores their links, as a kill -9 would leave it): once its
// lease expires the other node takes the connector over, links the users
// the dead one made and creates the rest: nothing lost, nothing twice.
func TestTwoNodesOnPostgres(t *testing.T) {
	dsn := pgtest.DSN(t)
	a, err := postgres.Open(ctx, dsn, postgres.Options{})
	must(t, err)
	b, err := postgres.Open(ctx, dsn, postgres.Options{})
	must(t, err)
	t.Cleanup(func() { a.Close(); b.Close() })
	tg := newTarget(t)
	px := newProxy(t, tg)
	base := px.URL + tg.base[len(tg.url):]

	org := roster.Org{Name: "Acme"}
	must(t, a.CreateOrg(ctx, &org))
	_, tok := roster.NewTokenSecret()
	dir := roster.Directory{OrgID: org.ID, Name: "Entra ID"}
	must(t, a.CreateDirectory(ctx, &dir, &tok))
	must(t, a.CreateProduct(ctx, &roster.Product{OrgID: org.ID, Key: "jira", Name: "Jira"}))
	scope := roster.DirectoryScope{OrgID: org.ID, DirectoryID: dir.ID}
	keys := newHub(t).svc.Keys
	node := func(st roster.Store, name string) *connectors.Service {
		return &connectors.Service{Store: st, Keys: keys, AllowPrivate: true, Owner: name, Lease: 3 * time.Second,
			Retries: []time.Duration{10 * time.Millisecond, 50 * time.Millisecond}}
	}
	nodeA, nodeB := node(a, "a"), node(b, "b")

	const n = 40
	var ids []string
	for i := range n {
		u := &roster.User{UserName: fmt.Sprintf("u%02d@acme.test", i), Active: true, Attributes: []byte(fmt.Sprintf(`{"userName":"u%02d@acme.test"}`, i))}
		must(t, a.CreateUser(ctx, scope, u))
		ids = append(ids, u.ID)
	}
	g := &roster.Group{DisplayName: "Jira users", Attributes: []byte(`{"displayName":"Jira users"}`)}
	must(t, a.CreateGroup(ctx, scope, g, ids[:n/2]))
	must(t, a.GrantAccess(ctx, &roster.Grant{OrgID: org.ID, Product: "jira", GroupID: g.ID, Role: roster.RoleUser}))
	c, _, err := nodeA.Create(ctx, connectors.CreateRequest{OrgID: org.ID, Product: "jira", URL: base, Token: tg.token})
	must(t, err)

	// Both workers at once until the first half is there.
	runBoth := func(want int) {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		var wg sync.WaitGroup
		for _, s := range []*connectors.Service{nodeA, nodeB} {
			wg.Go(func() {
				w := &connectors.Worker{Service: s}
				for time.Now().Before(deadline) && len(tg.users(t)) < want {
					if _, err := w.Step(ctx); err != nil {
						t.Errorf("worker %s: %v", s.Owner, err)
						return
					}
					time.Sleep(20 * time.Millisecond)
				}
			})
		}
		wg.Wait()
	}
	runBoth(n / 2)
	if got := len(tg.users(t)); got != n/2 {
		t.Fatalf("the target has %d users, want %d", got, n/2)
	}
	posts := func() int {
		log, err := nodeA.Deliveries(ctx, org.ID, c.ID, false, 1000)
		must(t, err)
		k := 0
		for _, d := range log {
			if d.Method == http.MethodPost {
				k++
			}
		}
		return k
	}
	if k := posts(); k != n/2 {
		t.Errorf("%d POSTs for %d users: two nodes ran one pass", k, n/2)
	}

	// The second half joins; node a dies after 5 of its creates.
	h2 := ids[n/2:]
	_, err = a.UpdateGroup(ctx, scope, g.ID, func(*roster.Group) ([]roster.MemberOp, error) {
		return []roster.MemberOp{{Kind: roster.AddMembers, IDs: h2}}, nil
	})
	must(t, err)
	dying, kill := context.WithCancel(ctx)
	created := 0
	px.set(func(p *proxy) {
		p.onPost = func() {
			created++
			if created == 5 {
				kill()
			}
		}
	})
	(&connectors.Worker{Service: nodeA}).Step(dying) // ends mid-pass, its lease held
	px.set(func(p *proxy) { p.onPost = nil })
	if got := len(tg.users(t)); got <= n/2 || got >= n {
		t.Fatalf("after the crash the target has %d users: the test did not stop the pass midway", got)
	}
	if ran, _ := (&connectors.Worker{Service: nodeB}).Step(ctx); ran {
		t.Fatal("node b ran the connector while node a's lease held")
	}
	time.Sleep(3500 * time.Millisecond) // the lease expires
	runBoth(n)
	users := tg.users(t)
	if len(users) != n {
		t.Fatalf("the target has %d users, want %d", len(users), n)
	}
	for _, id := range ids {
		found := false
		for _, u := range users {
			found = found || u["externalId"] == id
		}
		if !found {
			t.Errorf("user %s is not in the target", id)
		}
	}
	res, err := nodeB.Sync(ctx, org.ID, c.ID)
	must(t, err)
	if len(res.Changes) != 0 || res.InSync != n {
		t.Errorf("a sync after the takeover: %q, %d in sync", ops(res), res.InSync)
	}
}
