package console

import (
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/password"
)

// First run. A fresh Roster has no organization and so no admin to sign
// in. `roster serve` then makes a setup token, prints a link with it, and
// the page it opens creates the first organization and its admin, who is
// signed in at once. The token proves the person read the server's output
// (whoever merely reaches the port cannot set Roster up), and the page
// refuses once any organization exists, so the link is good for one setup.

type setupPage struct {
	Token, Org, Email string
	CSRF              string // the pre-session CSRF token, as on the sign-in form
	MinPassword       int
}

func (s *Console) setupAllowed(r *http.Request) error {
	got := r.PathValue("token")
	if s.setupToken == "" || subtle.ConstantTimeCompare([]byte(got), []byte(s.setupToken)) != 1 {
		return roster.NotFoundf("this setup link is not valid; `roster serve` prints the link when Roster has no organization yet")
	}
	orgs, err := s.store.ListOrgs(r.Context())
	if err != nil {
		return err
	}
	if len(orgs) > 0 {
		return roster.Errorf(roster.EConflict, "", "Roster is set up already; an admin adds admins with roster admin create")
	}
	return nil
}

func (s *Console) setupForm(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if err := s.setupAllowed(r); err != nil {
		s.renderError(w, r, nil, err)
		return
	}
	s.showSetup(w, r, http.StatusOK, setupPage{}, "")
}

func (s *Console) showSetup(w http.ResponseWriter, r *http.Request, status int, p setupPage, problem string) {
	csrf, err := s.preCSRF(w, r)
	if err != nil {
		s.renderError(w, r, nil, err)
		return
	}
	p.Token, p.MinPassword, p.CSRF = r.PathValue("token"), password.MinLength, csrf
	if err := s.render(w, r, nil, status, "setup", view{Title: "Set up Roster", Error: problem, Page: p}); err != nil {
		s.renderError(w, r, nil, err)
	}
}

func (s *Console) setup(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	// One setup at a time, so that two browsers racing cannot both find
	// no organization and make two.
	s.setupMu.Lock()
	defer s.setupMu.Unlock()
	if err := s.setupAllowed(r); err != nil {
		s.renderError(w, r, nil, err)
		return
	}
	if !s.preForm(w, r, func() {
		s.showSetup(w, r, http.StatusForbidden, setupPage{}, "The setup form had expired. Please try again.")
	}) {
		return
	}
	p := setupPage{Org: strings.TrimSpace(r.PostForm.Get("org")), Email: strings.TrimSpace(r.PostForm.Get("email"))}
	plain := r.PostForm.Get("password")
	problem := ""
	switch {
	case p.Org == "" || len(p.Org) > 200:
		problem = "Give the organization a name of 1 to 200 characters."
	case !roster.IsEmailAddress(p.Email):
		problem = "Give your email address, as name@example.com."
	case plain != r.PostForm.Get("confirm"):
		problem = "The two passwords differ."
	default:
		if err := password.Validate(plain); err != nil {
			problem = roster.AsError(err).Detail
		}
	}
	if problem != "" {
		s.showSetup(w, r, http.StatusBadRequest, p, problem)
		return
	}
	admin, err := s.createFirstOrg(r, p.Org, p.Email, plain)
	if err != nil {
		s.renderError(w, r, nil, err)
		return
	}
	if err := s.startSession(w, r, admin); err != nil {
		s.renderError(w, r, nil, err)
		return
	}
	setFlash(w, s.secure, p.Org+" is set up, and you are signed in. Next: verify a domain, then create a directory for your identity provider.")
	http.Redirect(w, r, orgPath(admin.OrgID)+"/", http.StatusSeeOther)
}

func (s *Console) createFirstOrg(r *http.Request, orgName, email, plain string) (*roster.Admin, error) {
	hash, err := password.Hash(plain)
	if err != nil {
		return nil, err
	}
	ctx := roster.WithActor(r.Context(), "admin:"+email)
	org := roster.Org{Name: orgName}
	if err := s.store.CreateOrg(ctx, &org); err != nil {
		return nil, err
	}
	admin := roster.Admin{OrgID: org.ID, Email: email, PasswordHash: hash}
	if err := s.store.CreateAdmin(ctx, &admin); err != nil {
		return nil, err
	}
	return &admin, nil
}
