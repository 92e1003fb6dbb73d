package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/storage/conformance"
	"github.com/rosterhq/roster/storage/sqlite"
)

func TestConformance(t *testing.T) {
	conformance.Run(t, func(t *testing.T) roster.Store {
		s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "roster.db"))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestConformanceNodes(t *testing.T) {
	conformance.RunNodes(t, func(t *testing.T) (roster.Store, roster.Store) {
		path := filepath.Join(t.TempDir(), "roster.db")
		a, err := sqlite.Open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		b, err := sqlite.Open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		return a, b
	})
}
