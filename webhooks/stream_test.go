package webhooks_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/storage/sqlite/sqlitetest"
	"github.com/rosterhq/roster/webhooks"
)

// TestStreamFollowsInOrderPastOtherOrganizations: with a batch smaller
// than the other organizations' events in between, the stream still
// sends each of its organization's events once, in order, and beats
// while idle.
func TestStreamFollowsInOrderPastOtherOrganizations(t *testing.T) {
	s, org := sqlitetest.New(t)
	ctx := context.Background()
	other := roster.Org{Name: "Other"}
	if err := s.CreateOrg(ctx, &other); err != nil {
		t.Fatal(err)
	}
	dir := func(orgID, name string) {
		d := roster.Directory{OrgID: orgID, Name: name}
		_, tok := roster.NewTokenSecret()
		if err := s.CreateDirectory(ctx, &d, &tok); err != nil {
			t.Fatal(err)
		}
	}
	var want []string
	for i := range 4 {
		for j := range 5 {
			dir(other.ID, "other-"+string(rune('a'+i))+string(rune('a'+j)))
		}
		name := "mine-" + string(rune('a'+i))
		dir(org.ID, name)
		want = append(want, name)
	}
	st := &webhooks.Stream{Audit: s, Poll: 10 * time.Millisecond, Heartbeat: 50 * time.Millisecond, Batch: 2}
	var got []string
	beats := 0
	stop := errors.New("enough")
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	err := st.Follow(ctx, org.ID, 0, []string{"directory.created"}, func(e *roster.Event) error {
		if e.OrgID != org.ID {
			t.Errorf("another organization's event %+v", e)
		}
		got = append(got, e.Detail)
		return nil
	}, func() error {
		if beats++; beats == 2 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) {
		t.Fatalf("Follow ended with %v, want the second heartbeat", err)
	}
	if len(got) != len(want) {
		t.Fatalf("got %d events %v, want %d", len(got), got, len(want))
	}
	for i, d := range got {
		if !strings.Contains(d, want[i]) {
			t.Errorf("event %d is %s, want %s's", i, d, want[i])
		}
	}
}
