package adminapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/deletions"
)

// Deletion you can undo: a directory's recently deleted users and groups,
// restoring them, and its deletion policy, through the deletions use case
// that the console and the command line call too.

func (s *Server) deletions() *deletions.Service {
	return &deletions.Service{Store: s.store, Now: s.now}
}

func (s *Server) scope(r *http.Request, c *call) (roster.DirectoryScope, error) {
	d, err := s.directory(r, c)
	if err != nil {
		return roster.DirectoryScope{}, err
	}
	return roster.DirectoryScope{OrgID: d.OrgID, DirectoryID: d.ID}, nil
}

func deletedJSON(d *roster.DeletedResource) map[string]any {
	return map[string]any{"id": d.ID, "type": d.Type, "name": d.Name, "externalId": d.ExternalID, "displayName": d.DisplayName,
		"active": d.Active, "memberOf": len(d.MemberOf), "members": len(d.Members), "grants": d.Grants,
		"deleted": jsonTime(d.Deleted), "deletedBy": d.DeletedBy, "purgeAfter": jsonTime(d.PurgeAfter)}
}

func policyJSON(p *roster.DeletionPolicy) map[string]any {
	return map[string]any{"directoryId": p.DirectoryID, "retention": deletions.FormatRetention(p.Retention),
		"retentionSeconds": int64(p.Retention / time.Second), "massPercent": p.MassPercent, "massMinimum": p.MassMinimum}
}

// listDeleted: GET .../directories/{dir}/deleted?type=users|groups&limit=N,
// with the directory's mass-deletion measure.
func (s *Server) listDeleted(w http.ResponseWriter, r *http.Request, c *call) error {
	sc, err := s.scope(r, c)
	if err != nil {
		return err
	}
	limit := 0
	if v := r.URL.Query().Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 {
			return roster.Invalidf("", "limit %q: give a positive number", v)
		}
	}
	svc := s.deletions()
	list, err := svc.List(r.Context(), sc, r.URL.Query().Get("type"), limit)
	if err != nil {
		return err
	}
	mass, err := svc.Mass(r.Context(), sc)
	if err != nil {
		return err
	}
	out := make([]map[string]any, len(list))
	for i := range list {
		out[i] = deletedJSON(&list[i])
	}
	return write(w, http.StatusOK, map[string]any{"deleted": out, "massDeletion": mass})
}

// restoreDeleted: POST .../directories/{dir}/deleted/restore with
// {"ids": [...]} or {"since": "RFC 3339 time"}. One ID that cannot be
// restored is answered with its error (409 restore_clash, 404); several
// are answered 200 with an outcome each.
func (s *Server) restoreDeleted(w http.ResponseWriter, r *http.Request, c *call) error {
	sc, err := s.scope(r, c)
	if err != nil {
		return err
	}
	var body struct {
		IDs   []string `json:"ids"`
		Since string   `json:"since"`
	}
	if err := decode(w, r, &body); err != nil {
		return err
	}
	svc := s.deletions()
	var res *deletions.Restored
	switch {
	case body.Since != "" && len(body.IDs) > 0:
		return roster.Invalidf("", "give either ids or since, not both")
	case body.Since != "":
		since, perr := time.Parse(time.RFC3339Nano, body.Since)
		if perr != nil {
			return roster.Invalidf("", "since %q: give an RFC 3339 time such as 2026-01-02T15:04:05Z", body.Since)
		}
		res, err = svc.RestoreSince(r.Context(), sc, since)
	default:
		res, err = svc.Restore(r.Context(), sc, body.IDs)
	}
	if err != nil {
		return err
	}
	if len(body.IDs) == 1 && res.Failed == 1 {
		return res.Outcomes[0].Err
	}
	return write(w, http.StatusOK, res)
}

func (s *Server) getDeletionPolicy(w http.ResponseWriter, r *http.Request, c *call) error {
	sc, err := s.scope(r, c)
	if err != nil {
		return err
	}
	p, err := s.deletions().Policy(r.Context(), sc)
	if err != nil {
		return err
	}
	return write(w, http.StatusOK, policyJSON(p))
}

// setDeletionPolicy: PUT .../directories/{dir}/deletion-policy with any of
// {"retention": "30d", "massPercent": 10, "massMinimum": 10}.
func (s *Server) setDeletionPolicy(w http.ResponseWriter, r *http.Request, c *call) error {
	sc, err := s.scope(r, c)
	if err != nil {
		return err
	}
	var body struct {
		Retention   *string `json:"retention"`
		MassPercent *int    `json:"massPercent"`
		MassMinimum *int    `json:"massMinimum"`
	}
	if err := decode(w, r, &body); err != nil {
		return err
	}
	ch := deletions.PolicyChange{MassPercent: body.MassPercent, MassMinimum: body.MassMinimum}
	if body.Retention != nil {
		d, err := deletions.ParseRetention(*body.Retention)
		if err != nil {
			return err
		}
		ch.Retention = &d
	}
	p, err := s.deletions().SetPolicy(r.Context(), sc, ch)
	if err != nil {
		return err
	}
	return write(w, http.StatusOK, policyJSON(p))
}
