package feed_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/feed"
	"github.com/rosterhq/roster/scim"
	"github.com/rosterhq/roster/storage/sqlite/sqlitetest"
)

var ctx = context.Background()

func localGroup(t *testing.T, s roster.Store, orgID, name string) *roster.Group {
	t.Helper()
	res, err := scim.GroupType.Normalize(map[string]any{"displayName": name})
	if err != nil {
		t.Fatal(err)
	}
	g := &roster.Group{}
	scim.GroupFromDoc(res.Doc, g)
	if err := s.CreateLocalGroup(ctx, orgID, g); err != nil {
		t.Fatal(err)
	}
	return g
}

func wantReason(t *testing.T, what string, err error, want roster.Reason) {
	t.Helper()
	if got := roster.ReasonOf(err); got != want {
		t.Errorf("%s: reason %q (%v), want %q", what, got, err, want)
	}
}

// TestEvents: the feed filters by the webhooks' patterns, pages with next
// (past events that did not match too), and refuses what it cannot read.
func TestEvents(t *testing.T) {
	s, org := sqlitetest.New(t)
	svc := feed.Service{Store: s}
	for i := range 3 {
		localGroup(t, s, org.ID, fmt.Sprintf("Team %d", i))
		if err := s.CreateProduct(ctx, &roster.Product{OrgID: org.ID, Key: fmt.Sprintf("p%d", i), Name: fmt.Sprintf("P%d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	var names []string
	var after int64
	for range 5 {
		page, err := svc.Events(ctx, org.ID, after, []string{"group.*"}, 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Events) > 1 {
			t.Fatalf("limit 1 returned %d events", len(page.Events))
		}
		for _, e := range page.Events {
			if e.Action != roster.EventGroupCreated {
				t.Errorf("group.* returned %s", e.Action)
			}
			it := feed.NewItem(&e)
			names = append(names, string(it.Data["displayName"]))
		}
		if page.Next < after {
			t.Fatalf("next went back from %d to %d", after, page.Next)
		}
		after = page.Next
	}
	if fmt.Sprint(names) != `["Team 0" "Team 1" "Team 2"]` {
		t.Errorf("group events in order: %v", names)
	}
	// Past the last group, next moved over the product events after it.
	all, err := svc.Events(ctx, org.ID, 0, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	if last := all.Events[len(all.Events)-1]; after != last.Seq || last.Action != "product.created" {
		t.Errorf("next = %d after the filtered pages; the last event is %d %s", after, last.Seq, last.Action)
	}
	if len(all.Events) != 7 { // org.created, 3 groups, 3 products
		t.Errorf("limit 0 (the default) returned %d events, want all 7", len(all.Events))
	}

	_, err = svc.Events(ctx, org.ID, -1, nil, 10)
	wantReason(t, "after -1", err, roster.ReasonInvalidValue)
	_, err = svc.Events(ctx, org.ID, 0, []string{"bogus"}, 10)
	wantReason(t, "an unknown type", err, roster.ReasonUnknownEvent)
}

// TestSnapshotPages: a snapshot's pages share the seq of the first, follow
// one another by cursor, and a cursor that is not one or belongs to
// another resource is refused.
func TestSnapshotPages(t *testing.T) {
	s, org := sqlitetest.New(t)
	svc := feed.Service{Store: s}
	for i := range 3 {
		localGroup(t, s, org.ID, fmt.Sprintf("Team %d", i))
	}
	first, err := svc.Snapshot(ctx, org.ID, roster.SnapshotGroups, "", 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(first.Items) != 2 || first.Cursor == "" || first.Seq == 0 {
		t.Fatalf("first page: %d items, cursor %q, seq %d", len(first.Items), first.Cursor, first.Seq)
	}
	localGroup(t, s, org.ID, "Team 3") // a write between pages: the feed after seq has it
	second, err := svc.Snapshot(ctx, org.ID, "", first.Cursor, 2)
	if err != nil {
		t.Fatal(err)
	}
	if second.Seq != first.Seq || second.Resource != roster.SnapshotGroups || len(second.Items) != 2 {
		t.Errorf("second page: seq %d (first %d), resource %s, %d items", second.Seq, first.Seq, second.Resource, len(second.Items))
	}
	page, err := svc.Events(ctx, org.ID, first.Seq, []string{"group.*"}, 10)
	if err != nil || len(page.Events) != 1 || page.Events[0].Action != roster.EventGroupCreated {
		t.Errorf("the feed after the snapshot's seq: %+v %v, want Team 3's group.created", page, err)
	}

	_, err = svc.Snapshot(ctx, org.ID, roster.SnapshotGroups, "not a cursor!", 2)
	wantReason(t, "a malformed cursor", err, roster.ReasonInvalidCursor)
	_, err = svc.Snapshot(ctx, org.ID, roster.SnapshotGroups, base64.RawURLEncoding.EncodeToString([]byte(`[1]`)), 2)
	wantReason(t, "a cursor of another shape", err, roster.ReasonInvalidCursor)
	_, err = svc.Snapshot(ctx, org.ID, roster.SnapshotUsers, first.Cursor, 2)
	wantReason(t, "a groups cursor for users", err, roster.ReasonInvalidCursor)
	_, err = svc.Snapshot(ctx, org.ID, "people", "", 2)
	wantReason(t, "an unknown resource", err, roster.ReasonInvalidValue)
}

// TestPurgeDue: the retention job deletes the events older than its
// cutoff, and a cursor into the purged part is then expired.
func TestPurgeDue(t *testing.T) {
	s, org := sqlitetest.New(t)
	svc := feed.Service{Store: s}
	for i := range 3 {
		localGroup(t, s, org.ID, fmt.Sprintf("Team %d", i))
	}
	n, err := feed.PurgeDue(ctx, s, time.Now().Add(-time.Hour))
	if err != nil || n != 0 {
		t.Errorf("purging events older than an hour: %d, %v; want none", n, err)
	}
	// The newest event stays (the store keeps it so that sequence numbers
	// never restart): 3 of the 4.
	n, err = feed.PurgeDue(ctx, s, time.Now().Add(time.Minute))
	if err != nil || n != 3 {
		t.Errorf("purging every event: %d, %v; want 3, all but the newest", n, err)
	}
	_, err = svc.Events(ctx, org.ID, 1, nil, 10)
	wantReason(t, "a cursor into purged events", err, roster.ReasonCursorExpired)
	localGroup(t, s, org.ID, "Team 3")
	page, err := svc.Events(ctx, org.ID, 4, nil, 10)
	if err != nil || len(page.Events) != 1 {
		t.Errorf("after the purge, the feed from its end: %+v %v", page, err)
	}
}
