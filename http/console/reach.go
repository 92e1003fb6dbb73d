package console

import (
	"net/netip"
	"net/url"
	"strings"
)

// reachProblem says why cloud identity providers (Microsoft Entra ID,
// Okta, Google), which connect from the internet, cannot reach Roster at
// its public URL: plain http, a loopback or private address, or a name
// only the local network knows. "" when nothing is wrong with it as far as
// the URL shows.
func reachProblem(public string) string {
	u, err := url.Parse(public)
	if err != nil || u.Host == "" {
		return "it is not a full URL"
	}
	var problems []string
	if u.Scheme != "https" {
		problems = append(problems, "it is plain http://, and identity providers send tokens only over HTTPS")
	}
	host := u.Hostname()
	if ip, err := netip.ParseAddr(host); err == nil {
		switch {
		case ip.IsLoopback():
			problems = append(problems, host+" is this machine's loopback address")
		case ip.IsPrivate(), ip.IsLinkLocalUnicast(), ip.IsUnspecified():
			problems = append(problems, host+" is a private address, not reachable from the internet")
		}
	} else if h := strings.ToLower(host); h == "localhost" || strings.HasSuffix(h, ".localhost") || strings.HasSuffix(h, ".local") ||
		strings.HasSuffix(h, ".internal") || !strings.Contains(strings.Trim(h, "."), ".") {
		problems = append(problems, host+" is a name only this machine or network knows")
	}
	return strings.Join(problems, "; ")
}
