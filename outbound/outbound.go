// Package outbound holds the one rule every call Roster makes to the
// outside (domain checks, webhook deliveries, later connectors) follows:
// which addresses count as public. A call to a loopback, private,
// link-local or carrier-grade-NAT address is refused unless the operator
// allows private targets. It depends on nothing of Roster's.
package outbound

import (
	"context"
	"fmt"
	"net"
	"syscall"
	"time"
)

// IsPublicIP reports whether ip is a public unicast address.
func IsPublicIP(ip net.IP) bool {
	if ip.IsLoopback() || ip.IsPrivate() || ip.IsUnspecified() || ip.IsLinkLocalUnicast() ||
		ip.IsLinkLocalMulticast() || ip.IsInterfaceLocalMulticast() || ip.IsMulticast() {
		return false
	}
	if ip4 := ip.To4(); ip4 != nil {
		// 100.64.0.0/10 (carrier-grade NAT) and 0.0.0.0/8 are not public either.
		if ip4[0] == 100 && ip4[1]&0xc0 == 64 || ip4[0] == 0 {
			return false
		}
	}
	return true
}

// RefuseNonPublic is a net.Dialer Control function that refuses, at
// connect time, any address that is not a public unicast one: DNS may have
// changed since the URL was checked.
func RefuseNonPublic(_, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(host); ip == nil || !IsPublicIP(ip) {
		return fmt.Errorf("refusing to connect to %s: not a public address", host)
	}
	return nil
}

// Dialer is the dialer of outbound HTTP clients: a connect timeout, and
// RefuseNonPublic unless private targets are allowed.
func Dialer(allowPrivate bool) *net.Dialer {
	d := &net.Dialer{Timeout: 5 * time.Second}
	if !allowPrivate {
		d.Control = RefuseNonPublic
	}
	return d
}

// NonPublicHost resolves host (with r, nil for the system's resolver) and
// returns the first of its addresses that is not public, or nil when all
// are; an error when it does not resolve.
func NonPublicHost(ctx context.Context, r *net.Resolver, host string) (net.IP, error) {
	if ip := net.ParseIP(host); ip != nil {
		if !IsPublicIP(ip) {
			return ip, nil
		}
		return nil, nil
	}
	if r == nil {
		r = net.DefaultResolver
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	addrs, err := r.LookupIPAddr(ctx, host)
	if err != nil || len(addrs) == 0 {
		return nil, fmt.Errorf("the host %q does not resolve", host)
	}
	for _, a := range addrs {
		if !IsPublicIP(a.IP) {
			return a.IP, nil
		}
	}
	return nil, nil
}
