package conformance

import (
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/rosterhq/roster"
)

// testConcurrentGroupChanges races renames, member adds and removals of
// one group, and updates that hold only at the version they read (as an
// If-Match does). A backend may let member changes run side by side
// (PostgreSQL locks the group's row late), but the outcome must be one
// of a serial order: every change counted once in the version, the
// members and the count exact, each rename's previous name the name the
// one before it left, and of the updates conditional on one version
// exactly one applied.
func testConcurrentGroupChanges(t *testing.T, s roster.Store) {
	f := newFixture(t, s, "Acme")
	g := createGroup(t, s, f.tenant, "Team 0")
	const n = 48
	ids := createUsers(t, s, f.tenant, n, "g%d@acme.test")
	// Half of them start as members: the removals' targets.
	_, err := s.UpdateGroup(ctx, f.tenant, g.ID, func(*roster.Group) ([]roster.MemberOp, error) {
		return []roster.MemberOp{{Kind: roster.AddMembers, IDs: ids[n/2:]}}, nil
	})
	must(t, err)
	start := newestSeq(t, s, f.org.ID)

	// Each goroutine i: i%3 == 0 renames the group, 1 adds user i, 2
	// removes user n/2+i (of the members) and adds user i.
	var wg sync.WaitGroup
	for i := 0; i < n/2; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			_, err := s.UpdateGroup(ctx, f.tenant, g.ID, func(cur *roster.Group) ([]roster.MemberOp, error) {
				switch i % 3 {
				case 0:
					*cur = *group(t, fmt.Sprintf("Team %d", i+1))
					return nil, nil
				case 1:
					return []roster.MemberOp{{Kind: roster.AddMembers, IDs: []string{ids[i]}}}, nil
				}
				return []roster.MemberOp{{Kind: roster.RemoveMembers, IDs: []string{ids[n/2+i]}}, {Kind: roster.AddMembers, IDs: []string{ids[i]}}}, nil
			})
			if err != nil {
				t.Error(err)
			}
		}(i)
	}
	wg.Wait()

	var want []string
	renames := 0
	for i := 0; i < n/2; i++ {
		switch i % 3 {
		case 0:
			renames++
			want = append(want, ids[n/2+i])
		case 1:
			want = append(want, ids[i], ids[n/2+i])
		case 2:
			want = append(want, ids[i])
		}
	}
	if got := members(t, s, f.tenant, g.ID); !slices.Equal(got, sorted(want...)) {
		t.Errorf("%d members after the concurrent changes, want %d", len(got), len(want))
	}
	now, err := s.GetGroup(ctx, f.tenant, g.ID)
	must(t, err)
	if now.Version != int64(2+n/2) {
		t.Errorf("group at version %d after %d changes from version 2, want %d", now.Version, n/2, 2+n/2)
	}
	counted := groupMemberCount(t, s, f, g.ID)
	if counted != len(want) {
		t.Errorf("the group's member count says %d, it has %d", counted, len(want))
	}

	// The renames' events chain: each one's previous name is the name the
	// one before it (in the feed's order) left, from "Team 0" to the name
	// the group has.
	name := "Team 0"
	seen := 0
	for _, e := range eventsSince(t, s, f.org.ID, start) {
		if e.Action != roster.EventGroupUpdated || e.ResourceID != g.ID {
			continue
		}
		var d struct {
			DisplayName string `json:"displayName"`
			Previous    struct {
				DisplayName string `json:"displayName"`
			} `json:"previous"`
		}
		must(t, json.Unmarshal(e.Data, &d))
		if d.Previous.DisplayName != name {
			t.Errorf("rename %d to %q says it was %q; the one before it left %q", seen+1, d.DisplayName, d.Previous.DisplayName, name)
		}
		name = d.DisplayName
		seen++
	}
	if seen != renames || name != now.DisplayName {
		t.Errorf("%d rename events ending at %q; want %d ending at the group's name %q", seen, name, renames, now.DisplayName)
	}

	// Updates that hold only at the version they read: one applies, the
	// others fail as an If-Match would, and their members are not added.
	const racers = 8
	at := now.Version
	errs := make([]error, racers)
	var wg2 sync.WaitGroup
	for i := 0; i < racers; i++ {
		wg2.Add(1)
		go func(i int) {
			defer wg2.Done()
			_, errs[i] = s.UpdateGroup(ctx, f.tenant, g.ID, func(cur *roster.Group) ([]roster.MemberOp, error) {
				if cur.Version != at {
					return nil, roster.E(roster.ReasonVersionMismatch, "group at version %d, not %d", cur.Version, at)
				}
				return []roster.MemberOp{{Kind: roster.RemoveMembers, IDs: []string{want[i]}}}, nil
			})
		}(i)
	}
	wg2.Wait()
	won := 0
	for _, err := range errs {
		if err == nil {
			won++
		} else if roster.ReasonOf(err) != roster.ReasonVersionMismatch {
			t.Errorf("a conditional update failed with %v, want a version mismatch", err)
		}
	}
	if got := len(members(t, s, f.tenant, g.ID)); won != 1 || got != len(want)-1 {
		t.Errorf("%d of %d updates conditional on version %d applied, leaving %d of %d members; want 1 and %d",
			won, racers, at, got, len(want), len(want)-1)
	}
}

// groupMemberCount is the group's member count as the console reads it
// (the groups table's own counter, kept by each change).
func groupMemberCount(t *testing.T, s roster.Store, f fixture, groupID string) int {
	t.Helper()
	g, err := s.GetOrgGroup(ctx, f.org.ID, groupID)
	must(t, err)
	return g.Members
}
