package deletions_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/deletions"
	"github.com/rosterhq/roster/storage/sqlite/sqlitetest"
	"github.com/rosterhq/roster/storage/sqlstore"
)

var bg = context.Background()

func setup(t *testing.T) (*sqlstore.Store, roster.DirectoryScope) {
	t.Helper()
	return sqlitetest.NewDirectory(t)
}

func addUsers(t *testing.T, st *sqlstore.Store, sc roster.DirectoryScope, n int) []*roster.User {
	t.Helper()
	var out []*roster.User
	for i := range n {
		name := fmt.Sprintf("user%03d@acme.test", i)
		u := &roster.User{UserName: name, Active: true, Attributes: []byte(fmt.Sprintf(`{"userName":%q}`, name))}
		if err := st.CreateUser(bg, sc, u); err != nil {
			t.Fatal(err)
		}
		out = append(out, u)
	}
	return out
}

func TestParse(t *testing.T) {
	for in, want := range map[string]time.Duration{"30d": 30 * 24 * time.Hour, "0": 0, "12h": 12 * time.Hour, " 1d ": 24 * time.Hour} {
		if got, err := deletions.ParseRetention(in); err != nil || got != want {
			t.Errorf("ParseRetention(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "-1d", "30", "1s", "abc", "99999d", "-5h"} {
		if _, err := deletions.ParseRetention(in); roster.ErrorCodeOf(err) != roster.EInvalid {
			t.Errorf("ParseRetention(%q): %v, want invalid", in, err)
		}
	}
	if got := deletions.FormatRetention(30 * 24 * time.Hour); got != "30d" {
		t.Errorf("FormatRetention = %q", got)
	}
	for in, want := range map[string]int{"10%": 10, "100": 100, "1 %": 0} {
		got, err := deletions.ParsePercent(in)
		if want == 0 && err == nil || want != 0 && got != want {
			t.Errorf("ParsePercent(%q) = %d, %v", in, got, err)
		}
	}
	for _, in := range []string{"0%", "101%", "x"} {
		if _, err := deletions.ParsePercent(in); err == nil {
			t.Errorf("ParsePercent(%q) accepted", in)
		}
	}
}

// TestMassDeletionAndUndo: deleting more than the threshold within the
// window is a mass deletion; RestoreSince undoes it, a group deleted with
// its members coming back with them.
func TestMassDeletionAndUndo(t *testing.T) {
	st, sc := setup(t)
	svc := deletions.Service{Store: st}
	users := addUsers(t, st, sc, 40)
	g := &roster.Group{DisplayName: "Everyone", Attributes: []byte(`{"displayName":"Everyone"}`)}
	ids := make([]string, len(users))
	for i, u := range users {
		ids[i] = u.ID
	}
	if err := st.CreateGroup(bg, sc, g, ids); err != nil {
		t.Fatal(err)
	}
	// 4 of 40 is 10%: not more than the threshold.
	for _, u := range users[:4] {
		if err := st.DeleteUser(bg, sc, u.ID, 0); err != nil {
			t.Fatal(err)
		}
	}
	m, err := svc.Mass(bg, sc)
	if err != nil {
		t.Fatal(err)
	}
	if m.Warning || m.Deleted != 4 || m.Users != 40 || m.Threshold != 4 {
		t.Fatalf("after 4 of 40: %+v, want no warning, 4 deleted of 40, threshold 4", m)
	}
	for _, u := range users[4:12] {
		if err := st.DeleteUser(bg, sc, u.ID, 0); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.DeleteGroup(bg, sc, g.ID, 0); err != nil {
		t.Fatal(err)
	}
	if m, err = svc.Mass(bg, sc); err != nil || !m.Warning || m.Deleted != 12 {
		t.Fatalf("after 12 of 40: %+v, %v; want a warning", m, err)
	}
	// An hour later it is history, not a warning.
	later := deletions.Service{Store: st, Now: func() time.Time { return time.Now().Add(roster.MassWindow + time.Minute) }}
	if m, err := later.Mass(bg, sc); err != nil || m.Warning {
		t.Errorf("an hour later: %+v, %v; want no warning", m, err)
	}

	res, err := svc.RestoreSince(bg, sc, m.Since)
	if err != nil {
		t.Fatal(err)
	}
	if res.Restored != 13 || res.Failed != 0 {
		t.Fatalf("RestoreSince = %+v, want 13 restored", res)
	}
	if res.Outcomes[0].Type != roster.MemberGroup {
		t.Errorf("first restored %+v, want the group first", res.Outcomes[0])
	}
	n := 0
	if err := st.ListMembers(bg, sc, g.ID, func(roster.Member) error { n++; return nil }); err != nil || n != 40 {
		t.Errorf("Everyone after the undo has %d members, %v; want all 40", n, err)
	}
	if m, _ := svc.Mass(bg, sc); m.Warning || m.Deleted != 0 {
		t.Errorf("after the undo: %+v, want nothing deleted", m)
	}
}

// TestRestoreReportsEach: one restore of several reports a clash and an
// unknown ID each, and restores the rest.
func TestRestoreReportsEach(t *testing.T) {
	st, sc := setup(t)
	svc := deletions.Service{Store: st}
	users := addUsers(t, st, sc, 2)
	for _, u := range users {
		if err := st.DeleteUser(bg, sc, u.ID, 0); err != nil {
			t.Fatal(err)
		}
	}
	addUsers(t, st, sc, 1) // user000 provisioned again
	res, err := svc.Restore(bg, sc, []string{users[0].ID, users[1].ID, "nope", users[1].ID})
	if err != nil {
		t.Fatal(err)
	}
	if res.Restored != 1 || res.Failed != 2 {
		t.Fatalf("%+v, want 1 restored, 2 failed", res)
	}
	reasons := map[string]roster.Reason{}
	for _, o := range res.Outcomes {
		reasons[o.ID] = o.Reason
	}
	if reasons[users[0].ID] != roster.ReasonRestoreClash || reasons["nope"] != "not_found" || reasons[users[1].ID] != "" {
		t.Errorf("reasons = %v", reasons)
	}
	if _, err := svc.Restore(bg, sc, nil); roster.ErrorCodeOf(err) != roster.EInvalid {
		t.Errorf("restore of nothing: %v", err)
	}
	list, err := svc.List(bg, sc, "users", 0)
	if err != nil || len(list) != 1 || list[0].ID != users[0].ID {
		t.Errorf("List = %+v, %v; want the clashing user only", list, err)
	}
	if _, err := svc.List(bg, sc, "robots", 0); roster.ErrorCodeOf(err) != roster.EInvalid {
		t.Errorf("List(robots): %v", err)
	}
}

func TestPolicyAndPurge(t *testing.T) {
	st, sc := setup(t)
	svc := deletions.Service{Store: st}
	bad := -time.Hour
	if _, err := svc.SetPolicy(bg, sc, deletions.PolicyChange{Retention: &bad}); roster.ErrorCodeOf(err) != roster.EInvalid {
		t.Errorf("negative retention: %v", err)
	}
	week, pct := 7*24*time.Hour, 50
	p, err := svc.SetPolicy(bg, sc, deletions.PolicyChange{Retention: &week, MassPercent: &pct})
	if err != nil || p.Retention != week || p.MassPercent != 50 || p.MassMinimum != roster.DefaultMassMinimum {
		t.Fatalf("SetPolicy = %+v, %v", p, err)
	}
	users := addUsers(t, st, sc, 3)
	for _, u := range users {
		if err := st.DeleteUser(bg, sc, u.ID, 0); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := deletions.PurgeDue(bg, st, time.Now().Add(6*24*time.Hour)); err != nil || n != 0 {
		t.Errorf("purge within the week = %d, %v", n, err)
	}
	if n, err := deletions.PurgeDue(bg, st, time.Now().Add(8*24*time.Hour)); err != nil || n != 3 {
		t.Errorf("purge after the week = %d, %v; want 3", n, err)
	}
	events, _ := st.ListEvents(bg, sc.OrgID, 0, 1000)
	purged := 0
	for _, e := range events {
		if e.Action == "user.purged" && e.Actor == "system:purge" {
			purged++
		}
	}
	if purged != 3 {
		t.Errorf("%d user.purged events by system:purge, want 3", purged)
	}
}
