// Package domainstest helps tests of packages that use domains.Verifier: it
// answers TXT lookups from a map and makes an HTTP client that reaches a
// local TLS test server under any domain name. It needs nothing but the
// standard library; a test that wants a real DNS server can still give
// domains.Verifier a *net.Resolver that dials one.
package domainstest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
)

// TXTRecords answers TXT lookups from memory: the key is a domain (lower
// case, no trailing dot), the value its records, each one already joined. A
// domain absent from the map is not found, as with NXDOMAIN. It satisfies
// domains.TXTResolver.
type TXTRecords map[string][]string

// LookupTXT returns the records of name, or a *net.DNSError with IsNotFound.
func (m TXTRecords) LookupTXT(ctx context.Context, name string) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, &net.DNSError{Err: err.Error(), Name: name, IsTimeout: errors.Is(err, context.DeadlineExceeded)}
	}
	recs, ok := m[strings.TrimSuffix(strings.ToLower(name), ".")]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
	}
	return recs, nil
}

// HTTPSClient returns a client that sends every request, whatever its host,
// to srv (started with TLS), and trusts srv's certificate for any name. The
// request keeps its host, so srv's handler tells domains apart by r.Host.
func HTTPSClient(srv *httptest.Server) *http.Client {
	cert := srv.Certificate()
	if cert == nil {
		panic("domainstest.HTTPSClient: the server was not started with TLS")
	}
	roots := x509.NewCertPool()
	roots.AddCert(cert)
	addr := srv.Listener.Addr().String()
	var d net.Dialer
	return &http.Client{
		Transport: &http.Transport{
			DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
				return d.DialContext(ctx, network, addr)
			},
			TLSClientConfig: &tls.Config{
				// The certificate names example.com, not the domain under
				// test: verify the chain against srv's certificate only.
				InsecureSkipVerify: true,
				VerifyConnection: func(cs tls.ConnectionState) error {
					if len(cs.PeerCertificates) == 0 {
						return errors.New("domainstest: no server certificate")
					}
					inter := x509.NewCertPool()
					for _, c := range cs.PeerCertificates[1:] {
						inter.AddCert(c)
					}
					_, err := cs.PeerCertificates[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter})
					return err
				},
			},
			ForceAttemptHTTP2: true,
		},
	}
}
