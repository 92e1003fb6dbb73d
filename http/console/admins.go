package console

import (
	"encoding/json"
	"net/http"
	"time"

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
	Owner       bool           // the signed-in admin is an owner
	YourEvents  []roster.Event // what others did to the signed-in admin's account
}

// yourEventsShown bounds the "changes to your account" list, and
// yourEventsScanned how far back among admin events it looks.
const (
	yourEventsShown   = 10
	yourEventsScanned = 500
)

// eventsAbout returns the recent events that others made about admin me:
// a role changed, a sign-in link made, a session ended, a failed sign-in.
func (s *Console) eventsAbout(r *http.Request, me *roster.Admin) ([]roster.Event, error) {
	list, err := s.store.SearchEvents(r.Context(), me.OrgID, roster.EventFilter{Action: "admin"}, yourEventsScanned)
	if err != nil {
		return nil, err
	}
	var out []roster.Event
	for _, e := range list {
		if e.Actor == "admin:"+me.Email || len(out) == yourEventsShown {
			continue
		}
		var d struct {
			Admin string `json:"admin"`
		}
		json.Unmarshal([]byte(e.Detail), &d)
		if e.ResourceID == me.ID || d.Admin == me.ID {
			out = append(out, e)
		}
	}
	return out, nil
}

func (s *Console) admins(w http.ResponseWriter, r *http.Request, a *session) error {
	list, err := s.store.ListAdmins(r.Context(), a.org.ID)
	if err != nil {
		return err
	}
	p := adminsPage{MinPassword: password.MinLength, Owner: a.admin.IsOwner()}
	if p.YourEvents, err = s.eventsAbout(r, a.admin); err != nil {
		return err
	}
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
	Shown    bool // shown already: the page shows no link
}

func (s *Console) addAdmin(w http.ResponseWriter, r *http.Request, a *session) error {
	created, err := s.uc.Admins.CreateBy(r.Context(), a.admin, r.PostForm.Get("email"))
	if err != nil {
		return err
	}
	return s.showLink(w, r, a, &created.Admin, created.Link, true)
}

// newSignInLink makes a fresh link for an admin; the admin's earlier
// unspent links stop working, so that only the latest one sent counts.
func (s *Console) newSignInLink(w http.ResponseWriter, r *http.Request, a *session) error {
	admin, err := s.store.GetAdmin(r.Context(), a.org.ID, r.PathValue("admin"))
	if err != nil {
		return err
	}
	link, err := s.uc.Admins.SignInLinkBy(r.Context(), a.admin, admin)
	if err != nil {
		return err
	}
	return s.showLink(w, r, a, admin, link, false)
}

// showLink ends a POST that made a sign-in link: the link goes to the
// session's one-time slot, the browser to the page that shows it.
func (s *Console) showLink(w http.ResponseWriter, r *http.Request, a *session, admin *roster.Admin, link *admins.Link, isNew bool) error {
	s.putReveal(w, r, a, reveal{Kind: "link", ID: admin.ID, Secret: urls.SignIn(s.public, admin.OrgID, link.Secret), Created: isNew,
		Count: link.Replaced, Until: link.Token.Expires.Unix()})
	http.Redirect(w, r, orgPath(a.org.ID, "admins", admin.ID, "link"), http.StatusSeeOther)
	return nil
}

// signInLink shows a new sign-in link from the slot, or that it was shown.
func (s *Console) signInLinkShown(w http.ResponseWriter, r *http.Request, a *session) error {
	admin, err := s.store.GetAdmin(r.Context(), a.org.ID, r.PathValue("admin"))
	if err != nil {
		return err
	}
	p := signInLinkPage{Admin: *admin, Shown: true}
	if v := s.takeReveal(w, r, a, "link", admin.ID); v != nil {
		p.URL, p.Expires, p.New, p.Replaced, p.Shown = v.Secret, when(time.Unix(v.Until, 0)), v.Created, v.Count, false
	}
	w.Header().Set("Cache-Control", "no-store")
	return s.render(w, r, a, http.StatusOK, "admin-link", view{Title: "Sign-in link for " + admin.Email, Section: "admins", Page: p})
}

// signOutAdmin ends every console session of an admin, on every node: for
// a lost laptop. Signing oneself out everywhere ends this session too.
func (s *Console) signOutAdmin(w http.ResponseWriter, r *http.Request, a *session) error {
	admin, err := s.store.GetAdmin(r.Context(), a.org.ID, r.PathValue("admin"))
	if err != nil {
		return err
	}
	n, err := s.uc.Admins.SignOutBy(r.Context(), a.admin, admin)
	if err != nil {
		return err
	}
	if admin.ID == a.admin.ID {
		return s.redirect(w, r, orgPath(a.org.ID, "signin"), "You are signed out everywhere.")
	}
	return s.redirect(w, r, orgPath(a.org.ID, "admins"), admin.Email+" is signed out of "+plural(n, "session")+".")
}

// setRole makes an admin an owner or an admin; only an owner may, and
// the organization keeps at least one owner.
func (s *Console) setRole(w http.ResponseWriter, r *http.Request, a *session) error {
	admin, err := s.store.GetAdmin(r.Context(), a.org.ID, r.PathValue("admin"))
	if err != nil {
		return err
	}
	role, err := admins.ParseRole(r.PostForm.Get("role"))
	if err != nil {
		return err
	}
	if err := s.uc.Admins.SetRole(r.Context(), a.admin, admin, role); err != nil {
		return err
	}
	return s.redirect(w, r, orgPath(a.org.ID, "admins"), admin.Email+" is an "+string(role)+" now.")
}

// removeAdmin removes an admin, ending their sessions and tokens at once;
// only an owner may.
func (s *Console) removeAdmin(w http.ResponseWriter, r *http.Request, a *session) error {
	admin, err := s.store.GetAdmin(r.Context(), a.org.ID, r.PathValue("admin"))
	if err != nil {
		return err
	}
	if err := s.uc.Admins.Remove(r.Context(), a.admin, admin); err != nil {
		return err
	}
	if admin.ID == a.admin.ID {
		return s.redirect(w, r, "/", "You are no longer an admin of "+a.org.Name+".")
	}
	return s.redirect(w, r, orgPath(a.org.ID, "admins"), admin.Email+" is no longer an admin; their sessions and tokens stopped working.")
}

// changePassword sets the signed-in admin's password, after checking the
// current one (when there is one): a session left open on a shared
// machine must not be enough to take the account over.
func (s *Console) changePassword(w http.ResponseWriter, r *http.Request, a *session) error {
	plain := r.PostForm.Get("password")
	if plain != r.PostForm.Get("confirm") {
		return inField("confirm", roster.Invalidf("", "the two new passwords differ; the password is unchanged"))
	}
	if plain == "" {
		return roster.Invalidf("", "type the new password twice; the password is unchanged")
	}
	ended, err := s.uc.Admins.SetPassword(r.Context(), a.admin, admins.PasswordChange{
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
