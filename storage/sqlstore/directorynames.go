package sqlstore

import (
	"context"

	"github.com/rosterhq/roster"
)

// Directory names are unique in their organization, compared by
// roster.NameKey (trimmed, NFC, case-folded), so that "Okta" and "okta "
// cannot both be there to be confused. The key is computed in Go and
// checked under the organization's row lock (FOR UPDATE), which
// serializes creating and renaming an organization's directories; no
// unique index, because databases from before the rule may hold two
// directories of one name, which stay as they are until renamed.

// checkDirectoryName locks the organization and fails with
// ReasonNameTaken when another directory than except is called name.
func (s *Store) checkDirectoryName(ctx context.Context, t *tx, orgID, except, name string) error {
	if err := s.lockOrgAdmins(ctx, t, orgID); err != nil {
		return err
	}
	key, err := roster.NameKey(name)
	if err != nil {
		return err
	}
	rows, err := t.query(ctx, `SELECT id, name FROM directories WHERE org_id = ?`, orgID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id, other string
		if err := rows.Scan(&id, &other); err != nil {
			return err
		}
		if k, _ := roster.NameKey(other); id != except && k == key {
			return roster.E(roster.ReasonNameTaken, "the organization has a directory called %s already; give this one another name", other)
		}
	}
	return rows.Err()
}

// RenameDirectory implements roster.Store.
func (s *Store) RenameDirectory(ctx context.Context, orgID, dirID, name string) error {
	return s.inTx(ctx, func(t *tx) error {
		if err := s.checkDirectoryName(ctx, t, orgID, dirID, name); err != nil {
			return err
		}
		var was string
		if err := t.queryRow(ctx, `SELECT name FROM directories WHERE org_id = ? AND id = ?`, orgID, dirID).Scan(&was); err != nil {
			return notFound(err, "no directory %q in organization %q", dirID, orgID)
		}
		if was == name {
			return nil
		}
		if _, err := t.exec(ctx, `UPDATE directories SET name = ? WHERE org_id = ? AND id = ?`, name, orgID, dirID); err != nil {
			return err
		}
		return s.appendEvent(ctx, t, roster.Event{OrgID: orgID, DirectoryID: dirID, Action: "directory.renamed",
			ResourceType: "Directory", ResourceID: dirID, Detail: detail("from", was, "to", name)})
	})
}
