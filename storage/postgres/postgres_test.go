package postgres_test

import (
	"context"
	"os"
	"testing"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/storage/conformance"
	"github.com/rosterhq/roster/storage/postgres"
	"github.com/rosterhq/roster/storage/postgres/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

func TestConformance(t *testing.T) {
	conformance.Run(t, func(t *testing.T) roster.Store {
		s, err := postgres.Open(context.Background(), pgtest.DSN(t), postgres.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestConformanceNodes(t *testing.T) {
	conformance.RunNodes(t, func(t *testing.T) (roster.Store, roster.Store) {
		dsn := pgtest.DSN(t)
		a, err := postgres.Open(context.Background(), dsn, postgres.Options{})
		if err != nil {
			t.Fatal(err)
		}
		b, err := postgres.Open(context.Background(), dsn, postgres.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return a, b
	})
}

func TestRebind(t *testing.T) {
	for in, want := range map[string]string{
		`SELECT ? , ?`:                       `SELECT $1 , $2`,
		`x LIKE ? ESCAPE '\' AND y = ?`:      `x LIKE $1 ESCAPE '\' AND y = $2`,
		`'W/"' || r.version || '"' = ?`:      `'W/"' || r.version || '"' = $1`,
		`a = 'it''s ?' AND b = ? AND "q?"=?`: `a = 'it''s ?' AND b = $1 AND "q?"=$2`,
	} {
		if got := postgres.Rebind(in); got != want {
			t.Errorf("Rebind(%q) = %q, want %q", in, got, want)
		}
	}
}
