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

	"github.com/rosterhq/roster/domains"
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
