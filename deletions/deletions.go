// Package deletions holds the rules of deletion you can undo: a
// directory's deletion policy (how long a deleted user or group stays
// restorable, what counts as a mass deletion), listing and restoring
// deleted users and groups, telling a mass deletion, and the purge job
// that removes them for good after the window. The console, the admin API
// and the command line call it; `roster serve` runs the purge job.
//
// It depends on the root package roster only.
package deletions

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/rosterhq/roster"
)

// Store is what the rules need of a roster.Store.
type Store interface {
	roster.Deletions
	ListUsers(ctx context.Context, t roster.DirectoryScope, q roster.Query) (*roster.Page[roster.User], error)
}

// MaxRestore bounds how many resources one restore takes.
const MaxRestore = 10000

// Service applies the rules; its fields are its dependencies.
type Service struct {
	Store Store
	Now   func() time.Time // time.Now when nil
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// ParseRetention reads a retention window: "30d", "12h", "90m" or "0"
// (purge at once). time.ParseDuration knows no days, which is the unit
// people think of retention in; days are handled here, the rest by it.
func ParseRetention(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	bad := roster.Invalidf("", "retention %q: give a duration such as 30d, 12h or 0 (purge at once), at most %d days", s, int(roster.MaxRetention/(24*time.Hour)))
	var d time.Duration
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 0 || n > int(roster.MaxRetention/(24*time.Hour)) {
			return 0, bad
		}
		d = time.Duration(n) * 24 * time.Hour
	} else if s == "0" {
		d = 0
	} else {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			return 0, bad
		}
	}
	if d < 0 || d > roster.MaxRetention || (d > 0 && d < time.Minute) {
		return 0, bad
	}
	return d.Truncate(time.Second), nil
}

// FormatRetention writes a retention the way ParseRetention reads it.
func FormatRetention(d time.Duration) string {
	switch {
	case d == 0:
		return "0"
	case d%(24*time.Hour) == 0:
		return strconv.Itoa(int(d/(24*time.Hour))) + "d"
	}
	return d.String()
}

// ParsePercent reads a mass-deletion threshold, "10%" or "10": 1 to 100.
func ParsePercent(s string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(s), "%"))
	if err != nil || n < 1 || n > 100 {
		return 0, roster.Invalidf("", "mass-deletion threshold %q: give a percentage of the directory's users from 1%% to 100%%, such as 10%%", s)
	}
	return n, nil
}

// PolicyChange is a change to a directory's policy; nil fields stay.
type PolicyChange struct {
	Retention   *time.Duration
	MassPercent *int
	MassMinimum *int
}

// Policy returns the directory's deletion policy.
func (s *Service) Policy(ctx context.Context, t roster.DirectoryScope) (*roster.DeletionPolicy, error) {
	return s.Store.GetDeletionPolicy(ctx, t)
}

// SetPolicy changes the directory's deletion policy.
func (s *Service) SetPolicy(ctx context.Context, t roster.DirectoryScope, c PolicyChange) (*roster.DeletionPolicy, error) {
	p, err := s.Store.GetDeletionPolicy(ctx, t)
	if err != nil {
		return nil, err
	}
	if c.Retention != nil {
		if *c.Retention < 0 || *c.Retention > roster.MaxRetention {
			return nil, roster.Invalidf("", "retention must be from 0 (purge at once) to %d days", int(roster.MaxRetention/(24*time.Hour)))
		}
		p.Retention = c.Retention.Truncate(time.Second)
	}
	if c.MassPercent != nil {
		if *c.MassPercent < 1 || *c.MassPercent > 100 {
			return nil, roster.Invalidf("", "the mass-deletion threshold must be from 1%% to 100%% of the directory's users")
		}
		p.MassPercent = *c.MassPercent
	}
	if c.MassMinimum != nil {
		if *c.MassMinimum < 1 || *c.MassMinimum > 1000000 {
			return nil, roster.Invalidf("", "the mass-deletion minimum must be from 1 to 1000000 users")
		}
		p.MassMinimum = *c.MassMinimum
	}
	if err := s.Store.UpdateDeletionPolicy(ctx, p); err != nil {
		return nil, err
	}
	return p, nil
}

// ParseType reads a resource type as surfaces take it: "users", "groups",
// "User", "Group" or "" for both.
func ParseType(s string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "":
		return "", nil
	case "user", "users":
		return roster.MemberUser, nil
	case "group", "groups":
		return roster.MemberGroup, nil
	}
	return "", roster.Invalidf("", "type %q: give users or groups", s)
}

// List returns the directory's restorable users and groups of type typ
// (see ParseType), newest deletion first, at most limit (1 to MaxRestore).
func (s *Service) List(ctx context.Context, t roster.DirectoryScope, typ string, limit int) ([]roster.DeletedResource, error) {
	kind, err := ParseType(typ)
	if err != nil {
		return nil, err
	}
	if limit < 1 || limit > MaxRestore {
		limit = MaxRestore
	}
	return s.Store.ListDeletedResources(ctx, t, roster.DeletedFilter{Type: kind}, limit)
}

// Outcome is what restoring one resource did.
type Outcome struct {
	ID   string `json:"id"`
	Type string `json:"type,omitempty"`
	Name string `json:"name,omitempty"`
	// Reason and Error say why it was not restored ("" when it was):
	// restore_clash when the identity provider has since created the
	// name, not_found when it is not (or no longer) restorable.
	Reason roster.Reason `json:"reason,omitempty"`
	Error  string        `json:"error,omitempty"`
	// Err is the error itself, for a surface that restored one resource
	// and reports its failure as the error it is.
	Err error `json:"-"`
}

// Restored is the outcome of a restore.
type Restored struct {
	Restored int       `json:"restored"`
	Failed   int       `json:"failed"`
	Outcomes []Outcome `json:"outcomes"`
}

// Restore restores the given deleted users and groups of the directory,
// each in its own transaction: one that cannot be restored (its name taken
// since, or no longer restorable) is reported and changes nothing, and the
// others are restored. Groups go first, so that a user deleted together
// with its group gets its membership back. Only a failure of the store
// itself is an error.
func (s *Service) Restore(ctx context.Context, t roster.DirectoryScope, ids []string) (*Restored, error) {
	ids = unique(ids)
	if len(ids) == 0 {
		return nil, roster.Invalidf("", "name at least one deleted user or group to restore")
	}
	if len(ids) > MaxRestore {
		return nil, roster.E(roster.ReasonTooMany, "at most %d resources can be restored at once, not %d", MaxRestore, len(ids))
	}
	groups, err := s.Store.ListDeletedResources(ctx, t, roster.DeletedFilter{Type: roster.MemberGroup}, MaxRestore)
	if err != nil {
		return nil, err
	}
	isGroup := map[string]bool{}
	for _, g := range groups {
		isGroup[g.ID] = true
	}
	ordered := make([]string, 0, len(ids))
	for _, pass := range []bool{true, false} {
		for _, id := range ids {
			if isGroup[id] == pass {
				ordered = append(ordered, id)
			}
		}
	}
	out := &Restored{Outcomes: []Outcome{}}
	for _, id := range ordered {
		r, err := s.Store.RestoreDeletedResource(ctx, t, id)
		switch reason := roster.ReasonOf(err); {
		case err == nil:
			out.Restored++
			out.Outcomes = append(out.Outcomes, Outcome{ID: id, Type: r.Type, Name: r.Name})
		case reason == roster.ReasonRestoreClash, reason == roster.ReasonDomainNotLinked, roster.ErrorCodeOf(err) == roster.ENotFound:
			out.Failed++
			out.Outcomes = append(out.Outcomes, Outcome{ID: id, Reason: reason, Error: roster.AsError(err).Detail, Err: err})
		default:
			return nil, err
		}
	}
	return out, nil
}

// RestoreSince restores every user and group of the directory deleted at
// or after since: the one-click undo of a mass deletion.
func (s *Service) RestoreSince(ctx context.Context, t roster.DirectoryScope, since time.Time) (*Restored, error) {
	if since.IsZero() {
		return nil, roster.Invalidf("", "say since when deletions are to be undone")
	}
	list, err := s.Store.ListDeletedResources(ctx, t, roster.DeletedFilter{Since: since}, MaxRestore)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return &Restored{Outcomes: []Outcome{}}, nil
	}
	ids := make([]string, len(list))
	for i, r := range list {
		ids[i] = r.ID
	}
	return s.Restore(ctx, t, ids)
}

// MassDeletion is a directory's recent deletions measured against its
// policy's threshold.
type MassDeletion struct {
	Since     time.Time `json:"since"`     // the start of the window
	Deleted   int       `json:"deleted"`   // users deleted since then, still restorable
	Users     int       `json:"users"`     // users the directory had before: those left and those deleted
	Threshold int       `json:"threshold"` // more deletions than this is a mass deletion
	Warning   bool      `json:"warning"`
}

// Mass measures the directory's deletions of the last roster.MassWindow:
// more than MassPercent percent of its users, and at least MassMinimum,
// is a mass deletion, which the console shows with a one-click restore.
func (s *Service) Mass(ctx context.Context, t roster.DirectoryScope) (*MassDeletion, error) {
	p, err := s.Store.GetDeletionPolicy(ctx, t)
	if err != nil {
		return nil, err
	}
	since := s.now().Add(-roster.MassWindow)
	deleted, err := s.Store.CountDeletedResources(ctx, t, roster.DeletedFilter{Type: roster.MemberUser, Since: since})
	if err != nil {
		return nil, err
	}
	m := &MassDeletion{Since: since, Deleted: deleted}
	if deleted == 0 {
		return m, nil
	}
	left, err := s.Store.ListUsers(ctx, t, roster.Query{}) // Count 0: the total only, from the directory's counters
	if err != nil {
		return nil, err
	}
	m.Users = left.Total + deleted
	m.Threshold = m.Users * p.MassPercent / 100
	m.Warning = deleted > m.Threshold && deleted >= p.MassMinimum
	return m, nil
}

func unique(ids []string) []string {
	seen := map[string]bool{}
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		id = strings.TrimSpace(id)
		if id != "" && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// PurgeStore is what the purge job needs of a roster.Store.
type PurgeStore interface {
	PurgeDeletedResources(ctx context.Context, now time.Time, limit int) (int, error)
}

// PurgeBatch is how many resources one purge transaction removes.
const PurgeBatch = 500

// PurgeDue purges, batch by batch, every deleted resource whose window
// has passed at now, and returns how many it purged. Several nodes may
// run it at once; each resource is purged by one of them.
func PurgeDue(ctx context.Context, st PurgeStore, now time.Time) (int, error) {
	ctx = roster.WithActor(ctx, "system:purge")
	total := 0
	for ctx.Err() == nil {
		n, err := st.PurgeDeletedResources(ctx, now, PurgeBatch)
		total += n
		if err != nil || n < PurgeBatch {
			return total, err
		}
	}
	return total, ctx.Err()
}

// Purge runs PurgeDue every interval until ctx ends (`roster serve` runs
// it on every node).
func Purge(ctx context.Context, st PurgeStore, interval time.Duration, log *slog.Logger) {
	for {
		n, err := PurgeDue(ctx, st, time.Now())
		switch {
		case err != nil && ctx.Err() == nil:
			log.WarnContext(ctx, "purging deleted users and groups", "err", err)
		case n > 0:
			log.InfoContext(ctx, "purged deleted users and groups past their retention", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(interval):
		}
	}
}
