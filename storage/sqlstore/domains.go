package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/rosterhq/roster"
)

const domainColumns = `org_id, name, token, directory_id, status, method, created, verified_at, checked_at, last_error`

func scanDomain(sc rowScanner) (roster.Domain, error) {
	var d roster.Domain
	var dir sql.NullString
	var status string
	var created, verified, checked int64
	err := sc.Scan(&d.OrgID, &d.Name, &d.Token, &dir, &status, &d.Method, &created, &verified, &checked, &d.LastError)
	d.DirectoryID, d.Status = dir.String, roster.DomainStatus(status)
	d.Created, d.VerifiedAt, d.CheckedAt = fromMicros(created), fromMicros(verified), fromMicros(checked)
	return d, err
}

// CreateDomain implements roster.Store.
func (s *Store) CreateDomain(ctx context.Context, d *roster.Domain) error {
	d.Created, d.Status = s.clock(), roster.DomainPending
	return s.inTx(ctx, func(t *tx) error {
		if d.DirectoryID != "" {
			if err := s.checkDirectory(ctx, t, d.OrgID, d.DirectoryID); err != nil {
				return err
			}
		}
		var n int
		if err := t.queryRow(ctx, `SELECT COUNT(*) FROM orgs WHERE id = ?`, d.OrgID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return roster.NotFoundf("no organization %q", d.OrgID)
		}
		_, err := t.exec(ctx, `INSERT INTO domains (`+domainColumns+`) VALUES (?, ?, ?, ?, ?, '', ?, 0, 0, '')`,
			d.OrgID, d.Name, d.Token, nullable(d.DirectoryID), string(d.Status), micros(d.Created))
		if s.d.IsUniqueViolation(err) {
			return roster.Errorf(roster.EConflict, "", "the organization has added %s already", d.Name)
		}
		if err != nil {
			return err
		}
		return s.appendEvent(ctx, t, roster.Event{OrgID: d.OrgID, Action: "domain.added", ResourceType: "Domain", ResourceID: d.Name,
			Detail: detail("directory", d.DirectoryID)})
	})
}

// GetDomain implements roster.Store.
func (s *Store) GetDomain(ctx context.Context, orgID, name string) (*roster.Domain, error) {
	d, err := scanDomain(s.readRow(ctx, `SELECT `+domainColumns+` FROM domains WHERE org_id = ? AND name = ?`, orgID, name))
	if err != nil {
		return nil, notFound(err, "the organization has no domain %s; add it first", name)
	}
	return &d, nil
}

// ListDomains implements roster.Store.
func (s *Store) ListDomains(ctx context.Context, orgID string) ([]roster.Domain, error) {
	return s.domains(ctx, `SELECT `+domainColumns+` FROM domains WHERE org_id = ? ORDER BY name`, orgID)
}

// ListDomainsDue implements roster.Store.
func (s *Store) ListDomainsDue(ctx context.Context, checkedBefore time.Time, limit int) ([]roster.Domain, error) {
	return s.domains(ctx, `SELECT `+domainColumns+` FROM domains WHERE status <> 'pending' AND checked_at < ? ORDER BY checked_at LIMIT ?`,
		micros(checkedBefore), limit)
}

func (s *Store) domains(ctx context.Context, query string, args ...any) ([]roster.Domain, error) {
	var out []roster.Domain
	_, err := s.readRows(ctx, query, args, func(sc rowScanner) (int64, error) {
		d, err := scanDomain(sc)
		out = append(out, d)
		return 0, err
	})
	return out, err
}

// UpdateDomain implements roster.Store.
func (s *Store) UpdateDomain(ctx context.Context, orgID, name string, update func(*roster.Domain) error) (*roster.Domain, error) {
	var out roster.Domain
	err := s.inTx(ctx, func(t *tx) error {
		// A change of status may make the accounts on the domain managed,
		// and join them to default groups: a change of many users'
		// access, so the organization's lock is taken first, exclusive
		// (see lockAccess). Domain changes are rare: an admin's, or the
		// daily re-check.
		if err := s.lockAccess(ctx, t, orgID, true); err != nil {
			return err
		}
		d, err := scanDomain(t.queryRow(ctx, `SELECT `+domainColumns+` FROM domains WHERE org_id = ? AND name = ?`+s.d.ForUpdate, orgID, name))
		if err != nil {
			return notFound(err, "the organization has no domain %s; add it first", name)
		}
		before := d
		if err := update(&d); err != nil {
			return err
		}
		d.OrgID, d.Name, d.Created = before.OrgID, before.Name, before.Created
		if d.DirectoryID != "" && d.DirectoryID != before.DirectoryID {
			if err := s.checkDirectory(ctx, t, orgID, d.DirectoryID); err != nil {
				return err
			}
		}
		_, err = t.exec(ctx, `UPDATE domains SET token = ?, directory_id = ?, status = ?, method = ?, verified_at = ?, checked_at = ?, last_error = ?
			WHERE org_id = ? AND name = ?`,
			d.Token, nullable(d.DirectoryID), string(d.Status), d.Method, micros(d.VerifiedAt), micros(d.CheckedAt), d.LastError, orgID, name)
		if s.d.IsUniqueViolation(err) {
			return roster.Errorf(roster.EConflict, "", "%s is verified by another organization; a domain belongs to one organization", name)
		}
		if err != nil {
			return err
		}
		out = d
		for _, e := range domainEvents(before, d) {
			if err := s.appendEvent(ctx, t, e); err != nil {
				return err
			}
		}
		if was, is := before.Status != roster.DomainPending, d.Status != roster.DomainPending; was != is {
			return s.domainManagedEvents(ctx, t, orgID, name, is)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// domainEvents are the audit events of a domain's change: its status and
// its link, not the routine re-checks that change nothing.
func domainEvents(before, after roster.Domain) []roster.Event {
	e := roster.Event{OrgID: after.OrgID, ResourceType: "Domain", ResourceID: after.Name}
	var out []roster.Event
	if before.Status != after.Status {
		e.Action = "domain." + string(after.Status)
		e.Detail = detail("from", before.Status, "method", after.Method, "error", after.LastError)
		if after.Status == roster.DomainFailing {
			// Once, when a verified domain's re-check first fails: what
			// applications are told (its accounts stay managed meanwhile).
			e.Data = roster.MarshalData(roster.DomainFailingData{Domain: after.Name, Error: after.LastError, CheckedAt: after.CheckedAt.UTC()})
		}
		out = append(out, e)
		e.Data = nil
	}
	if before.DirectoryID != after.DirectoryID {
		e.Action, e.Detail = "domain.linked", detail("directory", after.DirectoryID, "before", before.DirectoryID)
		out = append(out, e)
	}
	return out
}

// DeleteDomain implements roster.Store.
func (s *Store) DeleteDomain(ctx context.Context, orgID, name string) error {
	return s.inTx(ctx, func(t *tx) error {
		if err := s.lockAccess(ctx, t, orgID, true); err != nil { // as UpdateDomain
			return err
		}
		var status string
		err := t.queryRow(ctx, `DELETE FROM domains WHERE org_id = ? AND name = ? RETURNING status`, orgID, name).Scan(&status)
		if err != nil {
			return notFound(err, "the organization has no domain %s", name)
		}
		if err := s.appendEvent(ctx, t, roster.Event{OrgID: orgID, Action: "domain.removed", ResourceType: "Domain", ResourceID: name}); err != nil {
			return err
		}
		if roster.DomainStatus(status) != roster.DomainPending {
			err = s.domainManagedEvents(ctx, t, orgID, name, false)
		}
		return err
	})
}

// domainGate is what an account's domain says about a user being written
// by a directory: whether the organization manages it, and which other
// directory, if any, owns the domain.
type domainGate struct {
	managed   bool
	linkedTo  string // the owning directory's ID, when it is another one
	linkedDir string // and its name
}

func (s *Store) gate(ctx context.Context, t *tx, orgID, dirID, domain string) (domainGate, error) {
	var g domainGate
	if domain == "" {
		return g, nil
	}
	var status string
	var linked, linkedName sql.NullString
	err := t.queryRow(ctx, `SELECT d.status, d.directory_id, dir.name FROM domains d LEFT JOIN directories dir ON dir.id = d.directory_id
		WHERE d.org_id = ? AND d.name = ?`, orgID, domain).Scan(&status, &linked, &linkedName)
	if err == sql.ErrNoRows {
		return g, nil
	}
	if err != nil {
		return g, err
	}
	g.managed = roster.DomainStatus(status) != roster.DomainPending
	if linked.Valid && linked.String != dirID {
		g.linkedTo, g.linkedDir = linked.String, linkedName.String
	}
	return g, nil
}

// refuse is the 409 for a user on a domain linked to another directory.
func (g domainGate) refuse(domain string) error {
	return roster.E(roster.ReasonDomainNotLinked,
		"%s is linked to directory %q (%s): only that directory may provision users on it; provision this user there, or ask the admin to change the link",
		domain, g.linkedDir, g.linkedTo)
}
