package domains

import (
	"context"
	"crypto/x509"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster/domains/domainstest"
	"github.com/rosterhq/roster/outbound"
)

var tok = NewToken()

// testZone is the DNS of the Check tests.
func testZone() *zone {
	many := [][]string{}
	for i := range 12 {
		many = append(many, []string{fmt.Sprintf("record-%02d", i)})
	}
	return &zone{
		txt: map[string][][]string{
			"dns-ok.com.":     {{"v=spf1 include:_spf.google.com ~all"}, {TXTValue(tok)}},
			"dns-split.com.":  {{"roster-verification=", tok[:10], tok[10:]}},
			"dns-spaces.com.": {{"  " + TXTValue(tok) + " "}},
			"dns-wrong.com.":  {{"v=spf1 -all"}, {"roster-verification=nottherighttoken"}, {"google-site-verification=abc123"}},
			"dns-prefix.com.": {{TXTValue(tok) + "x"}},
			"dns-many.com.":   many,
			"dns-long.com.":   {{strings.Repeat("x", 200), strings.Repeat("x", 100)}}, // one record, 300 characters
			"both.com.":       {{TXTValue(tok)}},
			// A record on a subdomain proves nothing about the apex.
			"_roster-verification.dns-sub.com.": {{TXTValue(tok)}},
		},
		a: map[string]string{
			"a-only.com.":  "192.0.2.1",
			"dns-sub.com.": "192.0.2.1",
		},
	}
}

const wellKnown = WellKnownPath

// testSite serves the well-known file per host.
func testSite(w http.ResponseWriter, r *http.Request) {
	host := r.Host
	if r.URL.Path != wellKnown && host != "https-sameredirect.com" {
		http.NotFound(w, r)
		return
	}
	switch host {
	case "https-ok.com", "both.com", "elsewhere.com":
		fmt.Fprintln(w, tok)
	case "https-txtform.com":
		fmt.Fprint(w, TXTValue(tok))
	case "https-crlf.com":
		fmt.Fprint(w, "\ufeff  "+tok+" \r\nsecond line\r\n")
	case "https-wrong.com":
		fmt.Fprintln(w, "someothertoken")
	case "https-empty.com":
	case "https-500.com":
		http.Error(w, "oops", http.StatusInternalServerError)
	case "https-big.com":
		body := tok + "\n" + strings.Repeat("#", 5000)
		w.Header().Set("Content-Length", fmt.Sprint(len(body)))
		fmt.Fprint(w, body)
	case "https-bigchunked.com":
		fmt.Fprintln(w, tok)
		w.(http.Flusher).Flush() // no Content-Length: the size shows only while reading
		fmt.Fprint(w, strings.Repeat("#", 5000))
	case "https-redirect.com":
		http.Redirect(w, r, "https://elsewhere.com"+wellKnown, http.StatusFound)
	case "https-plainredirect.com":
		http.Redirect(w, r, "http://https-plainredirect.com"+wellKnown, http.StatusMovedPermanently)
	case "https-sameredirect.com":
		if r.URL.Path == wellKnown {
			http.Redirect(w, r, "/verification/token.txt", http.StatusFound)
			return
		}
		fmt.Fprintln(w, tok)
	case "https-slow.com":
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
			fmt.Fprintln(w, tok)
		}
	default:
		http.NotFound(w, r)
	}
}

// setup starts the DNS and HTTPS servers and returns a Verifier using both.
func setup(t *testing.T) (*Verifier, *httptest.Server) {
	t.Helper()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(testSite))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // handshakes the bad-certificate test fails
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return &Verifier{Resolver: startDNS(t, testZone()), Client: domainstest.HTTPSClient(srv)}, srv
}

func TestCheck(t *testing.T) {
	v, _ := setup(t)
	httpsURL := func(d string) string { return "https://" + d + wellKnown }
	tests := []struct {
		domain, method string
		wantMethod     string   // "" when the check must fail
		want           []string // substrings of the error detail
	}{
		// DNS
		{"dns-ok.com", "dns", "dns", nil},
		{"  DNS-OK.com. ", "dns", "dns", nil},
		{"dns-split.com", "dns", "dns", nil},
		{"dns-spaces.com", "dns", "dns", nil},
		{"dns-wrong.com", "dns", "", []string{
			`no TXT record on dns-wrong.com says "roster-verification=` + tok + `"`,
			`found: "v=spf1 -all", "roster-verification=nottherighttoken", "google-site-verification=abc123"`,
		}},
		{"dns-prefix.com", "dns", "", []string{`found: "roster-verification=` + tok + `x"`}},
		{"dns-many.com", "dns", "", []string{`"record-00"`, `"record-09"`, "and 2 more"}},
		{"dns-long.com", "dns", "", []string{`"` + strings.Repeat("x", 100) + `"…`}},
		{"dns-sub.com", "dns", "", []string{"no TXT record on dns-sub.com", "found none", "not on a subdomain"}},
		{"www.dns-ok.com", "dns", "", []string{"no TXT record on www.dns-ok.com", "found none"}},
		{"a-only.com", "dns", "", []string{"no TXT record on a-only.com", "found none"}},
		{"nxdomain.com", "dns", "", []string{"no TXT record on nxdomain.com", "found none"}},
		{"servfail.com", "dns", "", []string{"the DNS lookup of the TXT records of servfail.com failed"}},
		{"https-ok.com", "dns", "", []string{"no TXT record on https-ok.com"}},

		// HTTPS
		{"https-ok.com", "https", "https", nil},
		{"https-txtform.com", "https", "https", nil},
		{"https-crlf.com", "https", "https", nil},
		{"https-sameredirect.com", "https", "https", nil},
		{"https-wrong.com", "https", "", []string{httpsURL("https-wrong.com") + ` does not hold the token: its first line is "someothertoken"`, "containing " + tok}},
		{"https-empty.com", "https", "", []string{httpsURL("https-empty.com") + " is empty"}},
		{"dns-ok.com", "https", "", []string{httpsURL("dns-ok.com") + " answered 404; publish a file at " + httpsURL("dns-ok.com") + " containing " + tok}},
		{"https-500.com", "https", "", []string{"answered 500"}},
		{"https-big.com", "https", "", []string{"answered with 5040 bytes", "4 KiB"}},
		{"https-bigchunked.com", "https", "", []string{"more than the 4 KiB"}},
		{"https-redirect.com", "https", "", []string{"redirected to https://elsewhere.com" + wellKnown, "no redirect to another host", "at https-redirect.com itself"}},
		{"https-plainredirect.com", "https", "", []string{"redirected to http://https-plainredirect.com" + wellKnown, "only reads the file over HTTPS"}},

		// Either
		{"dns-ok.com", "", "dns", nil},
		{"both.com", "", "dns", nil},
		{"https-ok.com", "", "https", nil},
		{"dns-wrong.com", "", "", []string{
			"dns-wrong.com is not verified. By DNS: no TXT record on dns-wrong.com",
			`"google-site-verification=abc123"`,
			". By HTTPS: " + httpsURL("dns-wrong.com") + " answered 404",
		}},
		{"servfail.com", "", "", []string{"By DNS: the DNS lookup", "failed", "By HTTPS: " + httpsURL("servfail.com") + " answered 404"}},
		{"https-redirect.com", "", "", []string{"By DNS: no TXT record", "By HTTPS: " + httpsURL("https-redirect.com") + " redirected"}},

		// Bad input
		{"localhost", "dns", "", []string{"local name"}},
		{"127.0.0.1", "https", "", []string{"IP address"}},
		{"dns-ok.com", "ftp", "", []string{`unknown verification method "ftp"`}},
		{"dns-ok.com", "DNS", "", []string{`unknown verification method "DNS"`}},
	}
	for _, tt := range tests {
		t.Run(tt.method+"/"+strings.TrimSpace(tt.domain), func(t *testing.T) {
			ctx := context.Background()
			got, err := v.Verify(ctx, tt.domain, tok, tt.method)
			checkErr := v.Check(ctx, tt.domain, tok, tt.method)
			if (err == nil) != (checkErr == nil) {
				t.Fatalf("Verify error %v but Check error %v", err, checkErr)
			}
			if tt.wantMethod != "" {
				if err != nil {
					t.Fatalf("Check(%q, %q) = %v, want success", tt.domain, tt.method, err)
				}
				if got != tt.wantMethod {
					t.Errorf("Verify(%q, %q) proved by %q, want %q", tt.domain, tt.method, got, tt.wantMethod)
				}
				return
			}
			if got != "" {
				t.Errorf("Verify(%q, %q) proved by %q despite the error", tt.domain, tt.method, got)
			}
			wantInvalid(t, err, tt.want...)
			wantInvalid(t, checkErr, tt.want...)
		})
	}
}

func TestCheckBadToken(t *testing.T) {
	v, _ := setup(t)
	for _, token := range []string{"", "has space", "quo\"te", "new\nline", strings.Repeat("a", 201)} {
		wantInvalid(t, v.Check(context.Background(), "dns-ok.com", token, ""), "token")
	}
}

func TestCheckHTTPSTimeout(t *testing.T) {
	v, _ := setup(t)
	v.Timeout = 200 * time.Millisecond
	start := time.Now()
	err := v.Check(context.Background(), "https-slow.com", tok, "https")
	wantInvalid(t, err, "https://https-slow.com"+wellKnown+" did not answer within 200ms", "containing "+tok)
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Check took %s despite a 200ms timeout", d)
	}
}

func TestCheckDNSTimeout(t *testing.T) {
	v, _ := setup(t)
	v.Timeout = 300 * time.Millisecond
	start := time.Now()
	err := v.Check(context.Background(), "silent.com", tok, "dns")
	wantInvalid(t, err, "the DNS lookup of the TXT records of silent.com timed out after 300ms")
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Check took %s despite a 300ms timeout", d)
	}
}

func TestCheckCancelled(t *testing.T) {
	v, _ := setup(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := v.Check(ctx, "dns-ok.com", tok, "")
	wantInvalid(t, err, "By DNS:", "By HTTPS:", "cancelled")
}

// An injected client's own redirect policy must not weaken Check's.
func TestCheckInjectedClientRedirectPolicy(t *testing.T) {
	v, _ := setup(t)
	c := *v.Client
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return nil } // follows anything
	v.Client = &c
	wantInvalid(t, v.Check(context.Background(), "https-redirect.com", tok, "https"), "no redirect to another host")
	if v.Client.CheckRedirect == nil {
		t.Error("Check changed the injected client")
	}
}

// A certificate that does not name the domain is no proof.
func TestCheckHTTPSBadCertificate(t *testing.T) {
	v, srv := setup(t)
	roots := x509.NewCertPool()
	roots.AddCert(srv.Certificate())
	tr := srv.Client().Transport.(*http.Transport).Clone()
	tr.TLSClientConfig.RootCAs = roots // trusted, but issued for example.com
	addr := srv.Listener.Addr().String()
	tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}
	v.Client = &http.Client{Transport: tr}
	wantInvalid(t, v.Check(context.Background(), "https-ok.com", tok, "https"),
		"https://https-ok.com"+wellKnown+" has no valid TLS certificate", "not https-ok.com", "use the DNS method")
}

// NewVerifier's client refuses to connect to non-public addresses, whatever
// the domain's DNS says.
func TestDefaultClientRefusesPrivateAddresses(t *testing.T) {
	z := &zone{a: map[string]string{"internal.com.": "127.0.0.1", "intranet.com.": "10.1.2.3"}}
	r := startDNS(t, z)
	v := NewVerifier()
	if v.Resolver == nil || v.Client == nil || v.Timeout != DefaultTimeout {
		t.Fatalf("NewVerifier() = %+v, want a resolver, a client and the default timeout", v)
	}
	v.Resolver = r
	v.Client = newClient(r)
	for _, d := range []string{"internal.com", "intranet.com"} {
		wantInvalid(t, v.Check(context.Background(), d, tok, "https"), "could not fetch https://"+d+wellKnown, "not a public address")
	}
}

func TestIsPublicIP(t *testing.T) {
	for _, tt := range []struct {
		ip   string
		want bool
	}{
		{"192.0.2.1", true}, {"8.8.8.8", true}, {"2001:4860:4860::8888", true},
		{"127.0.0.1", false}, {"10.0.0.1", false}, {"172.16.5.4", false}, {"192.168.1.1", false},
		{"169.254.169.254", false}, {"100.64.0.1", false}, {"100.127.255.255", false}, {"0.0.0.0", false},
		{"0.1.2.3", false}, {"::1", false}, {"::", false}, {"fe80::1", false}, {"fd00::1", false},
		{"224.0.0.1", false}, {"::ffff:127.0.0.1", false}, {"100.128.0.1", true},
	} {
		if got := outbound.IsPublicIP(net.ParseIP(tt.ip)); got != tt.want {
			t.Errorf("outbound.IsPublicIP(%s) = %v, want %v", tt.ip, got, tt.want)
		}
	}
}

func TestCheckRedirect(t *testing.T) {
	req := func(u string) *http.Request { return httptest.NewRequest("GET", u, nil) }
	first := req("https://acme.com" + wellKnown)
	if err := checkRedirect(req("https://ACME.com/other"), []*http.Request{first}); err != nil {
		t.Errorf("same-host redirect refused: %v", err)
	}
	for _, u := range []string{"https://www.acme.com/x", "http://acme.com/x", "https://acme.com:8443/x", "https://evil.test/x"} {
		if err := checkRedirect(req(u), []*http.Request{first}); err == nil {
			t.Errorf("redirect to %s allowed", u)
		}
	}
	via := []*http.Request{first, first, first, first, first, first}
	if err := checkRedirect(req("https://acme.com/x"), via); err == nil {
		t.Error("a seventh redirect was allowed")
	}
}
