package domains

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/outbound"
)

// Methods accepted by Verifier.Check.
const (
	MethodDNS   = "dns"
	MethodHTTPS = "https"
	MethodAny   = "" // DNS, then HTTPS
)

// DefaultTimeout bounds each method of a check when Verifier.Timeout is 0.
const DefaultTimeout = 10 * time.Second

// MaxBodySize is the largest HTTPS answer Check reads; a larger one fails.
const MaxBodySize = 4 << 10

// maxRedirects bounds the same-host redirects the HTTPS method follows.
const maxRedirects = 5

// TXTResolver looks up the TXT records of a name; *net.Resolver satisfies it.
// Each string returned is one record, its strings already joined.
type TXTResolver interface {
	LookupTXT(ctx context.Context, name string) ([]string, error)
}

// Verifier checks domain proofs. Its zero value works: it uses
// net.DefaultResolver and the client NewVerifier would make. Tests inject a
// resolver that asks a local DNS server and a client that dials a local TLS
// server (see package domainstest).
type Verifier struct {
	Resolver TXTResolver   // nil: net.DefaultResolver
	Client   *http.Client  // nil: the client of NewVerifier; Check uses a copy with its own redirect policy
	Timeout  time.Duration // per method; 0: DefaultTimeout
}

// NewVerifier returns a Verifier that asks the system's DNS servers and
// fetches over HTTPS with a client of its own: bounded dial, TLS and header
// timeouts, no proxy, no keep-alive, and no connection to a loopback, private,
// link-local or otherwise non-public address, so that a domain pointing at
// Roster's own network cannot make it probe that network.
func NewVerifier() *Verifier {
	return &Verifier{
		Resolver: net.DefaultResolver,
		Client:   newClient(nil),
		Timeout:  DefaultTimeout,
	}
}

// newClient returns the client of NewVerifier; it resolves host names with r
// (nil: the system's resolver).
func newClient(r *net.Resolver) *http.Client {
	dialer := &net.Dialer{
		Timeout:  5 * time.Second,
		Resolver: r,
		Control:  refuseNonPublic,
	}
	return &http.Client{
		Transport: &http.Transport{
			Proxy:                  nil,
			DialContext:            dialer.DialContext,
			TLSClientConfig:        &tls.Config{MinVersion: tls.VersionTLS12},
			TLSHandshakeTimeout:    5 * time.Second,
			ResponseHeaderTimeout:  DefaultTimeout,
			DisableKeepAlives:      true,
			ForceAttemptHTTP2:      true,
			MaxResponseHeaderBytes: 64 << 10,
		},
		CheckRedirect: checkRedirect, // Verifier.Timeout bounds the whole request
	}
}

// refuseNonPublic is a net.Dialer Control function: it refuses to connect to
// an address that is not a public unicast one.
func refuseNonPublic(network, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return err
	}
	ip := net.ParseIP(host)
	if ip == nil {
		return fmt.Errorf("refusing to connect to %s: not an IP address", address)
	}
	if !outbound.IsPublicIP(ip) {
		return fmt.Errorf("refusing to connect to %s: not a public address", host)
	}
	return nil
}

// redirectError is what checkRedirect returns for a redirect it refuses.
type redirectError struct {
	to     *url.URL
	reason string
}

func (e *redirectError) Error() string {
	return "redirect to " + e.to.String() + " refused: " + e.reason
}

// checkRedirect follows a redirect only to the same host over HTTPS: a
// redirect elsewhere would prove control of another host, not the domain.
func checkRedirect(req *http.Request, via []*http.Request) error {
	first := via[0].URL
	switch {
	case req.URL.Scheme != "https":
		return &redirectError{req.URL, "Roster only reads the file over HTTPS"}
	case !strings.EqualFold(req.URL.Hostname(), first.Hostname()) || req.URL.Port() != first.Port():
		return &redirectError{req.URL, "Roster follows no redirect to another host; serve the file at " + first.Hostname() + " itself"}
	case len(via) > maxRedirects:
		return &redirectError{req.URL, fmt.Sprintf("more than %d redirects", maxRedirects)}
	}
	return nil
}

var defaultClient = newClient(nil)

func (v *Verifier) timeout() time.Duration {
	if v.Timeout > 0 {
		return v.Timeout
	}
	return DefaultTimeout
}

// Check verifies that whoever published token controls domain, by method
// MethodDNS ("dns"), MethodHTTPS ("https") or MethodAny ("": DNS, then HTTPS;
// either suffices). It returns nil when the proof holds, otherwise a
// *roster.Error with code roster.EInvalid whose detail says what was found
// and what to publish; when both methods fail it gives both reasons. Each
// method is bounded by v.Timeout as well as by ctx.
func (v *Verifier) Check(ctx context.Context, domain, token, method string) error {
	_, err := v.Verify(ctx, domain, token, method)
	return err
}

// Verify is Check that also tells which method proved the domain: MethodDNS
// or MethodHTTPS (useful when method is MethodAny). On failure it returns ""
// and the error Check would.
func (v *Verifier) Verify(ctx context.Context, domain, token, method string) (string, error) {
	d, err := Normalize(domain)
	if err != nil {
		return "", err
	}
	if err := checkToken(token); err != nil {
		return "", err
	}
	switch method {
	case MethodDNS:
		if err := v.checkDNS(ctx, d, token); err != nil {
			return "", err
		}
		return MethodDNS, nil
	case MethodHTTPS:
		if err := v.checkHTTPS(ctx, d, token); err != nil {
			return "", err
		}
		return MethodHTTPS, nil
	case MethodAny:
		dnsErr := v.checkDNS(ctx, d, token)
		if dnsErr == nil {
			return MethodDNS, nil
		}
		httpsErr := v.checkHTTPS(ctx, d, token)
		if httpsErr == nil {
			return MethodHTTPS, nil
		}
		return "", errorf("%s is not verified. By DNS: %s. By HTTPS: %s", d, dnsErr.Detail, httpsErr.Detail)
	default:
		return "", errorf("unknown verification method %q; use %q, %q, or nothing to try both", method, MethodDNS, MethodHTTPS)
	}
}

// checkToken refuses a token that could not be published as is.
func checkToken(token string) error {
	if token == "" {
		return errorf("the verification token is empty")
	}
	if len(token) > 200 {
		return errorf("the verification token is longer than 200 characters")
	}
	for i := 0; i < len(token); i++ {
		if c := token[i]; c <= ' ' || c >= 0x7f || c == '"' {
			return errorf("the verification token %q holds a character that cannot be published", token)
		}
	}
	return nil
}

// maxShown bounds the records, and the characters of each, quoted in a detail.
const (
	maxShownRecords = 10
	maxShownChars   = 100
)

func (v *Verifier) checkDNS(ctx context.Context, domain, token string) *roster.Error {
	r := v.Resolver
	if r == nil {
		r = net.DefaultResolver
	}
	want := TXTValue(token)
	ctx, cancel := context.WithTimeout(ctx, v.timeout())
	defer cancel()
	records, err := r.LookupTXT(ctx, domain)
	if err != nil {
		var dnsErr *net.DNSError
		switch {
		case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
			return errorf("no TXT record on %s says %q; found none; add a TXT record on %s (not on a subdomain) with the value %q", domain, want, domain, want)
		case errors.As(err, &dnsErr) && dnsErr.IsTimeout || errors.Is(err, context.DeadlineExceeded):
			return errorf("the DNS lookup of the TXT records of %s timed out after %s; try again later", domain, v.timeout())
		case errors.Is(err, context.Canceled):
			return errorf("the DNS lookup of the TXT records of %s was cancelled", domain)
		default:
			return errorf("the DNS lookup of the TXT records of %s failed: %v; check the domain's DNS servers and try again", domain, err)
		}
	}
	for _, rec := range records {
		if strings.TrimSpace(rec) == want {
			return nil
		}
	}
	if len(records) == 0 {
		return errorf("no TXT record on %s says %q; found none; add a TXT record on %s (not on a subdomain) with the value %q", domain, want, domain, want)
	}
	return errorf("no TXT record on %s says %q; found: %s; add a TXT record on %s (not on a subdomain) with the value %q", domain, want, quoteList(records), domain, want)
}

// quoteList quotes at most maxShownRecords strings, each cut to maxShownChars.
func quoteList(ss []string) string {
	var b strings.Builder
	for i, s := range ss {
		if i == maxShownRecords {
			fmt.Fprintf(&b, " and %d more", len(ss)-i)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(quoteCut(s))
	}
	return b.String()
}

func quoteCut(s string) string {
	if len(s) > maxShownChars {
		return fmt.Sprintf("%q…", s[:maxShownChars])
	}
	return fmt.Sprintf("%q", s)
}

func (v *Verifier) checkHTTPS(ctx context.Context, domain, token string) *roster.Error {
	client := defaultClient
	if v.Client != nil {
		c := *v.Client
		c.CheckRedirect = checkRedirect
		client = &c
	}
	u := HTTPSURL(domain)
	publish := fmt.Sprintf("publish a file at %s containing %s", u, token)

	ctx, cancel := context.WithTimeout(ctx, v.timeout())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return errorf("cannot build a request for %s: %v", u, err)
	}
	req.Header.Set("User-Agent", "Roster-Domain-Verification/1")
	req.Header.Set("Accept", "text/plain")
	resp, err := client.Do(req)
	if err != nil {
		return fetchError(ctx, u, v.timeout(), publish, err)
	}
	defer resp.Body.Close()

	if resp.StatusCode != http.StatusOK {
		return errorf("%s answered %d; %s", u, resp.StatusCode, publish)
	}
	if resp.ContentLength > MaxBodySize {
		return errorf("%s answered with %d bytes, more than the %d KiB Roster reads; the file must hold only the token; %s", u, resp.ContentLength, MaxBodySize>>10, publish)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxBodySize+1))
	if err != nil {
		return fetchError(ctx, u, v.timeout(), publish, err)
	}
	if len(body) > MaxBodySize {
		return errorf("%s answered with more than the %d KiB Roster reads; the file must hold only the token; %s", u, MaxBodySize>>10, publish)
	}
	text := bytes.TrimPrefix(body, []byte("\xef\xbb\xbf")) // a byte order mark some editors write
	line, _, _ := bytes.Cut(bytes.TrimSpace(text), []byte("\n"))
	got := string(bytes.TrimSpace(line))
	if got == token || got == TXTValue(token) {
		return nil
	}
	if got == "" {
		return errorf("%s is empty; %s", u, publish)
	}
	return errorf("%s does not hold the token: its first line is %s; %s", u, quoteCut(got), publish)
}

// fetchError explains why the HTTPS request for u failed.
func fetchError(ctx context.Context, u string, timeout time.Duration, publish string, err error) *roster.Error {
	var re *redirectError
	if errors.As(err, &re) {
		return errorf("%s redirected to %s; %s; %s", u, re.to, re.reason, publish)
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) {
		return errorf("%s did not answer within %s; %s", u, timeout, publish)
	}
	if errors.Is(err, context.Canceled) {
		return errorf("fetching %s was cancelled", u)
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return errorf("%s did not answer in time; %s", u, publish)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var certErr *tls.CertificateVerificationError
	if errors.As(err, &certErr) {
		return errorf("%s has no valid TLS certificate for the domain (%v); serve the domain over HTTPS with a publicly trusted certificate, or use the DNS method", u, err)
	}
	return errorf("could not fetch %s: %v; %s", u, err, publish)
}
