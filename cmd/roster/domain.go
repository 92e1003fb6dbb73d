package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/domains"
	"github.com/rosterhq/roster/http/adminapi"
)

// verifierFlags are the settings of domain verification, shared by
// `domain verify` and `serve` (which re-checks verified domains).
type verifierFlags struct {
	dnsServer    string
	httpsCA      string
	httpsConnect string
}

func (v *verifierFlags) define(fs *flag.FlagSet) {
	fs.StringVar(&v.dnsServer, "dns-server", "", "ask this DNS server (host:port) for TXT records instead of the system resolver")
	fs.StringVar(&v.httpsCA, "https-ca", "", "also trust this PEM CA file when fetching https://<domain>"+domains.WellKnownPath)
	fs.StringVar(&v.httpsConnect, "https-connect", "", "connect to this host:port for every https verification (for tests and split-horizon setups)")
}

// verifier builds the domain verifier the flags describe.
func (v *verifierFlags) verifier() (*domains.Verifier, error) {
	ver := domains.NewVerifier()
	if v.dnsServer != "" {
		server := v.dnsServer
		ver.Resolver = &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, server)
		}}
	}
	if v.httpsCA == "" && v.httpsConnect == "" {
		return ver, nil
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if v.httpsCA != "" {
		pem, err := os.ReadFile(v.httpsCA)
		if err != nil {
			return nil, err
		}
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("--https-ca %s holds no PEM certificate", v.httpsCA)
		}
		tr.TLSClientConfig = &tls.Config{RootCAs: pool}
	}
	if v.httpsConnect != "" {
		target := v.httpsConnect
		tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, target)
		}
	}
	ver.Client.Transport = tr
	return ver, nil
}

func cmdDomainAdd(ctx context.Context, c *cli, args []string) error {
	fs := c.newFlags("domain add")
	org := fs.String("org", "", "the organization's ID")
	name := fs.String("domain", "", "the domain, e.g. acme.com")
	dir := fs.String("directory", "", "link the domain to this directory: only it may provision users on the domain")
	if err := c.parse(fs, args, "org", "domain"); err != nil {
		return err
	}
	d, err := domains.New(*org, *name, *dir)
	if err != nil {
		return err
	}
	st, err := c.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.AddDomain(cliCtx(ctx), d); err != nil {
		return err
	}
	domain, txt, file := d.Name, domains.TXTValue(d.Token), domains.HTTPSURL(d.Name)
	if c.json {
		return c.printJSON(adminapi.DomainJSON(d))
	}
	fmt.Fprintf(c.stdout, "Domain %s added; it is pending verification.\n\n", domain)
	fmt.Fprintln(c.stdout, "Prove you control it in one of two ways:")
	c.labelled("DNS", fmt.Sprintf("a TXT record on %s with the value %s", domain, txt),
		"HTTPS", fmt.Sprintf("a file at %s containing %s", file, d.Token))
	fmt.Fprintf(c.stdout, "\nThen: roster domain verify --org %s --domain %s\n", *org, domain)
	return nil
}

func cmdDomainVerify(ctx context.Context, c *cli, args []string) error {
	fs := c.newFlags("domain verify")
	org := fs.String("org", "", "the organization's ID")
	name := fs.String("domain", "", "the domain")
	method := fs.String("method", "", `dns, https, or manual (an audited override); default: dns, then https`)
	var vf verifierFlags
	vf.define(fs)
	if err := c.parse(fs, args, "org", "domain"); err != nil {
		return err
	}
	domain, err := domains.Normalize(*name)
	if err != nil {
		return err
	}
	ver, err := vf.verifier()
	if err != nil {
		return err
	}
	st, err := c.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	updated, checkErr, err := domains.VerifyNow(cliCtx(ctx), st, ver, *org, domain, *method)
	if err != nil {
		return err
	}
	if c.json {
		if err := c.printJSON(adminapi.DomainJSON(updated)); err != nil {
			return err
		}
	} else if checkErr == nil {
		fmt.Fprintf(c.stdout, "Domain %s is verified (%s). Accounts on it are now managed accounts of the organization.\n", domain, updated.Method)
	}
	if checkErr != nil {
		return fmt.Errorf("%s is not verified: %v", domain, roster.AsError(checkErr).Detail)
	}
	return nil
}

func cmdDomainList(ctx context.Context, c *cli, args []string) error {
	fs := c.newFlags("domain list")
	org := fs.String("org", "", "the organization's ID")
	st, err := c.start(ctx, fs, args, "org")
	if err != nil {
		return err
	}
	defer st.Close()
	list, err := st.Domains(ctx, *org)
	if err != nil {
		return err
	}
	if c.json {
		out := []map[string]any{}
		for i := range list {
			out = append(out, adminapi.DomainJSON(&list[i]))
		}
		return c.printJSON(out)
	}
	if len(list) == 0 {
		fmt.Fprintf(c.stdout, "No domains yet. Add one with: roster domain add --org %s --domain acme.com\n", *org)
		return nil
	}
	rows := [][]string{{"DOMAIN", "STATUS", "METHOD", "VERIFIED", "LAST CHECK", "DIRECTORY", "LAST ERROR"}}
	for _, d := range list {
		rows = append(rows, []string{d.Name, string(d.Status), d.Method, formatTime(d.VerifiedAt), formatTime(d.CheckedAt), orNone(d.DirectoryID), d.LastError})
	}
	c.table(rows)
	return nil
}

func orNone(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func cmdDomainLink(ctx context.Context, c *cli, args []string) error {
	fs := c.newFlags("domain link")
	org := fs.String("org", "", "the organization's ID")
	name := fs.String("domain", "", "the domain")
	dir := fs.String("directory", "", "the only directory that may provision users on the domain; empty to lift the link")
	if err := c.parse(fs, args, "org", "domain"); err != nil {
		return err
	}
	domain, err := domains.Normalize(*name)
	if err != nil {
		return err
	}
	st, err := c.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	d, err := st.UpdateDomain(cliCtx(ctx), *org, domain, func(d *roster.Domain) error {
		d.DirectoryID = *dir
		return nil
	})
	if err != nil {
		return err
	}
	if c.json {
		return c.printJSON(adminapi.DomainJSON(d))
	}
	if d.DirectoryID == "" {
		fmt.Fprintf(c.stdout, "%s is linked to no directory: any directory of the organization may provision users on it.\n", domain)
	} else {
		fmt.Fprintf(c.stdout, "%s is linked to directory %s: only it may provision users on the domain.\n", domain, d.DirectoryID)
	}
	return nil
}

func cmdDomainRemove(ctx context.Context, c *cli, args []string) error {
	fs := c.newFlags("domain remove")
	org := fs.String("org", "", "the organization's ID")
	name := fs.String("domain", "", "the domain")
	if err := c.parse(fs, args, "org", "domain"); err != nil {
		return err
	}
	domain, err := domains.Normalize(*name)
	if err != nil {
		return err
	}
	st, err := c.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.RemoveDomain(cliCtx(ctx), *org, domain); err != nil {
		return err
	}
	if c.json {
		return c.printJSON(map[string]any{"domain": domain, "removed": true})
	}
	fmt.Fprintf(c.stdout, "Domain %s removed; accounts on it are external from now on.\n", domain)
	return nil
}

func cmdUserShow(ctx context.Context, c *cli, args []string) error {
	fs := c.newFlags("user show")
	org := fs.String("org", "", "the organization's ID")
	ref := fs.String("user", "", "the user's ID or userName")
	st, err := c.start(ctx, fs, args, "org", "user")
	if err != nil {
		return err
	}
	defer st.Close()
	u, err := st.FindUser(ctx, *org, *ref)
	if err != nil {
		return err
	}
	account := "external"
	if u.Managed {
		account = "managed"
	}
	if c.json {
		return c.printJSON(adminapi.UserJSON(u))
	}
	c.labelled("ID", u.ID, "userName", u.UserName, "Display name", u.DisplayName, "Email", orNone(u.Email),
		"Account", account, "Active", fmt.Sprint(u.Active), "Directory", orNone(u.DirectoryID), "Last modified", formatTime(u.LastModified))
	return nil
}
