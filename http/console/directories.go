package console

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/http/urls"
	"github.com/rosterhq/roster/tokens"
)

func (s *Console) baseURL(dirID string) string { return urls.DirectoryBase(s.public, dirID) }

// Directories.

type directoriesPage struct {
	Directories []directoryHealth
}

func (s *Console) directories(w http.ResponseWriter, r *http.Request, a *session) error {
	var p directoriesPage
	var err error
	if p.Directories, err = s.allHealth(r, a.org.ID); err != nil {
		return err
	}
	return s.render(w, r, a, http.StatusOK, "directories", view{Title: "Directories", Section: "directories", Page: p})
}

// newTokenPage shows a token's secret, the only time anyone sees it.
type newTokenPage struct {
	Directory roster.Directory
	BaseURL   string
	Secret    string
	Token     roster.Token
	Created   bool          // a new directory, not a new token
	Replaced  *roster.Token // the rotated token, with its new expiry
	// Shown: the secret was shown already (a reload, or another tab);
	// the page says so and shows no secret.
	Shown bool
}

// tokenShown is where a new token's secret is shown, once.
func tokenShown(orgID, dirID, tokenID string) string {
	return orgPath(orgID, "directories", dirID, "tokens", tokenID, "new")
}

// showToken ends a POST that made a token: the secret goes to the
// session's one-time slot, the browser to the page that shows it.
func (s *Console) showToken(w http.ResponseWriter, r *http.Request, a *session, tok roster.Token, secret string, created bool, replaced string) error {
	s.putReveal(w, r, a, reveal{Kind: "token", ID: tok.ID, Secret: secret, Created: created, Replaced: replaced})
	http.Redirect(w, r, tokenShown(a.org.ID, tok.DirectoryID, tok.ID), http.StatusSeeOther)
	return nil
}

// newToken shows a new token's secret from the slot, or that it was shown.
func (s *Console) newToken(w http.ResponseWriter, r *http.Request, a *session) error {
	d, tok, err := s.token(r, a)
	if err != nil {
		return err
	}
	p := newTokenPage{Directory: *d, BaseURL: s.baseURL(d.ID), Token: *tok, Shown: true}
	if v := s.takeReveal(w, r, a, "token", tok.ID); v != nil {
		p.Secret, p.Created, p.Shown = v.Secret, v.Created, false
		if v.Replaced != "" {
			list, err := s.store.ListTokens(r.Context(), a.org.ID, d.ID)
			if err != nil {
				return err
			}
			for _, t := range list {
				if t.ID == v.Replaced {
					p.Replaced = &t
				}
			}
		}
	}
	// The page may hold a secret: no cache may keep it, and the browser
	// is not to offer it again from its history.
	w.Header().Set("Cache-Control", "no-store")
	return s.render(w, r, a, http.StatusOK, "token", view{Title: "Token for " + p.Directory.Name, Section: "directories", Page: p})
}

func (s *Console) createDirectory(w http.ResponseWriter, r *http.Request, a *session) error {
	lifetime, err := tokens.ParseLifetime(r.PostForm.Get("expires"))
	if err != nil {
		return inField("expires", err)
	}
	c, err := s.uc.Directories.Create(r.Context(), a.org.ID, r.PostForm.Get("name"), lifetime)
	if err != nil {
		return err
	}
	return s.showToken(w, r, a, c.Token, c.Secret, true, "")
}

// directoryPage is a directory's health, tokens and request log.
type directoryPage struct {
	directoryHealth
	Hours      []hourBar // the last 24 hours, oldest first
	FailedOnly bool      // the request log shows failures only
	Requests   []requestRow
	Users      int
	Groups     int
	Domains    []string
	// NextTokenName is the name a new token gets when none is typed.
	NextTokenName string
	// ReachProblem says why cloud identity providers cannot reach the
	// base URL ("" when they can, as far as the URL shows).
	ReachProblem string
}

// hourBar is one hour of the health chart, scaled to chartHeight.
type hourBar struct {
	roster.RequestCount
	X, Height, ErrorHeight int
	Label                  string
}

const chartHeight = 60

// hourBars lays out a day of hourly counts as bars, an empty hour included.
func hourBars(counts []roster.RequestCount, now time.Time) []hourBar {
	first := now.UTC().Truncate(time.Hour).Add(-23 * time.Hour)
	bars := make([]hourBar, 24)
	peak := 1
	for i := range bars {
		bars[i].Hour, bars[i].X = first.Add(time.Duration(i)*time.Hour), i*10
	}
	for _, c := range counts {
		if i := int(c.Hour.Sub(first) / time.Hour); i >= 0 && i < 24 {
			bars[i].Requests, bars[i].Errors = c.Requests, c.Errors
			peak = max(peak, c.Requests)
		}
	}
	for i := range bars {
		b := &bars[i]
		b.Height = (b.Requests*chartHeight + peak - 1) / peak
		b.ErrorHeight = (b.Errors*chartHeight + peak - 1) / peak
		b.Label = fmt.Sprintf("%s UTC: %s, %s", b.Hour.Format("15:04"), plural(b.Requests, "request"), plural(b.Errors, "error"))
	}
	return bars
}

type requestRow struct {
	roster.Request
	Explanation *Explanation
	// Name is the name of the user or group the request's path names
	// (/Users/{id}, /Groups/{id}); "" when there is none, or it is gone.
	Name string
}

// pathResource is the ID a SCIM request's path names after /Users/ or
// /Groups/ (in any case), "" when it names none.
func pathResource(path string) string {
	path, _, _ = strings.Cut(path, "?")
	parts := strings.Split(strings.Trim(path, "/"), "/")
	for i := 0; i+1 < len(parts); i++ {
		if strings.EqualFold(parts[i], "Users") || strings.EqualFold(parts[i], "Groups") {
			return parts[i+1]
		}
	}
	return ""
}

// requestLogRows is how many of the last requests the page shows.
const requestLogRows = 100

func (s *Console) directory(w http.ResponseWriter, r *http.Request, a *session) error {
	p, err := s.directoryPage(r, a)
	if err != nil {
		return err
	}
	return s.render(w, r, a, http.StatusOK, "directory", view{Title: p.Name, Section: "directories", Page: p})
}

func (s *Console) directoryPage(r *http.Request, a *session) (*directoryPage, error) {
	ctx := r.Context()
	d, err := s.store.GetDirectory(ctx, a.org.ID, r.PathValue("dir"))
	if err != nil {
		return nil, err
	}
	h, err := s.health(r, *d)
	if err != nil {
		return nil, err
	}
	p := &directoryPage{directoryHealth: h, FailedOnly: r.URL.Query().Get("failed") == "1", NextTokenName: tokens.DefaultName(d.Name, len(h.Tokens)),
		ReachProblem: reachProblem(s.public)}
	counts, err := s.store.ListRequestCounts(ctx, a.org.ID, d.ID, s.now().Add(-23*time.Hour))
	if err != nil {
		return nil, err
	}
	p.Hours = hourBars(counts, s.now())
	reqs, err := s.store.ListRequests(ctx, a.org.ID, d.ID, p.FailedOnly, requestLogRows)
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(reqs))
	for _, req := range reqs {
		if id := pathResource(req.Path); id != "" {
			ids = append(ids, id)
		}
	}
	names, err := s.store.ListNames(ctx, a.org.ID, ids) // one query for the page
	if err != nil {
		return nil, err
	}
	for _, req := range reqs {
		p.Requests = append(p.Requests, requestRow{Request: req, Explanation: Explain(req), Name: names[pathResource(req.Path)]})
	}
	users, err := s.store.ListOrgUsers(ctx, a.org.ID, roster.UserFilter{DirectoryID: d.ID}, 0, 0)
	if err != nil {
		return nil, err
	}
	groups, err := s.store.ListOrgGroups(ctx, a.org.ID, roster.GroupFilter{DirectoryID: d.ID}, 0, 0)
	if err != nil {
		return nil, err
	}
	p.Users, p.Groups = users.Total, groups.Total
	doms, err := s.store.ListDomains(ctx, a.org.ID)
	if err != nil {
		return nil, err
	}
	for _, dom := range doms {
		if dom.DirectoryID == d.ID {
			p.Domains = append(p.Domains, dom.Name)
		}
	}
	return p, nil
}

func (s *Console) createToken(w http.ResponseWriter, r *http.Request, a *session) error {
	d, err := s.store.GetDirectory(r.Context(), a.org.ID, r.PathValue("dir"))
	if err != nil {
		return err
	}
	lifetime, err := tokens.ParseLifetime(r.PostForm.Get("expires"))
	if err != nil {
		return err
	}
	c, err := s.uc.Tokens.Create(r.Context(), d, r.PostForm.Get("name"), lifetime)
	if err != nil {
		return err
	}
	return s.showToken(w, r, a, c.Token, c.Secret, false, "")
}

func (s *Console) rotateToken(w http.ResponseWriter, r *http.Request, a *session) error {
	d, old, err := s.token(r, a)
	if err != nil {
		return err
	}
	grace, err := tokens.ParseGrace(r.PostForm.Get("grace"))
	if err != nil {
		return err
	}
	rot := tokens.Rotation{Grace: grace}
	if f := r.PostForm.Get("expires"); f != "" && f != "keep" {
		lifetime, err := tokens.ParseLifetime(f)
		if err != nil {
			return err
		}
		rot.Lifetime = &lifetime
	}
	rotated, err := s.uc.Tokens.Rotate(r.Context(), d, *old, rot)
	if err != nil {
		return err
	}
	return s.showToken(w, r, a, rotated.Token, rotated.Secret, false, rotated.Replaced.ID)
}

// token finds the directory and the token in the path, the token among
// the directory's, so that no other directory's token can be named.
func (s *Console) token(r *http.Request, a *session) (*roster.Directory, *roster.Token, error) {
	d, err := s.store.GetDirectory(r.Context(), a.org.ID, r.PathValue("dir"))
	if err != nil {
		return nil, nil, err
	}
	tokens, err := s.store.ListTokens(r.Context(), d.OrgID, d.ID)
	if err != nil {
		return nil, nil, err
	}
	for _, t := range tokens {
		if t.ID == r.PathValue("token") {
			return d, &t, nil
		}
	}
	return nil, nil, roster.NotFoundf("directory %s has no token %q", d.Name, r.PathValue("token"))
}

func (s *Console) revokeToken(w http.ResponseWriter, r *http.Request, a *session) error {
	d, tok, err := s.token(r, a)
	if err != nil {
		return err
	}
	if err := s.store.RevokeToken(r.Context(), roster.DirectoryScope{OrgID: a.org.ID, DirectoryID: d.ID}, tok.ID); err != nil {
		return err
	}
	return s.redirect(w, r, orgPath(a.org.ID, "directories", d.ID),
		"Token "+tok.Prefix+"… is revoked: requests with it are refused from now on.")
}

// renameDirectory renames a directory; names are unique in the
// organization (a clash is drawn beside the field, 409).
func (s *Console) renameDirectory(w http.ResponseWriter, r *http.Request, a *session) error {
	d, err := s.store.GetDirectory(r.Context(), a.org.ID, r.PathValue("dir"))
	if err != nil {
		return err
	}
	was := d.Name
	if err := s.uc.Directories.Rename(r.Context(), d, r.PostForm.Get("name")); err != nil {
		return err
	}
	return s.redirect(w, r, orgPath(a.org.ID, "directories", d.ID), was+" is called "+d.Name+" now.")
}

func (s *Console) deleteDirectoryForm(w http.ResponseWriter, r *http.Request, a *session) error {
	p, err := s.directoryPage(r, a)
	if err != nil {
		return err
	}
	return s.render(w, r, a, http.StatusOK, "directory-delete", view{Title: "Delete " + p.Name, Section: "directories", Page: p})
}

func (s *Console) deleteDirectory(w http.ResponseWriter, r *http.Request, a *session) error {
	d, err := s.store.GetDirectory(r.Context(), a.org.ID, r.PathValue("dir"))
	if err != nil {
		return err
	}
	deleted, err := s.uc.Directories.Delete(r.Context(), d, r.PostForm.Get("confirm"))
	if err != nil {
		return err
	}
	return s.redirect(w, r, orgPath(a.org.ID, "directories"),
		plural(deleted.Users, "user")+" and "+plural(deleted.Groups, "group")+" of "+d.Name+" were deleted with the directory.")
}
