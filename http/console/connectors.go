package console

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/check"
	"github.com/rosterhq/roster/connectors"
	"github.com/rosterhq/roster/http/httperr"
)

// Connected applications: a product's outbound SCIM connectors, through
// the connectors use case the admin API and the command line call. They
// live under the product they provision; a connector of another product
// is not found there.
//
// The application's token is typed into a form once and never written
// into a page again (not even into the form drawn again after a
// mistake). The `roster check` report of a create is no secret, but it is
// not stored either: the POST puts a summary in the session's one-time
// slot (reveal.go) and the connector's page shows it once, so that a
// reload neither creates nor checks again.

func (s *Console) connectorRoutes(h func(string, page), o string) {
	p := o + "/products/{product}/connectors"
	c := p + "/{connector}"
	h("GET "+p+"/new", s.connectForm)
	h("POST "+p, s.createConnector)
	h("GET "+c, s.connectorPage)
	h("POST "+c+"/sync", s.syncConnector)
	h("POST "+c+"/resend", s.resendConnector)
	h("POST "+c+"/paused", s.pauseConnector)
	h("GET "+c+"/preview", s.previewConnector)
	h("GET "+c+"/deliveries", s.connectorDeliveries)
	h("POST "+c+"/settings", s.form("connector-settings", "settings", settingsField, s.connectorPage, s.updateConnector))
	h("POST "+c+"/token", s.form("replace-token", "token", nil, s.connectorPage, s.replaceConnectorToken))
	h("GET "+c+"/delete", s.deleteConnectorForm)
	h("POST "+c+"/delete", s.deleteConnector)
}

// connectorRow is a connector as the product's page and its own page show
// it: the use case's View (never the token) and what the console adds.
type connectorRow struct {
	connectors.View
	Host  string // the URL's host, the short name of the application
	State string // active, paused or failing
	// Waiting is when the oldest change the connector has yet to pass
	// happened (or, before its first pass, when it was created); zero
	// when it is up to date. Lag says it as people do.
	Waiting time.Time
	Lag     string
}

// lagOf says how far behind a connector waiting since waiting is: "up to
// date", "under a minute", "5 minutes".
func lagOf(waiting time.Time) string {
	switch {
	case waiting.IsZero():
		return "up to date"
	case time.Since(waiting) < time.Minute:
		return "under a minute"
	}
	return strings.TrimSuffix(ago(waiting), " ago")
}

// connectorState is how the console names a connector's state: paused by
// an admin, failing (its last passes failed), or active.
func connectorState(c *roster.Connector) string {
	switch {
	case c.Paused:
		return "paused"
	case c.Failures > 0:
		return "failing"
	}
	return "active"
}

// rowOf builds a connector's row. Its lag is read from the audit trail:
// the oldest event after the connector's cursor is the oldest change its
// next pass is due for (the worker's own rule of when a pass is due).
func (s *Console) rowOf(ctx context.Context, c *roster.Connector) (connectorRow, error) {
	row := connectorRow{View: connectors.ViewOf(c), State: connectorState(c)}
	if u, err := url.Parse(c.BaseURL); err == nil {
		row.Host = u.Host
	}
	if c.LastRun.IsZero() {
		row.Waiting = c.Created
	} else {
		evs, err := s.store.ListEvents(ctx, c.OrgID, c.Cursor, 1)
		if err != nil {
			return row, err
		}
		if len(evs) > 0 {
			row.Waiting = evs[0].Time
		}
	}
	row.Lag = lagOf(row.Waiting)
	return row, nil
}

// productConnectors are the rows of a product's connectors.
func (s *Console) productConnectors(ctx context.Context, orgID, product string) ([]connectorRow, error) {
	list, err := s.uc.Connectors.List(ctx, orgID)
	if err != nil {
		return nil, err
	}
	var out []connectorRow
	for i := range list {
		if list[i].Product != product {
			continue
		}
		row, err := s.rowOf(ctx, &list[i])
		if err != nil {
			return nil, err
		}
		out = append(out, row)
	}
	return out, nil
}

// productConnector loads the product and the connector in the path; a
// connector of another product is not found under this one.
func (s *Console) productConnector(r *http.Request, a *session) (*roster.Product, *roster.Connector, error) {
	pr, err := s.store.GetProduct(r.Context(), a.org.ID, r.PathValue("product"))
	if err != nil {
		return nil, nil, err
	}
	c, err := s.uc.Connectors.Get(r.Context(), a.org.ID, r.PathValue("connector"))
	if err != nil {
		return nil, nil, err
	}
	if c.Product != pr.Key {
		return nil, nil, roster.NotFoundf("%s has no connector %s", pr.Name, c.ID)
	}
	return pr, c, nil
}

func connectorPath(orgID, product, id string, rest ...string) string {
	return orgPath(orgID, append([]string{"products", product, "connectors", id}, rest...)...)
}

// checkSummary is a `roster check` report cut to what the page after a
// create shows: the counts and the steps that did not pass, each problem
// shortened, so that it fits the one-time slot's cookie.
type checkSummary struct {
	Passed   int         `json:"p"`
	Failed   int         `json:"f"`
	Warnings int         `json:"w"`
	Skipped  int         `json:"s"`
	Notes    []checkNote `json:"n,omitempty"`
	More     int         `json:"m,omitempty"` // steps that did not pass beyond Notes
}

type checkNote struct {
	Step    string `json:"t"` // "okta: Create user"
	Status  string `json:"st"`
	Problem string `json:"pr,omitempty"`
}

// Bounds of a summary: a browser keeps a cookie of about 4 KB, which the
// sealed, base64 slot must fit with its other fields.
const (
	summaryNotes   = 8
	summaryProblem = 180
	summaryBytes   = 2400 // the summary's JSON at most
)

func summarize(rep *check.Report) *checkSummary {
	if rep == nil {
		return nil
	}
	sum := &checkSummary{Passed: rep.Passed, Failed: rep.Failed, Warnings: rep.Warnings, Skipped: rep.Skipped}
	steps := append([]check.Step(nil), rep.Steps...)
	// Failures first, then warnings, then skipped steps: what matters most
	// is kept when the list is cut.
	rank := map[check.Status]int{check.Fail: 0, check.Warn: 1, check.Skip: 2}
	sort.SliceStable(steps, func(i, j int) bool { return rank[steps[i].Status] < rank[steps[j].Status] })
	for _, st := range steps {
		if st.Status == check.Pass {
			continue
		}
		if len(sum.Notes) == summaryNotes {
			sum.More++
			continue
		}
		sum.Notes = append(sum.Notes, checkNote{Step: string(st.Sequence) + ": " + st.Name, Status: string(st.Status), Problem: shorten(st.Problem, summaryProblem)})
	}
	// Problems full of characters JSON escapes could still overflow: drop
	// notes from the end (the least important) until it fits.
	for len(sum.Notes) > 0 {
		if b, _ := json.Marshal(sum); len(b) <= summaryBytes {
			break
		}
		sum.Notes = sum.Notes[:len(sum.Notes)-1]
		sum.More++
	}
	return sum
}

// shorten cuts s to at most n bytes, on a rune boundary, with an ellipsis.
func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = strings.ToValidUTF8(s[:n], "")
	return s + "…"
}

type connectPage struct {
	Product roster.Product
	NoKey   bool // the server has no secret key: nothing can be created
	// DefaultRateLimit is what the form proposes.
	DefaultRateLimit int
	// Refused is set when the target failed steps the connector needs:
	// those steps, and the report's counts.
	Refused *refusal
}

type refusal struct {
	URL   string
	Gaps  []string
	Check *checkSummary
}

type refusalKey struct{}

func (s *Console) connectForm(w http.ResponseWriter, r *http.Request, a *session) error {
	pr, err := s.store.GetProduct(r.Context(), a.org.ID, r.PathValue("product"))
	if err != nil {
		return err
	}
	p := connectPage{Product: *pr, NoKey: s.uc.Connectors.Keys == nil, DefaultRateLimit: connectors.DefaultRateLimit}
	p.Refused, _ = r.Context().Value(refusalKey{}).(*refusal)
	return s.render(w, r, a, http.StatusOK, "connector-new", view{Title: "Connect an application to " + pr.Name, Section: "products", Page: p})
}

// connectField places a create mistake beside its field: the URL's
// outbound rules, a name taken, the rate limit; the rest (no key, no
// token, a refused target) above the form.
func connectField(err error) string {
	if f := placedField(err); f != "" {
		return f
	}
	switch roster.ReasonOf(err) {
	case roster.ReasonPrivateTarget:
		return "url"
	case roster.ReasonTargetFailsCheck:
		return "check"
	}
	if roster.ErrorCodeOf(err) == roster.EConflict {
		return "name"
	}
	return "form"
}

// createConnector runs the use case's Create: `roster check` against the
// target, a refusal when it fails a step the connector needs (unless
// forced), the token sealed. A mistake draws the form again, without the
// token; a refusal with the steps that failed.
func (s *Console) createConnector(w http.ResponseWriter, r *http.Request, a *session) error {
	ctx := r.Context()
	pr, err := s.store.GetProduct(ctx, a.org.ID, r.PathValue("product"))
	if err != nil {
		return err
	}
	f := r.PostForm
	req := connectors.CreateRequest{OrgID: a.org.ID, Product: pr.Key, Name: f.Get("name"), URL: f.Get("url"), Token: f.Get("token"),
		OnRevoke: f.Get("on_revoke"), DryRun: f.Get("dry_run") == "1", Force: f.Get("force") == "1"}
	var c *roster.Connector
	var rep *check.Report
	if v := strings.TrimSpace(f.Get("rate_limit")); v != "" {
		n, perr := strconv.Atoi(v)
		if perr != nil {
			err = inField("rate_limit", roster.Invalidf("", "the rate limit is a whole number of requests per second (0: none), not %q", v))
		}
		req.RateLimit = &n
	}
	if err == nil {
		c, rep, err = s.uc.Connectors.Create(ctx, req)
	}
	if err != nil {
		if !isFormMistake(err) {
			return err
		}
		field := connectField(err)
		fs := &formState{Name: "connect", Field: field, Message: roster.AsError(err).Detail,
			Status: httperr.Status(roster.ErrorCodeOf(err)), Values: url.Values{}}
		for k, v := range f {
			if k != "token" { // typed once, never written into a page
				fs.Values[k] = v
			}
		}
		ctx = context.WithValue(ctx, formKey{}, fs)
		if field == "check" && rep != nil {
			onRevoke, _ := connectors.ParseOnRevoke(req.OnRevoke)
			ctx = context.WithValue(ctx, refusalKey{}, &refusal{URL: rep.BaseURL, Gaps: connectors.Gaps(rep, onRevoke), Check: summarize(rep)})
		}
		return s.connectForm(w, r.WithContext(ctx), a)
	}
	s.putReveal(w, r, a, reveal{Kind: "check", ID: c.ID, Check: summarize(rep)})
	msg := c.Name + " is connected: Roster provisions " + pr.Name + "'s users there from now on (Sync now does it at once)."
	if len(c.CheckGaps) > 0 {
		msg = c.Name + " is connected, with " + plural(len(c.CheckGaps), "accepted gap") + " in what it supports."
	}
	return s.redirect(w, r, connectorPath(a.org.ID, pr.Key, c.ID), msg)
}

type connectorPageData struct {
	Product roster.Product
	Row     connectorRow
	// Check is the create's `roster check` summary, on the page that
	// follows the create only.
	Check *checkSummary
}

func (s *Console) connectorPage(w http.ResponseWriter, r *http.Request, a *session) error {
	pr, c, err := s.productConnector(r, a)
	if err != nil {
		return err
	}
	p := connectorPageData{Product: *pr}
	if p.Row, err = s.rowOf(r.Context(), c); err != nil {
		return err
	}
	if r.Method == http.MethodGet {
		if v := s.takeReveal(w, r, a, "check", c.ID); v != nil {
			p.Check = v.Check
		}
	}
	return s.render(w, r, a, http.StatusOK, "connector", view{Title: c.Name, Section: "products", Page: p})
}

// back is where a connector's action returns to: the product's page when
// the form came from there, else the connector's page.
func back(r *http.Request, a *session, pr *roster.Product, c *roster.Connector) string {
	if r.PostForm.Get("back") == "product" {
		return orgPath(a.org.ID, "products", pr.Key) + "#connectors"
	}
	return connectorPath(a.org.ID, pr.Key, c.ID)
}

// syncConnector runs a full pass within the request, as `roster connector
// sync` does, and says what it did.
func (s *Console) syncConnector(w http.ResponseWriter, r *http.Request, a *session) error {
	pr, c, err := s.productConnector(r, a)
	if err != nil {
		return err
	}
	res, err := s.uc.Connectors.Sync(r.Context(), a.org.ID, c.ID)
	if err != nil {
		return err
	}
	msg := "Synced " + c.Name + ": " + changesSaid(res) + "; " + strconv.Itoa(res.InSync) + " in sync."
	if res.Failed > 0 {
		msg += " " + plural(res.Failed, "user") + " failed: see the delivery log."
	}
	return s.redirect(w, r, back(r, a, pr, c), msg)
}

// resendConnector pushes again, at once, the user (or, with groups=1, the
// groups) of a failed request of the delivery log, as `roster connector
// resend` does, and says how it went.
func (s *Console) resendConnector(w http.ResponseWriter, r *http.Request, a *session) error {
	pr, c, err := s.productConnector(r, a)
	if err != nil {
		return err
	}
	var users []string
	if u := r.PostForm.Get("user"); u != "" {
		users = []string{u}
	}
	res, err := s.uc.Connectors.Resend(r.Context(), a.org.ID, c.ID, users, r.PostForm.Get("groups") == "1")
	if err != nil {
		return err
	}
	msg := "Pushed again: " + changesSaid(res) + "."
	if res.Failed > 0 || res.GroupsFailed > 0 {
		msg = "Pushed again, and it failed again: see the newest requests below."
	}
	return s.redirect(w, r, connectorPath(a.org.ID, pr.Key, c.ID)+"/deliveries?failed=1", msg)
}

// opOrder is the order a pass's operations are told in.
var opOrder = []string{connectors.OpCreate, connectors.OpLink, connectors.OpUpdate, connectors.OpReactivate, connectors.OpDeactivate, connectors.OpDelete}

// changesSaid tells a pass's counts: "2 create, 1 update", or "no change".
func changesSaid(res *connectors.Result) string {
	var parts []string
	for _, op := range opOrder {
		if n := res.Counts[op]; n > 0 {
			parts = append(parts, strconv.Itoa(n)+" "+op)
		}
	}
	if len(parts) == 0 {
		return "no change"
	}
	return strings.Join(parts, ", ")
}

func (s *Console) pauseConnector(w http.ResponseWriter, r *http.Request, a *session) error {
	pr, c, err := s.productConnector(r, a)
	if err != nil {
		return err
	}
	on := r.PostForm.Get("on") == "1"
	if c, err = s.uc.Connectors.Pause(r.Context(), a.org.ID, c.ID, on); err != nil {
		return err
	}
	msg := c.Name + " is paused: nothing is sent to it until it is resumed (Sync now still runs a pass)."
	if !on {
		msg = c.Name + " is resumed: a full pass brings it up to date."
	}
	return s.redirect(w, r, back(r, a, pr, c), msg)
}

// previewTotal is one operation's line in a preview's totals.
type previewTotal struct {
	Op    string
	Count int
}

type previewPage struct {
	Product roster.Product
	Row     connectorRow
	Result  *connectors.Result
	Totals  []previewTotal
	Changes int // the total of Totals
}

// previewConnector runs a pass that writes nothing (it reads the target)
// and lists what a sync would do.
func (s *Console) previewConnector(w http.ResponseWriter, r *http.Request, a *session) error {
	pr, c, err := s.productConnector(r, a)
	if err != nil {
		return err
	}
	res, err := s.uc.Connectors.Preview(r.Context(), a.org.ID, c.ID)
	if err != nil {
		return err
	}
	p := previewPage{Product: *pr, Result: res}
	if p.Row, err = s.rowOf(r.Context(), c); err != nil {
		return err
	}
	for _, op := range opOrder {
		p.Totals = append(p.Totals, previewTotal{op, res.Counts[op]})
		p.Changes += res.Counts[op]
	}
	return s.render(w, r, a, http.StatusOK, "connector-preview", view{Title: "Preview of " + c.Name, Section: "products", Page: p})
}

// connectorLog is how many requests the delivery log page lists.
const connectorLog = 100

type connectorDeliveryRow struct {
	roster.ConnectorDelivery
	UserName string // "" when the user is gone from Roster
}

type connectorDeliveriesPage struct {
	Product    roster.Product
	Row        connectorRow
	FailedOnly bool
	Deliveries []connectorDeliveryRow
}

func (s *Console) connectorDeliveries(w http.ResponseWriter, r *http.Request, a *session) error {
	ctx := r.Context()
	pr, c, err := s.productConnector(r, a)
	if err != nil {
		return err
	}
	p := connectorDeliveriesPage{Product: *pr, FailedOnly: r.URL.Query().Get("failed") == "1"}
	if p.Row, err = s.rowOf(ctx, c); err != nil {
		return err
	}
	ds, err := s.uc.Connectors.Deliveries(ctx, a.org.ID, c.ID, p.FailedOnly, connectorLog)
	if err != nil {
		return err
	}
	// The log keeps user IDs; the page names them (a page holds at most
	// connectorLog requests, and users repeat).
	names := map[string]string{}
	for _, d := range ds {
		if _, ok := names[d.UserID]; ok || d.UserID == "" {
			continue
		}
		names[d.UserID] = ""
		if u, err := s.store.FindUser(ctx, a.org.ID, d.UserID); err == nil {
			names[d.UserID] = u.UserName
		} else if !isNotFound(err) {
			return err
		}
	}
	for _, d := range ds {
		p.Deliveries = append(p.Deliveries, connectorDeliveryRow{d, names[d.UserID]})
	}
	return s.render(w, r, a, http.StatusOK, "connector-deliveries", view{Title: "Delivery log of " + c.Name, Section: "products", Page: p})
}

// settingsField places a settings mistake: a name taken beside the name,
// a rate limit that is no number beside it; the use case's other refusals
// (a name too long, a limit out of range, an unknown policy) above the
// form, since their reason (invalid_value) does not say which field.
func settingsField(err error) string {
	if f := placedField(err); f != "" {
		return f
	}
	if roster.ErrorCodeOf(err) == roster.EConflict {
		return "name"
	}
	return "settings"
}

// updateConnector changes the settings the connector's page offers: its
// name, what a user who loses access becomes, the rate limit and dry run.
// (A new URL is a new application: connect it, so that it is checked.)
func (s *Console) updateConnector(w http.ResponseWriter, r *http.Request, a *session) error {
	pr, c, err := s.productConnector(r, a)
	if err != nil {
		return err
	}
	f := r.PostForm
	name, onRevoke, dryRun := f.Get("name"), f.Get("on_revoke"), f.Get("dry_run") == "1"
	limit, err := strconv.Atoi(strings.TrimSpace(f.Get("rate_limit")))
	if err != nil {
		return inField("rate_limit", roster.Invalidf("", "the rate limit is a whole number of requests per second (0: none), not %q", f.Get("rate_limit")))
	}
	if _, err := s.uc.Connectors.Update(r.Context(), a.org.ID, c.ID, connectors.UpdateRequest{Name: &name, OnRevoke: &onRevoke, DryRun: &dryRun, RateLimit: &limit}); err != nil {
		return err
	}
	return s.redirect(w, r, connectorPath(a.org.ID, pr.Key, c.ID), "Settings of "+name+" saved; a full pass follows.")
}

func (s *Console) replaceConnectorToken(w http.ResponseWriter, r *http.Request, a *session) error {
	pr, c, err := s.productConnector(r, a)
	if err != nil {
		return err
	}
	if c, err = s.uc.Connectors.ReplaceToken(r.Context(), a.org.ID, c.ID, r.PostForm.Get("token")); err != nil {
		return err
	}
	return s.redirect(w, r, connectorPath(a.org.ID, pr.Key, c.ID), "The token of "+c.Name+" is replaced; the next pass, due now, uses it.")
}

func (s *Console) deleteConnectorForm(w http.ResponseWriter, r *http.Request, a *session) error {
	pr, c, err := s.productConnector(r, a)
	if err != nil {
		return err
	}
	row, err := s.rowOf(r.Context(), c)
	if err != nil {
		return err
	}
	return s.render(w, r, a, http.StatusOK, "connector-delete", view{Title: "Delete " + c.Name, Section: "products", Page: connectorPageData{Product: *pr, Row: row}})
}

func (s *Console) deleteConnector(w http.ResponseWriter, r *http.Request, a *session) error {
	pr, c, err := s.productConnector(r, a)
	if err != nil {
		return err
	}
	if err := s.uc.Connectors.Delete(r.Context(), a.org.ID, c.ID); err != nil {
		return err
	}
	return s.redirect(w, r, orgPath(a.org.ID, "products", pr.Key)+"#connectors",
		c.Name+" is disconnected: its links and delivery log are deleted; the users it made stay in the application.")
}
