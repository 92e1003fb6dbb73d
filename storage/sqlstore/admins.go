package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/rosterhq/roster"
)

// Admins and their tokens. Every query names the organization: an admin or
// a token of another organization is not found, never seen.

const adminColumns = `id, org_id, email, password_hash, role, created, last_sign_in`

func scanAdmin(sc rowScanner) (roster.Admin, error) {
	var a roster.Admin
	var created, lastSignIn int64
	var role string
	err := sc.Scan(&a.ID, &a.OrgID, &a.Email, &a.PasswordHash, &role, &created, &lastSignIn)
	a.Role, a.Created, a.LastSignIn = roster.AdminRole(role), fromMicros(created), fromMicros(lastSignIn)
	return a, err
}

// checkAdminEmail refuses what cannot be an admin's address. The console
// and the CLI check the address more closely; this keeps the table clean
// whoever writes to it.
func checkAdminEmail(email string) error {
	local, domain, ok := strings.Cut(email, "@")
	if !ok || local == "" || domain == "" || strings.Contains(domain, "@") || strings.ContainsAny(email, " \t\r\n<>,;") || len(email) > 254 {
		return roster.Errorf(roster.EInvalid, "", "%q is not an email address (name@example.com)", email)
	}
	return nil
}

// checkPasswordHash refuses anything but an argon2id PHC string, so that a
// password can never be stored in the clear by mistake.
func checkPasswordHash(hash string) error {
	if hash != "" && !strings.HasPrefix(hash, "$argon2id$") {
		return roster.Errorf(roster.EInvalid, "", "a password must be stored as an argon2id hash (see package password), never as it is")
	}
	return nil
}

// CreateAdmin implements roster.Store.
func (s *Store) CreateAdmin(ctx context.Context, a *roster.Admin) error {
	a.Email = strings.TrimSpace(a.Email)
	if err := checkAdminEmail(a.Email); err != nil {
		return err
	}
	if err := checkPasswordHash(a.PasswordHash); err != nil {
		return err
	}
	if err := checkRole(&a.Role); err != nil {
		return err
	}
	a.ID, a.Created, a.LastSignIn = newID(), s.clock(), time.Time{}
	return s.inTx(ctx, func(t *tx) error {
		if err := s.lockOrgAdmins(ctx, t, a.OrgID); err != nil {
			return err
		}
		var n int
		if err := t.queryRow(ctx, `SELECT COUNT(*) FROM admins WHERE org_id = ?`, a.OrgID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			a.Role = roster.AdminRoleOwner
		}
		_, err := t.exec(ctx, `INSERT INTO admins (id, org_id, email, email_fold, password_hash, role, created, last_sign_in)
			VALUES (?, ?, ?, ?, ?, ?, ?, 0)`, a.ID, a.OrgID, a.Email, fold(a.Email), a.PasswordHash, string(a.Role), micros(a.Created))
		if s.d.IsUniqueViolation(err) {
			return roster.E(roster.ReasonNameTaken, "the organization has an admin with the email %s already", a.Email)
		}
		if err != nil {
			return err
		}
		return s.appendEvent(ctx, t, roster.Event{OrgID: a.OrgID, Action: "admin.created", ResourceType: "Admin", ResourceID: a.ID,
			Detail: detail("email", a.Email, "password", a.PasswordHash != "", "role", a.Role)})
	})
}

func checkRole(r *roster.AdminRole) error {
	switch *r {
	case "":
		*r = roster.AdminRoleAdmin
	case roster.AdminRoleOwner, roster.AdminRoleAdmin:
	default:
		return roster.Invalidf("", "admin role %q is neither owner nor admin", *r)
	}
	return nil
}

// lockOrgAdmins serializes the changes to an organization's admins that
// count its owners: it locks the organization's row (FOR UPDATE; SQLite
// has one writer anyway), so that two transactions each demoting or
// removing one of two owners cannot both see the other still an owner.
func (s *Store) lockOrgAdmins(ctx context.Context, t *tx, orgID string) error {
	var one int
	err := t.queryRow(ctx, `SELECT 1 FROM orgs WHERE id = ?`+s.d.ForUpdate, orgID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return roster.NotFoundf("no organization %q", orgID)
	}
	return err
}

// checkOwnerRemains fails the transaction when the organization has no
// owner left; lockOrgAdmins was called first.
func checkOwnerRemains(ctx context.Context, t *tx, orgID string) error {
	var n int
	if err := t.queryRow(ctx, `SELECT COUNT(*) FROM admins WHERE org_id = ? AND role = 'owner'`, orgID).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return roster.E(roster.ReasonLastOwner, "the organization must keep at least one owner: make another admin an owner first")
	}
	return nil
}

// ListAdminsByEmail implements roster.Store.
func (s *Store) ListAdminsByEmail(ctx context.Context, email string) ([]roster.Admin, error) {
	var out []roster.Admin
	_, err := s.readRows(ctx, `SELECT a.id, a.org_id, a.email, a.password_hash, a.role, a.created, a.last_sign_in
		FROM admins a JOIN orgs o ON o.id = a.org_id WHERE a.email_fold = ? ORDER BY o.name, o.id`, []any{fold(strings.TrimSpace(email))},
		func(sc rowScanner) (int64, error) {
			a, err := scanAdmin(sc)
			out = append(out, a)
			return 0, err
		})
	return out, err
}

// UpdateAdminRole implements roster.Store.
func (s *Store) UpdateAdminRole(ctx context.Context, orgID, adminID string, role roster.AdminRole) error {
	if err := checkRole(&role); err != nil {
		return err
	}
	return s.inTx(ctx, func(t *tx) error {
		if err := s.lockOrgAdmins(ctx, t, orgID); err != nil {
			return err
		}
		var email, was string
		err := t.queryRow(ctx, `SELECT email, role FROM admins WHERE org_id = ? AND id = ?`, orgID, adminID).Scan(&email, &was)
		if err != nil {
			return notFound(err, "no admin %q in organization %q", adminID, orgID)
		}
		if was == string(role) {
			return nil
		}
		if _, err := t.exec(ctx, `UPDATE admins SET role = ? WHERE org_id = ? AND id = ?`, string(role), orgID, adminID); err != nil {
			return err
		}
		if err := checkOwnerRemains(ctx, t, orgID); err != nil {
			return err
		}
		return s.appendEvent(ctx, t, roster.Event{OrgID: orgID, Action: "admin.role_changed", ResourceType: "Admin", ResourceID: adminID,
			Detail: detail("email", email, "from", was, "to", role)})
	})
}

// DeleteAdmin implements roster.Store.
func (s *Store) DeleteAdmin(ctx context.Context, orgID, adminID string) error {
	defer s.authChanged() // its tokens are gone
	return s.inTx(ctx, func(t *tx) error {
		if err := s.lockOrgAdmins(ctx, t, orgID); err != nil {
			return err
		}
		var email string
		if err := t.queryRow(ctx, `SELECT email FROM admins WHERE org_id = ? AND id = ?`, orgID, adminID).Scan(&email); err != nil {
			return notFound(err, "no admin %q in organization %q", adminID, orgID)
		}
		res, err := t.exec(ctx, `DELETE FROM admin_tokens WHERE org_id = ? AND admin_id = ?`, orgID, adminID)
		if err != nil {
			return err
		}
		tokens, _ := res.RowsAffected()
		if _, err := t.exec(ctx, `DELETE FROM admins WHERE org_id = ? AND id = ?`, orgID, adminID); err != nil {
			return err
		}
		if err := s.bumpAuthGeneration(ctx, t); err != nil {
			return err
		}
		if err := checkOwnerRemains(ctx, t, orgID); err != nil {
			return err
		}
		return s.appendEvent(ctx, t, roster.Event{OrgID: orgID, Action: "admin.removed", ResourceType: "Admin", ResourceID: adminID,
			Detail: detail("email", email, "tokens", tokens)})
	})
}

// GetAdmin implements roster.Store.
func (s *Store) GetAdmin(ctx context.Context, orgID, adminID string) (*roster.Admin, error) {
	a, err := scanAdmin(s.readRow(ctx, `SELECT `+adminColumns+` FROM admins WHERE org_id = ? AND id = ?`, orgID, adminID))
	if err != nil {
		return nil, notFound(err, "no admin %q in organization %q", adminID, orgID)
	}
	return &a, nil
}

// GetAdminByEmail implements roster.Store.
func (s *Store) GetAdminByEmail(ctx context.Context, orgID, email string) (*roster.Admin, error) {
	email = strings.TrimSpace(email)
	a, err := scanAdmin(s.readRow(ctx, `SELECT `+adminColumns+` FROM admins WHERE org_id = ? AND email_fold = ?`, orgID, fold(email)))
	if err != nil {
		return nil, notFound(err, "the organization has no admin with the email %s", email)
	}
	return &a, nil
}

// ListAdmins implements roster.Store: the organization's admins by email.
func (s *Store) ListAdmins(ctx context.Context, orgID string) ([]roster.Admin, error) {
	var out []roster.Admin
	_, err := s.readRows(ctx, `SELECT `+adminColumns+` FROM admins WHERE org_id = ? ORDER BY email_fold, id`, []any{orgID},
		func(sc rowScanner) (int64, error) {
			a, err := scanAdmin(sc)
			out = append(out, a)
			return 0, err
		})
	return out, err
}

// SetAdminPassword implements roster.Store.
func (s *Store) SetAdminPassword(ctx context.Context, orgID, adminID, hash string) error {
	if err := checkPasswordHash(hash); err != nil {
		return err
	}
	action := "admin.password_set"
	if hash == "" {
		action = "admin.password_removed"
	}
	return s.inTx(ctx, func(t *tx) error {
		res, err := t.exec(ctx, `UPDATE admins SET password_hash = ? WHERE org_id = ? AND id = ?`, hash, orgID, adminID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return roster.NotFoundf("no admin %q in organization %q", adminID, orgID)
		}
		return s.appendEvent(ctx, t, roster.Event{OrgID: orgID, Action: action, ResourceType: "Admin", ResourceID: adminID})
	})
}

// RecordAdminSignIn implements roster.Store.
func (s *Store) RecordAdminSignIn(ctx context.Context, orgID, adminID string, at time.Time) error {
	at = at.UTC().Truncate(time.Microsecond)
	return s.inTx(ctx, func(t *tx) error {
		res, err := t.exec(ctx, `UPDATE admins SET last_sign_in = ? WHERE org_id = ? AND id = ?`, micros(at), orgID, adminID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return roster.NotFoundf("no admin %q in organization %q", adminID, orgID)
		}
		return s.appendEvent(ctx, t, roster.Event{OrgID: orgID, Action: "admin.signed_in", ResourceType: "Admin", ResourceID: adminID,
			Detail: detail("at", at.Format(time.RFC3339Nano))})
	})
}

// RecordAdminSignInFailure implements roster.Store.
func (s *Store) RecordAdminSignInFailure(ctx context.Context, orgID, adminID string, at time.Time) error {
	at = at.UTC().Truncate(time.Microsecond)
	return s.inTx(ctx, func(t *tx) error {
		var email string
		if err := t.queryRow(ctx, `SELECT email FROM admins WHERE org_id = ? AND id = ?`, orgID, adminID).Scan(&email); err != nil {
			return notFound(err, "no admin %q in organization %q", adminID, orgID)
		}
		return s.appendEvent(ctx, t, roster.Event{OrgID: orgID, Action: "admin.sign_in_failed", ResourceType: "Admin", ResourceID: adminID,
			Detail: detail("email", email, "at", at.Format(time.RFC3339Nano))})
	})
}

const adminTokenColumns = `id, org_id, admin_id, kind, name, prefix, hash, created, expires, revoked, last_used`

func scanAdminToken(sc rowScanner) (roster.AdminToken, error) {
	var tok roster.AdminToken
	var kind string
	var created, expires, revoked, lastUsed int64
	err := sc.Scan(&tok.ID, &tok.OrgID, &tok.AdminID, &kind, &tok.Name, &tok.Prefix, &tok.Hash, &created, &expires, &revoked, &lastUsed)
	tok.Kind = roster.AdminTokenKind(kind)
	tok.Created, tok.Expires, tok.Revoked, tok.LastUsed = fromMicros(created), fromMicros(expires), fromMicros(revoked), fromMicros(lastUsed)
	return tok, err
}

// CreateAdminToken implements roster.Store. The token's admin must be an
// admin of t.OrgID; t.Name defaults to the kind.
func (s *Store) CreateAdminToken(ctx context.Context, tok *roster.AdminToken) error {
	switch tok.Kind {
	case roster.AdminSignIn, roster.AdminSession, roster.AdminAPI:
	default:
		return roster.Errorf(roster.EInvalid, "", "admin token kind %q is none of signin, session, api", tok.Kind)
	}
	if tok.Prefix == "" || len(tok.Hash) == 0 {
		return roster.Errorf(roster.EInvalid, "", "an admin token needs its prefix and hash (see roster.NewAdminTokenSecret)")
	}
	tok.Name = strings.TrimSpace(tok.Name)
	if tok.Name == "" {
		tok.Name = string(tok.Kind)
	}
	tok.ID, tok.Created, tok.Revoked, tok.LastUsed = newID(), s.clock(), time.Time{}, time.Time{}
	return s.inTx(ctx, func(t *tx) error {
		var n int
		if err := t.queryRow(ctx, `SELECT COUNT(*) FROM admins WHERE org_id = ? AND id = ?`, tok.OrgID, tok.AdminID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return roster.NotFoundf("no admin %q in organization %q", tok.AdminID, tok.OrgID)
		}
		_, err := t.exec(ctx, `INSERT INTO admin_tokens (`+adminTokenColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0)`,
			tok.ID, tok.OrgID, tok.AdminID, string(tok.Kind), tok.Name, tok.Prefix, tok.Hash, micros(tok.Created), micros(tok.Expires))
		if err != nil {
			return err
		}
		return s.appendEvent(ctx, t, roster.Event{OrgID: tok.OrgID, Action: "admin_token.created", ResourceType: "AdminToken", ResourceID: tok.ID,
			Detail: detail("admin", tok.AdminID, "kind", tok.Kind, "name", tok.Name, "prefix", tok.Prefix, "expires", timeOrNever(tok.Expires))})
	})
}

// ListAdminTokensByPrefix implements roster.Store.
func (s *Store) ListAdminTokensByPrefix(ctx context.Context, orgID, prefix string) ([]roster.AdminToken, error) {
	return s.adminTokens(ctx, `SELECT `+adminTokenColumns+` FROM admin_tokens WHERE org_id = ? AND prefix = ?`, orgID, prefix)
}

// ListAdminTokens implements roster.Store: the admin's tokens, oldest first.
func (s *Store) ListAdminTokens(ctx context.Context, orgID, adminID string) ([]roster.AdminToken, error) {
	return s.adminTokens(ctx, `SELECT `+adminTokenColumns+` FROM admin_tokens WHERE org_id = ? AND admin_id = ? ORDER BY created, id`, orgID, adminID)
}

func (s *Store) adminTokens(ctx context.Context, query string, args ...any) ([]roster.AdminToken, error) {
	var out []roster.AdminToken
	_, err := s.readRows(ctx, query, args, func(sc rowScanner) (int64, error) {
		tok, err := scanAdminToken(sc)
		out = append(out, tok)
		return 0, err
	})
	return out, err
}

// RevokeAdminToken implements roster.Store. A token revoked (or spent)
// already is not found, like a missing one.
func (s *Store) RevokeAdminToken(ctx context.Context, orgID, tokenID string) error {
	defer s.authChanged()
	return s.inTx(ctx, func(t *tx) error {
		ok, err := s.endAdminToken(ctx, t, orgID, tokenID, "admin_token.revoked")
		if err == nil && !ok {
			err = roster.NotFoundf("no unrevoked admin token %q in organization %q", tokenID, orgID)
		}
		return err
	})
}

// SpendAdminToken implements roster.Store. The conditional UPDATE is what
// makes a token spendable once: of two concurrent calls, the database lets
// one change the row, and the other finds it revoked (Postgres re-checks
// the condition after waiting for the first's row lock; SQLite has one
// writer).
func (s *Store) SpendAdminToken(ctx context.Context, orgID, tokenID string) (bool, error) {
	var spent bool
	defer s.authChanged()
	err := s.inTx(ctx, func(t *tx) error {
		var err error
		spent, err = s.endAdminToken(ctx, t, orgID, tokenID, "admin_token.spent")
		if err != nil || spent {
			return err
		}
		var n int
		if err := t.queryRow(ctx, `SELECT COUNT(*) FROM admin_tokens WHERE org_id = ? AND id = ?`, orgID, tokenID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return roster.NotFoundf("no admin token %q in organization %q", tokenID, orgID)
		}
		return nil
	})
	return spent && err == nil, err
}

// endAdminToken revokes a token that is not revoked yet and audits it
// under action; false when there was no such token.
func (s *Store) endAdminToken(ctx context.Context, t *tx, orgID, tokenID, action string) (bool, error) {
	res, err := t.exec(ctx, `UPDATE admin_tokens SET revoked = ? WHERE org_id = ? AND id = ? AND revoked = 0`, micros(s.clock()), orgID, tokenID)
	if err != nil {
		return false, err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return false, err
	}
	var adminID, kind, prefix string
	if err := t.queryRow(ctx, `SELECT admin_id, kind, prefix FROM admin_tokens WHERE org_id = ? AND id = ?`, orgID, tokenID).Scan(&adminID, &kind, &prefix); err != nil {
		return false, err
	}
	if err := s.bumpAuthGeneration(ctx, t); err != nil { // nodes cache admin tokens too (package auth)
		return false, err
	}
	return true, s.appendEvent(ctx, t, roster.Event{OrgID: orgID, Action: action, ResourceType: "AdminToken", ResourceID: tokenID,
		Detail: detail("admin", adminID, "kind", kind, "prefix", prefix)})
}

// TouchAdminToken implements roster.Store. Like TouchToken it is not
// audited: it records use, not a change; the time only moves forward.
func (s *Store) TouchAdminToken(ctx context.Context, orgID, tokenID string, at time.Time) error {
	return s.inTx(ctx, func(t *tx) error {
		_, err := t.exec(ctx, `UPDATE admin_tokens SET last_used = ? WHERE org_id = ? AND id = ? AND last_used < ?`,
			micros(at), orgID, tokenID, micros(at))
		return err
	})
}

// GetOrCreateKey implements roster.Keys. Of nodes racing to create a key,
// the first insert wins (ON CONFLICT DO NOTHING) and all read its value.
func (s *Store) GetOrCreateKey(ctx context.Context, name string, fresh []byte) ([]byte, error) {
	var key []byte
	err := s.inTx(ctx, func(t *tx) error {
		if _, err := t.exec(ctx, `INSERT INTO server_keys (name, secret, created) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING`,
			name, fresh, micros(s.clock())); err != nil {
			return err
		}
		return t.queryRow(ctx, `SELECT secret FROM server_keys WHERE name = ?`, name).Scan(&key)
	})
	return key, err
}
