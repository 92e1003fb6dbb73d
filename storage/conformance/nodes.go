package conformance

import (
	"fmt"
	"sync"
	"testing"

	"github.com/rosterhq/roster"
)

// NewNodes returns two stores on one fresh, empty database, as two Roster
// nodes would open it; both are closed by the suite.
type NewNodes func(t *testing.T) (roster.Store, roster.Store)

// RunNodes runs the tests of two nodes writing to one database at once.
func RunNodes(t *testing.T, newNodes NewNodes) {
	for _, tc := range []struct {
		name string
		fn   func(t *testing.T, a, b roster.Store)
	}{
		{"MemberAddWhileUserDeleted", testMemberAddWhileUserDeleted},
		{"DeleteDirectoryWhileProvisioning", testDeleteDirectoryWhileProvisioning},
		{"RotationOnTwoNodes", testRotationOnTwoNodes},
		{"TokenExpiryOnTwoNodes", testTokenExpiryOnTwoNodes},
		{"ConcurrentPurge", testConcurrentPurge},
		{"LastOwnerRace", testLastOwnerRace},
		{"AccessOnTwoNodes", testAccessOnTwoNodes},
		{"ConnectorLeaseOnTwoNodes", testConnectorLeaseOnTwoNodes},
		{"AuthGenerationOnTwoNodes", testAuthGenerationOnTwoNodes},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, b := newNodes(t)
			t.Cleanup(func() { a.Close(); b.Close() })
			tc.fn(t, a, b)
		})
	}
}

// cleanError fails the test unless err is nil or a roster.Error of one of
// codes: never an internal error, which a client sees as a 500.
func cleanError(t *testing.T, what string, err error, codes ...roster.ErrorCode) {
	t.Helper()
	if err == nil {
		return
	}
	for _, c := range codes {
		if roster.ErrorCodeOf(err) == c {
			return
		}
	}
	t.Errorf("%s: %v (code %s), want success or one of %v", what, err, roster.ErrorCodeOf(err), codes)
}

// testMemberAddWhileUserDeleted: one node deletes a user while the other
// adds it to a group. Either may win, but no group may keep a member that
// no longer exists, and the add fails, if it does, as a client error.
func testMemberAddWhileUserDeleted(t *testing.T, a, b roster.Store) {
	f := newFixture(t, a, "Acme")
	g := createGroup(t, a, f.tenant, "Engineering")
	const rounds = 40
	for i := range rounds {
		u := createUser(t, a, f.tenant, fmt.Sprintf("user%d@acme.test", i))
		var wg sync.WaitGroup
		start := make(chan struct{})
		var delErr, addErr error
		wg.Add(2)
		go func() {
			defer wg.Done()
			<-start
			delErr = a.DeleteUser(ctx, f.tenant, u.ID, 0)
		}()
		go func() {
			defer wg.Done()
			<-start
			_, addErr = b.UpdateGroup(ctx, f.tenant, g.ID, func(*roster.Group) ([]roster.MemberOp, error) {
				return []roster.MemberOp{{Kind: roster.AddMembers, IDs: []string{u.ID}}}, nil
			})
		}()
		close(start)
		wg.Wait()
		must(t, delErr)
		cleanError(t, "adding a member being deleted", addErr, roster.EInvalid, roster.ENotFound)
	}
	for _, id := range members(t, a, f.tenant, g.ID) {
		if _, err := a.GetUser(ctx, f.tenant, id); err != nil {
			t.Errorf("group %s lists member %s, which does not exist: %v", g.ID, id, err)
		}
	}
}

// testDeleteDirectoryWhileProvisioning: one node deletes a directory while
// the other provisions into it with several connections. The deletion
// succeeds; each provisioning write succeeds before it or fails as not
// found after it, never with an internal error; nothing of the directory
// is left.
func testDeleteDirectoryWhileProvisioning(t *testing.T, a, b roster.Store) {
	for round := range 3 {
		f := newFixture(t, a, fmt.Sprintf("Acme %d", round))
		var groups []*roster.Group
		for i := range 4 {
			var ids []string
			for j := range 10 {
				ids = append(ids, createUser(t, a, f.tenant, fmt.Sprintf("u%d-%d@acme.test", i, j)).ID)
			}
			groups = append(groups, createGroup(t, a, f.tenant, fmt.Sprintf("group %d", i), ids...))
		}
		var wg sync.WaitGroup
		stop := make(chan struct{})
		errs := make(chan error, 1000)
		for w := range 4 {
			wg.Go(func() {
				g := groups[w]
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					u := userNamed(t, fmt.Sprintf("new%d-%d@acme.test", w, i))
					if err := b.CreateUser(ctx, f.tenant, u); err != nil {
						errs <- fmt.Errorf("create user: %w", err)
						return
					}
					_, err := b.UpdateGroup(ctx, f.tenant, g.ID, func(g *roster.Group) ([]roster.MemberOp, error) {
						return []roster.MemberOp{{Kind: roster.AddMembers, IDs: []string{u.ID}}}, nil
					})
					if err != nil {
						errs <- fmt.Errorf("add member: %w", err)
						return
					}
					if _, err := b.UpdateUser(ctx, f.tenant, u.ID, func(u *roster.User) error {
						u.Active = !u.Active
						u.Attributes = []byte(fmt.Sprintf(`{"userName":%q,"active":%t}`, u.UserName, u.Active))
						return nil
					}); err != nil {
						errs <- fmt.Errorf("update user: %w", err)
						return
					}
					if i%3 == 2 {
						if err := b.DeleteUser(ctx, f.tenant, u.ID, 0); err != nil {
							errs <- fmt.Errorf("delete user: %w", err)
							return
						}
					}
				}
			})
		}
		users, _, err := a.DeleteDirectory(ctx, f.org.ID, f.dir.ID)
		close(stop)
		wg.Wait()
		close(errs)
		if err != nil {
			t.Fatalf("round %d: DeleteDirectory while provisioning: %v", round, err)
		}
		if users < 40 {
			t.Errorf("round %d: deleted %d users, want at least the 40 made before", round, users)
		}
		for err := range errs {
			cleanError(t, "provisioning a directory being deleted", err, roster.ENotFound)
		}
		if err := b.CreateUser(ctx, f.tenant, userNamed(t, "late@acme.test")); roster.ErrorCodeOf(err) != roster.ENotFound {
			t.Errorf("creating a user in a deleted directory: %v, want not found", err)
		}
		for _, g := range groups {
			if _, err := a.GetGroup(ctx, f.tenant, g.ID); roster.ErrorCodeOf(err) != roster.ENotFound {
				t.Errorf("group %s of the deleted directory: %v, want not found", g.ID, err)
			}
		}
		if u, err := a.FindUser(ctx, f.org.ID, "new0-0@acme.test"); err == nil {
			t.Errorf("user %s of the deleted directory survived", u.ID)
		}
	}
}
