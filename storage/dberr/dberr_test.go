package dberr

import (
	"context"
	"database/sql/driver"
	"fmt"
	"net"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/rosterhq/roster"
)

// TestClassify: the driver errors that mean "unreachable" or "full" are
// told apart by type and code, through wrapping, and nothing else is.
func TestClassify(t *testing.T) {
	wrap := func(err error) error { return fmt.Errorf("store: %w", err) }
	for name, c := range map[string]struct {
		err  error
		want roster.ErrorCode
	}{
		"connection refused":        {wrap(&net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}), roster.EUnavailable},
		"bad connection":            {wrap(driver.ErrBadConn), roster.EUnavailable},
		"admin shutdown":            {wrap(&pgconn.PgError{Code: "57P01"}), roster.EUnavailable},
		"connection exception":      {wrap(&pgconn.PgError{Code: "08006"}), roster.EUnavailable},
		"too many connections":      {wrap(&pgconn.PgError{Code: "53300"}), roster.EUnavailable},
		"disk full (PostgreSQL)":    {wrap(&pgconn.PgError{Code: "53100"}), roster.EInsufficientStorage},
		"no space on the device":    {wrap(syscall.ENOSPC), roster.EInsufficientStorage},
		"a unique violation":        {wrap(&pgconn.PgError{Code: "23505"}), ""},
		"a client that gave up":     {wrap(context.Canceled), ""},
		"an error of Roster's code": {fmt.Errorf("bug"), ""},
	} {
		got := Classify(c.err)
		switch {
		case c.want == "" && got != nil:
			t.Errorf("%s: classified as %s", name, got.Code)
		case c.want != "" && (got == nil || got.Code != c.want):
			t.Errorf("%s: %v, want %s", name, got, c.want)
		}
	}
}
