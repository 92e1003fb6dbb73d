package console

import (
	"net/http"
	"strings"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/http/urls"
	"github.com/rosterhq/roster/password"
)

// The organization's admins: who they are, how they sign in, and the
// one-time links that let a new admin in or an admin without a password
// back in.

type adminRow struct {
	roster.Admin
	Sessions int // active console sessions
	Links    int // unspent sign-in links
	You      bool
}

type adminsPage struct {
	Admins      []adminRow
	MinPassword int
}

func (s *Console) admins(w http.ResponseWriter, r *http.Request, a *session) error {
	list, err := s.store.Admins(r.Context(), a.org.ID)
	if err != nil {
		return err
	}
	p := adminsPage{MinPassword: password.MinLength}
	now := s.now()
	for _, ad := range list {
		tokens, err := s.store.AdminTokens(r.Context(), a.org.ID, ad.ID)
		if err != nil {
			return err
		}
		row := adminRow{Admin: ad, You: ad.ID == a.admin.ID}
		for _, t := range tokens {
			if t.Status(now) != roster.TokenActive {
				continue
			}
			switch t.Kind {
			case roster.AdminSession:
				row.Sessions++
			case roster.AdminSignIn:
				row.Links++
			}
		}
		p.Admins = append(p.Admins, row)
	}
	return s.render(w, r, a, http.StatusOK, "admins", view{Title: "Admins", Section: "admins", Page: p})
}

// signInLinkPage shows a sign-in link, the only time anyone sees it.
type signInLinkPage struct {
	Admin    roster.Admin
	URL      string
	Expires  string
	New      bool // the admin was just added
	Replaced int  // earlier unspent links that stopped working
}

func (s *Console) addAdmin(w http.ResponseWriter, r *http.Request, a *session) error {
	email := strings.TrimSpace(r.PostForm.Get("email"))
	if !roster.IsEmailAddress(email) {
		return roster.Invalidf("", "give the new admin's email address, as name@example.com; not %q", email)
	}
	admin := roster.Admin{OrgID: a.org.ID, Email: email}
	if err := s.store.CreateAdmin(r.Context(), &admin); err != nil {
		return err
	}
	return s.showSignInLink(w, r, a, &admin, true)
}

// newSignInLink makes a fresh link for an admin; the admin's earlier
// unspent links stop working, so that only the latest one sent counts.
func (s *Console) newSignInLink(w http.ResponseWriter, r *http.Request, a *session) error {
	admin, err := s.store.Admin(r.Context(), a.org.ID, r.PathValue("admin"))
	if err != nil {
		return err
	}
	return s.showSignInLink(w, r, a, admin, false)
}

func (s *Console) showSignInLink(w http.ResponseWriter, r *http.Request, a *session, admin *roster.Admin, isNew bool) error {
	replaced, err := s.revokeAdminTokens(r, admin, roster.AdminSignIn)
	if err != nil {
		return err
	}
	secret, link := roster.NewSignInLink(admin, s.now())
	if err := s.store.CreateAdminToken(r.Context(), &link); err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	p := signInLinkPage{Admin: *admin, URL: urls.SignIn(s.public, admin.OrgID, secret), Expires: when(link.Expires), New: isNew, Replaced: replaced}
	return s.render(w, r, a, http.StatusOK, "admin-link", view{Title: "Sign-in link for " + admin.Email, Section: "admins", Page: p})
}

// revokeAdminTokens ends the admin's active tokens of a kind and says how
// many there were.
func (s *Console) revokeAdminTokens(r *http.Request, admin *roster.Admin, kind roster.AdminTokenKind) (int, error) {
	tokens, err := s.store.AdminTokens(r.Context(), admin.OrgID, admin.ID)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, t := range tokens {
		if t.Kind != kind || t.Status(s.now()) != roster.TokenActive {
			continue
		}
		if err := s.store.RevokeAdminToken(r.Context(), admin.OrgID, t.ID); err != nil && roster.ErrorCodeOf(err) != roster.ENotFound {
			return n, err
		}
		n++
	}
	return n, nil
}

// signOutAdmin ends every console session of an admin, on every node: for
// a lost laptop. Signing oneself out everywhere ends this session too.
func (s *Console) signOutAdmin(w http.ResponseWriter, r *http.Request, a *session) error {
	admin, err := s.store.Admin(r.Context(), a.org.ID, r.PathValue("admin"))
	if err != nil {
		return err
	}
	n, err := s.revokeAdminTokens(r, admin, roster.AdminSession)
	if err != nil {
		return err
	}
	if admin.ID == a.admin.ID {
		return s.redirect(w, r, orgPath(a.org.ID, "signin"), "You are signed out everywhere.")
	}
	return s.redirect(w, r, orgPath(a.org.ID, "admins"), admin.Email+" is signed out of "+plural(n, "session")+".")
}

// changePassword sets the signed-in admin's password, after checking the
// current one (when there is one): a session left open on a shared
// machine must not be enough to take the account over.
func (s *Console) changePassword(w http.ResponseWriter, r *http.Request, a *session) error {
	if a.admin.PasswordHash != "" {
		ok, err := password.Check(r.PostForm.Get("current"), a.admin.PasswordHash)
		if err != nil {
			return err
		}
		if !ok {
			return roster.Errorf(roster.EForbidden, "", "the current password is wrong; the password is unchanged")
		}
	}
	plain := r.PostForm.Get("password")
	if plain != r.PostForm.Get("confirm") {
		return roster.Invalidf("", "the two new passwords differ; the password is unchanged")
	}
	if err := password.Validate(plain); err != nil {
		return err
	}
	hash, err := password.Hash(plain)
	if err != nil {
		return err
	}
	if err := s.store.SetAdminPassword(r.Context(), a.org.ID, a.admin.ID, hash); err != nil {
		return err
	}
	return s.redirect(w, r, orgPath(a.org.ID, "admins"), "Your password is changed.")
}
