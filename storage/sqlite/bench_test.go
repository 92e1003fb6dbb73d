package sqlite_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/scim"
	"github.com/rosterhq/roster/storage/sqlite/sqlitetest"
	"github.com/rosterhq/roster/storage/sqlstore"
)

// Store benchmarks on the embedded SQLite database, without HTTP: the
// figures in docs/benchmarks.md. Run:
//   go test ./storage/sqlite -run '^$' -bench . -benchmem

type benchDir struct {
	s      *sqlstore.Store
	tenant roster.DirectoryScope
	users  []string
}

func newBenchDir(b *testing.B, users int) *benchDir {
	b.Helper()
	s, tenant := sqlitetest.NewDirectory(b)
	d := &benchDir{s: s, tenant: tenant}
	for i := 0; i < users; i++ {
		d.users = append(d.users, d.create(b, i))
	}
	return d
}

func (d *benchDir) create(b *testing.B, i int) string {
	obj, _ := scim.Decode([]byte(fmt.Sprintf(`{"userName":"user%07d@bench.example.com","displayName":"User %d","name":{"familyName":"User %d"},"emails":[{"value":"user%07d@bench.example.com","type":"work","primary":true}],
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"Department %d"}}`, i, i, i, i, i%50)))
	res, err := scim.UserType.Normalize(obj)
	if err != nil {
		b.Fatal(err)
	}
	var u roster.User
	scim.UserFromDoc(res.Doc, &u)
	if err := d.s.CreateUser(context.Background(), d.tenant, &u); err != nil {
		b.Fatal(err)
	}
	return u.ID
}

func BenchmarkCreateUser(b *testing.B) {
	d := newBenchDir(b, 0)
	i := 0
	for b.Loop() {
		d.create(b, i)
		i++
	}
}

// BenchmarkCreateUserConcurrent creates users from 16 goroutines, as 16
// identity provider connections do: group commit batches them. cpu-ms/op
// is the process's CPU time per user, steadier than wall time on a shared
// machine.
func BenchmarkCreateUserConcurrent(b *testing.B) {
	d := newBenchDir(b, 0)
	var next atomic.Int64
	b.SetParallelism(8)
	cpu0 := cpuTime()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			d.create(b, int(next.Add(1)))
		}
	})
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "cpu-µs/op")
}

// cpuTime is the CPU time (user and system) this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func BenchmarkLookupUserName(b *testing.B) {
	d := newBenchDir(b, 10000)
	i := 0
	for b.Loop() {
		f, _ := scim.UserType.ParseFilter(fmt.Sprintf(`userName eq "USER%07d@bench.example.com"`, i%10000))
		page, err := d.s.ListUsers(context.Background(), d.tenant, roster.Query{Filter: f, StartIndex: 1, Count: 100})
		if err != nil || len(page.Items) != 1 {
			b.Fatalf("%v, %d found", err, len(page.Items))
		}
		i++
	}
}

func BenchmarkDeepPage(b *testing.B) {
	d := newBenchDir(b, 10000)
	for b.Loop() {
		page, err := d.s.ListUsers(context.Background(), d.tenant, roster.Query{StartIndex: 9000, Count: 100})
		if err != nil || len(page.Items) != 100 || page.Total != 10000 {
			b.Fatalf("%v, %d items, total %d", err, len(page.Items), page.Total)
		}
	}
}

func BenchmarkFilterJSONAttribute(b *testing.B) {
	d := newBenchDir(b, 10000)
	f, _ := scim.UserType.ParseFilter(`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "department 7"`)
	for b.Loop() {
		page, err := d.s.ListUsers(context.Background(), d.tenant, roster.Query{Filter: f, StartIndex: 1, Count: 100})
		if err != nil || page.Total != 200 {
			b.Fatalf("%v, total %d", err, page.Total)
		}
	}
}

// BenchmarkIndexedFilters runs the filters issue 16 answers from an index
// (migration 0021) on 10,000 users: a page of 100 and the total.
func BenchmarkIndexedFilters(b *testing.B) {
	d := newBenchDir(b, 10000)
	for _, tc := range []struct {
		filter string
		total  int
	}{
		{`emails[type eq "work" and value ew "77@bench.example.com"]`, 100},
		{`emails.value eq "user0004242@bench.example.com"`, 1},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "department 7"`, 200},
		{`active eq true and name.familyName sw "User 99"`, 111},
		{`displayName co "ser 4242"`, 1},
	} {
		b.Run(tc.filter, func(b *testing.B) {
			f, err := scim.UserType.ParseFilter(tc.filter)
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				page, err := d.s.ListUsers(context.Background(), d.tenant, roster.Query{Filter: f, StartIndex: 1, Count: 100})
				if err != nil || page.Total != tc.total {
					b.Fatalf("%v, total %d, want %d", err, page.Total, tc.total)
				}
			}
		})
	}
}

// BenchmarkUpdateUser replaces a user's document (a PUT that changes its
// title and, every other time, its email): every expression index of
// migration 0021 is evaluated again, and user_values rewritten when the
// emails changed.
func BenchmarkUpdateUser(b *testing.B) {
	d := newBenchDir(b, 1000)
	i := 0
	for b.Loop() {
		id := d.users[i%len(d.users)]
		obj, _ := scim.Decode([]byte(fmt.Sprintf(`{"userName":"user%07d@bench.example.com","displayName":"User %d","title":"Title %d","name":{"familyName":"User %d"},
			"emails":[{"value":"user%07d-%d@bench.example.com","type":"work","primary":true}],
			"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"Department %d"}}`, i%len(d.users), i%len(d.users), i, i%len(d.users), i%len(d.users), i/2, i%50)))
		res, err := scim.UserType.Normalize(obj)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := d.s.UpdateUser(context.Background(), d.tenant, id, func(u *roster.User) error {
			scim.UserFromDoc(res.Doc, u)
			return nil
		}); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkAddMember adds one member at a time to a group that already has
// 10 or 10,000 members: the cost must not depend on the size.
func BenchmarkAddMember(b *testing.B) {
	for _, size := range []int{10, 10000} {
		b.Run(fmt.Sprintf("group of %d", size), func(b *testing.B) {
			d := newBenchDir(b, size+20000)
			g := roster.Group{DisplayName: "g", Attributes: []byte(`{"displayName":"g"}`)}
			if err := d.s.CreateGroup(context.Background(), d.tenant, &g, d.users[:size]); err != nil {
				b.Fatal(err)
			}
			d.addMembersOneByOne(b, g.ID, size)
		})
	}
}

// addMembersOneByOne is the loop of the member-add benchmarks: one
// UpdateGroup per member, adding d.users from index from on.
func (d *benchDir) addMembersOneByOne(b *testing.B, groupID string, from int) {
	b.Helper()
	i := from
	for b.Loop() {
		if i == len(d.users) {
			b.Fatal("out of users")
		}
		id := d.users[i]
		_, err := d.s.UpdateGroup(context.Background(), d.tenant, groupID, func(*roster.Group) ([]roster.MemberOp, error) {
			return []roster.MemberOp{{Kind: roster.AddMembers, IDs: []string{id}}}, nil
		})
		if err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkAddMembersBulk: one PATCH that adds 10,000 members to an empty
// group, one statement of memberships and, since each membership has its
// event, 10,000 events.
func BenchmarkAddMembersBulk(b *testing.B) {
	d := newBenchDir(b, 10000)
	ctx := context.Background()
	n := 0
	for b.Loop() {
		b.StopTimer()
		g := roster.Group{DisplayName: fmt.Sprintf("g%d", n), Attributes: []byte(`{"displayName":"g"}`)}
		n++
		if err := d.s.CreateGroup(ctx, d.tenant, &g, nil); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := d.s.UpdateGroup(ctx, d.tenant, g.ID, func(*roster.Group) ([]roster.MemberOp, error) {
			return []roster.MemberOp{{Kind: roster.AddMembers, IDs: d.users}}, nil
		}); err != nil {
			b.Fatal(err)
		}
	}
}

// grantedGroup makes a product and a group of size members, granted the
// product when granted is set.
func (d *benchDir) grantedGroup(b *testing.B, size int, granted bool) roster.Group {
	b.Helper()
	ctx := context.Background()
	if err := d.s.CreateProduct(ctx, &roster.Product{OrgID: d.tenant.OrgID, Key: "jira", Name: "Jira"}); err != nil {
		b.Fatal(err)
	}
	g := roster.Group{DisplayName: "g", Attributes: []byte(`{"displayName":"g"}`)}
	if err := d.s.CreateGroup(ctx, d.tenant, &g, d.users[:size]); err != nil {
		b.Fatal(err)
	}
	if granted {
		if err := d.s.GrantAccess(ctx, &roster.Grant{OrgID: d.tenant.OrgID, Product: "jira", GroupID: g.ID, Role: roster.RoleUser}); err != nil {
			b.Fatal(err)
		}
	}
	return g
}

// BenchmarkAddMemberGranted adds one member at a time to a group of 10,000
// that is granted a product: each add computes the user's access and
// appends its access.granted event.
func BenchmarkAddMemberGranted(b *testing.B) {
	d := newBenchDir(b, 10000+20000)
	g := d.grantedGroup(b, 10000, true)
	d.addMembersOneByOne(b, g.ID, 10000)
}

// BenchmarkGrantLargeGroup grants a product to a group of 100,000 members
// and revokes it again, by turns: each is one transaction that changes,
// and announces, 100,000 users' access. Run with -benchtime 4x.
func BenchmarkGrantLargeGroup(b *testing.B) {
	d := newBenchDir(b, 100000)
	g := d.grantedGroup(b, 100000, false)
	ctx := context.Background()
	i := 0
	for b.Loop() {
		var err error
		if i%2 == 0 {
			err = d.s.GrantAccess(ctx, &roster.Grant{OrgID: d.tenant.OrgID, Product: "jira", GroupID: g.ID, Role: roster.RoleUser})
		} else {
			err = d.s.RevokeAccess(ctx, roster.ProductScope{OrgID: d.tenant.OrgID, Product: "jira"}, g.ID)
		}
		if err != nil {
			b.Fatal(err)
		}
		i++
	}
	if c, err := d.s.GetProductCounts(ctx, d.tenant.OrgID, "jira"); err != nil || c.Users != 100000*(i%2) {
		b.Fatalf("after %d grants and revokes: %+v, %v", i, c, err)
	}
}

// BenchmarkDeleteDirectoryGranted deletes a directory of 100,000 users,
// all granted a product through one group: one transaction that revokes
// and announces every user's access. Run with -benchtime 1x.
func BenchmarkDeleteDirectoryGranted(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		d := newBenchDir(b, 100000)
		d.grantedGroup(b, 100000, true)
		b.StartTimer()
		if _, _, err := d.s.DeleteDirectory(context.Background(), d.tenant.OrgID, d.tenant.DirectoryID); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkProductCounts counts the users of a product granted to a group
// of 100,000 (the products page), and BenchmarkProductUsersPage reads the
// first page of them.
func BenchmarkProductCounts(b *testing.B) {
	d := newBenchDir(b, 100000)
	d.grantedGroup(b, 100000, true)
	b.Run("counts", func(b *testing.B) {
		for b.Loop() {
			if c, err := d.s.GetProductCounts(context.Background(), d.tenant.OrgID, "jira"); err != nil || c.Users != 100000 {
				b.Fatalf("%+v, %v", c, err)
			}
		}
	})
	b.Run("first page", func(b *testing.B) {
		for b.Loop() {
			if p, err := d.s.ListProductUsers(context.Background(), d.tenant.OrgID, "jira", 0, 50); err != nil || len(p.Items) != 50 {
				b.Fatalf("%v", err)
			}
		}
	})
}

// BenchmarkListUserGroups is the second statement of every SCIM lookup
// that finds a user: its groups, here none (as for users an identity
// provider has just created).
func BenchmarkListUserGroups(b *testing.B) {
	d := newBenchDir(b, 10000)
	i := 0
	for b.Loop() {
		if _, err := d.s.ListUserGroups(context.Background(), d.tenant, []string{d.users[i%len(d.users)]}); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkLookupWithGroups is a SCIM lookup's reads: the page by
// userName eq and the user's groups, as two statements (ListUsers, then
// ListUserGroups) and as one (ListUsersWithGroups).
func BenchmarkLookupWithGroups(b *testing.B) {
	d := newBenchDir(b, 10000)
	lookup := func(i int) roster.Query {
		f, _ := scim.UserType.ParseFilter(fmt.Sprintf(`userName eq "USER%07d@bench.example.com"`, i%10000))
		return roster.Query{Filter: f, StartIndex: 1, Count: 100}
	}
	b.Run("two statements", func(b *testing.B) {
		i := 0
		for b.Loop() {
			page, err := d.s.ListUsers(context.Background(), d.tenant, lookup(i))
			if err != nil || len(page.Items) != 1 {
				b.Fatalf("%v, %d found", err, len(page.Items))
			}
			if _, err := d.s.ListUserGroups(context.Background(), d.tenant, []string{page.Items[0].ID}); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("one statement", func(b *testing.B) {
		i := 0
		for b.Loop() {
			page, _, err := d.s.ListUsersWithGroups(context.Background(), d.tenant, lookup(i))
			if err != nil || len(page.Items) != 1 {
				b.Fatalf("%v, %d found", err, len(page.Items))
			}
			i++
		}
	})
}
