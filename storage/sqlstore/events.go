package sqlstore

import (
	"context"
	"strings"

	"github.com/rosterhq/roster"
)

// The audit trail, read back: every change appended its event in its own
// transaction (appendEvent).

// SearchEvents implements roster.Store.
func (s *Store) SearchEvents(ctx context.Context, orgID string, f roster.EventFilter, limit int) ([]roster.Event, error) {
	where := []string{"org_id = ?"}
	args := []any{orgID}
	if f.DirectoryID != "" {
		where, args = append(where, "directory_id = ?"), append(args, f.DirectoryID)
	}
	if f.ResourceID != "" {
		where, args = append(where, "resource_id = ?"), append(args, f.ResourceID)
	}
	if f.Action != "" {
		where, args = append(where, `action LIKE ? ESCAPE '\'`), append(args, escapeLike(f.Action)+"%")
	}
	if f.Actor != "" {
		where, args = append(where, `actor LIKE ? ESCAPE '\'`), append(args, escapeLike(f.Actor)+"%")
	}
	if f.Before > 0 {
		where, args = append(where, "seq < ?"), append(args, f.Before)
	}
	if !f.Since.IsZero() || !f.Until.IsZero() {
		// A date range is read in two steps: the lowest and highest seq of
		// the events in it, from events_time (a read of the range only),
		// then the newest of those by seq from events_org, as every page
		// is. Reading events_time alone would sort the whole range to page
		// it; reading events_org alone would walk back from the newest
		// event to the range. The times are compared again (time + 0: a
		// value, so that the planner keeps to events_org), since clocks of
		// several nodes may put a later seq at an earlier time.
		window, wargs := []string{"org_id = ?"}, []any{orgID}
		var exact []string
		var eargs []any
		if !f.Since.IsZero() {
			window, wargs = append(window, "time >= ?"), append(wargs, micros(f.Since))
			exact, eargs = append(exact, "time + 0 >= ?"), append(eargs, micros(f.Since))
		}
		if !f.Until.IsZero() {
			window, wargs = append(window, "time < ?"), append(wargs, micros(f.Until))
			exact, eargs = append(exact, "time + 0 < ?"), append(eargs, micros(f.Until))
		}
		w := strings.Join(window, " AND ")
		where = append(where, "seq >= (SELECT COALESCE(MIN(seq), 0) FROM events WHERE "+w+")",
			"seq <= (SELECT COALESCE(MAX(seq), 0) FROM events WHERE "+w+")")
		args = append(append(args, wargs...), wargs...)
		where, args = append(where, exact...), append(args, eargs...)
	}
	if in := f.Involving; in != nil {
		// Someone with no IDs and no actors is involved in nothing. Two
		// indexed reads (events_resource, events_actor) rather than one OR,
		// which no index serves.
		where = append(where, `seq IN (SELECT seq FROM events WHERE org_id = ? AND `+s.d.InJSON("resource_id")+
			` UNION ALL SELECT seq FROM events WHERE org_id = ? AND `+s.d.InJSON("actor")+`)`)
		args = append(args, orgID, jsonList(in.ResourceIDs), orgID, jsonList(in.Actors))
	}
	var out []roster.Event
	_, err := s.readRows(ctx, `SELECT seq, org_id, directory_id, time, actor, action, resource_type, resource_id, detail FROM events
		WHERE `+strings.Join(where, " AND ")+` ORDER BY seq DESC LIMIT ?`, append(args, limit), func(sc rowScanner) (int64, error) {
		var e roster.Event
		var at int64
		err := sc.Scan(&e.Seq, &e.OrgID, &e.DirectoryID, &at, &e.Actor, &e.Action, &e.ResourceType, &e.ResourceID, &e.Detail)
		e.Time = fromMicros(at)
		out = append(out, e)
		return e.Seq, err
	})
	return out, err
}
