package postgres_test

import (
	"context"
	"testing"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/storage/postgres"
	"github.com/rosterhq/roster/storage/postgres/pgtest"
)

// TestEventHorizonWaitsForAnOpenTransaction: on PostgreSQL an event's
// sequence number is taken at insert and seen at commit, so a later event
// can be visible before an earlier one. The horizon (what the webhook
// fan-out and the event stream read up to) stops before the number a
// transaction still holds, and passes it once that commits.
func TestEventHorizonWaitsForAnOpenTransaction(t *testing.T) {
	ctx := context.Background()
	s, err := postgres.Open(ctx, pgtest.DSN(t), postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	org := roster.Org{Name: "Acme"}
	if err := s.CreateOrg(ctx, &org); err != nil {
		t.Fatal(err)
	}
	start, err := s.GetEventHorizon(ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	// A transaction that takes the next number and does not commit yet.
	open, err := s.DB().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer open.Rollback()
	var held int64
	if err := open.QueryRowContext(ctx, `INSERT INTO events (org_id, directory_id, time, actor, action, resource_type, resource_id, detail)
		VALUES ($1, '', (EXTRACT(EPOCH FROM now()) * 1000000)::BIGINT, 'test', 'org.updated', 'Org', $1, '{}') RETURNING seq`, org.ID).Scan(&held); err != nil {
		t.Fatal(err)
	}
	// A later change commits meanwhile.
	d := roster.Directory{OrgID: org.ID, Name: "Entra"}
	_, tok := roster.NewTokenSecret()
	if err := s.CreateDirectory(ctx, &d, &tok); err != nil {
		t.Fatal(err)
	}
	later, _ := s.ListEvents(ctx, org.ID, held, 10)
	if len(later) == 0 {
		t.Fatalf("the later event is not visible: %+v", later)
	}
	h, err := s.GetEventHorizon(ctx, start, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if h >= held {
		t.Fatalf("horizon %d passes event %d, which an open transaction still holds", h, held)
	}
	if err := open.Commit(); err != nil {
		t.Fatal(err)
	}
	if h, _ = s.GetEventHorizon(ctx, start, 1000); h < later[len(later)-1].Seq {
		t.Errorf("after the commit the horizon is %d, want at least %d", h, later[len(later)-1].Seq)
	}
}
