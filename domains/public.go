package domains

import "strings"

// publicMailDomains are domains of public or free email providers: anyone can
// open an account in them, so no organization may claim them and manage every
// account they hold.
//
// The list was curated by hand from widely known consumer email providers and
// their main country variants; it is not exhaustive and is not fetched from
// anywhere. A provider missing here is not a hole: claiming a domain still
// needs a DNS or HTTPS proof that only the provider could publish. For the
// rare edge case (a provider's own staff, a domain the list gets wrong) an
// administrator can still use the manual override.
var publicMailDomains = map[string]bool{
	// Google
	"gmail.com":      true,
	"googlemail.com": true,

	// Microsoft
	"outlook.com":    true,
	"outlook.fr":     true,
	"outlook.de":     true,
	"outlook.es":     true,
	"outlook.it":     true,
	"outlook.jp":     true,
	"outlook.co.uk":  true,
	"outlook.com.br": true,
	"hotmail.com":    true,
	"hotmail.co.uk":  true,
	"hotmail.fr":     true,
	"hotmail.de":     true,
	"hotmail.es":     true,
	"hotmail.it":     true,
	"hotmail.nl":     true,
	"hotmail.be":     true,
	"hotmail.ca":     true,
	"hotmail.co.jp":  true,
	"hotmail.com.br": true,
	"hotmail.com.ar": true,
	"hotmail.com.mx": true,
	"live.com":       true,
	"live.co.uk":     true,
	"live.fr":        true,
	"live.de":        true,
	"live.it":        true,
	"live.nl":        true,
	"live.ca":        true,
	"live.com.au":    true,
	"msn.com":        true,
	"passport.com":   true,

	// Yahoo
	"yahoo.com":      true,
	"yahoo.co.uk":    true,
	"yahoo.fr":       true,
	"yahoo.de":       true,
	"yahoo.es":       true,
	"yahoo.it":       true,
	"yahoo.ca":       true,
	"yahoo.co.in":    true,
	"yahoo.co.jp":    true,
	"yahoo.com.au":   true,
	"yahoo.com.br":   true,
	"yahoo.com.ar":   true,
	"yahoo.com.mx":   true,
	"yahoo.com.sg":   true,
	"yahoo.com.tw":   true,
	"yahoo.com.hk":   true,
	"ymail.com":      true,
	"rocketmail.com": true,

	// AOL / Verizon
	"aol.com":       true,
	"aim.com":       true,
	"verizon.net":   true,
	"comcast.net":   true,
	"att.net":       true,
	"sbcglobal.net": true,

	// Apple
	"icloud.com": true,
	"me.com":     true,
	"mac.com":    true,

	// Privacy-focused and paid consumer mail
	"proton.me":      true,
	"protonmail.com": true,
	"protonmail.ch":  true,
	"pm.me":          true,
	"tutanota.com":   true,
	"tutanota.de":    true,
	"tutamail.com":   true,
	"tuta.io":        true,
	"tuta.com":       true,
	"fastmail.com":   true,
	"fastmail.fm":    true,
	"hey.com":        true,
	"mailbox.org":    true,
	"posteo.de":      true,
	"posteo.net":     true,
	"disroot.org":    true,
	"riseup.net":     true,
	"hushmail.com":   true,

	// GMX / United Internet / other European portals
	"gmx.com":         true,
	"gmx.de":          true,
	"gmx.net":         true,
	"gmx.at":          true,
	"gmx.ch":          true,
	"gmx.fr":          true,
	"gmx.co.uk":       true,
	"web.de":          true,
	"mail.com":        true,
	"email.com":       true,
	"t-online.de":     true,
	"freenet.de":      true,
	"orange.fr":       true,
	"wanadoo.fr":      true,
	"free.fr":         true,
	"laposte.net":     true,
	"sfr.fr":          true,
	"libero.it":       true,
	"virgilio.it":     true,
	"tiscali.it":      true,
	"seznam.cz":       true,
	"wp.pl":           true,
	"o2.pl":           true,
	"interia.pl":      true,
	"onet.pl":         true,
	"btinternet.com":  true,
	"sky.com":         true,
	"virginmedia.com": true,
	"bluewin.ch":      true,

	// Zoho
	"zoho.com":     true,
	"zohomail.com": true,

	// Russia and neighbours
	"yandex.com": true,
	"yandex.ru":  true,
	"ya.ru":      true,
	"mail.ru":    true,
	"bk.ru":      true,
	"inbox.ru":   true,
	"list.ru":    true,
	"rambler.ru": true,
	"ukr.net":    true,

	// China
	"qq.com":      true,
	"foxmail.com": true,
	"163.com":     true,
	"126.com":     true,
	"yeah.net":    true,
	"sina.com":    true,
	"sina.cn":     true,
	"sohu.com":    true,
	"aliyun.com":  true,
	"139.com":     true,

	// Korea and Japan
	"naver.com":   true,
	"daum.net":    true,
	"hanmail.net": true,
	"kakao.com":   true,
	"nate.com":    true,

	// India and elsewhere
	"rediffmail.com": true,
	"uol.com.br":     true,
	"bol.com.br":     true,
	"terra.com.br":   true,

	// Throwaway and forwarding services
	"mailinator.com":    true,
	"guerrillamail.com": true,
	"10minutemail.com":  true,
	"temp-mail.org":     true,
	"duck.com":          true,
}

// IsPublicMailDomain reports whether domain is, or is under, the domain of a
// public or free email provider (gmail.com, mail.gmail.com, outlook.com, ...).
// Anyone can open an account there, so no organization may claim it. The
// domain is compared case-insensitively, without a trailing dot; a name that
// merely contains a provider's domain (gmail.com.evil.test) is not public.
func IsPublicMailDomain(domain string) bool {
	d := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(domain)), ".")
	for d != "" {
		if publicMailDomains[d] {
			return true
		}
		i := strings.IndexByte(d, '.')
		if i < 0 {
			break
		}
		d = d[i+1:]
	}
	return false
}
