package console

import (
	"net/http"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/admins"
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
	list, err := s.store.ListAdmins(r.Context(), a.org.ID)
	if err != nil {
		return err
	}
	p := adminsPage{MinPassword: password.MinLength}
	now := s.now()
	for _, ad := range list {
		tokens, err := s.store.ListAdminTokens(r.Context(), a.org.ID, ad.ID)
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
	created, err := s.adminService.Create(r.Context(), a.org.ID, r.PostForm.Get("email"), "")
	if err != nil {
		return err
	}
	return s.showSignInLink(w, r, a, &created.Admin, created.Link, true)
}

// newSignInLink makes a fresh link for an admin; the admin's earlier
// unspent links stop working, so that only the latest one sent counts.
func (s *Console) newSignInLink(w http.ResponseWriter, r *http.Request, a *session) error {
	admin, err := s.store.GetAdmin(r.Context(), a.org.ID, r.PathValue("admin"))
	if err != nil {
		return err
	}
	link, err := s.adminService.NewSignInLink(r.Context(), admin)
	if err != nil {
		return err
	}
	return s.showSignInLink(w, r, a, admin, link, false)
}

func (s *Console) showSignInLink(w http.ResponseWriter, r *http.Request, a *session, admin *roster.Admin, link *admins.Link, isNew bool) error {
	w.Header().Set("Cache-Control", "no-store")
	p := signInLinkPage{Admin: *admin, URL: urls.SignIn(s.public, admin.OrgID, link.Secret), Expires: when(link.Token.Expires), New: isNew, Replaced: link.Replaced}
	return s.render(w, r, a, http.StatusOK, "admin-link", view{Title: "Sign-in link for " + admin.Email, Section: "admins", Page: p})
}

// signOutAdmin ends every console session of an admin, on every node: for
// a lost laptop. Signing oneself out everywhere ends this session too.
func (s *Console) signOutAdmin(w http.ResponseWriter, r *http.Request, a *session) error {
	admin, err := s.store.GetAdmin(r.Context(), a.org.ID, r.PathValue("admin"))
	if err != nil {
		return err
	}
	n, err := s.adminService.SignOutEverywhere(r.Context(), admin)
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
	plain := r.PostForm.Get("password")
	if plain != r.PostForm.Get("confirm") {
		return roster.Invalidf("", "the two new passwords differ; the password is unchanged")
	}
	if plain == "" {
		return roster.Invalidf("", "type the new password twice; the password is unchanged")
	}
	ended, err := s.adminService.SetPassword(r.Context(), a.admin, admins.PasswordChange{
		New: plain, Current: r.PostForm.Get("current"), CheckCurrent: true, KeepSession: a.token.ID})
	if err != nil {
		return err
	}
	msg := "Your password is changed."
	if ended > 0 {
		msg += " Your " + plural(ended, "other session") + " ended."
	}
	return s.redirect(w, r, orgPath(a.org.ID, "admins"), msg)
}
