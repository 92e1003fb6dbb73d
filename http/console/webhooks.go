package console

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/webhooks"
)

// Webhooks: the organization's webhooks and their delivery logs, through
// the webhooks use case the admin API and the command line call. A new or
// rotated secret goes through the one-time slot (reveal.go), like a new
// token: the POST redirects to a page that shows it once.

func (s *Console) webhookRoutes(h func(string, page), o string) {
	w := o + "/webhooks/{webhook}"
	h("GET "+o+"/webhooks", s.webhooksPage)
	h("POST "+o+"/webhooks", s.form("create-webhook", "url", webhookField, s.webhooksPage, s.createWebhook))
	h("GET "+w, s.webhookPage)
	h("GET "+w+"/secret", s.webhookSecret)
	h("POST "+w+"/rotate", s.rotateWebhook)
	h("POST "+w+"/enabled", s.enableWebhook)
	h("POST "+w+"/delete", s.deleteWebhook)
	h("POST "+w+"/test", s.testWebhook)
	h("POST "+w+"/replay", s.form("replay", "from", nil, s.webhookPage, s.replayWebhook))
	h("GET "+w+"/deliveries/{delivery}", s.deliveryPage)
	h("POST "+w+"/deliveries/{delivery}/resend", s.resendDelivery)
}

// webhookField places a create form's mistake beside its field.
func webhookField(err error) string {
	if roster.ReasonOf(err) == roster.ReasonUnknownEvent {
		return "events"
	}
	return "url"
}

type webhooksPage struct {
	Webhooks      []roster.Webhook
	Directories   []roster.Directory
	NoKey         bool   // the server has no secret key: nothing can be created
	DefaultEvents string // what the create form proposes
}

func (s *Console) webhooksPage(w http.ResponseWriter, r *http.Request, a *session) error {
	p := webhooksPage{NoKey: s.uc.Webhooks.Keys == nil, DefaultEvents: strings.Join(webhooks.DefaultEvents, ",")}
	var err error
	if p.Webhooks, err = s.uc.Webhooks.List(r.Context(), a.org.ID); err != nil {
		return err
	}
	if p.Directories, err = s.store.ListDirectories(r.Context(), a.org.ID); err != nil {
		return err
	}
	return s.render(w, r, a, http.StatusOK, "webhooks", view{Title: "Webhooks", Section: "webhooks", Page: p})
}

func (s *Console) createWebhook(w http.ResponseWriter, r *http.Request, a *session) error {
	f := r.PostForm
	hook, secret, err := s.uc.Webhooks.Create(r.Context(), webhooks.CreateRequest{OrgID: a.org.ID, URL: f.Get("url"),
		Events: strings.Split(f.Get("events"), ","), DirectoryID: f.Get("directory")})
	if err != nil {
		return err
	}
	return s.showWebhookSecret(w, r, a, hook.ID, secret, true)
}

// showWebhookSecret ends a POST that made a secret: it goes to the
// session's one-time slot, the browser to the page that shows it.
func (s *Console) showWebhookSecret(w http.ResponseWriter, r *http.Request, a *session, id, secret string, created bool) error {
	s.putReveal(w, r, a, reveal{Kind: "webhook", ID: id, Secret: secret, Created: created})
	http.Redirect(w, r, orgPath(a.org.ID, "webhooks", id, "secret"), http.StatusSeeOther)
	return nil
}

type webhookSecretPage struct {
	Webhook *roster.Webhook
	Secret  string
	Created bool
	Shown   bool // shown already: a reload, another tab
}

func (s *Console) webhookSecret(w http.ResponseWriter, r *http.Request, a *session) error {
	hook, err := s.uc.Webhooks.Get(r.Context(), a.org.ID, r.PathValue("webhook"))
	if err != nil {
		return err
	}
	p := webhookSecretPage{Webhook: hook, Shown: true}
	if v := s.takeReveal(w, r, a, "webhook", hook.ID); v != nil {
		p.Secret, p.Created, p.Shown = v.Secret, v.Created, false
	}
	return s.render(w, r, a, http.StatusOK, "webhook-secret", view{Title: "Webhook secret", Section: "webhooks", Page: p})
}

type webhookPage struct {
	Webhook    *roster.Webhook
	Directory  string // its name; "" for every directory
	Deliveries []roster.Delivery
	Rotating   bool // the previous secret still signs
}

// deliveryLog is how many deliveries the webhook's page lists.
const deliveryLog = 50

func (s *Console) webhookPage(w http.ResponseWriter, r *http.Request, a *session) error {
	ctx := r.Context()
	hook, err := s.uc.Webhooks.Get(ctx, a.org.ID, r.PathValue("webhook"))
	if err != nil {
		return err
	}
	p := webhookPage{Webhook: hook, Rotating: len(hook.OldSecret) > 0 && s.now().Before(hook.OldSecretUntil)}
	if hook.DirectoryID != "" {
		if d, err := s.store.GetDirectory(ctx, a.org.ID, hook.DirectoryID); err == nil {
			p.Directory = d.Name
		} else {
			p.Directory = hook.DirectoryID
		}
	}
	if p.Deliveries, err = s.uc.Webhooks.Deliveries(ctx, a.org.ID, hook.ID, "", deliveryLog); err != nil {
		return err
	}
	return s.render(w, r, a, http.StatusOK, "webhook", view{Title: hook.URL, Section: "webhooks", Page: p})
}

func (s *Console) webhookURL(a *session, r *http.Request) string {
	return orgPath(a.org.ID, "webhooks", r.PathValue("webhook"))
}

func (s *Console) rotateWebhook(w http.ResponseWriter, r *http.Request, a *session) error {
	hook, secret, err := s.uc.Webhooks.RotateSecret(r.Context(), a.org.ID, r.PathValue("webhook"), 0)
	if err != nil {
		return err
	}
	return s.showWebhookSecret(w, r, a, hook.ID, secret, false)
}

func (s *Console) enableWebhook(w http.ResponseWriter, r *http.Request, a *session) error {
	on := r.PostForm.Get("on") == "1"
	hook, err := s.uc.Webhooks.Disable(r.Context(), a.org.ID, r.PathValue("webhook"), !on)
	if err != nil {
		return err
	}
	msg := "Webhook disabled: nothing is sent to " + hook.URL + " until it is enabled again."
	if on {
		msg = "Webhook enabled: what happened meanwhile is delivered now."
	}
	return s.redirect(w, r, s.webhookURL(a, r), msg)
}

func (s *Console) deleteWebhook(w http.ResponseWriter, r *http.Request, a *session) error {
	hook, err := s.uc.Webhooks.Get(r.Context(), a.org.ID, r.PathValue("webhook"))
	if err != nil {
		return err
	}
	if r.PostForm.Get("confirm") != "delete" {
		return roster.Invalidf("", "type delete to confirm deleting the webhook to %s", hook.URL)
	}
	if err := s.uc.Webhooks.Delete(r.Context(), a.org.ID, hook.ID); err != nil {
		return err
	}
	return s.redirect(w, r, orgPath(a.org.ID, "webhooks"), "Webhook to "+hook.URL+" deleted, with its delivery log.")
}

func (s *Console) testWebhook(w http.ResponseWriter, r *http.Request, a *session) error {
	d, err := s.uc.Webhooks.SendTest(r.Context(), a.org.ID, r.PathValue("webhook"))
	if err != nil {
		return err
	}
	return s.redirect(w, r, s.webhookURL(a, r), "Test message "+d.ID+" queued; it is sent within seconds. Reload to see its delivery.")
}

func (s *Console) replayWebhook(w http.ResponseWriter, r *http.Request, a *session) error {
	from, err := strconv.ParseInt(strings.TrimSpace(r.PostForm.Get("from")), 10, 64)
	if err != nil {
		return roster.Invalidf("", "give the event sequence number to replay from (see Activity), not %q", r.PostForm.Get("from"))
	}
	if err := s.uc.Webhooks.Replay(r.Context(), a.org.ID, r.PathValue("webhook"), from); err != nil {
		return err
	}
	return s.redirect(w, r, s.webhookURL(a, r), "Events from "+strconv.FormatInt(from, 10)+" on will be delivered again, with their original webhook-ids.")
}

type deliveryPage struct {
	Webhook  *roster.Webhook
	Delivery *roster.Delivery
	Attempts []roster.DeliveryAttempt
}

func (s *Console) deliveryPage(w http.ResponseWriter, r *http.Request, a *session) error {
	hook, err := s.uc.Webhooks.Get(r.Context(), a.org.ID, r.PathValue("webhook"))
	if err != nil {
		return err
	}
	d, attempts, err := s.uc.Webhooks.Delivery(r.Context(), a.org.ID, hook.ID, r.PathValue("delivery"))
	if err != nil {
		return err
	}
	return s.render(w, r, a, http.StatusOK, "delivery", view{Title: "Delivery " + d.ID, Section: "webhooks", Page: deliveryPage{hook, d, attempts}})
}

func (s *Console) resendDelivery(w http.ResponseWriter, r *http.Request, a *session) error {
	id := r.PathValue("delivery")
	if err := s.uc.Webhooks.Resend(r.Context(), a.org.ID, r.PathValue("webhook"), id); err != nil {
		return err
	}
	return s.redirect(w, r, s.webhookURL(a, r), "Delivery "+id+" queued again, with the same webhook-id.")
}

// disabledWebhooks are the organization's webhooks that Roster disabled
// because they kept failing, for the Overview's warning.
func (s *Console) disabledWebhooks(r *http.Request, orgID string) ([]roster.Webhook, error) {
	list, err := s.uc.Webhooks.List(r.Context(), orgID)
	var out []roster.Webhook
	for _, h := range list {
		if h.Disabled && h.DisabledReason != "" {
			out = append(out, h)
		}
	}
	return out, err
}
