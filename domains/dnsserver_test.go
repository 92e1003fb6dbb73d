package domains

import (
	"context"
	"net"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/miekg/dns"
)

// Names the test DNS server treats specially.
const (
	servfailName = "servfail.com." // answers SERVFAIL
	silentName   = "silent.com."   // never answers
)

// zone is what the test DNS server serves. Keys are lower-case FQDNs.
type zone struct {
	txt     map[string][][]string // each record is a list of strings
	a       map[string]string     // IPv4 address
	queries atomic.Int64
}

func (z *zone) ServeDNS(w dns.ResponseWriter, r *dns.Msg) {
	z.queries.Add(1)
	m := new(dns.Msg)
	m.SetReply(r)
	m.Authoritative, m.RecursionAvailable = true, true
	if len(r.Question) != 1 {
		m.Rcode = dns.RcodeFormatError
		w.WriteMsg(m)
		return
	}
	q := r.Question[0]
	name := strings.ToLower(q.Name)
	switch name {
	case servfailName:
		m.Rcode = dns.RcodeServerFailure
		w.WriteMsg(m)
		return
	case silentName:
		return
	}
	txt, hasTXT := z.txt[name]
	a, hasA := z.a[name]
	if !hasTXT && !hasA {
		m.Rcode = dns.RcodeNameError // NXDOMAIN
		w.WriteMsg(m)
		return
	}
	hdr := dns.RR_Header{Name: q.Name, Rrtype: q.Qtype, Class: dns.ClassINET, Ttl: 60}
	switch q.Qtype {
	case dns.TypeTXT:
		for _, rec := range txt {
			m.Answer = append(m.Answer, &dns.TXT{Hdr: hdr, Txt: rec})
		}
	case dns.TypeA:
		if hasA {
			m.Answer = append(m.Answer, &dns.A{Hdr: hdr, A: net.ParseIP(a).To4()})
		}
	}
	w.WriteMsg(m) // NOERROR, maybe without answers (NODATA)
}

// startDNS starts a real DNS server on a free UDP port of 127.0.0.1 serving z,
// and returns a resolver that asks it, and only it.
func startDNS(t *testing.T, z *zone) *net.Resolver {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	started := make(chan struct{})
	srv := &dns.Server{PacketConn: pc, Handler: z, NotifyStartedFunc: func() { close(started) }}
	errc := make(chan error, 1)
	go func() { errc <- srv.ActivateAndServe() }()
	select {
	case <-started:
	case err := <-errc:
		t.Fatalf("DNS server: %v", err)
	}
	t.Cleanup(func() {
		if err := srv.Shutdown(); err != nil {
			t.Errorf("DNS server shutdown: %v", err)
		}
	})
	addr := pc.LocalAddr().String()
	return &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "udp", addr)
		},
	}
}

// TestDNSServer checks the test server itself, so that a failure of Check
// cannot come from a broken fixture: multi-string records are joined, several
// records are all returned, unknown names are not found.
func TestDNSServer(t *testing.T) {
	z := &zone{txt: map[string][][]string{
		"multi.com.": {{"ab", "cd"}, {"ef"}},
	}}
	r := startDNS(t, z)
	ctx := context.Background()
	got, err := r.LookupTXT(ctx, "multi.com")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || !(got[0] == "abcd" && got[1] == "ef" || got[0] == "ef" && got[1] == "abcd") {
		t.Errorf("LookupTXT(multi.com) = %q, want [abcd ef]", got)
	}
	_, err = r.LookupTXT(ctx, "unknown.com")
	var dnsErr *net.DNSError
	if !errorsAs(err, &dnsErr) || !dnsErr.IsNotFound {
		t.Errorf("LookupTXT(unknown.com) error = %v, want not found", err)
	}
	if z.queries.Load() == 0 {
		t.Error("the server saw no query")
	}
}
