package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/rosterhq/roster"
)

// The request log of identity providers' requests, and its hourly counts.

// AppendRequests implements roster.Store. The request log is written in
// batches, off the request's path (see http/server), so it costs identity
// providers nothing.
func (s *Store) AppendRequests(ctx context.Context, reqs []roster.Request) error {
	if len(reqs) == 0 {
		return nil
	}
	type key struct {
		dir  string
		hour int64
	}
	counts := map[key]*roster.RequestCount{}
	orgs := map[string]string{}
	var keys []key
	first := map[string]int64{} // each directory's earliest successful request of the batch
	for _, r := range reqs {
		if at, seen := first[r.DirectoryID]; r.Status < 400 && (!seen || micros(r.Time) < at) {
			first[r.DirectoryID] = micros(r.Time)
		}
		k := key{r.DirectoryID, hourOf(r.Time)}
		c, ok := counts[k]
		if !ok {
			c = &roster.RequestCount{}
			counts[k], orgs[r.DirectoryID] = c, r.OrgID
			keys = append(keys, k)
		}
		c.Requests++
		if r.Status >= 400 {
			c.Errors++
		}
	}
	return s.inTx(ctx, func(t *tx) error {
		// Many rows per statement: one statement per request was most of
		// the log's cost, which every request pays in the writer's time
		// (issue 16). Full chunks share one prepared statement; the rest
		// is one statement of its own.
		for rest := reqs; len(rest) > 0; rest = rest[min(len(rest), requestsPerInsert):] {
			n := min(len(rest), requestsPerInsert)
			q := fullRequestInsert
			if n < requestsPerInsert {
				q = requestInsert(n)
			}
			args := make([]any, 0, n*11)
			for _, r := range rest[:n] {
				args = append(args, r.OrgID, r.DirectoryID, micros(r.Time), r.Method, r.Path, r.Status,
					r.Duration.Microseconds(), r.UserAgent, r.Error, r.Reason, r.Warning)
			}
			var err error
			if n == requestsPerInsert {
				_, err = t.exec(ctx, q, args...)
			} else {
				_, err = t.sql.ExecContext(ctx, s.d.Rebind(q), args...)
			}
			if err != nil {
				return err
			}
		}
		for _, k := range keys {
			c := counts[k]
			if _, err := t.exec(ctx, `INSERT INTO request_counts (directory_id, org_id, hour, requests, errors) VALUES (?, ?, ?, ?, ?)
				ON CONFLICT (directory_id, hour) DO UPDATE SET requests = request_counts.requests + excluded.requests,
					errors = request_counts.errors + excluded.errors`, k.dir, orgs[k.dir], k.hour, c.Requests, c.Errors); err != nil {
				return err
			}
		}
		// The first sync is set once, and kept when the log is pruned.
		for dir, at := range first {
			if _, err := t.exec(ctx, `UPDATE directories SET first_request = ? WHERE id = ? AND first_request IS NULL`, at, dir); err != nil {
				return err
			}
		}
		return nil
	})
}

// requestsPerInsert is how many request log rows one INSERT writes: 11
// parameters a row stay far below both databases' limits.
const requestsPerInsert = 64

var fullRequestInsert = requestInsert(requestsPerInsert)

// requestInsert is the INSERT of n request log rows.
func requestInsert(n int) string {
	var q strings.Builder
	q.WriteString(`INSERT INTO request_log (org_id, directory_id, time, method, path, status, duration_us, user_agent, error, reason, warning) VALUES `)
	for i := range n {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
	}
	return q.String()
}

// CountRejected implements roster.Store. The organization comes from the
// directory's row in the same statement, so that a made-up directory ID
// costs one indexed read and writes nothing.
func (s *Store) CountRejected(ctx context.Context, dirID string, at time.Time, n int) error {
	if n <= 0 {
		return nil
	}
	return s.inTx(ctx, func(t *tx) error {
		_, err := t.exec(ctx, `INSERT INTO request_counts (directory_id, org_id, hour, requests, errors, rejected)
			SELECT id, org_id, ?, 0, 0, ? FROM directories WHERE id = ?
			ON CONFLICT (directory_id, hour) DO UPDATE SET rejected = request_counts.rejected + excluded.rejected`, hourOf(at), n, dirID)
		return err
	})
}

const microsPerHour = int64(time.Hour / time.Microsecond)

// hourOf is the hour a time falls in, counted from the Unix epoch.
func hourOf(t time.Time) int64 {
	m := micros(t)
	if m < 0 {
		return (m - microsPerHour + 1) / microsPerHour
	}
	return m / microsPerHour
}

// PruneRequests implements roster.Store.
func (s *Store) PruneRequests(ctx context.Context, before time.Time, keep int) error {
	var dirs []string
	_, err := s.readRows(ctx, `SELECT DISTINCT directory_id FROM request_counts`, nil, func(sc rowScanner) (int64, error) {
		var d string
		err := sc.Scan(&d)
		dirs = append(dirs, d)
		return 0, err
	})
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(t *tx) error {
		if _, err := t.exec(ctx, `DELETE FROM request_log WHERE time < ?`, micros(before)); err != nil {
			return err
		}
		if _, err := t.exec(ctx, `DELETE FROM request_counts WHERE hour < ?`, hourOf(before)); err != nil {
			return err
		}
		// Beyond the latest keep of each kind, a directory's requests go.
		for _, d := range dirs {
			for _, kind := range []string{"status < 400", "status >= 400"} {
				if _, err := t.exec(ctx, `DELETE FROM request_log WHERE directory_id = ? AND `+kind+` AND seq <=
					(SELECT seq FROM request_log WHERE directory_id = ? AND `+kind+` ORDER BY seq DESC LIMIT 1 OFFSET ?)`, d, d, keep); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

const requestColumns = `seq, org_id, directory_id, time, method, path, status, duration_us, user_agent, error, reason, warning`

func scanRequest(sc rowScanner) (roster.Request, error) {
	var r roster.Request
	var at, dur int64
	err := sc.Scan(&r.Seq, &r.OrgID, &r.DirectoryID, &at, &r.Method, &r.Path, &r.Status, &dur, &r.UserAgent, &r.Error, &r.Reason, &r.Warning)
	r.Time, r.Duration = fromMicros(at), time.Duration(dur)*time.Microsecond
	return r, err
}

// ListRequests implements roster.Store.
func (s *Store) ListRequests(ctx context.Context, orgID, dirID string, failedOnly bool, limit int) ([]roster.Request, error) {
	failed := ""
	if failedOnly {
		failed = " AND status >= 400"
	}
	var out []roster.Request
	_, err := s.readRows(ctx, `SELECT `+requestColumns+` FROM request_log WHERE directory_id = ? AND org_id = ?`+failed+` ORDER BY seq DESC LIMIT ?`,
		[]any{dirID, orgID, limit}, func(sc rowScanner) (int64, error) {
			r, err := scanRequest(sc)
			out = append(out, r)
			return r.Seq, err
		})
	return out, err
}

// GetRequestStats implements roster.Store. The counts and the latest
// request are read in one snapshot: read apart, a flush of the log between
// them showed a page whose last request had failed beside no requests at
// all (a CI run of TestConsoleEndToEnd caught it).
func (s *Store) GetRequestStats(ctx context.Context, orgID, dirID string, since time.Time) (*roster.RequestStats, error) {
	var st *roster.RequestStats
	err := s.inRead(ctx, func(t *tx) error {
		st = &roster.RequestStats{}
		var first sql.NullInt64
		err := t.queryRow(ctx, `SELECT COALESCE(SUM(c.requests), 0), COALESCE(SUM(c.errors), 0), COALESCE(SUM(c.rejected), 0),
			(SELECT d.first_request FROM directories d WHERE d.id = ? AND d.org_id = ?) FROM request_counts c
			WHERE c.directory_id = ? AND c.org_id = ? AND c.hour >= ?`, dirID, orgID, dirID, orgID, hourOf(since)).Scan(&st.Total, &st.Errors, &st.Rejected, &first)
		if err != nil {
			return err
		}
		if first.Valid {
			st.First = fromMicros(first.Int64)
		}
		last, err := scanRequest(t.queryRow(ctx, `SELECT `+requestColumns+` FROM request_log WHERE directory_id = ? AND org_id = ? ORDER BY seq DESC LIMIT 1`, dirID, orgID))
		switch {
		case err == nil:
			st.Last = &last
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return st, nil
}

// ListRequestCounts implements roster.Store.
func (s *Store) ListRequestCounts(ctx context.Context, orgID, dirID string, since time.Time) ([]roster.RequestCount, error) {
	var out []roster.RequestCount
	_, err := s.readRows(ctx, `SELECT hour, requests, errors, rejected FROM request_counts WHERE directory_id = ? AND org_id = ? AND hour >= ? ORDER BY hour`,
		[]any{dirID, orgID, hourOf(since)}, func(sc rowScanner) (int64, error) {
			var c roster.RequestCount
			var hour int64
			err := sc.Scan(&hour, &c.Requests, &c.Errors, &c.Rejected)
			c.Hour = fromMicros(hour * microsPerHour)
			out = append(out, c)
			return 0, err
		})
	return out, err
}
