package console

import (
	"net/http"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/domains"
)

// The organization's domains: claim, prove, link to a directory, give up.

type domainRow struct {
	roster.Domain
	TXTName, TXTValue, HTTPSURL, HTTPSBody string
	DirectoryName                          string
}

type domainsPage struct {
	Domains     []domainRow
	Directories []roster.Directory
}

func (s *Console) domains(w http.ResponseWriter, r *http.Request, a *session) error {
	list, err := s.store.ListDomains(r.Context(), a.org.ID)
	if err != nil {
		return err
	}
	dirs, err := s.store.ListDirectories(r.Context(), a.org.ID)
	if err != nil {
		return err
	}
	names := map[string]string{}
	for _, d := range dirs {
		names[d.ID] = d.Name
	}
	p := domainsPage{Directories: dirs}
	for _, d := range list {
		p.Domains = append(p.Domains, domainRow{Domain: d, TXTName: d.Name, TXTValue: domains.TXTValue(d.Token),
			HTTPSURL: domains.HTTPSURL(d.Name), HTTPSBody: domains.TXTValue(d.Token), DirectoryName: names[d.DirectoryID]})
	}
	return s.render(w, r, a, http.StatusOK, "domains", view{Title: "Domains", Section: "domains", Page: p})
}

func (s *Console) addDomain(w http.ResponseWriter, r *http.Request, a *session) error {
	d, err := domains.New(a.org.ID, r.PostForm.Get("domain"), r.PostForm.Get("directory"))
	if err != nil {
		return err
	}
	if err := s.store.CreateDomain(r.Context(), d); err != nil {
		return err
	}
	return s.redirect(w, r, orgPath(a.org.ID, "domains")+"#domain-"+d.Name,
		d.Name+" added. Publish the DNS record or the file below, then press Verify now.")
}

func (s *Console) verifyDomain(w http.ResponseWriter, r *http.Request, a *session) error {
	name := r.PathValue("domain")
	d, checkErr, err := domains.VerifyNow(r.Context(), s.store, s.verifier, a.org.ID, name, r.PostForm.Get("method"))
	if err != nil {
		return err
	}
	msg := d.Name + " is verified: accounts on it are now managed."
	if checkErr != nil {
		msg = d.Name + " is not verified yet: " + roster.AsError(checkErr).Detail
	}
	return s.redirect(w, r, orgPath(a.org.ID, "domains")+"#domain-"+d.Name, msg)
}

// linkDomain sets the only directory that may provision users on a domain
// ("" lifts the link).
func (s *Console) linkDomain(w http.ResponseWriter, r *http.Request, a *session) error {
	dirID := r.PostForm.Get("directory")
	d, err := s.store.UpdateDomain(r.Context(), a.org.ID, r.PathValue("domain"), func(d *roster.Domain) error {
		d.DirectoryID = dirID
		return nil
	})
	if err != nil {
		return err
	}
	msg := "Any directory may provision users on " + d.Name + " now."
	if d.DirectoryID != "" {
		msg = "Only the chosen directory may provision users on " + d.Name + " now."
	}
	return s.redirect(w, r, orgPath(a.org.ID, "domains")+"#domain-"+d.Name, msg)
}

func (s *Console) removeDomain(w http.ResponseWriter, r *http.Request, a *session) error {
	name := r.PathValue("domain")
	if err := s.store.DeleteDomain(r.Context(), a.org.ID, name); err != nil {
		return err
	}
	return s.redirect(w, r, orgPath(a.org.ID, "domains"), name+" removed: accounts on it are external from now on.")
}
