package console

import (
	"net/http"
	"strings"

	"github.com/rosterhq/roster"
)

// IdentityProvider names the identity provider behind a User-Agent, as
// the directory health page shows it. Identity providers do not say who
// they are in any standard way; their User-Agents carry their names
// ("Okta SCIM Client", Microsoft's provisioning service), which is what
// this looks for. Anything else is shown as it came.
func IdentityProvider(userAgent string) string {
	ua := strings.ToLower(userAgent)
	for _, p := range []struct{ keyword, name string }{
		{"okta", "Okta"},
		{"entra", "Microsoft Entra ID"},
		{"azure", "Microsoft Entra ID"},
		{"aad", "Microsoft Entra ID"},
		{"microsoft", "Microsoft Entra ID"},
		{"onelogin", "OneLogin"},
		{"jumpcloud", "JumpCloud"},
		{"google", "Google Workspace"},
		{"rippling", "Rippling"},
		{"pingone", "PingOne"},
		{"ping identity", "PingOne"},
	} {
		if strings.Contains(ua, p.keyword) {
			return p.name
		}
	}
	if userAgent == "" {
		return "Unknown client (no User-Agent)"
	}
	if len(userAgent) > 60 {
		userAgent = userAgent[:60] + "…"
	}
	return "Unknown client (" + userAgent + ")"
}

// Explanation says in plain words what a failed provisioning request
// means and what the admin can do about it.
type Explanation struct {
	What string
	Do   string
}

// Explain explains a failed request from the request log; a successful
// one has no explanation. It goes by the error's reason key
// (roster.Reason), which is stable, and then by the status; never by the
// wording of the detail, which may change.
func Explain(r roster.Request) *Explanation {
	if r.Status < 400 {
		return nil
	}
	switch r.Reason {
	case roster.ReasonTokenRevoked:
		return &Explanation{"The identity provider used a token that was revoked.",
			"Create a new token on this page and paste it into the identity provider's provisioning settings (Secret token / API token)."}
	case roster.ReasonTokenExpired:
		return &Explanation{"The identity provider used a token that has expired.",
			"Rotate or create a token on this page and paste the new one into the identity provider. Set a reminder before the new token's expiry."}
	case roster.ReasonTokenMissing:
		return &Explanation{"The request came without a Roster token, or with something that is not one.",
			"In the identity provider, paste the directory's token (it starts with " + roster.TokenSecretPrefix + ") as the secret token, and use bearer authentication."}
	case roster.ReasonDomainNotLinked:
		return &Explanation{"The user's email domain is linked to another directory, so this identity provider may not provision it.",
			"Provision the user from the directory that owns the domain, or change the domain's directory on the Domains page."}
	case roster.ReasonNoEndpoint:
		return &Explanation{"The identity provider called a URL that is not a SCIM endpoint of this directory.",
			"Set the identity provider's base URL (Tenant URL) to exactly the directory's base URL shown on this page."}
	case roster.ReasonTooMany:
		return &Explanation{"The request was larger than Roster accepts (body size, operations or members per request).",
			"Lower the batch size in the identity provider, if it has the setting; the limits are in the directory's ServiceProviderConfig."}
	case roster.ReasonInvalidFilter:
		return &Explanation{"Roster could not understand the identity provider's filter.",
			"Check attribute mappings that feed filters (the matching attribute, usually userName). The detail quotes the part Roster could not read."}
	case roster.ReasonUniqueness:
		return &Explanation{"A value that must be unique is already taken.", "Find the other account with that value on the Users page."}
	}
	switch {
	case r.Status == http.StatusUnauthorized:
		return &Explanation{"The token does not open this directory: it belongs to another directory, or was mistyped.",
			"Check that the identity provider's base URL and token are this directory's. If unsure, rotate the token and paste the new one."}
	case r.Status == http.StatusForbidden:
		return &Explanation{"The request is not allowed for this directory.", "Read the error detail; it names what was refused."}
	case r.Status == http.StatusConflict:
		return &Explanation{"The user or group already exists in the organization (another directory or a local account may hold the same userName or name).",
			"Find it on the Users or Groups page. Remove the duplicate, or link the conflicting group from the Groups page. The identity provider retries on its next cycle."}
	case r.Status == http.StatusNotFound:
		return &Explanation{"The identity provider referred to a user or group Roster does not have (deleted here, or never created).",
			"Usually harmless: the identity provider creates it again on its next cycle. If it keeps failing, restart provisioning for that user in the identity provider."}
	case r.Status == http.StatusPreconditionFailed:
		return &Explanation{"The resource changed between the identity provider's read and its write (If-Match did not match).",
			"Nothing to do: the identity provider reads it again and retries."}
	case r.Status == http.StatusRequestEntityTooLarge:
		return &Explanation{"The request was larger than Roster accepts (body size, operations or members per request).",
			"Lower the batch size in the identity provider, if it has the setting; the limits are in the directory's ServiceProviderConfig."}
	case r.Status == http.StatusTooManyRequests:
		return &Explanation{"The identity provider sent more requests per second than the token may.",
			"Nothing to do: identity providers slow down and retry. If it lasts, raise --rate-limit on the server."}
	case r.Status == http.StatusBadRequest:
		return &Explanation{"The identity provider sent a value Roster does not accept.",
			"Check the attribute mapping the detail names (for example an email without @, or a value of the wrong type) and fix it in the identity provider."}
	case r.Status == http.StatusMethodNotAllowed || r.Status == http.StatusUnsupportedMediaType:
		return &Explanation{"The identity provider used a method or body format this endpoint does not take.",
			"Check the base URL; if it is right, the identity provider's connector is unusual: contact Roster's maintainers with the request log."}
	case r.Status >= 500:
		return &Explanation{"Roster failed to handle the request.",
			"Identity providers retry failed requests. Give the request ID in the detail to whoever runs Roster: the server log has the cause."}
	}
	return &Explanation{"The request failed.", "Read the error detail."}
}
