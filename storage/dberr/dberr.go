// Package dberr tells, from a database driver's error, the conditions a
// client should hear about as something other than an internal error: the
// database is unreachable (503, retry later) or out of space (507). It
// classifies by type and code — pgconn's SQLSTATE, net errors, SQLite's
// result codes — never by message text. The store passes driver errors up
// wrapped with %w, so one look at the HTTP boundary (httperr.Public) sees
// them all; it depends only on the drivers and the root package.
package dberr

import (
	"context"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/rosterhq/roster"
)

// Details clients get: they say what to do and nothing of the database's
// address, user or name.
const (
	UnavailableDetail = "the database is unreachable; retry in a few seconds"
	FullDetail        = "the database is out of storage space; the change was not saved, ask the operator to free or add space"
)

// Classify returns the roster.Error a client should get for err, or nil
// when err is none of the conditions this package knows (an internal
// error, then).
func Classify(err error) *roster.Error {
	switch {
	case err == nil:
		return nil
	case Full(err):
		return &roster.Error{Code: roster.EInsufficientStorage, Detail: FullDetail}
	case Unavailable(err):
		return &roster.Error{Code: roster.EUnavailable, Detail: UnavailableDetail}
	}
	return nil
}

// Full reports whether the database refused a write for lack of space:
// SQLite's SQLITE_FULL (also when PRAGMA max_page_count is reached),
// PostgreSQL's disk_full (53100), or ENOSPC from the file system.
func Full(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_FULL {
		return true
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "53100" {
		return true
	}
	return errors.Is(err, syscall.ENOSPC)
}

// Unavailable reports whether err means the database cannot be reached
// now: a connection that could not be made or broke (pgconn.ConnectError,
// a net.Error, driver.ErrBadConn, a connection cut short), or a server
// that refuses connections (SQLSTATE class 08 "connection exception",
// 57P01-57P03 shutting down or starting up, 53300 too many connections).
// A context the client cancelled is not the database's fault and is left
// alone.
func Unavailable(err error) bool {
	if errors.Is(err, context.Canceled) {
		return false
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return strings.HasPrefix(pe.Code, "08") || pe.Code == "57P01" || pe.Code == "57P02" || pe.Code == "57P03" || pe.Code == "53300"
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	return errors.Is(err, driver.ErrBadConn) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}
