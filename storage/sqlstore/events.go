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
	if !f.Since.IsZero() {
		where, args = append(where, "time >= ?"), append(args, micros(f.Since))
	}
	if !f.Until.IsZero() {
		where, args = append(where, "time < ?"), append(args, micros(f.Until))
	}
	if in := f.Involving; in != nil {
		// Someone with no IDs and no actors is involved in nothing.
		where = append(where, "("+s.d.InJSON("resource_id")+" OR "+s.d.InJSON("actor")+")")
		args = append(args, jsonList(in.ResourceIDs), jsonList(in.Actors))
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
