package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/domains"
)

// domainJSON is a domain with what to publish to prove it: the shape of
// the admin API's domains, so that a script sees one representation either
// way. The CLI does not import http/adminapi; a change to one shape must be
// made to the other (the use-case layer is where they will become one).
type domainJSON struct {
	Domain      string              `json:"domain"`
	Status      roster.DomainStatus `json:"status"`
	Method      string              `json:"method"`
	DirectoryID string              `json:"directoryId"`
	Token       string              `json:"token"` // public: it is what gets published
	Created     timestamp           `json:"created"`
	Verified    timestamp           `json:"verified"`
	Checked     timestamp           `json:"checked"`
	LastError   string              `json:"lastError"`
	DNS         struct {
		Type  string `json:"type"`
		Name  string `json:"name"`
		Value string `json:"value"`
	} `json:"dns"`
	HTTPS struct {
		URL  string `json:"url"`
		Body string `json:"body"`
	} `json:"https"`
}

func domainView(d *roster.Domain) domainJSON {
	out := domainJSON{Domain: d.Name, Status: d.Status, Method: d.Method, DirectoryID: d.DirectoryID, Token: d.Token,
		Created: timestamp(d.Created), Verified: timestamp(d.VerifiedAt), Checked: timestamp(d.CheckedAt), LastError: d.LastError}
	out.DNS.Type, out.DNS.Name, out.DNS.Value = "TXT", d.Name, domains.TXTValue(d.Token)
	out.HTTPS.URL, out.HTTPS.Body = domains.HTTPSURL(d.Name), d.Token
	return out
}

// domainFlags are the flags that name a domain of an organization.
type domainFlags struct{ org, name string }

func (d *domainFlags) define(fs *flag.FlagSet, usage string) []string {
	fs.StringVar(&d.org, "org", "", "the organization's ID")
	fs.StringVar(&d.name, "domain", "", usage)
	return []string{"org", "domain"}
}

// domainAdd is `roster domain add`.
type domainAdd struct {
	domainFlags
	dir string
}

func (cmd *domainAdd) flags(fs *flag.FlagSet) []string {
	fs.StringVar(&cmd.dir, "directory", "", "link the domain to this directory: only it may provision users on the domain")
	return cmd.define(fs, "the domain, e.g. acme.com")
}

func (cmd *domainAdd) run(ctx context.Context, e *env) (output, error) {
	d, err := domains.New(cmd.org, cmd.name, cmd.dir)
	if err != nil {
		return nil, err
	}
	if err := e.st.CreateDomain(cliCtx(ctx), d); err != nil {
		return nil, err
	}
	return domainAdded{domainView(d), d.OrgID}, nil
}

type domainAdded struct {
	domainJSON
	org string
}

func (d domainAdded) Text(w io.Writer) {
	fmt.Fprintf(w, "Domain %s added; it is pending verification.\n\n", d.Domain)
	fmt.Fprintln(w, "Prove you control it in one of two ways:")
	labelled(w, "DNS", fmt.Sprintf("a TXT record on %s with the value %s", d.Domain, d.DNS.Value),
		"HTTPS", fmt.Sprintf("a file at %s containing %s", d.HTTPS.URL, d.HTTPS.Body))
	fmt.Fprintf(w, "\nThen: roster domain verify --org %s --domain %s\n", d.org, d.Domain)
}

// domainVerify is `roster domain verify`.
type domainVerify struct {
	domainFlags
	method string
	vf     verifierFlags
}

func (cmd *domainVerify) flags(fs *flag.FlagSet) []string {
	fs.StringVar(&cmd.method, "method", "", `dns, https, or manual (an audited override); default: dns, then https`)
	cmd.vf.define(fs)
	return cmd.define(fs, "the domain")
}

// run records the check's outcome whatever it is, so a failed check still
// prints the domain (with --json) and then fails with the reason.
func (cmd *domainVerify) run(ctx context.Context, e *env) (output, error) {
	domain, err := domains.Normalize(cmd.name)
	if err != nil {
		return nil, err
	}
	ver, err := cmd.vf.verifier()
	if err != nil {
		return nil, err
	}
	updated, checkErr, err := domains.VerifyNow(cliCtx(ctx), e.st, ver, cmd.org, domain, cmd.method)
	if err != nil {
		return nil, err
	}
	out := domainVerified{domainView(updated), checkErr == nil}
	if checkErr == nil {
		return out, nil
	}
	detail := roster.AsError(checkErr).Detail
	if cmd.method == domains.MethodAny {
		// Both methods failed, and the detail says so for the domain.
		return out, errors.New(detail)
	}
	return out, fmt.Errorf("%s is not verified: %s", domain, detail)
}

type domainVerified struct {
	domainJSON
	ok bool
}

// Text says nothing of a failed check: the error says it, once.
func (d domainVerified) Text(w io.Writer) {
	if d.ok {
		fmt.Fprintf(w, "Domain %s is verified (%s). Accounts on it are now managed accounts of the organization.\n", d.Domain, d.Method)
	}
}

// domainList is `roster domain list`.
type domainList struct{ org string }

func (cmd *domainList) flags(fs *flag.FlagSet) []string {
	fs.StringVar(&cmd.org, "org", "", "the organization's ID")
	return []string{"org"}
}

func (cmd *domainList) run(ctx context.Context, e *env) (output, error) {
	all, err := e.st.ListDomains(ctx, cmd.org)
	if err != nil {
		return nil, err
	}
	out := list[domainJSON]{
		header: []string{"DOMAIN", "STATUS", "METHOD", "VERIFIED", "LAST CHECK", "DIRECTORY", "LAST ERROR"},
		row: func(d domainJSON) []string {
			return []string{d.Domain, string(d.Status), d.Method, d.Verified.String(), d.Checked.String(), orNone(d.DirectoryID), d.LastError}
		},
		empty: fmt.Sprintf("No domains yet. Add one with: roster domain add --org %s --domain acme.com", cmd.org),
	}
	for i := range all {
		out.items = append(out.items, domainView(&all[i]))
	}
	return out, nil
}

// domainLink is `roster domain link`.
type domainLink struct {
	domainFlags
	dir string
}

func (cmd *domainLink) flags(fs *flag.FlagSet) []string {
	fs.StringVar(&cmd.dir, "directory", "", "the only directory that may provision users on the domain; empty to lift the link")
	return cmd.define(fs, "the domain")
}

func (cmd *domainLink) run(ctx context.Context, e *env) (output, error) {
	domain, err := domains.Normalize(cmd.name)
	if err != nil {
		return nil, err
	}
	d, err := e.st.UpdateDomain(cliCtx(ctx), cmd.org, domain, func(d *roster.Domain) error {
		d.DirectoryID = cmd.dir
		return nil
	})
	if err != nil {
		return nil, err
	}
	return domainLinked{domainView(d)}, nil
}

type domainLinked struct{ domainJSON }

func (d domainLinked) Text(w io.Writer) {
	if d.DirectoryID == "" {
		fmt.Fprintf(w, "%s is linked to no directory: any directory of the organization may provision users on it.\n", d.Domain)
	} else {
		fmt.Fprintf(w, "%s is linked to directory %s: only it may provision users on the domain.\n", d.Domain, d.DirectoryID)
	}
}

// domainRemove is `roster domain remove`.
type domainRemove struct{ domainFlags }

func (cmd *domainRemove) flags(fs *flag.FlagSet) []string { return cmd.define(fs, "the domain") }

func (cmd *domainRemove) run(ctx context.Context, e *env) (output, error) {
	domain, err := domains.Normalize(cmd.name)
	if err != nil {
		return nil, err
	}
	if err := e.st.DeleteDomain(cliCtx(ctx), cmd.org, domain); err != nil {
		return nil, err
	}
	return domainRemoved{domain, true}, nil
}

type domainRemoved struct {
	Domain  string `json:"domain"`
	Removed bool   `json:"removed"`
}

func (d domainRemoved) Text(w io.Writer) {
	fmt.Fprintf(w, "Domain %s removed; accounts on it are external from now on.\n", d.Domain)
}
