package console

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/deletions"
)

// Deletion you can undo: a directory's recently deleted users and groups,
// restoring some or all of them, the one-click undo of a mass deletion
// (the warning on the Overview and the directory page), and the
// directory's deletion policy. Everything goes through the deletions use
// case, as the admin API and the command line do.

// deletedRoutes registers the pages under o (the organization's path).
func (s *Console) deletedRoutes(h func(string, page), o string) {
	h("GET "+o+"/directories/{dir}/deleted", s.deleted)
	h("POST "+o+"/directories/{dir}/deleted/restore", s.restoreDeleted)
	h("POST "+o+"/directories/{dir}/deleted/policy", s.setDeletionPolicy)
}

func (s *Console) deletions() *deletions.Service {
	return &deletions.Service{Store: s.store, Now: s.now}
}

// massDeletion is the directory's mass-deletion measure, for the warning
// on the Overview and the directory page.
func (s *Console) massDeletion(r *http.Request, d roster.Directory) (*deletions.MassDeletion, error) {
	return s.deletions().Mass(r.Context(), roster.DirectoryScope{OrgID: d.OrgID, DirectoryID: d.ID})
}

// deletedPage lists a directory's restorable users and groups.
type deletedPage struct {
	Directory roster.Directory
	Type      string // "", "users" or "groups"
	Deleted   []roster.DeletedResource
	Mass      *deletions.MassDeletion
	Policy    *roster.DeletionPolicy
	Retention string
}

// deletedRows bounds the rows the page shows.
const deletedRows = 500

func (s *Console) deleted(w http.ResponseWriter, r *http.Request, a *session) error {
	d, err := s.store.GetDirectory(r.Context(), a.org.ID, r.PathValue("dir"))
	if err != nil {
		return err
	}
	sc := roster.DirectoryScope{OrgID: d.OrgID, DirectoryID: d.ID}
	p := deletedPage{Directory: *d, Type: r.URL.Query().Get("type")}
	svc := s.deletions()
	if p.Deleted, err = svc.List(r.Context(), sc, p.Type, deletedRows); err != nil {
		return err
	}
	if p.Mass, err = svc.Mass(r.Context(), sc); err != nil {
		return err
	}
	if p.Policy, err = svc.Policy(r.Context(), sc); err != nil {
		return err
	}
	p.Retention = deletions.FormatRetention(p.Policy.Retention)
	return s.render(w, r, a, http.StatusOK, "deleted", view{Title: "Deleted from " + d.Name, Section: "directories", Page: p})
}

// restoreDeleted restores the checked resources (id, several times), or
// everything deleted since a time (since, Unix microseconds: the mass
// deletion's one-click restore), and says what happened.
func (s *Console) restoreDeleted(w http.ResponseWriter, r *http.Request, a *session) error {
	d, err := s.store.GetDirectory(r.Context(), a.org.ID, r.PathValue("dir"))
	if err != nil {
		return err
	}
	sc := roster.DirectoryScope{OrgID: d.OrgID, DirectoryID: d.ID}
	svc := s.deletions()
	var res *deletions.Restored
	if since := r.PostForm.Get("since"); since != "" {
		us, perr := strconv.ParseInt(since, 10, 64)
		if perr != nil || us <= 0 {
			return roster.Invalidf("", "the form's time %q is not one the console sent; reload the page", since)
		}
		res, err = svc.RestoreSince(r.Context(), sc, time.UnixMicro(us))
	} else {
		res, err = svc.Restore(r.Context(), sc, r.PostForm["id"])
	}
	if err != nil {
		return err
	}
	back := orgPath(a.org.ID, "directories", d.ID, "deleted")
	if r.PostForm.Get("back") == "directory" {
		back = orgPath(a.org.ID, "directories", d.ID)
	}
	return s.redirect(w, r, back, restoreMessage(res))
}

// restoreMessage says, in a sentence or two, what a restore did.
func restoreMessage(res *deletions.Restored) string {
	var b strings.Builder
	switch {
	case res.Restored == 0 && res.Failed == 0:
		b.WriteString("Nothing to restore: it was restored or purged already.")
	case res.Restored > 0:
		fmt.Fprintf(&b, "Restored %d of %d.", res.Restored, res.Restored+res.Failed)
	}
	if res.Failed > 0 {
		fmt.Fprintf(&b, " Not restored (%d):", res.Failed)
		shown := 0
		for _, o := range res.Outcomes {
			if o.Reason != "" && shown < 3 {
				b.WriteString(" " + o.Error)
				shown++
			}
		}
		if res.Failed > shown {
			b.WriteString(" …")
		}
	}
	return strings.TrimSpace(b.String())
}

// setDeletionPolicy changes the directory's retention and mass-deletion
// threshold.
func (s *Console) setDeletionPolicy(w http.ResponseWriter, r *http.Request, a *session) error {
	d, err := s.store.GetDirectory(r.Context(), a.org.ID, r.PathValue("dir"))
	if err != nil {
		return err
	}
	retention, err := deletions.ParseRetention(r.PostForm.Get("retention"))
	if err != nil {
		return err
	}
	pct, err := deletions.ParsePercent(r.PostForm.Get("mass_percent"))
	if err != nil {
		return err
	}
	minimum, err := strconv.Atoi(strings.TrimSpace(r.PostForm.Get("mass_minimum")))
	if err != nil {
		return roster.Invalidf("", "the mass-deletion minimum %q is not a number", r.PostForm.Get("mass_minimum"))
	}
	if _, err := s.deletions().SetPolicy(r.Context(), roster.DirectoryScope{OrgID: d.OrgID, DirectoryID: d.ID},
		deletions.PolicyChange{Retention: &retention, MassPercent: &pct, MassMinimum: &minimum}); err != nil {
		return err
	}
	msg := "Deleted users and groups now stay restorable for " + deletions.FormatRetention(retention) + "."
	if retention == 0 {
		msg = "Deleted users and groups are now purged at once: nothing deleted from now on can be restored."
	}
	return s.redirect(w, r, orgPath(a.org.ID, "directories", d.ID, "deleted"), msg)
}
