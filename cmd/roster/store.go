package main

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/storage/postgres"
	"github.com/rosterhq/roster/storage/sqlite"
	"github.com/rosterhq/roster/storage/sqlstore"
)

// store is what the commands need of a store beyond roster.Store.
type store interface {
	roster.Store
	Ping(ctx context.Context) error
}

var _ store = (*sqlstore.Store)(nil)

// openStore opens the database c.db names and applies migrations.
func (c *cli) openStore(ctx context.Context) (store, error) {
	if isPostgres(c.db) {
		s, err := postgres.Open(ctx, c.db, postgres.Options{})
		if err != nil {
			return nil, fmt.Errorf("open %s: %w", redactDSN(c.db), err)
		}
		return s, nil
	}
	var opts []sqlite.Option
	if c.durable {
		opts = append(opts, sqlite.Durable())
	}
	s, err := sqlite.Open(ctx, c.db, opts...)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", c.db, err)
	}
	return s, nil
}

// redactDSN hides the password of a database URL before it is printed.
func redactDSN(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "the database"
	}
	return u.Redacted()
}

func isPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}
