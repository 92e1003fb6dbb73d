// Package outbound holds the one rule every call Roster makes to the
// outside (domain checks, webhook deliveries, later connectors) follows:
// which addresses count as public. A call to a loopback, private,
// link-local or carrier-grade-NAT address is refused unless the operator
// allows private targets. It depends on nothing of Roster's.
package outbound

import "net"

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
