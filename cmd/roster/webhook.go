package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/webhooks"
)

// webhookFlags are what every webhook command shares: the organization,
// and what the use case needs from the operator (the secret key, whether
// private targets are allowed).
type webhookFlags struct {
	org, keyFile string
	private      bool
}

func (f *webhookFlags) define(fs *flag.FlagSet) {
	fs.StringVar(&f.org, "org", "", "the organization's ID")
	fs.StringVar(&f.keyFile, "secret-key-file", os.Getenv("ROSTER_SECRET_KEY_FILE"), "the server's secret key (roster keygen), which seals webhook secrets and connector tokens (env ROSTER_SECRET_KEY_FILE)")
	fs.BoolVar(&f.private, "allow-private-targets", false, "allow http:// and private or loopback addresses (internal receivers)")
}

// webhookRef is the flags of a command about one webhook.
type webhookRef struct{ oneRef }

// oneRef is the flags of a command about one webhook or connector: the
// shared flags and the ID.
type oneRef struct {
	webhookFlags
	id string
}

// defineWithID defines the shared flags and --kind (webhook or
// connector), and returns the required ones.
func (f *oneRef) defineWithID(fs *flag.FlagSet, kind string) []string {
	f.define(fs)
	fs.StringVar(&f.id, kind, "", "the "+kind+"'s ID")
	return []string{"org", kind}
}

func (f *webhookFlags) service(e *env) (*webhooks.Service, error) {
	k, err := f.keys()
	if err != nil {
		return nil, err
	}
	return &webhooks.Service{Store: e.st, AllowPrivate: f.private, Keys: k}, nil
}

// keys loads --secret-key-file; nil without one.
func (f *webhookFlags) keys() (*webhooks.Keyring, error) {
	if f.keyFile == "" {
		return nil, nil
	}
	return webhooks.LoadKey(f.keyFile)
}

// webhookJSON is a webhook as listed: never its secret.
type webhookJSON struct {
	ID        string    `json:"id"`
	URL       string    `json:"url"`
	Events    []string  `json:"events"`
	Directory string    `json:"directory,omitempty"`
	Disabled  bool      `json:"disabled"`
	Reason    string    `json:"disabledReason,omitempty"`
	Failing   timestamp `json:"failingSince,omitzero"`
	Rotating  timestamp `json:"previousSecretUntil,omitzero"`
	Created   timestamp `json:"created"`
}

func webhookView(w *roster.Webhook) webhookJSON {
	v := webhookJSON{ID: w.ID, URL: w.URL, Events: w.Events, Directory: w.DirectoryID, Disabled: w.Disabled, Reason: w.DisabledReason,
		Failing: timestamp(w.FailingSince), Created: timestamp(w.Created)}
	if len(w.OldSecret) > 0 && time.Now().Before(w.OldSecretUntil) {
		v.Rotating = timestamp(w.OldSecretUntil)
	}
	return v
}

func (v webhookJSON) Text(w io.Writer) {
	disabled := strconv.FormatBool(v.Disabled)
	if v.Reason != "" {
		disabled += " (" + v.Reason + ")"
	}
	labelled(w, "ID", v.ID, "URL", v.URL, "Events", strings.Join(v.Events, ","), "Directory", orNone(v.Directory), "Disabled", disabled)
}

// webhookSecretJSON is a webhook with its secret: printed once, on
// creation and rotation.
type webhookSecretJSON struct {
	ID     string `json:"id"`
	Secret string `json:"secret"`
	URL    string `json:"url"`
}

func (v webhookSecretJSON) Text(w io.Writer) {
	fmt.Fprintf(w, "Webhook %s → %s\nSecret (shown once; receivers verify signatures with it):\n  %s\n", v.ID, v.URL, v.Secret)
}

// webhookCreate is `roster webhook create`.
type webhookCreate struct {
	webhookFlags
	url, events, directory string
}

func (cmd *webhookCreate) flags(fs *flag.FlagSet) []string {
	cmd.define(fs)
	fs.StringVar(&cmd.url, "url", "", "the receiver's https:// URL")
	fs.StringVar(&cmd.events, "events", strings.Join(webhooks.DefaultEvents, ","), "comma-separated event filters: *, user.*, group.*, access.*, user.created, ...")
	fs.StringVar(&cmd.directory, "directory", "", "only this directory's events (default: every directory)")
	return []string{"org", "url"}
}

func (cmd *webhookCreate) run(ctx context.Context, e *env) (output, error) {
	svc, err := cmd.service(e)
	if err != nil {
		return nil, err
	}
	w, secret, err := svc.Create(cliCtx(ctx), webhooks.CreateRequest{OrgID: cmd.org, URL: cmd.url, Events: strings.Split(cmd.events, ","), DirectoryID: cmd.directory})
	if err != nil {
		return nil, err
	}
	return webhookSecretJSON{w.ID, secret, w.URL}, nil
}

// webhookList is `roster webhook list`.
type webhookList struct{ webhookFlags }

func (cmd *webhookList) flags(fs *flag.FlagSet) []string { cmd.define(fs); return []string{"org"} }

func (cmd *webhookList) run(ctx context.Context, e *env) (output, error) {
	svc, err := cmd.service(e)
	if err != nil {
		return nil, err
	}
	ws, err := svc.List(ctx, cmd.org)
	if err != nil {
		return nil, err
	}
	out := list[webhookJSON]{
		header: []string{"ID", "URL", "EVENTS", "DISABLED"},
		row: func(v webhookJSON) []string {
			return []string{v.ID, v.URL, strings.Join(v.Events, ","), strconv.FormatBool(v.Disabled)}
		},
		empty: fmt.Sprintf("No webhooks yet. Add one with: roster webhook create --org %s --url https://...", cmd.org),
	}
	for i := range ws {
		out.items = append(out.items, webhookView(&ws[i]))
	}
	return out, nil
}

// webhookUpdate is `roster webhook update`.
type webhookUpdate struct {
	webhookRef
	url, events, directory string
}

func (cmd *webhookUpdate) flags(fs *flag.FlagSet) []string {
	req := cmd.defineWithID(fs, "webhook")
	fs.StringVar(&cmd.url, "url", "", "a new URL")
	fs.StringVar(&cmd.events, "events", "", "new comma-separated event filters")
	fs.StringVar(&cmd.directory, "directory", "", "only this directory's events")
	return req
}

func (cmd *webhookUpdate) run(ctx context.Context, e *env) (output, error) {
	svc, err := cmd.service(e)
	if err != nil {
		return nil, err
	}
	var r webhooks.UpdateRequest
	if cmd.url != "" {
		r.URL = &cmd.url
	}
	if cmd.events != "" {
		r.Events = strings.Split(cmd.events, ",")
	}
	if cmd.directory != "" {
		r.DirectoryID = &cmd.directory
	}
	w, err := svc.Update(cliCtx(ctx), cmd.org, cmd.id, r)
	if err != nil {
		return nil, err
	}
	return webhookView(w), nil
}

// webhookRotate is `roster webhook rotate-secret`.
type webhookRotate struct {
	webhookRef
	grace time.Duration
}

func (cmd *webhookRotate) flags(fs *flag.FlagSet) []string {
	req := cmd.defineWithID(fs, "webhook")
	fs.DurationVar(&cmd.grace, "grace", webhooks.DefaultGrace, "how long the old secret keeps signing alongside the new one")
	return req
}

func (cmd *webhookRotate) run(ctx context.Context, e *env) (output, error) {
	svc, err := cmd.service(e)
	if err != nil {
		return nil, err
	}
	w, secret, err := svc.RotateSecret(cliCtx(ctx), cmd.org, cmd.id, cmd.grace)
	if err != nil {
		return nil, err
	}
	return webhookSecretJSON{w.ID, secret, w.URL}, nil
}

// webhookDisable is `roster webhook disable` (--enable turns it back on).
type webhookDisable struct {
	webhookRef
	enable bool
}

func (cmd *webhookDisable) flags(fs *flag.FlagSet) []string {
	req := cmd.defineWithID(fs, "webhook")
	fs.BoolVar(&cmd.enable, "enable", false, "enable it again; what happened meanwhile is delivered")
	return req
}

func (cmd *webhookDisable) run(ctx context.Context, e *env) (output, error) {
	svc, err := cmd.service(e)
	if err != nil {
		return nil, err
	}
	w, err := svc.Disable(cliCtx(ctx), cmd.org, cmd.id, !cmd.enable)
	if err != nil {
		return nil, err
	}
	return webhookView(w), nil
}

// webhookDelete is `roster webhook delete`.
type webhookDelete struct {
	webhookRef
}

func (cmd *webhookDelete) flags(fs *flag.FlagSet) []string {
	req := cmd.defineWithID(fs, "webhook")
	return req
}

func (cmd *webhookDelete) run(ctx context.Context, e *env) (output, error) {
	svc, err := cmd.service(e)
	if err != nil {
		return nil, err
	}
	if err := svc.Delete(cliCtx(ctx), cmd.org, cmd.id); err != nil {
		return nil, err
	}
	return done{"Webhook " + cmd.id + " deleted, with its delivery log."}, nil
}

// done is a result that is only a sentence.
type done struct {
	Message string `json:"message"`
}

func (d done) Text(w io.Writer) { fmt.Fprintln(w, d.Message) }

// webhookSendTest is `roster webhook send-test`.
type webhookSendTest struct {
	webhookRef
}

func (cmd *webhookSendTest) flags(fs *flag.FlagSet) []string {
	req := cmd.defineWithID(fs, "webhook")
	return req
}

func (cmd *webhookSendTest) run(ctx context.Context, e *env) (output, error) {
	svc, err := cmd.service(e)
	if err != nil {
		return nil, err
	}
	d, err := svc.SendTest(cliCtx(ctx), cmd.org, cmd.id)
	if err != nil {
		return nil, err
	}
	return done{"Test message " + d.ID + " queued; the server sends it within seconds (see roster webhook deliveries)."}, nil
}

// deliveryJSON is a line of the delivery log.
type deliveryJSON struct {
	ID        string    `json:"id"`
	Type      string    `json:"type"`
	EventSeq  int64     `json:"eventSeq,omitempty"`
	State     string    `json:"state"`
	Attempts  int       `json:"attempts"`
	Status    int       `json:"status,omitempty"`
	LatencyMS int64     `json:"latencyMs,omitempty"`
	Error     string    `json:"error,omitempty"`
	Response  string    `json:"response,omitempty"`
	Next      timestamp `json:"nextAttempt,omitzero"`
	Created   timestamp `json:"created"`
}

// webhookDeliveries is `roster webhook deliveries`; with --id, one
// delivery and each of its attempts.
type webhookDeliveries struct {
	webhookRef
	state, delivery string
	limit           int
}

func (cmd *webhookDeliveries) flags(fs *flag.FlagSet) []string {
	req := cmd.defineWithID(fs, "webhook")
	fs.StringVar(&cmd.state, "state", "", "only pending, delivered or dead deliveries")
	fs.IntVar(&cmd.limit, "limit", 50, "how many, newest first")
	fs.StringVar(&cmd.delivery, "id", "", "one delivery (msg_...): show each of its attempts")
	return req
}

func deliveryView(d *roster.Delivery) deliveryJSON {
	v := deliveryJSON{ID: d.ID, Type: d.Type, EventSeq: d.EventSeq, State: string(d.State), Attempts: d.Attempts, Status: d.LastStatus,
		LatencyMS: d.LastLatency.Milliseconds(), Error: d.LastError, Response: d.ResponseExcerpt, Created: timestamp(d.Created)}
	if d.State == roster.DeliveryPending {
		v.Next = timestamp(d.NextAttempt)
	}
	return v
}

// shorten cuts a note for a table cell.
func shorten(note string, n int) string {
	if r := []rune(note); len(r) > n {
		return string(r[:n]) + "…"
	}
	return note
}

func (cmd *webhookDeliveries) run(ctx context.Context, e *env) (output, error) {
	svc, err := cmd.service(e)
	if err != nil {
		return nil, err
	}
	if cmd.delivery != "" {
		d, attempts, err := svc.Delivery(ctx, cmd.org, cmd.id, cmd.delivery)
		if err != nil {
			return nil, err
		}
		out := deliveryAttemptsJSON{deliveryJSON: deliveryView(d), AttemptLog: []attemptJSON{}}
		for _, a := range attempts {
			out.AttemptLog = append(out.AttemptLog, attemptJSON{Number: a.Number, At: timestamp(a.At), Status: a.Status, LatencyMS: a.Latency.Milliseconds(),
				Error: a.Error, Response: a.ResponseExcerpt, Node: a.Node})
		}
		return out, nil
	}
	ds, err := svc.Deliveries(ctx, cmd.org, cmd.id, roster.DeliveryState(cmd.state), cmd.limit)
	if err != nil {
		return nil, err
	}
	out := list[deliveryJSON]{
		header: []string{"ID", "TYPE", "STATE", "ATTEMPTS", "STATUS", "LATENCY", "RESPONSE / ERROR"},
		row: func(d deliveryJSON) []string {
			note := d.Response
			if d.Error != "" {
				note = d.Error
			}
			return []string{d.ID, d.Type, d.State, strconv.Itoa(d.Attempts), strconv.Itoa(d.Status), strconv.FormatInt(d.LatencyMS, 10) + "ms", shorten(note, 60)}
		},
		empty: "No deliveries yet.",
	}
	for i := range ds {
		out.items = append(out.items, deliveryView(&ds[i]))
	}
	return out, nil
}

// attemptJSON is one attempt of a delivery.
type attemptJSON struct {
	Number    int       `json:"attempt"`
	At        timestamp `json:"at"`
	Status    int       `json:"status"`
	LatencyMS int64     `json:"latencyMs"`
	Error     string    `json:"error,omitempty"`
	Response  string    `json:"response,omitempty"`
	Node      string    `json:"node"`
}

// deliveryAttemptsJSON is a delivery with its attempts.
type deliveryAttemptsJSON struct {
	deliveryJSON
	AttemptLog []attemptJSON `json:"attemptLog"`
}

func (v deliveryAttemptsJSON) Text(w io.Writer) {
	labelled(w, "ID", v.ID, "Type", v.Type, "State", v.State, "Attempts", strconv.Itoa(v.Attempts))
	if len(v.AttemptLog) == 0 {
		fmt.Fprintln(w, "\nNo attempt yet.")
		return
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 3, ' ', 0)
	fmt.Fprintln(tw, "#\tAT\tSTATUS\tLATENCY\tNODE\tRESPONSE / ERROR")
	for _, a := range v.AttemptLog {
		note := a.Response
		if a.Error != "" {
			note = a.Error
		}
		fmt.Fprintf(tw, "%d\t%s\t%d\t%dms\t%s\t%s\n", a.Number, time.Time(a.At).Format(time.RFC3339), a.Status, a.LatencyMS, a.Node, shorten(note, 60))
	}
	tw.Flush()
}

// webhookResend is `roster webhook resend`.
type webhookResend struct {
	webhookRef
	delivery string
}

func (cmd *webhookResend) flags(fs *flag.FlagSet) []string {
	req := cmd.defineWithID(fs, "webhook")
	fs.StringVar(&cmd.delivery, "delivery", "", "the delivery's ID (its webhook-id, msg_...)")
	return append(req, "delivery")
}

func (cmd *webhookResend) run(ctx context.Context, e *env) (output, error) {
	svc, err := cmd.service(e)
	if err != nil {
		return nil, err
	}
	if err := svc.Resend(cliCtx(ctx), cmd.org, cmd.id, cmd.delivery); err != nil {
		return nil, err
	}
	return done{"Delivery " + cmd.delivery + " queued again, with the same webhook-id."}, nil
}

// webhookReplay is `roster webhook replay`.
type webhookReplay struct {
	webhookRef
	from int64
}

func (cmd *webhookReplay) flags(fs *flag.FlagSet) []string {
	req := cmd.defineWithID(fs, "webhook")
	fs.Int64Var(&cmd.from, "from", 0, "the event sequence number to deliver again from (see the audit trail)")
	return append(req, "from")
}

func (cmd *webhookReplay) run(ctx context.Context, e *env) (output, error) {
	svc, err := cmd.service(e)
	if err != nil {
		return nil, err
	}
	if err := svc.Replay(cliCtx(ctx), cmd.org, cmd.id, cmd.from); err != nil {
		return nil, err
	}
	return done{fmt.Sprintf("Events from %d on will be delivered again to webhook %s.", cmd.from, cmd.id)}, nil
}
