package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/rosterhq/roster"
)

// CreateOrg implements roster.Store.
func (s *Store) CreateOrg(ctx context.Context, o *roster.Org) error {
	o.ID, o.Created = newID(), s.clock()
	return s.inTx(ctx, func(t *tx) error {
		if _, err := t.exec(ctx, `INSERT INTO orgs (id, name, created) VALUES (?, ?, ?)`, o.ID, o.Name, micros(o.Created)); err != nil {
			return err
		}
		return s.appendEvent(ctx, t, roster.Event{OrgID: o.ID, Action: "org.created", ResourceType: "Org", ResourceID: o.ID, Detail: detail("name", o.Name)})
	})
}

// GetOrg implements roster.Store.
func (s *Store) GetOrg(ctx context.Context, orgID string) (*roster.Org, error) {
	var o roster.Org
	var created int64
	err := s.readRow(ctx, `SELECT id, name, created FROM orgs WHERE id = ?`, orgID).Scan(&o.ID, &o.Name, &created)
	if err != nil {
		return nil, notFound(err, "no organization %q", orgID)
	}
	o.Created = fromMicros(created)
	return &o, nil
}

// ListOrgs implements roster.Store.
func (s *Store) ListOrgs(ctx context.Context) ([]roster.Org, error) {
	var out []roster.Org
	err := s.inRead(ctx, func(t *tx) error {
		rows, err := t.query(ctx, `SELECT id, name, created FROM orgs ORDER BY created, id`)
		if err != nil {
			return err
		}
		out, err = scanAll(rows, func(sc rowScanner) (roster.Org, error) {
			var o roster.Org
			var created int64
			err := sc.Scan(&o.ID, &o.Name, &created)
			o.Created = fromMicros(created)
			return o, err
		})
		return err
	})
	return out, err
}

// CreateDirectory implements roster.Store.
func (s *Store) CreateDirectory(ctx context.Context, d *roster.Directory, first *roster.Token) error {
	d.ID, d.Created = newID(), s.clock()
	return s.inTx(ctx, func(t *tx) error {
		if err := s.checkDirectoryName(ctx, t, d.OrgID, "", d.Name); err != nil {
			return err
		}
		if _, err := t.exec(ctx, `INSERT INTO directories (id, org_id, name, created, strict) VALUES (?, ?, ?, ?, ?)`,
			d.ID, d.OrgID, d.Name, micros(d.Created), d.Strict); err != nil {
			return err
		}
		if err := s.appendEvent(ctx, t, roster.Event{OrgID: d.OrgID, DirectoryID: d.ID, Action: "directory.created",
			ResourceType: "Directory", ResourceID: d.ID, Detail: detail("name", d.Name)}); err != nil {
			return err
		}
		first.OrgID, first.DirectoryID = d.OrgID, d.ID
		return s.insertToken(ctx, t, first)
	})
}

// GetDirectory implements roster.Store.
func (s *Store) GetDirectory(ctx context.Context, orgID, dirID string) (*roster.Directory, error) {
	var d roster.Directory
	var created int64
	err := s.readRow(ctx, `SELECT id, org_id, name, created, strict FROM directories WHERE org_id = ? AND id = ?`, orgID, dirID).
		Scan(&d.ID, &d.OrgID, &d.Name, &created, &d.Strict)
	if err != nil {
		return nil, notFound(err, "no directory %q in organization %q", dirID, orgID)
	}
	d.Created = fromMicros(created)
	return &d, nil
}

// FindDirectory implements roster.Store.
func (s *Store) FindDirectory(ctx context.Context, dirID string) (*roster.Directory, error) {
	var d roster.Directory
	var created int64
	err := s.readRow(ctx, `SELECT id, org_id, name, created, strict FROM directories WHERE id = ?`, dirID).Scan(&d.ID, &d.OrgID, &d.Name, &created, &d.Strict)
	if err != nil {
		return nil, notFound(err, "no directory %q", dirID)
	}
	d.Created = fromMicros(created)
	return &d, nil
}

// ListDirectories implements roster.Store.
func (s *Store) ListDirectories(ctx context.Context, orgID string) ([]roster.Directory, error) {
	var out []roster.Directory
	err := s.inRead(ctx, func(t *tx) error {
		rows, err := t.query(ctx, `SELECT id, org_id, name, created, strict FROM directories WHERE org_id = ? ORDER BY created, id`, orgID)
		if err != nil {
			return err
		}
		out, err = scanAll(rows, func(sc rowScanner) (roster.Directory, error) {
			var d roster.Directory
			var created int64
			err := sc.Scan(&d.ID, &d.OrgID, &d.Name, &created, &d.Strict)
			d.Created = fromMicros(created)
			return d, err
		})
		return err
	})
	return out, err
}

// UpdateDirectory implements roster.Store. The change is an audited event
// (directory.updated) in the same transaction.
func (s *Store) UpdateDirectory(ctx context.Context, orgID, dirID string, update func(*roster.Directory) error) (*roster.Directory, error) {
	var d roster.Directory
	defer s.authChanged() // nodes remember directories' settings by the generation too
	err := s.inTx(ctx, func(t *tx) error {
		var created int64
		err := t.queryRow(ctx, `SELECT id, org_id, name, created, strict FROM directories WHERE org_id = ? AND id = ?`+s.d.ForUpdate, orgID, dirID).
			Scan(&d.ID, &d.OrgID, &d.Name, &created, &d.Strict)
		if err != nil {
			return notFound(err, "no directory %q in organization %q", dirID, orgID)
		}
		d.Created = fromMicros(created)
		if err := update(&d); err != nil {
			return err
		}
		d.ID, d.OrgID, d.Created = dirID, orgID, fromMicros(created)
		if _, err := t.exec(ctx, `UPDATE directories SET name = ?, strict = ? WHERE org_id = ? AND id = ?`, d.Name, d.Strict, orgID, dirID); err != nil {
			return err
		}
		if err := s.bumpAuthGeneration(ctx, t); err != nil {
			return err
		}
		return s.appendEvent(ctx, t, roster.Event{OrgID: orgID, DirectoryID: dirID, Action: "directory.updated",
			ResourceType: "Directory", ResourceID: dirID, Detail: detail("strict", d.Strict)})
	})
	if err != nil {
		return nil, err
	}
	return &d, nil
}

// CreateToken implements roster.Store.
func (s *Store) CreateToken(ctx context.Context, tok *roster.Token) error {
	return s.inTx(ctx, func(t *tx) error {
		if err := s.checkDirectory(ctx, t, tok.OrgID, tok.DirectoryID); err != nil {
			return err
		}
		return s.insertToken(ctx, t, tok)
	})
}

// checkDirectory says whether the directory exists in the organization.
// It also locks the directory's row (FOR KEY SHARE) until the transaction
// ends, which every provisioning write does first: DeleteDirectory locks
// the row FOR UPDATE before it touches anything, so a deletion waits for
// the writes under way and the writes that come after it find no
// directory (not found), and the two never take each other's row locks in
// opposite orders (the deadlocks of deleting a directory while its
// identity provider provisions). Writes to one directory share the lock
// and do not wait for each other.
func (s *Store) checkDirectory(ctx context.Context, t *tx, orgID, dirID string) error {
	var one int
	err := t.queryRow(ctx, `SELECT 1 FROM directories WHERE org_id = ? AND id = ?`+s.d.ForKeyShare, orgID, dirID).Scan(&one)
	return directoryFound(err, orgID, dirID)
}

// directoryFound is the error of a read of a directory's row: not found
// when there was none.
func directoryFound(err error, orgID, dirID string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return roster.NotFoundf("no directory %q in organization %q", dirID, orgID)
	}
	return err
}

// lockScope is checkDirectory and lockAccess of a provisioning write, in
// that order, in one statement where the database has row locks: the
// directory's row shared (its deletion waits), then the organization's,
// shared or, when exclusive, for update. On PostgreSQL every round trip
// is a statement's worth of work on both sides: these were two of a
// member add's eleven.
func (s *Store) lockScope(ctx context.Context, t *tx, scope roster.DirectoryScope, exclusive bool) error {
	if s.d.ForKeyShare == "" {
		if err := s.checkDirectory(ctx, t, scope.OrgID, scope.DirectoryID); err != nil {
			return err
		}
		return s.lockAccess(ctx, t, scope.OrgID, exclusive) // no statement where there are no row locks
	}
	org := s.d.ForKeyShare
	if exclusive {
		org = s.d.ForUpdate
	}
	var one int
	err := t.queryRow(ctx, `SELECT 1 FROM directories d JOIN orgs o ON o.id = d.org_id WHERE d.org_id = ? AND d.id = ?`+s.d.ForKeyShare+` OF d`+org+` OF o`,
		scope.OrgID, scope.DirectoryID).Scan(&one)
	return directoryFound(err, scope.OrgID, scope.DirectoryID)
}

func (s *Store) insertToken(ctx context.Context, t *tx, tok *roster.Token) error {
	tok.ID, tok.Created = newID(), s.clock()
	if tok.Name == "" {
		tok.Name = "default"
	}
	_, err := t.exec(ctx, `INSERT INTO tokens (id, org_id, directory_id, name, prefix, hash, created, expires, revoked, last_used)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, 0)`,
		tok.ID, tok.OrgID, tok.DirectoryID, tok.Name, tok.Prefix, tok.Hash, micros(tok.Created), micros(tok.Expires))
	if err != nil {
		return err
	}
	return s.appendEvent(ctx, t, roster.Event{OrgID: tok.OrgID, DirectoryID: tok.DirectoryID, Action: "token.created",
		ResourceType: "Token", ResourceID: tok.ID, Detail: detail("name", tok.Name, "prefix", tok.Prefix, "expires", timeOrNever(tok.Expires))})
}

const tokenColumns = `id, org_id, directory_id, name, prefix, hash, created, expires, revoked, last_used, replaced_by`

func scanToken(sc rowScanner) (roster.Token, error) {
	var tok roster.Token
	var created, expires, revoked, lastUsed int64
	err := sc.Scan(&tok.ID, &tok.OrgID, &tok.DirectoryID, &tok.Name, &tok.Prefix, &tok.Hash, &created, &expires, &revoked, &lastUsed, &tok.ReplacedBy)
	tok.Created, tok.Expires, tok.Revoked, tok.LastUsed = fromMicros(created), fromMicros(expires), fromMicros(revoked), fromMicros(lastUsed)
	return tok, err
}

// ListTokens implements roster.Store.
func (s *Store) ListTokens(ctx context.Context, orgID, dirID string) ([]roster.Token, error) {
	return s.tokens(ctx, `SELECT `+tokenColumns+` FROM tokens WHERE org_id = ? AND directory_id = ? ORDER BY created, id`, orgID, dirID)
}

// ListTokensByPrefix implements roster.Store.
func (s *Store) ListTokensByPrefix(ctx context.Context, dirID, prefix string) ([]roster.Token, error) {
	return s.tokens(ctx, `SELECT `+tokenColumns+` FROM tokens WHERE directory_id = ? AND prefix = ?`, dirID, prefix)
}

func (s *Store) tokens(ctx context.Context, query string, args ...any) ([]roster.Token, error) {
	rows, err := s.poolQuery(ctx, s.read, query, args...)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, scanToken)
}

// RotateToken implements roster.Store.
func (s *Store) RotateToken(ctx context.Context, d roster.DirectoryScope, oldID string, oldExpires time.Time, next *roster.Token) error {
	orgID, dirID := d.OrgID, d.DirectoryID
	defer s.authChanged() // the old token's life is shorter now
	return s.inTx(ctx, func(t *tx) error {
		old, err := scanToken(t.queryRow(ctx, `SELECT `+tokenColumns+` FROM tokens WHERE org_id = ? AND directory_id = ? AND id = ?`, orgID, dirID, oldID))
		if err != nil {
			return notFound(err, "no token %q in directory %q", oldID, dirID)
		}
		if old.ReplacedBy != "" {
			return errReplaced(old)
		}
		if old.Status(s.clock()) != roster.TokenActive {
			return roster.Errorf(roster.EConflict, "", "token %s is already %s; create a new token instead of rotating it", old.Prefix, old.Status(s.clock()))
		}
		if old.Expires.IsZero() || oldExpires.Before(old.Expires) {
			old.Expires = oldExpires
		}
		next.OrgID, next.DirectoryID = orgID, dirID
		if next.Name == "" {
			next.Name = old.Name
		}
		if err := s.insertToken(ctx, t, next); err != nil {
			return err
		}
		// Conditional on the token not having a successor yet: of several
		// rotations at once, on any node, exactly one changes the row; under
		// PostgreSQL's READ COMMITTED the others wait for its lock, then see
		// replaced_by set and change nothing.
		res, err := t.exec(ctx, `UPDATE tokens SET expires = ?, replaced_by = ? WHERE id = ? AND replaced_by = '' AND revoked = 0`,
			micros(old.Expires), next.ID, old.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errReplaced(old)
		}
		if err := s.bumpAuthGeneration(ctx, t); err != nil {
			return err
		}
		return s.appendEvent(ctx, t, roster.Event{OrgID: orgID, DirectoryID: dirID, Action: "token.rotated", ResourceType: "Token",
			ResourceID: old.ID, Detail: detail("prefix", old.Prefix, "expires", timeOrNever(old.Expires), "replacedBy", next.Prefix)})
	})
}

// errReplaced refuses a second rotation of a token.
func errReplaced(old roster.Token) error {
	return roster.E(roster.ReasonTokenReplaced, "token %s was rotated already; rotate its successor, or revoke it", old.Prefix)
}

// RevokeToken implements roster.Store.
func (s *Store) RevokeToken(ctx context.Context, d roster.DirectoryScope, tokenID string) error {
	orgID, dirID := d.OrgID, d.DirectoryID
	defer s.authChanged()
	return s.inTx(ctx, func(t *tx) error {
		res, err := t.exec(ctx, `UPDATE tokens SET revoked = ? WHERE org_id = ? AND directory_id = ? AND id = ? AND revoked = 0`,
			micros(s.clock()), orgID, dirID, tokenID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return roster.NotFoundf("no unrevoked token %q in directory %q", tokenID, dirID)
		}
		if err := s.bumpAuthGeneration(ctx, t); err != nil {
			return err
		}
		return s.appendEvent(ctx, t, roster.Event{OrgID: orgID, DirectoryID: dirID, Action: "token.revoked", ResourceType: "Token", ResourceID: tokenID})
	})
}

// CreateTokenExpiryEvents implements roster.Store. On PostgreSQL a node
// that runs it at the same time as another waits for the other's row
// locks, then finds expiry_warned set and skips those tokens.
func (s *Store) CreateTokenExpiryEvents(ctx context.Context, now time.Time, days, limit int) (int, error) {
	var n int
	err := s.inTx(ctx, func(t *tx) error {
		n = 0
		rows, err := t.query(ctx, `UPDATE tokens SET expiry_warned = ? WHERE id IN (SELECT id FROM tokens
				WHERE expires > ? AND expires <= ? AND revoked = 0 AND replaced_by = '' AND (expiry_warned = 0 OR expiry_warned > ?)
				ORDER BY expires LIMIT ?)
			AND (expiry_warned = 0 OR expiry_warned > ?)
			RETURNING id, org_id, directory_id, name, expires`,
			days, micros(now), micros(now.Add(time.Duration(days)*24*time.Hour)), days, limit, days)
		if err != nil {
			return err
		}
		events, err := scanAll(rows, func(sc rowScanner) (roster.Event, error) {
			var d roster.TokenExpiringData
			var orgID string
			var expires int64
			if err := sc.Scan(&d.TokenID, &orgID, &d.DirectoryID, &d.TokenName, &expires); err != nil {
				return roster.Event{}, err
			}
			d.Expires, d.DaysLeft = fromMicros(expires), days
			return roster.Event{OrgID: orgID, DirectoryID: d.DirectoryID, Action: roster.EventTokenExpiring, ResourceType: "Token",
				ResourceID: d.TokenID, Detail: detail("name", d.TokenName, "expires", d.Expires.Format(time.RFC3339), "days", days), Data: roster.MarshalData(d)}, nil
		})
		if err != nil || len(events) == 0 {
			return err
		}
		n = len(events)
		return s.appendEvents(ctx, t, events)
	})
	return n, err
}

// TouchToken implements roster.Store. It is not audited: it records use,
// not a change.
func (s *Store) TouchToken(ctx context.Context, dirID, tokenID string, at time.Time) error {
	return s.inTx(ctx, func(t *tx) error {
		_, err := t.exec(ctx, `UPDATE tokens SET last_used = ? WHERE directory_id = ? AND id = ? AND last_used < ?`,
			micros(at), dirID, tokenID, micros(at))
		return err
	})
}

// readRow runs a single-row query on the reader pool through the statement
// cache. A single statement sees one snapshot; no transaction is needed.
func (s *Store) readRow(ctx context.Context, query string, args ...any) rowScanner {
	if !s.d.CacheStatements {
		return s.read.QueryRowContext(ctx, s.rebind(query), args...)
	}
	st, err := s.prepare(ctx, s.read, query)
	if err != nil {
		return errRow{err}
	}
	return st.QueryRowContext(ctx, args...)
}

type rowScanner interface{ Scan(...any) error }

type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

// detail builds an event detail object from key/value pairs.
func detail(kv ...any) string {
	m := make(map[string]any, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	b, _ := json.Marshal(m)
	return string(b)
}

func timeOrNever(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.UTC().Format(time.RFC3339)
}

// DeleteDirectory implements roster.Store. The directory's users and
// groups go with it; local groups that had them as members are recounted.
func (s *Store) DeleteDirectory(ctx context.Context, orgID, dirID string) (int, int, error) {
	var users, groups int
	defer s.authChanged() // its tokens are gone
	err := s.inTx(ctx, func(t *tx) error {
		// The directory's row first, FOR UPDATE: provisioning writes lock
		// it (FOR KEY SHARE) before anything else, so the deletion waits
		// for those under way, and later ones find no directory; locks
		// are taken in one order, so the two cannot deadlock (see
		// checkDirectory). One transaction rather than batches: an
		// acknowledged deletion must leave nothing of the directory.
		var one int
		err := t.queryRow(ctx, `SELECT 1 FROM directories WHERE org_id = ? AND id = ?`+s.d.ForUpdate, orgID, dirID).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return roster.NotFoundf("no directory %q in organization %q", dirID, orgID)
		}
		if err != nil {
			return err
		}
		if err := s.lockAccess(ctx, t, orgID, true); err != nil {
			return err
		}
		// Its users lose all access, and users elsewhere what its groups
		// gave them: all found before the rows go, set-based.
		access := newAccessChange(orgID, roster.AccessCauseDirectoryDeletion)
		if err := access.insert(ctx, t, `INSERT INTO access_scope (change_id, user_id) SELECT ?, id FROM users WHERE org_id = ? AND directory_id = ?
			ON CONFLICT DO NOTHING`, access.id, orgID, dirID); err != nil {
			return err
		}
		if err := access.addUnder(ctx, t, `SELECT id FROM groups WHERE org_id = ? AND directory_id = ?`, orgID, dirID); err != nil {
			return err
		}
		if err := t.queryRow(ctx, `SELECT COUNT(*) FROM users WHERE org_id = ? AND directory_id = ?`, orgID, dirID).Scan(&users); err != nil {
			return err
		}
		if err := t.queryRow(ctx, `SELECT COUNT(*) FROM groups WHERE org_id = ? AND directory_id = ?`, orgID, dirID).Scan(&groups); err != nil {
			return err
		}
		// Every membership ends with its event, as when one user or group
		// is deleted: read before the rows go, page by page.
		if err := s.directoryDeletionEvents(ctx, t, orgID, dirID); err != nil {
			return err
		}
		// Local groups lose the directory's members: bump their version so
		// cached ETags go stale, then drop the rows.
		members := `SELECT id FROM users WHERE org_id = ? AND directory_id = ? UNION ALL SELECT id FROM groups WHERE org_id = ? AND directory_id = ?`
		if _, err := t.exec(ctx, `UPDATE groups SET version = version + 1, modified = ? WHERE org_id = ? AND directory_id IS NULL AND id IN
			(SELECT m.group_id FROM group_members m WHERE m.member_id IN (`+members+`))`,
			micros(s.clock()), orgID, orgID, dirID, orgID, dirID); err != nil {
			return err
		}
		if _, err := t.exec(ctx, `DELETE FROM group_members WHERE member_id IN (`+members+`)`, orgID, dirID, orgID, dirID); err != nil {
			return err
		}
		for _, q := range []string{
			`DELETE FROM group_members WHERE group_id IN (SELECT id FROM groups WHERE org_id = ? AND directory_id = ?)`,
			`DELETE FROM grants WHERE group_id IN (SELECT id FROM groups WHERE org_id = ? AND directory_id = ?)`,
			`DELETE FROM default_groups WHERE group_id IN (SELECT id FROM groups WHERE org_id = ? AND directory_id = ?)`,
		} {
			if _, err := t.exec(ctx, q, orgID, dirID); err != nil {
				return err
			}
		}
		// Before the users' rows go: the revocations' payloads read them.
		if err := access.finish(ctx, t); err != nil {
			return err
		}
		if err := s.deletedDirectoryEvents(ctx, t, orgID, dirID); err != nil {
			return err
		}
		for _, q := range []string{
			`DELETE FROM users WHERE org_id = ? AND directory_id = ?`,
			`DELETE FROM groups WHERE org_id = ? AND directory_id = ?`,
			`DELETE FROM tokens WHERE org_id = ? AND directory_id = ?`,
			`UPDATE domains SET directory_id = NULL WHERE org_id = ? AND directory_id = ?`,
			`DELETE FROM directory_counts WHERE directory_id IN (SELECT id FROM directories WHERE org_id = ? AND id = ?)`,
			`DELETE FROM request_log WHERE org_id = ? AND directory_id = ?`,
			`DELETE FROM request_counts WHERE org_id = ? AND directory_id = ?`,
			`DELETE FROM deleted_resources WHERE org_id = ? AND directory_id = ?`,
			`DELETE FROM deletion_policies WHERE org_id = ? AND directory_id = ?`,
			`DELETE FROM directories WHERE org_id = ? AND id = ?`,
		} {
			if _, err := t.exec(ctx, q, orgID, dirID); err != nil {
				return err
			}
		}
		if _, err := t.exec(ctx, `UPDATE groups SET member_count = (SELECT COUNT(*) FROM group_members m WHERE m.group_id = groups.id)
			WHERE org_id = ? AND directory_id IS NULL`, orgID); err != nil {
			return err
		}
		if err := s.bumpAuthGeneration(ctx, t); err != nil {
			return err
		}
		return s.appendEvent(ctx, t, roster.Event{OrgID: orgID, DirectoryID: dirID, Action: "directory.deleted", ResourceType: "Directory", ResourceID: dirID,
			Detail: detail("users", users, "groups", groups)})
	})
	return users, groups, err
}
