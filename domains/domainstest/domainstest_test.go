package domainstest_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/rosterhq/roster/domains"
	"github.com/rosterhq/roster/domains/domainstest"
)

func TestTXTRecords(t *testing.T) {
	r := domainstest.TXTRecords{"acme.com": {"v=spf1 -all", domains.TXTValue("tok")}}
	got, err := r.LookupTXT(context.Background(), "ACME.com.")
	if err != nil || len(got) != 2 {
		t.Fatalf("LookupTXT(ACME.com.) = %q, %v", got, err)
	}
	_, err = r.LookupTXT(context.Background(), "other.com")
	var dnsErr *net.DNSError
	if !errors.As(err, &dnsErr) || !dnsErr.IsNotFound {
		t.Errorf("LookupTXT(other.com) error = %v, want not found", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := r.LookupTXT(ctx, "acme.com"); err == nil {
		t.Error("LookupTXT with a cancelled context succeeded")
	}
}

func TestWithVerifier(t *testing.T) {
	token := domains.NewToken()
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Host == "web.com" && r.URL.Path == domains.WellKnownPath {
			fmt.Fprintln(w, token)
			return
		}
		http.NotFound(w, r)
	}))
	defer srv.Close()
	v := &domains.Verifier{
		Resolver: domainstest.TXTRecords{"dns.com": {domains.TXTValue(token)}},
		Client:   domainstest.HTTPSClient(srv),
	}
	ctx := context.Background()
	for _, tt := range []struct {
		domain, method string
		ok             bool
	}{
		{"dns.com", "dns", true},
		{"web.com", "https", true},
		{"web.com", "", true},
		{"dns.com", "https", false},
		{"web.com", "dns", false},
		{"other.com", "", false},
	} {
		if err := v.Check(ctx, tt.domain, token, tt.method); (err == nil) != tt.ok {
			t.Errorf("Check(%s, %q) = %v, want ok=%v", tt.domain, tt.method, err, tt.ok)
		}
	}
}

// HTTPSClient reaches its server under any name, and trusts no other
// certificate.
func TestHTTPSClientTrustsOnlyItsServer(t *testing.T) {
	srv := httptest.NewTLSServer(http.NotFoundHandler())
	defer srv.Close()
	c := domainstest.HTTPSClient(srv)
	resp, err := c.Get("https://anything.example/")
	if err != nil {
		t.Fatalf("GET through HTTPSClient: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("status %d, want 404 from the test server", resp.StatusCode)
	}

	// Another server, with a certificate of its own.
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "other"}, DNSNames: []string{"anything.example"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	other := httptest.NewUnstartedServer(http.NotFoundHandler())
	other.Config.ErrorLog = log.New(io.Discard, "", 0)
	other.TLS = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	other.StartTLS()
	defer other.Close()
	tr := c.Transport.(*http.Transport)
	addr := other.Listener.Addr().String()
	tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}
	if resp, err := c.Get("https://anything.example/"); err == nil {
		resp.Body.Close()
		t.Error("HTTPSClient trusted a server with another certificate")
	}
}
