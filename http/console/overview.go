package console

import (
	"net/http"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/deletions"
)

// overviewPage sums the organization up.
type overviewPage struct {
	Users, Active, Deactivated, Managed, External int
	Groups, Conflicts                             int
	Domains, VerifiedDomains                      int
	Directories                                   []directoryHealth
	DisabledWebhooks                              []roster.Webhook // disabled by Roster for failing
}

// directoryHealth is a directory with how its identity provider is doing.
type directoryHealth struct {
	roster.Directory
	BaseURL  string
	Provider string // from the last request's User-Agent; "" before any
	Stats    *roster.RequestStats
	Tokens   []roster.Token
	Expiring []roster.Token          // active tokens that expire within a month
	Mass     *deletions.MassDeletion // recent deletions; Warning on a mass deletion (deleted.go)
}

// expiryWarning is how long before its expiry a token is flagged.
const expiryWarning = 30 * 24 * time.Hour

func (s *Console) health(r *http.Request, d roster.Directory) (directoryHealth, error) {
	h := directoryHealth{Directory: d, BaseURL: s.baseURL(d.ID)}
	stats, err := s.store.GetRequestStats(r.Context(), d.OrgID, d.ID, s.now().Add(-23*time.Hour))
	if err != nil {
		return h, err
	}
	h.Stats = stats
	if stats.Last != nil {
		h.Provider = IdentityProvider(stats.Last.UserAgent)
	}
	if h.Tokens, err = s.store.ListTokens(r.Context(), d.OrgID, d.ID); err != nil {
		return h, err
	}
	if h.Mass, err = s.massDeletion(r, d); err != nil {
		return h, err
	}
	now := s.now()
	for _, t := range h.Tokens {
		// A token retiring after a rotation expires on purpose: no warning.
		if t.Status(now) == roster.TokenActive && !t.Retiring(now) && !t.Expires.IsZero() && t.Expires.Sub(now) < expiryWarning {
			h.Expiring = append(h.Expiring, t)
		}
	}
	return h, nil
}

// allHealth is the health of each of the organization's directories.
func (s *Console) allHealth(r *http.Request, orgID string) ([]directoryHealth, error) {
	dirs, err := s.store.ListDirectories(r.Context(), orgID)
	if err != nil {
		return nil, err
	}
	out := make([]directoryHealth, 0, len(dirs))
	for _, d := range dirs {
		h, err := s.health(r, d)
		if err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, nil
}

func (s *Console) overview(w http.ResponseWriter, r *http.Request, a *session) error {
	ctx, org := r.Context(), a.org.ID
	var p overviewPage
	counts, err := s.store.GetUserCounts(ctx, org)
	if err != nil {
		return err
	}
	p.Users, p.Active, p.Managed = counts.Total, counts.Active, counts.Managed
	p.Deactivated, p.External = p.Users-p.Active, p.Users-p.Managed
	groups, err := s.store.ListOrgGroups(ctx, org, roster.GroupFilter{}, 0, 0)
	if err != nil {
		return err
	}
	conflicts, err := s.store.ListOrgGroups(ctx, org, roster.GroupFilter{Conflicts: true}, 0, 0)
	if err != nil {
		return err
	}
	p.Groups, p.Conflicts = groups.Total, conflicts.Total
	doms, err := s.store.ListDomains(ctx, org)
	if err != nil {
		return err
	}
	p.Domains = len(doms)
	for _, d := range doms {
		if d.Managed() {
			p.VerifiedDomains++
		}
	}
	if p.Directories, err = s.allHealth(r, org); err != nil {
		return err
	}
	if p.DisabledWebhooks, err = s.disabledWebhooks(r, org); err != nil {
		return err
	}
	return s.render(w, r, a, http.StatusOK, "overview", view{Title: "Overview", Section: "overview", Page: p})
}
